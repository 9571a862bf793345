// tfjs in Node for the CLI and the benchmarks: the wasm backend registered with its binaries,
// WebGPU through Dawn when asked, and the backend chosen from an order and reported.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chooseBackend, describeBackend, type TfNamespace } from '../core/tf/backend';

/** The order to try for a `--backend` flag: the one asked for first, then what always works. */
export function backendOrder(flag: 'wasm' | 'cpu' | 'webgpu' | undefined): string[] {
  return flag === 'cpu' ? ['cpu'] : flag === 'webgpu' ? ['webgpu', 'wasm', 'cpu'] : ['wasm', 'cpu'];
}

/** Where the tfjs wasm binaries are: beside the installed package, else beside the bundle. */
function wasmDirectory(): string {
  try {
    return join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm')), '/');
  } catch {
    return join(__dirname, 'webview', '/');
  }
}

interface NodeGpu {
  requestAdapter(): Promise<unknown>;
}

/**
 * WebGPU in Node through Dawn (the `webgpu` package, a development dependency): installs
 * navigator.gpu and returns null, or says why it cannot. Dawn needs a Vulkan driver, found through
 * the environment the process started with (VK_ICD_FILENAMES).
 */
async function nodeWebGpuProbe(): Promise<string | null> {
  let webgpu: { create(options: string[]): NodeGpu; globals: object };
  try {
    // A variable specifier keeps TypeScript off the package's DOM-flavoured types.
    const specifier = 'webgpu';
    webgpu = (await import(specifier)) as typeof webgpu;
  } catch (err) {
    return `the webgpu package is not installed (${(err as Error).message})`;
  }
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return (await gpu.requestAdapter()) ? null : 'Dawn found no GPU adapter (no Vulkan driver)';
}

/** tfjs with the wasm backend registered, on the first backend of `order` that initialises. */
export async function nodeTf(order: readonly string[]): Promise<{ tf: TfNamespace; backend: string }> {
  const tf = await import('@tensorflow/tfjs');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(wasmDirectory());
  // The webgpu backend registers itself on import only when navigator.gpu exists: Dawn first.
  let webgpuReason: string | null = 'not requested';
  if (order.includes('webgpu')) {
    webgpuReason = await nodeWebGpuProbe();
    await import('@tensorflow/tfjs-backend-webgpu');
  }
  const choice = await chooseBackend(tf, { order, probes: { webgpu: async () => webgpuReason } });
  return { tf, backend: describeBackend(choice) };
}

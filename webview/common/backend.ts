// The tfjs backend of every panel, chosen once when the page opens: tfjs-backend-wasm is told
// where the page serves its binaries, WebGPU is probed (its adapter described, and whether it
// only emulates a GPU on the CPU), then webgpu, webgl, wasm and cpu are tried in that order
// (src/core/tf/backend.ts). Each panel shows the result its own way.
// Typed without the DOM, so that unit tests run it in Node with a stand-in page.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { chooseBackend, describeBackend, describeWebGpuAdapter, isEmulatedAdapter, type BackendChoice, type TfNamespace, type WebGpuAdapterLike } from '../../src/core/tf/backend';

/** The part of `navigator.gpu` the probe uses. */
export interface WebGpuLike {
  requestAdapter(): Promise<WebGpuAdapterLike | null>;
}

/** What the choice reads from the page; `pageBackendEnv()` reads it from the real one. */
export interface BackendEnv {
  /** Where the page serves tfjs's wasm binaries (its body's `data-assets`). */
  assets: string;
  /** `navigator.gpu`, when the page has WebGPU. */
  gpu?: WebGpuLike;
  /** Tells tfjs-backend-wasm where its binaries are (tfjs's own unless a test stands in). */
  setWasmPaths?: (prefix: string) => void;
  /** The backends to try, best first (default: webgpu, webgl, wasm, cpu). */
  order?: readonly string[];
}

export interface PickedBackend {
  /** The backend in use, with why each better one was passed over; null when none initialised. */
  backend: BackendChoice | null;
  /** The WebGPU adapter in words, when the probe found one ('' otherwise). */
  adapterText: string;
  /** Whether that adapter emulates a GPU on the CPU (SwiftShader, or a fallback adapter). */
  adapterEmulated: boolean;
  /** Why no backend initialised, when none did. */
  error: string | null;
}

/** The assets address and WebGPU of the page this runs in. */
export function pageBackendEnv(): BackendEnv {
  const page = globalThis as unknown as { document?: { body?: { dataset?: Record<string, string | undefined> } }; navigator?: { gpu?: WebGpuLike } };
  return { assets: page.document?.body?.dataset?.assets ?? '', gpu: page.navigator?.gpu };
}

/** Chooses the tfjs backend; never rejects (a failure is in `error`). */
export async function pickTfBackend(tf: TfNamespace, env: BackendEnv = pageBackendEnv()): Promise<PickedBackend> {
  const picked: PickedBackend = { backend: null, adapterText: '', adapterEmulated: false, error: null };
  try {
    (env.setWasmPaths ?? setWasmPaths)(env.assets.endsWith('/') ? env.assets : `${env.assets}/`);
    const gpu = env.gpu;
    picked.backend = await chooseBackend(tf, {
      order: env.order,
      probes: {
        webgpu: async () => {
          if (!gpu) return 'navigator.gpu is missing (WebGPU is not enabled here)';
          const adapter = await gpu.requestAdapter();
          if (!adapter) return 'no WebGPU adapter was found';
          picked.adapterText = describeWebGpuAdapter(adapter);
          picked.adapterEmulated = isEmulatedAdapter(adapter);
          return null;
        },
      },
    });
  } catch (err) {
    picked.error = (err as Error).message ?? String(err);
  }
  return picked;
}

/** "webgpu; adapter: …" or "wasm (webgpu: …; webgl: …)"; the adapter only when webgpu runs. */
export function backendTitle(picked: PickedBackend): string {
  if (!picked.backend) return picked.error ?? '';
  const adapter = picked.backend.name === 'webgpu' && picked.adapterText ? `; adapter: ${picked.adapterText}` : '';
  return `${describeBackend(picked.backend)}${adapter}`;
}

/** The parts of the `#backend` badge that `showBackendBadge` fills (an HTMLElement in the page). */
export interface BadgeLike {
  textContent: string | null;
  title: string;
  dataset: Record<string, string | undefined>;
}

/**
 * The badge of the training and magnitude panels: "backend: <name>", the reasons and the adapter
 * in its title, and `data-backend` (which the end-to-end tests wait for); "backend: none (…)"
 * with no `data-backend` when nothing initialised.
 */
export function showBackendBadge(badge: BadgeLike, picked: PickedBackend): void {
  if (!picked.backend) {
    badge.textContent = `backend: none (${picked.error})`;
    return;
  }
  badge.textContent = `backend: ${picked.backend.name}`;
  badge.title = backendTitle(picked);
  badge.dataset.backend = picked.backend.name;
}

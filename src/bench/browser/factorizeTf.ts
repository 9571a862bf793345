// The page of the tfjs W-NMF benchmark in headless Chromium: chooses a tfjs backend as the
// Factorize panel does (WebGPU first, with the adapter named) and runs the cases it is given with
// the same code as the Node rows. Bundled and served by src/bench/factorizeTf.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { FactorizeConfig } from '../../core/factorize/job';
import { chooseBackend, describeBackend, describeWebGpuAdapter, isEmulatedAdapter, type WebGpuAdapterLike } from '../../core/tf/backend';
import { runTfCase, type TfCaseResult } from '../factorizeTfCase';

interface PageGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<WebGpuAdapterLike | null>;
}

// src/ is typed without the DOM: the page's globals, as much of them as is used here.
const page = globalThis as unknown as { location: { href: string }; navigator: { gpu?: PageGpu; userAgent: string } };

const api = {
  /** Picks the first backend of `order` that initialises; reports it and the WebGPU adapter. */
  async setup(order: string[]): Promise<{ backend: string; description: string; adapter: string | null; emulated: boolean | null; userAgent: string }> {
    setWasmPaths(new URL('./', page.location.href).href);
    const gpu = page.navigator.gpu;
    let adapter: WebGpuAdapterLike | null = null;
    const choice = await chooseBackend(tf, {
      order,
      probes: {
        webgpu: async () => {
          if (!gpu) return 'navigator.gpu is missing (WebGPU is not enabled here)';
          adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
          return adapter ? null : 'no WebGPU adapter was found';
        },
      },
    });
    const a = choice.name === 'webgpu' ? (adapter as WebGpuAdapterLike | null) : null;
    return { backend: choice.name, description: describeBackend(choice), adapter: a ? describeWebGpuAdapter(a) : null, emulated: a ? isEmulatedAdapter(a) : null, userAgent: page.navigator.userAgent };
  },
  async run(values: number[], rows: number, cols: number, config: FactorizeConfig): Promise<TfCaseResult> {
    return runTfCase(tf, { rows, cols, values: Float64Array.from(values) }, config);
  },
};

(globalThis as unknown as { lacunaBench: typeof api }).lacunaBench = api;

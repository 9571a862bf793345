// Backend choice, made once at the edge (the webview or the CLI) and shown to the user:
// webgpu, then webgl, then wasm, then cpu. Each better backend that was passed over says why.
import type * as tfType from '@tensorflow/tfjs';

export type TfNamespace = typeof tfType;

export const BACKEND_ORDER = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_ORDER)[number];

export interface BackendAttempt {
  name: string;
  ok: boolean;
  reason: string;
}

export interface BackendChoice {
  name: string;
  attempts: BackendAttempt[];
}

/**
 * Tries each backend in order and keeps the first that initialises. `probes` may explain up
 * front why one cannot work (e.g. "navigator.gpu is missing"), returning null when it might.
 */
export async function chooseBackend(
  tf: TfNamespace,
  options: { order?: readonly string[]; probes?: Record<string, () => Promise<string | null>>; timeoutMs?: number } = {},
): Promise<BackendChoice> {
  const order = options.order ?? BACKEND_ORDER;
  const attempts: BackendAttempt[] = [];
  for (const name of order) {
    if (!tf.findBackendFactory(name)) {
      attempts.push({ name, ok: false, reason: 'not registered in this build' });
      continue;
    }
    const probe = options.probes?.[name];
    const probeReason = probe ? await probe().catch((e: unknown) => `probe failed: ${(e as Error).message ?? e}`) : null;
    if (probeReason) {
      attempts.push({ name, ok: false, reason: probeReason });
      continue;
    }
    try {
      const ok = await withTimeout(tf.setBackend(name), options.timeoutMs ?? 15000, `${name} did not initialise within ${(options.timeoutMs ?? 15000) / 1000} s`);
      if (ok) {
        await tf.ready();
        attempts.push({ name, ok: true, reason: 'initialised' });
        return { name, attempts };
      }
      attempts.push({ name, ok: false, reason: 'failed to initialise' });
    } catch (err) {
      attempts.push({ name, ok: false, reason: (err as Error).message ?? String(err) });
    }
  }
  throw new Error(`no tfjs backend could initialise: ${attempts.map((a) => `${a.name} (${a.reason})`).join('; ')}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** A one-line description for the user: "webgpu" or "wasm (webgpu: …; webgl: …)". */
export function describeBackend(choice: BackendChoice): string {
  const passed = choice.attempts.filter((a) => !a.ok);
  return passed.length ? `${choice.name} (${passed.map((a) => `${a.name}: ${a.reason}`).join('; ')})` : choice.name;
}

/** Runs `fn` and throws if it leaves more tensors alive than before. */
export async function expectNoTensorLeak<T>(tf: TfNamespace, fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensors left alive (${before} before, ${after} after)`);
  return out;
}

/** The parts of a WebGPU adapter that say what it is (core is typed without the DOM). */
export interface WebGpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; device?: string; description?: string };
}

/** Whether the adapter runs WebGPU on the CPU (SwiftShader, or any fallback adapter). */
export function isEmulatedAdapter(adapter: WebGpuAdapterLike): boolean {
  const info = adapter.info ?? {};
  return adapter.isFallbackAdapter === true || /swiftshader/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

/** "nvidia hopper …", or "google swiftshader (a CPU emulation of a GPU, not a GPU)". */
export function describeWebGpuAdapter(adapter: WebGpuAdapterLike): string {
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter((w) => w && w.length > 0).join(' ');
  return `${words || 'an unnamed adapter'}${isEmulatedAdapter(adapter) ? ' (a CPU emulation of a GPU, not a GPU)' : ''}`;
}

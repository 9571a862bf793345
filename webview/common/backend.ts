// The tfjs backend of every panel, chosen once when the page opens: tfjs-backend-wasm is told
// where the page serves its binaries, WebGPU is probed (its adapter described, and whether it
// only emulates a GPU on the CPU), then either the first of webgpu, webgl, wasm and cpu that
// initialises is taken (src/core/tf/backend.ts), or, with `measure`, each one that initialises
// runs a representative step for a fraction of a second and the fastest is taken
// (`measureBackends`). Each panel shows the result its own way; `switchBackend` is the user's
// choice from a selector (webview/common/backendSelect.ts).
// Typed without the DOM, so that unit tests run it in Node with a stand-in page.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { BACKEND_ORDER, chooseBackend, describeBackend, describeWebGpuAdapter, isEmulatedAdapter, type BackendChoice, type TfNamespace, type WebGpuAdapterLike } from '../../src/core/tf/backend';

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
  /** With `measure`: each backend's timing of the probe step, in the order tried. */
  timings: BackendTiming[];
  /** Why this backend: 'the first that initialised', the measurement, or the user's choice. */
  reason: string;
  /** How the backend in use was chosen. */
  chosenBy: 'order' | 'measured' | 'user';
}

/** The assets address and WebGPU of the page this runs in. */
export function pageBackendEnv(): BackendEnv {
  const page = globalThis as unknown as { document?: { body?: { dataset?: Record<string, string | undefined> } }; navigator?: { gpu?: WebGpuLike } };
  return { assets: page.document?.body?.dataset?.assets ?? '', gpu: page.navigator?.gpu };
}

/** Chooses the tfjs backend; never rejects (a failure is in `error`). */
export async function pickTfBackend(tf: TfNamespace, env: BackendEnv = pageBackendEnv(), measure?: MeasureOptions | true): Promise<PickedBackend> {
  const picked: PickedBackend = { backend: null, adapterText: '', adapterEmulated: false, error: null, timings: [], reason: '', chosenBy: 'order' };
  try {
    (env.setWasmPaths ?? setWasmPaths)(env.assets.endsWith('/') ? env.assets : `${env.assets}/`);
    const gpu = env.gpu;
    const probes = {
      webgpu: async () => {
        if (!gpu) return 'navigator.gpu is missing (WebGPU is not enabled here)';
        const adapter = await gpu.requestAdapter();
        if (!adapter) return 'no WebGPU adapter was found';
        picked.adapterText = describeWebGpuAdapter(adapter);
        picked.adapterEmulated = isEmulatedAdapter(adapter);
        return null;
      },
    };
    if (measure) {
      const m = await measureBackends(tf, { ...(measure === true ? {} : measure), order: env.order, probes, emulated: (name) => name === 'webgpu' && picked.adapterEmulated });
      picked.timings = m.timings;
      picked.reason = m.reason;
      picked.chosenBy = 'measured';
      if (!m.fastest) throw new Error(`no tfjs backend could run: ${m.reason}`);
      picked.backend = { name: m.fastest, attempts: m.timings.map((t) => ({ name: t.name, ok: t.name === m.fastest, reason: t.msPerStep !== null ? `${formatMs(t.msPerStep)} a step` : t.reason })) };
    } else {
      picked.backend = await chooseBackend(tf, { order: env.order, probes });
      picked.reason = 'the first backend that initialised';
    }
  } catch (err) {
    picked.error = (err as Error).message ?? String(err);
  }
  return picked;
}

/** The selector's entries: 'auto' (the measured fastest) and every backend that ran the probe. */
export function backendOptions(picked: PickedBackend): { value: string; label: string }[] {
  const fastest = picked.timings.filter((t) => t.msPerStep !== null).sort((a, b) => a.msPerStep! - b.msPerStep!)[0];
  const out = [{ value: 'auto', label: fastest ? `auto (fastest: ${fastest.name})` : 'auto' }];
  for (const t of picked.timings) {
    const label = `${t.name}${t.emulated ? ' (emulated GPU)' : ''}`;
    if (t.msPerStep !== null) out.push({ value: t.name, label: `${label} · ${formatMs(t.msPerStep)}/step` });
    else if (t.initialised) out.push({ value: t.name, label: `${label} · ${t.reason.replace(/^its /, '')}` });
  }
  return out;
}

/** Switches to the user's choice ('auto': back to the measured fastest); resolves to false when it failed. */
export async function switchBackend(tf: TfNamespace, picked: PickedBackend, choice: string): Promise<boolean> {
  const ran = picked.timings.filter((t) => t.msPerStep !== null).sort((a, b) => a.msPerStep! - b.msPerStep!);
  const name = choice === 'auto' ? ran[0]?.name : choice;
  const t = picked.timings.find((r) => r.name === name && (r.msPerStep !== null || r.initialised));
  if (!name || !t) return false;
  if (!(await tf.setBackend(name))) return false;
  await tf.ready();
  picked.backend = { name, attempts: picked.backend?.attempts ?? [] };
  picked.chosenBy = choice === 'auto' ? 'measured' : 'user';
  picked.reason = choice === 'auto' ? measuredReason(picked.timings, name) : `chosen by you (${t.msPerStep !== null ? `${formatMs(t.msPerStep)} a step` : t.reason}; ${measuredReason(picked.timings, ran[0]?.name ?? null)})`;
  return true;
}

/** "webgpu; adapter: …" or "wasm (webgpu: …; webgl: …)"; the adapter only when webgpu runs. */
export function backendTitle(picked: PickedBackend): string {
  if (!picked.backend) return picked.error ?? '';
  if (picked.chosenBy !== 'order') return `${picked.backend.name}: ${picked.reason}${picked.adapterText ? `; WebGPU adapter: ${picked.adapterText}` : ''}`;
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
  const timing = picked.timings.find((t) => t.name === picked.backend!.name && t.msPerStep !== null);
  const how = picked.chosenBy === 'user' ? 'your choice' : picked.chosenBy === 'measured' ? 'fastest measured' : '';
  badge.textContent = `backend: ${picked.backend.name}${timing ? ` (${how}, ${formatMs(timing.msPerStep!)}/step)` : picked.chosenBy === 'user' ? ' (your choice)' : ''}`;
  badge.title = backendTitle(picked);
  badge.dataset.backend = picked.backend.name;
  badge.dataset.chosenBy = picked.chosenBy;
}

// ---------------------------------------------------------------------------------------------
// Chosen by measurement: every backend that initialises runs a representative step for a
// fraction of a second, and the fastest wins. An emulated GPU (SwiftShader) is therefore never
// chosen over wasm unless it measured faster. The panel shows the choice, its timing and why, and
// lets the user pick another (`switchBackend`).

/** A step like the panels' work: a dense two-layer forward and backward pass, read back. */
export type ProbeStep = (tf: TfNamespace) => Promise<void>;

/**
 * The default probe: 512 rows (a batch of tokens) of width 64 through a 256-wide hidden layer
 * and back, with the gradient of both weights, i.e. the matmul-and-grad work of the ViT and Kron
 * imputers and the autoencoder; about 0.1 GFLOP. The result is read back, so a GPU's queue is
 * drained and the time is the step's, not its submission's.
 */
export const denseProbeStep: ProbeStep = async (tf) => {
  const out = tf.tidy(() => {
    const x = tf.randomNormal([512, 64], 0, 1, 'float32', 7);
    const w1 = tf.randomNormal([64, 256], 0, 0.1, 'float32', 8);
    const w2 = tf.randomNormal([256, 64], 0, 0.1, 'float32', 9);
    const loss = (a: typeof w1, b: typeof w2) => tf.relu(x.matMul(a)).matMul(b).sub(x).square().mean() as typeof w1;
    const [g1, g2] = tf.grads(loss)([w1, w2]);
    return tf.stack([g1.sum(), g2.sum()]);
  });
  await out.data();
  out.dispose();
};

/** One backend's measurement: null times when it could not run (the reason says why). */
export interface BackendTiming {
  name: string;
  /** The first step, compile and upload included. */
  firstStepMs: number | null;
  /** The mean of the timed steps after the first. */
  msPerStep: number | null;
  steps: number;
  /** 'measured', or why it was not. */
  reason: string;
  /** A WebGPU adapter that emulates a GPU on the CPU. */
  emulated: boolean;
  /** It initialised (the user may still choose it, even when its step overran or failed). */
  initialised?: boolean;
}

export interface MeasureOptions {
  /** The representative step (default `denseProbeStep`). */
  step?: ProbeStep;
  /** How long each backend's timed steps run, after its first (default 250 ms). */
  budgetMs?: number;
  /** A first step slower than this rules the backend out (default 4 s: shader compilation included, a step must stay short). */
  firstStepLimitMs?: number;
  now?: () => number;
}

export interface MeasuredBackends {
  timings: BackendTiming[];
  /** The fastest measured backend, or null when none ran. */
  fastest: string | null;
  /** Why the fastest was chosen, in words (with the others' timings). */
  reason: string;
}

const nowMs = () => (globalThis as unknown as { performance?: { now(): number } }).performance?.now() ?? Date.now();

function raceTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    p.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

/** "4.1 ms", "52 ms", "1.3 s". */
export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 10 ? `${Math.round(ms)} ms` : `${ms.toFixed(1)} ms`;
}

/**
 * Times `work` the way the backends are timed: a first run (compile and upload included, ruled
 * out over the limit), then repeats for `budgetMs` (at least two); the mean of the repeats. Any
 * path is timed so, not only a tfjs backend: a panel times its Float64 CPU path with it too.
 */
export async function timeWork(name: string, work: () => Promise<void> | void, options: Omit<MeasureOptions, 'step'> & { emulated?: boolean } = {}): Promise<BackendTiming> {
  const o = { budgetMs: options.budgetMs ?? 250, firstStepLimitMs: options.firstStepLimitMs ?? 4000, now: options.now ?? nowMs };
  const t: BackendTiming = { name, firstStepMs: null, msPerStep: null, steps: 0, reason: 'measured', emulated: options.emulated ?? false, initialised: true };
  try {
    const t0 = o.now();
    const first = await raceTimeout(Promise.resolve().then(work), o.firstStepLimitMs);
    if (first === 'timeout') {
      t.reason = `its first step took over ${formatMs(o.firstStepLimitMs)}`;
      return t;
    }
    t.firstStepMs = o.now() - t0;
    const t1 = o.now();
    while (t.steps < 200 && (t.steps < 2 || o.now() - t1 < o.budgetMs)) {
      await work();
      t.steps++;
    }
    t.msPerStep = (o.now() - t1) / t.steps;
  } catch (err) {
    t.reason = `its step failed: ${(err as Error).message ?? String(err)}`;
  }
  return t;
}

/** Times `step` on one initialised backend (the current one); a leak is named in the reason. */
async function timeBackend(tf: TfNamespace, name: string, emulated: boolean, o: Required<MeasureOptions>): Promise<BackendTiming> {
  const before = tf.memory().numTensors;
  const t = await timeWork(name, () => o.step(tf), { ...o, emulated });
  if (tf.memory().numTensors !== before) t.reason += ` (left ${tf.memory().numTensors - before} tensors)`;
  return t;
}

/** Two ways to do one piece of work, timed with `timeWork`: which is faster, and why in words. */
export interface PathChoice {
  /** The faster path's name, or null when neither ran. */
  faster: string | null;
  reason: string;
}

/**
 * Compares a tfjs path with another (the Float64 CPU code) on the same probe work; `scale`
 * weighs each measured time for the size the panel will actually run (default: as measured).
 */
export function fasterPath(a: BackendTiming, b: BackendTiming, work: string, scale: (t: BackendTiming) => number = () => 1): PathChoice {
  const ms = (t: BackendTiming) => (t.msPerStep === null ? null : t.msPerStep * scale(t));
  const [ma, mb] = [ms(a), ms(b)];
  const said = (t: BackendTiming, m: number | null) => (m === null ? `${t.name}: ${t.reason}` : `${t.name} ${formatMs(m)}`);
  if (ma === null && mb === null) return { faster: null, reason: `neither path ran ${work} (${said(a, ma)}; ${said(b, mb)})` };
  const [win, lose, mw, ml] = mb === null || (ma !== null && ma <= mb) ? [a, b, ma!, mb] : [b, a, mb, ma];
  return { faster: win.name, reason: `${win.name} measured faster on ${work}: ${formatMs(mw)} against ${said(lose, ml)}` };
}

/** The reason line: "wasm measured fastest: 4.1 ms a step (webgpu on a CPU emulation of a GPU 52 ms; cpu 150 ms)". */
export function measuredReason(timings: BackendTiming[], fastest: string | null): string {
  const label = (t: BackendTiming) => `${t.name}${t.emulated ? ' (a CPU emulation of a GPU)' : ''}`;
  const best = timings.find((t) => t.name === fastest);
  const others = timings.filter((t) => t.name !== fastest).map((t) => (t.msPerStep !== null ? `${label(t)} ${formatMs(t.msPerStep)}` : `${label(t)}: ${t.reason}`));
  if (!best || best.msPerStep === null) return `no backend could run the probe step${others.length ? ` (${others.join('; ')})` : ''}`;
  return `${label(best)} measured fastest: ${formatMs(best.msPerStep)} a step${others.length ? ` (${others.join('; ')})` : ''}`;
}

/**
 * Initialises each backend in `order`, times the step on it, and leaves the fastest set.
 * `probes` may rule one out up front (as `chooseBackend`'s do); `emulated(name)` says whether it
 * runs on an emulated GPU (shown in the reason).
 */
export async function measureBackends(
  tf: TfNamespace,
  options: MeasureOptions & { order?: readonly string[]; probes?: Record<string, () => Promise<string | null>>; emulated?: (name: string) => boolean } = {},
): Promise<MeasuredBackends> {
  const o: Required<MeasureOptions> = { step: options.step ?? denseProbeStep, budgetMs: options.budgetMs ?? 250, firstStepLimitMs: options.firstStepLimitMs ?? 4000, now: options.now ?? nowMs };
  const timings: BackendTiming[] = [];
  for (const name of options.order ?? BACKEND_ORDER) {
    const skip = (reason: string) => timings.push({ name, firstStepMs: null, msPerStep: null, steps: 0, reason, emulated: options.emulated?.(name) ?? false });
    if (!tf.findBackendFactory(name)) {
      skip('not registered in this build');
      continue;
    }
    const probe = options.probes?.[name];
    const probeReason = probe ? await probe().catch((e: unknown) => `probe failed: ${(e as Error).message ?? e}`) : null;
    if (probeReason) {
      skip(probeReason);
      continue;
    }
    try {
      const ok = await raceTimeout(tf.setBackend(name), 15000);
      if (ok !== true) {
        skip(ok === 'timeout' ? 'did not initialise within 15 s' : 'failed to initialise');
        continue;
      }
      await tf.ready();
    } catch (err) {
      skip((err as Error).message ?? String(err));
      continue;
    }
    timings.push(await timeBackend(tf, name, options.emulated?.(name) ?? false, o));
  }
  const ran = timings.filter((t) => t.msPerStep !== null).sort((a, b) => a.msPerStep! - b.msPerStep!);
  const fastest = ran[0]?.name ?? null;
  if (fastest) await tf.setBackend(fastest);
  return { timings, fastest, reason: measuredReason(timings, fastest) };
}

// Child process of the `deepspeed` bench section (src/bench/deepSpeed.ts), one backend per
// process: WebGPU in Node needs Dawn's Vulkan environment from the start, and a dense attention
// that outgrows the wasm heap must not take the section down. Run as
//   node --import tsx src/bench/deepSpeedRun.ts '<job JSON>'
// and prints one JSON line (a TrainReport or an AttentionReport).
import type * as tfType from '@tensorflow/tfjs';
import { nodeTf } from '../cli/nodeTf';
import { DEEP_METHODS, type DeepMethod } from '../core/impute/models';
import { kronMaps, kronMessage } from '../core/impute/models/kronAttention';
import { trainImputer } from '../core/impute/train';
import { describeWebGpuAdapter, isEmulatedAdapter, type TfNamespace, type WebGpuAdapterLike } from '../core/tf/backend';
import { batchMatMul, matMul2d, matMul3d } from '../core/tf/matmul';
import { loadAqi } from './deepCurve';

export type SpeedBackend = 'wasm' | 'cpu' | 'webgpu';

export interface TrainJob {
  kind: 'train';
  backend: SpeedBackend;
  methods: DeepMethod[];
  warmup: number;
  steps: number;
  batchSize: number;
  /** Per model: stop timing after this many seconds of timed steps (at least one timed step). */
  budgetSeconds: number;
}

export interface AttentionJob {
  kind: 'attention';
  backend: SpeedBackend;
  /** Window lengths P and column counts N. */
  steps: number[];
  cols: number[];
  channels: number;
  keyWidth: number;
  batch: number;
  /** Dense cases whose estimated step exceeds this are not run. */
  maxSeconds: number;
  /** Dense cases whose estimated working set exceeds this are not run. */
  maxBytes: number;
  /** The dense step's time estimate is the quadratic extrapolation times this (it grows faster past the caches). */
  margin: number;
}

/** Only sets the backend up: says whether WebGPU initialises and on which adapter. */
export interface ProbeJob {
  kind: 'probe';
  backend: SpeedBackend;
}

export interface ProbeReport {
  kind: 'probe';
  backend: string | null;
  adapter: string | null;
  emulated: boolean | null;
  error: string | null;
}

/** An op-by-op profile (tf.profile) of a few training steps of one model, kernels aggregated. */
export interface ProfileJob {
  kind: 'profile';
  backend: SpeedBackend;
  method: DeepMethod;
  steps: number;
  batchSize: number;
}

export interface KernelProfile {
  /** The kernel's name, or name and input shapes for the `byShape` list. */
  key: string;
  calls: number;
  ms: number;
}

export interface ProfileReport {
  kind: 'profile';
  backend: string;
  method: DeepMethod;
  steps: number;
  /** Wall time of the profiled run (the profiler's own cost included). */
  wallMs: number;
  kernelMs: number;
  kernels: number;
  byKernel: KernelProfile[];
  /** The costliest kernels by input shapes. */
  byShape: KernelProfile[];
  /** ms per product, alternated: the attention's batched [64, 54, 54]·[64, 54, 16] against a 2-D [3456, 54]·[54, 16] of the same arithmetic. */
  batchedProductMs: number;
  flatProductMs: number;
  /** The same batched product through core/tf/matmul's batchMatMul (the SIMD kernel on wasm). */
  kernelProductMs: number;
}

export type SpeedJob = TrainJob | AttentionJob | ProbeJob | ProfileJob;

export interface TrainTiming {
  method: DeepMethod;
  /** Timed steps (after the warm-up) and their wall time. */
  steps: number;
  seconds: number;
  /** The median single step of the timed ones. */
  medianStep: number;
  /** Trainable parameters of the model. */
  parameters: number;
  finiteLoss: boolean;
  /** Tensors alive after the run (model disposed) minus before. */
  leakedTensors: number;
  /** Whether the tensor count stayed flat from step to step. */
  flat: boolean;
}

export interface TrainReport {
  kind: 'train';
  backend: string;
  adapter: string | null;
  wasmThreads: boolean | null;
  skipped: string | null;
  runs: TrainTiming[];
}

export interface AttentionCase {
  steps: number;
  cols: number;
  tokens: number;
  kron: number | null;
  dense: number | null;
  /** Why the dense case was not run, with its estimate. */
  denseSkipped: string | null;
  leakedTensors: number;
}

export interface AttentionReport {
  kind: 'attention';
  backend: string;
  wasmThreads: boolean | null;
  cases: AttentionCase[];
}

const ROOT = process.cwd();

async function setUp(backend: SpeedBackend): Promise<{ tf: TfNamespace; used: string; adapter: string | null; emulated: boolean | null; wasmThreads: boolean | null }> {
  const { tf, backend: used } = await nodeTf([backend]);
  let adapter: string | null = null;
  let emulated: boolean | null = null;
  if (backend === 'webgpu') {
    const gpu = (globalThis as unknown as { navigator: { gpu: { requestAdapter(): Promise<WebGpuAdapterLike | null> } } }).navigator.gpu;
    const a = await gpu.requestAdapter();
    adapter = a ? describeWebGpuAdapter(a) : null;
    emulated = a ? isEmulatedAdapter(a) : null;
  }
  const wasmThreads = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) : null;
  return { tf, used, adapter, emulated, wasmThreads };
}

async function trainJob(job: TrainJob): Promise<TrainReport> {
  let env: Awaited<ReturnType<typeof setUp>>;
  try {
    env = await setUp(job.backend);
  } catch (err) {
    return { kind: 'train', backend: job.backend, adapter: null, wasmThreads: null, skipped: (err as Error).message, runs: [] };
  }
  const { tf } = env;
  const { setup } = await loadAqi(ROOT);
  const runs: TrainTiming[] = [];
  for (const method of job.methods) {
    const total = job.warmup + job.steps;
    const ends: number[] = [];
    const counts: number[] = [];
    const losses: number[] = [];
    const before = tf.memory().numTensors;
    const trained = await trainImputer(tf, setup.input, {
      method,
      batchSize: job.batchSize,
      seed: 0,
      maxSteps: total,
      // One long epoch: no validation pass inside the timed steps.
      stepsPerEpoch: total + 1,
      shouldStop: () => (ends.length > job.warmup && (ends[ends.length - 1] - ends[job.warmup - 1]) / 1000 >= job.budgetSeconds ? 'cancel' : null),
      onProgress: (p) => {
        ends.push(performance.now());
        counts.push(tf.memory().numTensors);
        losses.push(p.loss);
      },
    });
    const parameters = trained.model.variables.reduce((sum, v) => sum + v.size, 0);
    trained.model.dispose();
    // Step ends: the timed steps run from the end of the last warm-up step to the last end.
    const timed = ends.slice(job.warmup - 1);
    const each = timed.slice(1).map((t, i) => (t - timed[i]) / 1000).sort((a, b) => a - b);
    runs.push({
      method,
      steps: each.length,
      seconds: (timed[timed.length - 1] - timed[0]) / 1000,
      medianStep: each[Math.floor(each.length / 2)],
      parameters,
      finiteLoss: losses.every(Number.isFinite),
      leakedTensors: tf.memory().numTensors - before,
      flat: counts.slice(1).every((c) => c === counts[1]),
    });
    process.stderr.write(`deepspeed: ${job.backend} ${method}: ${JSON.stringify(runs.at(-1))}\n`);
  }
  return { kind: 'train', backend: env.used, adapter: env.adapter, wasmThreads: env.wasmThreads, skipped: null, runs };
}

type Weights = { qT: tfType.Variable<tfType.Rank.R2>; kT: tfType.Variable<tfType.Rank.R2>; qS: tfType.Variable<tfType.Rank.R2>; kS: tfType.Variable<tfType.Rank.R2> };

/** Full softmax attention over all P·N tokens: softmax(Q Kᵀ/√d) · X, the values being X itself as in kronMessage. */
function denseAttention(tf: TfNamespace, x: tfType.Tensor4D, wq: tfType.Tensor2D, wk: tfType.Tensor2D): tfType.Tensor3D {
  const [b, p, n, c] = x.shape;
  const t = p * n;
  const d = wq.shape[1];
  const flat = x.reshape([b * t, c]) as tfType.Tensor2D;
  const q = matMul2d(tf, flat, wq).reshape([b, t, d]) as tfType.Tensor3D;
  const kT = matMul2d(tf, flat, wk).reshape([b, t, d]).transpose([0, 2, 1]) as tfType.Tensor3D;
  const attention = tf.softmax(matMul3d(tf, q, kT).mul(1 / Math.sqrt(d))) as tfType.Tensor3D;
  return matMul3d(tf, attention, x.reshape([b, t, c]) as tfType.Tensor3D);
}

/** Seconds for one forward + backward (gradients for X and every weight), median of `repeats` after a warm-up. */
async function timeStep(tf: TfNamespace, loss: () => tfType.Scalar, vars: tfType.Variable[]): Promise<number> {
  const once = async () => {
    const t0 = performance.now();
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      // One number that depends on every gradient, so the read waits for all of them.
      return tf.addN([value, ...Object.values(grads).map((g) => g.sum() as tfType.Scalar)]);
    });
    await out.data();
    out.dispose();
    return (performance.now() - t0) / 1000;
  };
  const first = await once();
  const repeats = first > 1 ? 1 : first > 0.2 ? 3 : 5;
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) times.push(await once());
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function attentionJob(job: AttentionJob): Promise<AttentionReport> {
  const env = await setUp(job.backend);
  const { tf } = env;
  const { batch: b, channels: c, keyWidth: d } = job;
  const grid = job.steps.flatMap((p) => job.cols.map((n) => ({ p, n }))).sort((u, v) => u.p * u.n - v.p * v.n);
  const cases: AttentionCase[] = [];
  // The dense step grows as (P·N)²: the largest measured one predicts the next.
  let lastDense: { tokens: number; seconds: number } | null = null;
  for (const { p, n } of grid) {
    const before = tf.memory().numTensors;
    const t = p * n;
    // In a tidy, so the initial random tensors are freed (the variables keep their own data).
    const x = tf.tidy(() => tf.variable(tf.randomNormal([b, p, n, c], 0, 1, 'float32', 1), true, `deepspeed_x_${p}_${n}`)) as tfType.Variable<tfType.Rank.R4>;
    const w = (k: number, name: string) => tf.tidy(() => tf.variable(tf.randomNormal([c, d], 0, 1 / Math.sqrt(c), 'float32', k), true, `deepspeed_${name}_${p}_${n}`)) as tfType.Variable<tfType.Rank.R2>;
    const weights: Weights = { qT: w(2, 'qT'), kT: w(3, 'kT'), qS: w(4, 'qS'), kS: w(5, 'kS') };
    const vars = [x, weights.qT, weights.kT, weights.qS, weights.kS];
    const kron = await timeStep(
      tf,
      () => {
        const { thetaT, thetaS } = kronMaps(tf, x, weights);
        return kronMessage(tf, x, thetaT, thetaS).square().mean() as tfType.Scalar;
      },
      vars,
    );
    // Working set of the dense step: the [B, T, T] scores, their softmax and about four more of
    // that size in the backward pass.
    const bytes = 6 * b * t * t * 4;
    // (T/T′)² from the largest dense step measured, with a margin.
    const estimate = lastDense ? job.margin * lastDense.seconds * (t / lastDense.tokens) ** 2 : 0;
    let dense: number | null = null;
    let denseSkipped: string | null = null;
    if (bytes > job.maxBytes) denseSkipped = `needs about ${(bytes / 2 ** 30).toFixed(1)} GiB (over ${(job.maxBytes / 2 ** 30).toFixed(1)} GiB)`;
    else if (estimate > job.maxSeconds) denseSkipped = `estimated ${estimate.toFixed(0)} s per step (over ${job.maxSeconds} s)`;
    else {
      try {
        dense = await timeStep(tf, () => denseAttention(tf, x, weights.qT, weights.kT).square().mean() as tfType.Scalar, [x, weights.qT, weights.kT]);
        lastDense = { tokens: t, seconds: dense };
      } catch (err) {
        denseSkipped = `failed: ${(err as Error).message}`;
      }
    }
    tf.dispose(vars);
    const leaked = tf.memory().numTensors - before;
    cases.push({ steps: p, cols: n, tokens: t, kron, dense, denseSkipped, leakedTensors: leaked });
    process.stderr.write(`deepspeed: attention ${JSON.stringify(cases.at(-1))}\n`);
  }
  return { kind: 'attention', backend: env.used, wasmThreads: env.wasmThreads, cases };
}

async function profileJob(job: ProfileJob): Promise<ProfileReport> {
  const env = await setUp(job.backend);
  const { tf } = env;
  const { setup } = await loadAqi(ROOT);
  const train = (steps: number) => trainImputer(tf, setup.input, { method: job.method, batchSize: job.batchSize, seed: 0, maxSteps: steps, stepsPerEpoch: steps + 1 });
  (await train(2)).model.dispose(); // warm-up: kernels compiled, memory grown
  const t0 = performance.now();
  const info = await tf.profile(async () => (await train(job.steps)).model.dispose());
  const wallMs = performance.now() - t0;
  const aggregate = (keyOf: (k: (typeof info.kernels)[number]) => string) => {
    const m = new Map<string, KernelProfile>();
    for (const k of info.kernels) {
      const key = keyOf(k);
      const a = m.get(key) ?? { key, calls: 0, ms: 0 };
      a.calls++;
      a.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      m.set(key, a);
    }
    return [...m.values()].sort((a, b) => b.ms - a.ms);
  };
  const byKernel = aggregate((k) => k.name);
  // The same multiply-adds as one batched product and as one 2-D product, alternated.
  const batched = [tf.randomNormal([64, 54, 54]), tf.randomNormal([64, 54, 16])] as tfType.Tensor3D[];
  const flat = [tf.randomNormal([64 * 54, 54]), tf.randomNormal([54, 16])] as tfType.Tensor2D[];
  let batchedMs = Infinity;
  let flatMs = Infinity;
  let kernelMs = Infinity;
  for (let round = 0; round < 5; round++) {
    for (const which of ['batched', 'flat', 'kernel'] as const) {
      const t1 = performance.now();
      for (let r = 0; r < 5; r++) {
        if (which === 'batched') tf.matMul(batched[0], batched[1]).dispose();
        else if (which === 'flat') tf.matMul(flat[0], flat[1]).dispose();
        else batchMatMul(tf, batched[0], batched[1]).dispose();
      }
      const ms = (performance.now() - t1) / 5;
      if (which === 'batched') batchedMs = Math.min(batchedMs, ms);
      else if (which === 'flat') flatMs = Math.min(flatMs, ms);
      else kernelMs = Math.min(kernelMs, ms);
    }
  }
  tf.dispose([...batched, ...flat]);
  return {
    batchedProductMs: batchedMs,
    flatProductMs: flatMs,
    kernelProductMs: kernelMs,
    kind: 'profile',
    backend: env.used,
    method: job.method,
    steps: job.steps,
    wallMs,
    kernelMs: byKernel.reduce((s, k) => s + k.ms, 0),
    kernels: info.kernels.length,
    byKernel,
    byShape: aggregate((k) => `${k.name} ${k.inputShapes.map((sh) => `[${sh.join(',')}]`).join('·')}`).slice(0, 12),
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as SpeedJob;
  if (job.kind === 'train') {
    if (!(Number.isInteger(job.warmup) && job.warmup >= 1)) throw new Error('a train job needs at least one warm-up step');
    for (const m of job.methods) if (!DEEP_METHODS.includes(m)) throw new Error(`unknown method ${m}`);
    process.stdout.write(JSON.stringify(await trainJob(job)) + '\n');
  } else if (job.kind === 'probe') {
    let report: ProbeReport;
    try {
      const env = await setUp(job.backend);
      report = { kind: 'probe', backend: env.used, adapter: env.adapter, emulated: env.emulated, error: null };
    } catch (err) {
      report = { kind: 'probe', backend: null, adapter: null, emulated: null, error: (err as Error).message };
    }
    process.stdout.write(JSON.stringify(report) + '\n');
  } else if (job.kind === 'attention') process.stdout.write(JSON.stringify(await attentionJob(job)) + '\n');
  else if (job.kind === 'profile') process.stdout.write(JSON.stringify(await profileJob(job)) + '\n');
  else throw new Error(`unknown job ${JSON.stringify(job)}`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

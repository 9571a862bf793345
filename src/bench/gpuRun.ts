// Child process of the `gpu` bench section (src/bench/gpu.ts), one backend per process: WebGPU in
// Node needs Dawn's Vulkan environment from the start. Run as
//   node --import tsx src/bench/gpuRun.ts '<job JSON>'
// and prints one JSON line (a GpuProbeReport, CgReport, WnmfReport or TransportReport). The
// training steps run in src/bench/deepSpeedRun.ts's `train` job, shared with the deepspeed section.
import { nodeTf } from '../cli/nodeTf';
import { factorizeSample } from '../core/factorize/samples.node';
import { pointSpace } from '../core/magnitude/index';
import { weightingVectorTf } from '../core/magnitude/tfCg';
import { seededRng } from '../core/random';
import { describeWebGpuAdapter, isEmulatedAdapter, type WebGpuAdapterLike } from '../core/tf/backend';
import { runTfCase, tfCaseConfig, type TfCaseName, type TfCaseResult } from './factorizeTfCase';

export type GpuBackend = 'webgpu' | 'wasm';

/** What Dawn's adapter says about itself (GPUAdapterInfo), and whether it is a CPU emulation. */
export interface AdapterFacts {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** describeWebGpuAdapter's words. */
  words: string;
  emulated: boolean;
}

export interface GpuProbeJob {
  kind: 'probe';
}
export interface GpuProbeReport {
  kind: 'probe';
  backend: string | null;
  adapter: AdapterFacts | null;
  error: string | null;
}

/** The tfjs weighting-vector CG (src/core/magnitude/tfCg.ts) on n uniform points in the unit square. */
export interface CgJob {
  kind: 'cg';
  backend: GpuBackend;
  n: number;
  t: number;
  /** Stop after this many iterations (a timing of the first iterations, when the full solve would not fit the budget). */
  maxIterations?: number;
}
export interface CgReport {
  kind: 'cg';
  backend: string;
  n: number;
  seconds: number;
  iterations: number;
  converged: boolean;
  residual: number;
  magnitude: number;
  notes: string[];
  leakedTensors: number;
}

/** The tfjs Wasserstein NMF job (factorizeTf) on a reference example with fewer outer iterations. */
export interface WnmfJob {
  kind: 'wnmf';
  backend: GpuBackend;
  case: TfCaseName;
  iterations: number;
  innerIterations?: number;
}
export interface WnmfReport {
  kind: 'wnmf';
  backend: string;
  result: TfCaseResult;
}

/**
 * The transport rows: an ICNN training step (src/core/transport/neural.ts, trainNeuralMap with
 * 'icnn') between two Gaussian clouds, timed per step after warm-up steps. Sinkhorn runs in
 * Float64 on the CPU only (src/core/transport/empirical.ts): no tfjs Sinkhorn exists, so its row
 * says so (the hook for it is here).
 */
export interface TransportJob {
  kind: 'transport';
  backend: GpuBackend;
  points: number;
  dim: number;
  batchSize: number;
  warmup: number;
  steps: number;
}
export interface TransportReport {
  kind: 'transport';
  cases: { name: string; seconds: number | null; steps: number; leakedTensors: number; absent: string | null }[];
}

export type GpuJob = GpuProbeJob | CgJob | WnmfJob | TransportJob;

async function adapterFacts(): Promise<AdapterFacts | null> {
  const gpu = (globalThis as unknown as { navigator?: { gpu?: { requestAdapter(): Promise<WebGpuAdapterLike | null> } } }).navigator?.gpu;
  const adapter = gpu ? await gpu.requestAdapter() : null;
  if (!adapter) return null;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    words: describeWebGpuAdapter(adapter),
    emulated: isEmulatedAdapter(adapter),
  };
}

/** tfjs on exactly this backend (no fallback: a row must not silently time another one). */
async function backendTf(backend: GpuBackend) {
  const { tf, backend: used } = await nodeTf([backend]);
  if (tf.getBackend() !== backend) throw new Error(`asked for ${backend}, got ${used}`);
  return { tf, used };
}

function uniformSquare(n: number, seed: number) {
  const rng = seededRng(seed);
  return { n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) };
}

async function cgJob(job: CgJob): Promise<CgReport> {
  const { tf, used } = await backendTf(job.backend);
  const space = pointSpace(uniformSquare(job.n, job.n));
  // A small warm-up solve compiles the kernels (shaders on WebGPU) off the clock.
  await weightingVectorTf(tf, pointSpace(uniformSquare(256, 1)), job.t, { maxIterations: 3 });
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const result = await weightingVectorTf(tf, space, job.t, job.maxIterations ? { maxIterations: job.maxIterations } : {});
  const seconds = (performance.now() - t0) / 1000;
  return {
    kind: 'cg',
    backend: used,
    n: job.n,
    seconds,
    iterations: result.iterations ?? 0,
    converged: result.converged ?? false,
    residual: result.residual,
    magnitude: result.magnitude,
    notes: result.notes,
    leakedTensors: tf.memory().numTensors - before,
  };
}

async function wnmfJob(job: WnmfJob): Promise<WnmfReport> {
  const { tf, used } = await backendTf(job.backend);
  const config = { ...tfCaseConfig(job.case), iterations: job.iterations, ...(job.innerIterations ? { innerIterations: job.innerIterations } : {}) };
  const result = await runTfCase(tf, factorizeSample(job.case).X, config);
  return { kind: 'wnmf', backend: used, result };
}

async function transportJob(job: TransportJob): Promise<TransportReport> {
  const { tf } = await backendTf(job.backend);
  const { trainNeuralMap } = await import('../core/transport/neural');
  const rng = seededRng(7);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const cloud = (shift: number, scale: number) => ({ n: job.points, dim: job.dim, data: Float64Array.from({ length: job.points * job.dim }, () => shift + scale * gauss()) });
  const ends: number[] = [];
  const before = tf.memory().numTensors;
  const result = await trainNeuralMap(tf, cloud(0, 1), cloud(2, 0.5), {
    method: 'icnn',
    iterations: job.warmup + job.steps,
    batchSize: job.batchSize,
    seed: 0,
    reportEvery: 1,
    onProgress: () => ends.push(performance.now()),
  });
  result.dispose();
  const timed = ends.slice(job.warmup - 1);
  const seconds = timed.length > 1 ? (timed[timed.length - 1] - timed[0]) / 1000 / (timed.length - 1) : null;
  return {
    kind: 'transport',
    cases: [
      { name: `ICNN training step (${job.points.toLocaleString('en')} points in ${job.dim}-D, batch ${job.batchSize})`, seconds, steps: timed.length - 1, leakedTensors: tf.memory().numTensors - before, absent: null },
      { name: 'Sinkhorn (log domain)', seconds: null, steps: 0, leakedTensors: 0, absent: 'absent: Lacuna\'s Sinkhorn runs in Float64 on the CPU only (src/core/transport/empirical.ts); there is no tfjs Sinkhorn to time on a GPU yet (hook: the `transport` job of src/bench/gpuRun.ts)' },
    ],
  };
}

async function run(job: GpuJob): Promise<object> {
  switch (job.kind) {
    case 'probe':
      try {
        const { used } = await backendTf('webgpu');
        return { kind: 'probe', backend: used, adapter: await adapterFacts(), error: null } satisfies GpuProbeReport;
      } catch (err) {
        return { kind: 'probe', backend: null, adapter: null, error: (err as Error).message } satisfies GpuProbeReport;
      }
    case 'cg':
      return cgJob(job);
    case 'wnmf':
      return wnmfJob(job);
    case 'transport':
      return transportJob(job);
    default:
      throw new Error(`unknown job ${JSON.stringify(job)}`);
  }
}

run(JSON.parse(process.argv[2] ?? '{}') as GpuJob).then(
  (report) => process.stdout.write(JSON.stringify(report) + '\n'),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

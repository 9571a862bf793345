// `npm run bench -- gpu [--allow-emulation] [--tiny] [--budget SECONDS]`: Lacuna's tfjs work on a
// real GPU (WebGPU in Node through Dawn, the `webgpu` package) against tfjs-backend-wasm on the
// same machine, in one run that fits 8 minutes: training steps per second of each imputer, the
// weighting-vector CG at n = 20,000 and 100,000, Wasserstein NMF on tfjs, and (when they exist)
// Sinkhorn and an ICNN step. Every row names the adapter (vendor, architecture, device).
//
// It refuses an emulated adapter (SwiftShader runs the shaders on the CPU: its times say nothing
// about a GPU) unless --allow-emulation; --tiny shrinks every case so that the script can be
// checked on SwiftShader in minutes. src/scripts/gpu-bench.sh runs it from a fresh checkout.
//
// Each job runs in its own child process (src/bench/gpuRun.ts, and src/bench/deepSpeedRun.ts for
// the training steps): Dawn needs its Vulkan environment from the start, and a job that outlives
// the budget is stopped without taking the others down.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEEP_METHODS, type DeepMethod } from '../core/impute/models';
import type { TrainJob, TrainReport, TrainTiming } from './deepSpeedRun';
import type { AdapterFacts, CgJob, CgReport, GpuJob, GpuProbeReport, TransportJob, TransportReport, WnmfJob, WnmfReport } from './gpuRun';
import { swiftShaderEnv, type BenchRow, type BenchSection } from './harness';

export interface GpuFlags {
  /** Run on an emulated adapter (SwiftShader) instead of refusing it. */
  allowEmulation: boolean;
  /** Tiny sizes: a check that the script runs, not a measurement. */
  tiny: boolean;
  /** Wall-clock budget of the whole section in seconds (jobs past it are not run, and say so). */
  budgetSeconds: number;
}

export const DEFAULT_GPU_BUDGET_SECONDS = 450;

export function parseGpuFlags(args: readonly string[]): GpuFlags {
  const flags: GpuFlags = { allowEmulation: false, tiny: false, budgetSeconds: DEFAULT_GPU_BUDGET_SECONDS };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--allow-emulation') flags.allowEmulation = true;
    else if (a === '--tiny') flags.tiny = true;
    else if (a === '--budget') {
      const v = Number(args[++i]);
      if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`--budget expects a positive number of seconds, got "${args[i] ?? ''}"`);
      flags.budgetSeconds = v;
    } else throw new RangeError(`unknown gpu bench flag "${a}"; choose from --allow-emulation, --tiny, --budget SECONDS`);
  }
  return flags;
}

/** "vendor nvidia, architecture hopper, device …, description …" (the fields the adapter gives). */
export function adapterLabel(a: AdapterFacts): string {
  const parts = (['vendor', 'architecture', 'device', 'description'] as const).filter((k) => a[k]).map((k) => `${k} ${a[k]}`);
  return `${parts.join(', ') || 'an unnamed adapter'}${a.emulated ? ' (**emulated**: SwiftShader runs WebGPU on the CPU; not a GPU measurement)' : ''}`;
}

export type AdapterDecision = { use: 'process' | 'swiftshader'; adapter: AdapterFacts } | { refuse: string };

/**
 * Whether to run, and on which adapter: the one Dawn finds in the process's own environment when
 * it is a real GPU; an emulated one (there, or SwiftShader's driver) only when allowed.
 */
export function decideAdapter(own: GpuProbeReport, swiftShader: GpuProbeReport | null, allowEmulation: boolean): AdapterDecision {
  const hint = 'run it on a machine with a GPU and a Vulkan driver, or pass --allow-emulation to check the script on SwiftShader (its times say nothing about a GPU)';
  if (own.adapter && !own.adapter.emulated) return { use: 'process', adapter: own.adapter };
  if (own.adapter && own.adapter.emulated) {
    return allowEmulation ? { use: 'process', adapter: own.adapter } : { refuse: `refusing to benchmark on ${own.adapter.words}: an emulated adapter is not a GPU; ${hint}` };
  }
  const why = own.error ?? 'Dawn found no adapter';
  if (!allowEmulation) return { refuse: `no GPU adapter: ${why}${swiftShader?.adapter ? `; only SwiftShader (${swiftShader.adapter.words}) is available` : ''}; ${hint}` };
  if (swiftShader?.adapter) return { use: 'swiftshader', adapter: swiftShader.adapter };
  return { refuse: `no WebGPU adapter at all: ${why}${swiftShader ? `; SwiftShader: ${swiftShader.error ?? 'no adapter'}` : '; no SwiftShader driver (/usr/lib/chromium/vk_swiftshader_icd.json) to emulate one'}` };
}

/** The sizes of one run: the real ones, or tiny ones that only check the script runs. */
export function gpuPlan(tiny: boolean) {
  return tiny
    ? {
        train: { warmup: 1, steps: 1, budgetSeconds: 0, batchSize: 2 },
        transport: { points: 256, dim: 2, batchSize: 64, warmup: 1, steps: 2 },
        cg: [
          { n: 200, t: 300, wasmCap: null },
          { n: 300, t: 300, wasmCap: 1 },
        ],
        wnmf: [
          { case: 'gaussians' as const, iterations: 1, innerIterations: 2 },
          { case: 'mnist' as const, iterations: 1, innerIterations: 1 },
        ],
      }
    : {
        // Up to 20 timed steps or 10 s per model, whichever comes first.
        train: { warmup: 3, steps: 20, budgetSeconds: 10, batchSize: 16 },
        transport: { points: 8192, dim: 16, batchSize: 1024, warmup: 3, steps: 20 },
        // wasmCap: wasm times only its first iteration (three Z·v products of 10¹⁰ kernel entries
        // each, with the residuals; a whole matrix-free solve at n = 100,000 would take many
        // minutes); the WebGPU solve runs the same capped iteration too, for a like-for-like row.
        cg: [
          { n: 20000, t: 1000, wasmCap: null },
          { n: 100000, t: 1000, wasmCap: 1 },
        ],
        wnmf: [
          { case: 'gaussians' as const, iterations: 2, innerIterations: undefined },
          { case: 'mnist' as const, iterations: 1, innerIterations: undefined },
        ],
      };
}

const NAMES: Record<DeepMethod, string> = { kron: 'Kron', vit: 'ViT', unet: 'UNet' };
const perStep = (r: TrainTiming) => r.seconds / Math.max(1, r.steps);
const fmt = (s: number) => (s >= 10 ? s.toFixed(1) : s >= 0.1 ? s.toFixed(3) : s.toFixed(4));

/** One training row: WebGPU's seconds per step against wasm's on the same machine. */
export function trainRow(method: DeepMethod, batchSize: number, gpu: TrainTiming | null, wasm: TrainTiming | null, adapter: string, missing: { gpu?: string; wasm?: string } = {}): BenchRow {
  const side = (r: TrainTiming | null, why: string | undefined) =>
    r ? `${(1 / perStep(r)).toFixed(2)} steps/s (${r.steps} timed, median ${fmt(r.medianStep)} s, ${r.leakedTensors} tensors left by the run, count ${r.flat ? 'flat' : 'NOT flat'}${r.finiteLoss ? '' : ', a loss was not finite'})` : `not run: ${why ?? 'no result'}`;
  return {
    case: `${NAMES[method]} training step (AQI-36, batch ${batchSize})`,
    lacuna: gpu ? perStep(gpu) : NaN,
    peer: wasm ? perStep(wasm) : null,
    peerName: 'tfjs wasm, same machine',
    note: `webgpu ${side(gpu, missing.gpu)}; wasm ${side(wasm, missing.wasm)}; adapter: ${adapter}`,
  };
}

export function cgRow(n: number, t: number, gpu: CgReport | null, wasm: CgReport | null, adapter: string, label: string, missing: { gpu?: string; wasm?: string } = {}): BenchRow {
  const side = (r: CgReport | null, why: string | undefined) =>
    r ? `${r.iterations} iterations${r.converged ? '' : ' (not converged)'} in ${fmt(r.seconds)} s with the set-up, Mag ${r.magnitude.toPrecision(7)}, residual ${r.residual.toExponential(1)}, ${r.leakedTensors} tensors leaked` : `not run: ${why ?? 'no result'}`;
  return {
    case: `weighting-vector CG on tfjs, n = ${n.toLocaleString('en')}, t = ${t}${label}`,
    lacuna: gpu ? gpu.seconds : NaN,
    peer: wasm ? wasm.seconds : null,
    peerName: 'tfjs wasm, same machine',
    note: `webgpu ${side(gpu, missing.gpu)}; wasm ${side(wasm, missing.wasm)}; adapter: ${adapter}`,
  };
}

export function wnmfRow(name: string, gpu: WnmfReport | null, wasm: WnmfReport | null, adapter: string, missing: { gpu?: string; wasm?: string } = {}): BenchRow {
  const side = (r: WnmfReport | null, why: string | undefined) =>
    r ? `objective ${r.result.objective.toFixed(4)}, ${r.result.lbfgsIterations} L-BFGS iterations (${r.result.unconvergedSteps} of ${r.result.steps} steps at the cap), ${r.result.leakedTensors} tensors leaked` : `not run: ${why ?? 'no result'}`;
  return {
    case: `Wasserstein NMF on tfjs, ${name}`,
    lacuna: gpu ? gpu.result.seconds : NaN,
    peer: wasm ? wasm.result.seconds : null,
    peerName: 'tfjs wasm, same machine',
    note: `webgpu ${side(gpu, missing.gpu)}; wasm ${side(wasm, missing.wasm)}; adapter: ${adapter}`,
  };
}

type ChildResult<T> = { ok: true; value: T } | { ok: false; why: string };

function runChild<T>(root: string, script: string, job: GpuJob | TrainJob, env: NodeJS.ProcessEnv, timeoutSeconds: number): ChildResult<T> {
  if (timeoutSeconds < 5) return { ok: false, why: 'the time budget was spent' };
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/bench', script), JSON.stringify(job)], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    timeout: Math.floor(timeoutSeconds * 1000),
  });
  if (child.error && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') return { ok: false, why: `stopped at the time budget (${timeoutSeconds.toFixed(0)} s left for it)` };
  if (child.status !== 0) return { ok: false, why: `${script} ${job.kind} failed (status ${child.status}, signal ${child.signal})` };
  return { ok: true, value: JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T };
}

export async function gpuBench(root: string, flags: GpuFlags): Promise<BenchSection> {
  const started = performance.now();
  const loadBefore = loadavg();
  const left = () => flags.budgetSeconds - (performance.now() - started) / 1000;
  const log = (text: string) => process.stderr.write(`bench: gpu: ${text}\n`);

  // 1. Which adapter: the process's own first, SwiftShader only when emulation is allowed.
  const own = runChild<GpuProbeReport>(root, 'gpuRun.ts', { kind: 'probe' }, process.env, 120);
  const ownReport: GpuProbeReport = own.ok ? own.value : { kind: 'probe', backend: null, adapter: null, error: own.why };
  const shaderEnv = swiftShaderEnv();
  let shaderReport: GpuProbeReport | null = null;
  if (!(ownReport.adapter && !ownReport.adapter.emulated) && shaderEnv) {
    const r = runChild<GpuProbeReport>(root, 'gpuRun.ts', { kind: 'probe' }, shaderEnv, 120);
    shaderReport = r.ok ? r.value : { kind: 'probe', backend: null, adapter: null, error: r.why };
  }
  const decision = decideAdapter(ownReport, shaderReport, flags.allowEmulation);
  if ('refuse' in decision) throw new Error(`gpu bench: ${decision.refuse}`);
  const gpuEnv = decision.use === 'swiftshader' ? shaderEnv! : process.env;
  const adapter = adapterLabel(decision.adapter);
  log(`adapter: ${adapter}`);
  const plan = gpuPlan(flags.tiny);
  const rows: BenchRow[] = [];
  const gpuJob = <T>(script: string, job: GpuJob | TrainJob) => runChild<T>(root, script, job, gpuEnv, left());
  const wasmJob = <T>(script: string, job: GpuJob | TrainJob) => runChild<T>(root, script, job, process.env, left());

  // 2. Transport on tfjs: an ICNN step on both backends (Sinkhorn has no tfjs path: its row says so).
  log('transport…');
  const transportJob: TransportJob = { kind: 'transport', backend: 'webgpu', ...plan.transport };
  const gT = gpuJob<TransportReport>('gpuRun.ts', transportJob);
  const wT = wasmJob<TransportReport>('gpuRun.ts', { ...transportJob, backend: 'wasm' });
  const names = gT.ok ? gT.value.cases.map((c) => c.name) : wT.ok ? wT.value.cases.map((c) => c.name) : ['ICNN training step'];
  for (const name of names) {
    const g = gT.ok ? gT.value.cases.find((c) => c.name === name) : undefined;
    const w = wT.ok ? wT.value.cases.find((c) => c.name === name) : undefined;
    if (g?.absent) {
      rows.push({ case: `${name} on tfjs`, lacuna: NaN, peer: null, peerName: '—', note: g.absent });
      continue;
    }
    const side = (r: typeof g, why: string | undefined) => (r && r.seconds !== null ? `${(1 / r.seconds).toFixed(2)} steps/s (${r.steps} timed, ${r.leakedTensors} tensors leaked)` : `not run: ${why ?? 'no result'}`);
    rows.push({
      case: `${name} on tfjs`,
      lacuna: g?.seconds ?? NaN,
      peer: w?.seconds ?? null,
      peerName: 'tfjs wasm, same machine',
      note: `webgpu ${side(g, gT.ok ? undefined : gT.why)}; wasm ${side(w, wT.ok ? undefined : wT.why)}; adapter: ${adapter}`,
    });
  }

  // 3. Training steps: all three models on WebGPU, then on wasm.
  log('training steps…');
  const methods = [...DEEP_METHODS];
  const trainJob = (backend: 'webgpu' | 'wasm'): TrainJob => ({ kind: 'train', backend, methods, ...plan.train });
  const gpuTrain = gpuJob<TrainReport>('deepSpeedRun.ts', trainJob('webgpu'));
  const wasmTrain = wasmJob<TrainReport>('deepSpeedRun.ts', trainJob('wasm'));
  for (const m of methods) {
    const g = gpuTrain.ok ? (gpuTrain.value.runs.find((r) => r.method === m) ?? null) : null;
    const w = wasmTrain.ok ? (wasmTrain.value.runs.find((r) => r.method === m) ?? null) : null;
    const why = (r: typeof gpuTrain) => (r.ok ? (r.value.skipped ?? undefined) : r.why);
    rows.push(trainRow(m, plan.train.batchSize, g, w, adapter, { gpu: why(gpuTrain), wasm: why(wasmTrain) }));
  }

  // 4. Wasserstein NMF on tfjs: the reference examples with fewer outer iterations, the same on both.
  for (const c of plan.wnmf) {
    log(`W-NMF ${c.case}…`);
    const job: WnmfJob = { kind: 'wnmf', backend: 'webgpu', case: c.case, iterations: c.iterations, ...(c.innerIterations ? { innerIterations: c.innerIterations } : {}) };
    const g = gpuJob<WnmfReport>('gpuRun.ts', job);
    const w = wasmJob<WnmfReport>('gpuRun.ts', { ...job, backend: 'wasm' });
    const label = `${c.case === 'gaussians' ? '1-D example (k = 3)' : 'MNIST 14×14 (k = 25)'}, ${c.iterations} outer iteration${c.iterations === 1 ? '' : 's'}${c.innerIterations ? ` of up to ${c.innerIterations} L-BFGS iterations` : ''}`;
    rows.push(wnmfRow(label, g.ok ? g.value : null, w.ok ? w.value : null, adapter, { gpu: g.ok ? undefined : g.why, wasm: w.ok ? undefined : w.why }));
  }

  // 5. The weighting-vector CG (Z·v recomputed in tiles from the points, float32), last: its n = 100,000 rows take longest.
  for (const c of plan.cg) {
    log(`CG n = ${c.n}…`);
    const full: CgJob = { kind: 'cg', backend: 'webgpu', n: c.n, t: c.t };
    const g = gpuJob<CgReport>('gpuRun.ts', full);
    if (c.wasmCap === null) {
      const w = wasmJob<CgReport>('gpuRun.ts', { ...full, backend: 'wasm' });
      rows.push(cgRow(c.n, c.t, g.ok ? g.value : null, w.ok ? w.value : null, adapter, ', whole solve', { gpu: g.ok ? undefined : g.why, wasm: w.ok ? undefined : w.why }));
    } else {
      rows.push(cgRow(c.n, c.t, g.ok ? g.value : null, null, adapter, ', whole solve', { gpu: g.ok ? undefined : g.why, wasm: `a whole solve on wasm would not fit the budget; see the next row` }));
      const capped: CgJob = { ...full, maxIterations: c.wasmCap };
      const gc = gpuJob<CgReport>('gpuRun.ts', capped);
      const wc = wasmJob<CgReport>('gpuRun.ts', { ...capped, backend: 'wasm' });
      rows.push(cgRow(c.n, c.t, gc.ok ? gc.value : null, wc.ok ? wc.value : null, adapter, `, first ${c.wasmCap === 1 ? 'iteration' : `${c.wasmCap} iterations`} (set-up included)`, { gpu: gc.ok ? undefined : gc.why, wasm: wc.ok ? undefined : wc.why }));
    }
  }

  const seconds = (performance.now() - started) / 1000;
  const emulated = decision.adapter.emulated;
  return {
    title: 'GPU: WebGPU in Node against wasm on the same machine',
    intro: [
      `WebGPU through Dawn (the \`webgpu\` npm package) on **${decision.adapter.words}**, against tfjs-backend-wasm (SIMD) on the same machine (${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores), each job in its own Node process, WebGPU first.`,
      emulated
        ? `**This run is a check that the script works, not a GPU measurement**: the adapter is SwiftShader, Vulkan emulated on the CPU (run with --allow-emulation${flags.tiny ? ' and --tiny sizes' : ''}). The rows are replaced when \`src/scripts/gpu-bench.sh\` runs on a machine with a GPU.`
        : 'The Lacuna column is WebGPU and the peer column wasm: a ratio above 1× means the GPU is faster.',
      'Jobs run in this order: transport (an ICNN step), training, W-NMF, CG; one that would outrun the budget is stopped and its row says so.',
      'Training: seconds per step of `trainImputer` (forward, backward, Adam, the window sampling) after the warm-up steps; CG: `weightingVectorTf` on uniform points in the unit square, Z·v recomputed from the points in tiles each product (float32, tolerance 1e-5), one warm-up solve off the clock; W-NMF: the Factorize panel\'s tfjs job (`factorizeTf`) on the reference examples with fewer outer iterations, the same on both backends.',
      `Load average (1, 5, 15 min) ${loadBefore.map((l) => l.toFixed(1)).join(', ')} at the start; the section took ${seconds.toFixed(0)} s of its ${flags.budgetSeconds} s budget.`,
    ].join(' '),
    commands: ['src/scripts/gpu-bench.sh   # from a fresh checkout: npm ci, build, npm run bench -- gpu', `npm run bench -- gpu${flags.allowEmulation ? ' --allow-emulation' : ''}${flags.tiny ? ' --tiny' : ''}`],
    rows,
  };
}

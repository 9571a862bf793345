// One transport run as the panel runs it (and the CLI's default ε): Sinkhorn between the two
// clouds (cost, debiased divergence, convergence), then either the plan's barycentric
// projection (Sinkhorn) or a learned map (ICNN dual, Monge gap), and the displacement per
// coordinate. Pure TypeScript on the tfjs namespace it is given.
import type { TfNamespace } from '../tf/backend';
import { mongeGap, planOf, sinkhornDivergencePoints, type EmpiricalSinkhornResult } from './empirical';
import { applyNetwork } from './networks';
import { trainNeuralMap, type NeuralTrainPoint } from './neural';
import type { Cloud } from './points';
import { displacementStats, type SparsityKind } from './sparsity';

export interface TransportJobConfig {
  method: 'sinkhorn' | 'icnn' | 'monge-gap';
  /** ε of the Sinkhorn problems; null: 5% of the mean squared distance (as the CLI). */
  epsilon: number | null;
  sparsity: SparsityKind;
  /** Starting intensity λ of the sparsity penalty. */
  lambda: number;
  /** Target mean displacement dimension l (the adaptive intensity); null: λ stays fixed. */
  targetDim: number | null;
  /** Training steps of a learned map (Sinkhorn stops at its own tolerance). */
  iterations: number;
  seed: number;
}

/** Mean squared distance between the clouds (on at most ~200,000 pairs), and ε = 5% of it (ott-jax's default). */
export function defaultEpsilon(x: Cloud, y: Cloud): { epsilon: number; meanCost: number } {
  const d = x.dim;
  const stride = Math.max(1, Math.floor((x.n * y.n) / 200_000));
  let meanCost = 0;
  let count = 0;
  for (let t = 0; t < x.n * y.n; t += stride) {
    const i = Math.floor(t / y.n);
    const j = t % y.n;
    let c = 0;
    for (let k = 0; k < d; k++) c += (x.data[i * d + k] - y.data[j * d + k]) ** 2;
    meanCost += c;
    count++;
  }
  meanCost /= count;
  return { epsilon: 0.05 * meanCost, meanCost };
}

/** T(x_i) = Σ_j P_ij y_j / Σ_j P_ij: where the entropic plan sends each source point on average. */
export function barycentricProjection(x: Cloud, y: Cloud, ot: Pick<EmpiricalSinkhornResult, 'f' | 'g' | 'epsilon'>): Float64Array {
  const plan = planOf(x, y, ot);
  const out = new Float64Array(x.n * x.dim);
  for (let i = 0; i < x.n; i++) {
    let mass = 0;
    for (let j = 0; j < y.n; j++) {
      const p = plan[i * y.n + j];
      mass += p;
      for (let k = 0; k < x.dim; k++) out[i * x.dim + k] += p * y.data[j * y.dim + k];
    }
    for (let k = 0; k < x.dim; k++) out[i * x.dim + k] /= mass > 0 ? mass : 1;
  }
  return out;
}

/** The plan's entries above `floor` × the total mass, at most `max` of them (null when there are more). */
export function sparsePlan(x: Cloud, y: Cloud, ot: Pick<EmpiricalSinkhornResult, 'f' | 'g' | 'epsilon'>, floor = 1e-9, max = 250_000): { source: Int32Array; target: Int32Array; mass: Float64Array } | null {
  if (x.n * y.n > 4_000_000) return null;
  const plan = planOf(x, y, ot);
  const keep: number[] = [];
  for (let t = 0; t < plan.length; t++) if (plan[t] > floor) keep.push(t);
  if (keep.length > max) return null;
  return { source: Int32Array.from(keep, (t) => Math.floor(t / y.n)), target: Int32Array.from(keep, (t) => t % y.n), mass: Float64Array.from(keep, (t) => plan[t]) };
}

export interface TransportJobResult {
  sinkhorn: { epsilon: number; cost: number; divergence: number; marginalError: number; iterations: number; converged: boolean; warnings: string[]; seconds: number; points: [number, number] };
  /** T(x) for every point of A (the learned map, or the plan's barycentric projection for Sinkhorn), n × dim. */
  mapped: Float64Array;
  /** Mean |T(x)_j − x_j| per coordinate. */
  perCoordinate: number[];
  /** Mean number of coordinates with |Δ| > 0.1. */
  meanDimension: number;
  /** The learned map's figures (null for Sinkhorn). */
  map: { network: string; steps: number; divergenceAfter: number | null; mongeGap: number | null } | null;
  /** The plan's mass above 1e-9 of the total, as (source, target, mass) (Sinkhorn, at most 250,000 pairs; else null). */
  plan: { source: Int32Array; target: Int32Array; mass: Float64Array } | null;
  cancelled: boolean;
  seconds: number;
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);
const first = (c: Cloud, max: number): Cloud => (c.n <= max ? c : { n: max, dim: c.dim, data: c.data.slice(0, max * c.dim) });

/**
 * Runs one transport: Sinkhorn on (the first `maxPoints` of) each side, reported through
 * `onSinkhorn` before any training; then the map. Cancelled through `signal` (the result says so).
 */
export async function runTransportJob(
  tf: TfNamespace,
  x: Cloud,
  y: Cloud,
  config: TransportJobConfig,
  hooks: { onSinkhorn?: (s: TransportJobResult['sinkhorn']) => void; onProgress?: (p: NeuralTrainPoint) => void; signal?: AbortSignal; maxPoints?: number } = {},
): Promise<TransportJobResult> {
  const start = performance.now();
  const sx = first(x, hooks.maxPoints ?? 5000);
  const sy = first(y, hooks.maxPoints ?? 5000);
  const epsilon = config.epsilon ?? defaultEpsilon(sx, sy).epsilon;
  const div = sinkhornDivergencePoints(sx, sy, { epsilon });
  const ot = div.cross;
  const sinkhorn = { epsilon, cost: ot.cost, divergence: div.divergence, marginalError: ot.marginalError, iterations: ot.iterations, converged: div.converged, warnings: div.warnings, seconds: (performance.now() - start) / 1000, points: [sx.n, sy.n] as [number, number] };
  hooks.onSinkhorn?.(sinkhorn);
  let mapped: Float64Array;
  let map: TransportJobResult['map'] = null;
  let plan: TransportJobResult['plan'] = null;
  let cancelled = false;
  if (config.method === 'sinkhorn') {
    // The matched points: the plan's barycentric projection of each (Sinkhorn'd) source point.
    mapped = x.n === sx.n && y.n === sy.n ? barycentricProjection(sx, sy, ot) : new Float64Array(0);
    if (mapped.length === 0) throw new RangeError(`the panel's Sinkhorn maps at most ${sx.n} points per side; use the CLI for larger clouds`);
    plan = sparsePlan(sx, sy, ot);
  } else {
    const trained = await trainNeuralMap(tf, x, y, {
      method: config.method,
      iterations: config.iterations,
      sparsity: config.sparsity,
      lambda: config.lambda,
      targetDim: config.targetDim ?? undefined,
      seed: config.seed,
      onProgress: hooks.onProgress,
      signal: hooks.signal,
    });
    try {
      cancelled = trained.cancelled;
      mapped = applyNetwork(tf, trained.network, x.data, x.n);
      const mappedCloud = first({ n: x.n, dim: x.dim, data: mapped }, sx.n);
      const after = cancelled ? NaN : sinkhornDivergencePoints(mappedCloud, sy, { epsilon }).divergence;
      const gap = cancelled ? NaN : mongeGap(sx, mappedCloud, { epsilon }).gap;
      map = { network: trained.network.kind, steps: trained.steps, divergenceAfter: finiteOrNull(after), mongeGap: finiteOrNull(gap) };
    } finally {
      trained.dispose();
    }
  }
  const stats = displacementStats(x.data, mapped, x.n, x.dim, 0.1);
  return { sinkhorn, mapped, perCoordinate: Array.from(stats.perCoordinate), meanDimension: stats.meanDimension, map, plan, cancelled, seconds: (performance.now() - start) / 1000 };
}

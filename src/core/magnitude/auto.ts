// One entry point for weighting vectors: the caller names a solver or lets `auto` pick one from
// n, t and the geometry, and the result says which solver ran and why.
//
// The rule, from the measurements in the report of this work (2 cores, uniform 2-D points):
//   - n ≤ 3000: dense Cholesky. Exact to rounding, and under ~0.5 s.
//   - short-ranged kernel: sparse. Sampled rows give the number of entries above the truncation
//     tolerance; when a row keeps fewer than n/4 of them (and the total fits in memory), the
//     sparse solve costs ~(kept entries)·(a few dozen iterations), far below any dense method.
//   - n ≤ 6000: dense Cholesky (~10 s at 6000, no conditioning surprises).
//   - otherwise: matrix-free CG, the only method whose memory stays O(n) for a long-ranged
//     kernel at large n.

import { DENSE_MAX_N, weightingVectorCholesky, type CholeskyOptions } from './cholesky';
import { weightingVectorCg, type CgOptions } from './cg';
import { weightingVectorSparse, type SparseOptions } from './sparse';
import { distanceOracle, spaceSize, spaceDim, type MetricSpace } from './metrics';
import type { IterativeOptions, WeightingResult } from './types';

export type SolverChoice = 'auto' | 'cholesky' | 'cg' | 'sparse';

export interface WeightingOptions extends IterativeOptions {
  solver?: SolverChoice;
  /** Entries of Z below this are dropped by the sparse solver. Default 1e-12. */
  truncation?: number;
  cholesky?: CholeskyOptions;
  cg?: CgOptions;
  sparse?: SparseOptions;
  /** Largest n that `auto` always gives to dense Cholesky. Default 3000. */
  denseLimit?: number;
  /** Largest n that `auto` gives to dense Cholesky when sparse does not apply. Default 6000. */
  denseLongRangeLimit?: number;
}

export interface SolverDecision {
  solver: 'cholesky' | 'cg' | 'sparse';
  reason: string;
}

/** Stored entries the sparse solver may use before `auto` prefers another method (~360 MB). */
const SPARSE_MAX_NON_ZEROS = 3e7;
const SAMPLE_ROWS = 64;

/** Mean number of neighbours within `radius`, from evenly spaced sample rows. */
export function meanNeighbourCount(space: MetricSpace, radius: number, sampleRows = SAMPLE_ROWS): number {
  const n = spaceSize(space);
  const oracle = distanceOracle(space);
  const count = Math.min(n, sampleRows);
  const row = new Float64Array(n);
  let total = 0;
  for (let s = 0; s < count; s++) {
    const i = count === n ? s : Math.floor(((s + 0.5) * n) / count);
    oracle.row(i, 0, n, row, 0);
    for (let j = 0; j < n; j++) if (j !== i && row[j] <= radius) total++;
  }
  return count > 0 ? total / count : 0;
}

export function chooseSolver(space: MetricSpace, t: number, options: WeightingOptions = {}): SolverDecision {
  const n = spaceSize(space);
  const denseLimit = options.denseLimit ?? 3000;
  if (n <= denseLimit) {
    return { solver: 'cholesky', reason: `n = ${n} ≤ ${denseLimit}: dense Cholesky is exact to rounding and fast at this size` };
  }
  const truncation = options.truncation ?? options.sparse?.truncation ?? 1e-12;
  const radius = -Math.log(truncation) / t;
  const neighbours = meanNeighbourCount(space, radius);
  const kept = `exp(−t·d) ≥ ${truncation.toExponential(0)} keeps ~${neighbours.toFixed(0)} neighbours per point (d ≤ ${radius.toPrecision(3)})`;
  if (neighbours < n / 4 && neighbours * n <= SPARSE_MAX_NON_ZEROS) {
    return { solver: 'sparse', reason: `the kernel is short-ranged at t = ${t}: ${kept}, so the truncated system is sparse` };
  }
  const longRangeLimit = Math.min(options.denseLongRangeLimit ?? 6000, DENSE_MAX_N);
  if (n <= longRangeLimit) {
    return { solver: 'cholesky', reason: `the kernel is long-ranged at t = ${t} (${kept}) and n = ${n} ≤ ${longRangeLimit} still fits a dense factorization` };
  }
  const dim = spaceDim(space);
  return {
    solver: 'cg',
    reason: `the kernel is long-ranged at t = ${t} (${kept}) and n = ${n} is too large to factor densely${dim > 0 ? ` (dimension ${dim})` : ''}: matrix-free CG keeps memory linear`,
  };
}

/** The weighting vector of `space` at scale t, by the named solver or the one `auto` picks. */
export function weightingVector(space: MetricSpace, t: number, options: WeightingOptions = {}): WeightingResult & { reason: string } {
  const requested = options.solver ?? 'auto';
  const decision: SolverDecision = requested === 'auto' ? chooseSolver(space, t, options) : { solver: requested, reason: 'requested' };
  const iterative = { tol: options.tol, maxIterations: options.maxIterations, initial: options.initial };
  const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  let result: WeightingResult;
  if (decision.solver === 'cholesky') result = weightingVectorCholesky(space, t, options.cholesky);
  else if (decision.solver === 'sparse') {
    result = weightingVectorSparse(space, t, { ...defined(iterative), truncation: options.truncation, ...options.sparse });
  } else result = weightingVectorCg(space, t, { ...defined(iterative), ...options.cg });
  if (requested === 'auto') result.notes.unshift(`auto picked ${decision.solver}: ${decision.reason}`);
  return { ...result, reason: decision.reason };
}

// Shared result and option shapes of the magnitude solvers.

export type SolverName = 'cholesky' | 'cg' | 'sparse' | 'cg-tf';

export interface WeightingResult {
  /** The weighting vector w, solving Z w = 1 (in the input's row order). */
  weights: Float64Array;
  /** Σ w. */
  magnitude: number;
  /**
   * Iterative solvers: 2·Σw − wᵀZw, the Galerkin estimate of Mag, whose error ‖w − w*‖²_Z is second
   * order in the residual (Σw's is first order). The magnitude-function sweep reports this one.
   */
  magnitudeEstimate?: number;
  /** ‖Z w − 1‖₂ / √n against the exact (untruncated, unjittered) Z, unless notes say otherwise. */
  residual: number;
  solver: SolverName;
  iterations?: number;
  /**
   * Whether the solver met its tolerance on the system it solved (the truncated Z for 'sparse',
   * whose `residual` is against the exact Z); always true for a successful factorization.
   */
  converged: boolean;
  seconds: number;
  /** Anything the user should know: jitter added, no convergence, truncation error, fallbacks. */
  notes: string[];
  /** Dense Cholesky only: the threads its factorization ran on. */
  threads?: number;
  /** Sparse solver only: what truncating Z cost. */
  truncation?: TruncationReport;
}

/** The error budget of dropping the entries exp(−t·d) < tolerance, i.e. d > radius. */
export interface TruncationReport {
  tolerance: number;
  radius: number;
  /** Stored off-diagonal entries, and their mean per row. */
  nonZeros: number;
  meanRowEntries: number;
  /** Rigorous: no row of Z loses more than (n − 1)·tolerance. */
  maxDroppedRowSumBound: number;
  /** Exact dropped mass Σ_{d > radius} exp(−t·d), largest over the sampled rows. */
  sampledMaxDroppedRowSum: number;
  /** Rows on which the dropped mass and the exact residual were evaluated (all rows when n is small). */
  sampledRows: number;
  /** Rigorous bound on ‖Zw − 1‖/√n for the exact Z: truncated residual + (n−1)·tolerance·max|w|. */
  residualBound: number;
}

/** Options every iterative solver understands. */
export interface IterativeOptions {
  /** Stop when ‖Z w − 1‖ / √n ≤ tol. Default 1e-8. */
  tol?: number;
  /** Default 1000 (sparse) or 500 (dense CG). */
  maxIterations?: number;
  /** Warm start, e.g. the weights at a neighbouring scale. */
  initial?: Float64Array;
}

export function sum(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}

export function now(): number {
  return typeof performance === 'object' ? performance.now() / 1000 : Date.now() / 1000;
}

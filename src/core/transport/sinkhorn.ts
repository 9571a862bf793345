// Log-domain Sinkhorn for entropic optimal transport:
//
//   OT_ε(a, b) = min_P ⟨P, C⟩ + ε Σ P (log P − 1)   over P ≥ 0 with P1 = a, Pᵀ1 = b,
//
// whose solution is P_ij = exp((f_i + g_j − C_ij)/ε). The potentials f, g are updated in the
// log domain, so any ε works without overflow; the price is one log-sum-exp per entry on the
// rare outputs the kernel cannot get exactly from its shifted fast path.

import type { CostMatrix } from './cost';
import type { GibbsKernel } from './kernel';

export interface SinkhornOptions {
  /** Default 10 000. */
  maxIterations?: number;
  /** Stop when the L1 error of the column marginal is below this (per column). Default 1e-9. */
  tolerance?: number;
  /**
   * A starting g (size × columns), e.g. the potential of a larger ε: annealing ε this way
   * makes small-ε problems converge in far fewer iterations. Default 0.
   */
  initialG?: Float64Array;
}

export interface SinkhornBatchResult {
  /** Potentials, size × columns, row-major (−Infinity where the marginal is 0). */
  f: Float64Array;
  g: Float64Array;
  /** ⟨P, C⟩ per column: the transport cost of the entropic plan. */
  cost: Float64Array;
  /** ⟨P, C⟩ + ε Σ P (log P − 1) per column: the entropic objective OT_ε. */
  objective: Float64Array;
  iterations: number;
  converged: boolean;
  /** The largest L1 marginal error over the columns at the end. */
  marginalError: number;
}

export interface SinkhornResult {
  f: Float64Array;
  g: Float64Array;
  cost: number;
  objective: number;
  iterations: number;
  converged: boolean;
  marginalError: number;
}

/** Entropic OT between histograms a and b (each summing to the same mass). */
export function sinkhorn(kernel: GibbsKernel, a: Float64Array, b: Float64Array, options: SinkhornOptions = {}): SinkhornResult {
  const batch = sinkhornColumns(kernel, a, b, 1, options);
  return { ...batch, cost: batch.cost[0], objective: batch.objective[0] };
}

/** Entropic OT between matching columns of A and B (size × columns, row-major), all at once. */
export function sinkhornColumns(
  kernel: GibbsKernel,
  A: Float64Array,
  B: Float64Array,
  columns: number,
  options: SinkhornOptions = {},
): SinkhornBatchResult {
  const maxIterations = options.maxIterations ?? 10_000;
  const tolerance = options.tolerance ?? 1e-9;
  const epsilon = kernel.epsilon;
  const n = kernel.size * columns;
  if (A.length !== n || B.length !== n) throw new RangeError(`A and B must hold ${kernel.size} × ${columns} numbers`);

  const logA = logOf(A);
  const logB = logOf(B);
  const f = new Float64Array(n);
  const g = new Float64Array(n);
  if (options.initialG !== undefined) {
    if (options.initialG.length !== n) throw new RangeError(`initialG must hold ${kernel.size} × ${columns} numbers`);
    for (let t = 0; t < n; t++) g[t] = Number.isFinite(options.initialG[t]) ? options.initialG[t] : 0;
  }
  const scaled = new Float64Array(n);
  const applied = new Float64Array(n);
  const errors = new Float64Array(columns);
  for (let t = 0; t < n; t++) if (logA[t] === -Infinity) f[t] = -Infinity;

  let iterations = 0;
  let marginalError = Infinity;
  while (iterations < maxIterations && marginalError > tolerance) {
    // f = ε (log a − log K e^{g/ε}) makes the row marginal exact.
    for (let t = 0; t < n; t++) scaled[t] = g[t] / epsilon;
    kernel.logApply(scaled, applied, columns);
    for (let t = 0; t < n; t++) f[t] = logA[t] === -Infinity ? -Infinity : epsilon * (logA[t] - applied[t]);
    // g = ε (log b − log Kᵀ e^{f/ε}); before it, the column marginal was b ⊙ e^{(g_old − g)/ε}.
    for (let t = 0; t < n; t++) scaled[t] = f[t] / epsilon;
    kernel.logApplyT(scaled, applied, columns);
    errors.fill(0);
    for (let i = 0; i < kernel.size; i++) {
      for (let c = 0; c < columns; c++) {
        const t = i * columns + c;
        if (logB[t] === -Infinity) {
          g[t] = -Infinity;
          continue;
        }
        const next = epsilon * (logB[t] - applied[t]);
        errors[c] += B[t] * Math.abs(Math.expm1((g[t] - next) / epsilon));
        g[t] = next;
      }
    }
    marginalError = 0;
    for (let c = 0; c < columns; c++) marginalError = Math.max(marginalError, errors[c]);
    iterations++;
  }

  const { cost, objective } = entropicCosts(kernel, f, g, columns);
  return { f, g, cost, objective, iterations, converged: marginalError <= tolerance, marginalError };
}

/**
 * Sinkhorn at each ε of a decreasing schedule, each run started from the previous g
 * (ε-scaling). At small ε, Sinkhorn from g = 0 can need millions of iterations (its contraction
 * factor is about 1 − e^{−max C/ε}); from the potential of a slightly larger ε it needs few.
 * Returns the run at the last ε.
 */
export function sinkhornAnnealed(
  kernelFor: (epsilon: number) => GibbsKernel,
  a: Float64Array,
  b: Float64Array,
  epsilons: readonly number[],
  options: SinkhornOptions = {},
): SinkhornResult {
  if (epsilons.length === 0) throw new RangeError('the ε schedule is empty');
  let result: SinkhornResult | undefined;
  let g = options.initialG;
  for (const epsilon of epsilons) {
    result = sinkhorn(kernelFor(epsilon), a, b, { ...options, initialG: g });
    g = result.g;
  }
  return result as SinkhornResult;
}

/**
 * ⟨P, C⟩ and ⟨P, C⟩ + ε Σ P (log P − 1) for the plan of potentials f, g. Since
 * log P = (f ⊕ g − C)/ε, the second is ⟨P1, f⟩ + ⟨Pᵀ1, g⟩ − ε Σ P, exact for any f, g.
 */
function entropicCosts(
  kernel: GibbsKernel,
  f: Float64Array,
  g: Float64Array,
  columns: number,
): { cost: Float64Array; objective: Float64Array } {
  const epsilon = kernel.epsilon;
  const n = f.length;
  const logF = new Float64Array(n);
  const logG = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    logF[t] = f[t] / epsilon;
    logG[t] = g[t] / epsilon;
  }
  const cost = kernel.planCost(logF, logG, columns);
  const applied = new Float64Array(n);
  kernel.logApply(logG, applied, columns);
  const objective = new Float64Array(columns);
  for (let t = 0; t < n; t++) {
    const rowMass = Math.exp(logF[t] + applied[t]);
    if (rowMass > 0) objective[t % columns] += rowMass * (f[t] - epsilon);
  }
  kernel.logApplyT(logF, applied, columns);
  for (let t = 0; t < n; t++) {
    const columnMass = Math.exp(logG[t] + applied[t]);
    if (columnMass > 0) objective[t % columns] += columnMass * g[t];
  }
  return { cost, objective };
}

/**
 * The Sinkhorn divergence S(a, b) = OT_ε(a, b) − ½ OT_ε(a, a) − ½ OT_ε(b, b) (Genevay et al.,
 * Feydy et al.): 0 when a = b and positive otherwise, for the kernel of a squared Euclidean cost.
 */
export function sinkhornDivergence(kernel: GibbsKernel, a: Float64Array, b: Float64Array, options: SinkhornOptions = {}): number {
  const cross = sinkhorn(kernel, a, b, options).objective;
  const selfA = sinkhorn(kernel, a, a, options).objective;
  const selfB = sinkhorn(kernel, b, b, options).objective;
  return cross - 0.5 * selfA - 0.5 * selfB;
}

/** The plan P_ij = exp((f_i + g_j − C_ij)/ε) as a dense row-major matrix (small problems only). */
export function transportPlan(cost: CostMatrix, epsilon: number, f: Float64Array, g: Float64Array): Float64Array {
  const m = cost.size;
  const plan = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) plan[i * m + j] = Math.exp((f[i] + g[j] - cost.values[i * m + j]) / epsilon);
  }
  return plan;
}

function logOf(values: Float64Array): Float64Array {
  const logs = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    if (!(values[i] >= 0) || !Number.isFinite(values[i])) {
      throw new RangeError(`histogram entry ${i} is ${values[i]}; it must be finite and ≥ 0`);
    }
    logs[i] = Math.log(values[i]);
  }
  return logs;
}

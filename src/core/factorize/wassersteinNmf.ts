// Wasserstein NMF (Rolet, Cuturi & Peyré, AISTATS 2016). With the columns of X, D and DΛ all
// histograms, it minimises
//
//   Σ_i OT_ε(X_i, (DΛ)_i) + ρ₁ E(Λ) + ρ₂ E(D),   E(A) = Σ A log A (negative entropy),
//
// by alternating two convex problems, each solved through its smooth unconstrained dual in
// G ∈ R^{m×n} (one dual potential per observation):
//
//   Λ-step: min_G Σ_i OT*_ε(X_i, G_i) + ρ₁ Σ_i LSE(−(DᵀG)_i/ρ₁),  then Λ = softmax(−DᵀG/ρ₁);
//   D-step: min_G Σ_i OT*_ε(X_i, G_i) + ρ₂ Σ_a LSE(−(GΛᵀ)_a/ρ₂),  then D = softmax(−GΛᵀ/ρ₂),
//
// where LSE and softmax act on each column (over atoms for Λ, over bins for D). LSE is the
// Legendre transform of E restricted to the simplex, which is why the primal iterates are
// histograms by construction. Each dual is minimised by L-BFGS from G = 0.

import type { LbfgsOptions, LbfgsProgress, LbfgsStatus } from '../optim/lbfgs';
import { float64VectorOps, lbfgsIterations } from '../optim/lbfgs';
import { seededRng } from '../random';
import type { GibbsKernel } from '../transport/kernel';
import { EntropicSemiDual } from '../transport/semiDual';
import type { DenseMatrix } from './dense';
import { addRowCombination, assertNonNegative, cloneMatrix, multiplyTransposedInto, normalizeColumns } from './dense';

export interface WassersteinNmfOptions {
  /** The number of atoms. */
  k: number;
  /** Entropy weight on Λ. Default 0.05. */
  rho1?: number;
  /** Entropy weight on D. Default 0.05. */
  rho2?: number;
  /** Alternations (one D-step, then one Λ-step, each). Default 10. */
  outerIterations?: number;
  /** For each inner solve. Default: 250 iterations, gradient tolerance 1e-4. */
  lbfgs?: LbfgsOptions;
  /** Seed of the random initialisation. Default 0. */
  seed?: number;
  /** A starting point instead of the random one (copied; columns normalised). */
  init?: { D: DenseMatrix; Lambda: DenseMatrix };
  /** Called after each step; return true to stop. */
  onStep?: (step: WassersteinNmfStep) => boolean | void;
}

export interface WassersteinNmfStep {
  /** 1-based outer iteration. */
  outer: number;
  /** Which factor this step updated. */
  block: 'dictionary' | 'weights';
  /**
   * The full objective Σ OT_ε(X_i, (DΛ)_i) + ρ₁E(Λ) + ρ₂E(D) after the step, by duality: minus
   * the dual minimum, plus the entropy term of the factor that was held fixed. Exact when the
   * inner solve converged, approximate otherwise.
   */
  objective: number;
  /** The dual minimum the L-BFGS reached. */
  dualObjective: number;
  lbfgs: { iterations: number; evaluations: number; gradNorm: number; converged: boolean; status: LbfgsStatus; reason: string };
}

export interface WassersteinNmfResult {
  /** m × k atoms; each column is a histogram. */
  D: DenseMatrix;
  /** k × n weights; each column is a histogram. */
  Lambda: DenseMatrix;
  /** Every step, in order. */
  steps: WassersteinNmfStep[];
  /** The objective after each outer iteration (after its Λ-step). */
  history: number[];
  outerIterations: number;
  /** True when every inner L-BFGS reached its gradient tolerance. */
  allInnerConverged: boolean;
  stopped: boolean;
}

/** Random histograms: uniform entries, each column scaled to sum to 1 (as in the reference). */
export function randomHistogramInit(m: number, k: number, n: number, seed = 0): { D: DenseMatrix; Lambda: DenseMatrix } {
  const rng = seededRng(seed);
  const D = { rows: m, cols: k, values: new Float64Array(m * k) };
  const Lambda = { rows: k, cols: n, values: new Float64Array(k * n) };
  for (let t = 0; t < D.values.length; t++) D.values[t] = rng();
  for (let t = 0; t < Lambda.values.length; t++) Lambda.values[t] = rng();
  return { D: normalizeColumns(D), Lambda: normalizeColumns(Lambda) };
}

/** What `wassersteinNmfIterations` yields: every inner L-BFGS step, and every finished step. */
export type WassersteinNmfProgress =
  | { kind: 'inner'; outer: number; block: 'dictionary' | 'weights'; lbfgs: LbfgsProgress }
  | {
      kind: 'step';
      step: WassersteinNmfStep;
      /** The current factors: live views, valid until the generator resumes (copy to keep). */
      D: DenseMatrix;
      Lambda: DenseMatrix;
    };

export function wassersteinNmf(X: DenseMatrix, kernel: GibbsKernel, options: WassersteinNmfOptions): WassersteinNmfResult {
  const run = wassersteinNmfIterations(X, kernel, options);
  let next = run.next();
  while (!next.done) next = run.next();
  return next.value;
}

/**
 * Wasserstein NMF as a generator: it yields after every inner L-BFGS iteration and after every
 * step, so a UI thread can pause (and a caller can stop by no longer resuming it). The result
 * and the arithmetic are exactly those of `wassersteinNmf`.
 */
export function* wassersteinNmfIterations(
  X: DenseMatrix,
  kernel: GibbsKernel,
  options: WassersteinNmfOptions,
): Generator<WassersteinNmfProgress, WassersteinNmfResult, void> {
  const { k } = options;
  const rho1 = options.rho1 ?? 0.05;
  const rho2 = options.rho2 ?? 0.05;
  const outerIterations = options.outerIterations ?? 10;
  const lbfgsOptions: LbfgsOptions = { maxIterations: 250, gradTol: 1e-4, ...options.lbfgs };
  assertNonNegative(X, 'X');
  const m = X.rows;
  const n = X.cols;
  if (kernel.size !== m) throw new RangeError(`the kernel has ${kernel.size} bins but X has ${m} rows`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (!(rho1 > 0) || !(rho2 > 0)) throw new RangeError('rho1 and rho2 must be positive');

  const histograms = normalizeColumns(cloneMatrix(X));
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += histograms.values[i * n + j];
    if (!(sum > 0)) throw new RangeError(`column ${j + 1} of X is all zeros; it cannot be a histogram`);
  }
  const start = options.init ?? randomHistogramInit(m, k, n, options.seed ?? 0);
  if (start.D.rows !== m || start.D.cols !== k || start.Lambda.rows !== k || start.Lambda.cols !== n) {
    throw new RangeError(`init must be ${m} × ${k} and ${k} × ${n}`);
  }
  const D = normalizeColumns(cloneMatrix(start.D));
  const Lambda = normalizeColumns(cloneMatrix(start.Lambda));

  const semiDual = new EntropicSemiDual(kernel);
  semiDual.fixMarginal(histograms.values, n);
  const logits = new Float64Array(Math.max(k * n, m * k));
  const softmax = new Float64Array(Math.max(k * n, m * k));

  // Σ OT*(X_i, G_i) + ρ₁ Σ_i LSE(−(DᵀG)_i/ρ₁); the softmax is left in `softmax` (k × n).
  const weightsDual = (G: Float64Array, grad: Float64Array): number => {
    let value = semiDual.evaluate(histograms.values, G, grad, n);
    // logits = −DᵀG/ρ₁: row a is a combination of the rows of G with weights D[·, a].
    logits.fill(0, 0, k * n);
    for (let a = 0; a < k; a++) addRowCombination(logits, a * n, -1 / rho1, D.values, a, k, G, 0, m, n);
    value += rho1 * columnSoftmax(logits, softmax, k, n);
    // ∇ −= D · softmax: row p of the gradient loses a combination of the rows of softmax.
    for (let p = 0; p < m; p++) addRowCombination(grad, p * n, -1, D.values, p * k, 1, softmax, 0, k, n);
    return value;
  };

  // Σ OT*(X_i, G_i) + ρ₂ Σ_a LSE(−(GΛᵀ)_a/ρ₂); the softmax is left in `softmax` (m × k).
  const dictionaryDual = (G: Float64Array, grad: Float64Array): number => {
    let value = semiDual.evaluate(histograms.values, G, grad, n);
    multiplyTransposedInto(G, m, Lambda.values, k, n, logits, -1 / rho2);
    value += rho2 * columnSoftmax(logits, softmax, m, k);
    // ∇ −= softmax · Λ
    for (let p = 0; p < m; p++) addRowCombination(grad, p * n, -1, softmax, p * k, 1, Lambda.values, 0, k, n);
    return value;
  };

  const steps: WassersteinNmfStep[] = [];
  const history: number[] = [];
  let allInnerConverged = true;
  let stopped = false;
  let outer = 0;
  const scratchGrad = new Float64Array(m * n);

  function* solve(block: 'dictionary' | 'weights'): Generator<WassersteinNmfProgress, WassersteinNmfStep, void> {
    const dual = block === 'dictionary' ? dictionaryDual : weightsDual;
    const inner = lbfgsIterations(float64VectorOps, dual, new Float64Array(m * n), lbfgsOptions);
    let next = inner.next();
    while (!next.done) {
      yield { kind: 'inner', outer, block, lbfgs: next.value };
      next = inner.next();
    }
    const result = next.value;
    // Re-evaluate at the returned point so `softmax` holds that point's primal factor.
    const dualObjective = dual(result.x, scratchGrad);
    const target = block === 'dictionary' ? D : Lambda;
    target.values.set(softmax.subarray(0, target.values.length));
    const heldFixedEntropy =
      block === 'dictionary' ? rho1 * negativeEntropy(Lambda.values) : rho2 * negativeEntropy(D.values);
    if (!result.converged) allInnerConverged = false;
    return {
      outer,
      block,
      objective: -dualObjective + heldFixedEntropy,
      dualObjective,
      lbfgs: {
        iterations: result.iterations,
        evaluations: result.evaluations,
        gradNorm: result.gradNorm,
        converged: result.converged,
        status: result.status,
        reason: result.reason,
      },
    };
  }

  while (outer < outerIterations && !stopped) {
    outer++;
    for (const block of ['dictionary', 'weights'] as const) {
      const step = yield* solve(block);
      steps.push(step);
      if (block === 'weights') history.push(step.objective);
      if (options.onStep?.(step)) {
        stopped = true;
        break;
      }
      yield { kind: 'step', step, D, Lambda };
    }
  }
  return { D, Lambda, steps, history, outerIterations: outer, allInnerConverged, stopped };
}

/**
 * Softmax of each column of a rows × cols matrix into `out`; returns the sum over columns of
 * their log-sum-exps.
 */
function columnSoftmax(logits: Float64Array, out: Float64Array, rows: number, cols: number): number {
  let total = 0;
  for (let c = 0; c < cols; c++) {
    let max = -Infinity;
    for (let r = 0; r < rows; r++) max = Math.max(max, logits[r * cols + c]);
    let sum = 0;
    for (let r = 0; r < rows; r++) {
      const e = Math.exp(logits[r * cols + c] - max);
      out[r * cols + c] = e;
      sum += e;
    }
    for (let r = 0; r < rows; r++) out[r * cols + c] /= sum;
    total += max + Math.log(sum);
  }
  return total;
}

/** Σ A log A with 0 log 0 = 0. */
export function negativeEntropy(values: Float64Array): number {
  let sum = 0;
  for (let t = 0; t < values.length; t++) if (values[t] > 0) sum += values[t] * Math.log(values[t]);
  return sum;
}

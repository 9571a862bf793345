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

import type { LbfgsOptions, LbfgsStatus } from '../optim/lbfgs';
import { minimizeLbfgs } from '../optim/lbfgs';
import { seededRng } from '../random';
import type { GibbsKernel } from '../transport/kernel';
import { EntropicSemiDual } from '../transport/semiDual';
import type { DenseMatrix } from './dense';
import { assertNonNegative, cloneMatrix, normalizeColumns } from './dense';

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

export function wassersteinNmf(X: DenseMatrix, kernel: GibbsKernel, options: WassersteinNmfOptions): WassersteinNmfResult {
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
  const logits = new Float64Array(Math.max(k * n, m * k));
  const softmax = new Float64Array(Math.max(k * n, m * k));

  // Σ OT*(X_i, G_i) + ρ₁ Σ_i LSE(−(DᵀG)_i/ρ₁); the softmax is left in `softmax` (k × n).
  const weightsDual = (G: Float64Array, grad: Float64Array): number => {
    let value = semiDual.evaluate(histograms.values, G, grad, n);
    logits.fill(0, 0, k * n);
    for (let p = 0; p < m; p++) {
      for (let a = 0; a < k; a++) {
        const scaled = D.values[p * k + a] / rho1;
        if (scaled === 0) continue;
        const row = a * n;
        const gRow = p * n;
        for (let i = 0; i < n; i++) logits[row + i] -= scaled * G[gRow + i];
      }
    }
    value += rho1 * columnSoftmax(logits, softmax, k, n);
    // ∇ −= D · softmax
    for (let p = 0; p < m; p++) {
      for (let a = 0; a < k; a++) {
        const d = D.values[p * k + a];
        for (let i = 0; i < n; i++) grad[p * n + i] -= d * softmax[a * n + i];
      }
    }
    return value;
  };

  // Σ OT*(X_i, G_i) + ρ₂ Σ_a LSE(−(GΛᵀ)_a/ρ₂); the softmax is left in `softmax` (m × k).
  const dictionaryDual = (G: Float64Array, grad: Float64Array): number => {
    let value = semiDual.evaluate(histograms.values, G, grad, n);
    for (let p = 0; p < m; p++) {
      for (let a = 0; a < k; a++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += G[p * n + i] * Lambda.values[a * n + i];
        logits[p * k + a] = -sum / rho2;
      }
    }
    value += rho2 * columnSoftmax(logits, softmax, m, k);
    // ∇ −= softmax · Λ
    for (let p = 0; p < m; p++) {
      for (let a = 0; a < k; a++) {
        const s = softmax[p * k + a];
        for (let i = 0; i < n; i++) grad[p * n + i] -= s * Lambda.values[a * n + i];
      }
    }
    return value;
  };

  const steps: WassersteinNmfStep[] = [];
  const history: number[] = [];
  let allInnerConverged = true;
  let stopped = false;
  let outer = 0;
  const scratchGrad = new Float64Array(m * n);

  const solve = (block: 'dictionary' | 'weights'): WassersteinNmfStep => {
    const dual = block === 'dictionary' ? dictionaryDual : weightsDual;
    const result = minimizeLbfgs(dual, new Float64Array(m * n), lbfgsOptions);
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
  };

  while (outer < outerIterations && !stopped) {
    outer++;
    for (const block of ['dictionary', 'weights'] as const) {
      const step = solve(block);
      steps.push(step);
      if (block === 'weights') history.push(step.objective);
      if (options.onStep?.(step)) {
        stopped = true;
        break;
      }
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

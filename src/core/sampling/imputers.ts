// The imputers a placement can be scored with:
// - any classical imputer of the registry in impute/classical.ts, by name (neighbor, mean,
//   linear, softimpute, knn, seasonal; one implementation serves every caller, and a new
//   registry entry is a placement imputer at once). A method with a setting (softImpute's λ)
//   is tuned once, on the validation objective of one seeded random kept set of the budget's
//   size, and refitted with that setting at every evaluation;
// - a trained learned model, frozen: inference only, with the saved weights;
// - the low-rank reconstruction, the cheap proxy: the leading principal axes of the training
//   rows (mean-filled), and per row the coefficients that best explain the observed entries
//   under a Gaussian prior (probabilistic PCA's conditional mean). It is PySensors's
//   reconstruction from a basis and a few sensors, and the basis QR pivoting ranks columns on.
import type * as tfType from '@tensorflow/tfjs';
import { pca } from '../embed/pca';
import { CLASSICAL_METHODS, describeParams, refitClassical, tuneClassical, type ClassicalMethod } from '../impute/classical';
import { modelFromCheckpoint, predictMatrix, type Checkpoint } from '../impute/train';
import type { MaskedMatrix } from '../matrix/masked';
import { randomPlacements } from './baselines';
import { placementInput, scorePlacement, type PlacementImputer, type PlacementProblem } from './problem';

/** The registry's classical imputers, by name. */
export function isClassicalImputer(name: string): name is ClassicalMethod {
  return (CLASSICAL_METHODS as readonly string[]).includes(name);
}

/**
 * A classical imputer of the registry for a placement problem: tuned once (when it has a
 * setting) on the validation error of a seeded random set of `budget` kept columns, then
 * refitted with that setting for every kept set.
 */
export function classicalImputer(name: string, problem: PlacementProblem, budget: number, seed = 0): PlacementImputer {
  if (!isClassicalImputer(name)) throw new Error(`unknown imputer "${name}"; expected one of ${CLASSICAL_METHODS.join(', ')}`);
  const kept = randomPlacements(problem.cols, Math.min(budget, problem.cols), 1, seed)[0];
  const input = placementInput(problem, problem.validation, kept);
  const { params } = tuneClassical(name, input, (p) => scorePlacement(problem, problem.validation, kept, p).value, { seed });
  const setting = describeParams(params);
  return { name: setting ? `${name} (${setting})` : name, impute: (m) => refitClassical(params, m, seed) };
}

/**
 * A trained model as a frozen imputer: its best weights, inference only. The caller disposes
 * it (the model's variables) when the search is over.
 */
export function frozenModelImputer(tf: typeof tfType, checkpoint: Checkpoint, data: MaskedMatrix, label?: string): PlacementImputer & { dispose(): void } {
  if (checkpoint.config.cols !== data.cols) throw new Error(`the saved ${checkpoint.method} model expects ${checkpoint.config.cols} columns; this matrix has ${data.cols}`);
  const model = modelFromCheckpoint(tf, checkpoint, 'best', data);
  return {
    name: `${checkpoint.method} (frozen${label ? `, ${label}` : ''})`,
    impute: (m) => predictMatrix(tf, { model, norm: checkpoint.norm }, m),
    dispose: () => model.dispose(),
  };
}

export interface LowRankBasis {
  rank: number;
  cols: number;
  mean: Float64Array;
  /** rank × cols, row-major, unit rows: the principal axes. */
  axes: Float64Array;
  /** The variance along each axis. */
  variances: Float64Array;
  /** The per-entry variance the axes leave unexplained (the noise of the Gaussian model). */
  noise: number;
}

/**
 * The leading principal axes of rows [from, to) of the data, missing entries filled with their
 * column's observed mean over those rows (a column never observed there gets 0 after centring).
 */
export function lowRankBasis(data: MaskedMatrix, rows: [number, number], rank: number): LowRankBasis {
  const [from, to] = rows;
  const n = to - from;
  const cols = data.cols;
  if (n < 2) throw new Error(`a low-rank basis needs at least 2 rows, found ${n}`);
  const sums = new Float64Array(cols);
  const counts = new Float64Array(cols);
  for (let i = from; i < to; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (data.observed[k]) {
        sums[j] += data.values[k];
        counts[j]++;
      }
    }
  }
  const means = Float64Array.from(sums, (s, j) => (counts[j] ? s / counts[j] : 0));
  const x = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) {
      const k = (from + i) * cols + j;
      x[i * cols + j] = data.observed[k] ? data.values[k] : means[j];
    }
  }
  const r = Math.max(1, Math.min(rank, cols, n - 1));
  const p = pca({ n, dim: cols, data: x }, { components: r });
  const total = p.explained[0] > 0 ? p.variances[0] / p.explained[0] : 0;
  let kept = 0;
  for (const v of p.variances) kept += v;
  const noise = Math.max((total - kept) / cols, 1e-9 * Math.max(total, 1e-12), 1e-12);
  return { rank: p.components, cols, mean: p.mean, axes: p.axes, variances: p.variances, noise };
}

/** Solves the SPD system A x = b (n × n, row-major) by Cholesky, in place of copies. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, 1e-300));
      else l[i * n + j] = s / l[j * n + j];
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * y[k];
    y[i] = s / l[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
  return x;
}

/**
 * Fills each row's missing entries from its observed ones through the basis: the conditional
 * mean of the coefficients c ~ N(0, diag(variances)) given x_O = μ_O + Ψ_Oᵀc + noise.
 */
export function reconstructLowRank(basis: LowRankBasis, m: MaskedMatrix): Float64Array {
  const { rank: r, cols, mean, axes, variances, noise } = basis;
  if (m.cols !== cols) throw new Error(`the basis has ${cols} columns, the matrix ${m.cols}`);
  const out = m.values.slice();
  const a = new Float64Array(r * r);
  const b = new Float64Array(r);
  for (let i = 0; i < m.rows; i++) {
    const row = i * cols;
    let missing = false;
    for (let j = 0; j < cols; j++) if (!m.observed[row + j]) missing = true;
    if (!missing) continue;
    a.fill(0);
    b.fill(0);
    for (let j = 0; j < cols; j++) {
      if (!m.observed[row + j]) continue;
      const d = m.values[row + j] - mean[j];
      for (let p = 0; p < r; p++) {
        const ap = axes[p * cols + j];
        b[p] += ap * d;
        for (let q = 0; q <= p; q++) a[p * r + q] += ap * axes[q * cols + j];
      }
    }
    for (let p = 0; p < r; p++) {
      for (let q = 0; q < p; q++) a[q * r + p] = a[p * r + q];
      a[p * r + p] += noise / Math.max(variances[p], 1e-12 * noise);
    }
    const c = solveSpd(a, b, r);
    for (let j = 0; j < cols; j++) {
      if (m.observed[row + j]) continue;
      let v = mean[j];
      for (let p = 0; p < r; p++) v += c[p] * axes[p * cols + j];
      out[row + j] = v;
    }
  }
  return out;
}

/** The low-rank imputer of a placement problem: its basis fitted once on the training rows. */
export function lowRankImputer(problem: PlacementProblem, rank: number): PlacementImputer & { basis: LowRankBasis } {
  const basis = lowRankBasis(problem.data, [0, problem.validation.scoredFrom], rank);
  return { name: `low-rank (rank ${basis.rank})`, basis, impute: (m) => reconstructLowRank(basis, m) };
}

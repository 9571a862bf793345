// Principal component analysis, exact to rounding, in Float64. Two paths to the same answer:
// - 'full': the d × d covariance and its complete symmetric eigendecomposition (eigen.ts);
// - 'subspace': block subspace iteration on the covariance applied as Xᵀ(X·V)/(n − 1), with a
//   Rayleigh–Ritz step (eigen.ts on a small matrix), which never forms the d × d matrix and finds
//   only the top few axes: for high dimension and few components (MNIST's 784 pixels, 2 axes).
//   It stops when every wanted Ritz pair has ‖C v − λ v‖ ≤ 1e-10·λ₁; if it is not there within
//   about twice the full path's arithmetic, the full path runs instead (result.method says which).
// The codes are the centred (optionally standardized) data projected onto the leading axes, so
// without `standardize` they keep the data's units (and its scale t for the weighting vector).

import { symmetricEigen } from './eigen';

export interface PcaInput {
  n: number;
  dim: number;
  /** Row-major n × dim. */
  data: ArrayLike<number>;
}

/** Which eigensolver produced the axes. */
export type PcaMethod = 'full' | 'subspace';

export interface PcaOptions {
  /** Number of components, clamped to [0, dim]. Default 2. */
  components?: number;
  /**
   * Scale every column to unit variance first (scikit-learn's StandardScaler before PCA: the
   * population standard deviation, divisor n; a constant column keeps scale 1). Changes the
   * codes' units, so a weighting vector at the data's t no longer applies as is. Default false.
   */
  standardize?: boolean;
  /**
   * 'auto' (default): subspace iteration when dim > PCA_FULL_MAX_DIM and the block of
   * components + 4 vectors is at most a quarter of dim, else the full decomposition. 'full' or
   * 'subspace' force a path (the subspace path still falls back to the full one if it does not
   * converge within its budget).
   */
  method?: 'auto' | PcaMethod;
}

export interface PcaResult {
  n: number;
  dim: number;
  /** Number of components kept (k). */
  components: number;
  /** n × k, row-major: each point's coordinates on the axes. */
  codes: Float64Array;
  /** k × dim, row-major: the principal axes, unit length, largest variance first, each signed so its largest-magnitude entry is positive. */
  axes: Float64Array;
  /** The variance along each axis: the covariance's eigenvalues (divisor n − 1, as scikit-learn), descending, clamped at 0. */
  variances: Float64Array;
  /** The share of the total variance (the covariance's trace) each kept axis explains. */
  explained: Float64Array;
  /** The column means subtracted before projecting. */
  mean: Float64Array;
  /** Per-column divisors applied after centring (all 1 unless standardized). */
  scales: Float64Array;
  method: PcaMethod;
  seconds: number;
}

/** Up to this dimension 'auto' always decomposes the full covariance. */
export const PCA_FULL_MAX_DIM = 64;

/** Extra vectors in the subspace block: convergence goes as λ_{k+extra+1}/λ_k per iteration. */
const SUBSPACE_EXTRA = 4;

/** The top principal components of the n points. Fewer than 2 points give zero variances and codes. */
export function pca(input: PcaInput, options: PcaOptions = {}): PcaResult {
  const start = performance.now();
  const { n, dim, data } = input;
  const k = Math.max(0, Math.min(Math.floor(options.components ?? 2), dim));
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c] += data[i * dim + c];
  for (let c = 0; c < dim; c++) mean[c] /= Math.max(1, n);
  const x = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) x[i * dim + c] = data[i * dim + c] - mean[c];
  const scales = new Float64Array(dim).fill(1);
  if (options.standardize) {
    for (let c = 0; c < dim; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += x[i * dim + c] ** 2;
      const sd = Math.sqrt(s / Math.max(1, n));
      scales[c] = sd > 0 ? sd : 1;
    }
    for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) x[i * dim + c] /= scales[c];
  }
  const divisor = Math.max(1, n - 1);
  let total = 0;
  for (let t = 0; t < n * dim; t++) total += x[t] * x[t];
  total /= divisor;

  const wanted = options.method ?? 'auto';
  const subspace = wanted === 'subspace' || (wanted === 'auto' && dim > PCA_FULL_MAX_DIM && 4 * (k + SUBSPACE_EXTRA) <= dim);
  const top = (subspace ? subspaceEigen(x, n, dim, k, divisor) : null) ?? fullEigen(x, n, dim, k, divisor);
  const { axes } = top;
  fixSigns(axes, k, dim);
  const codes = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += x[i * dim + c] * axes[r * dim + c];
      codes[i * k + r] = s;
    }
  }
  const variances = Float64Array.from(top.values, (v) => Math.max(0, v));
  const explained = Float64Array.from(variances, (v) => (total > 0 ? v / total : 0));
  return { n, dim, components: k, codes, axes, variances, explained, mean, scales, method: top.method, seconds: (performance.now() - start) / 1000 };
}

interface TopEigen {
  /** The k largest eigenvalues of the covariance, descending. */
  values: Float64Array;
  /** k × dim, row-major: their unit eigenvectors. */
  axes: Float64Array;
  method: PcaMethod;
}

/** The covariance XᵀX/divisor (upper triangle accumulated row by row, each data row contiguous), fully decomposed. */
function fullEigen(x: Float64Array, n: number, dim: number, k: number, divisor: number): TopEigen {
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const xa = x[row + a];
      if (xa === 0) continue;
      const out = a * dim;
      for (let b = a; b < dim; b++) cov[out + b] += xa * x[row + b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / divisor;
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  const { values, vectors } = symmetricEigen(cov, dim);
  return { values: values.slice(0, k), axes: vectors.slice(0, k * dim), method: 'full' };
}

/** Flips each of the k rows (length dim) so its largest-magnitude entry is positive: a deterministic sign. */
function fixSigns(rows: Float64Array, k: number, dim: number): void {
  for (let r = 0; r < k; r++) {
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(rows[r * dim + j]) > Math.abs(rows[r * dim + big])) big = j;
    if (rows[r * dim + big] < 0) for (let j = 0; j < dim; j++) rows[r * dim + j] = -rows[r * dim + j];
  }
}

/** Modified Gram–Schmidt on the b rows (length d) of v, in place; a dependent row is replaced by `seedRow` and redone. */
function orthonormaliseRows(v: Float64Array, b: number, d: number, seedRow: (r: number) => void): void {
  for (let r = 0; r < b; r++) {
    for (let attempt = 0; attempt < 3; attempt++) {
      for (let q = 0; q < r; q++) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += v[r * d + j] * v[q * d + j];
        for (let j = 0; j < d; j++) v[r * d + j] -= dot * v[q * d + j];
      }
      let norm = 0;
      for (let j = 0; j < d; j++) norm += v[r * d + j] ** 2;
      norm = Math.sqrt(norm);
      if (norm > 1e-300) {
        for (let j = 0; j < d; j++) v[r * d + j] /= norm;
        break;
      }
      seedRow(r);
    }
  }
}

/**
 * The top k eigenpairs of C = XᵀX/divisor (x: n × d, centred) by block subspace iteration with
 * Rayleigh–Ritz: a block of k + 4 vectors, iterated until every wanted Ritz pair has
 * ‖C v − λ v‖ ≤ 1e-10·λ₁. Null when that takes more than about twice the full path's arithmetic
 * (a flat spectrum past the k-th value), for the caller to decompose the full covariance instead.
 */
function subspaceEigen(x: Float64Array, n: number, d: number, k: number, divisor: number): TopEigen | null {
  const b = Math.min(d, k + SUBSPACE_EXTRA);
  const fullCost = (n * d * d) / 2 + 6 * d * d * d;
  const iterationCost = 2 * n * d * b + 3 * b * b * d;
  const maxIterations = Math.min(1000, Math.max(30, Math.ceil((2 * fullCost) / iterationCost)));
  let state = 0x2545f491;
  const random = (): number => {
    // xorshift32: deterministic start vectors.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296 - 0.5;
  };
  const v = new Float64Array(b * d);
  const seedRow = (r: number): void => {
    for (let j = 0; j < d; j++) v[r * d + j] = random();
  };
  for (let r = 0; r < b; r++) seedRow(r);
  orthonormaliseRows(v, b, d, seedRow);
  const xv = new Float64Array(n * b);
  const cv = new Float64Array(b * d);
  const applyC = (): void => {
    // cv = (Xᵀ (X vᵀ))ᵀ / divisor, block by block.
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < b; r++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += x[i * d + j] * v[r * d + j];
        xv[i * b + r] = s;
      }
    }
    cv.fill(0);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < b; r++) {
        const coeff = xv[i * b + r] / divisor;
        if (coeff === 0) continue;
        for (let j = 0; j < d; j++) cv[r * d + j] += coeff * x[i * d + j];
      }
    }
  };
  const h = new Float64Array(b * b);
  const rotatedV = new Float64Array(b * d);
  const rotatedCv = new Float64Array(b * d);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    applyC();
    // Rayleigh–Ritz on span(v): H = V C Vᵀ (symmetrised), v and cv rotated by H's eigenvectors.
    for (let p = 0; p < b; p++) {
      for (let q = 0; q < b; q++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += v[p * d + j] * cv[q * d + j];
        h[p * b + q] = s;
      }
    }
    for (let p = 0; p < b; p++) for (let q = p + 1; q < b; q++) h[p * b + q] = h[q * b + p] = (h[p * b + q] + h[q * b + p]) / 2;
    const ritz = symmetricEigen(h, b);
    rotatedV.fill(0);
    rotatedCv.fill(0);
    for (let r = 0; r < b; r++) {
      for (let q = 0; q < b; q++) {
        const w = ritz.vectors[r * b + q];
        if (w === 0) continue;
        for (let j = 0; j < d; j++) {
          rotatedV[r * d + j] += w * v[q * d + j];
          rotatedCv[r * d + j] += w * cv[q * d + j];
        }
      }
    }
    let worst = 0;
    for (let r = 0; r < k; r++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (rotatedCv[r * d + j] - ritz.values[r] * rotatedV[r * d + j]) ** 2;
      worst = Math.max(worst, Math.sqrt(s));
    }
    if (worst <= 1e-10 * Math.max(ritz.values[0], 0)) {
      return { values: ritz.values.slice(0, k), axes: rotatedV.slice(0, k * d), method: 'subspace' };
    }
    // Next block: C·V (the power step), re-orthonormalised.
    v.set(rotatedCv);
    orthonormaliseRows(v, b, d, seedRow);
  }
  return null;
}

// Exact PCA: the covariance matrix in Float64 and its full symmetric eigendecomposition.
// The codes are the centred data projected onto the leading principal axes, so they keep the
// data's units (and its scale t for the weighting vector): the comparison the autoencoder needs.

import { symmetricEigen } from './eigen';

export interface PcaInput {
  n: number;
  dim: number;
  /** Row-major n × dim. */
  data: ArrayLike<number>;
}

export interface PcaOptions {
  /** Number of components. Default 2. */
  components?: number;
  /**
   * Scale every column to unit variance first (scikit-learn's StandardScaler before PCA, as the
   * seed did). Changes the codes' units, so a weighting vector at the data's t no longer applies
   * as is. Default false.
   */
  standardize?: boolean;
}

export interface PcaResult {
  /** n × components, row-major. */
  codes: Float64Array;
  components: number;
  /** components × dim, row-major: the principal axes, unit length. */
  axes: Float64Array;
  /** The variance along each axis (the covariance's eigenvalues), descending. */
  variances: Float64Array;
  /** The share of the total variance each kept axis explains. */
  explained: Float64Array;
  mean: Float64Array;
  /** Per-column divisors applied before the covariance (all 1 unless standardized). */
  scales: Float64Array;
  seconds: number;
}

export function pca(input: PcaInput, options: PcaOptions = {}): PcaResult {
  const start = performance.now();
  const { n, dim, data } = input;
  const k = Math.min(options.components ?? 2, dim);
  if (n < 2) throw new RangeError(`PCA needs at least 2 points, got ${n}`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) mean[c] += data[i * dim + c];
  for (let c = 0; c < dim; c++) mean[c] /= n;
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) centred[i * dim + c] = data[i * dim + c] - mean[c];
  const scales = new Float64Array(dim).fill(1);
  if (options.standardize) {
    for (let c = 0; c < dim; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += centred[i * dim + c] ** 2;
      const sd = Math.sqrt(s / n);
      scales[c] = sd > 0 ? sd : 1;
    }
    for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) centred[i * dim + c] /= scales[c];
  }
  // Covariance, upper triangle accumulated row by row (each row of the data is contiguous).
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const row = i * dim;
    for (let a = 0; a < dim; a++) {
      const xa = centred[row + a];
      if (xa === 0) continue;
      const out = a * dim;
      for (let b = a; b < dim; b++) cov[out + b] += xa * centred[row + b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  const { values, vectors } = symmetricEigen(cov, dim);
  let total = 0;
  for (let c = 0; c < dim; c++) total += Math.max(0, values[c]);
  const axes = vectors.slice(0, k * dim);
  const codes = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += centred[i * dim + c] * axes[j * dim + c];
      codes[i * k + j] = s;
    }
  }
  const variances = values.slice(0, k);
  const explained = Float64Array.from(variances, (v) => (total > 0 ? v / total : 0));
  return { codes, components: k, axes, variances, explained, mean, scales, seconds: (performance.now() - start) / 1000 };
}

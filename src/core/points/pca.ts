// Principal components of a point cloud, exactly (to rounding): the covariance's symmetric
// eigen-decomposition by cyclic Jacobi rotations when the dimension is small, and for high
// dimension (MNIST's 784) subspace iteration on the covariance applied as Xᵀ(X·V)/n, with a
// Jacobi Rayleigh–Ritz step, which never forms the d × d matrix and needs only the top few.
import type { PointCloud } from './samples';

export interface SymmetricEigen {
  /** Eigenvalues, largest first. */
  values: Float64Array;
  /** Row-major n × n: row r is the unit eigenvector of values[r]. */
  vectors: Float64Array;
  sweeps: number;
}

/**
 * Eigenvalues and eigenvectors of a symmetric n × n matrix (row-major; only read) by cyclic
 * Jacobi: each rotation zeroes one off-diagonal pair, sweeps repeat until the off-diagonal mass
 * is below 1e-15 of the Frobenius norm. O(n³) per sweep, a handful of sweeps: for n ≲ 100.
 */
export function symmetricEigen(matrix: ArrayLike<number>, n: number, maxSweeps = 60): SymmetricEigen {
  const a = Float64Array.from({ length: n * n }, (_, k) => matrix[k]);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let k = 0; k < n * n; k++) norm += a[k] * a[k];
  const threshold = 1e-30 * norm;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += 2 * a[p * n + q] ** 2;
    if (off <= threshold) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // tan of the rotation angle, the smaller root (Numerical Recipes' stable form).
        const theta = (aqq - app) / (2 * apq);
        const tan = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(tan * tan + 1);
        const s = tan * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y] - a[x * n + x]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((col, r) => {
    for (let k = 0; k < n; k++) vectors[r * n + k] = v[k * n + col];
  });
  return { values, vectors, sweeps };
}

export interface Pca {
  dim: number;
  k: number;
  mean: Float64Array;
  /** Row-major k × dim: the unit principal axes, largest variance first. */
  components: Float64Array;
  /** Variance along each axis (eigenvalues of the covariance, divisor n). */
  variances: Float64Array;
  /** Share of the total variance along each axis. */
  explained: Float64Array;
  /** Row-major n × k: each point's coordinates on the axes. */
  projected: Float64Array;
  method: 'jacobi' | 'subspace';
}

/** Up to this dimension the full covariance is decomposed by Jacobi. */
export const PCA_JACOBI_MAX_DIM = 64;

/** Flips each axis so its largest-magnitude coordinate is positive: a deterministic sign. */
function fixSigns(components: Float64Array, k: number, dim: number): void {
  for (let r = 0; r < k; r++) {
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(components[r * dim + j]) > Math.abs(components[r * dim + big])) big = j;
    if (components[r * dim + big] < 0) for (let j = 0; j < dim; j++) components[r * dim + j] = -components[r * dim + j];
  }
}

/** Modified Gram–Schmidt on the b rows (length d) of v, in place; a dependent row is replaced by noise and redone. */
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

/** The top k principal components of the points (k ≤ dim). */
export function pca(points: PointCloud, k: number): Pca {
  const { n, dim, data } = points;
  const kk = Math.max(0, Math.min(Math.floor(k), dim));
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, n);
  const centred = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) centred[i * dim + j] = data[i * dim + j] - mean[j];
  let totalVariance = 0;
  for (let t = 0; t < n * dim; t++) totalVariance += centred[t] ** 2;
  totalVariance /= Math.max(1, n);

  let components: Float64Array;
  let variances: Float64Array;
  let method: Pca['method'];
  if (dim <= PCA_JACOBI_MAX_DIM) {
    const cov = new Float64Array(dim * dim);
    for (let i = 0; i < n; i++) {
      const row = i * dim;
      for (let a = 0; a < dim; a++) {
        const xa = centred[row + a];
        if (xa === 0) continue;
        for (let b = a; b < dim; b++) cov[a * dim + b] += xa * centred[row + b];
      }
    }
    for (let a = 0; a < dim; a++) {
      for (let b = a; b < dim; b++) {
        cov[a * dim + b] /= Math.max(1, n);
        cov[b * dim + a] = cov[a * dim + b];
      }
    }
    const eig = symmetricEigen(cov, dim);
    components = eig.vectors.slice(0, kk * dim);
    variances = eig.values.slice(0, kk);
    method = 'jacobi';
  } else {
    ({ components, variances } = subspaceIteration(centred, n, dim, kk));
    method = 'subspace';
  }
  fixSigns(components, kk, dim);
  const projected = new Float64Array(n * kk);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < kk; r++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += centred[i * dim + j] * components[r * dim + j];
      projected[i * kk + r] = s;
    }
  }
  const explained = Float64Array.from(variances, (v) => (totalVariance > 0 ? Math.max(0, v) / totalVariance : 0));
  return { dim, k: kk, mean, components, variances: Float64Array.from(variances, (v) => Math.max(0, v)), explained, projected, method };
}

/**
 * Top-k eigenpairs of C = XᵀX/n by block subspace iteration with Rayleigh–Ritz: a block of k + 4
 * vectors (the extra ones speed convergence by the gap ratio λ_{b+1}/λ_k) until every wanted
 * Ritz pair has ‖C v − λ v‖ ≤ 1e-10·λ₁.
 */
function subspaceIteration(x: Float64Array, n: number, d: number, k: number): { components: Float64Array; variances: Float64Array } {
  const b = Math.min(d, k + 4);
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
    // cv = (Xᵀ (X vᵀ))ᵀ / n, block by block.
    xv.fill(0);
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
        const coeff = xv[i * b + r] / n;
        if (coeff === 0) continue;
        for (let j = 0; j < d; j++) cv[r * d + j] += coeff * x[i * d + j];
      }
    }
  };
  const h = new Float64Array(b * b);
  let ritzValues: Float64Array = new Float64Array(b);
  for (let iteration = 0; iteration < 1000; iteration++) {
    applyC();
    // Rayleigh–Ritz on span(v): H = V C Vᵀ, rotate v and cv by H's eigenvectors.
    for (let p = 0; p < b; p++) {
      for (let q = 0; q < b; q++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += v[p * d + j] * cv[q * d + j];
        h[p * b + q] = s;
      }
    }
    for (let p = 0; p < b; p++) for (let q = p + 1; q < b; q++) h[p * b + q] = h[q * b + p] = (h[p * b + q] + h[q * b + p]) / 2;
    const eig = symmetricEigen(h, b);
    ritzValues = eig.values;
    const rotatedV = new Float64Array(b * d);
    const rotatedCv = new Float64Array(b * d);
    for (let r = 0; r < b; r++) {
      for (let q = 0; q < b; q++) {
        const w = eig.vectors[r * b + q];
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
      for (let j = 0; j < d; j++) s += (rotatedCv[r * d + j] - ritzValues[r] * rotatedV[r * d + j]) ** 2;
      worst = Math.max(worst, Math.sqrt(s));
    }
    if (worst <= 1e-10 * Math.max(ritzValues[0], 1e-300)) {
      return { components: rotatedV.slice(0, k * d), variances: ritzValues.slice(0, k) };
    }
    // Next block: C·V (the power step), re-orthonormalised.
    v.set(rotatedCv);
    orthonormaliseRows(v, b, d, seedRow);
  }
  applyC();
  return { components: v.slice(0, k * d), variances: ritzValues.slice(0, k) };
}

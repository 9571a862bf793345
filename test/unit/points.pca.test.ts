// PCA: the Jacobi eigen-decomposition, and the subspace iteration used in high dimension,
// against each other and against clouds whose axes are known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pca, symmetricEigen, PCA_JACOBI_MAX_DIM } from '../../src/core/points/pca';
import { normal, seededRng } from '../../src/core/random';

test('symmetricEigen: A v = λ v, orthonormal vectors, values sorted, trace kept', () => {
  const rng = seededRng(7);
  const n = 12;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng() - 0.5;
  const { values, vectors } = symmetricEigen(a, n);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  assert.ok(Math.abs(values.reduce((s, v) => s + v, 0) - trace) < 1e-12);
  for (let r = 1; r < n; r++) assert.ok(values[r - 1] >= values[r]);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[r * n + j];
      assert.ok(Math.abs(av - values[r] * vectors[r * n + i]) < 1e-12, `row ${r}`);
    }
    for (let q = 0; q <= r; q++) {
      let dot = 0;
      for (let j = 0; j < n; j++) dot += vectors[r * n + j] * vectors[q * n + j];
      assert.ok(Math.abs(dot - (q === r ? 1 : 0)) < 1e-12);
    }
  }
});

/** n points with independent Gaussian coordinates of the given standard deviations, rotated by a fixed orthogonal map. */
function anisotropic(n: number, sds: number[], seed: number): { data: Float64Array; axes: Float64Array } {
  const dim = sds.length;
  const rng = seededRng(seed);
  // A random orthogonal basis (Gram–Schmidt on Gaussian vectors).
  const axes = new Float64Array(dim * dim);
  for (let r = 0; r < dim; r++) {
    for (let j = 0; j < dim; j++) axes[r * dim + j] = normal(rng);
    for (let q = 0; q < r; q++) {
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += axes[r * dim + j] * axes[q * dim + j];
      for (let j = 0; j < dim; j++) axes[r * dim + j] -= dot * axes[q * dim + j];
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += axes[r * dim + j] ** 2;
    for (let j = 0; j < dim; j++) axes[r * dim + j] /= Math.sqrt(norm);
  }
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < dim; r++) {
      const c = sds[r] * normal(rng);
      for (let j = 0; j < dim; j++) data[i * dim + j] += c * axes[r * dim + j];
    }
  }
  return { data, axes };
}

test('pca recovers the axes of an anisotropic cloud, and the projection holds the variances', () => {
  const sds = [5, 3, 1.5, 0.5, 0.2];
  const { data, axes } = anisotropic(4000, sds, 3);
  const result = pca({ n: 4000, dim: 5, data }, 3);
  assert.equal(result.method, 'jacobi');
  for (let r = 0; r < 3; r++) {
    let dot = 0;
    for (let j = 0; j < 5; j++) dot += result.components[r * 5 + j] * axes[r * 5 + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 0.01, `axis ${r}: |cos| = ${Math.abs(dot)}`);
    assert.ok(Math.abs(Math.sqrt(result.variances[r]) / sds[r] - 1) < 0.05);
    let v = 0;
    for (let i = 0; i < 4000; i++) v += result.projected[i * 3 + r] ** 2;
    assert.ok(Math.abs(v / 4000 - result.variances[r]) < 1e-9 * result.variances[r]);
  }
  const total = sds.reduce((s, x) => s + x * x, 0);
  assert.ok(Math.abs(result.explained[0] - 25 / total) < 0.03);
});

test('in high dimension the subspace iteration agrees with the full Jacobi decomposition', () => {
  const dim = PCA_JACOBI_MAX_DIM + 16;
  const sds = Array.from({ length: dim }, (_, j) => 10 / (1 + j));
  const n = 600;
  const { data } = anisotropic(n, sds, 11);
  const result = pca({ n, dim, data }, 3);
  assert.equal(result.method, 'subspace');
  // Reference: the full covariance, decomposed by Jacobi.
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] += ((data[i * dim + a] - mean[a]) * (data[i * dim + b] - mean[b])) / n;
  const reference = symmetricEigen(cov, dim);
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(result.variances[r] - reference.values[r]) < 1e-9 * reference.values[0], `λ${r}: ${result.variances[r]} vs ${reference.values[r]}`);
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += result.components[r * dim + j] * reference.vectors[r * dim + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-8, `axis ${r}: |cos| = ${Math.abs(dot)}`);
  }
});

test('pca of fewer axes than asked, and of a single point', () => {
  const two = pca({ n: 3, dim: 2, data: Float64Array.from([0, 0, 1, 0, 2, 0]) }, 3);
  assert.equal(two.k, 2);
  assert.deepEqual([...two.components.subarray(0, 2)], [1, 0]);
  assert.deepEqual([...two.projected].filter((_, i) => i % 2 === 0), [-1, 0, 1]);
  const one = pca({ n: 1, dim: 3, data: Float64Array.from([1, 2, 3]) }, 2);
  assert.deepEqual([...one.projected], [0, 0]);
});

// PCA and its symmetric eigensolver: the eigensolver's invariants, clouds whose axes are known,
// the full decomposition against the subspace iteration in high dimension, and standardization.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { symmetricEigen } from '../../src/core/embed/eigen';
import { pca, PCA_FULL_MAX_DIM, type PcaResult } from '../../src/core/embed/pca';
import { normal, seededRng } from '../../src/core/random';

function randomSymmetric(n: number, seed: number): Float64Array {
  const rng = seededRng(seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = rng() - 0.5;
      a[i * n + j] = v;
      a[j * n + i] = v;
    }
  }
  return a;
}

test('symmetricEigen: A v = λ v, orthonormal vectors, descending values, trace kept, signs fixed', () => {
  for (const n of [1, 2, 7, 12, 60]) {
    const a = randomSymmetric(n, n);
    const copy = a.slice();
    const { values, vectors } = symmetricEigen(a, n);
    assert.deepEqual(a, copy, 'the input is not modified');
    let trace = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i];
      sum += values[i];
    }
    assert.ok(Math.abs(trace - sum) < 1e-10 * Math.max(1, Math.abs(trace)), `n = ${n}: trace`);
    for (let k = 0; k < n; k++) {
      if (k > 0) assert.ok(values[k] <= values[k - 1], `n = ${n}: order`);
      let big = 0;
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        assert.ok(Math.abs(av - values[k] * vectors[k * n + i]) < 1e-10, `n = ${n}: residual of pair ${k}`);
        if (Math.abs(vectors[k * n + i]) > Math.abs(big)) big = vectors[k * n + i];
      }
      assert.ok(big > 0, `n = ${n}: vector ${k}'s largest-magnitude entry is positive`);
      for (let l = 0; l <= k; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[k * n + i] * vectors[l * n + i];
        assert.ok(Math.abs(dot - (k === l ? 1 : 0)) < 1e-10, `n = ${n}: orthonormality ${k}, ${l}`);
      }
    }
  }
  // A repeated eigenvalue and a zero block; a diagonal matrix gives back the unit vectors.
  const { values } = symmetricEigen([2, 0, 0, 0, 2, 0, 0, 0, 0], 3);
  assert.deepEqual(Array.from(values, (v) => Math.round(v * 1e12) / 1e12), [2, 2, 0]);
  const diagonal = symmetricEigen([1, 0, 0, 0, 3, 0, 0, 0, 2], 3);
  assert.deepEqual([...diagonal.values], [3, 2, 1]);
  assert.deepEqual([...diagonal.vectors], [0, 1, 0, 0, 0, 1, 1, 0, 0]);
});

/** n points with independent Gaussian coordinates of the given standard deviations along a random orthonormal basis (rows of `axes`). */
function anisotropic(n: number, sds: number[], seed: number): { data: Float64Array; axes: Float64Array } {
  const dim = sds.length;
  const rng = seededRng(seed);
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

/** The covariance (divisor n − 1) of the data, from its definition. */
function covariance(data: Float64Array, n: number, dim: number): Float64Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += data[i * dim + j] / n;
  const cov = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < dim; a++) for (let b = 0; b < dim; b++) cov[a * dim + b] += ((data[i * dim + a] - mean[a]) * (data[i * dim + b] - mean[b])) / (n - 1);
  }
  return cov;
}

/** Every code is the centred, scaled point projected onto the axis. */
function assertCodesAreProjections(result: PcaResult, data: Float64Array, tolerance: number): void {
  const { n, dim, components: k } = result;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < k; r++) {
      let p = 0;
      for (let j = 0; j < dim; j++) p += ((data[i * dim + j] - result.mean[j]) / result.scales[j]) * result.axes[r * dim + j];
      assert.ok(Math.abs(p - result.codes[i * k + r]) <= tolerance, `code ${i}, ${r}`);
    }
  }
}

test('pca of points on a line: the line is the first axis, all the variance, codes the positions along it', () => {
  const dim = 4;
  const u = Float64Array.from([1, -2, 0.5, 3]);
  const norm = Math.hypot(...u);
  for (let j = 0; j < dim; j++) u[j] /= norm; // largest entry (3) positive: the sign pca picks
  const t = [-3, -1, 0, 0.5, 2, 4, 7.5];
  const n = t.length;
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) data[i * dim + j] = 10 * (j + 1) + t[i] * u[j];
  const result = pca({ n, dim, data }, { components: 2 });
  assert.equal(result.method, 'full');
  assert.equal(result.components, 2);
  for (let j = 0; j < dim; j++) assert.ok(Math.abs(result.axes[j] - u[j]) < 1e-12, `axis entry ${j}`);
  const tMean = t.reduce((s, x) => s + x, 0) / n;
  const tVariance = t.reduce((s, x) => s + (x - tMean) ** 2, 0) / (n - 1);
  assert.ok(Math.abs(result.variances[0] - tVariance) < 1e-12 * tVariance, 'divisor n − 1');
  assert.ok(result.variances[1] < 1e-12 * tVariance);
  assert.ok(Math.abs(result.explained[0] - 1) < 1e-12 && result.explained[1] < 1e-12);
  for (let i = 0; i < n; i++) assert.ok(Math.abs(result.codes[i * 2] - (t[i] - tMean)) < 1e-12, `code ${i}`);
  for (let j = 0; j < dim; j++) assert.ok(Math.abs(result.mean[j] - (10 * (j + 1) + tMean * u[j])) < 1e-12);
});

test('pca recovers the axes of an anisotropic Gaussian, and the codes hold the variances', () => {
  const sds = [5, 3, 1.5, 0.5, 0.2];
  const n = 4000;
  const { data, axes } = anisotropic(n, sds, 3);
  const result = pca({ n, dim: 5, data }, { components: 3 });
  assert.equal(result.method, 'full');
  for (let r = 0; r < 3; r++) {
    let dot = 0;
    for (let j = 0; j < 5; j++) dot += result.axes[r * 5 + j] * axes[r * 5 + j];
    assert.ok(Math.abs(Math.abs(dot) - 1) < 0.01, `axis ${r}: |cos| = ${Math.abs(dot)}`);
    assert.ok(Math.abs(Math.sqrt(result.variances[r]) / sds[r] - 1) < 0.05);
    let v = 0;
    for (let i = 0; i < n; i++) v += result.codes[i * 3 + r] ** 2;
    assert.ok(Math.abs(v / (n - 1) - result.variances[r]) < 1e-9 * result.variances[r], 'variances: divisor n − 1');
  }
  const total = sds.reduce((s, x) => s + x * x, 0);
  assert.ok(Math.abs(result.explained[0] - 25 / total) < 0.03);
  assertCodesAreProjections(result, data, 1e-9);
  assert.deepEqual([...result.scales], [1, 1, 1, 1, 1]);
});

test('in high dimension the subspace iteration agrees with the full decomposition, to its tolerance', () => {
  const dim = 2 * PCA_FULL_MAX_DIM;
  const sds = Array.from({ length: dim }, (_, j) => 10 / (1 + j));
  const n = 400;
  const { data } = anisotropic(n, sds, 11);
  for (const standardize of [false, true]) {
    const fast = pca({ n, dim, data }, { components: 3, standardize });
    assert.equal(fast.method, 'subspace', 'auto takes the subspace path for few components in high dimension');
    const full = pca({ n, dim, data }, { components: 3, standardize, method: 'full' });
    assert.equal(full.method, 'full');
    assert.deepEqual(fast.scales, full.scales);
    let scale = 0;
    for (const c of full.codes) scale = Math.max(scale, Math.abs(c));
    for (let t = 0; t < n * 3; t++) assert.ok(Math.abs(fast.codes[t] - full.codes[t]) <= 1e-8 * scale, `standardize ${standardize}: code ${t}: ${fast.codes[t]} vs ${full.codes[t]}`);
    for (let r = 0; r < 3; r++) {
      assert.ok(Math.abs(fast.variances[r] - full.variances[r]) <= 1e-9 * full.variances[0], `λ${r}`);
      assert.ok(Math.abs(fast.explained[r] - full.explained[r]) <= 1e-9);
    }
    // The stopping rule, checked against the covariance formed from its definition.
    const scaled = Float64Array.from(data, (x, t) => x / fast.scales[t % dim]);
    const cov = covariance(scaled, n, dim);
    for (let r = 0; r < 3; r++) {
      let residual = 0;
      for (let a = 0; a < dim; a++) {
        let cv = 0;
        for (let b = 0; b < dim; b++) cv += cov[a * dim + b] * fast.axes[r * dim + b];
        residual += (cv - fast.variances[r] * fast.axes[r * dim + a]) ** 2;
      }
      assert.ok(Math.sqrt(residual) <= 2e-10 * fast.variances[0], `‖Cv − λv‖ of axis ${r}: ${Math.sqrt(residual)}`);
    }
  }
  // Many components: auto decomposes the full covariance.
  assert.equal(pca({ n, dim, data }, { components: 40 }).method, 'full');
});

test('a spectrum too flat for the subspace iteration falls back to the full decomposition', () => {
  // Points ±a_j e_j: a diagonal covariance whose values differ by parts in 10⁵, so the block's
  // convergence factor per iteration is 1 − 1e-4.
  const dim = PCA_FULL_MAX_DIM + 16;
  const n = 2 * dim;
  const data = new Float64Array(n * dim);
  for (let j = 0; j < dim; j++) {
    data[2 * j * dim + j] = 1 - 1e-5 * j;
    data[(2 * j + 1) * dim + j] = -(1 - 1e-5 * j);
  }
  const result = pca({ n, dim, data }, { components: 3, method: 'subspace' });
  assert.equal(result.method, 'full');
  for (let r = 0; r < 3; r++) {
    assert.ok(Math.abs(result.variances[r] - (2 * (1 - 1e-5 * r) ** 2) / (n - 1)) < 1e-15);
    assert.ok(Math.abs(result.axes[r * dim + r] - 1) < 1e-12);
  }
});

test('standardize: unit-variance columns first, so a rescaled copy of a column weighs as much as the original', () => {
  const rng = seededRng(5);
  const n = 200;
  const t = Array.from({ length: n }, () => normal(rng));
  // Column 1 is column 0 times 1000: exactly collinear.
  const data = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    data[2 * i] = t[i] + 4;
    data[2 * i + 1] = 1000 * t[i] - 7;
  }
  const raw = pca({ n, dim: 2, data }, { components: 2 });
  assert.ok(raw.axes[1] > 0.999999, 'unscaled, the large column is the axis');
  const standardized = pca({ n, dim: 2, data }, { components: 2, standardize: true });
  assert.ok(Math.abs(standardized.axes[0] - Math.SQRT1_2) < 1e-12 && Math.abs(standardized.axes[1] - Math.SQRT1_2) < 1e-12, 'both columns weigh the same');
  assert.ok(Math.abs(standardized.explained[0] - 1) < 1e-12);
  // Population standard deviations (divisor n), as scikit-learn's StandardScaler.
  const mean = t.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(t.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  assert.ok(Math.abs(standardized.scales[0] / sd - 1) < 1e-12 && Math.abs(standardized.scales[1] / (1000 * sd) - 1) < 1e-12);
  assert.ok(Math.abs(standardized.variances[0] - (2 * n) / (n - 1)) < 1e-10, 'the trace is dim · n/(n − 1)');
  assertCodesAreProjections(standardized, data, 1e-10);
  // The same as PCA of the z-scored data.
  const z = Float64Array.from(data, (x, k) => (x - standardized.mean[k % 2]) / standardized.scales[k % 2]);
  const plain = pca({ n, dim: 2, data: z }, { components: 2 });
  for (let k = 0; k < n * 2; k++) assert.ok(Math.abs(plain.codes[k] - standardized.codes[k]) < 1e-10);
  // A constant column keeps scale 1.
  const flat = pca({ n: 3, dim: 2, data: [1, 5, 2, 5, 3, 5] }, { standardize: true });
  assert.deepEqual([...flat.scales.subarray(1)], [1]);
});

test('pca of fewer axes than asked, and of a single point', () => {
  const two = pca({ n: 3, dim: 2, data: Float64Array.from([0, 0, 1, 0, 2, 0]) }, { components: 3 });
  assert.equal(two.components, 2);
  assert.deepEqual([...two.axes.subarray(0, 2)], [1, 0]);
  assert.deepEqual([...two.codes].filter((_, i) => i % 2 === 0), [-1, 0, 1]);
  assert.deepEqual([...two.variances], [1, 0]);
  const one = pca({ n: 1, dim: 3, data: Float64Array.from([1, 2, 3]) });
  assert.deepEqual([...one.codes], [0, 0]);
  assert.deepEqual([...one.explained], [0, 0]);
  const wide = pca({ n: 1, dim: 100, data: new Float64Array(100).fill(2) }, { components: 2 });
  assert.equal(wide.method, 'subspace');
  assert.deepEqual([...wide.codes], [0, 0]);
});

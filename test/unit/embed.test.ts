// The comparison embeddings: the symmetric eigensolver, exact PCA, exact t-SNE, and Pearson's r.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pca, symmetricEigen, tsne } from '../../src/core/embed/index';
import { pearson } from '../../src/core/magnitude/autoencoder/compare';
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

test('symmetricEigen: A v = λ v, orthonormal vectors, descending values, trace preserved', () => {
  for (const n of [1, 2, 7, 60]) {
    const a = randomSymmetric(n, n);
    const { values, vectors } = symmetricEigen(a, n);
    let trace = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      trace += a[i * n + i];
      sum += values[i];
    }
    assert.ok(Math.abs(trace - sum) < 1e-10 * Math.max(1, Math.abs(trace)), `n = ${n}: trace`);
    for (let k = 0; k < n; k++) {
      if (k > 0) assert.ok(values[k] <= values[k - 1] + 1e-12, `n = ${n}: order`);
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let j = 0; j < n; j++) av += a[i * n + j] * vectors[k * n + j];
        assert.ok(Math.abs(av - values[k] * vectors[k * n + i]) < 1e-10, `n = ${n}: residual of pair ${k}`);
      }
      for (let l = 0; l <= k; l++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += vectors[k * n + i] * vectors[l * n + i];
        assert.ok(Math.abs(dot - (k === l ? 1 : 0)) < 1e-10, `n = ${n}: orthonormality ${k}, ${l}`);
      }
    }
  }
  // A matrix with a repeated eigenvalue and a zero block.
  const { values } = symmetricEigen([2, 0, 0, 0, 2, 0, 0, 0, 0], 3);
  assert.deepEqual(Array.from(values, (v) => Math.round(v * 1e12) / 1e12), [2, 2, 0]);
});

test('pca recovers the principal axes of an anisotropic cloud and projects onto them', () => {
  const rng = seededRng(7);
  const n = 500;
  const dim = 3;
  const data = new Float64Array(n * dim);
  // Standard deviations 5, 2, 0.5 along a rotated frame.
  const c = Math.cos(0.6);
  const s = Math.sin(0.6);
  for (let i = 0; i < n; i++) {
    const u = 5 * normal(rng);
    const v = 2 * normal(rng);
    const w = 0.5 * normal(rng);
    data[i * 3] = c * u - s * v + 10;
    data[i * 3 + 1] = s * u + c * v - 3;
    data[i * 3 + 2] = w;
  }
  const result = pca({ n, dim, data }, { components: 2 });
  assert.ok(Math.abs(Math.abs(result.axes[0] * c + result.axes[1] * s) - 1) < 0.01, 'first axis');
  assert.ok(Math.abs(Math.abs(-result.axes[3] * s + result.axes[4] * c) - 1) < 0.01, 'second axis');
  assert.ok(Math.abs(Math.sqrt(result.variances[0]) - 5) < 0.5 && Math.abs(Math.sqrt(result.variances[1]) - 2) < 0.3);
  assert.ok(result.explained[0] > result.explained[1]);
  // The codes are the centred points' projections.
  for (const i of [0, 17, 499]) {
    for (let k = 0; k < 2; k++) {
      let p = 0;
      for (let d = 0; d < dim; d++) p += (data[i * dim + d] - result.mean[d]) * result.axes[k * dim + d];
      assert.ok(Math.abs(p - result.codes[i * 2 + k]) < 1e-9);
    }
  }
  // Standardised: every column scaled to unit variance first.
  const standardized = pca({ n, dim, data }, { components: 2, standardize: true });
  assert.ok(standardized.scales[0] > 1 && standardized.scales[2] < 1);
});

test('t-SNE separates well-separated clusters and lowers the KL divergence', () => {
  const rng = seededRng(3);
  const perCluster = 30;
  const dim = 10;
  const n = 3 * perCluster;
  const data = new Float64Array(n * dim);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const cluster = Math.floor(i / perCluster);
    labels.push(cluster);
    for (let d = 0; d < dim; d++) data[i * dim + d] = (d === cluster ? 20 : 0) + normal(rng);
  }
  const result = tsne({ n, dim, data }, { perplexity: 10, iterations: 400, progressEvery: 50 });
  const after = result.history.filter((h) => h.iteration > 250);
  assert.ok(after[after.length - 1].kl < after[0].kl, `KL ${after[0].kl} → ${after[after.length - 1].kl}`);
  // Every point's nearest neighbour in the map is from its own cluster.
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const d = (result.codes[2 * i] - result.codes[2 * j]) ** 2 + (result.codes[2 * i + 1] - result.codes[2 * j + 1]) ** 2;
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    assert.equal(labels[best], labels[i], `point ${i}`);
  }
  // Deterministic (PCA initialisation, no randomness).
  const again = tsne({ n, dim, data }, { perplexity: 10, iterations: 400 });
  assert.deepEqual(Array.from(again.codes), Array.from(result.codes));
});

test('pearson', () => {
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [2, 4, 6, 8]) - 1) < 1e-15);
  assert.ok(Math.abs(pearson([1, 2, 3, 4], [8, 6, 4, 2]) + 1) < 1e-15);
  assert.ok(Number.isNaN(pearson([1, 1, 1], [1, 2, 3])));
  assert.ok(Math.abs(pearson([1, 2, 3, 4, 5], [2, 1, 4, 3, 5]) - 0.8) < 1e-12);
});

// The comparison embeddings: exact t-SNE (PCA and its eigensolver: embed.pca.test.ts), and Pearson's r.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tsne } from '../../src/core/embed/index';
import { pearson } from '../../src/core/magnitude/autoencoder/compare';
import { normal, seededRng } from '../../src/core/random';

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

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmf, randomNmfInit } from '../../src/core/factorize/nmf';
import { denseMatrix, multiply, normalizeColumns } from '../../src/core/factorize/dense';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { seededRng } from '../../src/core/random';

/** A random non-negative rank-k matrix plus a little noise. */
function lowRankData(m: number, n: number, k: number, seed: number, noise = 0.01): DenseMatrix {
  const rng = seededRng(seed);
  const D = denseMatrix(m, k, Array.from({ length: m * k }, () => rng()));
  const L = denseMatrix(k, n, Array.from({ length: k * n }, () => rng()));
  const X = multiply(D, L);
  for (let t = 0; t < X.values.length; t++) X.values[t] += noise * rng();
  return X;
}

function assertNonIncreasing(history: number[], label: string): void {
  for (let i = 1; i < history.length; i++) {
    assert.ok(history[i] <= history[i - 1] * (1 + 1e-12), `${label}: objective rose at iteration ${i}: ${history[i - 1]} → ${history[i]}`);
  }
}

test('Frobenius NMF: the loss decreases monotonically and fits a low-rank matrix', () => {
  const X = lowRankData(30, 40, 4, 1);
  const result = nmf(X, { k: 4, loss: 'frobenius', maxIterations: 500, tolerance: 1e-7, seed: 3 });
  assert.ok(result.history.length === result.iterations + 1);
  assertNonIncreasing(result.history, 'frobenius');
  assert.ok(result.history[result.history.length - 1] < 0.02 * result.history[0]);
  assert.ok(result.D.values.every((v) => v >= 0) && result.Lambda.values.every((v) => v >= 0));
  // The reported objective is ½‖X − DΛ‖²_F, and reconstructionError its √(2·).
  const product = multiply(result.D, result.Lambda);
  let squared = 0;
  for (let t = 0; t < X.values.length; t++) squared += (X.values[t] - product.values[t]) ** 2;
  assert.ok(Math.abs(result.objective - squared / 2) < 1e-12 * (1 + squared));
  assert.ok(Math.abs(result.reconstructionError - Math.sqrt(squared)) < 1e-9);
});

test('KL NMF: the generalised KL divergence decreases monotonically', () => {
  const X = lowRankData(20, 25, 3, 2);
  X.values[5] = 0; // zeros in X: 0 log 0 = 0
  const result = nmf(X, { k: 3, loss: 'kl', maxIterations: 300, tolerance: 1e-8, seed: 1 });
  assertNonIncreasing(result.history, 'kl');
  assert.ok(result.history[result.history.length - 1] < 0.05 * result.history[0]);
  assert.ok(Number.isFinite(result.objective) && result.objective >= 0);
});

test('NMF is deterministic for a fixed seed, and the seed matters', () => {
  const { X } = gaussianMixtureSample({ observations: 30, seed: 5 });
  const first = nmf(X, { k: 3, seed: 42, maxIterations: 50 });
  const again = nmf(X, { k: 3, seed: 42, maxIterations: 50 });
  assert.deepEqual(again.history, first.history);
  assert.deepEqual(Array.from(again.D.values), Array.from(first.D.values));
  assert.deepEqual(Array.from(again.Lambda.values), Array.from(first.Lambda.values));
  const other = nmf(X, { k: 3, seed: 43, maxIterations: 50 });
  assert.notDeepEqual(Array.from(other.D.values), Array.from(first.D.values));
});

test('NMF reports convergence by relative change, the iteration cap, and honours init', () => {
  const X = lowRankData(15, 15, 2, 4);
  const converged = nmf(X, { k: 2, tolerance: 1e-3, maxIterations: 10_000 });
  assert.equal(converged.converged, true);
  assert.equal(converged.reason, 'relative change below tolerance');
  const last = converged.history.length - 1;
  assert.ok(converged.history[last - 1] - converged.history[last] <= 1e-3 * converged.history[last - 1]);

  const capped = nmf(X, { k: 2, tolerance: 0, maxIterations: 7 });
  assert.equal(capped.converged, false);
  assert.equal(capped.reason, 'max iterations');
  assert.equal(capped.iterations, 7);

  const init = randomNmfInit(X, 2, 99);
  const fromInit = nmf(X, { k: 2, init, maxIterations: 5 });
  const fromSeed = nmf(X, { k: 2, seed: 99, maxIterations: 5 });
  assert.deepEqual(fromInit.history, fromSeed.history);
  assert.notEqual(fromInit.D.values, init.D.values, 'init is copied, not modified');

  let calls = 0;
  const stopped = nmf(X, { k: 2, maxIterations: 100, tolerance: 0, onIteration: () => ++calls === 3 });
  assert.equal(stopped.iterations, 3);
  assert.equal(stopped.reason, 'stopped by callback');
});

test('the random initialisation has scikit-learn scale √(mean(X)/k)', () => {
  const X = denseMatrix(50, 60, new Float64Array(3000).fill(2));
  const { D, Lambda } = randomNmfInit(X, 5, 0);
  const meanAbsNormal = Math.sqrt(2 / Math.PI);
  const meanOf = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const expected = Math.sqrt(2 / 5) * meanAbsNormal;
  assert.ok(Math.abs(meanOf(D.values) - expected) < 0.1 * expected);
  assert.ok(Math.abs(meanOf(Lambda.values) - expected) < 0.1 * expected);
});

test('NMF rejects negative or non-finite data and bad shapes', () => {
  const X = denseMatrix(2, 2, [1, -1, 0, 2]);
  assert.throws(() => nmf(X, { k: 1 }), /X\(1, 2\) is -1/);
  assert.throws(() => nmf(denseMatrix(2, 2, [1, NaN, 0, 2]), { k: 1 }), /finite/);
  assert.throws(() => nmf(denseMatrix(2, 2, [1, 1, 0, 2]), { k: 0 }), /positive integer/);
  assert.throws(
    () => nmf(denseMatrix(2, 2, [1, 1, 0, 2]), { k: 1, init: { D: denseMatrix(3, 1), Lambda: denseMatrix(1, 2) } }),
    /init must be/,
  );
  assert.throws(() => denseMatrix(2, 2, [1, 2, 3]), /needs 4 values/);
  const columns = normalizeColumns(denseMatrix(2, 2, [1, 0, 3, 0]));
  assert.deepEqual(Array.from(columns.values), [0.25, 0, 0.75, 0]);
});

// The tfjs CG against the Float64 solvers, on the cpu backend and (when it initialises in Node)
// the wasm backend, with a check that no tensor outlives a solve.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  distanceMatrix, matrixSpace, pointSpace, weightingVectorCholesky, weightingVectorTf, type MetricSpace, type PointSet,
} from '../../src/core/magnitude/index';
import { seededRng } from '../../src/core/random';

function uniformPoints(n: number, dim: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim, data: Float64Array.from({ length: n * dim }, () => rng()) };
}

/** Max |a − b| / max|b|: the float32 error measure for a whole vector. */
function vectorError(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

/** `storedToo`: also run with Z stored on the device (the tiled, matrix-free path always runs). */
async function checkBackend(backend: string, storedToo: boolean): Promise<void> {
  assert.equal(tf.getBackend(), backend);
  const cases: Array<[string, MetricSpace, number]> = [
    ['euclidean', pointSpace(uniformPoints(300, 2, 1)), 20],
    ['manhattan 3-d', pointSpace(uniformPoints(200, 3, 2), 'manhattan'), 10],
    ['cosine 20-d', pointSpace(uniformPoints(200, 20, 3), 'cosine'), 30],
    ['euclidean 20-d (Gram form)', pointSpace(uniformPoints(200, 20, 4)), 3],
  ];
  cases.push(['distance matrix', matrixSpace(distanceMatrix(cases[0][1])), 20]);
  for (const [label, space, t] of cases) {
    const exact = weightingVectorCholesky(space, t);
    for (const maxStoredEntries of storedToo ? [0, 2 ** 24] : [0]) {
      const tensorsBefore = tf.memory().numTensors;
      const result = await weightingVectorTf(tf, space, t, { tol: 1e-6, maxStoredEntries, tileElements: 20000 });
      assert.equal(tf.memory().numTensors, tensorsBefore, `${backend} ${label}: tensors leaked`);
      assert.equal(result.solver, 'cg-tf');
      assert.ok(result.converged, `${backend} ${label}: ${result.notes.join('; ')}`);
      // float32: ~1e-7 per operation, amplified by Z's conditioning at these scales.
      assert.ok(Math.abs(result.magnitude - exact.magnitude) <= 1e-4 * exact.magnitude, `${backend} ${label}: ${result.magnitude} vs ${exact.magnitude}`);
      assert.ok(vectorError(result.weights, exact.weights) <= 1e-3, `${backend} ${label}: weights off by ${vectorError(result.weights, exact.weights)}`);
      assert.ok(result.residual <= 1e-5, `${backend} ${label}: residual ${result.residual}`);
    }
  }
  // A warm start from the answer needs (almost) no iterations, and nothing leaks on that path.
  const space = cases[0][1];
  const exact = weightingVectorCholesky(space, 20);
  const tensorsBefore = tf.memory().numTensors;
  const warm = await weightingVectorTf(tf, space, 20, { tol: 1e-5, initial: exact.weights });
  assert.ok((warm.iterations ?? 0) <= 1);
  assert.equal(tf.memory().numTensors, tensorsBefore);
}

test('tfjs CG matches the Float64 weights within float32 limits on the cpu backend', async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await checkBackend('cpu', true);
});

test('tfjs CG matches on the wasm backend', async (context) => {
  const require = createRequire(import.meta.url);
  const wasmDirectory = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
  setWasmPaths(wasmDirectory);
  let ready = false;
  try {
    ready = await tf.setBackend('wasm');
    await tf.ready();
  } catch {
    ready = false;
  }
  if (!ready) {
    context.skip('the tfjs wasm backend does not initialise in this Node');
    return;
  }
  await checkBackend('wasm', false);
  await tf.setBackend('cpu');
});

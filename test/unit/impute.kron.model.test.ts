import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { KronImputer, normalisedDistances } from '../../src/core/impute/models/kron';
import { modelContext } from '../../src/core/impute/train';
import { fitNormaliser, interpolateWindow, makeBatch, coveringStarts, DEFAULT_CORRUPTION } from '../../src/core/impute/windows';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';
import { overfit } from './imputeFixtures';

test('window interpolation fills gaps linearly and carries the edges', () => {
  const values = Float32Array.from([0, 0, 2, 0, 0, 8, 0]);
  const visible = Float32Array.from([0, 0, 1, 0, 0, 1, 0]);
  const out = new Float32Array(7);
  interpolateWindow(values, visible, 0, 7, 1, out);
  assert.deepEqual([...out], [2, 2, 2, 4, 6, 8, 8]);
});

test('training batches never show the model a value it must predict', () => {
  const { matrix } = trafficSample({ days: 3, sensors: 8 });
  const norm = fitNormaliser(matrix);
  const rng = seededRng(1);
  const b = makeBatch(matrix, norm, [0, 10, 30], 24, { rng, corruption: DEFAULT_CORRUPTION });
  let targets = 0;
  for (let k = 0; k < b.values.length; k++) {
    if (b.target[k]) {
      targets++;
      assert.equal(b.visible[k], 0);
      assert.equal(b.values[k], 0);
    }
    if (b.visible[k]) assert.equal(b.interpolated[k], b.values[k], 'the interpolation keeps visible values');
  }
  assert.ok(targets > 0.2 * b.values.length * 0.8, `${targets} targets`);
  assert.deepEqual(coveringStarts(0, 50, 24, 12), [0, 12, 24, 26]);
});

test('the Kron imputer overfits a tiny matrix (loss falls 10x) without leaking tensors', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 2, sensors: 6 });
  const norm = fitNormaliser(matrix);
  const batch = makeBatch(matrix, norm, [0, 12, 24], 12, { rng: seededRng(2), corruption: DEFAULT_CORRUPTION });
  const model = new KronImputer(tf, { steps: 12, cols: 6, channels: 16, depth: 2, keyWidth: 8, seed: 3 });
  const { first, last, counts } = overfit(model, batch, 1e-2, 150);
  assert.ok(last < first / 10, `loss ${first} -> ${last}`);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), 'the tensor count is flat across steps');
  model.dispose();
});

test('Kron spatial bias: normalised grid distances, −β·D in the spatial scores, learned β, and a clear error without places', async () => {
  await tf.setBackend('cpu');
  // Distances are divided by their mean off-diagonal value; unknown places sit one unit beyond the farthest.
  const d = normalisedDistances([0, 2, Infinity, 2, 0, 4, Infinity, 4, 0], 3);
  assert.deepEqual([...d], [0, 2 / 3, 7 / 3, 2 / 3, 0, 4 / 3, 7 / 3, 4 / 3, 0].map(Math.fround));

  const { matrix } = trafficSample({ days: 2, sensors: 6 });
  const context = modelContext(matrix, { spatialBias: 1 });
  assert.ok(context.columnDistances && context.columnDistances.length === 36, 'the sample knows its places');
  const norm = fitNormaliser(matrix);
  const batch = makeBatch(matrix, norm, [0, 12], 12, { rng: seededRng(2), corruption: DEFAULT_CORRUPTION });
  const config = { steps: 12, cols: 6, channels: 8, depth: 2, keyWidth: 4, seed: 3 };
  assert.throws(() => new KronImputer(tf, { ...config, spatialBias: 1 }), /spatial bias needs a place for every column: give a locations file/);
  const plain = new KronImputer(tf, config);
  const biased = new KronImputer(tf, { ...config, spatialBias: 1 }, context);
  assert.equal(biased.variables.length, plain.variables.length + config.depth, 'one β per block');
  const predict = (m: KronImputer) => tf.tidy(() => Array.from(m.forward(batch).prediction.dataSync()));
  const maxDiff = (a: number[], b: number[]) => a.reduce((w, v, i) => Math.max(w, Math.abs(v - b[i])), 0);
  // The same seed draws the same weights; with β = 0 the bias vanishes and the outputs agree.
  assert.ok(maxDiff(predict(plain), predict(biased)) > 1e-6, 'β = 1 changes the prediction');
  // β is each block's last variable (6 embedding variables, then 13 per block): zero them and compare.
  const blockVars = 13;
  const firstBlock = 6;
  const betaVars = Array.from({ length: config.depth }, (_, l) => biased.variables[firstBlock + l * blockVars + blockVars - 1]);
  for (const b of betaVars) b.assign(tf.zeros([1]));
  assert.ok(maxDiff(predict(plain), predict(biased)) < 1e-5, 'β = 0 gives the model without the bias');
  for (const b of betaVars) b.assign(tf.ones([1]));
  // β is learned: the loss has a gradient with respect to it.
  const grads = tf.tidy(() => {
    const { grads: g } = tf.variableGrads(() => tf.mean(tf.abs(biased.forward(batch).prediction)) as tf.Scalar, betaVars);
    return betaVars.map((b) => Math.abs(g[b.name].dataSync()[0]));
  });
  assert.ok(grads.every((g) => g > 0), `β gradients ${grads}`);
  plain.dispose();
  biased.dispose();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { KronImputer } from '../../src/core/impute/models/kron';
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

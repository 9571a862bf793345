import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainPoint } from '../../src/protocol/impute';
import { deepButtons, epochOfStep, maskRatioRow, perEpochEstimate, ratiosFor, readDeepSettings, where, windowDuration, type DeepForm } from '../../webview/impute/deepState';

const form = (over: Partial<DeepForm> = {}): DeepForm => ({
  fields: [{ key: 'steps', value: '24' }],
  flags: [{ key: 'spatialBias', on: true }],
  learningRate: '0.002',
  alpha: '1.5',
  epochs: '20',
  batch: '16',
  optimizer: 'shampoo',
  balance: 'fixed',
  ...over,
});

test('the settings form reads to settings, or names its first problem', () => {
  const s = readDeepSettings(form(), 'kron');
  assert.deepEqual(s, { model: { steps: 24, spatialBias: 1 }, learningRate: 0.002, alpha: 1.5, maxEpochs: 20, batchSize: 16, optimizer: 'shampoo', balance: 'fixed' });
  assert.equal(readDeepSettings(form({ fields: [{ key: 'steps', value: '0' }] }), 'kron'), 'window must be a positive number.');
  assert.equal(readDeepSettings(form({ learningRate: 'x' }), 'kron'), 'The learning rate must be positive.');
  assert.equal(readDeepSettings(form({ alpha: '-1' }), 'kron'), 'α must be zero or more.');
  assert.equal(readDeepSettings(form({ epochs: '1.5' }), 'kron'), 'Epochs must be a whole number, 1 or more.');
  assert.equal(readDeepSettings(form({ batch: '0' }), 'kron'), 'The batch must be a whole number, 1 or more.');
  // No model fields drawn yet: the method's defaults.
  const d = readDeepSettings(form({ fields: [], flags: [] }), 'unet');
  assert.ok(typeof d !== 'string' && Object.keys(d.model).length > 0);
});

test('epochs count from 1, and a checkpoint names the epoch its last step lies in', () => {
  const points = [0, 1, 2, 3].map((step): TrainPoint => ({ step, epoch: step < 2 ? 0 : 1, seconds: step, loss: 1, lossNonzero: 1, lossZero: 1, weights: [1, 1] }));
  assert.equal(epochOfStep(points, 2, 1), 1);
  assert.equal(epochOfStep(points, 4, 2), 2);
  assert.equal(epochOfStep([], 4, 0), 1);
  assert.equal(where(points, { step: 4, epoch: 2 }), 'step 4, epoch 2');
});

test('mask ratios, rows, the epoch estimate, the window in time and the live buttons', () => {
  assert.deepEqual(ratiosFor(null), [0.5, 0.6, 0.8, 0.9]);
  assert.deepEqual(ratiosFor({ maskRatio: 0.2 } as Parameters<typeof ratiosFor>[0]), [0.2, 0.5, 0.6, 0.8, 0.9]);
  const m = { mae: 1, rmse: 2, mse: 4, mre: 0.5, nonzero: { mae: 3 }, zero: { mae: NaN } } as unknown as Parameters<typeof maskRatioRow>[2];
  assert.deepEqual(maskRatioRow(0.5, 10, m), { ratio: 0.5, targets: 10, mae: 1, rmse: 2, mse: 4, mre: 0.5, maeNonzero: 3, maeZero: 0 });
  assert.equal(perEpochEstimate(1000, 24, 16), 2);
  assert.equal(perEpochEstimate(10, 24, 16), 1);
  const times = Array.from({ length: 10 }, (_, i) => i * 15 * 60_000);
  assert.match(windowDuration(times, 24), /^; 24 steps of .+ = .+ here$/);
  assert.equal(windowDuration(undefined, 24), '');
  assert.deepEqual(deepButtons({ training: true, evaluating: false, paused: false, resumable: true, trusted: true }), { pause: true, resume: false, evaluate: false, write: false, cancel: true });
  assert.deepEqual(deepButtons({ training: false, evaluating: false, paused: true, resumable: true, trusted: true }), { pause: false, resume: true, evaluate: true, write: true, cancel: true });
  assert.deepEqual(deepButtons({ training: false, evaluating: false, paused: false, resumable: true, trusted: false }), { pause: false, resume: false, evaluate: false, write: false, cancel: false });
});

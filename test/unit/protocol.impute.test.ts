// The training panel's messages for learned imputers: configs with training settings, the
// batched training steps, checkpoints, pause, the mask-ratio table and the compare requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRunConfig, parseImputeMessage, type DeepSettings, type TrainPoint } from '../../src/protocol/impute';

const deep: DeepSettings = { model: { steps: 24, channels: 16, depth: 2 }, learningRate: 0.002, alpha: 1.5, maxEpochs: 10, batchSize: 8, optimizer: 'adam', balance: 'gradnorm' };
const point: TrainPoint = { step: 3, epoch: 0, seconds: 0.5, loss: 0.4, lossNonzero: 0.5, lossZero: 0.1, weights: [1.3, 0.7] };

test('learned methods need their training settings; baselines take none', () => {
  assert.ok(isRunConfig({ method: 'kron', maskRatio: 0.8, seed: 0, deep }));
  assert.ok(isRunConfig({ method: 'vit', maskRatio: 0.8, seed: 0, deep: { ...deep, optimizer: 'shampoo', balance: 'single' } }));
  assert.ok(!isRunConfig({ method: 'kron', maskRatio: 0.8, seed: 0 }), 'kron without settings');
  assert.ok(!isRunConfig({ method: 'mean', maskRatio: 0.8, seed: 0, deep }), 'a baseline with settings');
  for (const bad of [
    { ...deep, learningRate: 0 },
    { ...deep, learningRate: NaN },
    { ...deep, alpha: -1 },
    { ...deep, maxEpochs: 0 },
    { ...deep, maxEpochs: 1.5 },
    { ...deep, batchSize: 0 },
    { ...deep, optimizer: 'sgd' },
    { ...deep, balance: 'magic' },
    { ...deep, model: { steps: Infinity } },
    { ...deep, model: { 'a b': 1 } },
    { ...deep, model: { steps: '24' } },
  ]) {
    assert.ok(!isRunConfig({ method: 'kron', maskRatio: 0.8, seed: 0, deep: bad }), JSON.stringify(bad));
  }
});

test('the host accepts well-formed training messages and nothing else', () => {
  const config = { method: 'kron', maskRatio: 0.8, seed: 0, deep };
  assert.deepEqual(parseImputeMessage({ type: 'run', config, resume: true }), { type: 'run', config, resume: true });
  assert.deepEqual(parseImputeMessage({ type: 'trainProgress', points: [point, { ...point, step: 4, validation: 2.5 }] }), { type: 'trainProgress', points: [point, { ...point, step: 4, validation: 2.5 }] });
  const checkpoint = { type: 'checkpoint', epoch: 2, step: 10, json: '{}', weights: new Uint8Array(8) };
  assert.deepEqual(parseImputeMessage(checkpoint), checkpoint);
  assert.deepEqual(parseImputeMessage({ type: 'paused', step: 10, epoch: 2 }), { type: 'paused', step: 10, epoch: 2 });
  const row = { ratio: 0.5, targets: 10, mae: 1, rmse: 2, mse: 4, mre: 0.1, maeNonzero: 1, maeZero: NaN };
  assert.equal(parseImputeMessage({ type: 'evaluation', rows: [row] }), null, 'NaN is not a number here');
  assert.deepEqual(parseImputeMessage({ type: 'evaluation', rows: [{ ...row, maeZero: 0 }] })?.type, 'evaluation');
  assert.deepEqual(parseImputeMessage({ type: 'listRuns' }), { type: 'listRuns' });
  assert.deepEqual(parseImputeMessage({ type: 'compare', runId: '20260101-000000-abcdef' }), { type: 'compare', runId: '20260101-000000-abcdef' });
  for (const bad of [
    { type: 'run', config, resume: 'yes' },
    { type: 'trainProgress', points: [{ ...point, weights: [1] }] },
    { type: 'trainProgress', points: [{ ...point, step: -1 }] },
    { type: 'trainProgress', points: [{ ...point, loss: 'x' }] },
    { type: 'trainProgress', points: 'many' },
    { ...checkpoint, weights: [1, 2] },
    { ...checkpoint, json: {} },
    { ...checkpoint, epoch: 1.5 },
    { type: 'paused', step: 'ten', epoch: 1 },
    { type: 'evaluation', rows: [{ ...row, ratio: 2 }] },
    { type: 'compare', runId: '../../etc' },
  ]) {
    assert.equal(parseImputeMessage(bad), null, JSON.stringify(bad, (_k, v) => (v instanceof Uint8Array ? 'bytes' : v)));
  }
});

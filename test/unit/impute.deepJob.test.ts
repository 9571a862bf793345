import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { runDeepImputation, scoreAtMaskRatios } from '../../src/core/impute/deepJob';
import { runImputation } from '../../src/core/impute/job';
import { trafficSample } from '../../src/core/sample';
import { useWasm } from './imputeFixtures';


test('the Kron job on the seed protocol: validated on the validation split, beats neighbour averaging, scores across mask ratios', async () => {
  await useWasm();
  const { matrix } = trafficSample();
  const tensors = tf.memory().numTensors;
  const job = await runDeepImputation(tf, matrix, { train: { method: 'kron', model: { steps: 12 }, batchSize: 8, stepsPerEpoch: 20, maxEpochs: 8, patience: 100, seed: 0 } });
  const neighbour = runImputation(matrix, { method: 'neighbor' });
  assert.equal(job.targets, neighbour.targets, 'the same protocol and targets as the baselines');
  assert.equal(job.trained.steps, 160);
  // Validation is the MAE on the validation rows' hidden entries, in the data's units.
  const validations = job.trained.history.filter((h) => h.validation !== undefined).map((h) => h.validation!);
  assert.equal(validations.length, 8);
  assert.ok(validations.every((v) => v > 0.5 && v < 50), `validation MAE in data units: ${validations.join(', ')}`);
  assert.ok(job.trained.bestValidation < validations[0]);
  assert.ok(job.metrics.mae < neighbour.metrics.mae, `Kron MAE ${job.metrics.mae} against neighbour averaging ${neighbour.metrics.mae}`);
  // The filled matrix keeps every observed value.
  for (let k = 0; k < matrix.values.length; k++) if (matrix.observed[k]) assert.equal(job.imputed.values[k], matrix.values[k]);
  const scores = await scoreAtMaskRatios(tf, job.trained, matrix, [0.5, 0.8, 0.9]);
  assert.deepEqual(scores.map((s) => s.ratio), [0.5, 0.8, 0.9]);
  assert.ok(scores[0].targets < scores[1].targets && scores[1].targets < scores[2].targets);
  assert.ok(Math.abs(scores[1].metrics.mae - job.metrics.mae) < 1e-9, 'r = 0.8 reproduces the job');
  job.trained.model.dispose();
  assert.equal(tf.memory().numTensors, tensors, 'nothing is left on the backend');
});

test('a job the user pauses or cancels returns at once with its checkpoint, scoring and filling nothing', async () => {
  await useWasm();
  const { matrix } = trafficSample({ days: 4 });
  for (const request of ['pause', 'cancel'] as const) {
    let steps = 0;
    const job = await runDeepImputation(tf, matrix, { train: { method: 'kron', model: { steps: 12, channels: 8 }, batchSize: 4, stepsPerEpoch: 5, maxEpochs: 3, seed: 0, onProgress: () => void steps++, shouldStop: () => (steps >= 3 ? request : null) } });
    assert.equal(job.trained.stopped, request === 'pause' ? 'paused' : 'cancelled');
    assert.equal(job.trained.steps, 3);
    assert.equal(job.trained.checkpoint.step, 3, 'the checkpoint holds the state at the stop');
    assert.equal(job.prediction.length, 0, 'no prediction was made');
    assert.ok(Number.isNaN(job.metrics.mae) && Number.isNaN(job.validation.mae), 'nothing was scored');
    job.trained.model.dispose();
  }
});

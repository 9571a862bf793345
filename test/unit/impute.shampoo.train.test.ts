import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { DEEP_METHODS } from '../../src/core/impute/models';
import { trainImputer, type Checkpoint, type TrainOptions } from '../../src/core/impute/train';
import { trafficSample } from '../../src/core/sample';

const SMALL: Record<string, Record<string, number>> = {
  kron: { steps: 12, channels: 8, depth: 1, keyWidth: 4 },
  vit: { steps: 12, patchSteps: 4, patchCols: 4, width: 16, depth: 1, heads: 2 },
  unet: { steps: 12, channels: 8, levels: 1 },
};

test('Shampoo trains every model 20+ steps through the trainer and on through a resume, with a flat tensor count', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 4, sensors: 8 });
  for (const method of DEEP_METHODS) {
    const counts: number[] = [];
    let saved: Checkpoint | null = null;
    const options: TrainOptions = { method, model: SMALL[method], optimizer: 'shampoo', batchSize: 4, stepsPerEpoch: 6, maxEpochs: 4, patience: 100, seed: 3 };
    const first = await trainImputer(tf, matrix, {
      ...options,
      onProgress: () => counts.push(tf.memory().numTensors),
      onEpoch: (c) => {
        saved = c;
      },
    });
    assert.equal(first.steps, 24, method);
    assert.ok(first.history.every((h) => Number.isFinite(h.loss)), `${method}: finite losses`);
    // After the first step has created Shampoo's statistics and roots: no growth at all (the
    // roots are recomputed every 10 steps, so steps 10 and 20 replace them).
    assert.ok(counts.slice(1).every((c) => c === counts[1]), `${method}: tensor counts ${counts.join(',')}`);
    const validations = first.history.filter((h) => h.validation !== undefined).map((h) => h.validation!);
    assert.ok(first.bestValidation < validations[0], `${method} learns: validation ${validations.join(', ')}`);
    const c = saved! as Checkpoint;
    assert.equal(c.options.optimizer, 'shampoo');
    assert.ok(c.optimizerState && c.optimizerState.some((s) => s.name.endsWith('/leftRoot')), `${method}: Shampoo's state is in the checkpoint`);
    first.model.dispose();

    // Resume for 20 more steps: the state comes back and the count stays flat.
    const resumed: number[] = [];
    const before = tf.memory().numTensors;
    const rest = await trainImputer(tf, matrix, { ...options, maxEpochs: 8, resume: c, onProgress: () => resumed.push(tf.memory().numTensors) });
    assert.equal(rest.steps, 48, method);
    assert.ok(rest.history.every((h) => Number.isFinite(h.loss)), `${method}: finite losses after the resume`);
    assert.ok(resumed.every((n) => n === resumed[0]), `${method}: tensor counts after the resume ${resumed.join(',')}`);
    rest.model.dispose();
    assert.equal(tf.memory().numTensors, before, `${method}: nothing left behind`);
  }
});

test('a Shampoo run paused and resumed ends exactly where an uninterrupted one ends', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 3, sensors: 6 });
  const options: TrainOptions = { method: 'kron', model: SMALL.kron, optimizer: 'shampoo', batchSize: 4, stepsPerEpoch: 7, maxEpochs: 4, patience: 100, seed: 5 };
  const whole = await trainImputer(tf, matrix, options);
  let saved: Checkpoint | null = null;
  const first = await trainImputer(tf, matrix, {
    ...options,
    onEpoch: (c) => {
      saved = c;
    },
    shouldStop: () => (saved && saved.epoch === 2 ? 'pause' : null),
  });
  first.model.dispose();
  const rest = await trainImputer(tf, matrix, { ...options, resume: saved! });
  assert.deepEqual(
    rest.history.map((h) => h.loss),
    whole.history.map((h) => h.loss),
  );
  whole.model.dispose();
  rest.model.dispose();
});

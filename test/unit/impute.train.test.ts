import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createImputer, DEEP_METHODS, MODEL_DEFAULTS } from '../../src/core/impute/models';
import { trainImputer, type Checkpoint } from '../../src/core/impute/train';
import { DEFAULT_CORRUPTION, fitNormaliser, makeBatch } from '../../src/core/impute/windows';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';

/** The methods whose models exist (the registry throws for the others). */
function availableMethods() {
  return DEEP_METHODS.filter((m) => {
    try {
      createImputer(tf, m, { ...MODEL_DEFAULTS[m], steps: 8 }, 4).dispose();
      return true;
    } catch {
      return false;
    }
  });
}

test('the GradNorm gradient-norm shortcut equals the norm of the backpropagated gradient at the shared layer', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 2, sensors: 8 });
  const norm = fitNormaliser(matrix);
  for (const method of availableMethods()) {
    const steps = 12;
    const model = createImputer(tf, method, { ...MODEL_DEFAULTS[method], steps, seed: 4 }, matrix.cols);
    const batch = makeBatch(matrix, norm, [0, 7, 20], steps, { rng: seededRng(3), corruption: { ...DEFAULT_CORRUPTION, pointRate: 0.4 } });
    const shape = [batch.batch, steps, batch.cols] as [number, number, number];
    const [truth, target] = [tf.tensor3d(batch.truth, shape), tf.tensor3d(batch.target, shape)];
    for (const kind of ['mae', 'mse'] as const) {
      const loss = () => {
        const d = model.forward(batch).prediction.sub(truth);
        return (kind === 'mae' ? d.abs() : d.square()).mul(target).sum().div(target.sum()) as tf.Scalar;
      };
      const direct = tf.tidy(() => tf.variableGrads(loss, [model.shared]).grads[model.shared.name].norm().dataSync()[0]);
      const shortcut = tf.tidy(() => {
        const { prediction, headInput } = model.forward(batch);
        const d = prediction.sub(truth);
        const slope = (kind === 'mae' ? d.sign() : d.mul(2)).mul(target).div(target.sum()) as tf.Tensor3D;
        return headInput.matMul(model.toHead(slope), true, false).norm().dataSync()[0];
      });
      assert.ok(Math.abs(direct - shortcut) <= 1e-4 * direct, `${method} ${kind}: ${direct} vs ${shortcut}`);
    }
    tf.dispose([truth, target]);
    model.dispose();
  }
});

test('training learns (the validation error falls), records the GradNorm weights, and keeps the tensor count flat', async () => {
  await tf.setBackend('cpu');
  // Nine days: the trainer holds out the last 15% of rows for validation (a Tuesday, a weekday
  // the training rows hold too).
  const { matrix } = trafficSample({ days: 9, sensors: 10 });
  const counts: number[] = [];
  const trained = await trainImputer(tf, matrix, {
    method: 'kron',
    model: { steps: 12, channels: 16, depth: 1, keyWidth: 8 },
    batchSize: 8,
    learningRate: 3e-3,
    stepsPerEpoch: 10,
    maxEpochs: 6,
    patience: 100,
    seed: 1,
    onProgress: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(trained.steps, 60);
  assert.equal(trained.stopped, 'max-epochs');
  const validations = trained.history.filter((h) => h.validation !== undefined).map((h) => h.validation!);
  assert.equal(validations.length, 6);
  assert.ok(trained.bestValidation < validations[0], `validation ${validations.join(', ')}`);
  // Steps 20..40 (after Adam's and GradNorm's state exists): no growth at all.
  assert.ok(counts.slice(20, 40).every((c) => c === counts[20]), `tensor counts ${counts.slice(20, 40).join(',')}`);
  const ws = trained.history.map((h) => h.weights);
  assert.ok(ws.every(([a, b]) => a > 0 && b > 0 && Math.abs(a + b - 2) < 1e-9), 'GradNorm weights stay positive and sum to 2');
  assert.ok(ws.some(([a]) => Math.abs(a - 1) > 1e-3), 'GradNorm moved the weights');
  trained.model.dispose();
});

test('every balance trains: plain loss, fixed weights (which stay put), GradNorm', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 3, sensors: 6 });
  for (const balance of ['single', 'fixed', 'gradnorm'] as const) {
    const trained = await trainImputer(tf, matrix, { method: 'kron', model: { steps: 12, channels: 8, depth: 1, keyWidth: 4 }, batchSize: 4, stepsPerEpoch: 4, maxEpochs: 2, balance, fixedWeights: [1.5, 0.5] });
    assert.equal(trained.steps, 8, balance);
    assert.ok(trained.history.every((h) => Number.isFinite(h.loss)), balance);
    if (balance === 'fixed') assert.ok(trained.history.every((h) => h.weights[0] === 1.5 && h.weights[1] === 0.5));
    trained.model.dispose();
  }
});

test('a paused run resumed from its checkpoint ends exactly where an uninterrupted run ends', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 4, sensors: 6 });
  // With weight averaging on, so its state must round-trip through the checkpoint too.
  const options = { method: 'kron' as const, model: { steps: 12, channels: 8, depth: 1, keyWidth: 4 }, batchSize: 4, stepsPerEpoch: 5, maxEpochs: 4, patience: 100, seed: 2, average: 0.9 };
  const whole = await trainImputer(tf, matrix, options);
  let saved: Checkpoint | null = null;
  const first = await trainImputer(tf, matrix, {
    ...options,
    onEpoch: (c) => {
      saved = c;
    },
    shouldStop: () => (saved && saved.epoch === 2 ? 'pause' : null),
  });
  assert.equal(first.stopped, 'paused');
  assert.equal(first.steps, 10);
  first.model.dispose();
  const rest = await trainImputer(tf, matrix, { ...options, resume: saved! });
  assert.equal(rest.steps, 20);
  assert.deepEqual(
    rest.history.map((h) => h.loss),
    whole.history.map((h) => h.loss),
  );
  const a = whole.model.variables.map((v) => [...v.dataSync()]);
  const b = rest.model.variables.map((v) => [...v.dataSync()]);
  assert.deepEqual(b, a);
  whole.model.dispose();
  rest.model.dispose();
});

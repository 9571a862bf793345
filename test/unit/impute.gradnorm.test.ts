import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { GradNorm } from '../../src/core/impute/gradnorm';

test('the update follows the paper: weights move against the gradient-norm imbalance and sum to the task count', () => {
  const g = new GradNorm(2, { alpha: 1.5, learningRate: 0.1 });
  // Equal progress, but loss 0 pulls 10x harder on the shared layer: its weight must fall.
  const s1 = g.update([1, 1], [10, 1]);
  assert.deepEqual(s1.rates, [1, 1]);
  assert.equal(s1.targets[0], 5.5);
  const restored = new GradNorm(2);
  restored.restore(g.state());
  assert.deepEqual(restored.state(), g.state(), 'checkpoints restore the whole state');
  assert.ok(g.weights[0] < 1 && g.weights[1] > 1);
  assert.ok(Math.abs(g.weights[0] + g.weights[1] - 2) < 1e-12);
  // Loss 1 lags (its ratio to L(0) is higher): its target rises above the mean.
  const s2 = g.update([0.2, 0.9], [1, 1]);
  assert.ok(s2.rates[1] > 1 && s2.rates[0] < 1);
  assert.ok(s2.targets[1] > s2.targets[0]);
  // Weights never reach zero.
  const floor = new GradNorm(2, { learningRate: 100, minWeight: 0.01 });
  floor.update([1, 1], [100, 1]);
  assert.ok(floor.weights.every((w) => w > 0));
});

/**
 * Two losses on one shared layer θ with gradient scales 100 apart:
 *   L_i = ½ s_i ‖θ − c_i‖²,  s = (100, 1),  so ∇_θ L_i = s_i (θ − c_i).
 * With equal weights plain gradient descent settles near c_0, and loss 1 barely moves: it is the
 * slower task. GradNorm must shift weight to it.
 */
const SCALES = [100, 1];
const CENTRES = [
  [1, 0, 0, 0],
  [0, 1, 1, 0],
];

function train(useGradNorm: boolean, steps: number) {
  const theta = tf.variable(tf.tensor1d([0.2, -0.1, 0.3, 0.5]));
  const centres = CENTRES.map((c) => tf.tensor1d(c));
  const loss = (i: number) => tf.tidy(() => theta.sub(centres[i]).square().sum().mul(0.5 * SCALES[i]) as tf.Scalar);
  const gradnorm = new GradNorm(2, { alpha: 1.5, learningRate: 0.025 });
  const opt = tf.train.sgd(0.004);
  const history: { weights: number[]; losses: number[]; norms: number[]; direct: number[] }[] = [];
  const tensorsBefore = tf.memory().numTensors;
  for (let step = 0; step < steps; step++) {
    const losses = [0, 1].map((i) => tf.tidy(() => loss(i).dataSync()[0]));
    // ‖∇_θ L_i‖ at the shared layer, one backward pass per loss.
    const norms = [0, 1].map((i) => tf.tidy(() => tf.grad(() => loss(i))(theta).norm().dataSync()[0]));
    const t = theta.dataSync();
    const direct = [0, 1].map((i) => SCALES[i] * Math.hypot(...CENTRES[i].map((c, k) => t[k] - c)));
    if (useGradNorm) gradnorm.update(losses, norms);
    const [w0, w1] = gradnorm.weights;
    tf.tidy(() => {
      opt.minimize(() => tf.add(loss(0).mul(w0), loss(1).mul(w1)) as tf.Scalar, false, [theta]);
    });
    history.push({ weights: [w0, w1], losses, norms, direct });
  }
  const tensorsAfter = tf.memory().numTensors;
  tf.dispose([theta, ...centres]);
  opt.dispose();
  return { history, tensorsBefore, tensorsAfter };
}

test('GradNorm on a two-loss toy problem: the weights move the right way and the slower task catches up', () => {
  tf.setBackend('cpu');
  const steps = 300;
  const balanced = train(true, steps);
  const plain = train(false, steps);
  // The gradient norms GradNorm sees are the true ones (against the closed form, every step).
  for (const h of balanced.history) h.norms.forEach((n, i) => assert.ok(Math.abs(n - h.direct[i]) <= 1e-4 * h.direct[i] + 1e-6, `norm ${i}: ${n} vs ${h.direct[i]}`));
  const ratio = (h: typeof balanced.history, i: number) => h[steps - 1].losses[i] / h[0].losses[i];
  assert.ok(ratio(plain.history, 1) > ratio(plain.history, 0), 'loss 1 is the slower task without balancing');
  // Loss 0 pulls 100x harder on θ: its weight falls and loss 1's rises.
  const last = balanced.history[steps - 1].weights;
  assert.ok(last[0] < 0.5 && last[1] > 1.5, `weights end at ${last}`);
  // The slower task catches up, and the two training rates end closer together.
  assert.ok(ratio(balanced.history, 1) < 0.5 * ratio(plain.history, 1), `loss 1 ratio ${ratio(balanced.history, 1)} vs plain ${ratio(plain.history, 1)}`);
  const spread = (h: typeof balanced.history) => Math.abs(Math.log(ratio(h, 0) / ratio(h, 1)));
  assert.ok(spread(balanced.history) < spread(plain.history), `spread ${spread(balanced.history)} vs ${spread(plain.history)}`);
  assert.equal(balanced.tensorsAfter, balanced.tensorsBefore, 'no tensor leaks across steps');
});

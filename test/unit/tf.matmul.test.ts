import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { matMul2d } from '../../src/core/tf/matmul';
import { normal, seededRng } from '../../src/core/random';

test('matMul2d: the value and both gradients equal tfjs\'s own matMul', async () => {
  await tf.setBackend('cpu');
  const rng = seededRng(4);
  const random = (shape: [number, number]) => tf.tensor2d(Float32Array.from({ length: shape[0] * shape[1] }, () => normal(rng)), shape);
  const [a, b, up] = [random([7, 5]), random([5, 3]), random([7, 3])];
  const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => matMul2d(tf, x as tf.Tensor2D, y as tf.Tensor2D).mul(up).sum())([a, b]);
  const theirs = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D).mul(up).sum())([a, b]);
  const close = (x: tf.Tensor, y: tf.Tensor) => [...x.dataSync()].every((v, i) => Math.abs(v - y.dataSync()[i]) < 1e-5 * (1 + Math.abs(v)));
  assert.ok(close(matMul2d(tf, a, b), tf.matMul(a, b)), 'value');
  assert.deepEqual(ours.map((g) => g.shape), [[7, 5], [5, 3]]);
  ours.forEach((g, i) => assert.ok(close(g, theirs[i]), `gradient ${i}`));
});

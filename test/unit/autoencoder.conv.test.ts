// The conv layers' gradients (written with forward convolutions only) against tfjs's own on the
// cpu backend, and a conv autoencoder step training on the wasm backend, which lacks the
// Conv2DBackpropFilter kernel tfjs's own conv gradient needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { conv2dTransposeValid, conv2dValid } from '../../src/core/tf/conv';
import { convAutoencoder } from '../../src/core/magnitude/autoencoder/models';
import { Adam } from '../../src/core/magnitude/autoencoder/adam';
import { seededRng } from '../../src/core/random';

function randomTensor(shape: number[], seed: number): tf.Tensor {
  const rng = seededRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng() - 0.5), shape);
}

async function maxRelativeDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const x = await a.data();
  const y = await b.data();
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < y.length; i++) {
    worst = Math.max(worst, Math.abs(x[i] - y[i]));
    scale = Math.max(scale, Math.abs(y[i]));
  }
  return worst / scale;
}

test('conv2d and conv2dTranspose: our gradients equal tfjs\'s own (cpu backend)', async () => {
  await tf.setBackend('cpu');
  const x = randomTensor([3, 11, 10, 2], 1) as tf.Tensor4D;
  const w = randomTensor([4, 4, 2, 5], 2) as tf.Tensor4D;
  const upstream = randomTensor([3, 8, 7, 5], 3);
  const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dValid(tf, a as tf.Tensor4D, b as tf.Tensor4D), upstream)))([x, w]);
  const theirs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), upstream)))([x, w]);
  for (let i = 0; i < 2; i++) assert.ok((await maxRelativeDifference(ours[i], theirs[i])) < 1e-5, `conv2d gradient ${i}`);

  const xt = randomTensor([2, 3, 3, 6], 4) as tf.Tensor4D;
  const wt = randomTensor([5, 5, 4, 6], 5) as tf.Tensor4D; // [k, k, Cout, Cin]
  const upT = randomTensor([2, 7, 7, 4], 6);
  const oursT = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dTransposeValid(tf, a as tf.Tensor4D, b as tf.Tensor4D), upT)))([xt, wt]);
  const theirsT = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, 7, 7, 4], 1, 'valid'), upT)))([xt, wt]);
  for (let i = 0; i < 2; i++) assert.ok((await maxRelativeDifference(oursT[i], theirsT[i])) < 1e-5, `conv2dTranspose gradient ${i}`);
  // The forward value of the transposed convolution (a flipped-filter 'full' correlation) too.
  const valueT = tf.tidy(() => [conv2dTransposeValid(tf, xt, wt), tf.conv2dTranspose(xt, wt, [2, 7, 7, 4], 1, 'valid')]);
  assert.ok((await maxRelativeDifference(valueT[0], valueT[1])) < 1e-5, 'conv2dTranspose value');
  tf.dispose(valueT);
  // A 1×1 input takes the matrix-product path: same value, same gradients.
  const xp = randomTensor([3, 1, 1, 6], 7) as tf.Tensor4D;
  const upP = randomTensor([3, 5, 5, 4], 8);
  const oursP = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dTransposeValid(tf, a as tf.Tensor4D, b as tf.Tensor4D), upP)))([xp, wt]);
  const theirsP = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [3, 5, 5, 4], 1, 'valid'), upP)))([xp, wt]);
  for (let i = 0; i < 2; i++) assert.ok((await maxRelativeDifference(oursP[i], theirsP[i])) < 1e-5, `1×1 conv2dTranspose gradient ${i}`);
  const valueP = tf.tidy(() => [conv2dTransposeValid(tf, xp, wt), tf.conv2dTranspose(xp, wt, [3, 5, 5, 4], 1, 'valid')]);
  assert.deepEqual(valueP[0].shape, [3, 5, 5, 4]);
  assert.ok((await maxRelativeDifference(valueP[0], valueP[1])) < 1e-5, '1×1 conv2dTranspose value');
  tf.dispose([xp, upP, ...oursP, ...theirsP, ...valueP]);
  tf.dispose([x, w, upstream, xt, wt, upT, ...ours, ...theirs, ...oursT, ...theirsT]);
});

test('the conv autoencoder trains on the wasm backend (where tfjs\'s own conv gradient is missing)', async (context) => {
  const require = createRequire(__filename);
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
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
  try {
    // tfjs's own gradient fails here: that is what the custom gradients are for.
    const x = randomTensor([2, 6, 6, 1], 7) as tf.Tensor4D;
    const w = randomTensor([3, 3, 1, 2], 8) as tf.Tensor4D;
    assert.throws(() => tf.grad((b: tf.Tensor) => tf.sum(tf.conv2d(x, b as tf.Tensor4D, 1, 'valid')))(w), /Conv2DBackpropFilter/);
    tf.dispose([x, w]);

    // 16 blurred-blob "images", 28 × 28 in [0, 1].
    const n = 16;
    const rng = seededRng(9);
    const pixels = new Float32Array(n * 784);
    for (let i = 0; i < n; i++) {
      const cx = 8 + rng() * 12;
      const cy = 8 + rng() * 12;
      for (let p = 0; p < 784; p++) pixels[i * 784 + p] = Math.exp(-(((p % 28) - cx) ** 2 + (Math.floor(p / 28) - cy) ** 2) / 18);
    }
    const images = tf.tensor2d(pixels, [n, 784]);
    const model = convAutoencoder(tf, 28, { seed: 1 });
    const adam = new Adam(tf, model.variables, { learningRate: 1e-3, weightDecay: 1e-5 });
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let step = 0; step < 8; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.decode(model.encode(images)), images)) as tf.Scalar, model.variables);
        losses.push(value.dataSync()[0]);
        adam.apply(model.variables.map((v) => grads[v.name]));
      });
    }
    assert.equal(tf.memory().numTensors, before, 'tensors leaked across steps');
    assert.ok(losses.every(Number.isFinite));
    assert.ok(losses[losses.length - 1] < 0.7 * losses[0], `loss ${losses[0]} → ${losses[losses.length - 1]}`);
    const codes = tf.tidy(() => model.encode(images));
    assert.deepEqual(codes.shape, [n, 2]);
    codes.dispose();
    images.dispose();
    adam.dispose();
    model.dispose();
  } finally {
    await tf.setBackend('cpu');
  }
});

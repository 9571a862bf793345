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

test('wasm: batchMatMul and matMul3d run the SIMD kernel and agree with tfjs\'s matMul, value and gradients, with no tensor left', async () => {
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
  const { batchMatMul, matMul3d } = await import('../../src/core/tf/matmul');
  const { bmmModuleBytes, setBatchMatMulKernelEnabled, usesBatchMatMulKernel } = await import('../../src/core/tf/batchMatMulWasm');
  setWasmPaths(join(dirname(createRequire(__filename).resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  assert.ok(await tf.setBackend('wasm'));
  await tf.ready();
  assert.ok(bmmModuleBytes().length < 4096, 'the module compiles synchronously in a page (under 4 KB)');
  assert.ok(usesBatchMatMulKernel(tf), 'Node has WebAssembly SIMD: the kernel is used on wasm');
  const rng = seededRng(9);
  const random = (shape: number[]) => tf.tensor3d(Float32Array.from({ length: shape.reduce((p, s) => p * s, 1) }, () => normal(rng)), shape as [number, number, number]);
  const close = (x: tf.Tensor, y: tf.Tensor, what: string) => {
    assert.deepEqual(x.shape, y.shape, what);
    const [xs, ys] = [x.dataSync(), y.dataSync()];
    xs.forEach((v, i) => assert.ok(Math.abs(v - ys[i]) < 1e-4 * (1 + Math.abs(ys[i])), `${what}: entry ${i} ${v} vs ${ys[i]}`));
  };
  // Shapes with column counts that are and are not multiples of 4 (the kernel's 16- and 4-wide tiles), batch 1 and above.
  for (const [batch, m, k, n] of [[3, 5, 7, 9], [2, 6, 4, 16], [1, 1, 3, 1], [4, 54, 16, 54], [2, 3, 5, 21]] as Array<[number, number, number, number]>) {
    for (const transposeB of [false, true]) {
      const a = random([batch, m, k]);
      const b = random(transposeB ? [batch, n, k] : [batch, k, n]);
      const up = random([batch, m, n]);
      const before = tf.memory().numTensors;
      const [value, ga, gb] = tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => batchMatMul(tf, x as tf.Tensor3D, y as tf.Tensor3D, transposeB).mul(up).sum())([a, b]);
        return [batchMatMul(tf, a, b, transposeB), ...g];
      });
      assert.equal(tf.memory().numTensors, before + 3, 'only the three results are left');
      setBatchMatMulKernelEnabled(false);
      const [refValue, ra, rb] = tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, false, transposeB).mul(up).sum())([a, b]);
        return [tf.matMul(a, b, false, transposeB), ...g];
      });
      setBatchMatMulKernelEnabled(true);
      const what = `[${batch}, ${m}, ${k}] · [${b.shape}]${transposeB ? 'ᵀ' : ''}`;
      close(value, refValue, `${what} value`);
      close(ga, ra, `${what} dA`);
      close(gb, rb, `${what} dB`);
      if (!transposeB) {
        const g3 = tf.grads((x: tf.Tensor, y: tf.Tensor) => matMul3d(tf, x as tf.Tensor3D, y as tf.Tensor3D).mul(up).sum())([a, b]);
        close(matMul3d(tf, a, b), refValue, `${what} matMul3d value`);
        close(g3[0], ra, `${what} matMul3d dA`);
        close(g3[1], rb, `${what} matMul3d dB`);
      }
    }
  }
  await tf.setBackend('cpu');
});

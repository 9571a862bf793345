import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { kronMaps, kronMessage } from '../../src/core/impute/models/kronAttention';
import { normal, seededRng } from '../../src/core/random';

function randomTensor(shape: number[], rng: () => number) {
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => normal(rng)), shape);
}

test('the factorised product equals the dense (Θ_T ⊗ Θ_S) · vec(X)', () => {
  tf.setBackend('cpu');
  const rng = seededRng(11);
  const [b, p, n, c] = [2, 5, 4, 3];
  const x = randomTensor([b, p, n, c], rng) as tf.Tensor4D;
  const thetaT = randomTensor([b, p, p], rng) as tf.Tensor3D;
  const thetaS = randomTensor([b, n, n], rng) as tf.Tensor3D;
  const fast = kronMessage(tf, x, thetaT, thetaS).arraySync() as number[][][][];
  const X = x.arraySync() as number[][][][];
  const T = thetaT.arraySync() as number[][][];
  const S = thetaS.arraySync() as number[][][];
  for (let bb = 0; bb < b; bb++) {
    for (let ch = 0; ch < c; ch++) {
      // The dense Kronecker product on vec(X) with n fastest: K[(p,n),(p',n')] = T[p,p'] S[n,n'].
      for (let i = 0; i < p * n; i++) {
        const [pp, nn] = [Math.floor(i / n), i % n];
        let sum = 0;
        for (let j = 0; j < p * n; j++) {
          const [qp, qn] = [Math.floor(j / n), j % n];
          sum += T[bb][pp][qp] * S[bb][nn][qn] * X[bb][qp][qn][ch];
        }
        assert.ok(Math.abs(fast[bb][pp][nn][ch] - sum) < 1e-4 * (1 + Math.abs(sum)), `(${bb},${pp},${nn},${ch}): ${fast[bb][pp][nn][ch]} vs ${sum}`);
      }
    }
  }
  tf.dispose([x, thetaT, thetaS]);
});

test('the attention maps are row-stochastic, a spatial bias shifts Θ_S toward near nodes, and nothing leaks', () => {
  tf.setBackend('cpu');
  const rng = seededRng(3);
  const [b, p, n, c, d] = [1, 6, 5, 4, 8];
  const x = randomTensor([b, p, n, c], rng) as tf.Tensor4D;
  const w = { qT: randomTensor([c, d], rng) as tf.Tensor2D, kT: randomTensor([c, d], rng) as tf.Tensor2D, qS: randomTensor([c, d], rng) as tf.Tensor2D, kS: randomTensor([c, d], rng) as tf.Tensor2D };
  const before = tf.memory().numTensors;
  const { thetaT, thetaS } = kronMaps(tf, x, w);
  const rowSums = (t: tf.Tensor3D) => tf.tidy(() => (t.sum(2).arraySync() as number[][]).flat());
  for (const s of [...rowSums(thetaT), ...rowSums(thetaS)]) assert.ok(Math.abs(s - 1) < 1e-5);
  // A strong bias of −10 · |i − j| makes every node attend mostly to itself.
  const bias = tf.tensor2d(Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => -10 * Math.abs(i - j))));
  const biased = kronMaps(tf, x, w, bias);
  const diag = (biased.thetaS.arraySync() as number[][][])[0].map((row, i) => row[i]);
  assert.ok(diag.every((v) => v > 0.9), `diagonal ${diag}`);
  tf.dispose([thetaT, thetaS, biased.thetaT, biased.thetaS, bias]);
  assert.equal(tf.memory().numTensors, before);
  tf.dispose([x, ...Object.values(w)]);
});

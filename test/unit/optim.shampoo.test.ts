import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { inversePthRoot, ShampooOptimizer } from '../../src/core/optim/shampoo';
import { normal, seededRng } from '../../src/core/random';

/** Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations (Float64 reference). */
function symmetricEigen(a: number[][]): { values: number[]; vectors: number[][] } {
  const n = a.length;
  const m = a.map((r) => [...r]);
  const v: number[][] = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m[i][j] ** 2;
    if (off < 1e-24) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(m[p][q]) < 1e-300) continue;
        const theta = (m[q][q] - m[p][p]) / (2 * m[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k][p];
          const mkq = m[k][q];
          m[k][p] = c * mkp - s * mkq;
          m[k][q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p][k];
          const mqk = m[q][k];
          m[p][k] = c * mpk - s * mqk;
          m[q][k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k][p];
          const vkq = v[k][q];
          v[k][p] = c * vkp - s * vkq;
          v[k][q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: m.map((r, i) => r[i]), vectors: v };
}

test('the coupled Newton inverse 4th root matches an eigen-decomposition on small SPD matrices', () => {
  tf.setBackend('cpu');
  const rng = seededRng(9);
  for (const n of [2, 5, 8]) {
    for (const conditioning of [1, 100]) {
      const b = Array.from({ length: n }, () => Array.from({ length: n }, () => normal(rng)));
      const a = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => b.reduce((s, row) => s + row[i] * row[j], 0) * (i === 0 && j === 0 ? conditioning : 1) + (i === j ? 0.1 : 0)));
      // Keep A symmetric after scaling one entry.
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) a[i][j] = a[j][i];
      const { values, vectors } = symmetricEigen(a);
      assert.ok(values.every((v) => v > 0), 'SPD');
      const expected = vectors.map((_, i) => vectors.map((__, j) => values.reduce((s, lam, k) => s + vectors[i][k] * lam ** -0.25 * vectors[j][k], 0)));
      const before = tf.memory().numTensors;
      const got = tf.tidy(() => inversePthRoot(tf, tf.tensor2d(a), 4, { ridge: 0 }).arraySync());
      assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
      const scale = Math.max(...expected.flat().map(Math.abs));
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(got[i][j] - expected[i][j]) < 2e-3 * scale, `n=${n} cond=${conditioning} (${i},${j}): ${got[i][j]} vs ${expected[i][j]}`);
    }
  }
});

test('Shampoo reduces the loss of a small multi-output regression, with no tensor leaks', () => {
  tf.setBackend('cpu');
  const rng = seededRng(4);
  const [m, d, k] = [64, 6, 3];
  const x = tf.tensor2d(Float32Array.from({ length: m * d }, () => normal(rng)), [m, d]);
  // Badly scaled features: Shampoo's preconditioner must cope.
  const xs = x.mul(tf.tensor1d([1, 10, 0.1, 3, 1, 0.5]));
  const wTrue = tf.tensor2d(Float32Array.from({ length: d * k }, () => normal(rng)), [d, k]);
  const y = xs.matMul(wTrue);
  const w = tf.variable(tf.zeros([d, k]), true, 'shampoo_w');
  const bias = tf.variable(tf.zeros([k]), true, 'shampoo_b');
  const loss = () => tf.losses.meanSquaredError(y, xs.matMul(w).add(bias)) as tf.Scalar;
  const opt = new ShampooOptimizer(tf, { learningRate: 0.3 });
  const first = opt.minimize(loss, [w, bias]);
  const counts: number[] = [];
  let last = first;
  for (let step = 0; step < 60; step++) {
    last = opt.minimize(loss, [w, bias]);
    counts.push(tf.memory().numTensors);
  }
  assert.ok(last < first / 10, `loss ${first} -> ${last}`);
  assert.ok(counts.every((c) => c === counts[0]), 'the tensor count is flat across steps');
  opt.dispose();
  tf.dispose([x, xs, wTrue, y, w, bias]);
});

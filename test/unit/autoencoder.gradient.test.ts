// The differentiable weighting vector: the adjoint gradient against central finite differences
// (Float64), the tfjs op against the host formula, the CG path against the Cholesky path,
// coincident points (zero distances) giving finite gradients, and L_weight computed before the
// graph (the WebGPU-safe path of the training loop).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { pointSpace, weightingVectorCholesky } from '../../src/core/magnitude/index';
import { SimilarityFactor } from '../../src/core/magnitude/autoencoder/denseSpd';
import { differentiableWeighting, weightingWithAdjoint } from '../../src/core/magnitude/autoencoder/weightingGrad';
import { precomputedLossOp, weightLossDevice, weightLossHost } from '../../src/core/magnitude/autoencoder/weightLoss';
import { seededRng } from '../../src/core/random';

function randomCoords(n: number, dim: number, scale: number, seed: number): Float64Array {
  const rng = seededRng(seed);
  return Float64Array.from({ length: n * dim }, () => rng() * scale);
}

function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    worst = Math.max(worst, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return worst / scale;
}

test('the Float64 factor gives the same weights as the magnitude Cholesky solver, at sizes crossing the panel width', () => {
  for (const [n, dim, t] of [[37, 2, 1.5], [300, 2, 4], [530, 3, 2]] as const) {
    const coords = randomCoords(n, dim, 3, n);
    const factor = new SimilarityFactor();
    factor.factor(coords, n, dim, t);
    const { x, residual } = factor.solve(new Float64Array(n).fill(1));
    const exact = weightingVectorCholesky(pointSpace({ n, dim, data: coords }), t).weights;
    assert.ok(maxRelativeError(x, exact) < 1e-9, `n = ${n}: ${maxRelativeError(x, exact)}`);
    assert.ok(residual < 1e-10, `n = ${n}: residual ${residual}`);
  }
  // The JavaScript fallback of the kernel agrees too.
  const coords = randomCoords(70, 2, 3, 9);
  const js = new SimilarityFactor(false);
  js.factor(coords, 70, 2, 2);
  const exact = weightingVectorCholesky(pointSpace({ n: 70, dim: 2, data: coords }), 2).weights;
  assert.ok(maxRelativeError(js.solve(new Float64Array(70).fill(1)).x, exact) < 1e-9);
});

test('the adjoint gradient matches central finite differences (Float64)', () => {
  const n = 40;
  const dim = 2;
  for (const t of [0.7, 3]) {
    const coords = randomCoords(n, dim, 3, 5);
    const rng = seededRng(11);
    const c = Float64Array.from({ length: n }, () => rng() - 0.5);
    const loss = (x: Float64Array): number => {
      const { weights } = weightingWithAdjoint(x, n, dim, t);
      let s = 0;
      for (let i = 0; i < n; i++) s += c[i] * weights[i];
      return s;
    };
    const { grad } = weightingWithAdjoint(coords, n, dim, t).gradient(c);
    const fd = new Float64Array(n * dim);
    const eps = 1e-6;
    for (let k = 0; k < n * dim; k++) {
      const plus = Float64Array.from(coords);
      const minus = Float64Array.from(coords);
      plus[k] += eps;
      minus[k] -= eps;
      fd[k] = (loss(plus) - loss(minus)) / (2 * eps);
    }
    assert.ok(maxRelativeError(grad, fd) < 1e-6, `t = ${t}: adjoint vs finite differences ${maxRelativeError(grad, fd)}`);
  }
});

test('the tfjs op: value and gradient match the Float64 formula; CG agrees with Cholesky; no tensor leaks', async () => {
  await tf.setBackend('cpu');
  const n = 60;
  const dim = 2;
  const t = 1.2;
  const coords = Float64Array.from(Float32Array.from(randomCoords(n, dim, 3, 21)));
  const rng = seededRng(3);
  const c = Float64Array.from({ length: n }, () => rng() - 0.5);
  const host = weightingWithAdjoint(coords, n, dim, t);
  const hostGrad = host.gradient(c).grad;
  const h = tf.tensor2d(Float32Array.from(coords), [n, dim]);
  const cT = tf.tensor1d(Float32Array.from(c));
  for (const solver of ['cholesky', 'cg'] as const) {
    const weighting = differentiableWeighting(tf, { t, solver, cgTolerance: 1e-6 });
    const before = tf.memory().numTensors;
    const { value, grads } = tf.tidy(() => {
      const f = (x: tf.Tensor2D) => tf.sum(tf.mul(weighting(x), cT));
      const g = tf.valueAndGrad(f)(h);
      return { value: g.value, grads: g.grad };
    });
    const w = tf.tidy(() => weighting(h));
    const wValues = await w.data();
    const gValues = await grads.data();
    value.dispose();
    grads.dispose();
    w.dispose();
    assert.equal(tf.memory().numTensors, before, `${solver}: tensors leaked`);
    const tol = solver === 'cholesky' ? 1e-5 : 2e-3;
    assert.ok(maxRelativeError(wValues, host.weights) < tol, `${solver} weights: ${maxRelativeError(wValues, host.weights)}`);
    assert.ok(maxRelativeError(gValues, hostGrad) < tol, `${solver} gradient: ${maxRelativeError(gValues, hostGrad)}`);
    if (solver === 'cg') assert.ok(weighting.stats.forwardIterations > 0 && weighting.stats.adjointIterations > 0);
  }
  h.dispose();
  cT.dispose();
});

test('coincident points: zero distances give finite weights and gradients, not NaN', async () => {
  await tf.setBackend('cpu');
  const coords = [0, 0, 1, 0, 1, 0, 0, 1, 2, 2];
  const h = tf.tensor2d(coords, [5, 2]);
  for (const solver of ['cholesky', 'cg'] as const) {
    const weighting = differentiableWeighting(tf, { t: 1, solver });
    const grad = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.abs(tf.sub(weighting(x as tf.Tensor2D), 0.5))))(h));
    const values = await grad.data();
    grad.dispose();
    assert.ok(values.every((v) => Number.isFinite(v)), `${solver}: ${Array.from(values)}`);
  }
  h.dispose();
});

test('L_weight and its gradient before the graph: host (Float64) against finite differences, device CG against host', async () => {
  await tf.setBackend('cpu');
  const n = 50;
  const dim = 2;
  const t = 1.5;
  const coords = Float64Array.from(Float32Array.from(randomCoords(n, dim, 3, 31)));
  const rng = seededRng(8);
  const wX = Float64Array.from({ length: n }, () => 0.2 + rng() * 0.6);
  for (const kind of ['l2', 'l1'] as const) {
    const r = weightLossHost(coords, n, dim, t, wX, kind, new SimilarityFactor());
    const eps = 1e-6;
    const fd = new Float64Array(n * dim);
    for (let k = 0; k < n * dim; k++) {
      const plus = Float64Array.from(coords);
      const minus = Float64Array.from(coords);
      plus[k] += eps;
      minus[k] -= eps;
      fd[k] = (weightLossHost(plus, n, dim, t, wX, kind, new SimilarityFactor()).loss - weightLossHost(minus, n, dim, t, wX, kind, new SimilarityFactor()).loss) / (2 * eps);
    }
    // l1 is smooth here: no w_i sits on w_X,i.
    assert.ok(maxRelativeError(r.gradient, fd) < 1e-5, `${kind}: ${maxRelativeError(r.gradient, fd)}`);

    const h = tf.tensor2d(Float32Array.from(coords), [n, dim]);
    const before = tf.memory().numTensors;
    const device = await weightLossDevice(tf, h, wX, t, kind, { forward: null, adjoint: null }, { tolerance: 1e-6 });
    const g = await device.gradient.data();
    device.gradient.dispose();
    assert.equal(tf.memory().numTensors, before, 'device path leaked tensors');
    h.dispose();
    assert.ok(Math.abs(device.loss - r.loss) < 1e-4 * r.loss, `${kind} loss ${device.loss} vs ${r.loss}`);
    assert.ok(maxRelativeError(g, r.gradient) < 5e-3, `${kind} device gradient: ${maxRelativeError(g, r.gradient)}`);
  }
});

test('precomputedLossOp: value and gradient flow into the graph as computed', async () => {
  await tf.setBackend('cpu');
  const gradient = Float64Array.from([1, 2, 3, 4]);
  const op = precomputedLossOp(tf, 0.25, gradient);
  const h = tf.tensor2d([0, 0, 1, 1], [2, 2]);
  const { value, grad } = tf.valueAndGrad((x: tf.Tensor) => tf.mul(op(x as tf.Tensor2D), 3))(h);
  assert.ok(Math.abs((await value.data())[0] - 0.75) < 1e-7);
  assert.deepEqual(Array.from(await grad.data()), [3, 6, 9, 12]);
  tf.dispose([h, value, grad]);
});

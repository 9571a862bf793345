import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { minimizeLbfgs, minimizeLbfgsWith } from '../../src/core/optim/lbfgs';
import { tfObjective, tfVectorOps } from '../../src/core/optim/tfVectorOps';

test('L-BFGS on tfjs tensors solves Rosenbrock and an ill-conditioned quadratic like the Float64 one, and frees its vectors', async () => {
  await tf.setBackend('cpu');
  const ops = tfVectorOps(tf);
  // Rosenbrock in 2-D.
  const rosen = (x: tf.Tensor) =>
    tf.tidy(() => {
      const [a, b] = tf.split(x, 2);
      return tf.scalar(1).sub(a).square().add(b.sub(a.square()).square().mul(100)).sum() as tf.Scalar;
    });
  const before = tf.memory().numTensors;
  const start = tf.tidy(() => tf.variable(tf.tensor1d([-1.2, 1]), false));
  const r = minimizeLbfgsWith(ops, tfObjective(tf, rosen), start, { gradTol: 1e-4, maxIterations: 200 });
  assert.ok(r.converged, r.reason);
  const x = r.x.dataSync();
  assert.ok(Math.abs(x[0] - 1) < 1e-3 && Math.abs(x[1] - 1) < 1e-3, `x = ${[...x]}`);
  r.x.dispose();
  start.dispose();
  assert.equal(tf.memory().numTensors, before, 'every vector the run allocated is freed');

  // A diagonal quadratic with condition 1e4 in 50 dimensions, against the Float64 solver.
  const n = 50;
  const diag = Float64Array.from({ length: n }, (_, i) => Math.pow(1e4, i / (n - 1)));
  const target = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const d = tf.tensor1d(Float32Array.from(diag));
  const c = tf.tensor1d(Float32Array.from(target));
  const quad = (v: tf.Tensor) => tf.tidy(() => v.sub(c).square().mul(d).sum().mul(0.5) as tf.Scalar);
  const x0 = tf.tidy(() => tf.variable(tf.zeros([n]), false));
  const onTf = minimizeLbfgsWith(ops, tfObjective(tf, quad), x0, { gradTol: 1e-3, maxIterations: 500 });
  const on64 = minimizeLbfgs(
    (v, g) => {
      let f = 0;
      for (let i = 0; i < n; i++) {
        const e = v[i] - target[i];
        f += 0.5 * diag[i] * e * e;
        g[i] = diag[i] * e;
      }
      return f;
    },
    new Float64Array(n),
    { gradTol: 1e-6, maxIterations: 500 },
  );
  assert.ok(onTf.converged, onTf.reason);
  const got = onTf.x.dataSync();
  for (let i = 0; i < n; i++) assert.ok(Math.abs(got[i] - on64.x[i]) < 1e-3, `${i}: ${got[i]} vs ${on64.x[i]}`);
  tf.dispose([onTf.x, x0, d, c]);
});

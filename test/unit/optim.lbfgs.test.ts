import { test } from 'node:test';
import assert from 'node:assert/strict';
import { float64VectorOps, lbfgsIterations, lbfgsIterationsAsync, minimizeLbfgs, minimizeLbfgsWith, type AsyncVectorOps } from '../../src/core/optim/lbfgs';
import type { Objective } from '../../src/core/optim/lbfgs';
import { normal, seededRng } from '../../src/core/random';

/** The chained Rosenbrock function Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at all ones. */
const rosenbrock: Objective<Float64Array> = (x, grad) => {
  grad.fill(0);
  let f = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    grad[i] += -400 * a * x[i] - 2 * b;
    grad[i + 1] += 200 * a;
  }
  return f;
};

function classicStart(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
}

function maxDistanceFrom(x: Float64Array, target: (i: number) => number): number {
  let max = 0;
  for (let i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - target(i)));
  return max;
}

test('Rosenbrock in 2 dimensions converges to (1, 1)', () => {
  const x0 = classicStart(2);
  const result = minimizeLbfgs(rosenbrock, x0, { gradTol: 1e-8 });
  assert.equal(result.converged, true, result.reason);
  assert.equal(result.reason, 'gradient tolerance reached');
  assert.ok(result.gradNorm <= 1e-8);
  assert.ok(result.f < 1e-14, `f = ${result.f}`);
  assert.ok(maxDistanceFrom(result.x, () => 1) < 1e-7);
  assert.ok(result.iterations < 100, `${result.iterations} iterations`);
  assert.ok(result.evaluations >= result.iterations + 1);
  assert.deepEqual(Array.from(x0), [-1.2, 1], 'x0 is left untouched');
});

test('Rosenbrock in 100 dimensions converges to all ones', () => {
  const result = minimizeLbfgs(rosenbrock, classicStart(100), { gradTol: 1e-7, maxIterations: 2000 });
  assert.equal(result.converged, true, result.reason);
  assert.ok(result.f < 1e-12, `f = ${result.f}`);
  assert.ok(maxDistanceFrom(result.x, () => 1) < 1e-6);
});

test('an ill-conditioned quadratic (condition number 1e6, rotated) converges', () => {
  // f(x) = ½ (x − x*)ᵀ Qᵀ Λ Q (x − x*) with eigenvalues from 1 to 1e6 and a random rotation Q.
  const n = 10;
  const rng = seededRng(7);
  const q = randomOrthogonal(n, rng);
  const eigenvalues = Float64Array.from({ length: n }, (_, i) => Math.pow(1e6, i / (n - 1)));
  const target = Float64Array.from({ length: n }, () => normal(rng));
  const rotated = new Float64Array(n);
  const quadratic: Objective<Float64Array> = (x, grad) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += q[i * n + j] * (x[j] - target[j]);
      rotated[i] = s;
    }
    let f = 0;
    for (let i = 0; i < n; i++) f += 0.5 * eigenvalues[i] * rotated[i] * rotated[i];
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += q[i * n + j] * eigenvalues[i] * rotated[i];
      grad[j] = s;
    }
    return f;
  };
  const result = minimizeLbfgs(quadratic, new Float64Array(n), { gradTol: 1e-6, maxIterations: 5000 });
  assert.equal(result.converged, true, result.reason);
  // ‖x − x*‖ ≤ ‖∇f‖ / λ_min, with λ_min = 1.
  assert.ok(maxDistanceFrom(result.x, (i) => target[i]) < 1e-5);
});

test('a non-smooth objective stops cleanly with a reason', () => {
  // Σ |x_i| has a kink at its minimiser, where the gradient never becomes small.
  const absolute: Objective<Float64Array> = (x, grad) => {
    let f = 0;
    for (let i = 0; i < x.length; i++) {
      f += Math.abs(x[i]);
      grad[i] = Math.sign(x[i]);
    }
    return f;
  };
  const result = minimizeLbfgs(absolute, Float64Array.from([1, -2, 3.3]), { maxIterations: 200 });
  assert.equal(result.converged, false);
  assert.ok(['line-search-failed', 'max-iterations', 'max-evaluations'].includes(result.status), result.status);
  assert.ok(result.reason.length > 0);
  assert.ok(Number.isFinite(result.f) && result.f < 6.3, `f = ${result.f}`);
  assert.ok(result.x.every(Number.isFinite));
});

test('a NaN at the starting point stops at once', () => {
  const result = minimizeLbfgs((_x, grad) => {
    grad.fill(0);
    return NaN;
  }, Float64Array.from([1, 2]));
  assert.equal(result.status, 'non-finite');
  assert.equal(result.converged, false);
  assert.equal(result.iterations, 0);
  assert.match(result.reason, /non-finite/);
});

test('NaN everywhere but the start fails the line search with a reason', () => {
  const result = minimizeLbfgs((x, grad) => {
    grad[0] = 1;
    return x[0] === 5 ? 5 : NaN;
  }, Float64Array.from([5]));
  assert.equal(result.status, 'line-search-failed');
  assert.match(result.reason, /^line search failed: .*non-finite/);
  assert.deepEqual(Array.from(result.x), [5]);
  assert.equal(result.f, 5);
});

test('NaN beyond a boundary is backed away from', () => {
  // (x − 0.1)² − 0.001 log x from x = 0.6: the first (unit) step lands at x < 0, where log is NaN.
  let nanEvaluations = 0;
  const result = minimizeLbfgs((x, grad) => {
    const v = x[0];
    grad[0] = 2 * (v - 0.1) - 0.001 / v;
    const f = (v - 0.1) * (v - 0.1) - 0.001 * Math.log(v);
    if (Number.isNaN(f)) nanEvaluations++;
    return f;
  }, Float64Array.from([0.6]), { gradTol: 1e-10 });
  assert.ok(nanEvaluations > 0, 'the line search met a NaN');
  assert.equal(result.converged, true, result.reason);
  const minimiser = (0.1 + Math.sqrt(0.01 + 0.002)) / 2;
  assert.ok(Math.abs(result.x[0] - minimiser) < 1e-9);
});

test('the iteration and evaluation caps and the callback stop with their reasons', () => {
  const byIterations = minimizeLbfgs(rosenbrock, classicStart(2), { maxIterations: 3 });
  assert.equal(byIterations.status, 'max-iterations');
  assert.equal(byIterations.reason, 'max iterations');
  assert.equal(byIterations.iterations, 3);

  const byEvaluations = minimizeLbfgs(rosenbrock, classicStart(2), { maxEvaluations: 5 });
  assert.ok(byEvaluations.evaluations <= 5);
  assert.ok(['max-evaluations', 'line-search-failed'].includes(byEvaluations.status), byEvaluations.status);

  const seen: number[] = [];
  const byCallback = minimizeLbfgs(rosenbrock, classicStart(2), {
    onIteration: (progress) => {
      seen.push(progress.f);
      return progress.iteration === 4;
    },
  });
  assert.equal(byCallback.status, 'stopped');
  assert.equal(byCallback.iterations, 4);
  assert.equal(seen.length, 4);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] < seen[i - 1], 'each accepted step decreases f');
});

test('history size 1 still converges, and a converged start does no iterations', () => {
  const small = minimizeLbfgs(rosenbrock, classicStart(2), { historySize: 1, gradTol: 1e-6, maxIterations: 5000 });
  assert.equal(small.converged, true, small.reason);
  const atMinimum = minimizeLbfgs(rosenbrock, Float64Array.from([1, 1]));
  assert.equal(atMinimum.iterations, 0);
  assert.equal(atMinimum.converged, true);
});

test('the Float64 vector operations', () => {
  const a = Float64Array.from([1, 2, 3, 4, 5]);
  const b = Float64Array.from([5, 4, 3, 2, 1]);
  assert.equal(float64VectorOps.dot(a, b), 35);
  const y = b.slice();
  float64VectorOps.axpy(2, a, y);
  assert.deepEqual(Array.from(y), [7, 8, 9, 10, 11]);
  assert.equal(float64VectorOps.normInf(Float64Array.from([1, -7, 3])), 7);
  assert.ok(Number.isNaN(float64VectorOps.normInf(Float64Array.from([1, NaN, 3]))));
});

/** A random orthogonal matrix (row-major) by Gram–Schmidt on Gaussian vectors. */
function randomOrthogonal(n: number, rng: () => number): Float64Array {
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = Float64Array.from({ length: n }, () => normal(rng));
    for (let p = 0; p < i; p++) {
      let d = 0;
      for (let j = 0; j < n; j++) d += row[j] * q[p * n + j];
      for (let j = 0; j < n; j++) row[j] -= d * q[p * n + j];
    }
    const norm = Math.hypot(...row);
    for (let j = 0; j < n; j++) q[i * n + j] = row[j] / norm;
  }
  return q;
}

test('the fused axpyDot gives exactly what axpy then dot give (so fusing changes no iterate)', () => {
  const rng = seededRng(21);
  for (const n of [1, 3, 4, 7, 64, 1001]) {
    const x = Float64Array.from({ length: n }, () => normal(rng));
    const y = Float64Array.from({ length: n }, () => normal(rng));
    const z = Float64Array.from({ length: n }, () => normal(rng));
    const y2 = y.slice();
    const fused = float64VectorOps.axpyDot!(-0.37, x, y, z);
    float64VectorOps.axpy(-0.37, x, y2);
    assert.deepEqual(Array.from(y), Array.from(y2));
    assert.equal(fused, float64VectorOps.dot(z, y2));
  }
  // A vector type without it still works: the two-loop recursion falls back to axpy and dot.
  const { axpyDot: _unused, ...plain } = float64VectorOps;
  const quadratic = (v: Float64Array, g: Float64Array) => {
    let f = 0;
    for (let i = 0; i < v.length; i++) {
      g[i] = (i + 1) * v[i];
      f += 0.5 * (i + 1) * v[i] * v[i];
    }
    return f;
  };
  const x0 = Float64Array.from({ length: 20 }, (_, i) => 1 + i);
  const withFused = minimizeLbfgs(quadratic, x0, { gradTol: 1e-10 });
  const withoutFused = minimizeLbfgsWith(plain, quadratic, x0, { gradTol: 1e-10 });
  assert.ok(withFused.converged && withoutFused.converged);
  assert.deepEqual(Array.from(withoutFused.x), Array.from(withFused.x));
});

test('with asynchronous reads the L-BFGS takes exactly the same steps, and the synchronous driver refuses them', async () => {
  // Float64 operations whose reads answer through promises, as tensors on a GPU do.
  const asyncOps: AsyncVectorOps<Float64Array> = {
    ...float64VectorOps,
    dot: async (a, b) => float64VectorOps.dot(a, b),
    normInf: async (x) => float64VectorOps.normInf(x),
    axpyDot: async (alpha, x, y, z) => float64VectorOps.axpyDot!(alpha, x, y, z),
  };
  const asyncRosenbrock = async (x: Float64Array, grad: Float64Array) => rosenbrock(x, grad);
  const x0 = classicStart(10);
  const expected = minimizeLbfgs(rosenbrock, x0, { gradTol: 1e-8 });
  const steps: number[] = [];
  const run = lbfgsIterationsAsync(asyncOps, asyncRosenbrock, x0, { gradTol: 1e-8 });
  let next = await run.next();
  while (!next.done) {
    steps.push(next.value.f);
    next = await run.next();
  }
  const result = next.value;
  assert.equal(result.iterations, expected.iterations);
  assert.equal(result.evaluations, expected.evaluations);
  assert.equal(result.f, expected.f);
  assert.deepEqual(Array.from(result.x), Array.from(expected.x));
  assert.equal(steps.length, expected.iterations);
  assert.throws(() => [...lbfgsIterations(asyncOps as never, asyncRosenbrock as never, x0)], /use lbfgsIterationsAsync/);
});

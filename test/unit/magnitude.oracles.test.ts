// Exact magnitudes the solvers must reproduce: two points, subsets of the real line, homogeneous
// spaces, and the continuum limits of an interval and a circle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  matrixSpace, pointSpace, weightingVectorCg, weightingVectorCholesky, weightingVectorSparse,
  type MetricSpace, type PointSet,
} from '../../src/core/magnitude/index';
import { seededRng } from '../../src/core/random';

function relativeError(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}

function line(xs: number[]): PointSet {
  return { n: xs.length, dim: 1, data: Float64Array.from(xs) };
}

/** 1 + Σ tanh(t·gap/2) over the sorted points. */
function lineMagnitude(xs: number[], t: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  let magnitude = 1;
  for (let i = 1; i < sorted.length; i++) magnitude += Math.tanh((t * (sorted[i] - sorted[i - 1])) / 2);
  return magnitude;
}

test('two points at distance d have magnitude 1 + tanh(d/2)', () => {
  for (const d of [1e-3, 0.1, 1, 5, 40]) {
    const exact = 1 + Math.tanh(d / 2);
    const space = pointSpace(line([0, d]));
    assert.ok(relativeError(weightingVectorCholesky(space, 1).magnitude, exact) <= 1e-9, `cholesky at d = ${d}`);
    const cg = weightingVectorCg(space, 1, { tol: 1e-10 });
    assert.ok(cg.converged);
    assert.ok(relativeError(cg.magnitude, exact) <= 1e-10, `cg at d = ${d}`);
    // Scaling the space by t is the same as scaling the distance.
    assert.ok(relativeError(weightingVectorCholesky(pointSpace(line([0, 1])), d).magnitude, exact) <= 1e-9);
  }
});

test('any finite subset of the real line: Mag = 1 + Σ tanh(t·gap/2), Cholesky to 1e-9', () => {
  const rng = seededRng(7);
  for (const n of [3, 10, 101, 1000]) {
    const xs = Array.from({ length: n }, () => rng() * 10);
    for (const t of [0.5, 1, 10, 100]) {
      const exact = lineMagnitude(xs, t);
      const result = weightingVectorCholesky(pointSpace(line(xs)), t);
      assert.ok(relativeError(result.magnitude, exact) <= 1e-9, `n = ${n}, t = ${t}: ${result.magnitude} vs ${exact}`);
      assert.ok(result.residual < 1e-9, `residual ${result.residual}`);
    }
  }
});

test('the real line oracle holds for CG and sparse to the requested tolerance', () => {
  const rng = seededRng(8);
  const cases: Array<[n: number, t: number, tol: number]> = [[200, 1, 1e-6], [200, 1, 1e-10], [400, 10, 1e-9], [1000, 100, 1e-10]];
  for (const [n, t, tol] of cases) {
    const xs = Array.from({ length: n }, () => rng() * 10);
    const space = pointSpace(line(xs));
    const exact = lineMagnitude(xs, t);
    const cg = weightingVectorCg(space, t, { tol, maxIterations: 2000 });
    assert.ok(cg.converged, `cg n = ${n}, t = ${t}, tol = ${tol}: ${cg.notes.join('; ')}`);
    assert.ok(cg.residual <= tol);
    assert.ok(relativeError(cg.magnitude, exact) <= tol, `cg n = ${n}, t = ${t}, tol = ${tol}: error ${relativeError(cg.magnitude, exact)}`);
    const sparse = weightingVectorSparse(space, t, { tol, truncation: 1e-14 });
    assert.ok(sparse.converged && relativeError(sparse.magnitude, exact) <= Math.max(tol, 1e-9), `sparse n = ${n}, t = ${t}`);
  }
});

test('regular polygons with the chord metric are homogeneous: Mag = n / Σ_j exp(−t·d(x0, xj))', () => {
  for (const n of [3, 7, 64, 500]) {
    const data = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      data[2 * i] = Math.cos((2 * Math.PI * i) / n);
      data[2 * i + 1] = Math.sin((2 * Math.PI * i) / n);
    }
    const space = pointSpace({ n, dim: 2, data });
    for (const t of [0.7, 3, 30]) {
      let rowSum = 0;
      for (let j = 0; j < n; j++) rowSum += Math.exp(-t * 2 * Math.sin((Math.PI * j) / n));
      const exact = n / rowSum;
      const dense = weightingVectorCholesky(space, t);
      assert.ok(relativeError(dense.magnitude, exact) <= 1e-9, `cholesky n = ${n}, t = ${t}: ${dense.magnitude} vs ${exact}`);
      const cg = weightingVectorCg(space, t, { tol: 1e-9, maxIterations: 2000 });
      if (cg.converged) assert.ok(relativeError(cg.magnitude, exact) <= 1e-9, `cg n = ${n}, t = ${t}`);
      else assert.ok(cg.residual > 1e-9 && cg.notes.some((note) => /did not converge/.test(note)));
    }
  }
});

test('n equidistant points (a precomputed matrix): Mag = n / (1 + (n − 1)e^{−td})', () => {
  for (const n of [2, 5, 50, 300]) {
    const d = 0.8;
    const data = new Float64Array(n * n).fill(d);
    for (let i = 0; i < n; i++) data[i * n + i] = 0;
    const space: MetricSpace = matrixSpace({ n, data });
    for (const t of [0.5, 2, 10]) {
      const exact = n / (1 + (n - 1) * Math.exp(-t * d));
      assert.ok(relativeError(weightingVectorCholesky(space, t).magnitude, exact) <= 1e-9, `cholesky n = ${n}, t = ${t}`);
      const cg = weightingVectorCg(space, t, { tol: 1e-10 });
      assert.ok(cg.converged && relativeError(cg.magnitude, exact) <= 1e-10, `cg n = ${n}, t = ${t}`);
      const sparse = weightingVectorSparse(space, t, { tol: 1e-10 });
      assert.ok(relativeError(sparse.magnitude, exact) <= 1e-9, `sparse n = ${n}, t = ${t}`);
    }
  }
});

test('a fine grid on [0, L] approaches 1 + L/2', () => {
  const L = 10;
  let previousError = Infinity;
  for (const n of [50, 200, 800]) {
    const xs = Array.from({ length: n }, (_, i) => (L * i) / (n - 1));
    const magnitude = weightingVectorCholesky(pointSpace(line(xs)), 1).magnitude;
    const error = Math.abs(magnitude - (1 + L / 2));
    const h = L / (n - 1);
    // 1 + (n−1)·tanh(h/2) = 1 + L/2 − L·h²/24 + O(h⁴)
    assert.ok(error <= (L * h * h) / 20, `n = ${n}: error ${error}`);
    assert.ok(error < previousError);
    previousError = error;
  }
});

test('a fine sample of a circle with its geodesic metric approaches l / (2(1 − e^{−l/2}))', () => {
  const l = 8;
  const limit = l / (2 * (1 - Math.exp(-l / 2)));
  let previousError = Infinity;
  for (const n of [40, 160, 640]) {
    const data = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const arc = (Math.abs(i - j) * l) / n;
        data[i * n + j] = Math.min(arc, l - arc);
      }
    }
    const magnitude = weightingVectorCholesky(matrixSpace({ n, data }), 1).magnitude;
    const error = Math.abs(magnitude - limit);
    assert.ok(error < previousError, `n = ${n}: error ${error} did not shrink`);
    // The trapezoid-like discretisation error is O(h²), h = l/n (measured ≈ 0.34·h² here).
    assert.ok(error <= 0.5 * (l / n) ** 2, `n = ${n}: error ${error}`);
    previousError = error;
  }
});

// The dense sweep over t with anchor factorizations: scales between anchors are solved by CG
// preconditioned with the anchor's Cholesky factor. Every scale must match the exact solve to
// the requested tolerance, say how it was served, and the sweep must factor fewer times than it
// has scales.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnchoredDenseSolver } from '../../src/core/magnitude/anchoredSweep';
import { weightingVectorCholesky } from '../../src/core/magnitude/cholesky';
import { magnitudeFunction } from '../../src/core/magnitude/magnitudeFunction';
import { pointSpace, type MetricSpace, type PointSet } from '../../src/core/magnitude/metrics';
import { KernelOperator, rmsResidualOf } from '../../src/core/magnitude/operator';
import { seededRng } from '../../src/core/random';

function uniformPoints(n: number, dim: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim, data: Float64Array.from({ length: n * dim }, () => rng()) };
}

/** ‖Zw − 1‖/√n by the plain JavaScript product, independent of the solver's operator. */
function trueResidual(space: MetricSpace, t: number, weights: Float64Array): number {
  const zw = new Float64Array(weights.length);
  new KernelOperator(space, t, false).apply(weights, zw);
  return rmsResidualOf(zw);
}

function norm(w: Float64Array): number {
  let s = 0;
  for (const x of w) s += x * x;
  return Math.sqrt(s);
}

for (const tol of [1e-10, 1e-6]) {
  test(`a warm dense sweep matches the exact solve at every scale to tol = ${tol}, and factors fewer times than it has scales`, () => {
    const points = uniformPoints(700, 2, 21);
    const space = pointSpace(points);
    const sweep = magnitudeFunction(space, { count: 24, solver: 'cholesky', maxExtensions: 0, tol });
    assert.equal(sweep.points.length, 24);
    const served = { factor: 0, pcg: 0 };
    for (const p of sweep.points) {
      assert.ok(p.method === 'factor' || p.method === 'pcg', `t = ${p.t}: method ${p.method}`);
      served[p.method!]++;
      assert.ok(p.anchor !== undefined && p.anchor <= p.t, `t = ${p.t}: anchor ${p.anchor}`);
      if (p.method === 'factor') assert.equal(p.anchor, p.t);
      const exact = weightingVectorCholesky(space, p.t, { threads: 1 });
      // |Mag − Mag*| = |w*ᵀ(Zw − 1)| ≤ ‖w*‖·√n·residual: the tolerance carried to the magnitude.
      const bound = norm(exact.weights) * Math.sqrt(points.n) * Math.max(p.residual, 1e-15) * 1.01 + 1e-12 * exact.magnitude;
      assert.ok(Math.abs(p.magnitude - exact.magnitude) <= bound, `t = ${p.t} (${p.method}): Mag ${p.magnitude} vs exact ${exact.magnitude}, bound ${bound}`);
      assert.ok(p.residual <= tol, `t = ${p.t}: residual ${p.residual} above ${tol}`);
    }
    assert.ok(served.pcg >= 3, `too few scales served by preconditioned CG: ${JSON.stringify(served)}`);
    assert.equal(sweep.factorizations, served.factor);
    assert.ok(sweep.factorizations < sweep.points.length, `${sweep.factorizations} factorizations for ${sweep.points.length} scales`);
  });
}

test('the preconditioned solves report their true residual, and a cold sweep factors every scale', () => {
  const points = uniformPoints(400, 3, 22);
  const space = pointSpace(points);
  const solver = new AnchoredDenseSolver(space, { tol: 1e-9 });
  const ts = [0.5, 0.6, 0.75, 0.9, 1.1];
  const results = ts.map((t) => solver.solve(t));
  assert.equal(results[0].method, 'factor');
  assert.ok(results.slice(1).some((r) => r.method === 'pcg'));
  results.forEach((r, i) => {
    const actual = trueResidual(space, ts[i], r.weights);
    assert.ok(actual <= 1e-9 * 1.05, `t = ${ts[i]}: true residual ${actual}`);
    if (r.method === 'pcg') assert.ok(Math.abs(actual - r.residual) <= 0.05 * actual + 1e-14, `t = ${ts[i]}: reported ${r.residual}, true ${actual}`);
  });
  const cold = magnitudeFunction(space, { ts, solver: 'cholesky', maxExtensions: 0, warmStart: false });
  assert.equal(cold.factorizations, ts.length);
  assert.ok(cold.points.every((p) => p.method === undefined));
});

test('when the anchor is too far, CG is abandoned within its budget and the scale is factored', () => {
  const space = pointSpace(uniformPoints(300, 2, 23));
  const solver = new AnchoredDenseSolver(space, { tol: 1e-12, maxIterations: 3 });
  solver.solve(0.3);
  const far = solver.solve(30);
  assert.equal(far.method, 'factor');
  assert.equal(far.anchor, 30);
  assert.ok(far.abandonedIterations > 0 && far.abandonedIterations <= 3, `abandoned ${far.abandonedIterations}`);
  assert.ok(far.notes.some((n) => /factored here/.test(n)), far.notes.join('; '));
  assert.ok(far.residual < 1e-13);
  assert.equal(solver.factorizations, 2);
});

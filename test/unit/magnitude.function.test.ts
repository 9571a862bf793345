// The magnitude function and its scales, and reading weights: boundary ranking and spread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  distanceMatrix, magnitudeFunction, pointSpace, spaceScales, SWEEP_TOLERANCE, topWeights, weightingVector, weightSpread,
  type PointSet,
} from '../../src/core/magnitude/index';
import { seededRng } from '../../src/core/random';

function uniformDisk(n: number, seed: number): { points: PointSet; radius: Float64Array } {
  const rng = seededRng(seed);
  const data = new Float64Array(2 * n);
  const radius = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = Math.sqrt(rng());
    const angle = 2 * Math.PI * rng();
    data[2 * i] = r * Math.cos(angle);
    data[2 * i + 1] = r * Math.sin(angle);
    radius[i] = r;
  }
  return { points: { n, dim: 2, data }, radius };
}

test('the magnitude function rises from ~1 to n and reports t_conv and the scattered scale', () => {
  const rng = seededRng(21);
  const n = 300;
  const space = pointSpace({ n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) });
  const result = magnitudeFunction(space, { count: 20 });
  assert.equal(result.n, n);
  assert.ok(result.points.length >= 20);
  for (let i = 1; i < result.points.length; i++) {
    assert.ok(result.points[i].t > result.points[i - 1].t);
    assert.ok(result.points[i].magnitude >= result.points[i - 1].magnitude - 1e-9, 'Mag(t) increases for Euclidean points');
  }
  assert.ok(result.points[0].magnitude < 3);
  // min d by brute force, and the scattered scale from it.
  const full = distanceMatrix(space);
  let minDistance = Infinity;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) minDistance = Math.min(minDistance, full.data[i * n + j]);
  assert.ok(Math.abs(result.minDistance - minDistance) < 1e-12);
  assert.ok(Math.abs(result.scatteredScale - Math.log(n - 1) / minDistance) < 1e-9 * result.scatteredScale);
  // Beyond the scattered scale every weight is positive.
  const scattered = weightingVector(space, result.scatteredScale);
  assert.equal(weightSpread(scattered.weights).negativeCount, 0);
  // t_conv: Mag = 0.95·n there (up to the interpolation between grid points).
  assert.ok(result.tConv !== null);
  const atConv = weightingVector(space, result.tConv).magnitude;
  assert.ok(Math.abs(atConv - 0.95 * n) < 0.02 * n, `Mag(t_conv) = ${atConv}`);
  assert.ok(result.suggestedScale.t > 0 && result.suggestedScale.t < result.tConv);
  assert.match(result.suggestedScale.reason, /√n/);
  assert.ok(Math.abs(spaceScales(space).minDistance - minDistance) < 1e-12);
});

test('t_conv is found by extending the grid, and a warm-started CG sweep costs less than cold solves', () => {
  const rng = seededRng(22);
  const n = 400;
  const space = pointSpace({ n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) });
  const ts = [2, 3, 4.5, 6.75, 10, 15];
  const warm = magnitudeFunction(space, { ts, solver: 'cg', tol: 1e-8, maxExtensions: 0 });
  const cold = magnitudeFunction(space, { ts, solver: 'cg', tol: 1e-8, maxExtensions: 0, warmStart: false });
  assert.ok(warm.totalIterations < cold.totalIterations, `warm ${warm.totalIterations} vs cold ${cold.totalIterations}`);
  for (let i = 0; i < ts.length; i++) assert.ok(Math.abs(warm.points[i].magnitude - cold.points[i].magnitude) < 1e-6 * cold.points[i].magnitude);
  assert.equal(warm.tConv, null);
  const extended = magnitudeFunction(space, { ts: [1, 2, 4] });
  assert.ok(extended.tConv !== null && extended.tConv > 4);
  assert.ok(extended.points.length > 3);
});

test('the sweep\'s CG stops at its own tolerance and reports the Galerkin Mag: second-order accurate, a lower bound, fewer iterations', () => {
  const rng = seededRng(23);
  const n = 400;
  const space = pointSpace({ n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) });
  const ts = [1, 1.5, 2.25, 3.4, 5, 7.6, 11.4];
  const exact = ts.map((t) => weightingVector(space, t, { solver: 'cholesky' }).magnitude);
  const sweep = magnitudeFunction(space, { ts, solver: 'cg', maxExtensions: 0 });
  const tight = magnitudeFunction(space, { ts, solver: 'cg', tol: 1e-8, maxExtensions: 0 });
  assert.ok(sweep.totalIterations < tight.totalIterations, `sweep ${sweep.totalIterations} vs tight ${tight.totalIterations} iterations`);
  for (let i = 0; i < ts.length; i++) {
    const p = sweep.points[i];
    assert.ok(p.residual <= SWEEP_TOLERANCE && p.residual > 1e-9, `t = ${ts[i]}: residual ${p.residual} is the sweep's, not 1e-8`);
    // Mag(w*) − (2Σw − wᵀZw) = ‖w − w*‖²_Z ≥ 0: never above the exact value (up to rounding).
    assert.ok(p.magnitude <= exact[i] * (1 + 1e-12), `t = ${ts[i]}: ${p.magnitude} above exact ${exact[i]}`);
    assert.ok(exact[i] - p.magnitude < 1e-8 * exact[i], `t = ${ts[i]}: Mag error ${(exact[i] - p.magnitude) / exact[i]} at residual ${p.residual}`);
  }
  // The same weights' Σw errs to first order: the estimate is what makes the loose tolerance safe.
  const t = ts[0];
  const loose = weightingVector(space, t, { solver: 'cg', tol: SWEEP_TOLERANCE, initial: weightingVector(space, 0.7, { solver: 'cholesky' }).weights });
  assert.ok(loose.magnitudeEstimate !== undefined);
  assert.ok(Math.abs(loose.magnitudeEstimate - exact[0]) <= Math.abs(loose.magnitude - exact[0]), `Galerkin ${loose.magnitudeEstimate} vs Σw ${loose.magnitude}, exact ${exact[0]}`);
});

test('boundary detection: on a uniformly sampled disk at the suggested scale, the top 10 % of weights lie in the outer ring', () => {
  const { points, radius } = uniformDisk(500, 11);
  const space = pointSpace(points);
  const sweep = magnitudeFunction(space, { count: 16 });
  const result = weightingVector(space, sweep.suggestedScale.t);
  const top = topWeights(result.weights, 50);
  const inRing = top.filter((p) => radius[p.index] > 0.8).length;
  // The ring r > 0.8 holds 36 % of the disk.
  assert.ok(inRing >= 47, `${inRing} of the top 50 weights lie in the outer ring`);
  // At t_conv the weights are nearly uniform and the ranking loses the boundary.
  const late = weightingVector(space, sweep.tConv!);
  const lateInRing = topWeights(late.weights, 50).filter((p) => radius[p.index] > 0.8).length;
  assert.ok(lateInRing < inRing);
});

test('topWeights and weightSpread', () => {
  const weights = Float64Array.from([0.5, 2, -1, 2, 0.1, 3, 0.2, 0.3, 0.4, 0.6]);
  assert.deepEqual(topWeights(weights, 3), [
    { index: 5, weight: 3 },
    { index: 1, weight: 2 },
    { index: 3, weight: 2 },
  ]);
  assert.deepEqual(topWeights(weights, 0), []);
  assert.equal(topWeights(weights, 100).length, 10);
  const spread = weightSpread(weights);
  assert.equal(spread.n, 10);
  assert.equal(spread.min, -1);
  assert.equal(spread.max, 3);
  assert.ok(Math.abs(spread.mean - 0.81) < 1e-12);
  assert.ok(Math.abs(spread.median - 0.45) < 1e-12);
  assert.equal(spread.negativeCount, 1);
  assert.ok(Math.abs(spread.top10PercentShare - 3 / 8.1) < 1e-12);
  assert.ok(spread.p90 > spread.p10);
});

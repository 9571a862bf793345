// Sinkhorn between point clouds: against exact OT in 1-D (the sorted matching), the divergence,
// the convergence report, the Monge gap, the Gaussian map and the input checks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mongeGap, planOf, sinkhornDivergencePoints, sinkhornPoints } from '../../src/core/transport/empirical';
import {
  applyAffine,
  checkClouds,
  empiricalGaussianMap,
  gaussiansSample,
  l2Uvp,
  totalVariance,
  TransportInputError,
  type Cloud,
} from '../../src/core/transport/points';
import { displacementStats, supportRecovery, AdaptiveIntensity } from '../../src/core/transport/sparsity';
import { seededRng, normal } from '../../src/core/random';

function cloud1d(values: number[]): Cloud {
  return { n: values.length, dim: 1, data: Float64Array.from(values) };
}

/** Exact W₂² between equal-size uniform clouds on a line: match the sorted points. */
function sortedMatching(x: number[], y: number[]): number {
  const a = [...x].sort((p, q) => p - q);
  const b = [...y].sort((p, q) => p - q);
  return a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / a.length;
}

test('1-D: the entropic cost approaches the exact sorted-matching cost as ε shrinks', () => {
  const rng = seededRng(3);
  const x = Array.from({ length: 60 }, () => normal(rng));
  const y = Array.from({ length: 60 }, () => 2 + 0.5 * normal(rng));
  const exact = sortedMatching(x, y);
  let previous = Infinity;
  for (const epsilon of [0.1, 0.03, 0.01]) {
    const r = sinkhornPoints(cloud1d(x), cloud1d(y), { epsilon });
    assert.equal(r.status, 'converged', r.warnings.join('; '));
    assert.ok(r.marginalError <= 1e-9);
    const gap = Math.abs(r.cost - exact) / exact;
    assert.ok(gap < previous, `the error shrinks with ε (${gap} at ε = ${epsilon})`);
    previous = gap;
  }
  assert.ok(previous < 2e-3, `cost within 0.2% of exact at ε = 0.01 (relative error ${previous})`);
});

test('the plan has the asked marginals and its cost is ⟨P, C⟩', () => {
  const rng = seededRng(5);
  const x: Cloud = { n: 30, dim: 2, data: Float64Array.from({ length: 60 }, () => normal(rng)) };
  const y: Cloud = { n: 40, dim: 2, data: Float64Array.from({ length: 80 }, () => normal(rng) + 1) };
  const r = sinkhornPoints(x, y, { epsilon: 0.05 });
  const plan = planOf(x, y, r);
  let cost = 0;
  const rows = new Float64Array(30);
  const cols = new Float64Array(40);
  for (let i = 0; i < 30; i++) {
    for (let j = 0; j < 40; j++) {
      const p = plan[i * 40 + j];
      rows[i] += p;
      cols[j] += p;
      cost += p * ((x.data[2 * i] - y.data[2 * j]) ** 2 + (x.data[2 * i + 1] - y.data[2 * j + 1]) ** 2);
    }
  }
  for (const v of rows) assert.ok(Math.abs(v - 1 / 30) < 1e-12);
  for (const v of cols) assert.ok(Math.abs(v - 1 / 40) < 1e-9);
  assert.ok(Math.abs(cost - r.cost) < 1e-12 * Math.max(1, cost));
  // ε-scaling and a cold start reach the same fixed point.
  const cold = sinkhornPoints(x, y, { epsilon: 0.05, epsilonScaling: false });
  assert.ok(Math.abs(cold.cost - r.cost) / r.cost < 1e-8);
});

test('a small ε with too few iterations is reported as not converged, never hidden', () => {
  const rng = seededRng(9);
  const x: Cloud = { n: 50, dim: 2, data: Float64Array.from({ length: 100 }, () => normal(rng)) };
  const y: Cloud = { n: 50, dim: 2, data: Float64Array.from({ length: 100 }, () => 3 * normal(rng)) };
  const r = sinkhornPoints(x, y, { epsilon: 1e-4, maxIterations: 3, epsilonScaling: false });
  assert.equal(r.status, 'not-converged');
  assert.equal(r.converged, false);
  assert.match(r.warnings[0], /did not converge at ε = 0.0001: marginal error .* after 3 iterations/);
  // At a tiny ε the cold start's kernel underflows: the rows are redone exactly and counted.
  const tiny = sinkhornPoints(x, y, { epsilon: 1e-4, epsilonScaling: false, maxIterations: 200 });
  assert.ok(tiny.underflowFallbacks > 0, 'underflowed rows are counted');
  assert.ok(tiny.warnings.some((w) => /underflowed/.test(w)));
  assert.ok(Number.isFinite(tiny.cost));
});

test('the Sinkhorn divergence is 0 between a cloud and itself and grows with the shift', () => {
  const rng = seededRng(11);
  const x: Cloud = { n: 40, dim: 2, data: Float64Array.from({ length: 80 }, () => normal(rng)) };
  const shifted = (s: number): Cloud => ({ n: 40, dim: 2, data: x.data.map((v, t) => (t % 2 === 0 ? v + s : v)) });
  const same = sinkhornDivergencePoints(x, x, { epsilon: 0.1 });
  assert.ok(Math.abs(same.divergence) < 1e-9, `S(x, x) = ${same.divergence}`);
  const small = sinkhornDivergencePoints(x, shifted(0.5), { epsilon: 0.1 }).divergence;
  const large = sinkhornDivergencePoints(x, shifted(2), { epsilon: 0.1 }).divergence;
  assert.ok(small > 0 && large > small);
  // A pure translation by s costs s² in W₂²; the debiased divergence recovers it closely.
  assert.ok(Math.abs(large - 4) / 4 < 0.02, `S = ${large} for a shift of 2`);
});

test('the Monge gap of the optimal map is about 0, of a wrong map clearly positive', () => {
  const s = gaussiansSample(200, 2, 1);
  const truth = applyAffine(s.map!, s.source);
  const epsilon = 0.01 * totalVariance(s.source);
  const right = mongeGap(s.source, truth, { epsilon });
  // A map with the right image law but the wrong pairing: the true map after swapping the points' order.
  const wrongData = new Float64Array(truth.data.length);
  for (let i = 0; i < 200; i++) wrongData.set(truth.data.subarray(((i + 100) % 200) * 2, ((i + 100) % 200) * 2 + 2), i * 2);
  const wrong = mongeGap(s.source, { n: 200, dim: 2, data: wrongData }, { epsilon });
  assert.ok(right.gap >= -1e-9, 'the gap is never negative');
  assert.ok(right.gap < 0.02 * right.displacementCost, `M(T*) = ${right.gap} against a displacement of ${right.displacementCost}`);
  assert.ok(wrong.gap > 1 && wrong.gap > 20 * right.gap, `M(wrong) = ${wrong.gap}, M(T*) = ${right.gap}`);
});

test('the Gaussian (Bures) map of two Gaussian samples is close to the true map', () => {
  const s = gaussiansSample(4000, 3, 2);
  const fresh = gaussiansSample(2000, 3, 7, 2);
  const estimate = applyAffine(empiricalGaussianMap(s.source, s.target), fresh.source);
  const uvp = l2Uvp(estimate, applyAffine(s.map!, fresh.source), totalVariance(fresh.target));
  assert.ok(uvp < 1, `L2-UVP ${uvp}%`);
  // The true map pushes the source onto the target law: their Sinkhorn divergence is small.
  const few = gaussiansSample(300, 3, 8, 2);
  const pushed = applyAffine(s.map!, few.source);
  const divergence = sinkhornDivergencePoints(pushed, few.target, { epsilon: 0.5, tolerance: 1e-6 });
  const before = sinkhornDivergencePoints(few.source, few.target, { epsilon: 0.5, tolerance: 1e-6 }).divergence;
  assert.ok(divergence.converged && divergence.divergence < 0.2 * before, `S(T*#μ, ν) = ${divergence.divergence} against S(μ, ν) = ${before}`);
});

test('bad input: different column counts, NaN, fewer than 2 points get errors naming file, line and column', () => {
  const a: Cloud = { n: 3, dim: 2, data: Float64Array.from([0, 1, 2, 3, 4, 5]) };
  const b: Cloud = { n: 3, dim: 3, data: new Float64Array(9) };
  assert.throws(() => checkClouds(a, b, { name: 'a.csv', columns: ['x', 'y'] }, { name: 'b.csv', columns: ['x', 'y', 'z'] }), (e: Error) => e instanceof TransportInputError && /a\.csv has 2 columns \(x, y\) but b\.csv has 3 \(x, y, z\)/.test(e.message));
  const nan: Cloud = { n: 3, dim: 2, data: Float64Array.from([0, 1, 2, NaN, 4, 5]) };
  assert.throws(() => checkClouds(a, nan, { name: 'a.csv' }, { name: 'b.csv', lines: Int32Array.from([2, 3, 4]), columns: ['x', 'y'] }), /b\.csv: line 3, column "y": expected a finite number, found NaN/);
  const one: Cloud = { n: 1, dim: 2, data: Float64Array.from([0, 1]) };
  assert.throws(() => checkClouds(one, a, { name: 'one.csv' }, { name: 'a.csv' }), /one\.csv: 1 point; transport needs at least 2/);
  assert.throws(() => sinkhornPoints(a, a, { epsilon: 0 }), /epsilon must be a positive number/);
});

test('displacement statistics, support recovery and the adaptive intensity schedule', () => {
  const source = Float64Array.from([0, 0, 0, 1, 1, 1]);
  const mapped = Float64Array.from([0.5, 0, 0.05, 1.5, 1, 1]);
  const stats = displacementStats(source, mapped, 2, 3, 0.1);
  assert.deepEqual(Array.from(stats.perCoordinate), [0.5, 0, 0.025]);
  assert.equal(stats.meanDimension, 1);
  assert.deepEqual(supportRecovery(stats.perCoordinate, 0.1, [0, 2]), { support: [0], precision: 1, recall: 0.5 });

  const schedule = new AdaptiveIntensity({ lambda: 1, warmup: 2, targetDim: 3, every: 2 });
  const seen: [number, string][] = [];
  for (const dim of [10, 10, 10, 10, 10, 10, 2, 2, 2, 2, 5, 5]) {
    seen.push([schedule.lambda, schedule.phase]);
    schedule.update(dim);
  }
  assert.deepEqual(seen.slice(0, 2), [[0, 'warm-up'], [0, 'warm-up']]);
  // ×1.5 every 2 steps while above the target, then annealed (×0.9) once below, raised again above it.
  assert.deepEqual(seen.map(([l]) => +l.toFixed(4)), [0, 0, 1, 1, 1.5, 1.5, 2.25, 2.25, 2.25, 2.25, 2.025, 2.025]);
  assert.equal(schedule.lambda.toFixed(4), '3.0375');
  assert.equal(schedule.phase, 'grow');
});

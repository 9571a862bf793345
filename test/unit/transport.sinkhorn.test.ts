import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explicitCost, lineGridCost, squaredEuclideanCost } from '../../src/core/transport/cost';
import type { CostMatrix } from '../../src/core/transport/cost';
import { oneDimensionalTransportCost } from '../../src/core/transport/exact1d';
import { denseGibbsKernel, separableGibbsKernel } from '../../src/core/transport/kernel';
import { sinkhorn, sinkhornAnnealed, sinkhornColumns, sinkhornDivergence, transportPlan } from '../../src/core/transport/sinkhorn';

function normalized(values: ArrayLike<number>): Float64Array {
  const h = Float64Array.from(values);
  const total = h.reduce((s, v) => s + v, 0);
  return h.map((v) => v / total);
}

function bumps(m: number, parts: [center: number, width: number, weight: number][], floor = 0): Float64Array {
  return normalized(
    Array.from({ length: m }, (_, i) => parts.reduce((s, [c, w, k]) => s + k * Math.exp(-((i - c) ** 2) / w), floor)),
  );
}

/** Exact OT between two uniform point clouds of equal size: the best of all permutations. */
function bestPermutationCost(cost: CostMatrix): number {
  const n = cost.size;
  let best = Infinity;
  const used = new Array<boolean>(n).fill(false);
  const search = (row: number, sum: number): void => {
    if (sum >= best) return;
    if (row === n) {
      best = sum;
      return;
    }
    for (let j = 0; j < n; j++) {
      if (used[j]) continue;
      used[j] = true;
      search(row + 1, sum + cost.values[row * n + j] / n);
      used[j] = false;
    }
  };
  search(0, 0);
  return best;
}

test('marginals of the Sinkhorn plan match a and b', () => {
  const cost = lineGridCost(0, 1, 30);
  const a = bumps(30, [[8, 10, 1]]);
  const b = bumps(30, [[20, 5, 1], [3, 2, 0.5]]);
  b[29] = 0; // zeros in b are allowed
  const bn = normalized(b);
  const result = sinkhorn(denseGibbsKernel(cost, 0.01), a, bn, { tolerance: 1e-12 });
  assert.equal(result.converged, true);
  assert.ok(result.marginalError <= 1e-12);
  const plan = transportPlan(cost, 0.01, result.f, result.g);
  for (let i = 0; i < 30; i++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < 30; j++) {
      row += plan[i * 30 + j];
      col += plan[j * 30 + i];
    }
    assert.ok(Math.abs(row - a[i]) < 1e-11);
    assert.ok(Math.abs(col - bn[i]) < 1e-11);
  }
  // cost and objective agree with the explicit plan.
  let transportCost = 0;
  let entropic = 0;
  for (let t = 0; t < plan.length; t++) {
    transportCost += plan[t] * cost.values[t];
    if (plan[t] > 0) entropic += plan[t] * cost.values[t] + 0.01 * plan[t] * (Math.log(plan[t]) - 1);
  }
  assert.ok(Math.abs(result.cost - transportCost) < 1e-12);
  assert.ok(Math.abs(result.objective - entropic) < 1e-11);
});

test('Sinkhorn approaches the exact 1-D OT cost as ε → 0', () => {
  const m = 50;
  const cost = lineGridCost(0, 1, m);
  const a = bumps(m, [[12, 18, 1], [30, 8, 0.3]]);
  const b = bumps(m, [[35, 30, 1]], 0.002);
  const exact = oneDimensionalTransportCost(a, b, cost);
  const errors: number[] = [];
  let g: Float64Array | undefined;
  for (const epsilon of [0.03, 0.01, 0.003, 0.001]) {
    const result = sinkhorn(denseGibbsKernel(cost, epsilon), a, b, { tolerance: 1e-9, initialG: g });
    assert.equal(result.converged, true, `ε = ${epsilon}`);
    g = result.g;
    // The entropic plan is feasible, so its cost is never below the optimum.
    assert.ok(result.cost >= exact - 1e-9);
    errors.push((result.cost - exact) / exact);
  }
  for (let i = 1; i < errors.length; i++) assert.ok(errors[i] < errors[i - 1], `errors ${errors}`);
  assert.ok(errors[errors.length - 1] < 5e-4, `relative error ${errors[errors.length - 1]}`);
});

test('Sinkhorn matches the best permutation for uniform 2-D point clouds as ε → 0', () => {
  const from = [0, 0, 1, 0.2, 0.3, 1.1, 1.4, 1.3, 0.7, 0.5];
  const to = [0.2, 0.4, 1.5, 0.1, 0.9, 1.6, 0.1, 1.5, 1.2, 0.8];
  const n = 5;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) values[i * n + j] = (from[2 * i] - to[2 * j]) ** 2 + (from[2 * i + 1] - to[2 * j + 1]) ** 2;
  }
  const cost = explicitCost(values, n);
  const exact = bestPermutationCost(cost);
  const uniform = new Float64Array(n).fill(1 / n);
  // Uniform point clouds are Sinkhorn's slow case; ε-scaling makes it converge.
  const schedule = Array.from({ length: 14 }, (_, i) => 0.5 / 1.5 ** i);
  const result = sinkhornAnnealed((epsilon) => denseGibbsKernel(cost, epsilon), uniform, uniform, schedule, {
    tolerance: 1e-9,
    maxIterations: 3000,
  });
  assert.equal(result.converged, true);
  assert.ok(Math.abs(result.cost - exact) < 1e-6 * exact, `${result.cost} vs ${exact}`);
  assert.throws(() => sinkhornAnnealed((e) => denseGibbsKernel(cost, e), uniform, uniform, []), /empty/);
});

test('the Sinkhorn divergence is 0 for equal inputs and positive otherwise', () => {
  const m = 40;
  const kernel = denseGibbsKernel(lineGridCost(-12, 12, m), 0.025);
  const a = bumps(m, [[10, 20, 1]], 0.001);
  const nearby = bumps(m, [[12, 20, 1]], 0.001);
  const far = bumps(m, [[28, 20, 1]], 0.001);
  const same = sinkhornDivergence(kernel, a, a);
  assert.ok(Math.abs(same) < 1e-12, `S(a, a) = ${same}`);
  const near = sinkhornDivergence(kernel, a, nearby);
  const distant = sinkhornDivergence(kernel, a, far);
  assert.ok(near > 0 && distant > near, `${near}, ${distant}`);
  assert.ok(Math.abs(sinkhornDivergence(kernel, far, a) - distant) < 1e-9, 'symmetric');
  // Unlike OT_ε itself, which is not 0 at a = b.
  assert.ok(Math.abs(sinkhorn(kernel, a, a).objective) > 1e-3);

  // Also on an image grid with the separable kernel, and with zeros in the histograms.
  const image = separableGibbsKernel(6, 5, 0.05);
  const x = normalized(Array.from({ length: 30 }, (_, i) => (i % 4 === 0 ? 0 : 1 + (i % 3))));
  const y = normalized(Array.from({ length: 30 }, (_, i) => (i < 15 ? 1 : 0.2)));
  assert.ok(Math.abs(sinkhornDivergence(image, x, x)) < 1e-12);
  assert.ok(sinkhornDivergence(image, x, y) > 0);
});

test('batched Sinkhorn equals one run per column', () => {
  const m = 25;
  const kernel = denseGibbsKernel(squaredEuclideanCost(Array.from({ length: m }, (_, i) => Math.sqrt(i))), 0.05);
  const pairs = [
    [bumps(m, [[5, 4, 1]]), bumps(m, [[20, 9, 1]])],
    [bumps(m, [[12, 30, 1]]), bumps(m, [[2, 3, 1], [22, 3, 1]])],
  ];
  const A = new Float64Array(m * 2);
  const B = new Float64Array(m * 2);
  pairs.forEach(([a, b], c) => {
    for (let i = 0; i < m; i++) {
      A[i * 2 + c] = a[i];
      B[i * 2 + c] = b[i];
    }
  });
  const batch = sinkhornColumns(kernel, A, B, 2, { tolerance: 1e-12 });
  assert.equal(batch.converged, true);
  pairs.forEach(([a, b], c) => {
    const single = sinkhorn(kernel, a, b, { tolerance: 1e-12 });
    assert.ok(Math.abs(single.cost - batch.cost[c]) < 1e-10);
    assert.ok(Math.abs(single.objective - batch.objective[c]) < 1e-10);
  });
});

test('exact 1-D transport: a shift moves all the mass by the shift', () => {
  const cost = lineGridCost(0, 9, 10, { scaleToMeanOne: false });
  const a = Float64Array.from([0, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0]);
  const b = Float64Array.from([0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0]);
  assert.ok(Math.abs(oneDimensionalTransportCost(a, b, cost) - 4) < 1e-12);
  assert.equal(oneDimensionalTransportCost(a, a, cost), 0);
  // (½ at 0, ½ at 9) → (½ at 4, ½ at 5): each half moves 4, at cost 16.
  const split = Float64Array.from([0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0.5]);
  const middle = Float64Array.from([0, 0, 0, 0, 0.5, 0.5, 0, 0, 0, 0]);
  assert.ok(Math.abs(oneDimensionalTransportCost(split, middle, cost) - (0.5 * 16 + 0.5 * 16)) < 1e-12);
  assert.throws(() => oneDimensionalTransportCost(a.subarray(1), b, cost), /10 bins/);
});

test('Sinkhorn rejects bad histograms and reports non-convergence', () => {
  const kernel = denseGibbsKernel(lineGridCost(0, 1, 3), 0.1);
  assert.throws(() => sinkhorn(kernel, Float64Array.from([0.5, -0.1, 0.6]), Float64Array.from([0.2, 0.3, 0.5])), /finite and ≥ 0/);
  assert.throws(() => sinkhorn(kernel, new Float64Array(2), new Float64Array(3)), /3 × 1/);
  const capped = sinkhorn(kernel, Float64Array.from([0.9, 0.05, 0.05]), Float64Array.from([0.05, 0.05, 0.9]), {
    maxIterations: 1,
    tolerance: 1e-15,
  });
  assert.equal(capped.converged, false);
  assert.equal(capped.iterations, 1);
  assert.ok(capped.marginalError > 1e-15);
});

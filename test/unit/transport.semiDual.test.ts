import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageGridCost, lineGridCost } from '../../src/core/transport/cost';
import { denseGibbsKernel, logSumExp, separableGibbsKernel } from '../../src/core/transport/kernel';
import type { GibbsKernel } from '../../src/core/transport/kernel';
import { EntropicSemiDual, entropicSemiDual } from '../../src/core/transport/semiDual';
import { sinkhorn, sinkhornColumns } from '../../src/core/transport/sinkhorn';
import { seededRng } from '../../src/core/random';

/** A random histogram with some exact zeros. */
function histogram(m: number, seed: number, zeroEvery = 7): Float64Array {
  const rng = seededRng(seed);
  const h = Float64Array.from({ length: m }, (_, i) => (i % zeroEvery === 3 ? 0 : rng()));
  const total = h.reduce((s, v) => s + v, 0);
  return h.map((v) => v / total);
}

function bump(m: number, center: number, width: number, floor = 0): Float64Array {
  const h = Float64Array.from({ length: m }, (_, i) => Math.exp(-((i - center) ** 2) / width) + floor);
  const total = h.reduce((s, v) => s + v, 0);
  return h.map((v) => v / total);
}

function relativeError(approx: Float64Array, exact: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < exact.length; i++) {
    num += (approx[i] - exact[i]) ** 2;
    den += exact[i] ** 2;
  }
  return Math.sqrt(num / den);
}

function kernelsFor(epsilon: number): [string, GibbsKernel][] {
  return [
    ['1-D grid, dense', denseGibbsKernel(lineGridCost(-12, 12, 30), epsilon)],
    ['6×5 image, separable', separableGibbsKernel(6, 5, epsilon)],
  ];
}

for (const epsilon of [0.025, 0.0025]) {
  test(`semi-dual gradient matches central finite differences (ε = ${epsilon})`, () => {
    for (const [name, kernel] of kernelsFor(epsilon)) {
      const m = kernel.size;
      const a = histogram(m, 4);
      const rng = seededRng(5);
      // |g| up to 3: g/ε reaches 1200, where e^{g/ε} overflows; the log domain must not.
      const g = Float64Array.from({ length: m }, () => 6 * rng() - 3);
      const grad = new Float64Array(m);
      const value = entropicSemiDual(kernel, a, g, grad);
      assert.ok(Number.isFinite(value), `${name}: value ${value}`);
      const h = 1e-3 * epsilon;
      const finiteDifferences = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const up = g.slice();
        const down = g.slice();
        up[j] += h;
        down[j] -= h;
        finiteDifferences[j] = (entropicSemiDual(kernel, a, up) - entropicSemiDual(kernel, a, down)) / (2 * h);
      }
      const error = relativeError(finiteDifferences, grad);
      assert.ok(error <= 1e-5, `${name}: relative error ${error}`);
      // The gradient is the best-response histogram b, with the mass of a.
      assert.ok(grad.every((v) => v >= 0));
      assert.ok(Math.abs(grad.reduce((s, v) => s + v, 0) - 1) < 1e-12);
    }
  });
}

test('semi-dual value and gradient equal the formula written with plain log-sum-exps', () => {
  // Two regimes: moderate g/ε (the shifted fast path) and g/ε spread over thousands, where the
  // shifted sums underflow far from the largest g and the exact log-domain fallback is used.
  const m = 30;
  const cost = lineGridCost(-12, 12, m);
  for (const [epsilon, spread] of [
    [0.025, 0.5],
    [0.0025, 6],
  ]) {
    const kernel = denseGibbsKernel(cost, epsilon);
    const a = histogram(m, 12);
    const rng = seededRng(13);
    const g = Float64Array.from({ length: m }, () => spread * (rng() - 0.5));
    const logKg = new Float64Array(m);
    const terms = new Float64Array(m);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) terms[j] = (g[j] - cost.values[i * m + j]) / epsilon;
      logKg[i] = logSumExp(terms);
    }
    let expected = 0;
    for (let i = 0; i < m; i++) if (a[i] > 0) expected -= epsilon * a[i] * (Math.log(a[i]) - logKg[i] - 1);
    const expectedGrad = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < m; i++) terms[i] = a[i] > 0 ? Math.log(a[i]) - logKg[i] - cost.values[i * m + j] / epsilon : -Infinity;
      expectedGrad[j] = Math.exp(g[j] / epsilon + logSumExp(terms));
    }
    const grad = new Float64Array(m);
    const value = entropicSemiDual(kernel, a, g, grad);
    assert.ok(Math.abs(value - expected) < 1e-12 * (1 + Math.abs(expected)), `ε = ${epsilon}: ${value} vs ${expected}`);
    for (let j = 0; j < m; j++) assert.ok(Math.abs(grad[j] - expectedGrad[j]) < 1e-13, `ε = ${epsilon}, j = ${j}`);
  }
});

test('semi-dual value: Fenchel–Young equality with a Sinkhorn computation of OT_ε', () => {
  // OT*_ε(a, g) = max_b ⟨g, b⟩ − OT_ε(a, b), attained at b* = ∇OT*_ε(a, g). So for any g,
  // OT*_ε(a, g) = ⟨g, b*⟩ − OT_ε(a, b*), with OT_ε(a, b*) from an independent Sinkhorn run;
  // and Sinkhorn's potential for (a, b*) is g itself, up to a constant.
  for (const epsilon of [0.1, 0.025]) {
    const kernel = denseGibbsKernel(lineGridCost(-12, 12, 40), epsilon);
    const a = histogram(40, 8);
    const rng = seededRng(9);
    const g = Float64Array.from({ length: 40 }, () => rng() - 0.5);
    const bStar = new Float64Array(40);
    const value = entropicSemiDual(kernel, a, g, bStar);
    const transport = sinkhorn(kernel, a, bStar, { tolerance: 1e-13, maxIterations: 100_000 });
    assert.equal(transport.converged, true);
    let pairing = 0;
    for (let j = 0; j < 40; j++) pairing += g[j] * bStar[j];
    assert.ok(Math.abs(value - (pairing - transport.objective)) < 1e-10, `${value} vs ${pairing - transport.objective}`);
    const offset = transport.g[0] - g[0];
    for (let j = 0; j < 40; j++) assert.ok(Math.abs(transport.g[j] - g[j] - offset) < 1e-8);
  }
});

test('semi-dual at the Sinkhorn potential: value = ⟨g, b⟩ − OT_ε(a, b) and gradient = b', () => {
  for (const epsilon of [0.1, 0.025, 0.0025]) {
    const kernel = denseGibbsKernel(lineGridCost(-12, 12, 40), epsilon);
    const a = bump(40, 10, 20, 0.01);
    a[0] = 0; // a zero in a: 0 · log 0 = 0
    const total = a.reduce((s, v) => s + v, 0);
    a.forEach((v, i) => (a[i] = v / total));
    const b = bump(40, 28, 10);
    const transport = sinkhorn(kernel, a, b, { tolerance: 1e-13, maxIterations: 100_000 });
    assert.equal(transport.converged, true, `ε = ${epsilon}`);
    const grad = new Float64Array(40);
    const value = entropicSemiDual(kernel, a, transport.g, grad);
    let pairing = 0;
    for (let j = 0; j < 40; j++) pairing += transport.g[j] * b[j];
    assert.ok(Math.abs(value - (pairing - transport.objective)) < 1e-10, `ε = ${epsilon}: ${value} vs ${pairing - transport.objective}`);
    for (let j = 0; j < 40; j++) assert.ok(Math.abs(grad[j] - b[j]) < 1e-10);
  }
});

test('the batched semi-dual is the sum over columns, and zero columns of a cost nothing', () => {
  const kernel = separableGibbsKernel(4, 4, 0.01);
  const m = 16;
  const columns = 3;
  const a = new Float64Array(m * columns);
  const g = new Float64Array(m * columns);
  const rng = seededRng(2);
  const singles: number[] = [];
  const singleGrads: Float64Array[] = [];
  for (let c = 0; c < columns; c++) {
    const ac = histogram(m, 20 + c, 5);
    const gc = Float64Array.from({ length: m }, () => rng() - 0.5);
    for (let i = 0; i < m; i++) {
      a[i * columns + c] = ac[i];
      g[i * columns + c] = gc[i];
    }
    const grad = new Float64Array(m);
    singles.push(entropicSemiDual(kernel, ac, gc, grad));
    singleGrads.push(grad);
  }
  const semiDual = new EntropicSemiDual(kernel);
  const grad = new Float64Array(m * columns);
  const total = semiDual.evaluate(a, g, grad, columns);
  assert.ok(Math.abs(total - singles.reduce((s, v) => s + v, 0)) < 1e-12);
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < m; i++) assert.ok(Math.abs(grad[i * columns + c] - singleGrads[c][i]) < 1e-14);
  }
  // Reusing the same instance gives the same answer (its scratch is reset properly).
  assert.equal(semiDual.evaluate(a, g, null, columns), total);
  // a = 0: value 0 and gradient 0.
  const zeroGrad = new Float64Array(m).fill(7);
  assert.equal(entropicSemiDual(kernel, new Float64Array(m), g.subarray(0, m), zeroGrad), 0);
  assert.ok(zeroGrad.every((v) => v === 0));
});

test('the semi-dual matches a batched Sinkhorn on an image grid', () => {
  // The separable path end to end: potentials from sinkhornColumns on a 5×4 image.
  const kernel = separableGibbsKernel(5, 4, 0.05);
  const cost = imageGridCost(5, 4);
  const m = 20;
  const A = new Float64Array(m * 2);
  const B = new Float64Array(m * 2);
  for (let c = 0; c < 2; c++) {
    const a = histogram(m, 30 + c, 6);
    const b = histogram(m, 40 + c, 100);
    for (let i = 0; i < m; i++) {
      A[i * 2 + c] = a[i];
      B[i * 2 + c] = b[i];
    }
  }
  const transport = sinkhornColumns(kernel, A, B, 2, { tolerance: 1e-13, maxIterations: 100_000 });
  assert.equal(transport.converged, true);
  const grad = new Float64Array(m * 2);
  const value = new EntropicSemiDual(kernel).evaluate(A, transport.g, grad, 2);
  let pairing = 0;
  // g = −Infinity where b = 0 (no mass goes there): those terms are 0.
  for (let t = 0; t < m * 2; t++) if (B[t] > 0) pairing += transport.g[t] * B[t];
  assert.ok(transport.g.some((v) => v === -Infinity));
  const objective = transport.objective[0] + transport.objective[1];
  assert.ok(Math.abs(value - (pairing - objective)) < 1e-10);
  for (let t = 0; t < m * 2; t++) assert.ok(Math.abs(grad[t] - B[t]) < 1e-10);
  // ⟨P, C⟩ from the separable planCost equals the dense plan's.
  const dense = sinkhornColumns(denseGibbsKernel(cost, 0.05), A, B, 2, { tolerance: 1e-13, maxIterations: 100_000 });
  for (let c = 0; c < 2; c++) assert.ok(Math.abs(dense.cost[c] - transport.cost[c]) < 1e-10);
});

test('a fixed marginal gives the same value and gradient, with its entropy terms summed once', () => {
  const m = 30;
  const columns = 5;
  const kernel = denseGibbsKernel(lineGridCost(-3, 3, m), 0.01);
  const a = new Float64Array(m * columns);
  for (let c = 0; c < columns; c++) {
    const h = histogram(m, 40 + c, 5 + c);
    for (let i = 0; i < m; i++) a[i * columns + c] = h[i];
  }
  const rng = seededRng(8);
  const g = Float64Array.from({ length: m * columns }, () => 0.2 * (rng() - 0.5));
  const plain = new EntropicSemiDual(kernel);
  const gradPlain = new Float64Array(m * columns);
  const valuePlain = plain.evaluate(a, g, gradPlain, columns);
  const fixed = new EntropicSemiDual(kernel);
  fixed.fixMarginal(a, columns);
  const gradFixed = new Float64Array(m * columns);
  const valueFixed = fixed.evaluate(a, g, gradFixed, columns);
  assert.ok(Math.abs(valueFixed - valuePlain) <= 1e-12 * Math.abs(valuePlain), `${valueFixed} vs ${valuePlain}`);
  assert.deepEqual(Array.from(gradFixed), Array.from(gradPlain));
  // Another marginal (or the same one with another column count) is not mistaken for it.
  const b = a.map((v) => v);
  const gradOther = new Float64Array(m * columns);
  assert.ok(Math.abs(fixed.evaluate(b, g, gradOther, columns) - valuePlain) <= 1e-12 * Math.abs(valuePlain));
  assert.throws(() => fixed.fixMarginal(new Float64Array(3), columns), /must hold/);
});

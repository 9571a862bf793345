import { test } from 'node:test';
import assert from 'node:assert/strict';
import { column, multiply, normalizeColumns } from '../../src/core/factorize/dense';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { nmf } from '../../src/core/factorize/nmf';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { negativeEntropy, randomHistogramInit, wassersteinNmf } from '../../src/core/factorize/wassersteinNmf';
import { lineGridCost } from '../../src/core/transport/cost';
import { oneDimensionalTransportCost } from '../../src/core/transport/exact1d';
import { denseGibbsKernel, separableGibbsKernel } from '../../src/core/transport/kernel';
import { sinkhornColumns } from '../../src/core/transport/sinkhorn';

interface AtomShape {
  /** Grid position of the atom's largest bin. */
  mode: number;
  /** Fraction of the atom's mass within 3 of its mode. */
  nearMode: number;
}

function atomShapes(D: DenseMatrix, grid: Float64Array): AtomShape[] {
  return Array.from({ length: D.cols }, (_, a) => {
    const atom = column(D, a);
    let best = 0;
    for (let i = 1; i < atom.length; i++) if (atom[i] > atom[best]) best = i;
    let total = 0;
    let near = 0;
    for (let i = 0; i < atom.length; i++) {
      total += atom[i];
      if (Math.abs(grid[i] - grid[best]) <= 3) near += atom[i];
    }
    return { mode: grid[best], nearMode: near / total };
  });
}

function assertHistogramColumns(matrix: DenseMatrix, label: string): void {
  assert.ok(matrix.values.every((v) => v >= 0 && Number.isFinite(v)), `${label} is non-negative`);
  for (let j = 0; j < matrix.cols; j++) {
    const sum = column(matrix, j).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${label} column ${j} sums to ${sum}`);
  }
}

test('the 1-D reference example: Wasserstein atoms are bumps at −6, 0, 6; Frobenius atoms are not', () => {
  // Reference settings (EVALUATION.md): 100 bins on [−12, 12], 100 mixtures, k = 3,
  // ε = 0.025 with C scaled to mean 1, ρ1 = ρ2 = 0.05, 10 outer iterations, L-BFGS up to 250
  // iterations with g_tol 1e-4.
  const { X, grid, centers } = gaussianMixtureSample({ seed: 1 });
  const kernel = denseGibbsKernel(lineGridCost(-12, 12, 100), 0.025);
  const started = performance.now();
  const result = wassersteinNmf(X, kernel, {
    k: 3,
    rho1: 0.05,
    rho2: 0.05,
    outerIterations: 10,
    lbfgs: { maxIterations: 250, gradTol: 1e-4 },
    seed: 1,
  });
  const seconds = (performance.now() - started) / 1000;
  const evaluations = result.steps.reduce((s, step) => s + step.lbfgs.evaluations, 0);
  console.log(`1-D reference W-NMF: ${seconds.toFixed(1)} s, ${evaluations} objective evaluations`);

  assertHistogramColumns(result.D, 'D');
  assertHistogramColumns(result.Lambda, 'Λ');
  assert.equal(result.steps.length, 20);
  assert.equal(result.history.length, 10);
  for (const step of result.steps) {
    assert.ok(step.lbfgs.evaluations > 0 && Number.isFinite(step.objective), `step ${step.outer} ${step.block}`);
    assert.ok(step.lbfgs.converged || step.lbfgs.status === 'max-iterations', step.lbfgs.reason);
  }
  // The objective falls overall (inner solves are inexact, so allow tiny rises late on).
  assert.ok(result.history[9] < result.history[0]);
  for (let i = 1; i < result.steps.length; i++) {
    const rise = result.steps[i].objective - result.steps[i - 1].objective;
    assert.ok(rise < 1e-3 * Math.abs(result.steps[i - 1].objective), `objective rose by ${rise} at step ${i}`);
  }

  const wasserstein = atomShapes(result.D, grid).sort((p, q) => p.mode - q.mode);
  wasserstein.forEach((atom, i) => {
    assert.ok(Math.abs(atom.mode - centers[i]) <= 0.75, `Wasserstein atom ${i} peaks at ${atom.mode}, not near ${centers[i]}`);
    assert.ok(atom.nearMode >= 0.9, `Wasserstein atom ${i} is a localized bump (${atom.nearMode} of its mass near its mode)`);
  });

  // Frobenius NMF on the same data: the translated bumps smear each atom over several bumps.
  const frobenius = nmf(X, { k: 3, loss: 'frobenius', seed: 1, maxIterations: 1000, tolerance: 1e-8 });
  const frobeniusAtoms = normalizeColumns(frobenius.D);
  const pointwise = atomShapes(frobeniusAtoms, grid);
  const meanNear = (atoms: AtomShape[]) => atoms.reduce((s, atom) => s + atom.nearMode, 0) / atoms.length;
  assert.ok(Math.min(...pointwise.map((atom) => atom.nearMode)) < 0.9, 'some Frobenius atom is not a localized bump');
  assert.ok(meanNear(pointwise) < meanNear(wasserstein) - 0.1, `${meanNear(pointwise)} vs ${meanNear(wasserstein)}`);

  // And the Wasserstein reconstructions are closer to the data in exact transport cost.
  const cost = lineGridCost(-12, 12, 100);
  const transportCost = (reconstruction: DenseMatrix): number => {
    const histograms = normalizeColumns(reconstruction);
    let total = 0;
    for (let j = 0; j < X.cols; j++) total += oneDimensionalTransportCost(column(X, j), column(histograms, j), cost);
    return total / X.cols;
  };
  const wassersteinCost = transportCost(multiply(result.D, result.Lambda));
  const frobeniusCost = transportCost(multiply(frobenius.D, frobenius.Lambda));
  console.log(`mean W2² of the reconstructions: Wasserstein ${wassersteinCost.toFixed(4)}, Frobenius ${frobeniusCost.toFixed(4)}`);
  assert.ok(wassersteinCost < frobeniusCost);
});

test('Wasserstein NMF on an image grid with the separable kernel: histograms, deterministic, objective by duality', () => {
  // Two 4×4 images made of two blobs; k = 2, a few cheap iterations.
  const width = 4;
  const height = 4;
  const m = width * height;
  const n = 6;
  const X = { rows: m, cols: n, values: new Float64Array(m * n) };
  for (let j = 0; j < n; j++) {
    const left = (j + 1) / (n + 1);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const blobA = Math.exp(-((r - 0.5) ** 2 + (c - 0.5) ** 2));
        const blobB = Math.exp(-((r - 2.5) ** 2 + (c - 2.5) ** 2));
        X.values[(r * width + c) * n + j] = left * blobA + (1 - left) * blobB + 0.01;
      }
    }
  }
  const kernel = separableGibbsKernel(width, height, 0.05);
  const options = { k: 2, rho1: 0.05, rho2: 0.05, outerIterations: 3, lbfgs: { maxIterations: 100, gradTol: 1e-6 }, seed: 7 };
  const result = wassersteinNmf(X, kernel, options);
  assertHistogramColumns(result.D, 'D');
  assertHistogramColumns(result.Lambda, 'Λ');
  assert.equal(result.outerIterations, 3);
  assert.ok(result.history[2] <= result.history[0]);

  // The duality-based objective equals Σ OT_ε(X_i, (DΛ)_i) + ρ1 E(Λ) + ρ2 E(D), up to the
  // inner solver's tolerance: check it with Sinkhorn.
  const last = result.steps[result.steps.length - 1];
  const fit = sinkhornColumns(kernel, normalizeColumns({ ...X, values: X.values.slice() }).values, multiply(result.D, result.Lambda).values, n, {
    tolerance: 1e-12,
    maxIterations: 100_000,
  });
  const primal = fit.objective.reduce((s, v) => s + v, 0) + 0.05 * negativeEntropy(result.Lambda.values) + 0.05 * negativeEntropy(result.D.values);
  assert.ok(Math.abs(primal - last.objective) < 1e-4 * Math.abs(primal), `${primal} vs ${last.objective}`);

  const again = wassersteinNmf(X, kernel, options);
  assert.deepEqual(Array.from(again.D.values), Array.from(result.D.values));
  assert.deepEqual(again.history, result.history);

  let steps = 0;
  const stopped = wassersteinNmf(X, kernel, { ...options, onStep: () => ++steps === 3 });
  assert.equal(stopped.stopped, true);
  assert.equal(stopped.steps.length, 3);
});

test('Wasserstein NMF checks its inputs', () => {
  const kernel = denseGibbsKernel(lineGridCost(0, 1, 4), 0.1);
  const X = { rows: 4, cols: 2, values: Float64Array.from([1, 0, 1, 0, 1, 0, 1, 0]) };
  assert.throws(() => wassersteinNmf(X, kernel, { k: 2 }), /column 2 of X is all zeros/);
  const ok = { rows: 4, cols: 2, values: new Float64Array(8).fill(1) };
  assert.throws(() => wassersteinNmf(ok, denseGibbsKernel(lineGridCost(0, 1, 5), 0.1), { k: 2 }), /5 bins but X has 4 rows/);
  assert.throws(() => wassersteinNmf(ok, kernel, { k: 2, rho1: 0 }), /rho1 and rho2/);
  assert.throws(() => wassersteinNmf(ok, kernel, { k: 2, init: randomHistogramInit(4, 3, 2) }), /init must be/);
});

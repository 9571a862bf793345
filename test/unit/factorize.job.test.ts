import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRowCombination, multiplyTransposedInto } from '../../src/core/factorize/dense';
import {
  checkConfig,
  checkGrid,
  defaultFactorizeConfig,
  factorize,
  factorizeIterations,
  formatGrid,
  gridKernel,
  gridPositions,
  inferGrid,
  parseGrid,
  reconstructionTransportLoss,
  type FactorizeProgress,
} from '../../src/core/factorize/job';
import { nmf } from '../../src/core/factorize/nmf';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { wassersteinNmf, wassersteinNmfIterations } from '../../src/core/factorize/wassersteinNmf';
import { float64VectorOps, lbfgsIterations, minimizeLbfgs, type Objective } from '../../src/core/optim/lbfgs';
import { DenseGibbsKernel, SeparableGibbsKernel, denseGibbsKernel } from '../../src/core/transport/kernel';
import { lineGridCost } from '../../src/core/transport/cost';
import { seededRng } from '../../src/core/random';

test('grids: parsed, formatted, inferred from the row count, and checked against it', () => {
  assert.deepEqual(parseGrid('line:-12:12'), { kind: 'line', lo: -12, hi: 12 });
  assert.deepEqual(parseGrid('image:28x28'), { kind: 'image', width: 28, height: 28 });
  assert.deepEqual(parseGrid('image:3×2'), { kind: 'image', width: 3, height: 2 });
  assert.equal(formatGrid(parseGrid('line:0:1.5')), 'line:0:1.5');
  assert.equal(formatGrid({ kind: 'image', width: 14, height: 14 }), 'image:14x14');
  for (const bad of ['line:1:1', 'line:a:2', 'line::2', 'image:0x3', 'image:3', 'square:3x3', '']) assert.throws(() => parseGrid(bad), RangeError, bad);
  // An image only when the rows are named as pixels; a square count alone stays a line.
  assert.deepEqual(inferGrid(784, Array.from({ length: 784 }, (_, i) => `pixel${i}`)), { kind: 'image', width: 28, height: 28 });
  assert.deepEqual(inferGrid(196, Array.from({ length: 196 }, (_, i) => `${Math.floor(i / 14) + 1}x${(i % 14) + 1}`)), { kind: 'image', width: 14, height: 14 });
  assert.deepEqual(inferGrid(784), { kind: 'line', lo: 0, hi: 783 });
  assert.deepEqual(inferGrid(100), { kind: 'line', lo: 0, hi: 99 });
  assert.deepEqual(inferGrid(99), { kind: 'line', lo: 0, hi: 98 });
  assert.throws(() => checkGrid({ kind: 'image', width: 28, height: 28 }, 196), /784 pixels, but the data has 196 rows/);
  assert.throws(() => checkGrid({ kind: 'line', lo: 0, hi: 1 }, 1), /at least 2 bins/);
  assert.deepEqual(Array.from(gridPositions({ kind: 'line', lo: -1, hi: 1 }, 3)), [-1, 0, 1]);
});

test('grid kernels: dense on a line, separable on an image; defaults follow the reference examples', () => {
  const line = gridKernel({ kind: 'line', lo: -12, hi: 12 }, 100, 0.025);
  assert.ok(line instanceof DenseGibbsKernel);
  assert.equal(line.size, 100);
  const image = gridKernel({ kind: 'image', width: 14, height: 14 }, 196, 0.0025);
  assert.ok(image instanceof SeparableGibbsKernel);
  assert.equal(image.size, 196);
  const lineDefaults = defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 });
  assert.deepEqual([lineDefaults.epsilon, lineDefaults.rho1, lineDefaults.rho2, lineDefaults.iterations, lineDefaults.innerIterations, lineDefaults.gradTol], [0.025, 0.05, 0.05, 10, 250, 1e-4]);
  const imageDefaults = defaultFactorizeConfig('wasserstein', { kind: 'image', width: 14, height: 14 }, 25);
  assert.deepEqual([imageDefaults.epsilon, imageDefaults.rho1, imageDefaults.k], [0.0025, 0.005, 25]);
  assert.equal(defaultFactorizeConfig('frobenius', { kind: 'line', lo: 0, hi: 1 }).iterations, 200);
  for (const [change, message] of [
    [{ k: 0 }, /k must be a positive integer/],
    [{ iterations: 1.5 }, /iterations must be a positive integer/],
    [{ epsilon: 0 }, /epsilon must be a positive number/],
    [{ rho2: -1 }, /rho2 must be a positive number/],
    [{ seed: -1 }, /seed must be a non-negative integer/],
    [{ loss: 'l1' }, /unknown loss/],
  ] as const) {
    assert.throws(() => checkConfig({ ...lineDefaults, ...change } as typeof lineDefaults), message);
  }
});

test('the Wasserstein job yields progress after every L-BFGS iteration and the factors after every outer iteration', () => {
  const { X } = gaussianMixtureSample({ bins: 40, observations: 12, seed: 2 });
  const config = { ...defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 }, 2), iterations: 3, innerIterations: 40 };
  const events: FactorizeProgress[] = [];
  const run = factorizeIterations(X, config);
  let next = run.next();
  while (!next.done) {
    events.push({ ...next.value, finished: next.value.finished && { ...next.value.finished, D: { ...next.value.finished.D, values: next.value.finished.D.values.slice() } } });
    next = run.next();
  }
  const result = next.value;
  assert.ok(events.length > 3 * 2, `${events.length} progress reports`);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].fraction >= events[i - 1].fraction, 'the fraction never goes back');
  assert.ok(events.every((e) => e.fraction >= 0 && e.fraction <= 1 && e.total === 3 && e.iteration >= 1 && e.iteration <= 3));
  assert.equal(events[events.length - 1].fraction, 1);
  const finished = events.filter((e) => e.finished !== null);
  assert.deepEqual(finished.map((e) => e.finished!.objective), result.history);
  assert.deepEqual(Array.from(finished[2].finished!.D.values), Array.from(result.D.values));
  assert.equal(result.iterations, 3);
  assert.equal(result.steps.length, 6);
  assert.match(result.reason, /L-BFGS steps/);

  // The same as the direct call, bit for bit.
  const direct = wassersteinNmf(X, gridKernel(config.grid, 40, config.epsilon), { k: 2, rho1: 0.05, rho2: 0.05, outerIterations: 3, lbfgs: { maxIterations: 40, gradTol: 1e-4 }, seed: 0 });
  assert.deepEqual(direct.history, result.history);
  assert.deepEqual(Array.from(direct.Lambda.values), Array.from(result.Lambda.values));
  assert.deepEqual(factorize(X, config).history, result.history);

  // Stopping: a caller that stops resuming (return()) ends the run between two steps.
  const partial = factorizeIterations(X, config);
  let seen = 0;
  for (const progress of partial) {
    if (progress.finished) seen++;
    if (seen === 1) break; // for…of calls return()
  }
  assert.deepEqual(partial.next(), { done: true, value: undefined });
});

test('the NMF job reports every iteration with its objective; the reconstruction error is ‖X − DΛ‖_F', () => {
  const { X } = gaussianMixtureSample({ bins: 30, observations: 20, seed: 4 });
  const config = { ...defaultFactorizeConfig('kl', { kind: 'line', lo: 0, hi: 1 }, 3), iterations: 25, tolerance: 0 };
  const objectives: number[] = [];
  const result = factorize(X, config, (p) => {
    if (p.finished) objectives.push(p.finished.objective);
  });
  assert.deepEqual(objectives, result.history.slice(1));
  const direct = nmf(X, { k: 3, loss: 'kl', maxIterations: 25, tolerance: 0, seed: 0 });
  assert.deepEqual(direct.history, result.history);
  let squared = 0;
  for (let i = 0; i < X.rows; i++) {
    for (let j = 0; j < X.cols; j++) {
      let v = 0;
      for (let a = 0; a < 3; a++) v += result.D.values[i * 3 + a] * result.Lambda.values[a * X.cols + j];
      squared += (X.values[i * X.cols + j] - v) ** 2;
    }
  }
  assert.ok(Math.abs(result.reconstructionError - Math.sqrt(squared)) < 1e-12);
  assert.throws(() => factorize(X, { ...config, grid: { kind: 'image', width: 5, height: 5 } }), /25 pixels, but the data has 30 rows/);
});

test('the transport loss of a reconstruction: small for X itself (only the entropic blur), larger for a shifted X', () => {
  const { X } = gaussianMixtureSample({ bins: 30, observations: 4, seed: 9 });
  const kernel = denseGibbsKernel(lineGridCost(-12, 12, 30), 0.025);
  const identity = { rows: 30, cols: 30, values: new Float64Array(900) };
  for (let i = 0; i < 30; i++) identity.values[i * 30 + i] = 1;
  const self = reconstructionTransportLoss(X, identity, X, kernel);
  const shift = { rows: 30, cols: 30, values: new Float64Array(900) };
  for (let i = 0; i < 30; i++) shift.values[((i + 3) % 30) * 30 + i] = 1;
  const shifted = reconstructionTransportLoss(X, shift, X, kernel);
  assert.ok(self.converged && shifted.converged);
  assert.ok(self.cost < 0.2 * shifted.cost, `${self.cost} vs ${shifted.cost}`);
  assert.ok(shifted.objective > self.objective);
});

test('lbfgsIterations yields every accepted step and returns what minimizeLbfgs returns', () => {
  const rosenbrock: Objective<Float64Array> = (x, g) => {
    const [a, b] = [x[0], x[1]];
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  };
  const x0 = Float64Array.from([-1.2, 1]);
  const direct = minimizeLbfgs(rosenbrock, x0, { gradTol: 1e-8 });
  const run = lbfgsIterations(float64VectorOps, rosenbrock, x0, { gradTol: 1e-8 });
  const fs: number[] = [];
  let next = run.next();
  while (!next.done) {
    fs.push(next.value.f);
    next = run.next();
  }
  assert.equal(fs.length, direct.iterations);
  assert.equal(next.value.f, direct.f);
  assert.deepEqual(Array.from(next.value.x), Array.from(direct.x));
  assert.ok(direct.converged);
  for (let i = 1; i < fs.length; i++) assert.ok(fs[i] <= fs[i - 1]);
});

test('wassersteinNmfIterations stops when its caller stops', () => {
  const { X } = gaussianMixtureSample({ bins: 20, observations: 6, seed: 3 });
  const kernel = denseGibbsKernel(lineGridCost(-12, 12, 20), 0.05);
  const run = wassersteinNmfIterations(X, kernel, { k: 2, outerIterations: 5, lbfgs: { maxIterations: 20 } });
  let inner = 0;
  for (const event of run) {
    if (event.kind === 'inner') inner++;
    if (inner === 7) break;
  }
  assert.equal(inner, 7);
  assert.equal(run.next().done, true);
});

test('the dense products behind the duals agree with plain loops', () => {
  const rng = seededRng(11);
  const rand = (n: number) => Float64Array.from({ length: n }, () => rng() - 0.3);
  for (const [rows, count, length] of [
    [3, 7, 5],
    [5, 4, 9],
    [2, 1, 3],
    [6, 13, 17],
  ]) {
    // out[o, :] += alpha Σ_j C[j, o] R[j, :], with C stored count × rows (stride rows)
    const C = rand(count * rows);
    C[0] = 0;
    const R = rand(count * length);
    const out = rand(rows * length);
    const expected = out.slice();
    for (let o = 0; o < rows; o++) {
      for (let t = 0; t < length; t++) {
        let s = 0;
        for (let j = 0; j < count; j++) s += C[j * rows + o] * R[j * length + t];
        expected[o * length + t] += -0.5 * s;
      }
      addRowCombination(out, o * length, -0.5, C, o, rows, R, 0, count, length);
    }
    for (let i = 0; i < out.length; i++) assert.ok(Math.abs(out[i] - expected[i]) < 1e-12);

    const A = rand(rows * length);
    const B = rand(count * length);
    const product = new Float64Array(rows * count);
    multiplyTransposedInto(A, rows, B, count, length, product, 2);
    for (let i = 0; i < rows; i++) {
      for (let r = 0; r < count; r++) {
        let s = 0;
        for (let t = 0; t < length; t++) s += A[i * length + t] * B[r * length + t];
        assert.ok(Math.abs(product[i * count + r] - 2 * s) < 1e-12);
      }
    }
  }
});

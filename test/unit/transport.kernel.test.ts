import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  explicitCost,
  imageGridCost,
  imageGridMeanCost,
  lineGridCost,
  linspace,
  scaleToMeanOne,
  squaredEuclideanCost,
} from '../../src/core/transport/cost';
import type { CostMatrix } from '../../src/core/transport/cost';
import { denseGibbsKernel, logSumExp, separableGibbsKernel } from '../../src/core/transport/kernel';
import type { GibbsKernel } from '../../src/core/transport/kernel';
import { normal, seededRng } from '../../src/core/random';

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Reference log(K e^v) for size × columns v, one plain log-sum-exp per entry. */
function naiveLogApply(cost: CostMatrix, epsilon: number, logV: Float64Array, columns: number, transpose = false): Float64Array {
  const m = cost.size;
  const out = new Float64Array(m * columns);
  const terms = new Float64Array(m);
  for (let c = 0; c < columns; c++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const cij = transpose ? cost.values[j * m + i] : cost.values[i * m + j];
        terms[j] = -cij / epsilon + logV[j * columns + c];
      }
      out[i * columns + c] = logSumExp(terms);
    }
  }
  return out;
}

/** max |x − y| / (1 + |y|) */
function maxRelativeGap(x: Float64Array, y: Float64Array): number {
  assert.equal(x.length, y.length);
  let gap = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    gap = Math.max(gap, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  }
  return gap;
}

test('grid costs are squared Euclidean, scaled to mean 1', () => {
  const line = lineGridCost(-12, 12, 100);
  assert.equal(line.size, 100);
  assert.ok(Math.abs(mean(line.values) - 1) < 1e-12);
  const unscaled = lineGridCost(-12, 12, 100, { scaleToMeanOne: false });
  const step = 24 / 99;
  assert.ok(Math.abs(unscaled.values[0 * 100 + 3] - 9 * step * step) < 1e-12);
  assert.ok(Math.abs(unscaled.values[5 * 100 + 5]) === 0);

  const image = imageGridCost(4, 3);
  assert.equal(image.size, 12);
  assert.ok(Math.abs(mean(image.values) - 1) < 1e-12);
  const raw = imageGridCost(4, 3, { scaleToMeanOne: false });
  // pixel (row 0, col 1) = bin 1, pixel (row 2, col 3) = bin 11: 2² + 2² = 8
  assert.equal(raw.values[1 * 12 + 11], 8);
  assert.ok(Math.abs(mean(raw.values) - imageGridMeanCost(4, 3)) < 1e-12);

  assert.deepEqual(Array.from(linspace(0, 1, 3)), [0, 0.5, 1]);
  const pts = squaredEuclideanCost([0, 0, 3, 4], 2, { scaleToMeanOne: false });
  assert.deepEqual(Array.from(pts.values), [0, 25, 25, 0]);
});

test('explicit costs are validated and optionally scaled', () => {
  const cost = explicitCost([0, 2, 4, 0], 2);
  assert.deepEqual(Array.from(cost.values), [0, 2, 4, 0]);
  assert.deepEqual(Array.from(explicitCost([0, 2, 4, 0], 2, { scaleToMeanOne: true }).values), [0, 4 / 3, 8 / 3, 0]);
  assert.throws(() => explicitCost([0, 1, 2], 2), /needs 4 values/);
  assert.throws(() => explicitCost([0, NaN, 1, 0], 2), /\(1, 2\) is not a finite number/);
  assert.deepEqual(Array.from(scaleToMeanOne({ size: 1, values: new Float64Array(1) }).values), [0]);
});

function randomMatrix(rows: number, cols: number, seed: number, spread: number): Float64Array {
  const rng = seededRng(seed);
  return Float64Array.from({ length: rows * cols }, () => spread * normal(rng));
}

function checkAgainstNaive(kernel: GibbsKernel, cost: CostMatrix, epsilon: number, columns: number, seed: number): void {
  const m = cost.size;
  // Wide dynamic range, and one column with −Infinity entries (zero mass there).
  const logV = randomMatrix(m, columns, seed, 30);
  for (let i = 0; i < m; i += 3) logV[i * columns] = -Infinity;
  for (const transpose of [false, true]) {
    const out = new Float64Array(m * columns);
    if (transpose) kernel.logApplyT(logV, out, columns);
    else kernel.logApply(logV, out, columns);
    const reference = naiveLogApply(cost, epsilon, logV, columns, transpose);
    assert.ok(out.every(Number.isFinite), 'log-domain apply stays finite');
    assert.ok(maxRelativeGap(out, reference) < 1e-12, `logApply${transpose ? 'T' : ''}: gap ${maxRelativeGap(out, reference)}`);
  }
  // The plain apply against the dense product with K = exp(−C/ε).
  const v = randomMatrix(m, columns, seed + 1, 1).map(Math.abs);
  const out = new Float64Array(m * columns);
  kernel.apply(v, out, columns);
  const expected = new Float64Array(m * columns);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const k = Math.exp(-cost.values[i * m + j] / epsilon);
      for (let c = 0; c < columns; c++) expected[i * columns + c] += k * v[j * columns + c];
    }
  }
  assert.ok(maxRelativeGap(out, expected) < 1e-13);
  kernel.applyT(v, out, columns);
  const expectedT = new Float64Array(m * columns);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      const k = Math.exp(-cost.values[j * m + i] / epsilon);
      for (let c = 0; c < columns; c++) expectedT[i * columns + c] += k * v[j * columns + c];
    }
  }
  assert.ok(maxRelativeGap(out, expectedT) < 1e-13);
}

test('the dense kernel matches a plain log-sum-exp, for large and tiny ε', () => {
  const rng = seededRng(3);
  // An asymmetric explicit cost, so the transposed methods are really tested.
  const m = 9;
  const cost = explicitCost(Float64Array.from({ length: m * m }, () => 3 * rng()), m);
  for (const epsilon of [0.5, 0.025, 0.0005]) {
    checkAgainstNaive(denseGibbsKernel(cost, epsilon), cost, epsilon, 3, 11);
  }
});

test('the separable image kernel equals the dense kernel on small grids', () => {
  for (const [width, height] of [
    [5, 4],
    [3, 1],
    [1, 6],
    [6, 6],
  ]) {
    const cost = imageGridCost(width, height);
    for (const epsilon of [0.2, 0.025, 0.001]) {
      const separable = separableGibbsKernel(width, height, epsilon);
      const dense = denseGibbsKernel(cost, epsilon);
      assert.equal(separable.size, width * height);
      checkAgainstNaive(separable, cost, epsilon, 2, width * 7 + height);
      checkAgainstNaive(dense, cost, epsilon, 2, width * 7 + height);
      // planCost: ⟨P, C⟩ for a plan given by potentials.
      const m = width * height;
      const logU = randomMatrix(m, 2, 5, 2);
      const logV = randomMatrix(m, 2, 6, 2);
      const fromSeparable = separable.planCost(logU, logV, 2);
      const fromDense = dense.planCost(logU, logV, 2);
      const direct = new Float64Array(2);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) {
          const c = cost.values[i * m + j];
          for (let col = 0; col < 2; col++) direct[col] += c * Math.exp(logU[i * 2 + col] - c / epsilon + logV[j * 2 + col]);
        }
      }
      assert.ok(maxRelativeGap(fromSeparable, direct) < 1e-11, `separable planCost ${fromSeparable} vs ${direct}`);
      assert.ok(maxRelativeGap(fromDense, direct) < 1e-12);
    }
  }
});

test('the separable kernel never forms a size × size matrix', () => {
  // 200 × 200 pixels: a dense kernel would need 40 000² doubles (12.8 GB).
  const kernel = separableGibbsKernel(200, 200, 0.01);
  const v = new Float64Array(kernel.size);
  v[200 * 100 + 100] = 1;
  const out = new Float64Array(kernel.size);
  kernel.apply(v, out);
  assert.equal(out[200 * 100 + 100], 1);
  const logV = new Float64Array(kernel.size).fill(-Infinity);
  logV[0] = 0;
  kernel.logApply(logV, out);
  assert.ok(out.every(Number.isFinite), 'no underflow to −Infinity far from the mass');
  // log K at the far corner: −(199² + 199²)/(s ε)
  const farCorner = -(2 * 199 * 199) / (imageGridMeanCost(200, 200) * 0.01);
  assert.ok(Math.abs(out[kernel.size - 1] - farCorner) < 1e-9 * Math.abs(farCorner));
});

test('kernel inputs are checked', () => {
  assert.throws(() => denseGibbsKernel(lineGridCost(0, 1, 3), 0), /epsilon must be positive/);
  assert.throws(() => separableGibbsKernel(0, 3, 0.1), /positive integers/);
  const kernel = denseGibbsKernel(lineGridCost(0, 1, 3), 0.1);
  assert.throws(() => kernel.apply(new Float64Array(2), new Float64Array(3)), /3 × 1 needed/);
});

test('the dense kernel\'s SIMD product is bitwise the JavaScript product, both directions, any column count', async () => {
  const { setWasmKernelEnabled } = await import('../../src/core/magnitude/wasmKernel');
  const rng = seededRng(8);
  for (const m of [1, 6, 13, 40]) {
    const cost = explicitCost(Float64Array.from({ length: m * m }, () => 3 * rng()), m);
    for (const columns of [1, 3, 8, 37]) {
      const v = Float64Array.from({ length: m * columns }, (_, i) => (i % 5 === 0 ? 0 : Math.exp(normal(rng))));
      const results: Float64Array[] = [];
      for (const simd of [true, false]) {
        setWasmKernelEnabled(simd);
        const kernel = denseGibbsKernel(cost, 0.05); // a fresh kernel: the choice is made at first use
        for (const transpose of [false, true]) {
          const out = new Float64Array(m * columns).fill(Number.NaN);
          results.push(transpose ? kernel.applyT(v, out, columns) : kernel.apply(v, out, columns));
          results.push(transpose ? kernel.logApplyT(v, new Float64Array(m * columns), columns) : kernel.logApply(v, new Float64Array(m * columns), columns));
        }
      }
      setWasmKernelEnabled(true);
      for (let r = 0; r < 4; r++) assert.deepEqual(results[r], results[r + 4], `m = ${m}, ${columns} columns, result ${r}`);
    }
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { imputeLinear, imputeMean, imputeNeighbor } from '../../src/core/impute/baselines';
import { evaluate } from '../../src/core/impute/metrics';
import { countTargets, hideEntries, maskProtocol, splitLabels, TEST, temporalSplitRows, truthTargets, VALIDATION } from '../../src/core/impute/protocol';
import { runImputation } from '../../src/core/impute/job';
import { cellToLatLng, gridDistance, gridRing } from 'h3-js';
import { placeOf } from '../../src/core/geo/h3';
import { trafficSample } from '../../src/core/sample';

function matrix(rows: number[][], missing: [number, number][] = [], times = false): MaskedMatrix {
  const m = createMaskedMatrix(rows.length, rows[0].length, times ? { times: Float64Array.from(rows, (_, i) => Date.UTC(2024, 0, 1, i)) } : {});
  rows.forEach((r, i) => r.forEach((v, j) => {
    m.values[i * m.cols + j] = v;
    m.observed[i * m.cols + j] = 1;
  }));
  for (const [i, j] of missing) {
    m.values[i * m.cols + j] = 0;
    m.observed[i * m.cols + j] = 0;
  }
  return m;
}

test('masking hides exactly round(r * nonzero observed) entries, reproducibly, never a zero', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), (rows, cols, ratio, seed) => {
      const m = createMaskedMatrix(rows, cols);
      let nonzero = 0;
      for (let k = 0; k < m.values.length; k++) {
        m.observed[k] = k % 7 === 3 ? 0 : 1;
        m.values[k] = m.observed[k] && k % 3 !== 0 ? k : 0;
        if (m.observed[k] && m.values[k] !== 0) nonzero++;
      }
      const a = hideEntries(m, { ratio, seed });
      const b = hideEntries(m, { ratio, seed });
      assert.deepEqual(a, b, 'same seed, same mask');
      assert.equal(countTargets(a), Math.round(ratio * nonzero));
      for (let k = 0; k < a.length; k++) if (a[k]) assert.ok(m.observed[k] && m.values[k] !== 0);
    }),
    { numRuns: 200 },
  );
});

test('masking can hide any observed entry when asked, and seeds differ', () => {
  const m = matrix([[0, 0, 1], [0, 2, 0]]);
  const any = hideEntries(m, { ratio: 1, seed: 1, among: 'observed' });
  assert.equal(countTargets(any), 6);
  const big = trafficSample().matrix;
  assert.notDeepEqual(hideEntries(big, { ratio: 0.5, seed: 1 }), hideEntries(big, { ratio: 0.5, seed: 2 }));
});

test('temporal split is 70/15/15 in order; without times, entries split at random', () => {
  assert.deepEqual(temporalSplitRows(100), { train: [0, 70], validation: [70, 85], test: [85, 100] });
  const timed = matrix(Array.from({ length: 20 }, () => [1, 2]), [], true);
  const labels = splitLabels(timed, { seed: 0 });
  assert.equal(labels[13 * 2], 0);
  assert.equal(labels[14 * 2], VALIDATION);
  assert.equal(labels[19 * 2 + 1], TEST);
  const untimed = matrix(Array.from({ length: 40 }, () => Array(25).fill(1)));
  const r = splitLabels(untimed, { seed: 3 });
  const counts = [0, 0, 0];
  r.forEach((l) => counts[l]++);
  assert.deepEqual(counts, [700, 150, 150]);
  // Random, not row blocks: the test entries are spread over the rows.
  const testRows = new Set<number>();
  r.forEach((l, k) => l === TEST && testRows.add(Math.floor(k / 25)));
  assert.ok(testRows.size > 30);
});

test('truth targets: present in the truth, missing in the input, in the chosen months', () => {
  const input = matrix([[1, 2], [3, 4], [5, 6]], [[0, 1], [1, 0], [2, 0]], true);
  const truth = matrix([[1, 2], [3, 4], [5, 6]], [[2, 0]], true);
  input.times![1] = Date.UTC(2024, 2, 5); // row 1 in March
  truth.times![1] = input.times![1];
  assert.deepEqual([...truthTargets(input, truth)], [0, 1, 1, 0, 0, 0]);
  assert.deepEqual([...truthTargets(input, truth, [3])], [0, 0, 1, 0, 0, 0]);
  const other = matrix([[1, 2, 3]]);
  assert.throws(() => truthTargets(input, other), /shape 1 x 3, expected 3 x 2/);
});

test('metrics: MAE, RMSE, MSE, MRE, zero and nonzero losses, and per column', () => {
  const truth = Float64Array.from([0, 2, 4, 0]);
  const pred = Float64Array.from([1, 2, 1, 0]);
  const m = evaluate(pred, truth, Uint8Array.from([1, 1, 1, 0]), 2);
  assert.equal(m.count, 3);
  assert.equal(m.mae, 4 / 3);
  assert.equal(m.mse, 10 / 3);
  assert.equal(m.rmse, Math.sqrt(10 / 3));
  assert.equal(m.mre, 4 / 6);
  assert.deepEqual([m.zero.count, m.zero.mae], [1, 1]);
  assert.deepEqual([m.nonzero.count, m.nonzero.mae, m.nonzero.mse], [2, 1.5, 4.5]);
  assert.deepEqual(m.perColumn.map((c) => [c.count, c.mae]), [[2, 2], [1, 0]]);
});

test('column mean fills from observed entries only', () => {
  const m = matrix([[1, 10], [3, 0], [100, 20]], [[2, 0], [1, 1]]);
  const out = imputeMean(m);
  assert.deepEqual([...out], [1, 10, 3, 15, 2, 20]);
});

test('linear interpolation is exact on linear signals, and carries values at the edges', () => {
  const rows = Array.from({ length: 10 }, (_, i) => [2 * i + 1, 5]);
  const m = matrix(rows, [[0, 0], [3, 0], [4, 0], [5, 0], [9, 0], [0, 1]], true);
  const out = imputeLinear(m);
  assert.equal(out[3 * 2], 7);
  assert.equal(out[5 * 2], 11);
  assert.equal(out[0], 3, 'carried back from the first observation');
  assert.equal(out[9 * 2], 17, 'carried forward from the last');
  assert.equal(out[1], 5);
  // Irregular timestamps: interpolate by time, not by row.
  m.times![2] = m.times![1] + 1;
  const irregular = imputeLinear(m);
  const s = (m.times![3] - m.times![2]) / (m.times![6] - m.times![2]);
  assert.ok(Math.abs(irregular[3 * 2] - (5 + s * (13 - 5))) < 1e-12);
});

test('neighbour averaging without places: the 8 adjacent cells, widened when none is observed', () => {
  const m = matrix([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]], [[1, 1]]);
  assert.equal(imputeNeighbor(m)[1 * 4 + 1], (1 + 2 + 3 + 5 + 7 + 9 + 10 + 11) / 8);
  // Hide the whole ring around (0,0): the next ring answers.
  const w = matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[0, 0], [0, 1], [1, 0], [1, 1]]);
  assert.equal(imputeNeighbor(w)[0], (3 + 6 + 7 + 8 + 9) / 5);
});

test('neighbour averaging with places: the H3 grid disk, widened ring by ring', () => {
  // Five columns on cells at grid distances 0, 1, 2, 3 and 6 from the first.
  const res = 9;
  const base = placeOf(25.04, 121.56, res);
  const at = (cell: string) => {
    const [lat, lng] = cellToLatLng(cell);
    return placeOf(lat, lng, res);
  };
  const m = matrix([[10, 20, 30, 40, 50]], [[0, 0]]);
  m.places = [base, ...[1, 2, 3, 6].map((k) => at(gridRing(base.cell, k)[0]))];
  m.h3Resolution = res;
  const dist = m.places.map((p) => gridDistance(base.cell, p!.cell));
  assert.deepEqual(dist, [0, 1, 2, 3, 6], 'the fixture lays cells at these grid distances');
  const observedFrom = (j: number) => imputeNeighbor({ ...m, observed: Uint8Array.from([0, 1, 2, 3, 4].map((l) => (l >= j ? 1 : 0))) })[0];
  assert.equal(imputeNeighbor(m)[0], 20, 'ring 1 holds column 1 only');
  assert.equal(observedFrom(2), 30, 'ring 1 empty: widen to ring 2');
  assert.equal(observedFrom(3), 40);
  const sameCell = { ...m, places: [base, base, m.places[1], m.places[2], m.places[3]] };
  assert.equal(imputeNeighbor(sameCell)[0], (20 + 30) / 2, 'a sensor in the same cell and those in ring 1 are averaged');
  assert.equal(observedFrom(4), 50, 'the far column is used when nothing nearer is observed');
});

test('the job: the baselines beat the column mean on the sample where they should', () => {
  const { matrix: sample } = trafficSample();
  const mae = (method: 'neighbor' | 'mean' | 'linear') => runImputation(sample, { method, maskRatio: 0.8, seed: 0 }).metrics.mae;
  assert.ok(mae('neighbor') < mae('mean'));
  assert.ok(mae('linear') < mae('mean'));
  const job = runImputation(sample, { method: 'mean', maskRatio: 0.8, seed: 0 });
  assert.ok(job.imputed.observed.every((o) => o === 1), 'the output has no gaps');
  for (let k = 0; k < sample.values.length; k++) if (sample.observed[k]) assert.equal(job.imputed.values[k], sample.values[k], 'observed entries are kept');
  const setup = maskProtocol(sample, { maskRatio: 0.8, seed: 0 });
  for (let k = 0; k < setup.targets.length; k++) if (setup.targets[k]) assert.equal(setup.input.observed[k], 0, 'targets are hidden from the method');
});

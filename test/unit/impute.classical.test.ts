import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { imputeMean } from '../../src/core/impute/baselines';
import { imputeKnn } from '../../src/core/impute/knn';
import { candidatePeriods, imputeSeasonal } from '../../src/core/impute/seasonal';
import { softImpute, softImputePath, softImputeRefit } from '../../src/core/impute/softImpute';
import { runImputation } from '../../src/core/impute/job';
import { CLASSICAL_METHODS } from '../../src/core/impute/classical';
import { normal, seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';

function fromRows(rows: (number | null)[][], times?: Float64Array): MaskedMatrix {
  const m = createMaskedMatrix(rows.length, rows[0].length, times ? { times } : {});
  rows.forEach((r, i) =>
    r.forEach((v, j) => {
      if (v !== null) {
        m.values[i * m.cols + j] = v;
        m.observed[i * m.cols + j] = 1;
      }
    }),
  );
  return m;
}

function heldOutMae(pred: Float64Array, truth: Float64Array, hold: Uint8Array): number {
  let s = 0;
  let c = 0;
  for (let k = 0; k < pred.length; k++) {
    if (!hold[k]) continue;
    s += Math.abs(pred[k] - truth[k]);
    c++;
  }
  return s / c;
}

/** A rank-r matrix n × m with a fraction p observed; returns the input, the truth and the gaps. */
function lowRank(n: number, m: number, r: number, p: number, seed: number) {
  const rng = seededRng(seed);
  const a = Array.from({ length: n * r }, () => normal(rng));
  const b = Array.from({ length: m * r }, () => normal(rng));
  const input = createMaskedMatrix(n, m);
  const truth = new Float64Array(n * m);
  const hold = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let v = 5;
      for (let t = 0; t < r; t++) v += a[i * r + t] * b[j * r + t];
      truth[i * m + j] = v;
      if (rng() < p) {
        input.observed[i * m + j] = 1;
        input.values[i * m + j] = v;
      } else hold[i * m + j] = 1;
    }
  }
  return { input, truth, hold };
}

test('softImpute recovers a low-rank matrix from half its entries', () => {
  const { input, truth, hold } = lowRank(80, 40, 3, 0.5, 1);
  const path = softImputePath(input, { score: (p) => heldOutMae(p, truth, hold) });
  const meanMae = heldOutMae(imputeMean(input), truth, hold);
  assert.ok(path.score < 0.1 * meanMae, `softImpute MAE ${path.score} against the column mean's ${meanMae}`);
  // The path's scores fall as λ leaves λmax, and the refit at the chosen point reproduces it.
  assert.ok(path.path[0].score > path.score);
  assert.ok(heldOutMae(softImputeRefit(input, path.index), truth, hold) <= path.score * 1.001);
  // Observed entries are kept; a large λ gives a low rank, a λ above λmax gives rank 0.
  const big = softImpute(input, { lambda: 1e9 });
  assert.equal(big.rank, 0);
  for (let k = 0; k < truth.length; k++) if (input.observed[k]) assert.equal(big.prediction[k], truth[k]);
  assert.ok(softImpute(input, { lambda: path.lambda }).rank >= 3);
});

// Produced once with scikit-learn 1.x: KNNImputer(n_neighbors=5).fit_transform(input), with
// input = round(normal(size=(14, 5)) * 10, 2) from numpy default_rng(7), about 30% blanked,
// row 3 keeping only its first value and column 4 keeping 7 values.
const KNN_INPUT: (number | null)[][] = [
  [0.01, 2.99, -2.74, null, null], [-9.92, 0.6, 13.4, null, null], [4.9, 3.57, null, -9.3, -0.29], [6.95, null, null, null, null],
  [-18.42, -2.35, -12.67, 2.71, 1.57], [null, -25.17, null, null, 1.13], [-15.3, -4.78, -9.79, -8.09, null], [-8.08, -0.33, 8.84, -5.84, null],
  [1.1, null, -12.25, null, 13.59], [-15.47, null, 1.19, -6.41, 20.0], [7.62, -11.99, 0.75, 5.77, -1.89], [null, -0.67, null, 14.39, -6.76],
  [2.03, -4.63, null, -11.87, null], [-1.96, 8.99, 11.45, -13.24, null],
];
const KNN_SKLEARN: number[][] = [
  [0.01, 2.99, -2.74, -5.172, 4.93], [-9.92, 0.6, 13.4, -4.594, 2.526], [4.9, 3.57, 3.74, -9.3, -0.29], [6.95, -0.214, 1.21, -6.896, 6.596],
  [-18.42, -2.35, -12.67, 2.71, 1.57], [-4.054, -25.17, -6.554, 1.432, 1.13], [-15.3, -4.78, -9.79, -8.09, 6.596], [-8.08, -0.33, 8.84, -5.84, 2.526],
  [1.1, -2.968, -12.25, -5.98, 13.59], [-15.47, 1.494, 1.19, -6.41, 20.0], [7.62, -11.99, 0.75, 5.77, -1.89], [-5.758, -0.67, 1.516, 14.39, -6.76],
  [2.03, -4.63, 3.74, -11.87, 6.596], [-1.96, 8.99, 11.45, -13.24, 6.596],
];

test('the KNN imputer reproduces scikit-learn’s KNNImputer on a small table', () => {
  const out = imputeKnn(fromRows(KNN_INPUT));
  KNN_SKLEARN.flat().forEach((v, k) => assert.ok(Math.abs(out[k] - v) < 1e-9, `entry ${k}: ${out[k]} against sklearn's ${v}`));
  assert.throws(() => imputeKnn(fromRows(KNN_INPUT), { k: 0 }), /neighbours/);
});

test('the seasonal profile fills a periodic matrix from its daily shape, scaled to each column’s level', () => {
  // Hourly, 21 days, 4 columns: a daily shape times a level that drifts slowly per column.
  const rows = 24 * 21;
  const times = Float64Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1, i));
  const shape = (h: number) => 10 + 8 * Math.sin((2 * Math.PI * h) / 24) + (h === 8 || h === 17 ? 6 : 0);
  const rng = seededRng(4);
  const m = createMaskedMatrix(rows, 4, { times });
  const truth = new Float64Array(rows * 4);
  const hold = new Uint8Array(rows * 4);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < 4; j++) {
      const level = (j + 1) * (1 + 0.3 * (i / rows));
      const k = i * 4 + j;
      truth[k] = level * shape(i % 24);
      if (rng() < 0.6) {
        m.values[k] = truth[k];
        m.observed[k] = 1;
      } else hold[k] = 1;
    }
  }
  assert.deepEqual(candidatePeriods(times), ['day', 'week', 'none']);
  const seasonal = heldOutMae(imputeSeasonal(m, 'day'), truth, hold);
  const flat = heldOutMae(imputeSeasonal(m, 'none'), truth, hold);
  const mean = heldOutMae(imputeMean(m), truth, hold);
  assert.ok(seasonal < 0.1 * flat, `profile MAE ${seasonal} against the local level's ${flat}`);
  assert.ok(seasonal < 0.1 * mean);
  // No timestamps: no period to find.
  assert.deepEqual(candidatePeriods(null), ['none']);
  assert.deepEqual(candidatePeriods(Float64Array.from({ length: 10 }, (_, i) => Date.UTC(2024, 0, 1 + i))), ['none'], 'ten daily rows hold no two weeks');
  assert.deepEqual(candidatePeriods(Float64Array.from({ length: 30 }, (_, i) => Date.UTC(2024, 0, 1 + i))), ['week', 'none'], 'daily rows: day of week');
  assert.deepEqual(candidatePeriods(Float64Array.from({ length: 36 }, (_, i) => Date.UTC(2020, i, 1))), ['year', 'none'], 'monthly rows: month of year');
});

test('every classical method runs through the job on the sample and beats the column mean', () => {
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  const mean = runImputation(matrix, { method: 'mean' });
  for (const method of CLASSICAL_METHODS) {
    const job = runImputation(matrix, { method });
    assert.equal(job.params.method, method);
    assert.ok(job.imputed.observed.every((o) => o === 1));
    for (let k = 0; k < matrix.values.length; k++) if (matrix.observed[k]) assert.equal(job.imputed.values[k], matrix.values[k]);
    if (method !== 'mean') assert.ok(job.validation.mae < mean.validation.mae, `${method} validation MAE ${job.validation.mae} against the mean's ${mean.validation.mae}`);
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { downsample, etaSeconds, formatDuration, historyBefore, maskRatioSeries, stepsPerEpoch, stepsPerSecond, trainingCharts } from '../../webview/charts/trainingSeries';
import type { TrainPoint } from '../../src/protocol/impute';

// 4 steps per epoch, 10 steps a second, validation at epoch ends.
const points: TrainPoint[] = Array.from({ length: 10 }, (_, step) => ({
  step,
  epoch: Math.floor(step / 4),
  seconds: step / 10,
  loss: 1 / (step + 1),
  lossNonzero: 2 / (step + 1),
  lossZero: 0.5,
  weights: [1 + step / 100, 1 - step / 100],
  ...(step % 4 === 3 ? { validation: 5 - step / 4 } : {}),
}));

test('downsample keeps the first and the last and at most max items', () => {
  const items = Array.from({ length: 1001 }, (_, i) => i);
  const d = downsample(items, 100);
  assert.equal(d.length, 100);
  assert.equal(d[0], 0);
  assert.equal(d[99], 1000);
  assert.ok(d.every((v, i) => i === 0 || v > d[i - 1]), 'in order, no repeats');
  assert.deepEqual(downsample([1, 2, 3], 10), [1, 2, 3]);
  assert.deepEqual(downsample([1, 2, 3], 1), [3]);
  assert.deepEqual(downsample([], 5), []);
});

test('the chart series: losses, validation only at epoch ends, and the GradNorm weights against step', () => {
  const c = trainingCharts(points);
  assert.deepEqual(Array.from(c.loss[0].x), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(c.loss[1].x), [3, 7]);
  assert.deepEqual(Array.from(c.loss[1].y), [4.25, 3.25]);
  assert.deepEqual(Array.from(c.weights[0].y).slice(0, 2), [1, 1.01]);
  assert.deepEqual(Array.from(c.weights[1].y).slice(0, 2), [1, 0.99]);
  assert.equal(c.parts[0].y[1], 1);
  // Thinned, the validation points survive.
  const thin = trainingCharts(points, 3);
  assert.equal(thin.loss[0].x.length, 3);
  assert.deepEqual(Array.from(thin.loss[1].x), [3, 7]);
  assert.match(trainingCharts(points, 10, 'B: ').weights[0].name, /^B: w_nz/);
});

test('throughput, steps per epoch and ETA', () => {
  assert.ok(Math.abs(stepsPerSecond(points) - 10) < 1e-9);
  assert.ok(Number.isNaN(stepsPerSecond(points.slice(0, 1))));
  assert.equal(stepsPerEpoch(points, 99), 4);
  assert.equal(stepsPerEpoch(points.slice(0, 2), 99), 99, 'the estimate until an epoch ends');
  // 5 epochs of 4 steps = 20 steps; 10 done; 10 left at 10/s.
  assert.ok(Math.abs(etaSeconds(points, 5, 4) - 1) < 1e-9);
  assert.equal(etaSeconds(points, 2, 4), 0, 'never negative');
  assert.ok(Number.isNaN(etaSeconds([], 5, 4)));
  assert.equal(formatDuration(42.4), '42 s');
  assert.equal(formatDuration(125), '2 min 5 s');
  assert.equal(formatDuration(3720), '1 h 2 min');
  assert.equal(formatDuration(NaN), '–');
});

test('mask-ratio series are sorted by ratio; history before a checkpoint', () => {
  const row = (ratio: number, mae: number) => ({ ratio, targets: 1, mae, rmse: mae * 2, mse: 0, mre: 0, maeNonzero: 0, maeZero: 0 });
  const [mae, rmse] = maskRatioSeries([row(0.9, 3), row(0.5, 1)]);
  assert.deepEqual(Array.from(mae.x), [0.5, 0.9]);
  assert.deepEqual(Array.from(rmse.y), [2, 6]);
  assert.deepEqual(historyBefore(points, 4).map((p) => p.step), [0, 1, 2, 3]);
});

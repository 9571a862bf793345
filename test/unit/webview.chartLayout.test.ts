import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assignAxes, axisMargin, categoryTicks, chooseColourScale, clip, colourMapping, formatTick, labelWidth, legendLayout, thinned } from '../../webview/charts/layout';
import { rasterize } from '../../webview/charts/scales';

test('tick labels keep their leading digits, and the margin fits the longest', () => {
  assert.equal(formatTick(150000), '150k');
  assert.equal(formatTick(50000), '50k');
  assert.equal(formatTick(2_500_000), '2.5M');
  assert.equal(formatTick(12000), '12k');
  assert.equal(formatTick(9999), '9999');
  assert.equal(formatTick(0.25), '0.25');
  assert.equal(formatTick(0.00012), '1.2e-4');
  assert.equal(formatTick(-3.5), '-3.5');
  assert.equal(formatTick(0), '0');
  // The case: 150,000 at the top of a histogram must read whole, never a clipped "50,000".
  const labels = [0, 50000, 100000, 150000].map(formatTick);
  assert.ok(axisMargin(labels) >= labelWidth(labels) + 16);
  assert.ok(axisMargin(['1234567']) > axisMargin(['1']));
});

test('category labels: level when they fit, else rotated and thinned so none overlap', () => {
  const few = categoryTicks(['a', 'b', 'c'], 600);
  assert.deepEqual(few, { step: 1, rotate: false, height: 18 });
  const ids = Array.from({ length: 123 }, (_, i) => `sensor_${1000 + i}`);
  const many = categoryTicks(ids, 660);
  assert.equal(many.rotate, true);
  // Rotated labels stand at least a line and a half apart.
  assert.ok((660 / 123) * many.step >= 18, `step ${many.step}`);
  assert.ok(many.height > 50);
  assert.equal(thinned(ids, many.step).length, Math.ceil(123 / many.step));
  assert.equal(clip('a-very-long-column-name', 10), 'a-very-lo…');
  assert.equal(clip('short', 10), 'short');
});

test('quantities of other magnitudes go on a second axis; a series may ask for one', () => {
  const loss = { y: [0.9, 0.5, 0.3] };
  const mae = { y: [9.1, 8.2, 7.7] };
  assert.deepEqual(assignAxes([loss, mae]), ['left', 'right']);
  assert.deepEqual(assignAxes([loss, { y: [0.4, 0.2] }]), ['left', 'left']);
  assert.deepEqual(assignAxes([loss, { y: [0.4], axis: 'right' }]), ['left', 'right']);
  assert.deepEqual(assignAxes([{ y: [NaN] }, mae]), ['left', 'left']);
});

test('legend entries wrap into rows that fit the plot', () => {
  const at = legendLayout(['train loss', 'validation MAE (right axis)', 'L_nz'], 200);
  assert.deepEqual(at[0], { x: 0, row: 0 });
  assert.equal(at[1].row, 1);
  assert.ok(at.every((p) => p.x >= 0 && p.x < 200));
});

test('heavy-tailed counts get a log colour scale; spread values a linear one; tails below zero a quantile one', () => {
  // Traffic-like counts: most small, a few very large.
  const counts = Float64Array.from({ length: 1000 }, (_, i) => (i % 50 === 0 ? 5000 + i : i % 7));
  assert.equal(chooseColourScale(counts), 'log');
  const even = Float64Array.from({ length: 1000 }, (_, i) => i);
  assert.equal(chooseColourScale(even), 'linear');
  const signed = Float64Array.from(counts, (v) => v - 3);
  assert.equal(chooseColourScale(signed), 'quantile');
  // Missing entries do not count.
  assert.equal(chooseColourScale(Float64Array.from([1, 2, 3, 1e6]), Uint8Array.from([1, 1, 1, 0])), 'linear');
  const log = colourMapping('log', [0, 5999]);
  assert.equal(log.position(0), 0);
  assert.equal(log.position(5999), 1);
  // Where a linear scale puts 6 at 0.1% of the range, the log scale shows it at about a fifth.
  assert.ok(log.position(6) > 0.2 && log.position(6) < 0.3, String(log.position(6)));
  assert.deepEqual(log.ticks.slice(0, 3), [0, 1, 10]);
  const q = colourMapping('quantile', [0, 5999], counts);
  assert.ok(Math.abs(q.position(3) - 0.43) < 0.1, String(q.position(3)));
  assert.equal(q.position(1e9), 1);
  const lin = colourMapping('linear', [10, 20]);
  assert.equal(lin.position(15), 0.5);
  assert.deepEqual(lin.ticks, [10, 12.5, 15, 17.5, 20]);
});

test('the heatmap raster follows the colour scale', () => {
  const values = Float64Array.from([0, 6, 5999]);
  const linear = rasterize(3, 1, values, null, [0, 5999]);
  const log = rasterize(3, 1, values, null, [0, 5999], 8192, colourMapping('log', [0, 5999]).position);
  // The value 6 is as dark as 0 on the linear scale, and clearly lighter on the log one.
  assert.deepEqual(Array.from(linear.pixels.slice(4, 7)), Array.from(linear.pixels.slice(0, 3)));
  assert.notDeepEqual(Array.from(log.pixels.slice(4, 7)), Array.from(log.pixels.slice(0, 3)));
});

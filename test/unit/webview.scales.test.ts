import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellValueAt, clockwiseRing, colourTable, entryAt, entryKind, MISSING_RGB, observedExtent, rasterize, rgbBytes, valueHistogram } from '../../webview/charts/scales';

test('extent ignores missing entries and never collapses to a point', () => {
  assert.deepEqual(observedExtent(Float64Array.from([5, 0, -2, 100]), Uint8Array.from([1, 1, 1, 0])), [-2, 5]);
  assert.deepEqual(observedExtent(Float64Array.from([3, 3]), Uint8Array.from([1, 1])), [3, 4]);
  assert.deepEqual(observedExtent(Float64Array.from([3]), Uint8Array.from([0])), [0, 1]);
});

test('the histogram counts every observed value once', () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => i % 100);
  const observed = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 0 : 1));
  const bins = valueHistogram(values, observed, 10);
  assert.equal(bins.reduce((s, b) => s + b.count, 0), 900);
  assert.ok(bins.every((b) => b.x1 > b.x0));
});

test('rasterising: zero and missing never share a colour; wide matrices are averaged to fit', () => {
  const r = rasterize(2, 2, Float64Array.from([0, 10, 0, 0]), Uint8Array.from([1, 1, 0, 1]), [0, 10]);
  assert.deepEqual([r.width, r.height, r.rowsPerPixel], [2, 2, 1]);
  const px = (x: number, y: number) => [...r.pixels.slice((y * r.width + x) * 4, (y * r.width + x) * 4 + 3)];
  const table = colourTable();
  assert.deepEqual(px(0, 0), [...table.slice(0, 3)], 'zero gets the scale minimum');
  assert.deepEqual(px(1, 0), MISSING_RGB[1], 'the missing entry (row 1, column 0) gets the checkerboard grey');
  assert.deepEqual(px(0, 1), [...table.slice(255 * 3, 256 * 3)], 'the maximum');
  const grays = MISSING_RGB.map((g) => g.join());
  for (let i = 0; i < 256; i++) assert.ok(!grays.includes([...table.slice(i * 3, i * 3 + 3)].join()), 'no scale colour is a missing grey');
  const wide = rasterize(20000, 3, new Float64Array(60000), null, [0, 1], 8192);
  assert.equal(wide.rowsPerPixel, 3);
  assert.equal(wide.width, 6667);
});

test('hover inverts the zoom transform to the entry under the pointer', () => {
  const t = { x: -100, y: -50, k: 2 };
  // Each entry is 4 x 10 pixels before zoom; the point (100, 50) maps back to (100, 50) / 2.
  assert.deepEqual(entryAt(100, 50, t, 4, 10, 100, 20), { row: 25, col: 5 });
  assert.equal(entryAt(-500, 0, t, 4, 10, 100, 20), null);
});

test('entry kinds and the value a hexagon shows', () => {
  const observed = Uint8Array.from([1, 0, 1, 0]);
  const targets = Uint8Array.from([0, 0, 1, 0]);
  const imputed = Float64Array.from([1, 2, 3, 4]);
  assert.equal(entryKind(0, observed, targets, imputed), 'observed');
  assert.equal(entryKind(2, observed, targets, imputed), 'hidden');
  assert.equal(entryKind(1, observed, null, imputed), 'imputed');
  assert.equal(entryKind(1, observed, null, null), 'missing');
  const values = Float64Array.from([10, 0, 30, 0]);
  // Row 0 has columns 0 (observed 10) and 1 (missing): the hexagon shows the observed mean.
  assert.deepEqual(cellValueAt(0, [0, 1], 2, values, observed, targets, imputed), { value: 10, kind: 'observed' });
  // Row 1: column 0 hidden (predicted 3), column 1 missing: the hidden prediction is shown.
  assert.deepEqual(cellValueAt(1, [0, 1], 2, values, observed, targets, imputed), { value: 3, kind: 'hidden' });
  assert.deepEqual(cellValueAt(1, [1], 2, values, observed, null, null), { value: null, kind: 'missing' });
});

test('colours and rings', () => {
  assert.deepEqual(rgbBytes('rgb(68, 1, 84)'), [68, 1, 84]);
  assert.deepEqual(rgbBytes('#21918c'), [0x21, 0x91, 0x8c]);
  assert.throws(() => rgbBytes('blue'));
  assert.deepEqual(clockwiseRing([[0, 0], [1, 0], [1, 1]]), [[1, 1], [1, 0], [0, 0]]);
});

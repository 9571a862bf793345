import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asHistogram, columnOf, extentOf, imageRgba, reconstructedColumn, tileLayout, topWeights } from '../../webview/charts/factorViews';
import { colourTable } from '../../webview/charts/scales';

const D = { rows: 3, cols: 2, values: Float64Array.from([1, 0, 0, 1, 2, 3]) };
const L = { rows: 2, cols: 4, values: Float64Array.from([1, 0, 0.5, 0.2, 0, 1, 0.5, 0.8]) };

test('columns, reconstructions and weights of the factors', () => {
  assert.deepEqual(Array.from(columnOf(D, 1)), [0, 1, 3]);
  assert.throws(() => columnOf(D, 2), RangeError);
  assert.deepEqual(Array.from(reconstructedColumn(D, L, 0)), [1, 0, 2]);
  assert.deepEqual(Array.from(reconstructedColumn(D, L, 2)), [0.5, 0.5, 2.5]);
  assert.throws(() => reconstructedColumn(L, D, 0), /cannot multiply/);
  assert.deepEqual(Array.from(asHistogram(Float64Array.from([1, 3]))), [0.25, 0.75]);
  assert.deepEqual(Array.from(asHistogram(Float64Array.from([0, 0]))), [0, 0]);
  assert.deepEqual(topWeights(L, 3, 2), [[1, 0.8], [0, 0.2]]);
  assert.deepEqual(extentOf([3, NaN, -1]), [-1, 3]);
  assert.deepEqual(extentOf([2, 2]), [2, 4]);
  assert.deepEqual(extentOf([]), [0, 1]);
});

test('tile layouts wrap to the width and find the tile under a point', () => {
  const layout = tileLayout(10, 40, 5, 200, 10);
  assert.equal(layout.columns, 4);
  assert.equal(layout.rows, 3);
  assert.equal(layout.width, 4 * 40 + 3 * 5);
  assert.equal(layout.height, 3 * 50 + 2 * 5);
  assert.deepEqual(layout.origin(5), [45, 55]);
  assert.equal(layout.tileAt(46, 56), 5);
  assert.equal(layout.tileAt(42, 10), -1, 'in the gap');
  assert.equal(layout.tileAt(10, 45), -1, 'on the caption');
  assert.equal(layout.tileAt(100, 120), -1, 'past the last tile');
  assert.equal(tileLayout(3, 40, 5, 10).columns, 1);
});

test('images are coloured over the domain on the viridis table', () => {
  const table = colourTable();
  const pixels = imageRgba([0, 0.5, 1, 2], 2, 2, [0, 1], table);
  assert.equal(pixels.length, 16);
  assert.deepEqual(Array.from(pixels.slice(0, 4)), [table[0], table[1], table[2], 255]);
  const last = table.length - 3;
  assert.deepEqual(Array.from(pixels.slice(8, 11)), [table[last], table[last + 1], table[last + 2]]);
  assert.deepEqual(Array.from(pixels.slice(12, 15)), Array.from(pixels.slice(8, 11)), 'clamped above the domain');
  assert.throws(() => imageRgba([1], 2, 2, [0, 1], table), /1 values for a 2×2 image/);
});

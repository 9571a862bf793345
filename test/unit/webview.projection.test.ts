// The scatter's pure parts: view coordinates (columns, 3-D, PCA), rotation, fitting to the canvas,
// drawing order, the colour domain, hit testing and the log t slider.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  drawOrder, nearestPoint, project, rotation, sliderToT, tToSlider, viewCoordinates, viewModes, weightDomain,
} from '../../webview/charts/projection';
import { ball } from '../../src/core/points/samples';

test('viewModes: 2-D draws columns; 3-D rotates or picks; higher dimensions add a PCA plane', () => {
  assert.deepEqual(viewModes(1), ['columns']);
  assert.deepEqual(viewModes(2), ['columns']);
  assert.deepEqual(viewModes(3), ['rotate', 'columns']);
  assert.deepEqual(viewModes(10), ['rotate', 'pca2', 'columns']);
});

test('viewCoordinates: picked columns, 3-D as is, PCA for more, and 1-D against the weight', () => {
  const pts = { n: 2, dim: 3, data: Float64Array.from([1, 2, 3, 4, 5, 6]) };
  const pick = viewCoordinates(pts, ['a', 'b', 'c'], 'columns', [2, 0], null);
  assert.deepEqual([...pick.coords], [3, 1, 6, 4]);
  assert.deepEqual(pick.axes, ['c', 'a']);
  const rot = viewCoordinates(pts, ['a', 'b', 'c'], 'rotate', [0, 1], null);
  assert.equal(rot.k, 3);
  assert.deepEqual([...rot.coords], [1, 2, 3, 4, 5, 6]);
  const cloud = ball(300, { dim: 6, seed: 1 });
  const cache: { value?: import('../../src/core/embed/pca').PcaResult } = {};
  const three = viewCoordinates(cloud, ['1', '2', '3', '4', '5', '6'], 'rotate', [0, 1], null, cache);
  assert.equal(three.k, 3);
  assert.deepEqual(three.axes, ['PC1', 'PC2', 'PC3']);
  assert.ok(three.explained![0] >= three.explained![1] && three.explained![1] >= three.explained![2]);
  const two = viewCoordinates(cloud, ['1', '2', '3', '4', '5', '6'], 'pca2', [0, 1], null, cache);
  assert.equal(two.k, 2);
  for (let i = 0; i < 300; i++) assert.equal(two.coords[2 * i], three.coords[3 * i], 'the PCA is computed once and shared');
  const line = viewCoordinates({ n: 3, dim: 1, data: Float64Array.from([0, 1, 2]) }, ['x'], 'columns', [0, 0], Float64Array.from([0.6, 0.2, 0.6]));
  assert.deepEqual([...line.coords], [0, 0.6, 1, 0.2, 2, 0.6]);
});

test('rotation is orthonormal, and project fits both 2-D and 3-D views inside the box', () => {
  const r = rotation(0.7, -0.4);
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += r[a * 3 + k] * r[b * 3 + k];
      assert.ok(Math.abs(dot - (a === b ? 1 : 0)) < 1e-12);
    }
  }
  const flat = project({ coords: Float64Array.from([0, 0, 10, 5, 5, 2.5]), k: 2 }, 3, 200, 100, 10, null);
  assert.deepEqual([flat.x[0], flat.y[0]], [20, 90]);
  assert.deepEqual([flat.x[1], flat.y[1]], [180, 10]);
  assert.equal(flat.depth, null);
  const cloud = ball(200, { seed: 2 });
  for (const [yaw, pitch] of [[0, 0], [1, 0.5], [3, -1.2]]) {
    const p = project({ coords: cloud.data, k: 3 }, 200, 300, 200, 8, rotation(yaw, pitch));
    for (let i = 0; i < 200; i++) {
      assert.ok(p.x[i] >= 8 - 1e-3 && p.x[i] <= 292 + 1e-3 && p.y[i] >= 8 - 1e-3 && p.y[i] <= 192 + 1e-3, 'inside the box at every rotation');
    }
  }
});

test('drawOrder puts the far points, or the small weights, first', () => {
  assert.deepEqual([...drawOrder(3, Float32Array.from([2, -1, 0]), null)], [1, 2, 0]);
  assert.deepEqual([...drawOrder(3, null, [0.5, 0.1, 0.9])], [1, 0, 2]);
});

test('weightDomain clamps only a few extreme weights', () => {
  assert.deepEqual(weightDomain([1, 2, 3]), { domain: [1, 3], clamped: false });
  const even = Array.from({ length: 200 }, (_, i) => i / 200);
  assert.equal(weightDomain(even).clamped, false);
  const spiky = [...even, 40, -30];
  const d = weightDomain(spiky);
  assert.equal(d.clamped, true);
  assert.ok(d.domain[0] >= 0 && d.domain[1] < 1.01);
  assert.deepEqual(weightDomain([2, 2]).domain, [1.5, 2.5]);
});

test('nearestPoint finds the point under the cursor within the radius', () => {
  const p = { x: Float32Array.from([10, 50, 52]), y: Float32Array.from([10, 50, 50]), depth: null };
  assert.equal(nearestPoint(p, 11, 9, 5), 0);
  assert.equal(nearestPoint(p, 51.4, 50, 5), 2);
  assert.equal(nearestPoint(p, 30, 30, 5), -1);
});

test('the log slider maps both ways', () => {
  for (const t of [0.1, 1, 37.5, 1000]) assert.ok(Math.abs(sliderToT(tToSlider(t, 1000, 0.1, 1000), 1000, 0.1, 1000) / t - 1) < 0.005);
  assert.equal(sliderToT(0, 1000, 0.1, 1000), 0.1);
  assert.ok(Math.abs(sliderToT(1000, 1000, 0.1, 1000) - 1000) < 1e-9);
});

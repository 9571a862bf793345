// The Transport page's pure state (webview/transport/state.ts) and its messages
// (src/protocol/transport.ts), in Node.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultTransportConfig, parseTransportMessage, type CloudPayload, type TransportConfig } from '../../src/protocol/transport';
import { displacementBars, mapArrows, planeView, readTransportConfig, sinkhornRows, supportText, trainingCurves, type ConfigForm } from '../../webview/transport/state';

const form = (over: Partial<ConfigForm> = {}): ConfigForm => ({ method: 'monge-gap', epsilon: '', sparsity: 'l0', lambda: '0.05', targetDim: '5', iterations: '200', seed: '0', ...over });

test('the form reads into a config, and every bad field is named', () => {
  assert.deepEqual(readTransportConfig(form()), { method: 'monge-gap', epsilon: null, sparsity: 'l0', lambda: 0.05, targetDim: 5, iterations: 200, seed: 0 });
  assert.deepEqual(readTransportConfig(form({ method: 'sinkhorn', epsilon: '0.5', targetDim: '' })), { method: 'sinkhorn', epsilon: 0.5, sparsity: 'l0', lambda: 0.05, targetDim: null, iterations: 200, seed: 0 });
  assert.match(readTransportConfig(form({ epsilon: '-1' })) as string, /^ε must be a positive number/);
  assert.match(readTransportConfig(form({ lambda: '' })) as string, /^λ must be/);
  assert.match(readTransportConfig(form({ targetDim: '0' })) as string, /target dimension/);
  assert.match(readTransportConfig(form({ iterations: '2.5' })) as string, /steps must be a whole number/);
  assert.match(readTransportConfig(form({ seed: '-3' })) as string, /seed/);
  assert.match(readTransportConfig(form({ method: 'pot' })) as string, /Unknown method pot/);
});

const cloud = (name: string, n: number, dim: number, f: (i: number, k: number) => number): CloudPayload => ({ name, n, dim, data: Float64Array.from({ length: n * dim }, (_, t) => f(Math.floor(t / dim), t % dim)) });

test('2-D clouds are drawn as they are; higher d on the first two principal axes of both clouds', () => {
  const a = cloud('a', 4, 2, (i, k) => i + k);
  const v = planeView(a, a, ['speed', 'flow']);
  assert.deepEqual(v.axes, ['speed', 'flow']);
  assert.deepEqual(Array.from(v.project(a.data, 4)), Array.from(a.data));
  // 3-D points spread along coordinate 3 only: PC1 is that coordinate (up to sign), PC2 carries nothing.
  const b = cloud('b', 20, 3, (i, k) => (k === 2 ? i : 0));
  const p = planeView(b, b, ['x', 'y', 'z']);
  assert.match(p.axes[0], /^PC1 \(100% of the variance\)$/);
  const plane = p.project(b.data, 20);
  assert.ok(Math.abs(Math.abs(plane[2] - plane[0]) - 1) < 1e-9, 'one unit along z is one unit along PC1');
  assert.ok(Math.abs(plane[1]) < 1e-9);
});

test('the arrows run from x to T(x) in the plane with their full-dimensional length, at most `max` of them', () => {
  const a = cloud('a', 10, 2, (i, k) => i * (k + 1));
  const mapped = a.data.map((v, t) => v + (t % 2 === 0 ? 3 : 4));
  const arrows = mapArrows(planeView(a, a, ['x', 'y']), a, mapped, 5);
  assert.equal(arrows.length, 5);
  assert.deepEqual(arrows.map((r) => r.i), [0, 2, 4, 6, 8]);
  for (const r of arrows) {
    assert.equal(r.length, 5);
    assert.equal(r.x2 - r.x1, 3);
    assert.equal(r.y2 - r.y1, 4);
  }
});

test('the displacement bars name the columns that move, largest first; the support is scored against the truth', () => {
  const { bars, moved } = displacementBars(['a', 'b', 'c', 'd'], [0.05, 2, 0.3, 0.1]);
  assert.deepEqual(bars.map((b) => b.label), ['a', 'b', 'c', 'd']);
  assert.deepEqual(moved, ['b', 'c']);
  assert.equal(supportText(moved, ['a', 'b', 'c', 'd'], [1]), 'The true map moves b: precision 0.50, recall 1.00.');
  assert.equal(supportText(moved, ['a', 'b', 'c', 'd'], null), '');
});

test('the training curves keep only the series a method reports; the Sinkhorn rows say when it did not converge', () => {
  const points = [1, 2, 3].map((step) => ({ step, loss: 10 / step, divergence: null, mongeGap: null, lambda: 0.1 * step, displacementDim: 6 - step }));
  const curves = trainingCurves(points);
  assert.deepEqual(curves.loss.map((s) => s.name), ['loss']);
  assert.deepEqual(curves.sparsity.map((s) => s.name), ['λ', 'displacement dimension']);
  const rows = Object.fromEntries(sinkhornRows({ epsilon: 0.01, cost: 1, divergence: 0.5, marginalError: 0.2, iterations: 10000, converged: false, warnings: ['did not converge at ε = 0.01 after 10000 iterations'], seconds: 1, points: [5, 6] }));
  assert.equal(rows.converged, 'NO: did not converge at ε = 0.01 after 10000 iterations');
  assert.equal(rows.points, '5 → 6');
});

test('the host accepts the page\'s well-formed messages and refuses the rest', () => {
  const config: TransportConfig = defaultTransportConfig('sparse-shift');
  assert.deepEqual(parseTransportMessage({ type: 'run', config }), { type: 'run', config });
  assert.equal(parseTransportMessage({ type: 'run', config: { ...config, iterations: 0 } }), null);
  assert.equal(parseTransportMessage({ type: 'run', config: { ...config, method: 'pot' } }), null);
  assert.equal(parseTransportMessage({ type: 'run', config: { ...config, lambda: -1 } }), null);
  const point = { step: 3, loss: 1.5, divergence: 0.2, mongeGap: null, lambda: 0, displacementDim: 4 };
  assert.deepEqual(parseTransportMessage({ type: 'progress', point }), { type: 'progress', point });
  assert.equal(parseTransportMessage({ type: 'progress', point: { ...point, loss: NaN } }), null);
  const summary = { epsilon: 0.1, cost: 1, divergence: 0.5, marginalError: 1e-10, iterations: 12, converged: true, warnings: [], seconds: 0.1, points: [3, 3] };
  const result = { config, sinkhorn: summary, mapped: new Float64Array(6), perCoordinate: [0, 1], meanDimension: 1, map: null, plan: { source: Int32Array.of(0), target: Int32Array.of(1), mass: Float64Array.of(1) }, seconds: 1, backend: 'cpu-float64' };
  assert.equal(parseTransportMessage({ type: 'result', result })?.type, 'result');
  assert.equal(parseTransportMessage({ type: 'result', result: { ...result, mapped: [0, 1] } }), null);
  assert.equal(parseTransportMessage({ type: 'result', result: { ...result, plan: { ...result.plan, mass: new Float64Array(2) } } }), null);
  assert.equal(parseTransportMessage({ type: 'sinkhorn', summary: { ...summary, points: [0, 3] } }), null);
  assert.equal(parseTransportMessage({ type: 'launch' }), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { HostToWebview, MatrixPayload } from '../../src/protocol/impute';
import { applyInit, fmt, initialState, metricRows, readRunConfig, toMatrix } from '../../webview/impute/state';

const payload: MatrixPayload = {
  rows: 2, cols: 2, values: Float64Array.from([1, 0, 3, 4]), observed: Uint8Array.from([1, 0, 1, 1]),
  rowLabels: ['a', 'b'], times: null, colIds: ['x', 'y'], cells: ['8a2a1072b59ffff', null], h3Resolution: 10,
};

test('the page holds the host’s matrix with its missing mask and cells', () => {
  const m = toMatrix(payload);
  assert.deepEqual(Array.from(m.values), [1, 0, 3, 4]);
  assert.deepEqual(Array.from(m.observed), [1, 0, 1, 1]);
  assert.equal(m.places![0]!.cell, '8a2a1072b59ffff');
  assert.equal(m.places![1], null);
});

test('run settings are read from the form, or the problem is named', () => {
  assert.deepEqual(readRunConfig('mean', '0.5', '3'), { method: 'mean', maskRatio: 0.5, seed: 3 });
  assert.match(readRunConfig('mean', '0', '3') as string, /mask ratio/);
  assert.match(readRunConfig('mean', '1.5', '3') as string, /mask ratio/);
  assert.match(readRunConfig('mean', '0.5', '-1') as string, /seed/);
  assert.match(readRunConfig('mean', '0.5', '') as string, /seed/);
  assert.equal(fmt(NaN), '–');
  assert.equal(fmt(null), '–');
  assert.equal(fmt(0.12345), '0.123');
});

test('a snapshot on ready sets the state and says why nothing runs when untrusted', () => {
  const metrics = { count: 3, mae: 1, rmse: 2, mse: 4, mre: 0.1, nonzero: { count: 2, mae: 1, rmse: 1, mse: 1 }, zero: { count: 1, mae: NaN, rmse: NaN, mse: NaN }, perColumn: [] };
  const init: Extract<HostToWebview, { type: 'init' }> = {
    type: 'init', runId: 'r1', fileName: 'f.csv', format: 'wide', matrix: payload, config: { method: 'neighbor', maskRatio: 0.8, seed: 0 }, status: 'interrupted',
    result: { config: { method: 'neighbor', maskRatio: 0.8, seed: 0 }, targets: 3, metrics, seconds: 1, backend: 'cpu' }, trusted: false,
  };
  const { state, notices } = applyInit(initialState(), init);
  assert.equal(state.runId, 'r1');
  assert.equal(state.matrix!.rows, 2);
  assert.equal(state.metrics, metrics);
  assert.deepEqual(notices.map((n) => n.kind), ['error', 'info', 'info']);
  assert.match(notices[0].text, /not trusted/);
  assert.match(notices[2].text, /interrupted/);
  assert.deepEqual(metricRows(metrics)[0], ['MAE', 1, 1, NaN]);
  // A second snapshot (a rebuilt page) starts from the same state again.
  assert.deepEqual(applyInit(state, { ...init, trusted: true, result: null, status: 'completed' }).notices, []);
});

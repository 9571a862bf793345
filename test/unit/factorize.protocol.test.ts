import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
import { isFactorizeConfig, isGridSpec, parseFactorizeMessage } from '../../src/protocol/factorize';

const config = defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 }, 3);
const result = {
  config,
  D: new Float64Array(6),
  Lambda: new Float64Array(6),
  history: [-1, -2],
  objective: -2,
  iterations: 2,
  converged: false,
  reason: 'cap',
  reconstructionError: 0.5,
  seconds: 1.5,
  backend: 'cpu-float64',
};

test('the host accepts only well-formed messages from the Factorize webview', () => {
  assert.deepEqual(parseFactorizeMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseFactorizeMessage({ type: 'cancelled', extra: 1 }), { type: 'cancelled' });
  assert.deepEqual(parseFactorizeMessage({ type: 'load', input: 'mnist' }), { type: 'load', input: 'mnist' });
  assert.deepEqual(parseFactorizeMessage({ type: 'load', input: 'file' }), { type: 'load', input: 'file' });
  assert.deepEqual(parseFactorizeMessage({ type: 'run', config }), { type: 'run', config });
  assert.deepEqual(parseFactorizeMessage({ type: 'progress', iteration: 2, total: 10, fraction: 0.15, objective: null }), { type: 'progress', iteration: 2, total: 10, fraction: 0.15, objective: null });
  assert.equal(parseFactorizeMessage({ type: 'result', result })?.type, 'result');
  assert.deepEqual(parseFactorizeMessage({ type: 'exportTable', table: 'weights' }), { type: 'exportTable', table: 'weights' });
  assert.deepEqual(parseFactorizeMessage({ type: 'export', fileName: 'a.svg', mime: 'image/svg+xml', data: '<svg/>' }), { type: 'export', fileName: 'a.svg', mime: 'image/svg+xml', data: '<svg/>' });
  for (const bad of [
    null,
    'ready',
    { type: 'nope' },
    { type: 'load', input: '../etc/passwd' },
    { type: 'run', config: { ...config, loss: 'l1' } },
    { type: 'run', config: { ...config, k: 0 } },
    { type: 'run', config: { ...config, k: 1e6 } },
    { type: 'run', config: { ...config, epsilon: -1 } },
    { type: 'run', config: { ...config, rho1: Number.NaN } },
    { type: 'run', config: { ...config, iterations: 2.5 } },
    { type: 'run', config: { ...config, seed: -1 } },
    { type: 'run', config: { ...config, grid: { kind: 'line', lo: 1, hi: 1 } } },
    { type: 'run', config: { ...config, grid: { kind: 'image', width: 0, height: 3 } } },
    { type: 'run', config: { ...config, grid: { kind: 'torus' } } },
    { type: 'progress', iteration: 0, total: 10, fraction: 0, objective: null },
    { type: 'progress', iteration: 1, total: 10, fraction: 1.5, objective: null },
    { type: 'progress', iteration: 1, total: 10, fraction: 0.5, objective: '3' },
    { type: 'result', result: { ...result, D: [1, 2] } },
    { type: 'result', result: { ...result, history: ['x'] } },
    { type: 'result', result: { ...result, config: { ...config, k: -3 } } },
    { type: 'exportTable', table: 'both' },
    { type: 'export', fileName: 'x.html', mime: 'text/html', data: '<script>' },
    { type: 'failed' },
  ]) {
    assert.equal(parseFactorizeMessage(bad), null, JSON.stringify(bad));
  }
});

test('configs and grids', () => {
  assert.ok(isFactorizeConfig(config));
  assert.ok(isFactorizeConfig(defaultFactorizeConfig('kl', { kind: 'image', width: 14, height: 14 }, 25)));
  assert.ok(!isFactorizeConfig({ ...config, tolerance: -1 }));
  assert.ok(!isFactorizeConfig({ ...config, gradTol: 0 }));
  assert.ok(isGridSpec({ kind: 'line', lo: -1, hi: 1 }));
  assert.ok(!isGridSpec({ kind: 'image', width: 2.5, height: 2 }));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRunConfig, parseImputeMessage } from '../../src/protocol/impute';

test('the host accepts only well-formed messages from the webview', () => {
  assert.deepEqual(parseImputeMessage({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parseImputeMessage({ type: 'run', config: { method: 'mean', maskRatio: 0.5, seed: 3 } }), { type: 'run', config: { method: 'mean', maskRatio: 0.5, seed: 3 } });
  assert.deepEqual(parseImputeMessage({ type: 'progress', phase: 'x', fraction: 0.5 }), { type: 'progress', phase: 'x', fraction: 0.5 });
  const result = { config: { method: 'linear', maskRatio: 0.8, seed: 0 }, targets: 3, metrics: { mae: 1 }, seconds: 0.1, backend: 'cpu', imputed: new Float64Array(4), targetMask: new Uint8Array(4) };
  assert.equal(parseImputeMessage({ type: 'result', result })?.type, 'result');
  for (const bad of [
    null,
    'ready',
    { type: 'nope' },
    { type: 'run', config: { method: 'magic', maskRatio: 0.5, seed: 1 } },
    { type: 'run', config: { method: 'mean', maskRatio: 1.5, seed: 1 } },
    { type: 'run', config: { method: 'mean', maskRatio: 0.5, seed: -1 } },
    { type: 'run', config: { method: 'mean', maskRatio: 0.5, seed: 1.5 } },
    { type: 'progress', phase: 3, fraction: 0 },
    { type: 'result', result: { ...result, imputed: [1, 2] } },
    { type: 'export', fileName: 'x.png', mime: 'text/html', data: '<script>' },
    { type: 'failed' },
  ]) {
    assert.equal(parseImputeMessage(bad), null, JSON.stringify(bad));
  }
});

test('run configs', () => {
  assert.ok(isRunConfig({ method: 'neighbor', maskRatio: 1, seed: 0 }));
  assert.ok(!isRunConfig({ method: 'neighbor', maskRatio: 0, seed: 0 }));
});

// The data preview's pure state (webview/common/previewState.ts) and its message (protocol/preview.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readMatrix } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { parseFactorizeMessage } from '../../src/protocol/factorize';
import { parsePreviewChoice, previewPayload } from '../../src/protocol/preview';
import { gridOptions, roleOf, summaryLines, withRole, withTranspose } from '../../webview/common/previewState';

async function payload(text: string) {
  const read = await readMatrix(memorySource('p.csv', text, 9), { purpose: 'factorize' });
  return previewPayload(read, 'p.csv', null)!;
}

test('roles, and the choices a change of role or orientation sends', async () => {
  const p = await payload('time,a,b,c\n2024-01-01,1,2,3\n2024-01-02,4,5,6\n');
  assert.deepEqual([0, 1, 2, 3].map((j) => roleOf(p, j)), ['time', 'value', 'value', 'value']);
  assert.deepEqual(withRole(p, 2, 'skip'), { labelColumns: [0], valueColumns: [1, 3] });
  assert.deepEqual(withRole(p, 3, 'label'), { labelColumns: [0, 3], valueColumns: [1, 2] });
  assert.deepEqual(withTranspose(p, true), { transpose: true });
  const lines = summaryLines(p);
  assert.deepEqual(lines.map((l) => l.key), ['labels', 'time', 'values', 'orientation']);
  assert.match(lines[3].text, /the rows are times .* Read as 2 × 3\./);
  assert.equal(p.head.length, 2);
});

test('grids the bins can form: the line first, then images W × H, squarest first', () => {
  assert.deepEqual(gridOptions(12, null).map((g) => g.value), ['line', 'image:4x3', 'image:3x4', 'image:6x2', 'image:2x6']);
  assert.deepEqual(gridOptions(100, { kind: 'line', lo: -12, hi: 12 })[0].grid, { kind: 'line', lo: -12, hi: 12 });
  assert.equal(gridOptions(100, null)[1].value, 'image:10x10');
  assert.deepEqual(gridOptions(7, null).map((g) => g.value), ['line']);
});

test('a page’s shape choice is checked before the host reads anything', () => {
  assert.deepEqual(parsePreviewChoice({ labelColumns: [0], valueColumns: [1, 2], transpose: true }), { labelColumns: [0], valueColumns: [1, 2], transpose: true });
  for (const bad of [null, { labelColumns: [-1] }, { valueColumns: ['a'] }, { transpose: 'yes' }, { labelColumns: [1.5] }]) assert.equal(parsePreviewChoice(bad), null, JSON.stringify(bad));
  assert.deepEqual(parseFactorizeMessage({ type: 'shape', choice: { transpose: false } }), { type: 'shape', choice: { transpose: false } });
  assert.equal(parseFactorizeMessage({ type: 'shape', choice: { transpose: 1 } }), null);
});

test('the Autoencoder tab’s ETA: from the measured joint epochs, or the burn-in once an epoch is done', async () => {
  const { etaText } = await import('../../webview/magnitude/aeState');
  const step = (phase: 'burn-in' | 'joint', epoch: number, seconds: number) => ({ phase, epoch, step: 0, recons: 1, weight: 1, total: 1, rho: 0.5, seconds });
  const settings = { burnIn: 10, epochs: 400 };
  assert.equal(etaText([], settings), '');
  assert.equal(etaText([step('burn-in', 1, 0.5)], settings), '');
  assert.equal(etaText([step('burn-in', 1, 1), step('burn-in', 2, 1.5)], settings), ' · burn-in ends in about 9 s, then 400 joint epochs');
  // 10 s of burn-in, then 4 joint epochs in 40 s: 396 left at 10 s each.
  assert.equal(etaText([step('burn-in', 10, 10), step('joint', 4, 50)], settings), ' · about 66 min left');
});

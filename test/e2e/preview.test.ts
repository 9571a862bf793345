// The data preview in the real VS Code (code-server in headless Chromium): a samples × features
// CSV right-clicked into "Factorize (NMF)" is shown with its first rows and what Lacuna inferred
// (the sample names as labels, the feature positions as the axis, so the file is read
// transposed, on a line grid over those positions), each changeable in place; NMF then gives
// atoms over the features: the three bumps of the mixture.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { findFrameWith, makeTempDir, packageExtension, removeTempDir, rightClickAndRun, screenshot, startVsCode, type VsCode } from './harness';

let vscode: VsCode;
let workspace: string;
let page: Page;

/** The 1-D Gaussian-mixture sample as people often keep spectra: one sample per row, one feature (a position) per column. */
function writeSpectra(path: string): void {
  const { X, grid } = gaussianMixtureSample();
  const lines = [['sample', ...Array.from(grid, (p) => String(Number(p.toFixed(4))))].join(',')];
  for (let j = 0; j < X.cols; j++) lines.push([`s${j + 1}`, ...Array.from({ length: X.rows }, (_, i) => String(X.values[i * X.cols + j]))].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

before(async () => {
  workspace = makeTempDir('lacuna-e2e-preview-');
  writeSpectra(join(workspace, 'spectra.csv'));
  vscode = await startVsCode({ workspace, vsix: await packageExtension() });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

test('a samples × features CSV is shown transposed in the preview, each inference changeable, and NMF gives atoms over the features', async () => {
  await rightClickAndRun(page, 'spectra.csv', 'Lacuna: Factorize (NMF)');
  const frame = await findFrameWith(page, '#preview-card[data-transposed]', 90_000);
  // What was inferred, and why.
  assert.equal(await frame.getAttribute('#preview-card', 'data-transposed'), 'true');
  assert.equal(await frame.isChecked('#preview-transpose'), true);
  assert.match((await frame.textContent('[data-inference="labels"]')) ?? '', /Labels: “sample”\. "sample" holds text/);
  assert.match((await frame.textContent('[data-inference="orientation"]')) ?? '', /the column headers are positions on an axis \(-12 … 12\): each row is one observation, read transposed/);
  assert.match((await frame.textContent('[data-inference="grid"]')) ?? '', /positions -12 … 12: a line/);
  // The table: the first 50 rows as stored, the sample names marked as labels.
  assert.equal(await frame.$$eval('#preview-table tbody tr', (rows) => rows.length), 50);
  assert.equal(await frame.getAttribute('#preview-table thead th:nth-child(2)', 'data-role'), 'label');
  assert.equal((await frame.textContent('#preview-table tbody tr:first-child td:nth-child(2)'))?.trim(), 's1');
  assert.equal(await frame.inputValue('#grid-kind'), 'line');
  assert.deepEqual([await frame.inputValue('#grid-lo'), await frame.inputValue('#grid-hi')], ['-12', '12']);
  await screenshot(page, 'preview-01-transposed');

  // Changed in place: as stored, the samples are the bins (and the host read the file again).
  await frame.uncheck('#preview-transpose');
  await frame.waitForSelector('#preview-card[data-transposed="false"]', { timeout: 30_000 });
  assert.match((await frame.textContent('[data-inference="orientation"]')) ?? '', /as stored \(chosen\)/);
  // Back to transposed, and a column left out shows in the summary and the shape.
  await frame.check('#preview-transpose');
  await frame.waitForSelector('#preview-card[data-transposed="true"]', { timeout: 30_000 });
  await frame.selectOption('#preview-table select[data-column="100"]', 'skip');
  await frame.waitForSelector('#preview-card[data-shape="99x100"]', { timeout: 30_000 });
  assert.match((await frame.textContent('[data-inference="values"]')) ?? '', /99 columns; left out: “12”/);
  await frame.selectOption('#preview-table select[data-column="100"]', 'value');
  await frame.waitForSelector('#preview-card[data-shape="100x100"]', { timeout: 30_000 });
  assert.equal((await frame.textContent('#shape'))?.trim(), '100 × 100');

  // NMF (KL, multiplicative updates: seconds) on the transposed data: atoms over the features.
  await frame.selectOption('#loss', 'kl');
  await frame.fill('#iterations', '300');
  await frame.click('#run');
  await frame.waitForSelector('#status[data-status="completed"]', { timeout: 60_000 });
  const titles = await frame.$$eval('#atoms-lines g.panel .panel-title', (t) => t.map((n) => n.textContent ?? ''));
  assert.equal(titles.length, 3);
  const modes = titles.map((t) => Number(/mode (-?\d+\.\d+)/.exec(t)?.[1])).sort((a, b) => a - b);
  [-6, 0, 6].forEach((c, i) => assert.ok(Math.abs(modes[i] - c) < 2, `atom modes ${modes.join(', ')}: one near each of −6, 0, 6`));
  await screenshot(page, 'preview-02-atoms');
});

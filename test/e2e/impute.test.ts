// "Impute matrix" end to end in the real VS Code 1.100 (code-server) in headless Chromium:
// right-click, the training panel and its backend, the charts, a run whose MAE equals the
// CLI's, the output file, the Runs view (with a factorisation run and a weighting-vector session
// recorded beforehand beside it), a malformed file, and a window reload.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { main as cli } from '../../src/cli/main';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
import { writeDelimited } from '../../src/core/io/read';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';
import { FactorizeRunStore } from '../../src/host/factorize/runs';
import { MagnitudeRecords } from '../../src/host/magnitude/records';
import { findFrameWith, makeTrafficWorkspace, packageExtension, removeTempDir, quickInput, reloadWindow, rightClickAndRun, saveThroughDialog, screenshot, startVsCode, waitForNotification, type VsCode } from './harness';
import { fileDigest } from '../unit/hostFixtures';

let vscode: VsCode;
let workspace: string;
let page: Page;

function makeWorkspace(): string {
  const dir = makeTrafficWorkspace('lacuna-e2e-impute-');
  // A city's sensors: 123 spread over 1.4 × 2.1 km (the map must separate them).
  const city = trafficSample({ sensors: 123, days: 2, seed: 5 });
  const rng = seededRng(3);
  writeFileSync(join(dir, 'city.csv'), [...writeDelimited(city.matrix, { indexName: 'time' })].join(''));
  writeFileSync(join(dir, 'city_locations.csv'), ['sensor_id,latitude,longitude', ...city.matrix.colIds.map((id) => `${id},${(52.5 + (rng() * 1.4) / 111).toFixed(6)},${(13.4 + (rng() * 2.1) / 67.6).toFixed(6)}`)].join('\n') + '\n');
  writeFileSync(join(dir, 'broken.csv'), 'time,a,b\n2024-01-01 00:00,1,2\n2024-01-01 01:00,3\n');
  return dir;
}

/** Runs of the other kinds, as their stores write them: a finished NMF of traffic.csv and a solved Swiss roll session. */
async function seedOtherRuns(dir: string): Promise<void> {
  const factorize = new FactorizeRunStore(join(dir, '.lacuna', 'runs'));
  const nmf = await factorize.create({ kind: 'file', path: join(dir, 'traffic.csv'), fileName: 'traffic.csv', format: 'wide' }, [672, 48], defaultFactorizeConfig('wasserstein', { kind: 'line', lo: 0, hi: 1 }, 3), await fileDigest(join(dir, 'traffic.csv')));
  await factorize.update(nmf.id, (r) => {
    r.status = 'completed';
    r.result = { objective: 0.1234, iterations: 10, converged: true, reason: 'done', reconstructionError: 0.0567, seconds: 3, backend: 'cpu-float64', outputs: [] };
  });
  const magnitude = new MagnitudeRecords(join(dir, '.lacuna', 'magnitude'));
  const session = await magnitude.create({ kind: 'sample', sample: 'swissroll', size: 500 });
  const summary = { t: 2, n: 500, magnitude: 21.5, residual: 1e-12, solver: 'cholesky', backend: 'cpu', seconds: 0.2, iterations: null, converged: true, notes: [] };
  await magnitude.recordSolve(session.id, summary, new Float64Array(500).fill(0.04), Int32Array.from({ length: 500 }, (_, i) => i), { solver: 'auto', metric: 'euclidean' });
}

async function cliMae(file: string, locations: string): Promise<number> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const err = new PassThrough();
  const code = await cli(['impute', file, '--locations', locations, '--method', 'neighbor', '--mask-ratio', '0.8', '--seed', '0', '--out', join(mkdtempSync(join(tmpdir(), 'lacuna-cli-')), 'x.csv'), '--json'], {
    stdout: out as unknown as NodeJS.WriteStream,
    stderr: err as unknown as NodeJS.WriteStream,
  });
  assert.equal(code, 0);
  await new Promise((r) => setImmediate(r));
  return JSON.parse(text).metrics.mae;
}

async function pickQuickItem(label: RegExp) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 20_000 });
  await row.click();
}

async function panelFrame(selector = '#shape'): Promise<Frame> {
  return findFrameWith(page, selector, 90_000);
}

before(async () => {
  workspace = makeWorkspace();
  await seedOtherRuns(workspace);
  const vsix = await packageExtension();
  vscode = await startVsCode({ workspace, vsix });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

test('right-click Impute matrix opens the training panel, which reports its backend and draws the data', async () => {
  await screenshot(page, 'impute-01-explorer');
  await rightClickAndRun(page, 'traffic.csv', 'Impute matrix');
  // The locations file beside the data is offered first.
  const qi = await quickInput(page);
  await pickQuickItem(/traffic_locations\.csv/);
  assert.ok(qi === null || /Locations for traffic\.csv/.test(qi.title));
  const frame = await panelFrame();
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  const backend = await frame.getAttribute('#backend', 'data-backend');
  // Chromium runs WebGPU over SwiftShader (see harness.ts), a CPU emulation: the panel times a
  // probe step on each backend and takes the fastest, and says why: wasm usually, webgl on
  // SwiftShader when it measured faster (as deep.test.ts accepts); never the emulated WebGPU.
  const why = (await frame.getAttribute('#backend', 'title')) ?? '';
  console.error(`[e2e] ${await frame.textContent('#backend')} — ${why}`);
  assert.ok(backend === 'wasm' || backend === 'webgl', `the panel chose ${backend}: ${why}`);
  // WebGPU either ran slower or its first step (shader compilation on the emulation) overran the limit.
  assert.match(why, new RegExp(`^${backend}: ${backend} measured fastest: [\\d.]+ ms a step \\(.*webgpu \\(a CPU emulation of a GPU\\)(: its first step took over [\\d.]+ s| [\\d.]+ (ms|s))`));
  assert.match((await frame.textContent('#backend')) ?? '', new RegExp(`^backend: ${backend} \\(fastest measured, [\\d.]+ ms\\/step\\)$`));
  const choices = await frame.$$eval('#backend-select option', (os) => os.map((o) => o.getAttribute('value')));
  assert.ok(choices.includes('auto') && choices.includes('wasm') && choices.includes('webgpu'), `the selector offers ${choices}`);
  assert.equal((await frame.textContent('#shape'))?.trim(), '672 × 48');
  // The heatmap canvas has pixels, and the H3 map has hexagons.
  type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const painted = await frame.$eval('.heatmap canvas', (node) => {
    const canvas = node as unknown as CanvasLike;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let lit = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) lit++;
    return lit / (canvas.width * canvas.height);
  });
  assert.ok(painted > 0.5, `the heatmap is drawn (${(painted * 100).toFixed(0)}% of pixels)`);
  const hexagons = await frame.$$eval('svg.hexmap g.hexcell path.fill', (paths) => paths.filter((p) => (p.getAttribute('d') ?? '').length > 10).length);
  assert.ok(hexagons > 10, `${hexagons} hexagons`);
  await screenshot(page, `impute-02-panel-${backend}`);
});

test('running neighbour averaging shows metrics whose MAE equals the CLI’s, and writes the output', async () => {
  const frame = await panelFrame();
  await frame.selectOption('#method', 'neighbor');
  await frame.fill('#mask-ratio', '0.8');
  await frame.fill('#seed', '0');
  await frame.click('#run');
  await frame.waitForSelector('#metrics', { timeout: 120_000 });
  const mae = Number(await frame.getAttribute('#metrics', 'data-mae'));
  const expected = await cliMae(join(workspace, 'traffic.csv'), join(workspace, 'traffic_locations.csv'));
  assert.equal(mae, expected, 'the panel and the CLI share one implementation and agree exactly');
  await frame.waitForSelector('#message[data-saved]', { timeout: 30_000 });
  const output = join(workspace, 'traffic.imputed.csv');
  assert.ok(existsSync(output), 'traffic.imputed.csv was written beside the input');
  assert.equal(readFileSync(output, 'utf8').split('\n')[0], readFileSync(join(workspace, 'traffic.csv'), 'utf8').split('\n')[0]);
  await frame.waitForSelector('#status[data-status="completed"]', { timeout: 30_000 });
  await screenshot(page, 'impute-03-results');
  await (await frame.$('#results'))?.screenshot({ path: join(__dirname, '../../test-results/e2e/impute-03-results-card.png') });
  // A second Run is its own record: both appear in the runs table, and the first keeps its metrics.
  await frame.selectOption('#method', 'linear');
  await frame.click('#run');
  await frame.waitForSelector('#metrics[data-method="linear"]', { timeout: 120_000 });
  await frame.waitForSelector('#runs-table[data-rows="2"] tr[data-method="linear"][data-status="completed"]', { timeout: 30_000 });
  const rows = await frame.$$eval('#runs-table tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-method'), tr.getAttribute('data-best'), tr.querySelector('td.mae')?.textContent ?? '']));
  console.error(`[e2e] runs table: ${JSON.stringify(rows)}`);
  assert.deepEqual(rows.map((r) => r[0]).sort(), ['linear', 'neighbor']);
  assert.equal(rows.filter((r) => r[1] === 'true').length, 1, 'one run is marked best (by validation MAE)');
  const records = readdirSync(join(workspace, '.lacuna', 'runs')).map((id) => join(workspace, '.lacuna', 'runs', id, 'run.json')).filter((f) => existsSync(f)).map((f) => JSON.parse(readFileSync(f, 'utf8'))).filter((r) => r.config?.method === 'neighbor' || r.config?.method === 'linear');
  assert.equal(records.length, 2, 'two run records');
  const first = records.find((r) => r.config.method === 'neighbor');
  assert.equal(first.result.metrics.mae, mae, 'the first run keeps its own metrics');
  await (await frame.$('#runs-card'))?.screenshot({ path: join(__dirname, '../../test-results/e2e/impute-03-runs-table.png') });
});

test('a chart exports as PNG and as SVG through the save dialog', async () => {
  const frame = await panelFrame('#metrics');
  for (const [button, name, magic] of [
    ['PNG', 'histogram.png', '\x89PNG'],
    ['SVG', 'histogram.svg', '<svg'],
  ] as const) {
    await frame.click(`#summary h2 .actions button:text-is("${button}")`);
    const target = join(workspace, name);
    await saveThroughDialog(page, target);
    assert.ok(readFileSync(target, 'latin1').slice(0, 200).includes(magic), `${name} holds a ${button}`);
  }
});

test('the run appears in the Runs view with its status and MAE', async () => {
  await page.locator('.activitybar .action-item a[aria-label="Lacuna"]').first().click();
  const row = page.locator('.monaco-list-row', { hasText: 'neighbor · completed' }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await row.innerText(), /MAE \d+\.\d{3}/);
  // The other kinds are listed too, grouped by input: the NMF of traffic.csv with the imputation
  // run, the weighting-vector session under its sample.
  const nmf = page.locator('.monaco-list-row', { hasText: 'NMF: Wasserstein, k 3 · completed' }).first();
  await nmf.waitFor({ state: 'visible', timeout: 30_000 });
  assert.match(await nmf.innerText(), /objective 0\.1234 · ‖X − DΛ‖ 0\.0567/);
  await page.locator('.monaco-list-row', { hasText: 'Swiss roll' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  const session = page.locator('.monaco-list-row', { hasText: 'Magnitude: n 500, t 2' }).first();
  await session.waitFor({ state: 'visible', timeout: 10_000 });
  assert.match(await session.innerText(), /magnitude 21\.5/);
  assert.equal(await nmf.getAttribute('aria-level'), '2', 'a run sits under its input');
  const top = async (text: string) => (await page.locator('.monaco-list-row:visible', { hasText: text }).first().boundingBox())?.y ?? NaN;
  const [file, impute, factorize, sample] = await Promise.all(['traffic.csv', 'neighbor · completed', 'NMF: Wasserstein', 'Swiss roll'].map(top));
  assert.ok(file < impute && file < factorize && Math.max(impute, factorize) < sample, `rows at ${[file, impute, factorize, sample].join(', ')}`);
  await screenshot(page, 'impute-04-runs-view');
  // Opening the NMF run shows its record; the imputation actions are not offered on it.
  await nmf.hover();
  await nmf.locator('.action-label[aria-label="Reveal run outputs"]').waitFor({ state: 'attached', timeout: 5_000 });
  assert.equal(await nmf.locator('.action-label[aria-label="Delete run"]').count(), 0);
  await nmf.click();
  const tab = page.locator('.tabs-container .tab', { hasText: 'factorization.json' }).first();
  await tab.waitFor({ state: 'visible', timeout: 20_000 });
  await tab.locator('.codicon-close').first().click();
  await tab.waitFor({ state: 'detached', timeout: 10_000 });
});

test('a malformed CSV gets an error that names the line', async () => {
  await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
  await rightClickAndRun(page, 'broken.csv', 'Impute matrix');
  await pickQuickItem(/Continue without locations/);
  // The error, not the reading progress ("reading broken.csv: 100%") that can still be showing.
  const text = await waitForNotification(page, /line \d+, column \d+/, 30_000);
  assert.match(text, /broken\.csv/);
  assert.match(text, /line 3, column 19/);
  assert.match(text, /expected 3 fields/);
  await screenshot(page, 'impute-05-bad-file');
});

test('after a window reload the panel comes back with its run', async () => {
  await reloadWindow(page);
  const frame = await panelFrame('#metrics');
  assert.equal((await frame.textContent('#shape'))?.trim(), '672 × 48');
  assert.equal(await frame.getAttribute('#metrics', 'data-method'), 'linear', 'the panel follows its newest run');
  // The backend is measured after the data shows: the screenshot waits for it.
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  await screenshot(page, 'impute-06-after-reload');
});

test('the map of 123 sensors over about 2 km shows at least 20 cells, the sensor points, a scale bar and ticks', async () => {
  // Show the Explorer (clicking its icon while it shows would hide the side bar).
  if (!(await page.locator('.explorer-folders-view').isVisible())) await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').first().click();
  await rightClickAndRun(page, 'city.csv', 'Impute matrix');
  await pickQuickItem(/city_locations\.csv/);
  const map = '#map-card svg.hexmap[data-points="123"]';
  const frame = await findFrameWith(page, map, 90_000);
  const cells = Number(await frame.getAttribute(map, 'data-cells'));
  console.error(`[e2e] map: ${cells} cells; ${await frame.textContent('#map-resolution-note')}`);
  assert.ok(cells >= 20, `${cells} cells`);
  assert.equal(await frame.$$eval(`${map} circle.sensor`, (cs) => cs.length), 123);
  assert.match((await frame.$eval(`${map} circle.sensor title`, (t) => t.textContent)) ?? '', /^sensor \S+\n[\d.]+°, [\d.]+°$/);
  assert.ok(Number(await frame.getAttribute(`${map} .scale-bar`, 'data-metres')) > 0, 'a scale bar');
  assert.ok((await frame.$$(`${map} .tick-label.lat`)).length >= 2 && (await frame.$$(`${map} .tick-label.lng`)).length >= 2, 'lat/lng ticks');
  await frame.locator('#map-card').scrollIntoViewIfNeeded();
  await screenshot(page, 'impute-07-map');
  // The resolution control redraws the map: the old fixed resolution 7 merges the sensors into a few cells.
  const auto = await frame.inputValue('#map-resolution');
  await frame.fill('#map-resolution', '7');
  await frame.dispatchEvent('#map-resolution', 'change');
  const deadline = Date.now() + 10_000;
  while (Number(await frame.getAttribute('#map-card svg.hexmap', 'data-cells')) >= cells && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  const coarse = Number(await frame.getAttribute('#map-card svg.hexmap', 'data-cells'));
  assert.ok(coarse < 20, `resolution 7 (was ${auto}): ${coarse} cells`);
});

test('the preview shows the inferred shape of a time × sensors file, a column left out reaches the job, and auto’s leaderboard appears in the runs table', async () => {
  // The city panel (the previous test's): its preview, read by the same core inference as the CLI.
  const frame = await findFrameWith(page, '#preview-card[data-shape="48x123"]', 60_000);
  assert.equal(await frame.getAttribute('#preview-card', 'data-transposed'), 'false');
  assert.match((await frame.textContent('[data-inference="labels"]')) ?? '', /Labels: “time”\..*holds timestamps/);
  assert.match((await frame.textContent('[data-inference="orientation"]')) ?? '', /the rows are times .*each column is one series over time.*48 × 123/);
  // Every row: the file has 48 (hourly, two days), fewer than the 50 the preview shows at most.
  assert.equal(await frame.$$eval('#preview-table tbody tr', (rows) => rows.length), 48);
  assert.equal(await frame.getAttribute('#preview-table thead th:nth-child(2)', 'data-role'), 'time');
  // Changed in place: the first sensor left out; the host reads the file again, as --columns would.
  const dropped = (await frame.textContent('#preview-table thead th:nth-child(3) div'))?.trim() ?? '';
  await frame.selectOption('#preview-table select[data-column="1"]', 'skip');
  await frame.waitForSelector('#preview-card[data-shape="48x122"]', { timeout: 30_000 });
  assert.equal((await frame.textContent('#shape'))?.trim(), '48 × 122');
  assert.match((await frame.textContent('[data-inference="values"]')) ?? '', new RegExp(`122 columns; left out: “${dropped}”`));
  await frame.locator('#preview-card').scrollIntoViewIfNeeded();
  await screenshot(page, 'impute-08-preview');
  // auto, the CLI's default, with the classical candidates only (seconds): its leaderboard opens under its row.
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  await frame.selectOption('#method', 'auto');
  await frame.waitForSelector('#auto-fields:not([hidden])');
  await frame.fill('#auto-budget', '60');
  for (const box of await frame.$$('#auto-learned input[data-learned]')) await box.uncheck();
  await frame.click('#run');
  await frame.waitForSelector('#metrics[data-method="auto"]', { timeout: 180_000 });
  await frame.waitForSelector('#runs-table tr.candidate[data-chosen="true"]', { timeout: 30_000 });
  const candidates = await frame.$$eval('#runs-table tr.candidate', (trs) => trs.map((tr) => [tr.getAttribute('data-candidate') ?? '', tr.getAttribute('data-chosen') ?? '', tr.querySelector('td.validation')?.textContent ?? '']));
  console.error(`[e2e] auto's leaderboard: ${JSON.stringify(candidates)}`);
  for (const m of ['neighbor', 'mean', 'linear', 'softimpute', 'knn', 'seasonal']) assert.ok(candidates.some((c) => c[0] === m), `${m} is a candidate`);
  const winner = candidates.filter((c) => c[1] === 'true');
  assert.equal(winner.length, 1, 'one winner');
  assert.match(winner[0][2], /^[\d.,]+$/, 'the winner has a validation MAE');
  const row = await frame.$eval('#runs-table tr[data-method="auto"]', (tr) => tr.textContent ?? '');
  assert.match(row, new RegExp(`auto → ${winner[0][0]}`));
  // The record keeps the leaderboard and how the file was read.
  const runId = await frame.$eval('body', (b) => b.getAttribute('data-run-id') ?? '');
  const record = JSON.parse(readFileSync(join(workspace, '.lacuna', 'runs', runId, 'run.json'), 'utf8'));
  assert.equal(record.config.method, 'auto');
  assert.equal(record.result.leaderboard.length, candidates.length);
  assert.equal(record.result.leaderboard.find((c: { chosen: boolean }) => c.chosen).method, winner[0][0]);
  assert.deepEqual(record.input.shape.labelColumns, [0]);
  assert.ok(!record.input.shape.valueColumns.includes(1) && record.input.shape.valueColumns.length === 122, 'the left-out column reached the job');
  await frame.locator('#runs-card').scrollIntoViewIfNeeded();
  await screenshot(page, 'impute-09-auto-leaderboard');
  await (await frame.$('#runs-card'))?.screenshot({ path: join(__dirname, '../../test-results/e2e/impute-09-runs-table.png') });
});

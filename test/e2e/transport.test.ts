// "Transport between data sets" end to end in the real VS Code (code-server) in headless
// Chromium: the Explorer's context menu on one file, the target picked beside it, the panel,
// Sinkhorn (its figures, the plan's matched points drawn as arrows, the run's record and files),
// a short Monge-gap training (the live curves, the displacement bars), Cancel, the Runs view's
// rows, and a sample pair from the Command Palette.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { findFrameWith, makeTempDir, packageExtension, removeTempDir, RESULTS_DIR, rightClickAndRun, runCommandFromPalette, screenshot, startVsCode, type VsCode } from './harness';

let vscode: VsCode;
let workspace: string;
let page: Page;

/** 150 seeded points of a 2-D Gaussian, and the same points moved by (3, 1): the OT map is that shift. */
function writeClouds() {
  let s = 12345;
  const u = () => ((s = (s * 1103515245 + 12345) % 2147483648) + 0.5) / 2147483648;
  const gauss = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const pts = Array.from({ length: 150 }, () => [gauss(), 0.5 * gauss()]);
  writeFileSync(join(workspace, 'before.csv'), ['speed,flow', ...pts.map(([x, y]) => `${x},${y}`)].join('\n') + '\n');
  writeFileSync(join(workspace, 'after.csv'), ['speed,flow', ...pts.map(([x, y]) => `${x + 3},${y + 1}`)].join('\n') + '\n');
}

const record = (runId: string) => JSON.parse(readFileSync(join(workspace, '.lacuna', 'runs', runId, 'transport.json'), 'utf8'));

const runIdOf = async (frame: Frame) => (await frame.getAttribute('body', 'data-run-id')) ?? '';

/** Polls until `check` holds (the page's state is read through attributes). */
async function until(check: () => Promise<boolean>, timeout: number, what: string): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Clicks Run and waits for a new run (a new run id) to reach `status`; returns its id. */
async function runAndWait(frame: Frame, status: string, timeout = 120_000): Promise<string> {
  const previous = await runIdOf(frame);
  await frame.click('#run');
  try {
    await until(async () => (await runIdOf(frame)) !== previous && (await frame.getAttribute('#status', 'data-status')) === status, timeout, `a run to be ${status}`);
  } catch (err) {
    await screenshot(page, `transport-failed-${status}`);
    const said = await Promise.all(['#status', '#message', '#progress'].map(async (s) => `${s}: ${(await frame.textContent(s))?.trim()}`));
    throw new Error(`${(err as Error).message} (${said.join('; ')}; run id ${await runIdOf(frame)})`, { cause: err });
  }
  return runIdOf(frame);
}

before(async () => {
  workspace = makeTempDir('lacuna-e2e-transport-');
  writeClouds();
  vscode = await startVsCode({ workspace, vsix: await packageExtension() });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

test('the Explorer opens Transport on before.csv with after.csv picked beside it; Sinkhorn draws the matched points and keeps the run', async () => {
  await rightClickAndRun(page, 'before.csv', 'Transport between data sets');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /after\.csv/ }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
  const frame = await findFrameWith(page, '#source-a', 60_000);
  assert.equal((await frame.textContent('#source-a'))?.trim(), 'before.csv: 150 points');
  assert.equal((await frame.textContent('#target-b'))?.trim(), 'after.csv: 150 points');
  assert.equal(await frame.inputValue('#method'), 'sinkhorn');
  await frame.waitForSelector('#backend[data-backend]', { timeout: 60_000 });

  const runId = await runAndWait(frame, 'completed', 60_000);
  const sinkhorn = (await frame.textContent('#sinkhorn')) ?? '';
  assert.match(sinkhorn, /convergedyes/, sinkhorn);
  // The cost of moving every point by (3, 1) is 10; the entropic plan's is close to it.
  const cost = Number(/cost ⟨P, C⟩([\d.]+)/.exec(sinkhorn)?.[1]);
  assert.ok(Math.abs(cost - 10) < 1, `cost ${cost}`);
  assert.equal(await frame.$$eval('#transport-map .arrows line', (l) => l.length), 150);
  assert.match((await frame.textContent('#moved')) ?? '', /Columns that move \(mean \|Δ\| > 0\.1\): speed, flow/);

  const r = record(runId);
  assert.equal(r.status, 'completed');
  assert.equal(r.input.kind, 'files');
  assert.deepEqual(r.input.points, [150, 150]);
  assert.equal(r.result.backend, 'cpu-float64');
  assert.deepEqual(r.result.moved, ['speed', 'flow']);
  const mapped = readFileSync(join(workspace, '.lacuna', 'runs', runId, 'mapped.csv'), 'utf8').trim().split('\n');
  assert.equal(mapped[0], 'speed,flow');
  assert.equal(mapped.length, 151);
  assert.ok(existsSync(join(workspace, '.lacuna', 'runs', runId, 'plan.csv')));
  await screenshot(page, 'transport-01-sinkhorn');
});

test('a short Monge-gap training shows its curves and the displacement live, and Cancel stops a long one', async () => {
  const frame = await findFrameWith(page, '#source-a');
  await frame.selectOption('#method', 'monge-gap');
  await frame.dispatchEvent('#method', 'change');
  await frame.fill('#iterations', '40');
  const runId = await runAndWait(frame, 'completed', 180_000);
  assert.ok((await frame.$$eval('#loss-chart path.series', (p) => p.length)) >= 2, 'the loss and the divergence are drawn');
  assert.equal(await frame.$$eval('#displacement rect.bar', (b) => b.length), 2);
  const r = record(runId);
  assert.equal(r.config.method, 'monge-gap');
  assert.equal(r.result.backend, 'tfjs-wasm');
  assert.ok(r.history.length >= 1 && r.history.at(-1).step === 40, `history to step 40: ${JSON.stringify(r.history.at(-1))}`);
  assert.equal(typeof r.result.mongeGap, 'number');
  await (await frame.$('#map-card'))?.screenshot({ path: join(RESULTS_DIR, 'transport-02-map-card.png') });
  await screenshot(page, 'transport-03-monge-gap');

  await frame.fill('#iterations', '20000');
  await frame.click('#run');
  await until(async () => (await runIdOf(frame)) !== runId && /^step /.test((await frame.textContent('#progress')) ?? ''), 60_000, 'training to start');
  await frame.click('#cancel');
  await frame.waitForSelector('#status[data-status="cancelled"]', { timeout: 60_000 });
  const cancelled = record(await runIdOf(frame));
  assert.equal(cancelled.status, 'cancelled');
});

test('the Runs view lists the transport runs; the Command Palette opens a sample pair', async () => {
  // The activity-bar item toggles its view: click it only when Lacuna's view is not already shown.
  if ((await page.locator('.activitybar .action-item.checked a[aria-label="Lacuna"]').count()) === 0) {
    await page.locator('.activitybar .action-item a[aria-label="Lacuna"]').first().click();
  }
  const rows = page.locator('.monaco-list-row', { hasText: /Transport: (Sinkhorn|Monge gap)/ });
  await rows.first().waitFor({ state: 'visible', timeout: 30_000 });
  assert.ok((await rows.count()) >= 2);

  await runCommandFromPalette(page, 'Lacuna: Transport between data sets');
  const sample = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /Two moons/ }).first();
  await sample.waitFor({ state: 'visible', timeout: 30_000 });
  await sample.click();
  const frame = await findFrameWith(page, '#source-a:has-text("two-moons source")', 60_000);
  assert.equal((await frame.textContent('#title'))?.trim(), 'Transport: Two moons');
});

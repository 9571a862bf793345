// The Autoencoder tab of "Inspect weighting vectors" end to end in the real VS Code 1.100
// (code-server) in headless Chromium whose WebGPU adapter is SwiftShader (a CPU emulation): the
// panel trains on its measured-fastest backend; open the tab, pick the Swiss-roll sample (300
// points), train a few epochs; the panel's header shows the training, never "ready", while it
// trains; the code scatter updates while it trains,
// the autoencoder, PCA and t-SNE are titled with their ρ, the losses are drawn, no tensor is left
// behind, and the run is kept in .lacuna/magnitude/<id>/autoencoder/<run>/. A second training is
// cancelled part way and its record keeps what it reported.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { disk } from '../../src/core/points/samples';
import { findFrameWith, makeTempDir, packageExtension, removeTempDir, rightClickAndRun, screenshot, startVsCode, type VsCode } from './harness';

let vscode: VsCode;
let workspace: string;
let page: Page;
const N = 60;
const AE_N = 300;
const EPOCHS = 12;

type Doc = { document: { querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null } };

function makeWorkspace(): string {
  const dir = makeTempDir('lacuna-e2e-autoencoder-');
  const cloud = disk(N, { seed: 5 });
  const rows = Array.from({ length: N }, (_, i) => `${cloud.data[2 * i]},${cloud.data[2 * i + 1]}`);
  writeFileSync(join(dir, 'points.csv'), ['x,y', ...rows].join('\n') + '\n');
  return dir;
}

function runs(): { dir: string; record: Record<string, unknown> }[] {
  const root = join(workspace, '.lacuna', 'magnitude');
  if (!existsSync(root)) return [];
  const out: { dir: string; record: Record<string, unknown> }[] = [];
  for (const session of readdirSync(root)) {
    const ae = join(root, session, 'autoencoder');
    if (!existsSync(ae)) continue;
    for (const id of readdirSync(ae)) {
      const file = join(ae, id, 'run.json');
      if (existsSync(file)) out.push({ dir: join(ae, id), record: JSON.parse(readFileSync(file, 'utf8')) });
    }
  }
  return out.sort((a, b) => String(a.record.createdAt).localeCompare(String(b.record.createdAt)));
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function panel(): Promise<Frame> {
  return findFrameWith(page, '#tab-autoencoder', 90_000);
}

before(async () => {
  workspace = makeWorkspace();
  const vsix = await packageExtension();
  vscode = await startVsCode({ workspace, vsix });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

test('the Autoencoder tab trains on the Swiss roll: the code scatter updates live, ρ titles for the autoencoder, PCA and t-SNE, the run is kept', async () => {
  await rightClickAndRun(page, 'points.csv', 'Inspect weighting vectors');
  const frame = await panel();
  await frame.waitForSelector('#status[data-status="ready"]', { timeout: 240_000 });
  // The measured-fastest backend, not the emulated WebGPU (which measures slower here).
  const backend = (await frame.getAttribute('#backend', 'data-backend')) ?? '';
  assert.notEqual(backend, 'webgpu', `the panel chose the emulated WebGPU: ${await frame.getAttribute('#backend', 'title')}`);
  assert.equal(await frame.getAttribute('#backend', 'data-chosen-by'), 'measured');

  await frame.click('#tab-autoencoder');
  assert.equal(await frame.isVisible('#ae-tab'), true);
  assert.equal(await frame.isVisible('#weights-tab'), false);
  assert.match((await frame.textContent('#ae-backend')) ?? '', new RegExp(`backend: ${backend} `));
  // The panel's own points first, with their suggested scale.
  await frame.waitForSelector(`#ae-data[data-n="${N}"]`, { timeout: 60_000 });

  // The Swiss-roll sample, 300 points: t is prefilled with its suggested scale.
  await frame.selectOption('#ae-dataset', 'swissroll');
  await frame.fill('#ae-n', String(AE_N));
  await frame.dispatchEvent('#ae-n', 'change');
  await frame.waitForSelector(`#ae-data[data-n="${AE_N}"]`, { timeout: 60_000 });
  await frame.waitForSelector('#ae-train:not([disabled])', { timeout: 60_000 });
  const suggested = Number(await frame.getAttribute('#ae-t-hint', 'data-suggested'));
  assert.ok(suggested > 0, `suggested t ${suggested}`);
  assert.equal(Number(await frame.inputValue('#ae-t')), Number(suggested.toPrecision(4)));
  assert.equal(await frame.inputValue('#ae-arch'), 'linear');
  assert.equal(await frame.isDisabled('#ae-arch option[value="conv"]'), true, 'the conv model is for 28×28 images only');
  assert.equal(await frame.isDisabled('#ae-colour'), true, 'no classes to colour by');

  await frame.fill('#ae-epochs', String(EPOCHS));
  await frame.fill('#ae-burnin', '2');
  await frame.waitForSelector('#ae-train:not([disabled])', { timeout: 60_000 });
  assert.equal(await frame.inputValue('#ae-epochs'), String(EPOCHS));
  assert.equal(await frame.inputValue('#ae-burnin'), '2');
  // Every redraw of the code scatter is recorded in the page (the measured backend may train the
  // 12 epochs faster than the test could poll them).
  type Watched = { __aeSeen?: { epochs: string[]; prints: string[] }; MutationObserver: new (cb: () => void) => { observe(node: unknown, options: unknown): void } };
  await frame.evaluate(() => {
    const g = globalThis as unknown as Watched & Doc;
    const canvas = g.document.querySelector('#ae-scatter-autoencoder')!;
    const seen = (g.__aeSeen = { epochs: [] as string[], prints: [] as string[] });
    new g.MutationObserver(() => {
      const epoch = canvas.getAttribute('data-epoch');
      const print = canvas.getAttribute('data-fingerprint');
      if (epoch && seen.epochs.at(-1) !== epoch) seen.epochs.push(epoch);
      if (print && seen.prints.at(-1) !== print) seen.prints.push(print);
    }).observe(canvas, { attributes: true, attributeFilter: ['data-epoch', 'data-fingerprint'] });
  });
  await frame.click('#ae-train');
  // While it trains, the panel's header says so (and never "ready"), with the tab's progress.
  await frame.waitForSelector('#status[data-status="training"]', { timeout: 30_000 });
  assert.match((await frame.textContent('#status')) ?? '', /^training the autoencoder: /);
  assert.equal(await frame.isDisabled('#backend-select'), true, 'the backend stays as it is while a model trains');

  // PCA and t-SNE come first, titled with their ρ; then the autoencoder's codes, redrawn as it trains.
  await frame.waitForSelector('#ae-title-pca[data-rho]', { timeout: 120_000 });
  await frame.waitForSelector('#ae-title-tsne[data-rho]', { timeout: 180_000 });
  await frame.waitForSelector('#ae-scatter-autoencoder[data-epoch="final"]', { timeout: 400_000 });
  const watched = await frame.evaluate(() => (globalThis as unknown as Watched).__aeSeen!);
  const seen = new Set(watched.epochs);
  const fingerprints = new Set(watched.prints);
  assert.ok(seen.has('final'), `the training finished (saw ${[...seen].join(', ')})`);
  assert.ok(seen.size >= 3, `the scatter was redrawn during the training: ${[...seen].join(', ')}`);
  assert.ok(fingerprints.size >= 3, `with different codes each time (${fingerprints.size} distinct)`);
  await frame.waitForSelector('#ae-status[data-state="done"]', { timeout: 60_000 });
  await frame.waitForSelector('#status[data-status="ready"]', { timeout: 10_000 });

  const rho = async (name: string) => Number(await frame.getAttribute(`#ae-title-${name}`, 'data-rho'));
  const [ae, pcaRho, tsneRho] = [await rho('autoencoder'), await rho('pca'), await rho('tsne')];
  for (const [name, r] of [['autoencoder', ae], ['PCA', pcaRho], ['t-SNE', tsneRho]] as const) assert.ok(Number.isFinite(r) && r > -1 && r <= 1, `${name} ρ = ${r}`);
  for (const name of ['autoencoder', 'pca', 'tsne']) assert.match((await frame.textContent(`#ae-title-${name}`)) ?? '', /ρ = -?\d\.\d+/);
  assert.equal(await frame.getAttribute('#ae-title-autoencoder', 'data-final'), 'true');
  // Painted in many colours of the scale (w_X differs between the roll's bulk and its edges).
  type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const colours = await frame.$eval('#ae-scatter-autoencoder', (node) => {
    const canvas = node as unknown as CanvasLike;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const set = new Set<number>();
    for (let i = 0; i < data.length; i += 4) if (data[i + 3] === 255) set.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    return set.size;
  });
  assert.ok(colours > 20, `${colours} distinct colours`);
  // The loss chart: every step, three series.
  // 2 burn-in epochs of 3 mini-batches (300 points in batches of 100), then one step per joint epoch.
  assert.equal(Number(await frame.getAttribute('#ae-loss', 'data-steps')), 2 * 3 + EPOCHS);
  assert.equal(await frame.$$eval('#ae-loss path.series', (p) => p.length), 3);
  assert.equal(await frame.getAttribute('#ae-report', 'data-tensor-growth'), '0', 'no tensor left behind');
  assert.equal((await frame.textContent('#ae-report-backend'))?.trim(), backend);
  await screenshot(page, 'autoencoder-01-trained');
  await (await frame.$('#ae-codes-card'))?.screenshot({ path: join('test-results', 'e2e', 'autoencoder-01-codes.png') });

  // The run on disk: completed, every step, ρ of the three maps as shown, and the codes.
  await waitFor(() => runs().some((r) => r.record.status === 'completed'), 30_000, 'the completed run record');
  const [{ dir, record }] = runs();
  assert.equal(record.status, 'completed');
  assert.equal(record.backend, backend);
  const history = record.history as { phase: string }[];
  const phases = history.map((s) => s.phase).join(', ');
  assert.equal(history.filter((s) => s.phase === 'joint').length, EPOCHS, phases);
  assert.equal(history.filter((s) => s.phase === 'burn-in').length, 2 * 3, phases);
  assert.equal(Number(await frame.getAttribute('#ae-loss', 'data-steps')), history.length);
  const kept = record.rho as { autoencoder: number; pca: number; tsne: number };
  assert.ok(Math.abs(kept.autoencoder - ae) < 1e-12 && Math.abs(kept.pca - pcaRho) < 1e-12 && Math.abs(kept.tsne - tsneRho) < 1e-12, JSON.stringify(kept));
  assert.equal((record.settings as { n: number }).n, AE_N, JSON.stringify(record.settings));
  const csv = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, AE_N + 1);
  assert.equal(csv[0], 'point,w_input,autoencoder_x,autoencoder_y,autoencoder_w,pca_x,pca_y,pca_w,tsne_x,tsne_y,tsne_w');
});

test('a cancelled training keeps what it reported', async () => {
  const frame = await panel();
  const before = runs().length;
  await frame.waitForSelector('#ae-train:not([disabled])', { timeout: 60_000 });
  await frame.fill('#ae-epochs', '50000');
  await frame.fill('#ae-burnin', '0');
  assert.equal(await frame.inputValue('#ae-epochs'), '50000');
  await frame.click('#ae-train');
  await frame.waitForFunction(() => /joint epoch (\d{2,})/.test((globalThis as unknown as Doc).document.querySelector('#ae-status')?.textContent ?? ''), undefined, { timeout: 240_000 });
  await frame.click('#ae-cancel');
  await frame.waitForSelector('#ae-status[data-state="cancelled"]', { timeout: 120_000 });
  assert.match((await frame.textContent('#ae-status')) ?? '', /Cancelled after \d+ steps/);
  await waitFor(() => runs().length === before + 1 && runs().at(-1)!.record.status === 'cancelled', 30_000, 'the cancelled run record');
  const { record, dir } = runs().at(-1)!;
  const history = record.history as unknown[];
  assert.ok(history.length >= 10 && history.length < 50000, `${history.length} steps kept`);
  assert.ok(typeof (record.rho as { autoencoder: number }).autoencoder === 'number', 'with the ρ of the codes it reached');
  assert.equal(readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n').length, AE_N + 1);
  assert.equal(await frame.isDisabled('#ae-train'), false, 'ready to train again');
  await screenshot(page, 'autoencoder-02-cancelled');
});

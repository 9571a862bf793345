// "Factorize (NMF)" end to end in the real VS Code 1.100 (code-server) in headless Chromium: the
// command from the Command Palette, the sample chosen in a quick pick, the panel and its tfjs
// backend (measured: the fastest, not the WebGPU adapter here, SwiftShader, Chromium's CPU
// emulation of a GPU), the compute path measured on a step of the data, the backend selector, a
// short Wasserstein NMF run on tfjs in the webview, the charts it draws, the run's record and files, the atoms
// exported as CSV, the same run in Float64, and the same factorisation from the CLI (all run the
// same core code).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { main as cli } from '../../src/cli/main';
import { readMnistDigits } from '../../src/core/factorize/mnist.node';
import { mnistSample } from '../../src/core/factorize/mnistSample';
import { findFrameWith, makeTempDir, packageExtension, removeTempDir, RESULTS_DIR, rightClickAndRun, runCommandFromPalette, saveThroughDialog, screenshot, startVsCode, type VsCode } from './harness';

let vscode: VsCode;
let workspace: string;
let page: Page;
/** The tfjs backend the panel measured fastest. */
let tfjsBackend = '';

/** The settings of the short runs: the reference example's, with 2 outer iterations of at most 4 L-BFGS iterations each. */
const ITERATIONS = 2;
const INNER = 4;

/** `lacuna nmf` on the same sample with the same settings: its JSON report and its atoms. */
async function cliRun(out: string): Promise<{ history: number[]; atoms: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (text += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await cli(['nmf', '--sample', 'gaussians', '--loss', 'wasserstein', '--k', '3', '--iterations', String(ITERATIONS), '--inner-iterations', String(INNER), '--atoms-out', out, '--json'], {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(code, 0, err);
  return { history: JSON.parse(text).history, atoms: readFileSync(out, 'utf8') };
}

/**
 * Runs a command from the palette. Extensions' commands reach the palette a few seconds after
 * the workbench shows, and an open palette does not refresh: so close it and try again.
 */
async function runFromPalette(title: string, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await runCommandFromPalette(page, title);
      return;
    } catch (err) {
      if (attempt === attempts) throw err;
      await page.keyboard.press('Escape');
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

async function panelFrame(selector = '#shape'): Promise<Frame> {
  return findFrameWith(page, selector, 90_000);
}

/** 64 MNIST digits at 14×14 as a wide CSV: 196 rows (pixels) × 64 columns (digits). */
function writeDigits(path: string): void {
  const { X, labels, indices } = mnistSample(readMnistDigits(), { count: 64 });
  const lines = [['pixel', ...labels.map((l, j) => `digit${l}_${indices[j] + 1}`)].join(',')];
  for (let i = 0; i < X.rows; i++) lines.push([String(i + 1), ...Array.from(X.values.subarray(i * X.cols, (i + 1) * X.cols), String)].join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

before(async () => {
  workspace = makeTempDir('lacuna-e2e-factorize-');
  writeDigits(join(workspace, 'digits.csv'));
  const vsix = await packageExtension();
  vscode = await startVsCode({ workspace, vsix });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

test('the Command Palette opens Factorize (NMF) on the 1-D sample chosen in a quick pick', async () => {
  await runFromPalette('Factorize (NMF)');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ hasText: /1-D Gaussian mixtures/ }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  const items = await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts();
  assert.ok(items.some((t) => /MNIST digits, 14×14/.test(t)), `the MNIST sample is offered too: ${items.join(' | ')}`);
  assert.ok(items.some((t) => /Choose a data file/.test(t)));
  await screenshot(page, 'factorize-01-quick-pick');
  await row.click();
  const frame = await panelFrame();
  assert.equal((await frame.textContent('#shape'))?.trim(), '100 × 100');
  assert.equal(await frame.inputValue('#loss'), 'wasserstein');
  assert.equal(await frame.inputValue('#grid-kind'), 'line');
  assert.deepEqual([await frame.inputValue('#grid-lo'), await frame.inputValue('#grid-hi')], ['-12', '12']);
  assert.deepEqual([await frame.inputValue('#k'), await frame.inputValue('#epsilon'), await frame.inputValue('#rho1'), await frame.inputValue('#rho2')], ['3', '0.025', '0.05', '0.05']);
  // The platform's badge: each tfjs backend timed a probe step, the fastest is taken (never the
  // emulated WebGPU unless it measured faster: it does not here), and the badge says why.
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  tfjsBackend = (await frame.getAttribute('#backend', 'data-backend')) ?? '';
  const why = (await frame.getAttribute('#backend', 'title')) ?? '';
  console.error(`[e2e] ${await frame.textContent('#backend')} — ${why}`);
  assert.notEqual(tfjsBackend, 'webgpu', `the panel chose the emulated WebGPU: ${why}`);
  assert.equal(await frame.getAttribute('#backend', 'data-chosen-by'), 'measured');
  assert.match(why, new RegExp(`^${tfjsBackend}: ${tfjsBackend} measured fastest: .*webgpu \\(a CPU emulation of a GPU\\)`));
  // The compute path: tfjs on that backend and Float64, both timed on a step of this data; the
  // faster is the default, and the compute badge says so, with its time and both timings.
  await frame.waitForSelector('#compute-badge[data-chosen-by="measured"]', { timeout: 60_000 });
  const path = await frame.inputValue('#compute');
  const computeText = (await frame.textContent('#compute-badge')) ?? '';
  const computeWhy = (await frame.getAttribute('#compute-badge', 'title')) ?? '';
  console.error(`[e2e] ${computeText} — ${computeWhy}`);
  assert.match(computeText, path === 'tfjs' ? new RegExp(`^compute: tfjs on ${tfjsBackend} \\(float32\\) \\(measured faster, [\\d.]+ m?s a probe step\\)$`) : /^compute: Float64 on the CPU \(measured faster, [\d.]+ m?s a probe step\)$/);
  assert.match(computeWhy, /Measured on this data: .* measured faster on a Wasserstein NMF step \(100 bins × 8 observations\): .* against /);
  assert.match((await frame.textContent('#compute option[value="tfjs"]')) ?? '', new RegExp(`^tfjs \\(float32 on ${tfjsBackend}, [\\d.]+ m?s a probe step\\)$`));
  assert.match((await frame.textContent('#compute option[value="float64"]')) ?? '', /^CPU \(Float64, [\d.]+ m?s a probe step\)$/);
  await screenshot(page, 'factorize-02a-measured');
  // Choosing tfjs changes the badge; the following runs use it.
  await frame.selectOption('#compute', 'tfjs');
  assert.equal(await frame.getAttribute('#compute-badge', 'data-backend'), `tfjs-${tfjsBackend}-float32`);
  assert.equal((await frame.textContent('#compute-badge'))?.trim(), `compute: tfjs on ${tfjsBackend} (float32) (your choice)`);
  assert.match((await frame.getAttribute('#compute-badge', 'title')) ?? '', new RegExp(`tfjs, float32, on the ${tfjsBackend} backend`));
  await screenshot(page, 'factorize-02-panel');
});

test('the backend selector switches tfjs to the emulated WebGPU, the compute path is timed again there, and auto switches back', async () => {
  const frame = await panelFrame();
  await frame.selectOption('#backend-select', 'webgpu');
  await frame.waitForSelector('#backend[data-backend="webgpu"][data-chosen-by="user"]', { timeout: 30_000 });
  assert.match((await frame.textContent('#backend')) ?? '', /^backend: webgpu \(your choice/);
  // The compute path is timed again on the new backend (Run waits for it), and names the emulation.
  await frame.waitForSelector('#compute-badge[data-tfjs="webgpu"]', { timeout: 10_000 });
  await frame.waitForSelector('#run:not([disabled])', { timeout: 60_000 });
  assert.match((await frame.getAttribute('#compute-badge', 'title')) ?? '', /Measured on this data: .*tfjs on webgpu \(a CPU emulation of a GPU\)/);
  assert.match((await frame.textContent('#compute option[value="tfjs"]')) ?? '', /^tfjs \(float32 on webgpu, a CPU emulation of a GPU/);
  await screenshot(page, 'factorize-02b-emulated-webgpu');
  await frame.selectOption('#backend-select', 'auto');
  await frame.waitForSelector(`#backend[data-backend="${tfjsBackend}"][data-chosen-by="measured"]`, { timeout: 30_000 });
  await frame.waitForSelector(`#compute-badge[data-tfjs="${tfjsBackend}"]`, { timeout: 10_000 });
  await frame.waitForSelector('#run:not([disabled])', { timeout: 60_000 });
  // The user's pick of the compute path stands.
  assert.equal(await frame.getAttribute('#compute-badge', 'data-backend'), `tfjs-${tfjsBackend}-float32`);
});

test('a short Wasserstein NMF run on tfjs (the measured backend) draws the atoms, the objective, the reconstructions and the weights', async () => {
  const frame = await panelFrame();
  await frame.fill('#iterations', String(ITERATIONS));
  await frame.fill('#inner', String(INNER));
  await frame.click('#run');
  // The page stays responsive while it computes: progress is shown as the run goes, with the backend.
  await frame.waitForSelector('#progress:has-text("L-BFGS")', { timeout: 300_000 });
  // Read after the wait: on a quiet machine the short run may already show its "done · backend" line.
  assert.match((await frame.textContent('#progress')) ?? '', new RegExp(`· ${tfjsBackend}( ·|$)`));
  await frame.waitForSelector(`#result[data-iterations="${ITERATIONS}"]`, { timeout: 600_000 });
  await frame.waitForSelector('#status[data-status="completed"]', { timeout: 30_000 });
  assert.equal(await frame.getAttribute('#result', 'data-backend'), `tfjs-${tfjsBackend}-float32`);
  assert.match((await frame.textContent('#result')) ?? '', new RegExp(`\\(tfjs, float32 on ${tfjsBackend}\\)\\.$`));
  // Every tensor the run made was freed.
  assert.equal(await frame.getAttribute('body', 'data-tensors-after'), await frame.getAttribute('body', 'data-tensors-before'));
  process.stderr.write(`[factorize] tfjs run: ${await frame.textContent('#progress')}\n`);

  // The atoms chart: three line panels, each a drawn path, titled with its mode.
  assert.equal(await frame.getAttribute('#atoms-card', 'data-k'), '3');
  assert.equal(await frame.getAttribute('#atoms-card', 'data-iteration'), String(ITERATIONS));
  const atoms = await frame.$$eval('#atoms-lines g.panel', (panels) =>
    panels.map((p) => ({ title: p.querySelector('.panel-title')?.textContent ?? '', d: p.querySelector('path.series')?.getAttribute('d') ?? '' })),
  );
  assert.equal(atoms.length, 3);
  for (const atom of atoms) {
    assert.match(atom.title, /^atom \d · mode -?\d+\.\d\d$/);
    assert.ok(atom.d.length > 200, `the atom's line is drawn (${atom.d.length} characters of path)`);
  }
  const box = await (await frame.$('#atoms-lines'))!.boundingBox();
  assert.ok(box && box.width > 300 && box.height > 80, `the atoms chart is visible (${JSON.stringify(box)})`);

  // The objective has one point per outer iteration; the weights one bar per atom.
  assert.equal(await frame.getAttribute('#objective', 'data-points'), String(ITERATIONS));
  assert.equal(await frame.$$eval('#weights rect.bar', (bars) => bars.length), 3);
  assert.ok((await frame.$$eval('#reconstruction-lines g.panel', (panels) => panels.length)) === 8);

  // Selecting another observation redraws its weights.
  await frame.fill('#observation', '12');
  await frame.dispatchEvent('#observation', 'change');
  await frame.waitForSelector('#weights[data-observation="11"]', { timeout: 10_000 });

  await screenshot(page, 'factorize-03-results');
  await (await frame.$('#atoms-card'))?.screenshot({ path: join(RESULTS_DIR, 'factorize-04-atoms-card.png') });
  await (await frame.$('#reconstructions-card'))?.screenshot({ path: join(RESULTS_DIR, 'factorize-05-reconstructions-card.png') });
});

test('the run has a record with its files, and its atoms export as CSV; Float64 in the panel and the CLI find the same factorisation', async () => {
  const frame = await panelFrame('#result');
  const runId = (await frame.getAttribute('body', 'data-run-id')) ?? '';
  assert.match(runId, /^[\w-]+$/);
  const runDir = join(workspace, '.lacuna', 'runs', runId);
  const record = JSON.parse(readFileSync(join(runDir, 'factorization.json'), 'utf8'));
  assert.equal(record.kind, 'factorize');
  assert.equal(record.status, 'completed');
  assert.deepEqual(record.input, { kind: 'sample', name: 'gaussians', shape: [100, 100] });
  assert.equal(record.config.iterations, ITERATIONS);
  assert.equal(record.result.iterations, ITERATIONS);
  assert.equal(record.result.backend, `tfjs-${tfjsBackend}-float32`);
  for (const name of ['atoms.csv', 'weights.csv', 'history.json']) assert.ok(existsSync(join(runDir, name)), name);

  await frame.click('#atoms-card h2 .actions button:text-is("CSV")');
  const target = join(workspace, 'gaussians.atoms.csv');
  await saveThroughDialog(page, target);
  const exported = readFileSync(target, 'utf8');
  assert.equal(exported, readFileSync(join(runDir, 'atoms.csv'), 'utf8'));
  const lines = exported.trim().split('\n');
  assert.equal(lines[0], 'position,atom_1,atom_2,atom_3');
  assert.equal(lines.length, 101);

  // The tfjs run (float32) tracks the CLI's Float64 run: objectives within 2%, atoms peaking
  // within 0.75 of the same positions (the tolerance for the modes).
  const fromCli = await cliRun(join(mkdtempSync(join(tmpdir(), 'lacuna-cli-')), 'atoms.csv'));
  const tfjsHistory: number[] = JSON.parse(readFileSync(join(runDir, 'history.json'), 'utf8')).history;
  assert.equal(tfjsHistory.length, ITERATIONS);
  tfjsHistory.forEach((h, i) => assert.ok(Math.abs(h - fromCli.history[i]) <= 0.02 * Math.abs(fromCli.history[i]), `objective ${i + 1}: tfjs ${h}, CLI ${fromCli.history[i]}`));
  const parse = (csv: string) => csv.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const modes = (rows: number[][]) => [1, 2, 3].map((a) => rows.reduce((best, row) => (row[a] > best[a] ? row : best))[0]).sort((a, b) => a - b);
  const cliModes = modes(parse(fromCli.atoms));
  modes(parse(exported)).forEach((mode, a) => assert.ok(Math.abs(mode - cliModes[a]) <= 0.75, `modes: tfjs ${modes(parse(exported))}, CLI ${cliModes}`));

  // The same settings in Float64 in the panel: the CLI's very factorisation. Not to the last bit:
  // Chromium's V8 and Node's may round Math.exp and Math.log differently in the last place, and
  // dual steps that stop at their L-BFGS cap carry such differences on; so the objectives agree
  // to 1e-3 and each atom peaks in the same bin.
  await frame.selectOption('#compute', 'float64');
  assert.equal(await frame.getAttribute('#compute-badge', 'data-backend'), 'cpu-float64');
  await frame.click('#run');
  await frame.waitForSelector('#result[data-backend="cpu-float64"]', { timeout: 180_000 });
  await frame.waitForSelector('#status[data-status="completed"]', { timeout: 30_000 });
  const float64Id = (await frame.getAttribute('body', 'data-run-id')) ?? '';
  assert.notEqual(float64Id, runId, 'a second run, with its own record');
  const float64Dir = join(workspace, '.lacuna', 'runs', float64Id);
  assert.equal(JSON.parse(readFileSync(join(float64Dir, 'factorization.json'), 'utf8')).result.backend, 'cpu-float64');
  const panelHistory: number[] = JSON.parse(readFileSync(join(float64Dir, 'history.json'), 'utf8')).history;
  assert.equal(panelHistory.length, ITERATIONS);
  panelHistory.forEach((h, i) => assert.ok(Math.abs(h - fromCli.history[i]) <= 1e-3 * Math.abs(h), `objective ${i + 1}: panel ${h}, CLI ${fromCli.history[i]}`));
  assert.deepEqual(modes(parse(readFileSync(join(float64Dir, 'atoms.csv'), 'utf8'))), cliModes, 'each atom peaks at the same position');
  await frame.selectOption('#compute', 'tfjs');
  await screenshot(page, 'factorize-06-exported');
});

test('the page stays responsive during a long tfjs run, and Cancel stops it within an L-BFGS solve, freeing its tensors', async () => {
  const frame = await panelFrame('#atoms-lines');
  assert.equal(await frame.getAttribute('#compute-badge', 'data-backend'), `tfjs-${tfjsBackend}-float32`);
  await frame.fill('#iterations', '200');
  const previousRun = (await frame.getAttribute('body', 'data-run-id')) ?? '';
  await frame.click('#run');
  await frame.waitForSelector('#cancel:not([disabled])', { timeout: 10_000 });
  await frame.waitForSelector('#progress:has-text("L-BFGS")', { timeout: 300_000 });
  // The page answers the click while it computes; the run stops after the L-BFGS iteration under
  // way (seconds on SwiftShader, milliseconds on a GPU), long before the 200 iterations.
  const started = Date.now();
  await frame.click('#cancel', { timeout: 5_000 });
  await frame.waitForSelector('#status[data-status="cancelled"]', { timeout: 60_000 });
  assert.ok(Date.now() - started < 60_000, 'cancelled within one L-BFGS iteration');
  assert.match((await frame.textContent('#progress')) ?? '', /cancelled after/);
  assert.equal(await frame.isEnabled('#run'), true);
  assert.equal(await frame.getAttribute('body', 'data-tensors-after'), await frame.getAttribute('body', 'data-tensors-before'), 'no tensors left behind');
  // The cancelled run's own record (the body names the new run once the host has created it).
  let runId = '';
  for (const until = Date.now() + 10_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
    runId = (await frame.getAttribute('body', 'data-run-id')) ?? '';
    if (runId && runId !== previousRun) break;
  }
  assert.notEqual(runId, previousRun, 'the cancelled run has its own record');
  const deadline = Date.now() + 10_000;
  let status = '';
  while (Date.now() < deadline) {
    status = JSON.parse(readFileSync(join(workspace, '.lacuna', 'runs', runId, 'factorization.json'), 'utf8')).status;
    if (status === 'cancelled') break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(status, 'cancelled', 'the run record says cancelled');
});

test('right-click a 196-row CSV: Factorize (NMF) infers a 14×14 image grid, and a Frobenius run draws the atoms as images', async () => {
  await rightClickAndRun(page, 'digits.csv', 'Factorize (NMF)');
  const frame = await findFrameWith(page, '#data-grid:has-text("14 × 14 pixels")', 90_000);
  // A new panel measures its backends once (WebGL on SwiftShader compiles its shaders on the
  // page's thread for a few seconds): the checks below wait for the choice.
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  assert.equal((await frame.textContent('#shape'))?.trim(), '196 × 64');
  assert.equal(await frame.inputValue('#grid-kind'), 'image');
  assert.deepEqual([await frame.inputValue('#grid-width'), await frame.inputValue('#grid-height')], ['14', '14']);
  assert.equal(await frame.inputValue('#epsilon'), '0.0025', 'the image defaults of the reference example');
  await frame.selectOption('#loss', 'frobenius');
  // NMF runs in Float64: the badge says so, and there is no compute choice to make.
  assert.equal(await frame.getAttribute('#compute-badge', 'data-backend'), 'cpu-float64');
  assert.equal((await frame.textContent('#compute-badge'))?.trim(), 'compute: Float64 on the CPU');
  assert.equal(await frame.isHidden('#compute-label'), true);
  await frame.fill('#k', '8');
  await frame.fill('#iterations', '60');
  await frame.click('#run');
  await frame.waitForSelector('#result[data-loss="frobenius"]', { timeout: 120_000 });
  await frame.waitForSelector('#status[data-status="completed"]', { timeout: 30_000 });
  assert.equal(await frame.getAttribute('#atoms-tiles', 'data-tiles'), '8');
  assert.equal(await frame.getAttribute('#reconstruction-tiles', 'data-tiles'), '16', 'eight originals above their reconstructions');
  type CanvasLike = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const painted = await frame.$eval('#atoms-tiles', (node) => {
    const canvas = node as unknown as CanvasLike;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    let lit = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i] > 0) lit++;
    return lit / (canvas.width * canvas.height);
  });
  assert.ok(painted > 0.3, `the atom images are drawn (${(painted * 100).toFixed(0)}% of the canvas)`);
  await screenshot(page, 'factorize-07-digits');
  await (await frame.$('#atoms-card'))?.screenshot({ path: join(RESULTS_DIR, 'factorize-08-digit-atoms-card.png') });
  await (await frame.$('#reconstructions-card'))?.screenshot({ path: join(RESULTS_DIR, 'factorize-09-digit-reconstructions-card.png') });

  // The panel switches to the MNIST sample (256 digits, from the copy packaged with Lacuna).
  await frame.selectOption('#input', 'mnist');
  await frame.waitForSelector('#shape:has-text("196 × 256")', { timeout: 30_000 });
  assert.deepEqual([await frame.inputValue('#k'), await frame.inputValue('#iterations'), await frame.inputValue('#rho1')], ['25', '15', '0.005']);
  assert.equal(await frame.isHidden('#atoms-card'), true, 'the previous input’s results are cleared');
  await screenshot(page, 'factorize-10-mnist-sample');
});

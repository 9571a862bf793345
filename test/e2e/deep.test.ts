// Learned imputers in the real VS Code 1.100 training panel (WebGPU on SwiftShader): train the
// Kron model (ViT when it is registered) on the embedded sample, see the live charts update
// (loss points, the GradNorm weight trajectories), pause, find the checkpoint in the run
// folder, resume, cancel (the checkpoint stays), reopen the run after a reload and evaluate it
// across mask ratios.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Frame, Page } from 'playwright-core';
import { findFrameWith, makeTrafficWorkspace, openFile, packageExtension, quickInput, reloadWindow, removeTempDir, rightClickAndRun, screenshot, startVsCode, type VsCode } from './harness';

let vscode: VsCode;
let workspace: string;
let page: Page;

before(async () => {
  workspace = makeTrafficWorkspace('lacuna-e2e-deep-');
  vscode = await startVsCode({ workspace, vsix: await packageExtension() });
  page = vscode.page;
});

after(async () => {
  await vscode?.stop();
  if (workspace) removeTempDir(workspace);
});

function runFolder(): string {
  const root = join(workspace, '.lacuna', 'runs');
  const ids = readdirSync(root).filter((n) => existsSync(join(root, n, 'run.json')));
  assert.equal(ids.length, 1, `one run: ${ids}`);
  return join(root, ids[0]);
}

/** The checkpoint run.json points at: its folder holds model.json and a non-empty weights.bin. */
function savedCheckpoint(): { epoch: number; step: number } {
  const dir = runFolder();
  const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
  assert.ok(record.checkpoint, 'run.json points at a checkpoint');
  const folder = join(dir, 'checkpoints', record.checkpoint.dir);
  const model = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
  assert.equal(model.format, 'lacuna-imputer');
  assert.ok(statSync(join(folder, 'weights.bin')).size > 1000, 'weights.bin holds the weights');
  return record.checkpoint;
}

// Generous: the page's thread is busy with training steps (WebGPU on SwiftShader, on the CPU).
const number = async (frame: Frame, selector: string, attribute: string) => Number((await frame.getAttribute(selector, attribute, { timeout: 60_000 })) ?? 0);

/** Polls from here: the panel's CSP forbids evaluating strings, and its DOM types are not ours. */
async function until(what: string, check: () => Promise<boolean>, timeout: number) {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function waitForSteps(frame: Frame, atLeast: number, timeout = 180_000) {
  await until(`${atLeast} training steps`, async () => (await number(frame, '#train-stats', 'data-step')) >= atLeast, timeout);
}

test('the ViT at its default size trains in the panel on the fastest measured backend (never the emulated WebGPU): first step within 15 s, the Explorer answers, the charts update live', async () => {
  await rightClickAndRun(page, 'traffic.csv', 'Impute matrix');
  await quickInput(page);
  await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: /traffic_locations\.csv/ }).first().click();
  const frame = await findFrameWith(page, '#shape', 90_000);
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  // The fastest measured backend: never the emulated WebGPU here (its first step is far slower);
  // wasm usually, webgl on SwiftShader when it measured faster.
  const chosen = (await frame.getAttribute('#backend', 'data-backend')) ?? '';
  const why = (await frame.getAttribute('#backend', 'title')) ?? '';
  assert.ok(['wasm', 'webgl'].includes(chosen), `chose ${chosen}: ${why}`);
  assert.match(why, /fastest/, why);
  const options = await frame.$$eval('#method option', (os) => os.map((o) => o.getAttribute('value') ?? ''));
  for (const m of ['vit', 'kron', 'unet']) assert.ok(options.includes(m), `the picker offers ${m}: ${options}`);
  const method = 'vit';
  await frame.selectOption('#method', method);
  await frame.waitForSelector('#deep-settings:not([hidden]) #hp-steps');
  // The default size (only the epoch limit raised, so that early stopping does not end it here).
  await frame.fill('#epochs', '400');
  assert.match((await frame.getAttribute('#hp-steps', 'title')) ?? '', /steps of .* here/, 'the window says its length in time');
  const clicked = Date.now();
  // The page starts the first step at once (its first step can hold the page's thread for
  // seconds on a loaded machine): the click does not wait for the page, the status below does.
  await frame.click('#run', { noWaitAfter: true });
  await frame.waitForSelector('#status[data-status="running"]', { timeout: 30_000 });
  assert.match((await frame.textContent('#status')) ?? '', /^running: training vit$/);
  await waitForSteps(frame, 1, 60_000);
  const firstStep = (Date.now() - clicked) / 1000;
  console.error(`[e2e] vit (default size) on ${await frame.getAttribute('#backend', 'data-backend')}: first step ${firstStep.toFixed(1)} s after Run`);
  // Issue 18 asks for 15 s; the bound here is a regression guard that holds on a shared machine
  // (the emulated WebGPU this replaced took 104 s); the figures go to BENCHMARKS.md.
  assert.ok(firstStep <= 40, `first step after ${firstStep.toFixed(1)} s`);
  // The workbench answers during training: a click in the Explorer (its Outline section's header)
  // toggles the section within 1 s. (A file click would open the file over the panel; the tree's
  // rows move as .lacuna fills.)
  const latencies: number[] = [];
  const outline = page.locator('.explorer-viewlet .pane-header', { hasText: /^\s*Outline/i }).first();
  await outline.waitFor({ state: 'visible', timeout: 60_000 });
  {
    const before = await outline.getAttribute('aria-expanded');
    const t0 = Date.now();
    await outline.click({ timeout: 5_000, noWaitAfter: true });
    while ((await outline.getAttribute('aria-expanded')) === before && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
    latencies.push(Date.now() - t0);
  }
  console.error(`[e2e] Explorer click latency during training: ${latencies.join(', ')} ms`);
  // Issue 18 asks for 1 s (measured 53–830 ms); 2 s keeps this a regression guard on a loaded machine.
  assert.ok(Math.max(...latencies) <= 2000, `Explorer clicks took ${latencies} ms`);
  await waitForSteps(frame, 4);
  const points = await number(frame, '#loss-chart', 'data-points');
  assert.ok(points >= 4, `${points} loss points`);
  const drawn = await frame.$$eval('#weights-chart path.series', (ps) => ps.map((p) => (p.getAttribute('d') ?? '').length));
  assert.equal(drawn.length, 2, 'w_nz and w_z');
  assert.ok(drawn.every((n) => n > 10), `both weight trajectories are drawn: ${drawn}`);
  const statsText = (await frame.textContent('#train-stats', { timeout: 60_000 })) ?? '';
  console.error(`[e2e] ${method}: ${statsText}`);
  assert.match(statsText, new RegExp(`steps/s .*ETA .*backend ${chosen}`));
  // The step budget: the stats say the batch in use, and a step slower than 2 s shrank it.
  assert.match(statsText, /batch \d+(, shrunk if a step takes over 2 s on \w+| \(a step took [\d.]+ s on \w+: shrunk to stay under 2 s\))/);
  console.error(`[e2e] batch in use: ${await frame.getAttribute('#train-stats', 'data-batch')} (asked 16)`);
  // The charts keep moving.
  await waitForSteps(frame, points + 2);
  assert.ok((await number(frame, '#loss-chart', 'data-points')) > points);
  await screenshot(page, `deep-01-training-${method}`);
  // Another editor in front for 20 s: the page is retained while hidden, so the training goes on
  // and, back in front, the charts hold every step.
  const stepBefore = await number(frame, '#train-stats', 'data-step');
  await openFile(page, 'traffic_locations.csv');
  await new Promise((r) => setTimeout(r, 20_000));
  await page.locator('.tabs-container .tab', { hasText: 'Lacuna: traffic.csv' }).first().click();
  const back = await findFrameWith(page, '#train-stats', 60_000);
  const [status, step, charted, heap] = await back.$eval('body', (b) => [
    b.querySelector('#status')?.getAttribute('data-status') ?? '',
    Number(b.querySelector('#train-stats')?.getAttribute('data-step') ?? 0),
    Number(b.querySelector('#loss-chart')?.getAttribute('data-points') ?? 0),
    // What the retained page holds (Chromium's JS heap; ARCHITECTURE.md reports it).
    Number((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? NaN),
  ] as const);
  console.error(`[e2e] hidden for 20 s: ${status}, step ${stepBefore} -> ${step}, ${charted} points charted; the retained page's JS heap ${(heap / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(status === 'running' || status === 'completed', `still running or finished after 20 s hidden: ${status}`);
  assert.ok(step > stepBefore, `the training went on while hidden: step ${stepBefore} -> ${step}`);
  assert.equal(charted, step, 'the loss chart shows every step');
  // Pause as soon as the first epoch's checkpoint is saved (long before early stopping).
  await frame.waitForSelector('#training[data-checkpoint-epoch]', { timeout: 180_000 });
  const pausedAt = Date.now();
  await frame.click('#pause', { timeout: 60_000 });
  await frame.waitForSelector('#status[data-status="paused"]', { timeout: 60_000 });
  const pauseSeconds = (Date.now() - pausedAt) / 1000;
  console.error(`[e2e] pause took effect in ${pauseSeconds.toFixed(1)} s`);
  assert.ok(pauseSeconds <= 10, `pause took ${pauseSeconds.toFixed(1)} s`);
});

test('pause saves a checkpoint in the run folder; resume continues; cancel keeps the checkpoint', async () => {
  const frame = await findFrameWith(page, '#train-stats', 30_000);
  await frame.waitForSelector('#status[data-status="paused"]', { timeout: 120_000 });
  const paused = savedCheckpoint();
  const stepAtPause = await number(frame, '#train-stats', 'data-step');
  assert.equal(paused.step, stepAtPause, 'the pause saved the exact state');
  assert.ok(!(await frame.isDisabled('#resume', { timeout: 60_000 })), 'Resume is offered');
  await frame.click('#resume', { timeout: 60_000 });
  await frame.waitForSelector('#status[data-status="running"]', { timeout: 30_000 });
  await waitForSteps(frame, stepAtPause + 2);
  await screenshot(page, 'deep-02-resumed');
  const cancelledAt = Date.now();
  await frame.click('#cancel', { timeout: 60_000 });
  await frame.waitForSelector('#status[data-status="cancelled"]', { timeout: 120_000 });
  const cancelSeconds = (Date.now() - cancelledAt) / 1000;
  console.error(`[e2e] cancel took effect in ${cancelSeconds.toFixed(1)} s`);
  assert.ok(cancelSeconds <= 10, `cancel took ${cancelSeconds.toFixed(1)} s`);
  const kept = savedCheckpoint();
  assert.ok(kept.step >= paused.step, `the checkpoint is kept (step ${kept.step})`);
  const training = JSON.parse(readFileSync(join(runFolder(), 'training.json'), 'utf8'));
  assert.ok(training.length >= stepAtPause + 2, `${training.length} training steps recorded`);
  assert.ok(training.every((p: { weights: number[] }) => p.weights.length === 2), 'w_nz and w_z at every step');
});

test('after a reload the run comes back with its charts, and its checkpoint is evaluated across mask ratios', async () => {
  await reloadWindow(page);
  const frame = await findFrameWith(page, '#train-stats', 90_000);
  await frame.waitForSelector('#resume:not([disabled])', { timeout: 60_000 });
  // The backend is measured after the data shows (the header shifts when its selector arrives).
  await frame.waitForSelector('#backend[data-backend]', { timeout: 90_000 });
  assert.ok((await number(frame, '#loss-chart', 'data-points')) > 0, 'the loss curve is restored');
  // Evaluate can be cancelled (between mask ratios), then run to the end.
  // Evaluate, then Cancel as a user clicks it while the evaluation runs. Both clicks go through the
  // page's own handlers in one task: the page is busy predicting between its yields, and a
  // Playwright click (which first checks the button over several round trips) could land only
  // after a fast machine had finished the whole evaluation.
  await frame.evaluate(`(() => {
    document.querySelector('#evaluate').click();
    const cancel = document.querySelector('#cancel');
    if (!cancel || cancel.disabled) throw new Error('Cancel is not offered while the evaluation runs');
    cancel.click();
  })()`);
  await frame.waitForSelector('#evaluation[data-cancelled="true"]', { state: 'attached', timeout: 60_000 });
  assert.match((await frame.textContent('#message')) ?? '', /Evaluation cancelled/);
  await frame.waitForSelector('#evaluate:not([disabled])', { timeout: 30_000 });
  await frame.click('#evaluate');
  await frame.waitForSelector('#mask-ratios', { timeout: 180_000 });
  const ratios = await frame.$$eval('#mask-ratios tbody tr', (rows) => rows.map((r) => Number(r.getAttribute('data-ratio'))));
  assert.deepEqual(ratios, [0.5, 0.6, 0.8, 0.9]);
  const maes = await frame.$$eval('#mask-ratios tbody tr td:nth-child(3)', (cells) => cells.map((c) => Number(c.textContent)));
  assert.ok(maes.every((v) => Number.isFinite(v) && v > 0), `MAE at every ratio: ${maes}`);
  assert.ok((await frame.$$('#mask-ratio-chart path.series')).length === 2, 'MAE and RMSE drawn against the ratio');
  // The imputed map animates.
  if (await frame.$('#play')) {
    const before = await frame.inputValue('#time-slider');
    await frame.click('#play');
    await until('the map to move', async () => (await frame.inputValue('#time-slider')) !== before, 10_000);
    await frame.click('#play');
    assert.equal(await frame.getAttribute('#play', 'data-playing'), 'false');
  }
  const evaluation = JSON.parse(readFileSync(join(runFolder(), 'evaluation.json'), 'utf8'));
  assert.equal(evaluation.maskRatios.length, 4);
  await screenshot(page, 'deep-03-evaluated');
  // The cancelled run writes its imputed file from its best checkpoint.
  await frame.click('#write-imputed');
  await frame.waitForSelector('#message[data-saved]', { timeout: 120_000 });
  assert.ok(existsSync(join(workspace, 'traffic.imputed.csv')), 'traffic.imputed.csv written from the checkpoint');
  const record = JSON.parse(readFileSync(join(runFolder(), 'run.json'), 'utf8'));
  assert.equal(record.result.fromCheckpoint, true);
});

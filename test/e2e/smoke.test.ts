// Smoke test in the real VS Code (code-server 4.100.3) in headless Chromium.
// Assumes `npm run build` ran and `bash test/e2e/setup.sh` installed code-server (test/e2e/run.mjs runs the setup).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import {
  explorerRow,
  findFrameWith,
  makeTempDir,
  notifications,
  openFile,
  quickInput,
  packageExtension,
  reloadWindow,
  removeTempDir,
  rightClickAndRun,
  runCommandFromPalette,
  screenshot,
  startVsCode,
  type VsCode,
} from './harness';

const CSV = ['time,a,b', '2024-01-01 00:00,1,2', '2024-01-01 01:00,,3', '2024-01-01 02:00,4,', '2024-01-01 03:00,5,6', ''].join('\n');

/** Frames that belong to a webview (VS Code nests the webview's document in iframes under /webview/). */
function webviewFrames(page: Page): Frame[] {
  return page.frames().filter((f) => !f.isDetached() && f !== page.mainFrame() && /webview/i.test(f.url()));
}

async function gpuAdapter(frame: Frame | Page): Promise<string | null> {
  return frame.evaluate(async () => {
    type Adapter = { info?: { vendor: string; architecture: string } };
    const { navigator } = globalThis as unknown as { navigator: { gpu?: { requestAdapter(): Promise<Adapter | null> } } };
    const gpu = navigator.gpu;
    if (!gpu) return null;
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    return `${adapter.info?.vendor ?? '?'}/${adapter.info?.architecture ?? '?'}`;
  });
}

describe('e2e smoke: Lacuna in VS Code 1.100 (code-server)', { timeout: 600_000 }, () => {
  let vscode: VsCode | undefined;
  let workspace = '';
  let vsix = '';

  const page = (): Page => {
    if (!vscode) throw new Error('VS Code did not start');
    return vscode.page;
  };

  /** Screenshots and logs on failure; every test goes through this. */
  async function step(name: string, fn: (page: Page) => Promise<void>): Promise<void> {
    try {
      await fn(page());
      await screenshot(page(), name);
    } catch (e) {
      if (vscode) {
        await screenshot(vscode.page, `${name}-failure`).catch(() => undefined);
        vscode.dumpLogs();
      }
      throw e;
    }
  }

  before(async () => {
    workspace = makeTempDir('lacuna-e2e-ws-');
    writeFileSync(join(workspace, 'data.csv'), CSV);
    writeFileSync(join(workspace, 'README.md'), '# Lacuna e2e\n\nA workspace for the smoke test.\n');
    const t0 = Date.now();
    vsix = await packageExtension();
    process.stderr.write(`[e2e] packaged ${vsix} in ${Date.now() - t0} ms\n`);
    vscode = await startVsCode({ workspace, vsix });
    await screenshot(vscode.page, '01-workbench');
  });

  after(async () => {
    await vscode?.stop();
    if (vsix) removeTempDir(dirname(vsix));
    if (workspace) removeTempDir(workspace);
  });

  test('the Explorer lists data.csv', { timeout: 60_000 }, async () => {
    await step('02-explorer', async (p) => {
      await explorerRow(p, 'data.csv').waitFor({ state: 'visible' });
    });
  });

  test('right-click data.csv → "Impute matrix" answers (notification, webview or quick pick)', { timeout: 90_000 }, async () => {
    await step('03-impute-matrix', async (p) => {
      await rightClickAndRun(p, 'data.csv', 'Impute matrix');
      // Any visible answer from the extension will do here; the real flow is tested elsewhere.
      const deadline = Date.now() + 30_000;
      let seen: string | undefined;
      while (Date.now() < deadline && seen === undefined) {
        const texts = await notifications(p);
        const pick = await quickInput(p);
        if (texts.length > 0) seen = `notification: ${texts.join(' | ')}`;
        else if (webviewFrames(p).length > 0) seen = `webview: ${webviewFrames(p)[0].url().slice(0, 120)}`;
        else if (pick) seen = `quick pick "${pick.title}": ${pick.items.join(' | ')}`;
        else await new Promise((r) => setTimeout(r, 250));
      }
      assert.ok(seen, 'no notification, webview or quick pick appeared within 30 s of "Impute matrix"');
      process.stderr.write(`[e2e] Impute matrix → ${seen.replace(/\s+/g, ' ')}\n`);
      await screenshot(p, '03-impute-matrix');
      await p.keyboard.press('Escape'); // close a quick pick, if any, for the next test
    });
  });

  test('WebGPU: navigator.gpu gives an adapter in the workbench page and in a webview', { timeout: 120_000 }, async () => {
    await step('04-webgpu', async (p) => {
      const main = await gpuAdapter(p);
      process.stderr.write(`[e2e] WebGPU adapter in the workbench page: ${main ?? 'none'}\n`);
      // A webview from a built-in extension (Markdown preview): that is the context Lacuna's panels run in.
      await openFile(p, 'README.md');
      await runCommandFromPalette(p, 'Markdown: Open Preview to the Side');
      const frame = await findFrameWith(p, '.markdown-body', 60_000);
      const inWebview = await gpuAdapter(frame);
      process.stderr.write(`[e2e] WebGPU adapter in a webview: ${inWebview ?? 'none'}\n`);
      assert.ok(inWebview, 'navigator.gpu.requestAdapter() gave no adapter inside a webview');
      assert.ok(main, 'navigator.gpu.requestAdapter() gave no adapter in the workbench page');
    });
  });

  test('Developer: Reload Window brings the workbench back', { timeout: 180_000 }, async () => {
    await step('05-reloaded', async (p) => {
      await reloadWindow(p);
      await explorerRow(p, 'data.csv').waitFor({ state: 'visible' });
    });
  });
});

// The platform's safety in the real VS Code 1.100 (code-server): a file whose name is HTML stays
// text when its restored panel cannot reopen it, and an untrusted workspace gets nothing
// written, at activation either.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { ImputeRuns } from '../../src/host/impute/runs';
import { findFrameWith, makeTempDir, openFile, packageExtension, quickInput, reloadWindow, removeTempDir, runCommandFromPalette, rightClickAndRun, screenshot, waitForNotification, withVsCode } from './harness';
import { fileDigest } from '../unit/hostFixtures';

const HOSTILE = '<img src=x onerror=alert(1)>.csv';
const CSV = 'time,a,b,c\n2024-01-01 00:00,1,2,3\n2024-01-01 01:00,4,,6\n2024-01-01 02:00,7,8,\n2024-01-01 03:00,1,2,3\n';

/** Every file under `dir` with its size, modification time and content hash, for before/after. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        out.set(relative(dir, p) + '/', 'folder');
        walk(p);
      } else out.set(relative(dir, p), `${statSync(p).size} ${statSync(p).mtimeMs} ${readFileSync(p).toString('base64').slice(0, 64)}`);
    }
  };
  walk(dir);
  return out;
}

test('a file named like HTML, moved away before a reload, shows in the restored panel as text', async () => {
  const workspace = makeTempDir('lacuna-e2e-platform-');
  writeFileSync(join(workspace, HOSTILE), CSV);
  try {
    await withVsCode({ workspace, vsix: await packageExtension() }, async ({ page }) => {
      await rightClickAndRun(page, HOSTILE, 'Impute matrix');
      await quickInput(page);
      await page.locator('.quick-input-widget .monaco-list-row').filter({ hasText: /Continue without locations/ }).first().click();
      await findFrameWith(page, '#shape', 90_000);
      const away = join(workspace, 'elsewhere');
      mkdirSync(away);
      renameSync(join(workspace, HOSTILE), join(away, 'data.csv'));
      await reloadWindow(page);
      const frame = await findFrameWith(page, 'main.message', 90_000);
      const text = (await frame.textContent('main.message')) ?? '';
      assert.match(text, /Lacuna could not reopen <img src=x onerror=alert\(1\)>\.csv/);
      assert.equal(await frame.$('img'), null, 'the name is text, not an element');
      assert.equal(await frame.$('script'), null, 'the message page has no script');
      const csp = (await frame.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content')) ?? '';
      assert.match(csp, /default-src 'none'.*script-src 'none'/);
      await screenshot(page, 'platform-01-hostile-name');
    });
  } finally {
    removeTempDir(workspace);
  }
});

test('an untrusted workspace gets nothing written, at activation either', async () => {
  const workspace = makeTempDir('lacuna-e2e-untrusted-');
  const data = join(workspace, 'data.csv');
  writeFileSync(data, CSV);
  // A run a closed window left running: a trusted activation would mark it interrupted.
  const runs = new ImputeRuns(join(workspace, '.lacuna', 'runs'));
  const run = await runs.create({ path: data, format: 'wide', ...(await fileDigest(data)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  await runs.setStatus(run.id, 'running');
  const before = snapshot(workspace);
  try {
    await withVsCode(
      {
        workspace,
        vsix: await packageExtension(),
        untrusted: true,
        settings: { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false },
      },
      async ({ page }) => {
        // The command on the file in the active editor (the Explorer's menu is covered in the
        // impute tests; here a folder's path hover can sit over the row in Restricted Mode).
        await openFile(page, 'data.csv');
        await runCommandFromPalette(page, 'Lacuna: Impute matrix');
        await waitForNotification(page, /only in a trusted workspace/, 60_000);
        await new Promise((r) => setTimeout(r, 3_000));
        await screenshot(page, 'platform-02-untrusted');
      },
    );
    const after = snapshot(workspace);
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), 'no file was added or removed');
    for (const [path, stamp] of before) assert.equal(after.get(path), stamp, `${path} is unchanged`);
    assert.equal(JSON.parse(readFileSync(join(runs.dir(run.id), 'run.json'), 'utf8')).status, 'running');
  } finally {
    removeTempDir(workspace);
  }
});

// Runs inside VS Code's extension host (loaded by @vscode/test-electron). Plain node:assert, so
// no test framework is needed in the host.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';

const tests: [string, () => Promise<void>][] = [];
const test = (name: string, fn: () => Promise<void>) => tests.push([name, fn]);

async function waitFor<T>(fn: () => T | undefined | Promise<T | undefined>, ms = 20000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
}

test('every contributed command is registered', async () => {
  const ext = vscode.extensions.all.find((e) => e.packageJSON.name === 'lacuna');
  assert.ok(ext, 'the extension is installed');
  await ext.activate();
  const all = await vscode.commands.getCommands(true);
  for (const c of ext.packageJSON.contributes.commands) assert.ok(all.includes(c.command), c.command);
});

test('Impute matrix on a CSV creates a run and opens the training panel', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-int-'));
  const file = join(dir, 'data.csv');
  writeFileSync(file, 'time,a,b\n' + Array.from({ length: 48 }, (_, i) => `2024-01-01 ${String(i % 24).padStart(2, '0')}:00,${i},${i % 5}`).join('\n') + '\n');
  // Answer the locations question: continue without.
  const pick = vscode.window.showQuickPick;
  (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: readonly { id?: string }[]) => (await items).find((i) => i.id === 'none');
  try {
    await vscode.commands.executeCommand('lacuna.imputeMatrix', vscode.Uri.file(file));
  } finally {
    (vscode.window as { showQuickPick: unknown }).showQuickPick = pick;
  }
  const tab = await waitFor(() => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label.includes('data.csv')));
  assert.ok(tab);
  const runsRoot = join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', '.lacuna', 'runs');
  if (vscode.workspace.workspaceFolders?.[0]) assert.ok(existsSync(runsRoot), 'the run store holds the run');
});

test('a malformed CSV gets an error naming its line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-int-'));
  const file = join(dir, 'bad.csv');
  writeFileSync(file, 'time,a,b\n2024-01-01,1,2\n2024-01-02,1\n');
  const shown: string[] = [];
  const original = vscode.window.showErrorMessage;
  (vscode.window as { showErrorMessage: unknown }).showErrorMessage = async (text: string) => (shown.push(text), undefined);
  const pick = vscode.window.showQuickPick;
  (vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: readonly { id?: string }[]) => (await items).find((i) => i.id === 'none');
  try {
    await vscode.commands.executeCommand('lacuna.imputeMatrix', vscode.Uri.file(file));
  } finally {
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
    (vscode.window as { showQuickPick: unknown }).showQuickPick = pick;
  }
  assert.ok(shown.some((t) => /line 3, column 13/.test(t)), shown.join(' | '));
  assert.equal(readFileSync(file, 'utf8'), 'time,a,b\n2024-01-01,1,2\n2024-01-02,1\n');
});

export async function run(): Promise<void> {
  let failed = 0;
  for (const [name, fn] of tests) {
    try {
      await fn();
      console.log(`ok - ${name}`);
    } catch (err) {
      failed++;
      console.log(`not ok - ${name}\n  ${(err as Error).stack}`);
    }
  }
  console.log(`${tests.length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} integration test(s) failed`);
}

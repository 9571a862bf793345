// The project's shape: the manifest, the top level, and the architectural boundaries.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ESLint } from 'eslint';
import { SUPPORTED_EXTENSIONS } from '../../src/core/io/read';

const ROOT = resolve(__dirname, '../..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

test('the manifest is a VS Code extension named lacuna for VS Code 1.100', () => {
  assert.equal(manifest.name, 'lacuna');
  const m = /^\^1\.(\d+)\.\d+$/.exec(manifest.engines.vscode);
  assert.ok(m && Number(m[1]) <= 100, `engines.vscode ${manifest.engines.vscode} must be no newer than ^1.100.0`);
  assert.equal(manifest.main, './dist/host.js');
  assert.equal(manifest.bin.lacuna, './dist/cli.js');
  const typesVscode = manifest.devDependencies['@types/vscode'].replace(/^[\^~]/, '');
  assert.ok(Number(typesVscode.split('.')[1]) <= 100, '@types/vscode must not be newer than the engine');
  for (const dep of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm', 'h3-js', 'd3']) assert.ok(manifest.dependencies[dep], dep);
  for (const dep of ['@types/vscode', '@vscode/test-electron', 'typescript', 'esbuild', 'eslint']) assert.ok(manifest.devDependencies[dep], dep);
});

test('the five commands are contributed, with Explorer menus on the extensions Lacuna reads', () => {
  const commands = Object.fromEntries(manifest.contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
  const required = {
    // The "Lacuna:" prefix is in the title, so the Explorer's context menu shows it too.
    'lacuna.imputeMatrix': 'Lacuna: Impute matrix',
    'lacuna.openTrainingPanel': 'Lacuna: Open training panel',
    'lacuna.inspectWeightingVectors': 'Lacuna: Inspect weighting vectors',
    'lacuna.factorize': 'Lacuna: Factorize (NMF)',
    'lacuna.transport': 'Lacuna: Transport between data sets',
  };
  for (const [id, title] of Object.entries(required)) assert.equal(commands[id], title, id);
  for (const id of Object.keys(commands)) assert.ok(id in required || id.startsWith('lacuna.runs.'), `unexpected command ${id}`);
  const menus: { command: string; when: string }[] = manifest.contributes.menus['explorer/context'];
  const impute = menus.find((m) => m.command === 'lacuna.imputeMatrix');
  assert.ok(impute, 'Impute matrix is in the Explorer context menu');
  // The `when` clause's regex accepts exactly the extensions the readers support.
  const re = new RegExp(/resourceExtname =~ \/(.*)\/(i?)/.exec(impute.when)![1], 'i');
  for (const ext of SUPPORTED_EXTENSIONS) assert.ok(re.test(ext), `${ext} is offered`);
  for (const ext of ['.json', '.png', '.ts', '.csvx']) assert.ok(!re.test(ext), `${ext} is not offered`);
  for (const m of menus) assert.match(m.when, /resourceExtname/);
});

test('the top level is exactly the agreed set', () => {
  const allowed = new Set(['package.json', 'tsconfig.json', 'src', 'webview', 'media', 'test', '.vscodeignore', 'README.md',
    '.ci', 'eslint.config.mjs', 'package-lock.json', 'BENCHMARKS.md', '.gitignore', 'ARCHITECTURE.md']);
  // What the repository tracks (build outputs and caches are ignored, not part of the project).
  const tracked = execSync('git ls-files', { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.split('/')[0]);
  const extra = [...new Set(tracked)].filter((n) => !allowed.has(n));
  assert.deepEqual(extra, []);
  for (const required of ['package.json', 'tsconfig.json', 'src', 'webview', 'media', 'test', '.vscodeignore', 'README.md']) {
    assert.ok(readdirSync(ROOT).includes(required), required);
  }
});

async function lintText(path: string, code: string) {
  const eslint = new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result.messages.map((m) => m.message);
}

test('lint enforces the boundaries: core and protocol import neither vscode nor the DOM; webview never imports host', async () => {
  const vscodeInCore = await lintText('src/core/example.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n");
  assert.ok(vscodeInCore.some((m) => /must not import vscode/.test(m)), vscodeInCore.join('; '));
  const domInProtocol = await lintText('src/protocol/example.ts', 'export const title = document.title;\n');
  assert.ok(domInProtocol.some((m) => /No DOM globals/.test(m)), domInProtocol.join('; '));
  const hostInWebview = await lintText('webview/example.ts', "import { activate } from '../src/host/extension';\nexport const a = activate;\n");
  assert.ok(hostInWebview.some((m) => /must never import src\/host/.test(m)), hostInWebview.join('; '));
  const fine = await lintText('src/core/example.ts', 'export const x: number = 1;\n');
  assert.deepEqual(fine, []);
});

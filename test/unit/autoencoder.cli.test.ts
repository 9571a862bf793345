// `lacuna autoencode` end to end: burn-in then joint training through the CLI function, the JSON
// report, the codes file, determinism for a fixed seed on the cpu backend, and a point file on
// the default (wasm) backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { autoencodeCommand } from '../../src/cli/autoencode';
import { UsageError } from '../../src/cli/common';
import { ball } from '../../src/core/points/samples';
import { runCli } from './runCli';

const run = (args: string[]) => runCli(args, autoencodeCommand);

test('burn-in then joint training runs end to end in the CLI, deterministically for a fixed seed on cpu', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-ae-'));
  const args = (out: string) => [
    '--sample', 'swissroll', '--n', '60', '--t', '1', '--epochs', '6', '--burn-in', '2', '--batch-size', '20',
    '--seed', '7', '--backend', 'cpu', '--codes-out', out, '--json',
  ];
  const first = await run(args(join(dir, 'a.csv')));
  assert.equal(first.code, 0, first.stderr);
  const lines = first.stdout.trim().split('\n');
  assert.equal(lines.length, 1, '--json prints exactly one line');
  const a = JSON.parse(lines[0]);
  assert.equal(a.command, 'autoencode');
  assert.equal(a.sample, 'swissroll');
  assert.equal(a.n, 60);
  assert.equal(a.t, 1);
  assert.match(a.backend, /^cpu/);
  assert.equal(a.architecture, 'linear');
  assert.deepEqual(Object.keys(a.rho), ['autoencoder', 'pca', 'tsne']);
  for (const v of Object.values(a.rho)) assert.ok(typeof v === 'number' && v >= -1 && v <= 1);
  for (const k of ['recons', 'weight', 'total']) assert.ok(Number.isFinite(a.losses[k]), k);
  assert.ok(a.losses.firstJoint && Number.isFinite(a.losses.firstJoint.total));
  assert.ok(a.seconds.total > 0 && a.seconds.perJointEpoch > 0 && a.seconds.perBurnInEpoch > 0);
  assert.equal(a.settings.burnIn, 2);
  assert.equal(a.settings.epochs, 6);

  const second = await run(args(join(dir, 'b.csv')));
  assert.equal(second.code, 0, second.stderr);
  const b = JSON.parse(second.stdout);
  assert.deepEqual(b.rho, a.rho);
  assert.deepEqual(b.losses, a.losses);
  const csvA = readFileSync(join(dir, 'a.csv'), 'utf8');
  assert.equal(readFileSync(join(dir, 'b.csv'), 'utf8'), csvA, 'identical codes for the same seed');
  const csv = csvA.trim().split('\n');
  assert.equal(csv.length, 61);
  assert.equal(csv[0], 'point,w_input,autoencoder_x,autoencoder_y,autoencoder_w,pca_x,pca_y,pca_w,tsne_x,tsne_y,tsne_w');

  // Another seed gives another initialisation.
  const other = await run([...args(join(dir, 'c.csv')).filter((x) => x !== '--json'), '--seed', '8', '--json']);
  assert.notDeepEqual(JSON.parse(other.stdout).losses, a.losses);
});

test('a point file on the default backend, with the text report', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-ae-'));
  const points = ball(80, { seed: 4 });
  const rows = ['x,y,z'];
  for (let i = 0; i < points.n; i++) rows.push(Array.from(points.data.subarray(i * 3, i * 3 + 3), (v) => v.toFixed(6)).join(','));
  const file = join(dir, 'ball.csv');
  writeFileSync(file, rows.join('\n') + '\n');
  const r = await run([file, '--t', '2', '--epochs', '3', '--no-tsne']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Lacuna autoencode: ball\.csv/);
  assert.match(r.stdout, /80 points × 3 \(x, y, z\)/);
  assert.match(r.stdout, /autoencoder\s+-?\d\.\d{3}/);
  assert.match(r.stdout, /pca\s+-?\d\.\d{3}/);
  assert.doesNotMatch(r.stdout, /tsne/);
});

test('usage errors', async () => {
  await assert.rejects(run([]), UsageError);
  await assert.rejects(run(['--sample', 'torus']), UsageError);
  await assert.rejects(run(['a.csv', '--sample', 'ball']), UsageError);
  await assert.rejects(run(['--sample', 'ball', '--epochs', 'many']), UsageError);
  await assert.rejects(run(['--sample', 'ball', '--backend', 'webgl']), UsageError);
  await assert.rejects(run(['--sample', 'ball', '--normalise', 'zscore']), UsageError);
});

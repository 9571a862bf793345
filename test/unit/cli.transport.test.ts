// `lacuna transport`: Sinkhorn between two files and two row windows, the JSON report, the plan
// file, a learned map saved and applied, and clear errors on bad input.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { normal, seededRng } from '../../src/core/random';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'lacuna-cli-transport-'));
const run = (args: string[]) => runCli(['transport', ...args]);

function writePoints(name: string, rows: number[][], header = 'a,b,label'): string {
  const path = join(dir, name);
  writeFileSync(path, [header, ...rows.map((r, i) => [...r, `p${i}`].join(','))].join('\n') + '\n');
  return path;
}

const rng = seededRng(2);
const source = Array.from({ length: 40 }, () => [normal(rng), normal(rng)]);
const target = Array.from({ length: 40 }, () => [normal(rng) + 3, normal(rng)]);
const A = writePoints('a.csv', source);
const B = writePoints('b.csv', target);

test('two files: cost, divergence and convergence in the JSON; the plan written atomically', async () => {
  const plan = join(dir, 'plan.csv');
  const r = await run([A, B, '--epsilon', '0.5', '--plan-out', plan, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.method, 'sinkhorn');
  assert.deepEqual(report.columns, ['a', 'b']);
  assert.equal(report.sinkhorn.status, 'converged');
  // A shift of 3 along a dominates: W₂² ≈ 9 plus the sampling difference.
  assert.ok(report.cost > 7 && report.cost < 12, `cost ${report.cost}`);
  assert.ok(report.divergence > 6 && report.divergence < report.cost + 1);
  const lines = readFileSync(plan, 'utf8').trim().split('\n');
  assert.equal(lines[0], 'source,target,mass');
  const mass = lines.slice(1).reduce((s, l) => s + Number(l.split(',')[2]), 0);
  assert.ok(Math.abs(mass - 1) < 1e-6);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('two row windows of one file', async () => {
  const both = writePoints('both.csv', [...source, ...target]);
  const r = await run([both, '--rows', '0:40', '--vs', '40:80', '--epsilon', '0.5', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const windows = JSON.parse(r.stdout);
  const files = JSON.parse((await run([A, B, '--epsilon', '0.5', '--json'])).stdout);
  assert.ok(Math.abs(windows.cost - files.cost) < 1e-12, 'the same points give the same cost');
  assert.match(windows.source, /both\.csv rows 0:40/);
  const past = await run([both, '--rows', '0:40', '--vs', '40:90']);
  assert.equal(past.code, 1);
  assert.match(past.stderr, /--vs 40:90 reaches past its 80 rows/);
});

test('bad input: different column counts, a NaN, one point: errors name the file, line and column', async () => {
  const three = writePoints('three.csv', source.map((r) => [...r, 1]), 'a,b,c,label');
  let r = await run([A, three]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /a\.csv has 2 columns \(a, b\) but three\.csv has 3 \(a, b, c\)/);
  const nan = join(dir, 'nan.csv');
  writeFileSync(nan, 'a,b\n1,2\n3,NaN\n5,6\n');
  r = await run([A, nan]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nan\.csv:3:3: expected a coordinate/);
  const one = writePoints('one.csv', [[1, 2]]);
  r = await run([one, B]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /one\.csv: 1 point; transport needs at least 2/);
  r = await run([A, B, '--plan-out', A]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to write over the input file/);
  assert.equal(readFileSync(A, 'utf8').split('\n')[0], 'a,b,label');
});

test('a learned map: --map-out, --save-map, then --apply on new points', async () => {
  const mapOut = join(dir, 'mapped.csv');
  const saveDir = join(dir, 'map');
  const r = await run([A, B, '--method', 'monge-gap', '--iterations', '60', '--map-out', mapOut, '--save-map', saveDir, '--backend', 'wasm', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.map.network, 'mlp');
  assert.ok(report.map.divergenceAfter < 0.5 * report.divergence, `divergence ${report.divergence} → ${report.map.divergenceAfter}`);
  assert.ok(Number.isFinite(report.map.mongeGap) && report.map.mongeGap >= -1e-9);
  assert.deepEqual(Object.keys(report.map.perCoordinate), ['a', 'b']);
  assert.ok(report.map.perCoordinate.a > report.map.perCoordinate.b, 'the map moves a, the shifted column, most');
  assert.equal(readFileSync(mapOut, 'utf8').split('\n')[0], 'a,b');
  assert.ok(existsSync(join(saveDir, 'transport-map.json')));
  const applied = join(dir, 'applied.csv');
  const again = await runCli(['transport', '--apply', saveDir, A, '--map-out', applied, '--backend', 'wasm']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(applied, 'utf8'), readFileSync(mapOut, 'utf8'), 'the saved map gives the same points');
});

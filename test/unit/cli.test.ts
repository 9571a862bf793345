import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileSource } from '../../src/core/io/node';
import { readNpy, writeNpy } from '../../src/core/io/npy';
import { trafficSample } from '../../src/core/sample';
import { runCli } from './runCli';

const ROOT = resolve(__dirname, '../..');
const AQI = resolve(ROOT, '../shared/data/aqi36');

const run = (args: string[]) => runCli(args);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lacuna-cli-'));
}

const aqiArgs = (method: string, out: string) => [
  'impute', join(AQI, 'pm25_missing.txt'),
  '--truth', join(AQI, 'pm25_ground.txt'),
  '--test-months', '3,6,9,12',
  '--locations', join(AQI, 'pm25_latlng.txt'),
  '--method', method, '--out', out, '--json',
];

test('AQI-36 standard protocol: 20,434 targets; linear and mean match the published figures', async () => {
  assert.ok(existsSync(join(AQI, 'pm25_missing.txt')), `the AQI-36 data must be at ${AQI}`);
  const dir = tmp();
  const results: Record<string, { targets: number; metrics: { mae: number; rmse: number } }> = {};
  for (const method of ['linear', 'mean', 'neighbor']) {
    const out = join(dir, `${method}.txt`);
    const r = await run(aqiArgs(method, out));
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 1, '--json prints exactly one line');
    const json = JSON.parse(lines[0]);
    assert.deepEqual(Object.keys(json).slice(0, 4), ['method', 'shape', 'targets', 'metrics']);
    assert.deepEqual(json.shape, [8759, 36]);
    assert.equal(json.output, out);
    assert.equal(typeof json.seconds, 'number');
    assert.ok(existsSync(out));
    results[method] = json;
  }
  for (const r of Object.values(results)) assert.equal(r.targets, 20434);
  assert.ok(Math.abs(results.linear.metrics.mae - 14.68) <= 0.3, `linear MAE ${results.linear.metrics.mae}`);
  assert.ok(Math.abs(results.mean.metrics.mae - 53.9) <= 0.5, `mean MAE ${results.mean.metrics.mae}`);
  assert.ok(results.neighbor.metrics.mae < results.mean.metrics.mae, `neighbour MAE ${results.neighbor.metrics.mae}`);
});

test('the output keeps observed values, fills every gap, and reads back in the same format', async () => {
  const dir = tmp();
  const out = join(dir, 'filled.txt');
  const r = await run(aqiArgs('linear', out));
  assert.equal(r.code, 0, r.stderr);
  const input = readFileSync(join(AQI, 'pm25_missing.txt'), 'utf8').split('\n');
  const output = readFileSync(out, 'utf8').split('\n');
  assert.equal(output[0], input[0].replace(/\r$/, ''), 'same header');
  const inRow = input[1].split(',');
  const outRow = output[1].split(',');
  assert.equal(outRow.length, inRow.length);
  inRow.forEach((v, j) => (v.trim() ? assert.equal(outRow[j], v.trim()) : assert.notEqual(outRow[j], '')));
  assert.ok(!output.slice(1).some((l) => /,,|,$/.test(l)), 'no blank cells remain');
});

test('the default output is <name>.imputed.<ext> beside the input; the input is untouched', async () => {
  const dir = tmp();
  const input = join(dir, 'counts.csv');
  const text = 'time,a,b\n2024-01-01 00:00,1,\n2024-01-01 01:00,,4\n2024-01-01 02:00,3,5\n2024-01-01 03:00,4,6\n';
  writeFileSync(input, text);
  const r = await run(['impute', input, '--method', 'linear', '--mask-ratio', '0.5', '--seed', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /MAE/);
  assert.match(r.stdout, /Wrote .*counts\.imputed\.csv/);
  assert.equal(readFileSync(input, 'utf8'), text);
  assert.match(readFileSync(join(dir, 'counts.imputed.csv'), 'utf8'), /^time,a,b\n2024-01-01 00:00,1,4\n2024-01-01 01:00,2,4\n/);
});

test('never writes over the input, even when told to', async () => {
  const dir = tmp();
  const input = join(dir, 'x.csv');
  const text = 'time,a,b\n2024-01-01,1,\n2024-01-02,2,3\n';
  writeFileSync(input, text);
  const r = await run(['impute', input, '--out', join(dir, '.', 'x.csv')]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to write over the input/);
  assert.equal(readFileSync(input, 'utf8'), text);
  assert.deepEqual(readdirSync(dir), ['x.csv'], 'no temporary file is left behind');
});

test('a bad file exits 1 with file:line:column and what was expected, and writes nothing', async () => {
  const dir = tmp();
  const cases: [string, string, RegExp][] = [
    ['ragged.csv', 'time,a,b\n2024-01-01,1,2\n2024-01-02,1\n', /ragged\.csv:3:13: expected 3 fields.*found 2 fields/],
    ['word.csv', 'time,a\n2024-01-01,lots\n', /word\.csv:2:12: expected a number or a missing marker.*found "lots"/],
    ['bad.mtx', '%%MatrixMarket matrix coordinate real general\n2 2 3\n1 1 1.0\n', /bad\.mtx:\d+:\d+: expected /],
    ['bad.npy', '\x93NUMPY\x01\x00garbage', /bad\.npy:\d+:\d+: expected /],
  ];
  for (const [name, text, pattern] of cases) {
    writeFileSync(join(dir, name), text, 'latin1');
    const r = await run(['impute', join(dir, name)]);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stdout, '');
  }
  assert.deepEqual(readdirSync(dir).sort(), cases.map((c) => c[0]).sort(), 'nothing written');
});

test('usage errors exit 2 and say what was expected', async () => {
  const r1 = await run(['impute']);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /impute needs a FILE/);
  const r2 = await run(['impute', 'x.csv', '--method', 'magic']);
  assert.equal(r2.code, 2);
  assert.match(r2.stderr, /--method expects one of auto, neighbor, mean, linear, softimpute, knn, seasonal/);
  const r3 = await run(['impute', 'x.csv', '--mask-ratio', '2']);
  assert.match(r3.stderr, /--mask-ratio expects a fraction/);
  const r4 = await run(['frobnicate']);
  assert.equal(r4.code, 2);
  const r5 = await run(['impute', 'does-not-exist.csv']);
  assert.equal(r5.code, 1);
  assert.match(r5.stderr, /no such file: .*does-not-exist\.csv/);
});

test('long tables impute through H3 cells, and Matrix Market and NPY round-trip through the CLI', async () => {
  const dir = tmp();
  const rows = ['latitude,longitude,timestamp,value'];
  for (let h = 0; h < 48; h++) for (let s = 0; s < 6; s++) if ((h + s) % 5 !== 0) rows.push(`${25.03 + s * 0.01},${121.55 + s * 0.01},2024-04-01T${String(h % 24).padStart(2, '0')}:${h < 24 ? '05' : '35'}:00,${(h % 24) + s}`);
  writeFileSync(join(dir, 'long.csv'), rows.join('\n') + '\n');
  const r = await run(['impute', join(dir, 'long.csv'), '--h3-res', '8', '--time-bin', '30m', '--json', '--mask-ratio', '0.3', '--learned', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.shape[1], 6, 'six H3 cells');
  assert.ok(existsSync(join(dir, 'long.imputed.csv')));

  writeFileSync(join(dir, 'm.mtx'), '%%MatrixMarket matrix coordinate real general\n% a comment\n4 3 5\n1 1 1.5\n2 2 2\n3 3 3\n4 1 4\n4 3 5\n');
  const m = await run(['impute', join(dir, 'm.mtx'), '--unlisted', 'missing', '--mask-ratio', '0.4', '--json', '--learned', 'none']);
  assert.equal(m.code, 0, m.stderr);
  assert.match(readFileSync(join(dir, 'm.imputed.mtx'), 'utf8'), /^%%MatrixMarket matrix coordinate real general/);

  const { matrix } = trafficSample({ days: 7, sensors: 10 });
  writeFileSync(join(dir, 's.npy'), writeNpy(matrix));
  const n = await run(['impute', join(dir, 's.npy'), '--method', 'mean', '--json']);
  assert.equal(n.code, 0, n.stderr);
  assert.deepEqual(JSON.parse(n.stdout).shape, [168, 10]);
  const back = await readNpy(fileSource(join(dir, 's.imputed.npy')));
  assert.deepEqual([back.rows, back.cols], [168, 10]);
  assert.ok(back.observed.every((o) => o === 1), 'every gap filled');
  for (let k = 0; k < matrix.values.length; k++) if (matrix.observed[k]) assert.equal(back.values[k], matrix.values[k]);
});

test('demo runs auto on the embedded sample and prints its leaderboard; a learned model takes part', async () => {
  const r = await run(['demo', '--learned', 'none', '--budget', '30s']);
  assert.equal(r.code, 0, r.stderr);
  for (const m of ['Leaderboard', 'softimpute', 'knn', 'seasonal', 'linear', 'validation MAE', 'MAE', 'RMSE', 'auto → ']) assert.ok(r.stdout.includes(m), m);
  const j = await run(['demo', '--json', '--learned', 'kron', '--budget', '20s']);
  assert.equal(j.code, 0, j.stderr);
  const json = JSON.parse(j.stdout);
  const board = json.leaderboard as { method: string; kind: string; validationMae: number | null }[];
  assert.ok(board.some((e) => e.method === 'kron' && e.kind === 'learned' && e.validationMae !== null), 'a learned model is on the leaderboard');
  const best = board.filter((e) => e.validationMae !== null).sort((a, b) => a.validationMae! - b.validationMae!)[0];
  assert.equal(json.winner, best.method, 'the winner is the best on validation');
  const byMethod = Object.fromEntries(board.map((e) => [e.method, e.validationMae]));
  assert.ok(byMethod.neighbor! < byMethod.mean!, 'neighbour averaging beats the column mean on the sample');
});

test('impute with no --method runs auto: leaderboard, winner, output written; --budget and --learned are checked', async () => {
  const dir = tmp();
  await run(['sample', dir]);
  const out = join(dir, 'out.csv');
  const r = await run(['impute', join(dir, 'traffic.csv'), '--locations', join(dir, 'traffic_locations.csv'), '--learned', 'none', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.match(json.method, /^auto → /);
  assert.equal(json.method, `auto → ${json.auto.winner}`);
  assert.ok(json.auto.leaderboard.length >= 6);
  assert.ok(json.validation.count > 0);
  assert.ok(existsSync(out));
  // --inductive reaches auto (its learned candidates train only on rows without targets).
  const inductive = await run(['impute', join(dir, 'traffic.csv'), '--learned', 'none', '--inductive', '--out', join(dir, 'inductive.csv'), '--json']);
  assert.equal(inductive.code, 0, inductive.stderr);
  for (const bad of [['--budget', 'soon'], ['--learned', 'gpt'], ['--method', 'linear', '--budget', '1m'], ['--method', 'linear', '--inductive']]) {
    const b = await run(['impute', join(dir, 'traffic.csv'), ...bad]);
    assert.equal(b.code, 2, bad.join(' '));
  }
});

test('the built bin runs: dist/cli.js --json on the sample files', () => {
  const cli = join(ROOT, 'dist/cli.js');
  assert.ok(existsSync(cli), 'dist/cli.js is missing: npm test builds it first (npm run build)');
  const dir = tmp();
  const s = spawnSync(process.execPath, [cli, 'sample', dir], { encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  const r = spawnSync(process.execPath, [cli, 'impute', join(dir, 'traffic.csv'), '--locations', join(dir, 'traffic_locations.csv'), '--learned', 'none', '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.match(json.method, /^auto → /);
  assert.deepEqual(json.shape, [672, 48]);
  assert.equal(r.stderr, '', 'no progress bar when stderr is not a terminal');
});

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { saveModel } from '../../src/cli/deep';
import { writeDelimited } from '../../src/core/io/read';
import { trainImputer } from '../../src/core/impute/train';
import { trafficSample } from '../../src/core/sample';
import { useWasm } from './imputeFixtures';
import { runCli } from './runCli';

function sampleDir(sensors = 20) {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-place-'));
  const { matrix, locations } = trafficSample({ days: 14, sensors });
  writeFileSync(join(dir, 'traffic.csv'), [...writeDelimited(matrix, { indexName: 'time' })].join(''));
  writeFileSync(join(dir, 'loc.csv'), ['sensor_id,latitude,longitude\n', ...locations.map((l) => `${l.id},${l.lat},${l.lng}\n`)].join(''));
  return { dir, data: join(dir, 'traffic.csv'), loc: join(dir, 'loc.csv'), matrix };
}

test('lacuna place: greedy writes the chosen columns ranked with their gains, and the JSON has the error-against-budget curve', async () => {
  const s = sampleDir();
  const out = join(s.dir, 'chosen.csv');
  const r = await runCli(['place', s.data, '--locations', s.loc, '--keep-ratio', '0.1', '--json', '--out', out, '--proxy-samples', '6']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.method, 'greedy');
  assert.equal(j.imputer, 'neighbor');
  assert.equal(j.budget, 2);
  assert.equal(j.chosen.length, 2);
  assert.deepEqual(j.curve.map((p: { kept: number }) => p.kept), [1, 2]);
  assert.equal(j.curve[1].validation, j.validation.mse);
  assert.ok(j.chosen[0].gain > 0 && typeof j.chosen[0].lat === 'number' && typeof j.chosen[0].cell === 'string');
  assert.equal(j.proxy.samples, 6);
  const csv = readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(csv[0], 'rank,column,latitude,longitude,h3_cell,gain_mse');
  assert.deepEqual(csv.slice(1).map((l) => l.split(',')[1]), j.chosen.map((c: { id: string }) => c.id));
  assert.deepEqual(readdirSync(s.dir).sort(), ['chosen.csv', 'loc.csv', 'traffic.csv'], 'no temporary files left');
});

test('lacuna place: genetic (with a time budget), random, coverage and QR each keep the budget; text report', async () => {
  const s = sampleDir();
  for (const [method, extra] of [
    ['genetic', ['--population', '6', '--generations', '2', '--time-budget', '5m']],
    ['random', ['--draws', '4']],
    ['coverage', []],
    ['qr', ['--imputer', 'mean', '--metric', 'mae']],
  ] as const) {
    const out = join(s.dir, `${method}.csv`);
    const r = await runCli(['place', s.data, '--locations', s.loc, '--budget', '3', '--method', method, '--out', out, '--proxy-samples', '0', ...extra]);
    assert.equal(r.code, 0, `${method}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`keep 3 of 20 columns by ${method}`));
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 4, method);
    if (method === 'random') assert.match(r.stdout, /random {4}test MSE [\d.]+ ± [\d.]+ over 4 draws/);
    if (method === 'qr') assert.match(r.stdout, /scored with mean/);
  }
});

test('lacuna place: bad budgets, a missing model and a clash with the input get clear errors and write nothing', async () => {
  const s = sampleDir();
  const bad = async (args: string[], code: number, pattern: RegExp) => {
    const r = await runCli(['place', s.data, ...args]);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  };
  await bad(['--budget', '21'], 2, /keeps 21 columns but the matrix has only 20 \(traffic\.csv has 20 columns\)/);
  await bad(['--budget', '0'], 2, /at least one column/);
  await bad(['--keep-ratio', '0.01'], 2, /keeps none/);
  await bad([], 2, /needs --budget B/);
  await bad(['--budget', '2', '--imputer', 'vit'], 2, /give --load-model DIR/);
  await bad(['--budget', '2', '--method', 'coverage'], 1, /needs the columns' places: give a locations file/);
  await bad(['--budget', '2', '--time-budget', '1m'], 2, /applies to --method genetic/);
  await bad(['--budget', '2', '--out', s.data], 1, /refusing to write over the input file/);
  assert.deepEqual(readdirSync(s.dir).sort(), ['loc.csv', 'traffic.csv']);
});

test('lacuna place --load-model scores with a frozen trained model', async () => {
  await useWasm();
  const s = sampleDir(10);
  const trained = await trainImputer(tf, s.matrix, { method: 'kron', model: { steps: 12 }, batchSize: 8, stepsPerEpoch: 4, maxEpochs: 1, seed: 0 });
  trained.model.dispose();
  const modelDir = join(s.dir, 'model');
  await saveModel(modelDir, trained.checkpoint);
  const r = await runCli(['place', s.data, '--budget', '2', '--load-model', modelDir, '--backend', 'wasm', '--method', 'qr', '--json', '--out', join(s.dir, 'c.csv'), '--proxy-samples', '3']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.imputer, 'kron (frozen, model)');
  assert.equal(j.backend, 'wasm');
  assert.equal(j.chosen.length, 2);
  assert.ok(Number.isFinite(j.test.mse));
  const wrong = await runCli(['place', s.data, '--budget', '2', '--load-model', modelDir, '--imputer', 'vit']);
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /is a kron model, not vit/);
});

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { runCli } from './runCli';

const dir = mkdtempSync(join(tmpdir(), 'lacuna-deep-'));
const small = ['--window', '12', '--width', '8', '--depth', '1', '--batch', '8'];

async function sample() {
  const r = await runCli(['sample', dir], main);
  assert.equal(r.code, 0, r.stderr);
  return join(dir, 'traffic.csv');
}

test('impute --method kron trains, reports its training, saves the model, and a loaded model scores the same', async () => {
  const input = await sample();
  const model = join(dir, 'model');
  const out = join(dir, 'kron.csv');
  const r = await runCli(['impute', input, '--method', 'kron', ...small, '--epochs', '3', '--save-model', model, '--out', out, '--json'], main);
  assert.equal(r.code, 0, r.stderr);
  const first = JSON.parse(r.stdout);
  assert.equal(first.method, 'kron');
  assert.equal(first.training.epochs, 3);
  assert.ok(first.training.steps > 0);
  assert.match(first.training.backend, /wasm/);
  assert.ok(first.metrics.mae > 0 && Number.isFinite(first.metrics.mae));
  assert.ok(existsSync(join(model, 'model.json')) && existsSync(join(model, 'weights.bin')));
  const saved = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8'));
  assert.equal(saved.format, 'lacuna-imputer');
  assert.equal(saved.modelTopology.method, 'kron');
  assert.deepEqual(saved.weightsManifest[0].paths, ['weights.bin']);
  assert.ok(readFileSync(out, 'utf8').split('\n').length > 600);

  // Evaluating the saved model without training reproduces the metrics exactly.
  const again = await runCli(['impute', input, '--method', 'kron', '--load-model', model, '--out', join(dir, 'again.csv'), '--json'], main);
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout);
  assert.equal(second.training.loaded, true);
  assert.equal(second.training.steps, first.training.steps);
  assert.equal(second.metrics.mae, first.metrics.mae);

  // --resume trains on from the checkpoint.
  const more = await runCli(['impute', input, '--method', 'kron', '--load-model', model, '--resume', '--epochs', '4', '--out', join(dir, 'more.csv'), '--json'], main);
  assert.equal(more.code, 0, more.stderr);
  assert.equal(JSON.parse(more.stdout).training.epochs, 4);
});

test('a damaged saved model is refused with the file named, and nothing is written', async () => {
  const input = await sample();
  const model = join(dir, 'broken');
  const r = await runCli(['impute', input, '--method', 'kron', ...small, '--epochs', '1', '--save-model', model, '--out', join(dir, 'b.csv')], main);
  assert.equal(r.code, 0, r.stderr);
  writeFileSync(join(model, 'weights.bin'), Buffer.alloc(12));
  const out = join(dir, 'never.csv');
  const bad = await runCli(['impute', input, '--method', 'kron', '--load-model', model, '--out', out], main);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /weights\.bin: expected \d+ bytes of float32 weights/);
  assert.ok(!existsSync(out));
});

test('learned-model flags are checked: wrong method, wrong key, bad values', async () => {
  const input = await sample();
  const cases: [string[], RegExp][] = [
    [['--method', 'mean', '--window', '12'], /--window applies to the learned methods/],
    [['--method', 'kron', '--heads', '2'], /--heads does not apply to the kron model/],
    [['--method', 'kron', '--window', '2'], /--window .*at least 4/],
    [['--method', 'kron', '--patch', '4'], /--patch expects TxN/],
    [['--method', 'kron', '--balance', 'best'], /--balance/],
    [['--method', 'kron', '--loss', 'huber'], /--loss/],
    [['--method', 'kron', '--resume'], /--resume continues a saved model/],
    [['--method', 'neighbor', '--spatial-bias'], /--spatial-bias applies to the learned methods/],
    [['--method', 'vit', '--spatial-bias'], /--spatial-bias does not apply to the vit model/],
    [['--method', 'kron', '--max-steps', '0'], /--max-steps .*positive integer/],
    [['--method', 'kron', '--max-steps', '2.5'], /--max-steps .*positive integer/],
  ];
  for (const [flags, message] of cases) {
    const r = await runCli(['impute', input, ...flags], main);
    assert.equal(r.code, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});

test('impute --max-steps N trains exactly N steps, whatever the clock', async () => {
  const input = await sample();
  const r = await runCli(['impute', input, '--method', 'kron', ...small, '--max-steps', '7', '--out', join(dir, 'steps.csv'), '--json'], main);
  assert.equal(r.code, 0, r.stderr);
  const training = JSON.parse(r.stdout).training;
  assert.equal(training.steps, 7);
  assert.equal(training.stopped, 'max-steps');
});

test('impute --method kron --spatial-bias learns with the columns\' grid distances, saves the setting with the model, and needs the locations', async () => {
  const input = await sample();
  const locations = join(dir, 'traffic_locations.csv');
  const model = join(dir, 'biased');
  const r = await runCli(['impute', input, '--locations', locations, '--method', 'kron', '--spatial-bias', ...small, '--epochs', '2', '--save-model', model, '--out', join(dir, 'biased.csv'), '--json'], main);
  assert.equal(r.code, 0, r.stderr);
  const first = JSON.parse(r.stdout);
  assert.ok(Number.isFinite(first.metrics.mae) && first.metrics.mae > 0);
  assert.equal(JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).modelTopology.config.spatialBias, 1);
  // Loaded with the places again, the model scores the same.
  const again = await runCli(['impute', input, '--locations', locations, '--method', 'kron', '--load-model', model, '--out', join(dir, 'biased-again.csv'), '--json'], main);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).metrics.mae, first.metrics.mae);
  // Without places there is no distance to bias by: a clear error, and nothing written.
  const out = join(dir, 'no-places.csv');
  const bare = await runCli(['impute', input, '--method', 'kron', '--spatial-bias', ...small, '--epochs', '1', '--out', out], main);
  assert.equal(bare.code, 1, bare.stderr);
  assert.match(bare.stderr, /spatial bias needs a place for every column: give a locations file/);
  assert.equal(existsSync(out), false);
});

test('impute trains with --optimizer shampoo and with --balance single --loss mae|mse, and saves those settings', async () => {
  const input = await sample();
  const cases: [string[], { optimizer: string; balance: string; loss: string }][] = [
    [['--optimizer', 'shampoo'], { optimizer: 'shampoo', balance: 'gradnorm', loss: 'mae' }],
    [['--balance', 'single', '--loss', 'mae'], { optimizer: 'adam', balance: 'single', loss: 'mae' }],
    [['--balance', 'single', '--loss', 'mse'], { optimizer: 'adam', balance: 'single', loss: 'mse' }],
  ];
  for (const [flags, expected] of cases) {
    const model = join(dir, `opt-${flags.join('')}`);
    const r = await runCli(['impute', input, '--method', 'vit', ...small, '--heads', '2', '--epochs', '3', ...flags, '--save-model', model, '--out', join(dir, 'opt.csv'), '--json'], main);
    assert.equal(r.code, 0, `${flags.join(' ')}: ${r.stderr}`);
    const out = JSON.parse(r.stdout);
    assert.ok(out.training.steps >= 3 && Number.isFinite(out.metrics.mae), flags.join(' '));
    const options = JSON.parse(readFileSync(join(model, 'model.json'), 'utf8')).userDefinedMetadata.training.options;
    assert.deepEqual({ optimizer: options.optimizer, balance: options.balance, loss: options.loss }, expected, flags.join(' '));
  }
  const bad = await runCli(['impute', input, '--method', 'vit', '--balance', 'mse', '--loss', 'mae'], main);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--balance mse is a single MSE loss/);
});

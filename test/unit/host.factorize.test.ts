import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
import { ParseError } from '../../src/core/io/errors';
import { dataPayload, initialConfig, inputChoices, loadFactorizeFile, loadFactorizeSample } from '../../src/host/factorize/data';
import { FACTORIZE_RECORD, FactorizeRunStore } from '../../src/host/factorize/runs';
import { ImputeRuns as RunStore } from '../../src/host/impute/runs';
import { fileDigest } from './hostFixtures';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-factorize-runs-'));
  const input = join(dir, 'data.csv');
  writeFileSync(input, 'bin,a,b,c\n1,1,2,0\n2,3,0,1\n3,0.5,1,4\n4,2,2,2\n');
  let t = Date.UTC(2026, 0, 1);
  const clock = () => new Date((t += 1000));
  const root = join(dir, '.lacuna', 'runs');
  return { dir, input, root, runs: new FactorizeRunStore(root, clock), imputation: new RunStore(root, clock) };
}

const config = defaultFactorizeConfig('wasserstein', { kind: 'image', width: 2, height: 2 }, 2);

test('a factorisation run is recorded in its own folder, with the input hash, and never read as an imputation run', async () => {
  const { input, root, runs, imputation } = setup();
  const loaded = await loadFactorizeFile(input);
  const run = await runs.create(loaded.source, [4, 3], config, loaded.digest);
  assert.equal(run.kind, 'factorize');
  assert.equal(run.status, 'running');
  assert.deepEqual(run.input, { kind: 'file', path: input, sha256: createHash('sha256').update(readFileSync(input)).digest('hex'), bytes: readFileSync(input).length, format: 'wide', shape: [4, 3] });
  assert.deepEqual(JSON.parse(readFileSync(join(root, run.id, FACTORIZE_RECORD), 'utf8')), run);

  // The two stores share the folder and ignore each other's records.
  const other = await imputation.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'mean', maskRatio: 0.8, seed: 0 });
  assert.deepEqual((await imputation.list()).map((r) => r.id), [other.id]);
  assert.deepEqual((await runs.list()).map((r) => r.id), [run.id]);
  assert.equal(await runs.get(other.id), null);
  assert.deepEqual(await imputation.markInterrupted(), [other.id]);
  assert.equal((await runs.get(run.id))?.status, 'running', 'the imputation store leaves factorisation runs alone');

  const sample = await runs.create({ kind: 'sample', name: 'gaussians' }, [100, 100], config, null);
  assert.deepEqual(sample.input, { kind: 'sample', name: 'gaussians', shape: [100, 100] });
  assert.deepEqual((await runs.list()).map((r) => r.id), [sample.id, run.id], 'newest first');
});

test('progress, completion with files, interruption and deletion', async () => {
  const { root, runs } = setup();
  const run = await runs.create({ kind: 'sample', name: 'gaussians' }, [100, 100], config, null);
  // Concurrent updates are serialised, none lost.
  await Promise.all([1, 2, 3, 4, 5].map((i) => runs.appendHistory(run.id, { iteration: i, objective: -i, fraction: i / 5 })));
  const after = await runs.get(run.id);
  assert.deepEqual(after?.history.map((h) => h.iteration), [1, 2, 3, 4, 5]);
  const trimmed = await runs.appendHistory(run.id, { iteration: 6, objective: null, fraction: 1 }, 3);
  assert.deepEqual(trimmed.history.map((h) => h.iteration), [4, 5, 6]);

  const path = await runs.writeOutput(run.id, '../../escape/atoms.csv', 'position,atom_1\n');
  assert.equal(path, join(root, run.id, 'atoms.csv'), 'outputs stay in the run folder');

  const other = await runs.create({ kind: 'sample', name: 'mnist' }, [196, 256], config, null);
  await runs.setStatus(run.id, 'completed');
  assert.deepEqual(await runs.markInterrupted(), [other.id]);
  const interrupted = await runs.get(other.id);
  assert.equal(interrupted?.status, 'interrupted');
  assert.match(interrupted?.message ?? '', /closed or reloaded/);
  await runs.delete(run.id);
  assert.equal(await runs.get(run.id), null);
  assert.throws(() => runs.dir('../x'), /not a run id/);
});

test('the panel data: a file must be complete and non-negative; samples come with their grid', async () => {
  const { dir, input } = setup();
  const loaded = await loadFactorizeFile(input);
  assert.deepEqual(loaded.source, { kind: 'file', path: input, fileName: 'data.csv', format: 'wide' });
  const payload = dataPayload(loaded);
  assert.deepEqual([payload.rows, payload.cols, payload.colIds], [4, 3, ['a', 'b', 'c']]);
  assert.deepEqual(payload.grid, { kind: 'line', lo: 0, hi: 3 }, 'four rows are a line: nothing names pixels');
  assert.deepEqual(Array.from(payload.values.slice(0, 3)), [1, 2, 0]);
  assert.equal(initialConfig(loaded).k, 3, 'k never exceeds the smaller side of the data');
  assert.deepEqual(inputChoices(input).map((c) => c.choice), ['file', 'gaussians', 'mnist']);
  assert.deepEqual(inputChoices(null).map((c) => c.choice), ['gaussians', 'mnist']);

  const gappy = join(dir, 'gappy.csv');
  writeFileSync(gappy, 'bin,a\n1,1\n2,\n');
  await assert.rejects(loadFactorizeFile(gappy), /NMF needs complete data: gappy\.csv has 1 missing entry/);
  const broken = join(dir, 'broken.csv');
  writeFileSync(broken, 'bin,a,b\n1,1,2\n2,3\n');
  await assert.rejects(loadFactorizeFile(broken), ParseError);

  const gaussians = loadFactorizeSample('gaussians');
  assert.deepEqual(dataPayload(gaussians).grid, { kind: 'line', lo: -12, hi: 12 });
  assert.deepEqual([initialConfig(gaussians).k, initialConfig(gaussians).epsilon, initialConfig(gaussians).iterations], [3, 0.025, 10]);
  const mnist = loadFactorizeSample('mnist');
  assert.deepEqual(dataPayload(mnist).grid, { kind: 'image', width: 14, height: 14 });
  assert.deepEqual([initialConfig(mnist).k, initialConfig(mnist).epsilon, initialConfig(mnist).rho1, initialConfig(mnist).iterations], [25, 0.0025, 0.005, 15]);
  assert.equal(dataPayload(mnist).colIds[13], 'digit3_2');
});

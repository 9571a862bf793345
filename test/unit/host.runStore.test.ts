import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ImputeRuns as RunStore } from '../../src/host/impute/runs';
import { fileDigest } from './hostFixtures';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-'));
  const input = join(dir, 'data.csv');
  writeFileSync(input, 'time,a\n2024-01-01,1\n');
  let t = Date.UTC(2026, 0, 1);
  const store = new RunStore(join(dir, '.lacuna', 'runs'), () => new Date((t += 1000)));
  return { dir, input, store };
}

const config = { method: 'neighbor' as const, maskRatio: 0.8, seed: 0 };

test('a run is created with its config, input hash and status, in its own folder', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, config);
  assert.equal(run.status, 'created');
  assert.equal(run.input.sha256, createHash('sha256').update(readFileSync(input)).digest('hex'));
  assert.equal(run.input.bytes, 20);
  assert.deepEqual(run.config, config);
  const onDisk = JSON.parse(readFileSync(join(store.dir(run.id), 'run.json'), 'utf8'));
  assert.deepEqual(onDisk, run);
  assert.deepEqual(await store.get(run.id), run);
});

test('updates are atomic and serialised: concurrent history appends all land', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, config);
  await Promise.all(Array.from({ length: 25 }, (_, i) => store.appendHistory(run.id, { phase: 'step', fraction: i / 25 })));
  const after = await store.get(run.id);
  assert.equal(after!.history.length, 25);
  assert.deepEqual(readdirSync(store.dir(run.id)), ['run.json'], 'no temporary files left');
});

test('runs active when the window went away are marked interrupted, not lost', async () => {
  const { input, store } = setup();
  const a = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, config);
  const b = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, config);
  await store.setStatus(a.id, 'running');
  await store.setStatus(b.id, 'completed');
  const reopened = new RunStore(store.root);
  assert.deepEqual(await reopened.markInterrupted(), [a.id]);
  assert.equal((await reopened.get(a.id))!.status, 'interrupted');
  assert.equal((await reopened.get(b.id))!.status, 'completed');
});

test('list is newest first, skips unreadable folders without touching them; delete removes a run', async () => {
  const { input, store } = setup();
  const a = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, config);
  const b = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { ...config, method: 'mean' });
  const junk = join(store.root, 'junk');
  writeFileSync(join(store.root, 'README'), 'x');
  await store.writeOutput(b.id, 'imputed.csv', 'a,b\n');
  mkdirSync(junk);
  writeFileSync(join(junk, 'run.json'), '{ not json');
  assert.deepEqual((await store.list()).map((r) => r.id), [b.id, a.id]);
  assert.equal(readFileSync(join(junk, 'run.json'), 'utf8'), '{ not json');
  await store.delete(a.id);
  assert.deepEqual((await store.list()).map((r) => r.id), [b.id]);
  assert.throws(() => store.dir('../escape'), /not a run id/);
});

// The run store's checkpoints (the tfjs model format in the run folder) and training history:
// atomic saves that never lose the previous good checkpoint, and errors that name the bad file.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/core/impute/modelFormat';
import type { Checkpoint } from '../../src/core/impute/train';
import { CHECKPOINTS, ImputeRuns as RunStore, MODEL_JSON, TRAINING_FILE } from '../../src/host/impute/runs';
import type { TrainPoint } from '../../src/protocol/impute';
import { fileDigest } from './hostFixtures';

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-ckpt-'));
  const input = join(dir, 'data.csv');
  writeFileSync(input, 'time,a\n2024-01-01,1\n');
  const store = new RunStore(join(dir, '.lacuna', 'runs'));
  return { dir, input, store };
}

const point = (step: number, epoch = 0): TrainPoint => ({ step, epoch, seconds: step / 10, loss: 1 / (step + 1), lossNonzero: 1, lossZero: 0.5, weights: [1.2, 0.8] });

function checkpoint(epoch: number, step: number, fill = epoch): Checkpoint {
  const w = (name: string, n: number) => ({ name, shape: [n], values: new Float32Array(n).fill(fill) });
  return {
    method: 'kron',
    config: { steps: 4, channels: 2, depth: 1, keyWidth: 2, seed: 0, cols: 3 },
    norm: { mean: 1, std: 2 },
    weights: [w('a', 3), w('b', 2)],
    bestWeights: [w('a', 3), w('b', 2)],
    bestValidation: 0.5,
    sinceBest: 0,
    step,
    epoch,
    seconds: 1,
    gradnorm: { weights: [1, 1], initialLosses: null, m: [0, 0], v: [0, 0], steps: 0 },
    optimizerState: null,
    history: [point(0)],
    options: { batchSize: 4, learningRate: 0.01, optimizer: 'adam', loss: 'mae', balance: 'gradnorm', alpha: 1.5, seed: 0 },
  };
}

function files(c: Checkpoint) {
  const { json, weights } = encodeCheckpoint(c);
  return { json, weights, epoch: c.epoch, step: c.step };
}

test('a checkpoint is saved as model.json + weights.bin, read back, and the newest two are kept', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  assert.equal(await store.readCheckpoint(run.id), null, 'no checkpoint yet');
  for (let e = 1; e <= 4; e++) await store.writeCheckpoint(run.id, files(checkpoint(e, e * 2)));
  const record = await store.get(run.id);
  assert.equal(record?.checkpoint?.epoch, 4);
  assert.equal(record?.checkpoint?.step, 8);
  const dirs = readdirSync(join(store.dir(run.id), CHECKPOINTS)).sort();
  assert.equal(dirs.length, 2, `the newest and the one before: ${dirs}`);
  assert.deepEqual(readdirSync(join(store.dir(run.id), CHECKPOINTS, record!.checkpoint!.dir)).sort(), [MODEL_JSON, 'weights.bin']);
  const back = await store.readCheckpoint(run.id);
  assert.equal(back?.epoch, 4);
  const decoded = decodeCheckpoint(back!.json, back!.weights);
  assert.deepEqual(Array.from(decoded.weights[0].values), [4, 4, 4]);
  assert.equal(decoded.method, 'kron');
});

test('a damaged newest checkpoint falls back to the previous good one; with none left the error names the file', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  await store.writeCheckpoint(run.id, files(checkpoint(1, 2)));
  const first = (await store.get(run.id))!.checkpoint!.dir;
  await store.writeCheckpoint(run.id, files(checkpoint(2, 4)));
  const second = (await store.get(run.id))!.checkpoint!.dir;
  // Truncate the newest weights (a crash cannot do this, a user or a full disk can).
  const weightsPath = join(store.dir(run.id), CHECKPOINTS, second, 'weights.bin');
  writeFileSync(weightsPath, readFileSync(weightsPath).subarray(0, 7));
  const back = await store.readCheckpoint(run.id);
  assert.equal(back?.epoch, 1, 'the previous good checkpoint');
  // Damage the older one too: now the error names the newest file.
  writeFileSync(join(store.dir(run.id), CHECKPOINTS, first, MODEL_JSON), '{"format": "something else"');
  await assert.rejects(store.readCheckpoint(run.id), (err: Error) => err.message.includes(weightsPath) && /expected 40 bytes/.test(err.message));
});

test('a checkpoint that could not be read back is refused before anything is written', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  await store.writeCheckpoint(run.id, files(checkpoint(1, 2)));
  const good = (await store.get(run.id))!.checkpoint;
  const bad = files(checkpoint(2, 4));
  await assert.rejects(store.writeCheckpoint(run.id, { ...bad, weights: bad.weights.subarray(0, 8) }), /expected 40 bytes/);
  await assert.rejects(store.writeCheckpoint(run.id, { ...bad, json: 'not json' }), /expected JSON/);
  assert.deepEqual((await store.get(run.id))!.checkpoint, good, 'the pointer did not move');
  assert.equal(readdirSync(join(store.dir(run.id), CHECKPOINTS)).length, 1, 'nothing half-written is left');
  assert.equal((await store.readCheckpoint(run.id))?.epoch, 1);
});

test('a crash mid-save leaves the previous checkpoint in force, and the next save clears the debris', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  await store.writeCheckpoint(run.id, files(checkpoint(1, 2)));
  // What a crash between the two file writes leaves: a temporary folder with one file.
  const debris = join(store.dir(run.id), CHECKPOINTS, '.epoch-0002-step-000004-x.tmp');
  (await import('node:fs')).mkdirSync(debris);
  writeFileSync(join(debris, MODEL_JSON), encodeCheckpoint(checkpoint(2, 4)).json);
  assert.equal((await store.readCheckpoint(run.id))?.epoch, 1);
  await store.writeCheckpoint(run.id, files(checkpoint(3, 6)));
  assert.ok(!existsSync(debris));
  assert.equal((await store.readCheckpoint(run.id))?.epoch, 3);
});

test('training steps are saved and read back; a damaged file is an error naming it', async () => {
  const { input, store } = setup();
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  assert.deepEqual(await store.readTraining(run.id), []);
  const points = [point(0), { ...point(1), validation: 3.5 }];
  await store.writeTraining(run.id, points);
  assert.deepEqual(await store.readTraining(run.id), points);
  const path = join(store.dir(run.id), TRAINING_FILE);
  writeFileSync(path, '[{"step": 0}]');
  await assert.rejects(store.readTraining(run.id), (err: Error) => err.message.includes(path) && /entry 0/.test(err.message));
  writeFileSync(path, '[{');
  await assert.rejects(store.readTraining(run.id), (err: Error) => err.message.includes(path) && /expected JSON/.test(err.message));
});

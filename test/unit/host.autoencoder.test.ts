// The Autoencoder tab's host side without VS Code: the protocol's validation of the tab's
// messages, the run records (.lacuna/magnitude/<id>/autoencoder/<run>/) as a training reports,
// is cancelled or is interrupted, and the codes CSV shared with `lacuna autoencode --codes-out`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codesCsv } from '../../src/core/magnitude/autoencoder/codesCsv';
import { loadAutoencoderSample } from '../../src/host/magnitude/data';
import { MagnitudeRecords } from '../../src/host/magnitude/records';
import { parseMagnitudeMessage, type AeMap, type AeSettings, type AeStep } from '../../src/protocol/magnitude';

const settings: AeSettings = { dataset: 'swissroll', n: 4, t: 2, lambda: 5, epochs: 3, burnIn: 1, architecture: 'linear', seed: 42 };
const map = (rho: number, shift = 0): AeMap => ({ codes: Float64Array.from({ length: 8 }, (_, k) => k + shift), weights: Float64Array.from([0.4, 0.1, 0.2, 0.3]), rho, seconds: 0.01 });
const step = (k: number, phase: AeStep['phase'] = 'joint'): AeStep => ({ phase, epoch: k, step: k, recons: 1 / k, weight: phase === 'joint' ? 0.1 / k : NaN, total: 2 / k, rho: phase === 'joint' ? 0.5 + k / 10 : NaN, seconds: k / 10 });
const start = {
  settings,
  dataset: { label: 'a Swiss roll of 4 points', n: 4, dim: 3, labels: null },
  backend: 'cpu',
  inputWeights: Float64Array.from([0.5, 0.2, 0.2, 0.4]),
  pca: map(0.3),
  tsne: map(0.2, 100),
};

test('codesCsv: a row per point, the input weight, then x, y and w per map; labels when the data has them', () => {
  const csv = codesCsv(Float64Array.from([1, 2]), [{ name: 'ae', codes: Float64Array.from([0, 1, 2, 3]), weights: Float64Array.from([0.5, NaN]) }, { name: 'pca', codes: Float64Array.from([4, 5, 6, 7]), weights: null }], Int32Array.from([7, 3]));
  assert.equal(csv, 'point,label,w_input,ae_x,ae_y,ae_w,pca_x,pca_y,pca_w\n1,7,1,0,1,0.5,4,5,\n2,3,2,2,3,,6,7,\n');
  assert.throws(() => codesCsv(Float64Array.from([1, 2]), [{ name: 'ae', codes: Float64Array.from([0, 1]), weights: null }]), RangeError);
});

test('the protocol accepts the tab’s messages and rejects malformed ones', () => {
  assert.deepEqual(parseMagnitudeMessage({ type: 'aeLoad', sample: 'mnist', n: 300 }), { type: 'aeLoad', sample: 'mnist', n: 300 });
  assert.equal(parseMagnitudeMessage({ type: 'aeLoad', sample: 'current', n: 300 }), null, 'the current points are the webview’s own');
  assert.equal(parseMagnitudeMessage({ type: 'aeLoad', sample: 'disk', n: 300 }), null);
  assert.equal(parseMagnitudeMessage({ type: 'aeLoad', sample: 'ball', n: 2 }), null);
  assert.ok(parseMagnitudeMessage({ type: 'aeStart', ...start }));
  assert.equal(parseMagnitudeMessage({ type: 'aeStart', ...start, settings: { ...settings, t: 0 } }), null);
  assert.equal(parseMagnitudeMessage({ type: 'aeStart', ...start, settings: { ...settings, architecture: 'relu' } }), null);
  assert.equal(parseMagnitudeMessage({ type: 'aeStart', ...start, inputWeights: [0.5, 0.2, 0.2, 0.4] }), null, 'numbers travel as typed arrays');
  assert.equal(parseMagnitudeMessage({ type: 'aeStart', ...start, pca: { ...map(0.3), codes: new Float64Array(6) } }), null, 'n × 2 codes');
  assert.ok(parseMagnitudeMessage({ type: 'aeProgress', runId: 'r-1', steps: [step(1, 'burn-in'), step(2)], snapshot: null }));
  // VS Code carries webview messages as JSON (typed arrays aside): a NaN arrives as null and is
  // read back as NaN, so burn-in steps (no L_weight, no ρ) are kept, not dropped as malformed.
  const overJson = JSON.parse(JSON.stringify({ type: 'aeProgress', runId: 'r-1', steps: [step(1, 'burn-in')], snapshot: null }));
  assert.equal(overJson.steps[0].weight, null);
  const revived = parseMagnitudeMessage(overJson);
  assert.ok(revived && revived.type === 'aeProgress');
  assert.ok(Number.isNaN(revived.steps[0].weight) && Number.isNaN(revived.steps[0].rho));
  assert.equal(revived.steps[0].recons, 1);
  assert.equal(parseMagnitudeMessage({ type: 'aeProgress', runId: 'r', steps: [{ ...step(1), weight: 'x' }], snapshot: null }), null);
  assert.equal(parseMagnitudeMessage({ type: 'aeProgress', runId: '../x', steps: [], snapshot: null }), null);
  assert.equal(parseMagnitudeMessage({ type: 'aeProgress', runId: 'r', steps: [{ ...step(1), phase: 'other' }], snapshot: null }), null);
  const outcome = { status: 'cancelled', error: null, autoencoder: map(0.9), final: { recons: 1, weight: 0.1, total: 1.5 }, seconds: { total: 1, perBurnInEpoch: 0, perJointEpoch: 0.1 }, parameterCount: 10, tensorGrowth: 0 };
  assert.ok(parseMagnitudeMessage({ type: 'aeDone', runId: 'r', outcome }));
  assert.equal(parseMagnitudeMessage({ type: 'aeDone', runId: 'r', outcome: { ...outcome, status: 'done' } }), null);
  const failed = parseMagnitudeMessage({ type: 'aeDone', runId: 'r', outcome: { ...outcome, status: 'failed', autoencoder: null, final: null, seconds: null } });
  assert.ok(failed && failed.type === 'aeDone' && failed.outcome.seconds === null && failed.outcome.final === null, 'absent parts stay null');
});

test('a run is kept as it trains: settings and comparisons first, then steps and the newest codes, then the end', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lacuna-ae-records-'));
  const records = new MagnitudeRecords(root);
  const session = await records.create({ kind: 'sample', sample: 'swissroll', size: 4 });
  const run = await records.createAutoencoderRun(session.id, start);
  const dir = records.autoencoderDir(session.id, run.id);
  assert.equal(dir, join(root, session.id, 'autoencoder', run.id));
  assert.equal(run.status, 'running');
  assert.deepEqual(run.rho, { autoencoder: null, pca: 0.3, tsne: 0.2 });
  let csv = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'point,w_input,pca_x,pca_y,pca_w,tsne_x,tsne_y,tsne_w');
  assert.equal(csv[1], '1,0.5,0,1,0.4,100,101,0.4');

  await records.recordAutoencoderProgress(session.id, run.id, [step(1, 'burn-in'), step(2)], { phase: 'joint', epoch: 2, rho: 0.7, codes: Float64Array.from([9, 8, 7, 6, 5, 4, 3, 2]) });
  const mid = (await records.getAutoencoderRun(session.id, run.id))!;
  assert.equal(mid.history.length, 2);
  assert.equal(mid.history[0].weight, null, 'NaN (not computed in burn-in) is kept as null');
  assert.equal(mid.history[1].rho, 0.7);
  assert.deepEqual(mid.latest, { phase: 'joint', epoch: 2, rho: 0.7, final: false });
  csv = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'point,w_input,autoencoder_x,autoencoder_y,autoencoder_w,pca_x,pca_y,pca_w,tsne_x,tsne_y,tsne_w');
  assert.equal(csv[1], '1,0.5,9,8,,0,1,0.4,100,101,0.4', 'a snapshot’s codes, before their weights are known');

  // Cancelled: the history so far stays, with the codes after the last update.
  const done = await records.finishAutoencoderRun(session.id, run.id, {
    status: 'cancelled', error: null, autoencoder: map(0.8, 50), final: { recons: 0.5, weight: 0.05, total: 0.75 },
    seconds: { total: 2, perBurnInEpoch: 0.1, perJointEpoch: 0.2 }, parameterCount: 123, tensorGrowth: 0,
  });
  assert.equal(done.status, 'cancelled');
  assert.equal(done.history.length, 2);
  assert.deepEqual(done.rho, { autoencoder: 0.8, pca: 0.3, tsne: 0.2 });
  assert.equal(done.latest?.final, true);
  assert.equal(done.tensorGrowth, 0);
  csv = readFileSync(join(dir, 'codes.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[1], '1,0.5,50,51,0.4,0,1,0.4,100,101,0.4');
  await assert.rejects(records.recordAutoencoderProgress(session.id, run.id, [step(3)], null), /not running/);
  assert.deepEqual(readdirSync(dir).sort(), ['codes.csv', 'run.json'], 'no temporary files left behind');
  assert.equal((await records.listAutoencoderRuns(session.id)).length, 1);
});

test('a run its panel left running is marked interrupted, keeping what it reported', async () => {
  const root = mkdtempSync(join(tmpdir(), 'lacuna-ae-interrupt-'));
  const records = new MagnitudeRecords(root);
  const session = await records.create({ kind: 'sample', sample: 'ball', size: 4 });
  const a = await records.createAutoencoderRun(session.id, start);
  await records.recordAutoencoderProgress(session.id, a.id, [step(1)], null);
  assert.equal(await records.interruptAutoencoderRuns(session.id), 1);
  const r = (await records.getAutoencoderRun(session.id, a.id))!;
  assert.equal(r.status, 'interrupted');
  assert.equal(r.history.length, 1);
  assert.equal(await records.interruptAutoencoderRuns(session.id), 0);
  await assert.rejects(records.createAutoencoderRun('nosuchsession', start), /no weighting-vector record/);
  assert.throws(() => records.autoencoderDir(session.id, '../escape'), /not a run id/);
  assert.equal(existsSync(join(root, 'nosuchsession')), false);
});

test('the tab’s samples: the shapes at any size, MNIST digits with their classes', () => {
  const roll = loadAutoencoderSample('swissroll', 300);
  assert.equal(roll.n, 300);
  assert.equal(roll.dim, 3);
  assert.equal(roll.points.length, 900);
  assert.equal(roll.labels, null);
  const digits = loadAutoencoderSample('mnist', 50);
  assert.equal(digits.dim, 784);
  assert.equal(digits.labels?.length, 50);
  assert.deepEqual(digits.labelNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.throws(() => loadAutoencoderSample('ball', 2), RangeError);
  assert.throws(() => loadAutoencoderSample('ball', 100000), RangeError);
});

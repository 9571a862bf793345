// `auto` and the data preview in the impute panel, the parts that run in Node: auto's settings
// from the form, its leaderboard as the run keeps it (validated by the host, read back from
// run.json) and as the runs table shows it; a cancel between candidates; the shape a run was
// read with kept in its record; the trainer's step budget shrinking the batch.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { AutoCancelled, runAuto } from '../../src/core/impute/auto';
import { trainImputer } from '../../src/core/impute/train';
import { trafficSample } from '../../src/core/sample';
import { ImputeRuns, runTableRow, settingsText } from '../../src/host/impute/runs';
import { isRunConfig, parseImputeMessage, type RunConfig } from '../../src/protocol/impute';
import { leaderboardOf, readAutoSettings } from '../../webview/impute/autoState';
import { leaderboardRows, methodLabel, runsTableRows } from '../../webview/impute/runsState';
import { fileDigest } from './hostFixtures';

const metrics = (mae: number) => ({ mae, rmse: mae * 2, mse: 4 * mae * mae, mre: 0.1, nonzero: { count: 1, mae, rmse: mae, mse: mae }, zero: { count: 0, mae: null, rmse: null, mse: null }, perColumn: [] });

test('auto’s settings: the budget and the learned candidates, as the CLI’s --budget and --learned; bad ones are named', () => {
  assert.deepEqual(readAutoSettings('60', ['kron', 'kron']), { budgetSeconds: 60, learned: ['kron'] });
  assert.deepEqual(readAutoSettings('5', []), { budgetSeconds: 5, learned: [] });
  for (const bad of ['', '0', '-3', 'soon', '1e9']) assert.match(String(readAutoSettings(bad, [])), /budget must be/);
  const config: RunConfig = { method: 'auto', maskRatio: 0.8, seed: 0, auto: { budgetSeconds: 60, learned: ['vit'] } };
  assert.ok(isRunConfig(config));
  assert.ok(!isRunConfig({ ...config, auto: undefined }), 'auto needs its settings');
  assert.ok(!isRunConfig({ ...config, auto: { budgetSeconds: 60, learned: ['lstm'] } }), 'only learned methods are candidates');
  assert.ok(!isRunConfig({ method: 'neighbor', maskRatio: 0.8, seed: 0, auto: config.auto }), 'only auto has auto settings');
  assert.equal(settingsText(config), 'mask 0.8 · seed 0 · budget 60 s, learned vit');
});

test('auto in the page: the one core implementation, its leaderboard kept by the run and shown as sub-rows with the winner marked', async () => {
  const data = trafficSample({ sensors: 12, days: 3, seed: 2 }).matrix;
  const auto = await runAuto(data, { maskRatio: 0.8, seed: 0, budgetSeconds: 60 });
  const board = leaderboardOf(auto.leaderboard, auto.winner);
  assert.equal(board.filter((c) => c.chosen).length, 1);
  assert.equal(board.find((c) => c.chosen)!.method, auto.winner);
  for (const c of board) if (!c.skipped) assert.ok(c.validationMae !== null && Number.isFinite(c.validationMae), `${c.method} is scored`);
  // The host validates it, keeps it in run.json, and the table row carries it.
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-auto-panel-'));
  const input = join(dir, 'data.csv');
  writeFileSync(input, 'time,a\n2024-01-01,1\n');
  const store = new ImputeRuns(join(dir, '.lacuna', 'runs'));
  const run = await store.create({ path: input, format: 'wide', ...(await fileDigest(input)), shape: { transpose: false, labelColumns: [0] } }, { method: 'auto', maskRatio: 0.8, seed: 0, auto: { budgetSeconds: 60, learned: [] } });
  await store.update(run.id, (r) => void ((r.status = 'completed'), (r.result = { targets: auto.targets, metrics: metrics(auto.metrics.mae) as never, seconds: 1, backend: 'wasm', outputs: [], validationMae: auto.validation.mae, leaderboard: board })));
  const kept = (await store.get(run.id))!;
  assert.deepEqual(kept.result!.leaderboard, board);
  assert.deepEqual(kept.input.shape, { transpose: false, labelColumns: [0] }, 'the run keeps how its file was read');
  await assert.rejects(store.update(run.id, (r) => void (r.result!.leaderboard = board.map((c) => ({ ...c, chosen: false })))), /leaderboard/);
  await assert.rejects(store.update(run.id, (r) => void ((r.input as Record<string, unknown>).shape = { transpose: 'yes' })), /shape/);
  const rows = runsTableRows([{ id: run.id, label: '', description: '', row: runTableRow(kept, kept) }]);
  assert.equal(methodLabel(rows[0]), `auto → ${auto.winner}`);
  const sub = leaderboardRows(rows[0].leaderboard!);
  assert.equal(sub.length, board.length);
  const scored = sub.filter((c) => c.validationMae !== null).map((c) => c.validationMae!);
  assert.deepEqual(scored, [...scored].sort((a, b) => a - b), 'best validation first');
  assert.ok(sub.findIndex((c) => c.validationMae === null) === -1 || sub.slice(sub.findIndex((c) => c.validationMae === null)).every((c) => c.validationMae === null), 'skipped candidates last');
  assert.equal(sub.find((c) => c.chosen)!.method, auto.winner);
  // A result message carrying a leaderboard with no winner is refused.
  const result = { config: kept.config, targets: 1, metrics: metrics(1), seconds: 1, backend: 'wasm', imputed: new Float64Array(1), targetMask: new Uint8Array(1) };
  assert.ok(parseImputeMessage({ type: 'result', result: { ...result, leaderboard: board } }));
  assert.equal(parseImputeMessage({ type: 'result', result: { ...result, leaderboard: board.map((c) => ({ ...c, chosen: false })) } }), null);
  // The preview's change reaches the host as a checked choice.
  assert.deepEqual(parseImputeMessage({ type: 'shape', choice: { transpose: true, labelColumns: [0], valueColumns: [1, 2] } }), { type: 'shape', choice: { transpose: true, labelColumns: [0], valueColumns: [1, 2] } });
  assert.equal(parseImputeMessage({ type: 'shape', choice: { transpose: 1 } }), null);
});

test('auto stops between candidates when cancelled, and frees what it trained', async () => {
  const data = trafficSample({ sensors: 8, days: 2, seed: 1 }).matrix;
  let asked = 0;
  await assert.rejects(
    runAuto(data, { maskRatio: 0.8, seed: 0, budgetSeconds: 60, isCancelled: () => ++asked > 2 }),
    (err) => err instanceof AutoCancelled,
  );
  assert.equal(asked, 3, 'checked before each candidate: the third check stopped it');
});

test('a step budget shrinks the batch after a slow step, and the checkpoint keeps the batch in use', async () => {
  await tf.setBackend('cpu');
  const data = trafficSample({ sensors: 6, days: 2, seed: 3 }).matrix;
  const before = tf.memory().numTensors;
  const sizes: number[] = [];
  const trained = await trainImputer(tf, data, { method: 'kron', batchSize: 8, maxSteps: 4, seed: 0, stepBudgetSeconds: 1e-6, onBatchSize: (b) => sizes.push(b) });
  assert.deepEqual(sizes, [1], 'the second step (the first is not counted) overran the budget: the batch shrank once, to 1');
  assert.equal(trained.checkpoint.options.batchSize, 1);
  trained.model.dispose();
  const free = await trainImputer(tf, data, { method: 'kron', batchSize: 8, maxSteps: 3, seed: 0, onBatchSize: () => assert.fail('no budget, no change') });
  assert.equal(free.checkpoint.options.batchSize, 8);
  free.model.dispose();
  assert.equal(tf.memory().numTensors, before, 'no tensor left behind');
});

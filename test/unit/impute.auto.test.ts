import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { runAuto, type LearnedCandidate } from '../../src/core/impute/auto';
import { learnedCandidates } from '../../src/core/impute/autoLearned';
import { runImputation } from '../../src/core/impute/job';
import { trafficSample } from '../../src/core/sample';
import { useWasm } from './imputeFixtures';

test('auto picks the method that is best on validation, refits it, and scores the targets once', async () => {
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  const auto = await runAuto(matrix, { classical: ['mean', 'linear', 'seasonal', 'softimpute'], blend: false });
  const scores = new Map(auto.leaderboard.map((e) => [e.method, e.validationMae]));
  assert.deepEqual([...scores.keys()].sort(), ['linear', 'mean', 'seasonal', 'softimpute']);
  const best = [...scores].sort((a, b) => a[1] - b[1])[0][0];
  assert.equal(auto.winner, best);
  assert.equal(auto.leaderboard[0].method, best, 'the leaderboard is sorted by validation MAE');
  // The winner's run through auto is the same as the method's own job: same validation, same targets.
  const alone = runImputation(matrix, { method: best as 'softimpute' });
  assert.equal(auto.validation.mae, alone.validation.mae);
  assert.equal(auto.metrics.mae, alone.metrics.mae);
  assert.deepEqual(auto.imputed.values, alone.imputed.values);
});

test('auto: a learned candidate or the blend wins only when it is best on validation; the budget skips what does not fit', async () => {
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  // A stand-in learned model that predicts the truth itself wins on validation; one that predicts
  // nonsense loses. (The real learned path is tested below.)
  const oracle = (name: string, bias: number): LearnedCandidate => ({
    name,
    fit: async () => ({
      predict: async (input) => Float64Array.from(matrix.values, (v, k) => (input.observed[k] ? input.values[k] : v + bias)),
      setting: 'stand-in',
      dispose: () => {},
    }),
  });
  const auto = await runAuto(matrix, { classical: ['mean', 'linear'], learned: [oracle('good', 0.01), oracle('bad', 1000)], budgetSeconds: 60 });
  assert.equal(auto.winner, 'good');
  assert.ok(auto.metrics.mae < 0.02, 'the refit predicts with the winner');
  const bad = auto.leaderboard.find((e) => e.method === 'bad')!;
  assert.ok(bad.validationMae > 900);
  const blend = auto.leaderboard.find((e) => e.method === 'blend')!;
  assert.match(blend.setting, /good .* \+ linear/);
  // A clock that has already run out: the first candidate runs, the rest are skipped as over budget.
  let t = 0;
  const late = await runAuto(matrix, { classical: ['linear', 'knn'], learned: [oracle('good', 0)], budgetSeconds: 1, now: () => (t += 10_000) });
  assert.equal(late.winner, 'linear');
  assert.match(late.leaderboard.find((e) => e.method === 'knn')!.skipped!, /left/);
  assert.match(late.leaderboard.find((e) => e.method === 'good')!.skipped!, /left in the budget/);
});

test('auto trains a real learned candidate on the honest split within its share of the budget', async () => {
  await useWasm();
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  const tensors = tf.memory().numTensors;
  const auto = await runAuto(matrix, {
    classical: ['mean'],
    learned: learnedCandidates(tf, ['kron'], { model: { steps: 12 }, batchSize: 8, stepsPerEpoch: 5, maxEpochs: 3 }),
    budgetSeconds: 120,
  });
  const kron = auto.leaderboard.find((e) => e.method === 'kron')!;
  assert.equal(kron.kind, 'learned');
  assert.ok(Number.isFinite(kron.validationMae), `kron validation MAE ${kron.validationMae}`);
  assert.match(kron.setting, /3 epochs, 15 steps/);
  assert.equal(tf.memory().numTensors, tensors, 'auto disposes the learned models');
});

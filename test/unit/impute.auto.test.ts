import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { blendMembers, runAuto, type AutoBase, type FittedLearned, type LearnedCandidate } from '../../src/core/impute/auto';
import { refitClassical } from '../../src/core/impute/classical';
import { seededRng } from '../../src/core/random';
import { learnedCandidates } from '../../src/core/impute/autoLearned';
import { runImputation, validationScore } from '../../src/core/impute/job';
import { trafficSample } from '../../src/core/sample';
import { withMask } from '../../src/core/matrix/masked';
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
  // Nothing is within 10% of 'good' on validation: no blend drags it towards a worse candidate.
  const blend = auto.leaderboard.find((e) => e.method === 'blend')!;
  assert.match(blend.skipped!, /no other candidate within 10%/);
  // A clock that has already run out: the first candidate runs, the rest are skipped as over budget.
  let t = 0;
  const late = await runAuto(matrix, { classical: ['linear', 'knn'], learned: [oracle('good', 0)], budgetSeconds: 1, now: () => (t += 10_000) });
  assert.equal(late.winner, 'linear');
  assert.match(late.leaderboard.find((e) => e.method === 'knn')!.skipped!, /left/);
  assert.match(late.leaderboard.find((e) => e.method === 'good')!.skipped!, /left in the budget/);
});

test('auto blends only the candidates validation cannot tell apart from the best, and the blend wins only on validation', async () => {
  assert.deepEqual(blendMembers([1, 1.03, 1.099, 1.04]), [0, 1, 2]);
  assert.deepEqual(blendMembers([1, 1.2, 1.3]), [0]);
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  // Two stand-ins as good as each other with independent errors: their average is better than either.
  const noisy = (name: string, seed: number): LearnedCandidate => ({
    name,
    fit: async () => {
      const rng = seededRng(seed);
      const noise = Float64Array.from(matrix.values, () => (rng() < 0.5 ? -1 : 1));
      return { predict: async (input) => Float64Array.from(matrix.values, (v, k) => (input.observed[k] ? input.values[k] : v + noise[k])), setting: 'stand-in', dispose: () => {} };
    },
  });
  const auto = await runAuto(matrix, { classical: ['mean'], learned: [noisy('a', 1), noisy('b', 2)], budgetSeconds: 60 });
  const board = new Map(auto.leaderboard.map((e) => [e.method, e]));
  assert.equal(auto.winner, 'blend');
  assert.match(board.get('blend')!.setting, /^[ab] 0\.50 \+ [ab] 0\.50$/);
  assert.ok(board.get('blend')!.validationMae < Math.min(board.get('a')!.validationMae, board.get('b')!.validationMae));
  assert.ok(!board.get('blend')!.setting.includes('mean'), 'the mean imputer is far worse: not a member');
});

test('auto gives learned candidates the best classical candidate on validation as their base, fitted without the validation entries', async () => {
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  const seen: { base?: AutoBase; validationHidden?: boolean; sameAsClassical?: boolean } = {};
  const probe: LearnedCandidate = {
    name: 'probe',
    fit: async (holdout, _s, seed, _p, base) => {
      seen.base = base;
      const onFit = base!.impute(holdout.fitInput);
      seen.validationHidden = holdout.validation.every((v, k) => !v || !holdout.fitInput.observed[k]);
      const classical = refitClassical({ method: base!.method } as never, holdout.fitInput, seed);
      seen.sameAsClassical = onFit.every((x, k) => Math.abs(x - classical[k]) < 1e-9);
      return { predict: async (input) => base!.impute(input), setting: 'base only', dispose: () => {} };
    },
  };
  const auto = await runAuto(matrix, { classical: ['mean', 'linear'], learned: [probe], budgetSeconds: 60 });
  const best = auto.leaderboard.filter((e) => e.kind === 'classical').sort((a, b) => a.validationMae - b.validationMae)[0];
  assert.equal(seen.base?.method, best.method);
  assert.ok(seen.validationHidden && seen.sameAsClassical);
  // The probe predicts the base itself: its validation MAE is the base's.
  assert.equal(auto.leaderboard.find((e) => e.method === 'probe')!.validationMae, best.validationMae);
  let given: AutoBase | undefined | 'not called' = 'not called';
  const plain: LearnedCandidate = {
    name: 'plain',
    fit: async (holdout, _s, _seed, _p, base) => ((given = base), { predict: async (input) => refitClassical({ method: 'linear' }, input), setting: '', dispose: () => {} }),
  };
  await runAuto(matrix, { classical: ['mean', 'linear'], learned: [plain], budgetSeconds: 60, learnedBase: false });
  assert.equal(given, undefined, 'learnedBase: false passes no base');
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
  assert.match(kron.setting, /3 epochs, 15 steps .*residual over mean/);
  // Over its base, the kept model is never worse than the base on validation (the untrained model is the base).
  const mean = auto.leaderboard.find((e) => e.method === 'mean')!;
  assert.ok(kron.validationMae <= mean.validationMae * (1 + 1e-6), `kron ${kron.validationMae} vs its base ${mean.validationMae}`);
  assert.equal(tf.memory().numTensors, tensors, 'auto disposes the learned models');
});

test('auto: the best learned candidate continues with the time left, then seeds of it are trained and averaged', async () => {
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  let clock = 0;
  const calls: string[] = [];
  // A stand-in whose error is seeded noise of the given scale: members of other seeds err
  // independently, so their average is better than each. Round one uses all its time; a member
  // stops early (half its time), and so does a continued model.
  const standIn = (name: string, scale: number): LearnedCandidate => ({
    name,
    fit: async (_holdout, maxSeconds, seed) => {
      calls.push(`${name} fit ${Math.round(maxSeconds)} seed ${seed}`);
      const member = seed !== 0;
      clock += (member ? maxSeconds / 2 : maxSeconds) * 1000;
      const make = (s: number, stopped: string): FittedLearned => {
        const rng = seededRng(seed + 11);
        const values = Float64Array.from(matrix.values, (v) => v + s * (rng() - 0.5));
        return {
          predict: async (input) => Float64Array.from(values, (v, k) => (input.observed[k] ? input.values[k] : v)),
          setting: `stand-in ${s}`,
          stopped,
          extend: async (seconds) => {
            calls.push(`${name} extend ${Math.round(seconds)}`);
            clock += (seconds / 2) * 1000;
            return make(s / 2, 'early-stop');
          },
          dispose: () => {},
        };
      };
      return make(scale, member ? 'early-stop' : 'max-seconds');
    },
  });
  const auto = await runAuto(matrix, { classical: ['mean'], learned: [standIn('a', 4), standIn('b', 8)], budgetSeconds: 100, seed: 0, now: () => clock });
  // 90 s for the learned models: half shared in round one, the rest to the best on validation
  // ('a'), which stops early after 22.5 s; members of 'a' then get what is left, until under 5 s.
  assert.deepEqual(calls, ['a fit 23 seed 0', 'b fit 23 seed 0', 'a extend 45', 'a fit 23 seed 1000', 'a fit 11 seed 2000', 'a fit 6 seed 3000']);
  const a = auto.leaderboard.find((e) => e.method === 'a')!;
  const ensemble = auto.leaderboard.find((e) => e.method === 'a ×4')!;
  assert.equal(a.setting, 'stand-in 2', "'a' is the continued model");
  assert.ok(ensemble.validationMae < a.validationMae * 0.9, `the average of 4 seeds (${ensemble.validationMae}) beats the best single one (${a.validationMae})`);
  assert.match(ensemble.setting, /average of 4 seeds/);
  assert.equal(auto.winner, 'a ×4');
  assert.ok(Math.abs(auto.metrics.mae - ensemble.validationMae) < ensemble.validationMae, 'the refit predicts with the average');
});

test('auto --inductive: learned candidates never train on a row that holds a target', async () => {
  const { matrix: truth } = trafficSample({ days: 14, sensors: 16 });
  // Targets: a block hidden in the middle rows (a truth-file protocol with no test months).
  const matrix = withMask(truth, truth.observed.map((o, k) => (o && Math.floor(k / truth.cols) >= 150 && Math.floor(k / truth.cols) < 170 && k % truth.cols < 4 ? 0 : o)));
  const seen: Uint8Array[] = [];
  const probe: LearnedCandidate = {
    name: 'probe',
    fit: async (holdout) => {
      seen.push(holdout.trainRows);
      return { predict: async (input) => Float64Array.from(input.values), setting: '', stopped: 'early-stop', dispose: () => {} };
    },
  };
  for (const inductive of [false, true]) {
    seen.length = 0;
    const auto = await runAuto(matrix, { truth, classical: ['mean'], learned: [probe], budgetSeconds: 60, inductive });
    const targetRows = new Set<number>();
    auto.setup.targets.forEach((t, k) => t && targetRows.add(Math.floor(k / matrix.cols)));
    const trained = [...targetRows].filter((i) => seen[0][i]).length;
    if (inductive) assert.equal(trained, 0, 'no target row is trained on');
    else assert.ok(trained > 0, 'transductive: the target rows (their observed entries) may be trained on');
  }
});

test('a real learned candidate continues training from where it stopped (extend), with a flat tensor count', async () => {
  await useWasm();
  const { matrix } = trafficSample({ days: 14, sensors: 16 });
  const tensors = tf.memory().numTensors;
  const auto = await runAuto(matrix, { classical: ['mean'], learned: [], budgetSeconds: 60 });
  const [candidate] = learnedCandidates(tf, ['kron'], { model: { steps: 12 }, batchSize: 8, stepsPerEpoch: 5, maxEpochs: 50, patience: 50 });
  const first = await candidate.fit(auto.holdout, 0.5, 0);
  const before = Number(/(\d+) steps/.exec(first.setting)![1]);
  assert.equal(first.stopped, 'max-seconds');
  const more = await first.extend!(1);
  const after = Number(/(\d+) steps/.exec(more.setting)![1]);
  assert.ok(after > before, `steps ${before} → ${after}`);
  assert.ok(Number.isFinite(validationMae(auto, await more.predict(auto.holdout.fitInput))));
  first.dispose(); // already freed by extend: a no-op
  more.dispose();
  assert.equal(tf.memory().numTensors, tensors, 'extend frees the model it replaces');
});

function validationMae(auto: { holdout: Parameters<typeof validationScore>[0]; setup: { input: { cols: number } } }, prediction: Float64Array): number {
  return validationScore(auto.holdout, auto.setup.input.cols)(prediction);
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { normal, seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';
import { trainImputer } from '../../src/core/impute/train';
import { CLASSICAL_METHODS } from '../../src/core/impute/classical';
import { coveragePlacement, qrPivotOrder, randomPlacements, spearman } from '../../src/core/sampling/baselines';
import { geneticPlacement } from '../../src/core/sampling/genetic';
import { greedyPlacement, PlacementCancelled } from '../../src/core/sampling/greedy';
import { classicalImputer, frozenModelImputer, lowRankImputer } from '../../src/core/sampling/imputers';
import { chosenCsv, PLACEMENT_METHODS, runPlacement } from '../../src/core/sampling/placement';
import { imputerObjective, placementInput, placementProblem, resolveBudget, scorePlacement, type PlacementObjective } from '../../src/core/sampling/problem';
import { useWasm } from './imputeFixtures';

const DRIVERS = [2, 8, 15];

/**
 * 18 columns in three groups of six; each group follows one clean driver column, every other
 * column is a scaled copy of its driver plus noise. Keeping the three drivers explains the rest
 * best (a kept follower would pass its own noise on to its five group mates).
 */
function driven(rows = 300, seed = 1): MaskedMatrix {
  const cols = 18;
  const rng = seededRng(seed);
  const m = createMaskedMatrix(rows, cols, { times: Float64Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1, i)) });
  const group = (j: number) => Math.floor(j / 6);
  const scale = Array.from({ length: cols }, () => 0.8 + 0.4 * rng());
  for (let i = 0; i < rows; i++) {
    const d = [normal(rng) * 3, normal(rng) * 2, normal(rng) * 2.5];
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      m.values[k] = DRIVERS.includes(j) ? d[group(j)] : scale[j] * d[group(j)] + 0.5 * normal(rng);
      m.observed[k] = 1;
    }
  }
  return m;
}

/** An objective that records every set it is asked about. */
function recording(o: PlacementObjective, seen: number[][]): PlacementObjective {
  return {
    name: o.name,
    problem: o.problem,
    get evaluations() {
      return o.evaluations;
    },
    evaluate: (kept) => {
      seen.push([...kept]);
      return o.evaluate(kept);
    },
  };
}

test('the masked-sensor protocol hides every column but the kept ones in the scored rows only, and scores only those', () => {
  const m = driven(100);
  const problem = placementProblem(m);
  assert.deepEqual(problem.validation, { from: 0, to: 85, scoredFrom: 70 });
  assert.deepEqual(problem.test, { from: 0, to: 100, scoredFrom: 85 });
  const input = placementInput(problem, problem.validation, [2, 7]);
  assert.equal(input.rows, 85);
  for (let i = 0; i < 85; i++) {
    for (let j = 0; j < 18; j++) assert.equal(input.observed[i * 18 + j], i < 70 || j === 2 || j === 7 ? 1 : 0, `row ${i} column ${j}`);
  }
  // A perfect prediction scores 0; an error of 1 on every hidden entry scores 1 over 15 × 16 entries.
  const perfect = m.values.slice(0, 85 * 18);
  assert.equal(scorePlacement(problem, problem.validation, [2, 7], perfect).value, 0);
  const off = perfect.map((v, k) => v + (k % 18 === 2 || k % 18 === 7 ? 100 : 1));
  const e = scorePlacement(problem, problem.validation, [2, 7], off);
  assert.deepEqual([e.value, e.mae, e.count], [1, 1, 240]);
});

test('a budget larger than the columns, or 0, or a ratio that keeps nothing gets a clear error', async () => {
  assert.throws(() => resolveBudget(36, { budget: 37 }), /keeps 37 columns but the matrix has only 36/);
  assert.throws(() => resolveBudget(36, { budget: 0 }), /at least one column/);
  assert.throws(() => resolveBudget(36, { budget: 2.5 }), /whole number/);
  assert.throws(() => resolveBudget(36, { keepRatio: 0.01 }), /keeps none/);
  assert.throws(() => resolveBudget(36, { keepRatio: 1.5 }), /fraction in \(0, 1\]/);
  assert.equal(resolveBudget(36, { keepRatio: 0.1 }), 4);
  assert.equal(resolveBudget(36, { keepRatio: 0.05 }), 2);
  const problem = placementProblem(driven(60));
  const objective = imputerObjective(problem, classicalImputer('mean', problem, 3));
  await assert.rejects(greedyPlacement(objective, { budget: 19 }), /between 1 and 18 columns, found 19/);
  await assert.rejects(greedyPlacement(objective, { budget: 0 }), /between 1 and 18 columns, found 0/);
  await assert.rejects(geneticPlacement(objective, { budget: 19 }), /between 1 and 18 columns, found 19/);
  await assert.rejects(runPlacement(problem, classicalImputer('mean', problem, 3), { method: 'random', budget: 0 }), /between 1 and 18/);
});

test('on a matrix where three columns drive the rest, greedy keeps exactly those three', async () => {
  const problem = placementProblem(driven());
  const imputer = lowRankImputer(problem, 3);
  const result = await greedyPlacement(imputerObjective(problem, imputer), { budget: 3 });
  assert.deepEqual([...result.chosen].sort((a, b) => a - b), DRIVERS);
  // Each step lowers the error, and the three together leave only the followers' noise.
  assert.ok(result.gains.every((g) => g > 0), `gains ${result.gains}`);
  assert.ok(result.error < 0.25 * result.empty, `error ${result.error} against ${result.empty} with nothing kept`);
});

test('lazy greedy returns the same set, in the same order, as plain greedy, with fewer evaluations', async () => {
  const problem = placementProblem(driven(200, 5));
  const imputer = lowRankImputer(problem, 4);
  const lazyObjective = imputerObjective(problem, imputer);
  const plainObjective = imputerObjective(problem, imputer);
  const lazy = await greedyPlacement(lazyObjective, { budget: 5, extra: 0 });
  const plain = await greedyPlacement(plainObjective, { budget: 5, extra: 0, lazy: false });
  assert.deepEqual(lazy.chosen, plain.chosen);
  assert.deepEqual(lazy.gains, plain.gains);
  assert.ok(lazyObjective.evaluations < plainObjective.evaluations, `${lazyObjective.evaluations} lazy against ${plainObjective.evaluations} plain`);
});

test('backward pruning drops a column the later choices made redundant, and never raises the error', async () => {
  const problem = placementProblem(driven());
  const objective = imputerObjective(problem, lowRankImputer(problem, 3));
  const r = await greedyPlacement(objective, { budget: 3, extra: 2 });
  assert.equal(r.chosen.length, 3);
  assert.equal(r.pruned.length, 2);
  assert.deepEqual([...r.chosen].sort((a, b) => a - b), DRIVERS);
  assert.ok(r.error <= r.forward[2].error + 1e-12, `pruned ${r.error} against forward ${r.forward[2].error}`);
});

test('the genetic search never breaks the budget, is deterministic for a seed, and beats its first population', async () => {
  const problem = placementProblem(driven());
  const imputer = lowRankImputer(problem, 3);
  const run = async (seed: number) => {
    const seen: number[][] = [];
    const progress: number[] = [];
    const r = await geneticPlacement(recording(imputerObjective(problem, imputer), seen), { budget: 3, seed, population: 12, generations: 15, onProgress: (p) => progress.push(p.generation) });
    return { r, seen, progress };
  };
  const a = await run(3);
  const b = await run(3);
  for (const set of a.seen) {
    assert.equal(set.length, 3, `evaluated ${set}`);
    assert.equal(new Set(set).size, 3, `evaluated ${set}`);
    assert.ok(set.every((j) => Number.isInteger(j) && j >= 0 && j < 18));
  }
  assert.deepEqual(a.r.chosen, b.r.chosen);
  assert.deepEqual(a.r.history, b.r.history);
  assert.deepEqual(a.seen, b.seen);
  assert.deepEqual(a.progress, [...Array(16).keys()]);
  assert.equal(a.r.stopped, 'generations');
  assert.ok(a.r.history.at(-1)! < a.r.history[0], `history ${a.r.history}`);
  assert.ok(a.r.history.every((v, i) => i === 0 || v <= a.r.history[i - 1]), 'elitism keeps the best');
});

test('the genetic search stops at its time budget and on cancel, keeping the best so far', async () => {
  const problem = placementProblem(driven(120));
  const imputer = lowRankImputer(problem, 3);
  let clock = 0;
  const timed = await geneticPlacement(imputerObjective(problem, imputer), { budget: 3, population: 6, generations: 100, timeBudgetMs: 50, now: () => (clock += 1) });
  assert.equal(timed.stopped, 'time');
  assert.ok(timed.generations < 100 && timed.chosen.length === 3);
  const signal = { aborted: false };
  const cancelled = await geneticPlacement(imputerObjective(problem, imputer), {
    budget: 3,
    population: 6,
    generations: 100,
    signal,
    onProgress: (p) => {
      if (p.generation === 2) signal.aborted = true;
    },
  });
  assert.equal(cancelled.stopped, 'cancelled');
  assert.equal(cancelled.generations, 2);
  assert.equal(cancelled.chosen.length, 3);
  await assert.rejects(greedyPlacement(imputerObjective(problem, imputer), { budget: 3, signal: { aborted: true } }), PlacementCancelled);
});

test('every method runs through runPlacement on the embedded sample with a registry imputer, within the budget', async () => {
  const { matrix } = trafficSample({ days: 14 });
  const problem = placementProblem(matrix);
  const budget = resolveBudget(matrix.cols, { keepRatio: 0.1 });
  const imputer = classicalImputer('neighbor', problem, budget);
  const proxy = lowRankImputer(problem, budget);
  const errors: Record<string, number> = {};
  let randomMean = NaN;
  for (const method of PLACEMENT_METHODS) {
    const r = await runPlacement(problem, imputer, { method, budget, seed: 1, draws: 5, genetic: { population: 8, generations: 3 }, proxy: { imputer: proxy, samples: 8 } });
    assert.equal(r.chosen.length, budget, method);
    assert.equal(new Set(r.chosen.map((c) => c.column)).size, budget, method);
    assert.deepEqual(r.chosen.map((c) => c.rank), [...Array(budget).keys()].map((k) => k + 1));
    assert.equal(r.curve.length, budget, method);
    assert.ok(Number.isFinite(r.test.value) && r.test.count > 0, method);
    assert.equal(r.imputer, 'neighbor');
    assert.ok(r.proxy && r.proxy.spearman >= -1 && r.proxy.spearman <= 1, `${method} proxy ${r.proxy?.spearman}`);
    // The curve's last point is the chosen set itself (random: the draws' mean).
    if (method !== 'random') assert.ok(Math.abs(r.curve.at(-1)!.validation - r.validation.value) < 1e-9, method);
    else assert.ok(r.random && r.random.draws === 5 && r.random.test.std > 0);
    errors[method] = r.validation.value;
    if (r.random) randomMean = r.random.validation.mean;
    const csv = chosenCsv(r, matrix.places).trim().split('\n');
    assert.equal(csv[0], 'rank,column,latitude,longitude,h3_cell,gain_mse');
    assert.equal(csv.length, budget + 1);
  }
  // Greedy searches the objective the others are scored on: it is at least as good as a random draw.
  assert.ok(errors.greedy <= randomMean, `greedy ${errors.greedy} random ${randomMean}`);
});

test('coverage spreads the kept columns over the map and needs places; QR pivots pick independent columns', () => {
  const places = [
    { lat: 0, lng: 0, cell: 'a' },
    { lat: 0, lng: 0.01, cell: 'b' },
    { lat: 0, lng: 1, cell: 'c' },
    { lat: 0, lng: -1, cell: 'd' },
    null,
  ];
  // Nearest the centroid (lng 0.0025) first, then the farthest, then the farthest from both.
  assert.deepEqual(coveragePlacement(places, 3), [0, 2, 3]);
  assert.throws(() => coveragePlacement(null, 2), /needs the columns' places/);
  assert.throws(() => coveragePlacement(places, 5), /can place 4 columns/);
  // Axes (2 × 4): columns 1 and 3 are the same direction; column 0 is the largest.
  const axes = Float64Array.from([3, 1, 0, 1, 0, 0, 2, 0]);
  assert.deepEqual(qrPivotOrder(axes, 2, 4, 2), [0, 2]);
  assert.deepEqual(qrPivotOrder(axes, 2, 4, 4), [0, 2, 1, 3]);
});

test('random placements and Spearman', () => {
  const sets = randomPlacements(10, 3, 20, 0);
  assert.equal(sets.length, 20);
  for (const s of sets) assert.equal(new Set(s).size, 3);
  assert.deepEqual(sets, randomPlacements(10, 3, 20, 0));
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // Ties get average ranks: (1, 2.5, 2.5, 4) against (1, 3, 2, 4).
  assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 3, 2, 4]) - 4.5 / Math.sqrt(22.5)) < 1e-12);
});

test('a trained model, frozen, is a placement imputer: inference only, no tensors left behind', async () => {
  await useWasm();
  const { matrix } = trafficSample({ days: 10, sensors: 12 });
  const trained = await trainImputer(tf, matrix, { method: 'kron', model: { steps: 12 }, batchSize: 8, stepsPerEpoch: 5, maxEpochs: 2, seed: 0 });
  trained.model.dispose();
  const before = tf.memory().numTensors;
  const problem = placementProblem(matrix);
  const frozen = frozenModelImputer(tf, trained.checkpoint, matrix, 'test');
  const objective = imputerObjective(problem, frozen);
  const all = await objective.evaluate([...Array(12).keys()]);
  const none = await objective.evaluate([]);
  const some = await objective.evaluate([0, 5]);
  assert.equal(all, 0);
  assert.ok(Number.isFinite(none) && Number.isFinite(some) && none !== some, `nothing kept ${none}, two kept ${some}`);
  frozen.dispose();
  assert.equal(tf.memory().numTensors, before);
  assert.match(frozen.name, /^kron \(frozen, test\)$/);
});

test('every classical imputer of the registry scores a placement (tuned once, refitted per kept set)', async () => {
  const { matrix } = trafficSample({ days: 7, sensors: 10 });
  const problem = placementProblem(matrix);
  for (const name of CLASSICAL_METHODS) {
    const imputer = classicalImputer(name, problem, 2);
    assert.ok(imputer.name.startsWith(name), imputer.name);
    const objective = imputerObjective(problem, imputer);
    const r = await greedyPlacement(objective, { budget: 2, extra: 0 });
    assert.equal(r.chosen.length, 2, name);
    assert.ok(Number.isFinite(r.error) && r.error <= r.empty, `${name}: ${r.error} against ${r.empty}`);
  }
  assert.throws(() => classicalImputer('nope', problem, 2), /unknown imputer "nope"; expected one of neighbor/);
});

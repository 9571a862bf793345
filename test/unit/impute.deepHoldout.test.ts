import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { adaptiveSettings, baseHiddenEntries, runDeepImputation } from '../../src/core/impute/deepJob';
import { imputeLinear } from '../../src/core/impute/baselines';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { predictMatrix, trainImputer } from '../../src/core/impute/train';
import { fitNormaliser, type WindowBatch } from '../../src/core/impute/windows';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';

/** Three-hourly rows over four months, a daily cycle per column, 8-step gaps in every month. */
function truthCase(): { input: MaskedMatrix; truth: MaskedMatrix } {
  const rows = 8 * 120;
  const cols = 5;
  const times = Float64Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1, 3 * i));
  const truth = createMaskedMatrix(rows, cols, { times });
  const rng = seededRng(4);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      truth.values[i * cols + j] = 20 + 5 * Math.sin((2 * Math.PI * i) / 8 + j) + rng();
      truth.observed[i * cols + j] = 1;
    }
  }
  const input = { ...truth, values: truth.values.slice(), observed: truth.observed.slice() };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if ((i + 5 * j) % 30 < 6) {
        input.observed[i * cols + j] = 0;
        input.values[i * cols + j] = 0;
      }
    }
  }
  return { input, truth };
}

/** Every training window: no validation row, no validation entry, no target ever visible. */
function checkBatches(batches: WindowBatch[], job: Awaited<ReturnType<typeof runDeepImputation>>, cols: number, inductive: boolean) {
  const h = job.holdout;
  assert.ok(batches.length > 0);
  for (const b of batches) {
    for (let w = 0; w < b.batch; w++) {
      for (let i = 0; i < b.steps; i++) {
        const row = b.starts[w] + i;
        assert.equal(h.validationRows[row], 0, `a training window covers validation row ${row}`);
        assert.equal(h.trainRows[row], 1, `a training window leaves the training rows at ${row}`);
        for (let j = 0; j < cols; j++) {
          const k = row * cols + j;
          assert.equal(h.validation[k], 0);
          const o = (w * b.steps + i) * cols + j;
          if (job.setup.targets[k]) assert.equal(b.visible[o], 0, 'a target is never an input');
          if (inductive) assert.equal(job.setup.targets[k], 0, 'inductive: no target row is trained on');
        }
      }
    }
  }
}

test('the deep job (truth file, test months): windows never touch validation rows, early stopping sees validation only, targets scored once', async () => {
  await tf.setBackend('cpu');
  const { input, truth } = truthCase();
  for (const inductive of [false, true]) {
    const batches: WindowBatch[] = [];
    const job = await runDeepImputation(tf, input, {
      truth,
      testMonths: [3],
      inductive,
      train: { method: 'kron', model: { steps: 8, channels: 8, depth: 1, keyWidth: 4 }, batchSize: 8, stepsPerEpoch: 5, maxEpochs: 3, patience: 100, onBatch: (b) => batches.push(b) },
    });
    checkBatches(batches, job, input.cols, inductive);
    assert.ok(job.validation.count > 0 && Number.isFinite(job.validation.mae));
    // Validation entries are observed, hidden by the job, never targets, outside the test month; the targets inside it.
    for (let k = 0; k < job.holdout.validation.length; k++) {
      const month = new Date(input.times![Math.floor(k / input.cols)]).getUTCMonth() + 1;
      if (job.holdout.validation[k]) assert.ok(input.observed[k] && !job.holdout.fitInput.observed[k] && !job.setup.targets[k] && month !== 3);
      if (job.setup.targets[k]) assert.equal(month, 3);
    }
    assert.equal(job.trained.history.filter((p) => p.validation !== undefined).length, 3);
    job.trained.model.dispose();
  }
});

test('the deep job (seed protocol): training windows stay in the training rows; validation is the validation rows’ hidden entries', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 8, sensors: 6 });
  const batches: WindowBatch[] = [];
  const job = await runDeepImputation(tf, matrix, { train: { method: 'vit', model: { steps: 12, width: 16, depth: 1, heads: 2 }, batchSize: 4, stepsPerEpoch: 4, maxEpochs: 2, onBatch: (b) => batches.push(b) } });
  checkBatches(batches, job, matrix.cols, false);
  const last = batches.flatMap((b) => [...b.starts]).reduce((a, b) => Math.max(a, b), 0);
  assert.ok(last + 12 <= Math.round(matrix.rows * 0.7), 'windows end before the validation rows');
  job.trained.model.dispose();
});

test('the trainer refuses validation entries inside its training rows, and holds out its own rows when given none', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 4, sensors: 6 });
  const targets = new Uint8Array(matrix.rows * matrix.cols);
  targets[10 * matrix.cols] = 1;
  const model = { steps: 12, channels: 8, depth: 1, keyWidth: 4 };
  await assert.rejects(trainImputer(tf, matrix, { method: 'kron', model, validation: { ranges: [[0, 24]], targets, truth: matrix.values }, maxEpochs: 1 }), /validation entry at row 11, column 1 lies in the training rows/);
  const batches: WindowBatch[] = [];
  const trained = await trainImputer(tf, matrix, { method: 'kron', model, batchSize: 8, stepsPerEpoch: 5, maxEpochs: 2, onBatch: (b) => batches.push(b) });
  const held = matrix.rows - Math.max(12, Math.round(matrix.rows * 0.15));
  assert.ok(batches.every((b) => [...b.starts].every((s) => s + 12 <= held)), 'no window reaches the held-out rows');
  assert.ok(Number.isFinite(trained.bestValidation));
  trained.model.dispose();
});

test('window and patch follow the sampling interval and its period', () => {
  const at = (ms: number, rows = 5000) => ({ rows, times: Float64Array.from({ length: rows }, (_, i) => i * ms) });
  assert.deepEqual(adaptiveSettings(at(3_600_000), 'vit'), { steps: 24, patchSteps: 4 }); // hourly: a day
  assert.deepEqual(adaptiveSettings(at(900_000), 'vit'), { steps: 48, patchSteps: 8 }); // 15 minutes: half a day
  assert.deepEqual(adaptiveSettings(at(86_400_000), 'kron'), { steps: 28 }); // daily: four weeks
  assert.deepEqual(adaptiveSettings(at(3 * 3_600_000), 'unet'), { steps: 24 }); // 3-hourly: three days
  assert.deepEqual(adaptiveSettings({ rows: 100, times: null }, 'vit'), {}); // no time axis: defaults
  assert.deepEqual(adaptiveSettings(at(7_000), 'vit'), {}); // no whole period in a day
});

test('on data without zeros GradNorm is inert: it trains exactly as the single loss (L_z is always 0, the weights never move)', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 3, sensors: 6 });
  const shifted = { ...matrix, values: matrix.values.map((v, k) => (matrix.observed[k] ? v + 1 : 0)) };
  const run = (balance: 'gradnorm' | 'single') =>
    trainImputer(tf, shifted, { method: 'kron', model: { steps: 12, channels: 8, depth: 1, keyWidth: 4 }, batchSize: 4, stepsPerEpoch: 4, maxEpochs: 2, balance, loss: 'mae', seed: 1 });
  const [g, s] = [await run('gradnorm'), await run('single')];
  assert.ok(g.history.every((h) => h.lossZero === 0 && h.weights[0] === 1 && h.weights[1] === 1));
  assert.deepEqual(
    g.history.map((h) => h.loss),
    s.history.map((h) => h.loss),
  );
  g.model.dispose();
  s.model.dispose();
});

test('the residual over a base: training hides and learns only entries the base never saw; the job reports the base on validation', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 8, sensors: 6 });
  const seen: MaskedMatrix[] = [];
  const batches: WindowBatch[] = [];
  const base = (input: MaskedMatrix) => {
    seen.push(input);
    return imputeLinear(input);
  };
  const job = await runDeepImputation(tf, matrix, { base, train: { method: 'vit', model: { steps: 12, width: 16, depth: 1, heads: 2 }, batchSize: 4, stepsPerEpoch: 4, maxEpochs: 2, onBatch: (b) => batches.push(b) } });
  const hidden = baseHiddenEntries(job.holdout.fitInput, job.holdout.train, 0);
  // The first call is the training input: every entry training hides is missing there.
  for (let k = 0; k < hidden.length; k++) if (hidden[k]) assert.equal(seen[0].observed[k], 0);
  for (const b of batches) {
    for (let o = 0; o < b.target.length; o++) {
      if (!b.target[o]) continue;
      const w = Math.floor(o / (b.steps * b.cols));
      const k = (b.starts[w] + Math.floor((o % (b.steps * b.cols)) / b.cols)) * b.cols + (o % b.cols);
      assert.equal(hidden[k], 1, 'a training target the base saw');
    }
  }
  assert.ok(batches.some((b) => b.target.some((t) => t === 1)), 'training has targets');
  assert.ok(job.baseValidation && Number.isFinite(job.baseValidation.mae) && Number.isFinite(job.validation.mae));
  job.trained.model.dispose();
});

test('per-column robust normalisation: median and IQR per column, and predictions come back in each column’s units', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 4, sensors: 5 });
  const scaled = { ...matrix, values: matrix.values.map((v, k) => v * (1 + 20 * (k % matrix.cols))) };
  const norm = fitNormaliser(scaled, [0, scaled.rows], 'column');
  assert.equal(norm.columns!.center.length, 5);
  assert.ok(norm.columns!.scale[4] > 10 * norm.columns!.scale[0], 'each column its own scale');
  const trained = await trainImputer(tf, scaled, { method: 'kron', model: { steps: 12, channels: 8, depth: 1, keyWidth: 4 }, normalise: 'column', batchSize: 4, stepsPerEpoch: 4, maxEpochs: 2 });
  assert.ok(trained.norm.columns, 'the trained model keeps its column units');
  const out = await predictMatrix(tf, trained, scaled);
  const colMean = (j: number) => {
    let s = 0;
    for (let i = 0; i < scaled.rows; i++) s += out[i * scaled.cols + j];
    return s / scaled.rows;
  };
  assert.ok(colMean(4) > 10 * colMean(0), `column levels ${colMean(0)} vs ${colMean(4)}`);
  trained.model.dispose();
});

test('over a base the untrained model is the base itself, so the kept model never does worse than its base on validation', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 8, sensors: 6 });
  const train = { method: 'vit' as const, model: { steps: 12, width: 16, depth: 1, heads: 2 }, batchSize: 4, stepsPerEpoch: 4 };
  const untrained = await runDeepImputation(tf, matrix, { base: 'softimpute', train: { ...train, maxEpochs: 0 } });
  const base = untrained.baseValidation!.mae;
  assert.ok(Math.abs(untrained.validation.mae - base) <= 1e-4 * base, `untrained ${untrained.validation.mae} against the base ${base}`);
  untrained.trained.model.dispose();
  const trained = await runDeepImputation(tf, matrix, { base: 'softimpute', train: { ...train, maxEpochs: 3 } });
  assert.ok(trained.trained.bestValidation <= base * (1 + 1e-4), `kept ${trained.trained.bestValidation} against the base ${base}`);
  trained.trained.model.dispose();
});

// The ViT imputer: the head's rearrangement and its adjoint (with padded patches), the time
// embeddings, overfitting a tiny matrix with a flat tensor count, and beating neighbour
// averaging on the embedded traffic sample, trained on the wasm backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { imputeBaseline } from '../../src/core/impute/baselines';
import { evaluate } from '../../src/core/impute/metrics';
import { createImputer } from '../../src/core/impute/models';
import { patchGrid, VitImputer } from '../../src/core/impute/models/vit';
import { maskProtocol } from '../../src/core/impute/protocol';
import { predictMatrix, trainImputer } from '../../src/core/impute/train';
import { maskSplitTraining } from '../../src/core/impute/deepJob';
import { DEFAULT_CORRUPTION, fitNormaliser, makeBatch } from '../../src/core/impute/windows';
import { normal, seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';
import { overfit, useWasm } from './imputeFixtures';


test('patches pad a window whose sides are not multiples, and toHead is the exact adjoint of the head', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 2, sensors: 7 });
  const config = { steps: 10, cols: 7, patchSteps: 4, patchCols: 3, width: 8, depth: 1, heads: 2, residual: 1, seed: 1 };
  assert.deepEqual(patchGrid(config), { rows: 3, cols: 3, tokens: 9, paddedSteps: 12, paddedCols: 9 });
  const model = new VitImputer(tf, config);
  const batch = makeBatch(matrix, fitNormaliser(matrix), [0, 5], 10, { rng: seededRng(2), corruption: DEFAULT_CORRUPTION });
  const rng = seededRng(5);
  const weights = tf.tensor3d(Float32Array.from({ length: 2 * 10 * 7 }, () => normal(rng)), [2, 10, 7]);
  // ∇_shared Σ (prediction ⊙ weights) = headInputᵀ · toHead(weights), padding included.
  const direct = tf.tidy(() => tf.variableGrads(() => model.forward(batch).prediction.mul(weights).sum() as tf.Scalar, [model.shared]).grads[model.shared.name].arraySync() as number[][]);
  const viaHead = tf.tidy(() => {
    const { prediction, headInput } = model.forward(batch);
    assert.deepEqual(prediction.shape, [2, 10, 7]);
    assert.deepEqual(headInput.shape, [2 * 9, 8]);
    const head = model.toHead(weights);
    assert.deepEqual(head.shape, [2 * 9, 12]);
    return headInput.matMul(head, true, false).arraySync() as number[][];
  });
  direct.flat().forEach((d, i) => assert.ok(Math.abs(d - viaHead.flat()[i]) < 1e-4 * (1 + Math.abs(d)), `entry ${i}: ${d} vs ${viaHead.flat()[i]}`));
  tf.dispose(weights);
  model.dispose();
});

test('the time embeddings reach the prediction: a different hour or weekday changes it', async () => {
  await tf.setBackend('cpu');
  const { matrix } = trafficSample({ days: 2, sensors: 4 });
  const model = createImputer(tf, 'vit', { steps: 8, patchSteps: 2, patchCols: 2, width: 8, depth: 1, heads: 2, seed: 3 }, 4);
  const batch = makeBatch(matrix, fitNormaliser(matrix), [0], 8);
  const predict = (b: typeof batch) => tf.tidy(() => [...model.forward(b).prediction.dataSync()]);
  const base = predict(batch);
  const shiftedHour = predict({ ...batch, hour: batch.hour.map((h) => (h + 6) % 24) });
  const shiftedDay = predict({ ...batch, weekday: batch.weekday.map((d) => (d + 1) % 7) });
  const moved = (a: number[]) => Math.max(...a.map((v, i) => Math.abs(v - base[i])));
  assert.ok(moved(shiftedHour) > 1e-6, 'the hour of day matters');
  assert.ok(moved(shiftedDay) > 1e-6, 'the day of week matters');
  model.dispose();
});

test('the ViT overfits a tiny matrix (loss falls 10x) without leaking tensors', async () => {
  await useWasm();
  const { matrix } = trafficSample({ days: 2, sensors: 6 });
  const batch = makeBatch(matrix, fitNormaliser(matrix), [0, 12, 24], 12, { rng: seededRng(2), corruption: DEFAULT_CORRUPTION });
  const model = createImputer(tf, 'vit', { steps: 12, patchSteps: 3, patchCols: 2, width: 32, depth: 2, heads: 4, seed: 3 }, 6);
  const { first, last, counts } = overfit(model, batch, 3e-3, 200);
  assert.ok(last < first / 10, `loss ${first} -> ${last}`);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `the tensor count is flat across steps: ${[...new Set(counts)].join(',')}`);
  const before = tf.memory().numTensors;
  model.dispose();
  assert.equal(tf.memory().numTensors, before - model.variables.length, 'dispose frees every variable and nothing is left over');
});

test('the ViT with GradNorm beats neighbour averaging on the embedded traffic sample (seed protocol, wasm)', async () => {
  await useWasm();
  const { matrix } = trafficSample();
  const setup = maskProtocol(matrix, { maskRatio: 0.8, seed: 0 });
  const counts: number[] = [];
  const trained = await trainImputer(tf, setup.input, {
    method: 'vit',
    model: { steps: 12, patchSteps: 4, patchCols: 4, width: 32, depth: 2, heads: 4 },
    batchSize: 8,
    stepsPerEpoch: 20,
    maxEpochs: 8,
    patience: 100,
    balance: 'gradnorm',
    seed: 0,
    ...maskSplitTraining(matrix, setup),
    onProgress: () => counts.push(tf.memory().numTensors),
  });
  assert.equal(trained.steps, 160);
  assert.ok(counts.slice(20, 40).every((c) => c === counts[20]), `tensor counts ${counts.slice(20, 40).join(',')}`);
  const validations = trained.history.filter((h) => h.validation !== undefined).map((h) => h.validation!);
  assert.ok(trained.bestValidation < validations[0], `validation ${validations.join(', ')}`);
  const vit = evaluate(await predictMatrix(tf, trained, setup.input), setup.truth, setup.targets, matrix.cols);
  const neighbour = evaluate(imputeBaseline('neighbor', setup.input), setup.truth, setup.targets, matrix.cols);
  // Measured: ViT 4.03 against neighbour averaging 5.33 (linear interpolation 5.44).
  assert.ok(vit.mae < neighbour.mae, `ViT MAE ${vit.mae} against neighbour averaging ${neighbour.mae}`);
  trained.model.dispose();
});

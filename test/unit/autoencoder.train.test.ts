// Training the magnitude autoencoder on a small Swiss roll: the loss drops, ρ(w_X, w_h) rises and
// ends above PCA's, and the tensor count stays flat step after step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { pca } from '../../src/core/embed/pca';
import { codeRho, defaultAutoencoderConfig, trainAutoencoder, type TrainingStep } from '../../src/core/magnitude/autoencoder/index';
import { swissRoll } from '../../src/core/points/samples';

async function fastestBackend(): Promise<string> {
  const require = createRequire(__filename);
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  try {
    if (await tf.setBackend('wasm')) {
      await tf.ready();
      return 'wasm';
    }
  } catch {
    // fall through to cpu
  }
  await tf.setBackend('cpu');
  return 'cpu';
}

test('Swiss roll (n = 200): the loss drops, ρ rises during training and ends above PCA\'s; tensors stay flat', async () => {
  const backend = await fastestBackend();
  const points = swissRoll(200, { seed: 5 });
  const t = 1;
  const config = { ...defaultAutoencoderConfig('linear', t), epochs: 120, burnInEpochs: 3, burnInBatchSize: 50 };
  const counts: number[] = [];
  const before = tf.memory().numTensors;
  const steps: TrainingStep[] = [];
  const result = await trainAutoencoder(tf, points, config, {
    onStep: (s) => {
      steps.push(s);
      counts.push(tf.memory().numTensors);
    },
  });
  assert.equal(tf.memory().numTensors, before, `${backend}: tensors left after training`);
  // Flat over every step of both phases (the first 20 joint steps included).
  assert.ok(counts.every((c) => c === counts[0]), `${backend}: tensor count varies over the steps: ${[...new Set(counts)].join(', ')}`);
  const joint = steps.filter((s) => s.phase === 'joint');
  assert.equal(joint.length, 120);
  assert.equal(steps.filter((s) => s.phase === 'burn-in').length, 3 * 4);

  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const early = joint.slice(0, 10);
  const late = joint.slice(-10);
  assert.ok(mean(late.map((s) => s.total)) < 0.5 * mean(early.map((s) => s.total)), `loss ${mean(early.map((s) => s.total))} → ${mean(late.map((s) => s.total))}`);
  assert.ok(mean(late.map((s) => s.weight)) < mean(early.map((s) => s.weight)), 'L_weight drops');
  assert.ok(mean(late.map((s) => s.rho)) > mean(early.map((s) => s.rho)) + 0.15, `ρ ${mean(early.map((s) => s.rho))} → ${mean(late.map((s) => s.rho))}`);

  const pcaRho = codeRho(result.inputWeights, pca(points).codes, 2, t).rho;
  assert.ok(result.rho > pcaRho + 0.1, `${backend}: autoencoder ρ ${result.rho} vs PCA ${pcaRho}`);
  assert.ok(result.rho > 0.75, `autoencoder ρ ${result.rho}`);
  assert.equal(result.codes.length, 400);
  await tf.setBackend('cpu');
});

test('the GPU-safe paths: asynchronous reads give the same steps as the in-graph op; the device CG solver trains', async () => {
  await tf.setBackend('cpu');
  const points = swissRoll(40, { seed: 2 });
  const base = { ...defaultAutoencoderConfig('linear', 1), epochs: 6, burnInEpochs: 1, burnInBatchSize: 20 };
  const before = tf.memory().numTensors;
  const inGraph = await trainAutoencoder(tf, points, { ...base, syncReads: true });
  const asyncReads = await trainAutoencoder(tf, points, { ...base, syncReads: false });
  for (let i = 0; i < inGraph.history.length; i++) {
    const a = inGraph.history[i];
    const b = asyncReads.history[i];
    assert.equal(a.phase, b.phase);
    assert.ok(Math.abs(a.total - b.total) <= 1e-6 * Math.abs(a.total), `step ${i + 1}: ${a.total} vs ${b.total}`);
    if (a.phase === 'joint') assert.ok(Math.abs(a.rho - b.rho) < 1e-9);
  }
  assert.deepEqual(Array.from(asyncReads.codes), Array.from(inGraph.codes));
  const cg = await trainAutoencoder(tf, points, { ...base, epochs: 25, solver: 'cg' });
  const joint = cg.history.filter((s) => s.phase === 'joint');
  assert.ok(joint[joint.length - 1].total < joint[0].total, `cg: ${joint[0].total} → ${joint[joint.length - 1].total}`);
  assert.ok(cg.weighting.forwardIterations > 0 && cg.weighting.adjointIterations > 0);
  assert.equal(tf.memory().numTensors, before);
});

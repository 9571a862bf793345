// Neural OT maps on tfjs (wasm): the ICNN is convex, the ICNN dual and the Monge-gap MLP learn
// a Gaussian map from the identity, ℓ0 with adaptive intensity recovers a sparse displacement,
// the tensor count stays flat, runs are seeded, cancellable and saved maps restore.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { applyNetwork, Icnn, loadNetwork, MlpMap } from '../../src/core/transport/networks';
import { trainNeuralMap } from '../../src/core/transport/neural';
import { applyAffine, gaussiansSample, l2Uvp, sparseShiftSample, totalVariance } from '../../src/core/transport/points';
import { displacementStats, supportRecovery } from '../../src/core/transport/sparsity';
import { normal, seededRng } from '../../src/core/random';

before(async () => {
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend initialises');
});

test('the ICNN potential is convex along random lines and T = ∇f matches finite differences', () => {
  const net = new Icnn(tf, 3, { hidden: [16, 16], seed: 4 });
  // Make the hidden part matter: large non-negative output weights.
  tf.tidy(() => net.variables[net.variables.length - 3].assign(tf.mul(net.variables[net.variables.length - 3], 300)));
  const rng = seededRng(1);
  for (let line = 0; line < 20; line++) {
    const p = Array.from({ length: 3 }, () => 2 * normal(rng));
    const v = Array.from({ length: 3 }, () => normal(rng));
    const ts = Array.from({ length: 41 }, (_, k) => -2 + k * 0.1);
    const values = tf.tidy(() => net.potential(tf.tensor2d(ts.flatMap((t) => p.map((pk, k) => pk + t * v[k])), [ts.length, 3])).dataSync());
    for (let k = 1; k + 1 < ts.length; k++) assert.ok(values[k - 1] + values[k + 1] - 2 * values[k] >= -1e-3 * Math.abs(values[k]) - 1e-4, `convex along line ${line} at t = ${ts[k]}`);
  }
  const x = [0.3, -1.2, 0.7];
  const grad = tf.tidy(() => net.map(tf.tensor2d([x])).dataSync());
  for (let k = 0; k < 3; k++) {
    const h = 1e-2;
    const at = (s: number) => tf.tidy(() => net.potential(tf.tensor2d([x.map((xi, j) => (j === k ? xi + s : xi))])).dataSync()[0]);
    assert.ok(Math.abs((at(h) - at(-h)) / (2 * h) - grad[k]) < 2e-2 * Math.max(1, Math.abs(grad[k])));
  }
  net.dispose();
});

test('the ICNN dual learns a Gaussian map from the identity; the tensor count stays flat', async () => {
  const train = gaussiansSample(1000, 2, 0);
  const fresh = gaussiansSample(1000, 2, 50, 0);
  const truth = applyAffine(train.map!, fresh.source);
  const variance = totalVariance(fresh.target);
  const identityUvp = l2Uvp(fresh.source, truth, variance);
  const counts: number[] = [];
  const result = await trainNeuralMap(tf, train.source, train.target, {
    method: 'icnn', gaussianInit: false, iterations: 300, batchSize: 128, hidden: [16, 16], learningRate: 1e-2, seed: 1,
    reportEvery: 50, onProgress: () => counts.push(tf.memory().numTensors),
  });
  const estimate = { n: 1000, dim: 2, data: applyNetwork(tf, result.network, fresh.source.data, 1000) };
  const uvp = l2Uvp(estimate, truth, variance);
  assert.ok(uvp < 0.1 * identityUvp && uvp < 10, `L2-UVP ${uvp}% (identity ${identityUvp}%)`);
  assert.ok(counts.slice(1).every((c) => c === counts[1]), `tensor count flat: ${counts.join(', ')}`);
  result.dispose();
});

test('the Monge gap with an MLP learns a Gaussian map; seeded runs repeat exactly; cancel stops', async () => {
  const train = gaussiansSample(600, 2, 3);
  const fresh = gaussiansSample(1000, 2, 60, 3);
  const truth = applyAffine(train.map!, fresh.source);
  const variance = totalVariance(fresh.target);
  const options = { method: 'monge-gap' as const, gaussianInit: false, iterations: 150, batchSize: 96, hidden: [16, 16], learningRate: 1e-2, seed: 2 };
  const first = await trainNeuralMap(tf, train.source, train.target, options);
  const estimate = { n: 1000, dim: 2, data: applyNetwork(tf, first.network, fresh.source.data, 1000) };
  const uvp = l2Uvp(estimate, truth, variance);
  assert.ok(uvp < 0.1 * l2Uvp(fresh.source, truth, variance), `L2-UVP ${uvp}%`);
  const h = first.history;
  assert.ok(h[h.length - 1].divergence < 0.2 * h[0].divergence, 'the divergence drops');
  const second = await trainNeuralMap(tf, train.source, train.target, options);
  assert.deepEqual(second.network.save(), first.network.save(), 'same seed, same backend: same weights');
  // Save and restore: the same map.
  const restored = loadNetwork(tf, JSON.parse(JSON.stringify(first.network.save())));
  assert.deepEqual(Array.from(applyNetwork(tf, restored, fresh.source.data, 10)), Array.from(applyNetwork(tf, first.network, fresh.source.data, 10)));
  restored.dispose();
  first.dispose();
  second.dispose();
  const controller = new AbortController();
  const cancelled = await trainNeuralMap(tf, train.source, train.target, { ...options, reportEvery: 5, onProgress: (p) => p.step >= 10 && controller.abort(), signal: controller.signal });
  assert.equal(cancelled.cancelled, true);
  assert.equal(cancelled.steps, 10);
  cancelled.dispose();
});

test('ℓ0 with adaptive intensity recovers a sparse displacement and beats ℓ1 on the map error (ICNN dual)', async () => {
  // The seed's setting: an ICNN dual (started at the samples' Gaussian map, which moves every
  // coordinate a little), the smoothed ℓ0 with λ raised ×1.5 every 25 steps until the map moves
  // about l coordinates; ℓ1 under the same schedule shrinks the true moves as well.
  const s = sparseShiftSample(400, 12, 3, 4);
  const fresh = sparseShiftSample(400, 12, 3, 4, { pointsSeed: 40 });
  assert.deepEqual(fresh.support, s.support);
  const truth = applyAffine(s.map!, fresh.source);
  const run = async (sparsity: 'none' | 'l0' | 'l1') => {
    const r = await trainNeuralMap(tf, s.source, s.target, { method: 'icnn', sparsity, lambda: sparsity === 'l0' ? 0.05 : 0.02, targetDim: sparsity === 'none' ? undefined : 3, iterations: 100, batchSize: 128, hidden: [16], seed: 5 });
    const mapped = applyNetwork(tf, r.network, fresh.source.data, 400);
    r.dispose();
    const stats = displacementStats(fresh.source.data, mapped, 400, 12, 0.1);
    let error = 0;
    for (let t = 0; t < mapped.length; t++) error += (mapped[t] - truth.data[t]) ** 2;
    return { ...supportRecovery(stats.perCoordinate, 0.1, s.support!), error: error / 400, dim: stats.meanDimension };
  };
  const none = await run('none');
  const l0 = await run('l0');
  assert.ok(l0.precision >= 0.9 && l0.recall >= 0.9, `ℓ0 support ${l0.support.join(',')} against ${s.support!.join(',')}`);
  assert.ok(l0.dim < none.dim, `ℓ0 moves fewer coordinates per point (${l0.dim}) than no penalty (${none.dim})`);
  const l1 = await run('l1');
  assert.ok(l0.error < l1.error, `ℓ0 map error ${l0.error} < ℓ1 ${l1.error}`);
});

test('a saved map with the wrong shapes is refused with a clear error', () => {
  const net = new MlpMap(tf, 2, { hidden: [4] });
  const saved = net.save();
  saved.weights[0].shape = [3, 4];
  assert.throws(() => loadNetwork(tf, saved), /weight W0 has shape 3×4, expected 2×4/);
  assert.throws(() => loadNetwork(tf, { kind: 'cnn' }), /not a saved transport map/);
  net.dispose();
});

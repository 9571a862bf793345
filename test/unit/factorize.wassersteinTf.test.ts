import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { cloneMatrix, multiply, normalizeColumns } from '../../src/core/factorize/dense';
import { defaultFactorizeConfig, frobeniusDistance, type FactorizeProgress } from '../../src/core/factorize/job';
import { factorizeTf, tfJobUnsupported } from '../../src/core/factorize/jobTf';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { wassersteinNmf } from '../../src/core/factorize/wassersteinNmf';
import { semiDualWorkingSet, wassersteinNmfTf } from '../../src/core/factorize/wassersteinNmfTf';
import { denseGibbsKernel } from '../../src/core/transport/kernel';
import { imageGridCost, lineGridCost } from '../../src/core/transport/cost';

test('Wasserstein NMF on tfjs tracks the Float64 one on a small 1-D problem, and frees its tensors', async () => {
  await tf.setBackend('cpu');
  const sample = gaussianMixtureSample({ bins: 30, observations: 16, seed: 3 });
  const X = sample.X;
  const cost = lineGridCost(-12, 12, 30);
  const epsilon = 0.05;
  const options = { k: 3, rho1: 0.05, rho2: 0.05, outerIterations: 2, seed: 1, lbfgs: { maxIterations: 80, gradTol: 1e-4 } };
  const reference = wassersteinNmf(X, denseGibbsKernel(cost, epsilon), options);
  const before = tf.memory().numTensors;
  const onTf = await wassersteinNmfTf(tf, X, cost, { ...options, epsilon });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  // The objective falls and ends within 2% of the Float64 run's.
  assert.ok(onTf.history[onTf.history.length - 1] < onTf.history[0], `history ${onTf.history}`);
  const last = (h: number[]) => h[h.length - 1];
  assert.ok(Math.abs(last(onTf.history) - last(reference.history)) <= 0.02 * Math.abs(last(reference.history)), `objective ${last(onTf.history)} vs ${last(reference.history)}`);
  // Atoms are histograms, close to the Float64 atoms.
  for (let a = 0; a < 3; a++) {
    let sum = 0;
    let diff = 0;
    for (let i = 0; i < 30; i++) {
      const v = onTf.D.values[i * 3 + a];
      assert.ok(v >= 0);
      sum += v;
      diff += Math.abs(v - reference.D.values[i * 3 + a]);
    }
    assert.ok(Math.abs(sum - 1) < 1e-4, `atom ${a} sums to ${sum}`);
    assert.ok(diff < 0.1, `atom ${a} differs from the Float64 one by ${diff} in total variation`);
  }
});

test('on an image grid the separable log-kernel gives the dense cost’s factorisation', async () => {
  await tf.setBackend('cpu');
  const width = 4;
  const height = 3;
  const m = width * height;
  const n = 6;
  // Random non-negative images (seeded by index arithmetic, no RNG state to share).
  const values = Float64Array.from({ length: m * n }, (_, t) => ((t * 7919) % 97) / 97 + 0.01);
  const X = { rows: m, cols: n, values };
  const options = { k: 2, epsilon: 0.05, rho1: 0.05, rho2: 0.05, outerIterations: 2, seed: 2, lbfgs: { maxIterations: 60, gradTol: 1e-4 } };
  const before = tf.memory().numTensors;
  const dense = await wassersteinNmfTf(tf, X, imageGridCost(width, height), options);
  const separable = await wassersteinNmfTf(tf, X, { kind: 'image', width, height }, options);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
  assert.equal(separable.history.length, 2);
  separable.history.forEach((h, i) => assert.ok(Math.abs(h - dense.history[i]) <= 1e-3 * Math.abs(dense.history[i]), `objective ${i + 1}: separable ${h}, dense ${dense.history[i]}`));
  let diff = 0;
  for (let t = 0; t < m * 2; t++) diff = Math.max(diff, Math.abs(separable.D.values[t] - dense.D.values[t]));
  assert.ok(diff < 1e-3, `atoms differ by ${diff}`);
  // The working set of the separable semi-dual is max(width, height)/m of the dense one's.
  assert.equal(semiDualWorkingSet({ kind: 'image', width, height }, n) * m, semiDualWorkingSet(imageGridCost(width, height), n) * Math.max(width, height));
});

test('Wasserstein NMF on tfjs reports inner progress and factors, and a stop mid-solve frees every tensor', async () => {
  await tf.setBackend('cpu');
  const sample = gaussianMixtureSample({ bins: 20, observations: 8, seed: 5 });
  const cost = lineGridCost(-12, 12, 20);
  const inner: { outer: number; block: string; iteration: number }[] = [];
  const factorsSeen: number[] = [];
  const before = tf.memory().numTensors;
  const result = await wassersteinNmfTf(tf, sample.X, cost, {
    k: 2,
    epsilon: 0.05,
    outerIterations: 5,
    lbfgs: { maxIterations: 40 },
    onStep: (_step, factors) => {
      factorsSeen.push(factors.D.values.reduce((s, v) => s + v, 0));
    },
    // Stop in the second outer iteration's weights step, after its third L-BFGS iteration.
    onInner: (p) => {
      inner.push({ outer: p.outer, block: p.block, iteration: p.lbfgs.iteration });
      return p.outer === 2 && p.block === 'weights' && p.lbfgs.iteration === 3;
    },
  });
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind after a stop');
  assert.equal(result.stopped, true);
  assert.equal(result.outerIterations, 2);
  assert.deepEqual(result.steps.map((s) => `${s.outer}:${s.block}`), ['1:dictionary', '1:weights', '2:dictionary']);
  assert.equal(result.history.length, 1);
  // Three finished steps, each with its atoms (k = 2 histograms, so D sums to 2).
  assert.equal(factorsSeen.length, 3);
  for (const s of factorsSeen) assert.ok(Math.abs(s - 2) < 1e-4, `D sums to ${s}`);
  // Inner progress counts up within each solve; the stopped solve ran at most one more iteration.
  assert.deepEqual(inner.slice(0, 3).map((p) => p.iteration), [1, 2, 3]);
  const last = inner.filter((p) => p.outer === 2 && p.block === 'weights');
  assert.ok(last.length >= 3 && last.length <= 4, `the stopped solve ran ${last.length} iterations`);
});

test('the tfjs job reports progress like the Float64 job, stops when asked, and says when it cannot run', async () => {
  await tf.setBackend('cpu');
  const sample = gaussianMixtureSample({ bins: 24, observations: 10, seed: 7 });
  const config = { ...defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 }), iterations: 2, innerIterations: 40, epsilon: 0.05 };
  const reports: FactorizeProgress[] = [];
  const before = tf.memory().numTensors;
  const result = await factorizeTf(tf, sample.X, config, { onProgress: (p) => reports.push(p) });
  assert.ok(result);
  assert.equal(result.iterations, 2);
  assert.equal(result.history.length, 2);
  assert.equal(result.objective, result.history[1]);
  // The reconstruction error is measured as the Float64 job measures it.
  assert.ok(Math.abs(result.reconstructionError - frobeniusDistance(normalizeColumns(cloneMatrix(sample.X)), multiply(result.D, result.Lambda))) < 1e-12);
  assert.ok(reports.some((p) => /L-BFGS \d+$/.test(p.phase)));
  assert.deepEqual(reports.filter((p) => p.finished).map((p) => p.finished!.objective), result.history);
  for (let i = 1; i < reports.length; i++) assert.ok(reports[i].fraction >= reports[i - 1].fraction, 'the fraction never goes back');
  let asked = 0;
  assert.equal(await factorizeTf(tf, sample.X, config, { shouldStop: () => ++asked > 5 }), null);
  assert.equal(tf.memory().numTensors, before, 'no tensors left behind');

  assert.equal(tfJobUnsupported(config, 24, 10), null);
  assert.match(tfJobUnsupported({ ...config, loss: 'frobenius' }, 24, 10) ?? '', /Frobenius NMF runs in Float64/);
  assert.match(tfJobUnsupported(config, 2000, 5000) ?? '', /MiB of tensors/);
  // 28×28 images: the separable kernel keeps 1,000 digits well within the limit.
  assert.equal(tfJobUnsupported({ ...config, grid: { kind: 'image', width: 28, height: 28 } }, 784, 1000), null);
  await assert.rejects(factorizeTf(tf, sample.X, { ...config, loss: 'kl' }), /Wasserstein NMF only/);
});

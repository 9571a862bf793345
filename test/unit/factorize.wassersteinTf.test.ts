import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { wassersteinNmf } from '../../src/core/factorize/wassersteinNmf';
import { wassersteinNmfTf } from '../../src/core/factorize/wassersteinNmfTf';
import { denseGibbsKernel } from '../../src/core/transport/kernel';
import { lineGridCost } from '../../src/core/transport/cost';

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

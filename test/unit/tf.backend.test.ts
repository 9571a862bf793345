import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, describeBackend, expectNoTensorLeak } from '../../src/core/tf/backend';

test('backend choice falls back in order and says why each better backend was passed over', async () => {
  tf.registerBackend('test-broken', () => {
    throw new Error('no device');
  });
  tf.registerBackend('test-probed', () => tf.findBackend('cpu')!);
  const choice = await chooseBackend(tf, {
    order: ['webgpu', 'test-broken', 'test-probed', 'cpu'],
    probes: { 'test-probed': async () => 'navigator.gpu is missing' },
  });
  assert.equal(choice.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.deepEqual(choice.attempts.map((a) => [a.name, a.ok]), [['webgpu', false], ['test-broken', false], ['test-probed', false], ['cpu', true]]);
  assert.equal(describeBackend(choice), 'cpu (webgpu: not registered in this build; test-broken: failed to initialise; test-probed: navigator.gpu is missing)');
  await assert.rejects(chooseBackend(tf, { order: ['test-broken'] }), /no tfjs backend could initialise: test-broken/);
});

test('the tensor-leak check catches a leak and passes a tidy step', async () => {
  await expectNoTensorLeak(tf, () => tf.tidy(() => tf.ones([3]).add(1).sum().dataSync()));
  let kept: tf.Tensor | null = null;
  await assert.rejects(expectNoTensorLeak(tf, () => (kept = tf.ones([2]))), /tensor leak: 1 tensors/);
  kept!.dispose();
});

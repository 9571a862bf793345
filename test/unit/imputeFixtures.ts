// Shared set-up for the learned-imputer tests: the wasm backend, and the tiny-matrix overfit run
// every model must pass.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { ImputerModel } from '../../src/core/impute/models';
import type { WindowBatch } from '../../src/core/impute/windows';

export async function useWasm(): Promise<void> {
  const require = createRequire(__filename);
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend initialises');
  await tf.ready();
}

/**
 * Trains `model` on one batch with Adam and a masked MSE for `steps` steps. Returns the loss
 * before and after, and the tensor count after every step (the optimizer is disposed).
 */
export function overfit(model: ImputerModel, batch: WindowBatch, learningRate: number, steps: number): { first: number; last: number; counts: number[] } {
  const optimizer = tf.train.adam(learningRate);
  const shape = [batch.batch, batch.steps, batch.cols] as [number, number, number];
  const target = tf.tensor3d(batch.target, shape);
  const truth = tf.tensor3d(batch.truth, shape);
  const loss = () => model.forward(batch).prediction.sub(truth).square().mul(target).sum().div(target.sum()) as tf.Scalar;
  const first = tf.tidy(() => loss().dataSync()[0]);
  const counts: number[] = [];
  let last = first;
  for (let step = 0; step < steps; step++) {
    last = tf.tidy(() => optimizer.minimize(loss, true, model.variables)!.dataSync()[0]);
    counts.push(tf.memory().numTensors);
  }
  optimizer.dispose();
  tf.dispose([target, truth]);
  return { first, last, counts };
}

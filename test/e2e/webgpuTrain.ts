// Child process of webgpu.test.ts: the learned imputers train a few steps on
// @tensorflow/tfjs-backend-webgpu in Node, over Dawn and SwiftShader's Vulkan, through the same
// trainer as the CLI and the panel. Prints one JSON line.
import { DEEP_METHODS } from '../../src/core/impute/models';
import { trainImputer, type TrainOptions } from '../../src/core/impute/train';
import { DEFAULT_CORRUPTION, fitNormaliser, makeBatch } from '../../src/core/impute/windows';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';

async function main(): Promise<void> {
  const specifier = 'webgpu';
  const webgpu = (await import(specifier)) as { create(options: string[]): { requestAdapter(): Promise<unknown> }; globals: object };
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = !!(await gpu.requestAdapter());
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  const set = await tf.setBackend('webgpu');
  await tf.ready();
  const { matrix } = trafficSample({ days: 3, sensors: 8 });
  // The error on one fixed corrupted batch, before and after training (same seed, same start).
  const fixed = makeBatch(matrix, fitNormaliser(matrix), [0, 20, 40], 12, { rng: seededRng(7), corruption: DEFAULT_CORRUPTION });
  const fixedError = async (model: Awaited<ReturnType<typeof trainImputer>>['model']) => {
    const error = tf.tidy(() => {
      const shape = [3, 12, matrix.cols] as [number, number, number];
      const target = tf.tensor3d(fixed.target, shape);
      return model.forward(fixed).prediction.sub(tf.tensor3d(fixed.truth, shape)).abs().mul(target).sum().div(target.sum());
    });
    const value = (await error.data())[0];
    error.dispose();
    return value;
  };
  const runs: Record<string, unknown>[] = [];
  for (const method of DEEP_METHODS.filter((m) => !process.env.ONLY || process.env.ONLY === m)) {
    const options: TrainOptions = { method, model: { steps: 12 }, batchSize: 4, stepsPerEpoch: 4, learningRate: 3e-3, seed: 1 };
    const untrained = await trainImputer(tf, matrix, { ...options, maxEpochs: 0 });
    const before = await fixedError(untrained.model);
    const initial = await Promise.all(untrained.model.variables.map((v) => v.data()));
    untrained.model.dispose();
    const counts: number[] = [];
    const started = performance.now();
    const trained = await trainImputer(tf, matrix, { ...options, maxEpochs: 3, onProgress: () => counts.push(tf.memory().numTensors) });
    const after = await fixedError(trained.model);
    const final = await Promise.all(trained.model.variables.map((v) => v.data()));
    let moved = 0;
    final.forEach((values, i) => values.forEach((x, j) => (moved = Math.max(moved, Math.abs(x - initial[i][j])))));
    runs.push({
      method,
      steps: trained.steps,
      finite: trained.history.every((h) => Number.isFinite(h.loss)),
      before,
      after,
      moved,
      flat: counts.slice(2).every((c) => c === counts[2]),
      seconds: (performance.now() - started) / 1000,
    });
    trained.model.dispose();
  }
  process.stdout.write(JSON.stringify({ adapter, setBackend: set, backend: tf.getBackend(), runs }) + '\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

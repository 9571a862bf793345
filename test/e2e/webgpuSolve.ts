// Child process of webgpu.test.ts: the tfjs CG on @tensorflow/tfjs-backend-webgpu in Node, over
// Dawn (the `webgpu` npm package) and SwiftShader's Vulkan, against the Float64 Cholesky. Prints
// one JSON line. Needs VK_ICD_FILENAMES (and libvulkan) in its environment before it starts,
// which is why it runs as a child.
import { pointSpace, weightingVectorCholesky, weightingVectorTf, type PointSet } from '../../src/core/magnitude/index';
import { seededRng } from '../../src/core/random';

function uniform(n: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) };
}

async function main(): Promise<void> {
  // A variable specifier keeps TypeScript from loading the package's DOM-flavoured global types.
  const specifier = 'webgpu';
  const webgpu = (await import(specifier)) as { create(options: string[]): { requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string } } | null> }; globals: object };
  Object.assign(globalThis, webgpu.globals);
  const gpu = webgpu.create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter();
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-webgpu');
  const set = await tf.setBackend('webgpu');
  await tf.ready();
  const t = 20;
  const cases: Record<string, unknown>[] = [];
  // Z stored on the device (what the panel uses up to 4096 points), and the matrix-free tiles
  // (two tiles of rows, recomputed on every product) on a smaller cloud: SwiftShader runs each
  // dispatch on the CPU, so the tiled path's many small ops are slow here.
  for (const [path, n, maxStoredEntries, tileElements] of [['stored', 300, 2 ** 24, 2 ** 22], ['tiled', 80, 0, 6400]] as const) {
    const space = pointSpace(uniform(n, 5));
    const exact = weightingVectorCholesky(space, t);
    const tensorsBefore = tf.memory().numTensors;
    const started = performance.now();
    const r = await weightingVectorTf(tf, space, t, { tol: 1e-6, maxStoredEntries, tileElements });
    let worst = 0;
    let scale = 0;
    for (let i = 0; i < exact.weights.length; i++) {
      worst = Math.max(worst, Math.abs(r.weights[i] - exact.weights[i]));
      scale = Math.max(scale, Math.abs(exact.weights[i]));
    }
    cases.push({
      path,
      n,
      exact: exact.magnitude,
      magnitude: r.magnitude,
      relativeMagnitudeError: Math.abs(r.magnitude - exact.magnitude) / exact.magnitude,
      weightError: worst / scale,
      residual: r.residual,
      converged: r.converged,
      iterations: r.iterations,
      seconds: (performance.now() - started) / 1000,
      leakedTensors: tf.memory().numTensors - tensorsBefore,
      notes: r.notes,
    });
  }
  process.stdout.write(JSON.stringify({ setBackend: set, backend: tf.getBackend(), adapter: adapter?.info ? { vendor: adapter.info.vendor, architecture: adapter.info.architecture } : null, cases }) + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);

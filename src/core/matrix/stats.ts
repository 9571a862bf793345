// Overflow-safe sums and means of observed entries. Values near ±1.8e308 are finite doubles,
// but their plain sum is not: each mean here scales by a power of two first (exact, so
// ordinary data gives the same mean as a plain sum would) and sums with Kahan compensation.
import type { MaskedMatrix } from './masked';

/** 2^-e with 2^e ≥ max|x|: scaling by it is exact and keeps every partial sum far from overflow. */
function scaleFor(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 1;
  const e = Math.ceil(Math.log2(maxAbs));
  // Only shrink large values; small ones are summed as they are (no underflow).
  return e > 500 ? 2 ** -e : 1;
}

/** The mean of `xs` (all finite), computed without overflow; NaN for none. */
export function safeMean(xs: ArrayLike<number>): number {
  let maxAbs = 0;
  for (let i = 0; i < xs.length; i++) maxAbs = Math.max(maxAbs, Math.abs(xs[i]));
  const s = scaleFor(maxAbs);
  let sum = 0;
  let c = 0;
  for (let i = 0; i < xs.length; i++) {
    const y = xs[i] * s - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return xs.length ? sum / xs.length / s : NaN;
}

/** The mean of the observed entries (0 when none is), without overflow. */
export function observedMean(m: MaskedMatrix): number {
  let maxAbs = 0;
  let n = 0;
  for (let k = 0; k < m.values.length; k++) {
    if (m.observed[k]) {
      maxAbs = Math.max(maxAbs, Math.abs(m.values[k]));
      n++;
    }
  }
  if (n === 0) return 0;
  const s = scaleFor(maxAbs);
  let sum = 0;
  let c = 0;
  for (let k = 0; k < m.values.length; k++) {
    if (!m.observed[k]) continue;
    const y = m.values[k] * s - c;
    const t = sum + y;
    c = t - sum - y;
    sum = t;
  }
  return sum / n / s;
}

/**
 * Per-column means of the observed entries, without overflow; a column with none gets the
 * mean of all observed entries (0 when there are none).
 */
export function observedColumnMeans(m: MaskedMatrix): Float64Array {
  const maxAbs = new Float64Array(m.cols);
  const counts = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) {
      if (m.observed[o + j]) {
        const a = Math.abs(m.values[o + j]);
        if (a > maxAbs[j]) maxAbs[j] = a;
        counts[j]++;
      }
    }
  }
  const scale = maxAbs.map(scaleFor);
  const sums = new Float64Array(m.cols);
  const comp = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) {
      if (!m.observed[o + j]) continue;
      const y = m.values[o + j] * scale[j] - comp[j];
      const t = sums[j] + y;
      comp[j] = t - sums[j] - y;
      sums[j] = t;
    }
  }
  const fallback = observedMean(m);
  for (let j = 0; j < m.cols; j++) sums[j] = counts[j] ? sums[j] / counts[j] / scale[j] : fallback;
  return sums;
}

/** a + s(b − a) for s in [0, 1], without overflow when a and b are huge and of opposite signs. */
export function lerp(a: number, b: number, s: number): number {
  const d = b - a;
  return Number.isFinite(d) ? a + s * d : a * (1 - s) + b * s;
}

/** The first observed entry that is not finite, as [row, column], or null when all are. */
export function firstNonFinite(m: MaskedMatrix): [number, number] | null {
  for (let k = 0; k < m.values.length; k++) {
    if (m.observed[k] && !Number.isFinite(m.values[k])) return [Math.floor(k / m.cols), k % m.cols];
  }
  return null;
}

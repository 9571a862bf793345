// Windows of a time x columns matrix for the learned imputers: sampling, the masked-autoencoder
// corruption (extra hidden inputs to learn from), and the per-window linear-interpolation
// feature, computed after corruption so it never sees a hidden value.
import type { MaskedMatrix } from '../matrix/masked';
import type { Rng } from '../random';

export interface Normaliser {
  mean: number;
  std: number;
  /**
   * Per-column centre and scale (robust: the median and the interquartile range / 1.349 of the
   * column's observed training values), used instead of the global ones when present: columns
   * of counts on very different levels each get their own units.
   */
  columns?: { center: number[]; scale: number[] };
}

export type NormaliseKind = 'global' | 'column';

/** Row ranges: one [start, end) or several. */
export type RowRanges = [number, number] | [number, number][];

export function asRanges(rows: RowRanges): [number, number][] {
  return typeof rows[0] === 'number' ? [rows as [number, number]] : (rows as [number, number][]);
}

function quantile(sorted: Float64Array, q: number): number {
  const x = q * (sorted.length - 1);
  const i = Math.floor(x);
  return i + 1 < sorted.length ? sorted[i] + (x - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Mean and standard deviation of the observed entries in the given rows (default: all); with
 * `kind: 'column'`, also each column's robust centre and scale (falling back to the global
 * scale where a column's spread is zero or it has no observed entry).
 */
export function fitNormaliser(m: MaskedMatrix, rows: RowRanges = [0, m.rows], kind: NormaliseKind = 'global'): Normaliser {
  let n = 0;
  let sum = 0;
  let sq = 0;
  const ranges = asRanges(rows);
  for (const [a, b] of ranges) {
    for (let k = a * m.cols; k < b * m.cols; k++) {
      if (!m.observed[k]) continue;
      n++;
      sum += m.values[k];
      sq += m.values[k] ** 2;
    }
  }
  const mean = n ? sum / n : 0;
  const std = n ? Math.sqrt(Math.max(sq / n - mean * mean, 1e-12)) : 1;
  if (kind === 'global') return { mean, std };
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < m.cols; j++) {
    const seen: number[] = [];
    for (const [a, b] of ranges) for (let i = a; i < b; i++) if (m.observed[i * m.cols + j]) seen.push(m.values[i * m.cols + j]);
    if (seen.length === 0) {
      center.push(mean);
      scale.push(std);
      continue;
    }
    const sorted = Float64Array.from(seen).sort();
    const iqr = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / 1.349;
    center.push(quantile(sorted, 0.5));
    scale.push(iqr > 1e-9 * std ? iqr : std);
  }
  return { mean, std, columns: { center, scale } };
}

/** The centre and scale of column j. */
export function columnUnits(norm: Normaliser, j: number): [number, number] {
  return norm.columns ? [norm.columns.center[j], norm.columns.scale[j]] : [norm.mean, norm.std];
}

export interface WindowBatch {
  batch: number;
  steps: number;
  cols: number;
  /** Normalised values with hidden and missing entries zeroed, [B, P, N]. */
  values: Float32Array;
  /** 1 where the model may see the entry, [B, P, N]. */
  visible: Float32Array;
  /** Linear interpolation in time of the visible entries, normalised, [B, P, N]. */
  interpolated: Float32Array;
  /** 1 where the loss is taken: observed in the data but hidden from the model, [B, P, N]. */
  target: Float32Array;
  /** The normalised truth at the targets (0 elsewhere), [B, P, N]. */
  truth: Float32Array;
  /** 1 where the truth is zero (for the zero/nonzero losses), [B, P, N]. */
  zeroTruth: Float32Array;
  /** Hour of day (0-23) and day of week (0-6) per step, [B, P]; zeros without timestamps. */
  hour: Int32Array;
  weekday: Int32Array;
  /** The first row of each window. */
  starts: Int32Array;
}

/** Fills gaps in each column of one window by linear interpolation (edges carry the nearest). */
export function interpolateWindow(values: Float32Array, visible: Float32Array, offset: number, steps: number, cols: number, out: Float32Array): void {
  for (let j = 0; j < cols; j++) {
    let prev = -1;
    for (let i = 0; i <= steps; i++) {
      const seen = i < steps && visible[offset + i * cols + j] === 1;
      if (i < steps && !seen) continue;
      const next = i < steps ? i : -1;
      for (let g = prev + 1; g < (next >= 0 ? next : steps); g++) {
        const k = offset + g * cols + j;
        if (prev < 0 && next < 0) out[k] = 0;
        else if (prev < 0) out[k] = values[offset + next * cols + j];
        else if (next < 0) out[k] = values[offset + prev * cols + j];
        else {
          const a = values[offset + prev * cols + j];
          const b = values[offset + next * cols + j];
          out[k] = a + ((g - prev) / (next - prev)) * (b - a);
        }
      }
      if (i < steps) out[offset + i * cols + j] = values[offset + i * cols + j];
      prev = i;
    }
  }
}

export interface CorruptionOptions {
  /** Fraction of the observed entries hidden at random points. */
  pointRate: number;
  /** Probability per column of also hiding one contiguous block of steps. */
  blockRate: number;
  /** Block lengths are uniform in [1, maxBlock]. */
  maxBlock: number;
  /** Hide only nonzero observed entries (the seed protocol) or any. */
  among: 'observed' | 'nonzero';
  /**
   * Probability that a window instead hides what is missing in another window of the data
   * (the "historical" pattern: real failures, with their real shapes and correlations).
   */
  historical?: number;
}

// Half the windows hide a real missing pattern from elsewhere in the data (its real shapes and
// correlations), the other half random points and blocks.
export const DEFAULT_CORRUPTION: CorruptionOptions = { pointRate: 0.25, blockRate: 0.15, maxBlock: 12, among: 'observed', historical: 0.5 };

/**
 * A batch of windows starting at `starts`. With `corruption`, extra observed entries are
 * hidden and become the targets (training); without, the targets are the entries flagged in
 * `targets` (evaluation), and nothing observed is hidden.
 */
export function makeBatch(
  m: MaskedMatrix,
  norm: Normaliser,
  starts: number[],
  steps: number,
  options: {
    rng?: Rng;
    corruption?: CorruptionOptions;
    targets?: Uint8Array;
    truth?: Float64Array;
    /** A base imputation of the whole matrix (data units, row-major) to use instead of the interpolation. */
    base?: Float64Array;
    /** Hide only these entries when corrupting (1 = may be hidden), e.g. those the base did not see. */
    hideable?: Uint8Array;
  } = {},
): WindowBatch {
  const cols = m.cols;
  const size = starts.length * steps * cols;
  const b: WindowBatch = {
    batch: starts.length,
    steps,
    cols,
    values: new Float32Array(size),
    visible: new Float32Array(size),
    interpolated: new Float32Array(size),
    target: new Float32Array(size),
    truth: new Float32Array(size),
    zeroTruth: new Float32Array(size),
    hour: new Int32Array(starts.length * steps),
    weekday: new Int32Array(starts.length * steps),
    starts: Int32Array.from(starts),
  };
  const c = options.corruption;
  const rng = options.rng;
  const centers = new Float64Array(cols);
  const scales = new Float64Array(cols);
  for (let j = 0; j < cols; j++) [centers[j], scales[j]] = columnUnits(norm, j);
  const base = options.base;
  if (base && base.length !== m.rows * cols) throw new RangeError(`the base imputation holds ${base.length} values; the matrix has ${m.rows * cols} entries`);
  starts.forEach((start, w) => {
    const offset = w * steps * cols;
    for (let i = 0; i < steps; i++) {
      const row = start + i;
      if (m.times) {
        const d = new Date(m.times[row]);
        b.hour[w * steps + i] = d.getUTCHours();
        b.weekday[w * steps + i] = d.getUTCDay();
      }
      for (let j = 0; j < cols; j++) {
        const k = row * cols + j;
        const o = offset + i * cols + j;
        if (m.observed[k]) {
          const v = (m.values[k] - centers[j]) / scales[j];
          b.values[o] = v;
          b.visible[o] = 1;
          if (c) {
            b.truth[o] = v;
            b.zeroTruth[o] = m.values[k] === 0 ? 1 : 0;
          }
        }
        if (!c && options.targets && options.targets[k]) {
          b.target[o] = 1;
          const t = options.truth ? options.truth[k] : m.values[k];
          b.truth[o] = (t - centers[j]) / scales[j];
          b.zeroTruth[o] = t === 0 ? 1 : 0;
        }
      }
    }
    if (c && rng) {
      const hideable = options.hideable;
      const hide = (o: number) => {
        if (!b.visible[o]) return;
        if (hideable && !hideable[(start + Math.floor((o - offset) / cols)) * cols + ((o - offset) % cols)]) return;
        if (c.among === 'nonzero' && b.zeroTruth[o]) return;
        b.visible[o] = 0;
        b.values[o] = 0;
        b.target[o] = 1;
      };
      if (c.historical && rng() < c.historical) {
        const other = Math.floor(rng() * (m.rows - steps + 1));
        for (let i = 0; i < steps; i++) for (let j = 0; j < cols; j++) if (!m.observed[(other + i) * cols + j]) hide(offset + i * cols + j);
      } else {
        for (let i = 0; i < steps * cols; i++) if (rng() < c.pointRate) hide(offset + i);
        for (let j = 0; j < cols; j++) {
          if (rng() >= c.blockRate) continue;
          const len = 1 + Math.floor(rng() * c.maxBlock);
          const from = Math.floor(rng() * Math.max(1, steps - len + 1));
          for (let i = from; i < Math.min(steps, from + len); i++) hide(offset + i * cols + j);
        }
      }
    }
    if (base) {
      // A given base imputation (e.g. softImpute's) in place of the window's interpolation; it
      // was computed by the caller from what this window hides too (see deepJob's base), and the
      // visible entries keep their values.
      for (let i = 0; i < steps; i++) {
        for (let j = 0; j < cols; j++) {
          const o = offset + i * cols + j;
          b.interpolated[o] = b.visible[o] ? b.values[o] : (base[(start + i) * cols + j] - centers[j]) / scales[j];
        }
      }
    } else interpolateWindow(b.values, b.visible, offset, steps, cols, b.interpolated);
  });
  return b;
}

/** Window starts covering rows [from, to) with the given stride; the last window ends at `to`. */
export function coveringStarts(from: number, to: number, steps: number, stride: number): number[] {
  if (to - from < steps) throw new Error(`a window of ${steps} steps does not fit in ${to - from} rows`);
  const starts: number[] = [];
  for (let s = from; s + steps <= to; s += stride) starts.push(s);
  if (starts[starts.length - 1] + steps < to) starts.push(to - steps);
  return starts;
}

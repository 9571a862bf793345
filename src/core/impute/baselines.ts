// The baseline imputers. Each returns a full matrix: observed entries as given, missing ones
// filled. They see only the input's observed entries, never the hidden truth.
import { placeDistances } from '../geo/h3';
import type { MaskedMatrix } from '../matrix/masked';
import { lerp, observedColumnMeans } from '../matrix/stats';

export type BaselineMethod = 'neighbor' | 'mean' | 'linear';
export const BASELINE_METHODS: readonly BaselineMethod[] = ['neighbor', 'mean', 'linear'];

/** Per-column means of the observed entries; a column with none gets the global mean. Overflow-safe. */
export function columnMeans(m: MaskedMatrix): Float64Array {
  return observedColumnMeans(m);
}

/** Column mean: every missing entry gets its column's observed mean. */
export function imputeMean(m: MaskedMatrix): Float64Array {
  const means = columnMeans(m);
  const out = m.values.slice();
  for (let k = 0; k < out.length; k++) if (!m.observed[k]) out[k] = means[k % m.cols];
  return out;
}

/**
 * Linear interpolation in time, per column, between the nearest observed entries before and
 * after (by timestamp when the rows have one, else by row index). Before the first or after
 * the last observation, the nearest observed value is carried.
 */
export function imputeLinear(m: MaskedMatrix): Float64Array {
  const out = m.values.slice();
  const means = columnMeans(m);
  const time = (i: number) => (m.times ? m.times[i] : i);
  for (let j = 0; j < m.cols; j++) {
    let prev = -1;
    for (let i = 0; i <= m.rows; i++) {
      const isObs = i < m.rows && m.observed[i * m.cols + j] === 1;
      if (i < m.rows && !isObs) continue;
      // Fill the gap (prev, i).
      const next = i < m.rows ? i : -1;
      for (let g = prev + 1; g < (next >= 0 ? next : m.rows); g++) {
        const k = g * m.cols + j;
        if (prev < 0 && next < 0) out[k] = means[j];
        else if (prev < 0) out[k] = m.values[next * m.cols + j];
        else if (next < 0) out[k] = m.values[prev * m.cols + j];
        else {
          const a = m.values[prev * m.cols + j];
          const b = m.values[next * m.cols + j];
          const s = (time(g) - time(prev)) / (time(next) - time(prev));
          out[k] = lerp(a, b, s);
        }
      }
      prev = i;
    }
  }
  return out;
}

/** For each column, the other columns ordered by grid distance (H3 steps), with distances. */
function neighbourOrder(m: MaskedMatrix): { order: Int32Array[]; dist: Float64Array[] } | null {
  if (!m.places || m.h3Resolution === undefined) return null;
  const d = placeDistances(m.places, m.h3Resolution);
  const n = m.cols;
  const order: Int32Array[] = [];
  const dist: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const others = [];
    for (let l = 0; l < n; l++) if (l !== j && Number.isFinite(d[j * n + l])) others.push(l);
    others.sort((a, b) => d[j * n + a] - d[j * n + b] || a - b);
    order.push(Int32Array.from(others));
    dist.push(Float64Array.from(others, (l) => d[j * n + l]));
  }
  return { order, dist };
}

/** 2^-600: exact scaling for an overflow-safe neighbour mean. */
const TINY = 2 ** -600;

/** Rings beyond this many cells stop widening; the column mean is used instead. */
const MAX_MATRIX_RING = 64;

/**
 * Neighbour averaging (the seed's baseline): the mean of the observed values of the spatial
 * neighbours at the same time. With places known, neighbours are the H3 grid disk around the
 * column's cell, of radius 1 at first and widened ring by ring until one is observed. Without
 * places, they are the adjacent matrix cells (the 8 around the entry), widened the same way.
 * An entry with no observed neighbour at all gets its column mean.
 */
export function imputeNeighbor(m: MaskedMatrix): Float64Array {
  const out = m.values.slice();
  const means = columnMeans(m);
  const grid = neighbourOrder(m);
  const { rows, cols, observed, values } = m;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (observed[k]) continue;
      let filled = false;
      if (grid && m.places![j]) {
        const order = grid.order[j];
        const dist = grid.dist[j];
        // The nearest observed neighbour sets the ring; everything observed within it counts.
        let radius = -1;
        let sum = 0;
        let scaled = 0; // the same sum × 2^-600: finite where values near 1.8e308 overflow `sum`
        let count = 0;
        for (let p = 0; p < order.length; p++) {
          const dp = dist[p];
          if (radius >= 0 && dp > radius) break;
          const kk = i * cols + order[p];
          if (!observed[kk]) continue;
          if (radius < 0) radius = Math.max(1, dp);
          sum += values[kk];
          scaled += values[kk] * TINY;
          count++;
        }
        if (count > 0) {
          out[k] = Number.isFinite(sum) ? sum / count : (scaled / count) / TINY;
          filled = true;
        }
      } else if (!grid) {
        const maxRing = Math.min(MAX_MATRIX_RING, Math.max(rows, cols));
        for (let r = 1; r <= maxRing && !filled; r++) {
          let sum = 0;
          let scaled = 0;
          let count = 0;
          for (let di = -r; di <= r; di++) {
            const ii = i + di;
            if (ii < 0 || ii >= rows) continue;
            const onEdge = di === -r || di === r;
            const step = onEdge ? 1 : 2 * r;
            for (let dj = -r; dj <= r; dj += step) {
              const jj = j + dj;
              if (jj < 0 || jj >= cols) continue;
              const kk = ii * cols + jj;
              if (observed[kk]) {
                sum += values[kk];
                scaled += values[kk] * TINY;
                count++;
              }
            }
          }
          if (count > 0) {
            out[k] = Number.isFinite(sum) ? sum / count : (scaled / count) / TINY;
            filled = true;
          }
        }
      }
      if (!filled) out[k] = means[j];
    }
  }
  return out;
}

export function imputeBaseline(method: BaselineMethod, m: MaskedMatrix): Float64Array {
  switch (method) {
    case 'neighbor':
      return imputeNeighbor(m);
    case 'mean':
      return imputeMean(m);
    case 'linear':
      return imputeLinear(m);
  }
}

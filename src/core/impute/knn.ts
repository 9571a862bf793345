// The KNN imputer over rows, with the semantics of scikit-learn's KNNImputer (its defaults:
// n_neighbors = 5, weights = 'uniform', metric = 'nan_euclidean'):
// - the distance between two rows uses the coordinates observed in both,
//   d(a, b) = sqrt(cols / common · Σ_common (a_j − b_j)²), undefined when nothing is common;
// - a missing entry (i, j) takes the mean of column j over the k nearest rows that observe j
//   (fewer when fewer observe it); rows at an undefined distance count for nothing;
// - when every donor is at an undefined distance, the entry takes column j's observed mean.
// Ties between equal distances go to the lower row index.
import type { MaskedMatrix } from '../matrix/masked';
import { columnMeans } from './baselines';

export interface KnnOptions {
  /** Neighbours per entry (default 5, as sklearn). */
  k?: number;
}

export const DEFAULT_KNN_K = 5;

export function imputeKnn(m: MaskedMatrix, options: KnnOptions = {}): Float64Array {
  const k = options.k ?? DEFAULT_KNN_K;
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`expected a whole number of neighbours ≥ 1, found ${k}`);
  const { rows, cols, values, observed } = m;
  const out = values.slice();
  const means = columnMeans(m);
  const dist = new Float64Array(rows);
  // Donor lists per column (rows that observe it).
  const donors: Int32Array[] = [];
  for (let j = 0; j < cols; j++) {
    const list: number[] = [];
    for (let i = 0; i < rows; i++) if (observed[i * cols + j]) list.push(i);
    donors.push(Int32Array.from(list));
  }
  const bestD = new Float64Array(k);
  const bestV = new Float64Array(k);
  for (let i = 0; i < rows; i++) {
    const oi = i * cols;
    let missing = false;
    for (let j = 0; j < cols; j++) if (!observed[oi + j]) missing = true;
    if (!missing) continue;
    // nan-Euclidean distances from row i to every row.
    for (let r = 0; r < rows; r++) {
      const or = r * cols;
      let sum = 0;
      let common = 0;
      for (let j = 0; j < cols; j++) {
        if (observed[oi + j] && observed[or + j]) {
          const d = values[oi + j] - values[or + j];
          sum += d * d;
          common++;
        }
      }
      dist[r] = common ? Math.sqrt((cols / common) * sum) : NaN;
    }
    for (let j = 0; j < cols; j++) {
      if (observed[oi + j]) continue;
      const list = donors[j];
      if (list.length === 0) {
        out[oi + j] = means[j];
        continue;
      }
      // The k smallest defined distances (insertion into a short sorted list; stable by index).
      let n = 0;
      for (let p = 0; p < list.length; p++) {
        const d = dist[list[p]];
        if (Number.isNaN(d)) continue;
        if (n === k && d >= bestD[n - 1]) continue;
        let q = n < k ? n++ : n - 1;
        while (q > 0 && bestD[q - 1] > d) {
          bestD[q] = bestD[q - 1];
          bestV[q] = bestV[q - 1];
          q--;
        }
        bestD[q] = d;
        bestV[q] = values[list[p] * cols + j];
      }
      if (n === 0) {
        out[oi + j] = means[j];
        continue;
      }
      let sum = 0;
      for (let q = 0; q < n; q++) sum += bestV[q];
      out[oi + j] = sum / n;
    }
  }
  return out;
}

/** Arithmetic of the KNN imputer: rows with a gap × rows × cols (for a time estimate). */
export function knnCost(m: MaskedMatrix): number {
  let gappy = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      if (!m.observed[i * m.cols + j]) {
        gappy++;
        break;
      }
    }
  }
  return gappy * m.rows * m.cols;
}

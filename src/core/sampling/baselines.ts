// The placements a search must beat:
// - random: `draws` sets drawn uniformly from the seed (the error's mean and spread);
// - spatial coverage: farthest-point sampling on the map, by great-circle distance between the
//   columns' places (lat/lng) or by H3 grid distance; it starts from the column nearest the
//   places' centroid and then keeps the column farthest from everything kept so far;
// - QR pivoting (PySensors's SSPOR): the leading principal axes of the training rows, and the
//   columns a column-pivoted QR of the axes matrix (rank × columns) picks first, which are the
//   columns that best pin down the axes' coefficients.
import { greatCircleDistance, UNITS } from 'h3-js';
import { placeDistances } from '../geo/h3';
import type { Place } from '../matrix/masked';
import { seededRng } from '../random';

/** `draws` independent uniform sets of `budget` columns, ascending. */
export function randomPlacements(cols: number, budget: number, draws: number, seed: number): number[][] {
  const rng = seededRng((seed ^ 0x2f6b3c1d) >>> 0);
  const sets: number[][] = [];
  for (let d = 0; d < draws; d++) {
    const all = Array.from({ length: cols }, (_, j) => j);
    for (let i = 0; i < budget; i++) {
      const k = i + Math.floor(rng() * (cols - i));
      [all[i], all[k]] = [all[k], all[i]];
    }
    sets.push(all.slice(0, budget).sort((a, b) => a - b));
  }
  return sets;
}

export type CoverageMetric = 'latlng' | 'h3';

/**
 * Farthest-point order of the columns with a place: the first `count` of them. Columns without a
 * place are never chosen; ties go to the lower column index.
 */
export function coveragePlacement(places: (Place | null)[] | null, count: number, metric: CoverageMetric = 'latlng', h3Resolution?: number): number[] {
  if (!places || places.every((p) => !p)) throw new Error('spatial coverage needs the columns\' places: give a locations file (latitude and longitude per column)');
  const located = places.flatMap((p, j) => (p ? [j] : []));
  if (count > located.length) throw new Error(`spatial coverage can place ${located.length} columns (the ones with a location), not ${count}`);
  const n = places.length;
  let dist: (a: number, b: number) => number;
  if (metric === 'h3') {
    if (h3Resolution === undefined) throw new Error('H3 coverage needs the places\' H3 resolution');
    const d = placeDistances(places, h3Resolution);
    dist = (a, b) => d[a * n + b];
  } else {
    dist = (a, b) => greatCircleDistance([places[a]!.lat, places[a]!.lng], [places[b]!.lat, places[b]!.lng], UNITS.km);
  }
  // Start from the column nearest the centroid (in lat/lng).
  let lat = 0;
  let lng = 0;
  for (const j of located) {
    lat += places[j]!.lat;
    lng += places[j]!.lng;
  }
  lat /= located.length;
  lng /= located.length;
  let first = located[0];
  let firstD = Infinity;
  for (const j of located) {
    const d = greatCircleDistance([lat, lng], [places[j]!.lat, places[j]!.lng], UNITS.km);
    if (d < firstD) {
      firstD = d;
      first = j;
    }
  }
  const order = [first];
  const nearest = new Map<number, number>(located.map((j) => [j, dist(first, j)]));
  nearest.delete(first);
  while (order.length < count) {
    let pick = -1;
    let pickD = -1;
    for (const [j, d] of nearest) {
      if (d > pickD || (d === pickD && j < pick)) {
        pick = j;
        pickD = d;
      }
    }
    order.push(pick);
    nearest.delete(pick);
    for (const [j, d] of nearest) nearest.set(j, Math.min(d, dist(pick, j)));
  }
  return order;
}

/**
 * Column-pivoted QR (Businger–Golub) of the rank × cols matrix `axes`: the order in which the
 * pivoting picks columns, the first `count`. Past the rank the residual is zero; the remaining
 * picks then go by the largest column norm of the axes (the column's share of the variance).
 */
export function qrPivotOrder(axes: Float64Array, rank: number, cols: number, count: number): number[] {
  if (count > cols) throw new Error(`QR pivoting can pick at most ${cols} columns, not ${count}`);
  // Work on columns as vectors of length `rank`.
  const v = Array.from({ length: cols }, (_, j) => Float64Array.from({ length: rank }, (_, r) => axes[r * cols + j]));
  const norms0 = v.map((c) => c.reduce((s, x) => s + x * x, 0));
  const norms = norms0.slice();
  const taken = new Uint8Array(cols);
  const order: number[] = [];
  const tiny = 1e-12 * Math.max(...norms0, 1e-300);
  for (let step = 0; step < count; step++) {
    let pick = -1;
    let best = -1;
    for (let j = 0; j < cols; j++) {
      if (taken[j]) continue;
      if (norms[j] > best) {
        best = norms[j];
        pick = j;
      }
    }
    if (best <= tiny) {
      // The axes are exhausted: rank the rest by their original norm.
      const rest = [...Array(cols).keys()].filter((j) => !taken[j]).sort((a, b) => norms0[b] - norms0[a] || a - b);
      order.push(...rest.slice(0, count - order.length));
      break;
    }
    order.push(pick);
    taken[pick] = 1;
    // Project the pivot direction out of every other column (Gram–Schmidt step).
    const q = v[pick];
    const qn = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
    const u = Float64Array.from(q, (x) => x / qn);
    for (let j = 0; j < cols; j++) {
      if (taken[j]) continue;
      const c = v[j];
      let dot = 0;
      for (let r = 0; r < rank; r++) dot += u[r] * c[r];
      let s = 0;
      for (let r = 0; r < rank; r++) {
        c[r] -= dot * u[r];
        s += c[r] * c[r];
      }
      norms[j] = s;
    }
  }
  return order;
}

/** Spearman's rank correlation (average ranks for ties). NaN for fewer than 2 pairs or a constant side. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error('spearman needs two samples of the same length');
  const n = a.length;
  if (n < 2) return NaN;
  const ranks = (x: readonly number[]) => {
    const idx = [...x.keys()].sort((p, q) => x[p] - x[q]);
    const r = new Float64Array(n);
    for (let i = 0; i < n; ) {
      let k = i;
      while (k + 1 < n && x[idx[k + 1]] === x[idx[i]]) k++;
      for (let t = i; t <= k; t++) r[idx[t]] = (i + k) / 2 + 1;
      i = k + 1;
    }
    return r;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (n + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da > 0 && db > 0 ? num / Math.sqrt(da * db) : NaN;
}

// Finite metric spaces for magnitude: points with a named metric, or a precomputed distance
// matrix. Solvers never see the representation; they ask a DistanceOracle for single distances
// or whole row segments (the hot path, specialised per metric so the inner loop stays tight).

/** n points in R^dim, row-major: coordinate k of point i is data[i·dim + k]. */
export interface PointSet {
  n: number;
  dim: number;
  data: Float64Array;
}

export type MetricName = 'euclidean' | 'manhattan' | 'cosine';

export const METRIC_NAMES: readonly MetricName[] = ['euclidean', 'manhattan', 'cosine'];

/** A precomputed n×n distance matrix, row-major. Symmetric with a zero diagonal. */
export interface DistanceMatrix {
  n: number;
  data: Float64Array;
}

export type MetricSpace =
  | { kind: 'points'; points: PointSet; metric: MetricName }
  | { kind: 'matrix'; distances: DistanceMatrix };

export function pointSpace(points: PointSet, metric: MetricName = 'euclidean'): MetricSpace {
  if (points.data.length < points.n * points.dim) {
    throw new Error(`point data holds ${points.data.length} values, fewer than n·dim = ${points.n * points.dim}`);
  }
  return { kind: 'points', points, metric };
}

export function matrixSpace(distances: DistanceMatrix): MetricSpace {
  if (distances.data.length < distances.n * distances.n) {
    throw new Error(`distance matrix holds ${distances.data.length} values, fewer than n² = ${distances.n ** 2}`);
  }
  return { kind: 'matrix', distances };
}

export function spaceSize(space: MetricSpace): number {
  return space.kind === 'points' ? space.points.n : space.distances.n;
}

/** Dimension of the points, or 0 for a precomputed matrix (no coordinates to index). */
export function spaceDim(space: MetricSpace): number {
  return space.kind === 'points' ? space.points.dim : 0;
}

export function euclidean(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) {
    const d = a[k] - b[k];
    s += d * d;
  }
  return Math.sqrt(s);
}

export function manhattan(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += Math.abs(a[k] - b[k]);
  return s;
}

/** 1 − cosine similarity; a zero vector is at distance 1 from everything but itself. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < a.length; k++) {
    ab += a[k] * b[k];
    aa += a[k] * a[k];
    bb += b[k] * b[k];
  }
  if (aa === 0 || bb === 0) return aa === bb ? 0 : 1;
  return Math.max(0, 1 - ab / Math.sqrt(aa * bb));
}

export const metricFunctions: Record<MetricName, (a: ArrayLike<number>, b: ArrayLike<number>) => number> = {
  euclidean,
  manhattan,
  cosine,
};

/** Distances of one space, evaluated on demand. */
export interface DistanceOracle {
  readonly n: number;
  distance(i: number, j: number): number;
  /** Writes d(i, j) for j in [j0, j1) to out[offset + j − j0]. */
  row(i: number, j0: number, j1: number, out: Float64Array, offset: number): void;
}

/** Points scaled to unit length (zero rows stay zero), so cosine distance is 1 − a·b. */
export function unitRows(points: PointSet): PointSet {
  const { n, dim, data } = points;
  const out = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[i * dim + k] ** 2;
    const scale = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let k = 0; k < dim; k++) out[i * dim + k] = data[i * dim + k] * scale;
  }
  return { n, dim, data: out };
}

export function distanceOracle(space: MetricSpace): DistanceOracle {
  if (space.kind === 'matrix') {
    const { n, data } = space.distances;
    return {
      n,
      distance: (i, j) => data[i * n + j],
      row(i, j0, j1, out, offset) {
        out.set(data.subarray(i * n + j0, i * n + j1), offset);
      },
    };
  }
  const { n, dim } = space.points;
  if (space.metric === 'cosine') {
    const unit = unitRows(space.points);
    const x = unit.data;
    const isZero = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[i * dim + k] ** 2;
      isZero[i] = s === 0 ? 1 : 0;
    }
    const pair = (i: number, j: number): number => {
      if (isZero[i] || isZero[j]) return isZero[i] && isZero[j] ? 0 : 1;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += x[i * dim + k] * x[j * dim + k];
      return i === j ? 0 : Math.max(0, 1 - dot);
    };
    return {
      n,
      distance: pair,
      row(i, j0, j1, out, offset) {
        for (let j = j0; j < j1; j++) out[offset + j - j0] = pair(i, j);
      },
    };
  }
  const x = space.points.data;
  if (space.metric === 'manhattan') {
    return {
      n,
      distance(i, j) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += Math.abs(x[i * dim + k] - x[j * dim + k]);
        return s;
      },
      row(i, j0, j1, out, offset) {
        const xi = i * dim;
        for (let j = j0; j < j1; j++) {
          let s = 0;
          for (let k = 0, xj = j * dim; k < dim; k++) s += Math.abs(x[xi + k] - x[xj + k]);
          out[offset + j - j0] = s;
        }
      },
    };
  }
  // Euclidean; the plane is the common case, so it gets its own loop.
  return {
    n,
    distance(i, j) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = x[i * dim + k] - x[j * dim + k];
        s += d * d;
      }
      return Math.sqrt(s);
    },
    row(i, j0, j1, out, offset) {
      if (dim === 2) {
        const xi = x[2 * i];
        const yi = x[2 * i + 1];
        for (let j = j0; j < j1; j++) {
          const dx = xi - x[2 * j];
          const dy = yi - x[2 * j + 1];
          out[offset + j - j0] = Math.sqrt(dx * dx + dy * dy);
        }
        return;
      }
      const xi = i * dim;
      for (let j = j0; j < j1; j++) {
        let s = 0;
        for (let k = 0, xj = j * dim; k < dim; k++) {
          const d = x[xi + k] - x[xj + k];
          s += d * d;
        }
        out[offset + j - j0] = Math.sqrt(s);
      }
    },
  };
}

/** The full distance matrix (n² memory: for small spaces, tests and the dense solver's callers). */
export function distanceMatrix(space: MetricSpace): DistanceMatrix {
  if (space.kind === 'matrix') return space.distances;
  const oracle = distanceOracle(space);
  const n = oracle.n;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) oracle.row(i, 0, n, data, i * n);
  return { n, data };
}

/**
 * Checks a precomputed matrix: square, finite, non-negative, symmetric, zero diagonal. Returns
 * the problems found (empty when it is a valid distance matrix); the triangle inequality is not
 * required, since magnitude is defined for any symmetric dissimilarity.
 */
export function validateDistanceMatrix(m: DistanceMatrix, relTol = 1e-9): string[] {
  const problems: string[] = [];
  const { n, data } = m;
  if (data.length !== n * n) problems.push(`expected ${n * n} entries, found ${data.length}`);
  for (let i = 0; i < n && problems.length < 5; i++) {
    if (data[i * n + i] !== 0) problems.push(`diagonal entry (${i}, ${i}) is ${data[i * n + i]}, not 0`);
    for (let j = i + 1; j < n; j++) {
      const a = data[i * n + j];
      const b = data[j * n + i];
      if (!Number.isFinite(a) || a < 0) {
        problems.push(`entry (${i}, ${j}) = ${a} is not a finite non-negative distance`);
        break;
      }
      if (Math.abs(a - b) > relTol * Math.max(1, Math.abs(a))) {
        problems.push(`not symmetric: (${i}, ${j}) = ${a} but (${j}, ${i}) = ${b}`);
        break;
      }
    }
  }
  return problems;
}

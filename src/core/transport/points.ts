// Point clouds for transport between data sets: checks that two clouds can be compared, the
// Gaussian (Bures) map between their means and covariances, and the built-in samples whose
// optimal map is known (Gaussians, a sparse shift) or not (two moons).
import { symmetricEigen } from '../embed/eigen';
import { normal, seededRng } from '../random';

export interface Cloud {
  n: number;
  dim: number;
  /** Row-major n × dim. */
  data: Float64Array;
}

/** Where a cloud came from, to name it in errors: the file and the file line of each row. */
export interface CloudOrigin {
  name: string;
  lines?: Int32Array | null;
  columns?: readonly string[];
}

export class TransportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransportInputError';
  }
}

/**
 * Throws a TransportInputError naming the file, line and column when the two clouds cannot be
 * transported: different column counts, fewer than 2 points, a coordinate that is not finite.
 */
export function checkClouds(a: Cloud, b: Cloud, originA: CloudOrigin, originB: CloudOrigin): void {
  for (const [cloud, origin] of [[a, originA], [b, originB]] as const) {
    if (cloud.n < 2) throw new TransportInputError(`${origin.name}: ${cloud.n} point${cloud.n === 1 ? '' : 's'}; transport needs at least 2`);
    for (let i = 0; i < cloud.n; i++) {
      for (let k = 0; k < cloud.dim; k++) {
        const v = cloud.data[i * cloud.dim + k];
        if (!Number.isFinite(v)) {
          const line = origin.lines ? `line ${origin.lines[i]}` : `row ${i + 1}`;
          const column = origin.columns?.[k] !== undefined ? `column ${JSON.stringify(origin.columns[k])}` : `column ${k + 1}`;
          throw new TransportInputError(`${origin.name}: ${line}, ${column}: expected a finite number, found ${v}`);
        }
      }
    }
  }
  if (a.dim !== b.dim) {
    const names = (o: CloudOrigin) => (o.columns ? ` (${o.columns.join(', ')})` : '');
    throw new TransportInputError(
      `${originA.name} has ${a.dim} column${a.dim === 1 ? '' : 's'}${names(originA)} but ${originB.name} has ${b.dim}${names(originB)}; both sides need the same coordinates`,
    );
  }
}

/** Rows [start, end) of a cloud, as a new cloud. */
export function sliceRows(cloud: Cloud, start: number, end: number): Cloud {
  return { n: end - start, dim: cloud.dim, data: cloud.data.slice(start * cloud.dim, end * cloud.dim) };
}

export function mean(cloud: Cloud): Float64Array {
  const m = new Float64Array(cloud.dim);
  for (let i = 0; i < cloud.n; i++) for (let k = 0; k < cloud.dim; k++) m[k] += cloud.data[i * cloud.dim + k];
  for (let k = 0; k < cloud.dim; k++) m[k] /= cloud.n;
  return m;
}

/** The covariance (divisor n) of a cloud, dim × dim. */
export function covariance(cloud: Cloud, centre = mean(cloud)): Float64Array {
  const d = cloud.dim;
  const c = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < cloud.n; i++) {
    for (let k = 0; k < d; k++) row[k] = cloud.data[i * d + k] - centre[k];
    for (let p = 0; p < d; p++) {
      const rp = row[p];
      if (rp === 0) continue;
      for (let q = p; q < d; q++) c[p * d + q] += rp * row[q];
    }
  }
  for (let p = 0; p < d; p++) {
    for (let q = p; q < d; q++) {
      c[p * d + q] /= cloud.n;
      c[q * d + p] = c[p * d + q];
    }
  }
  return c;
}

/** f(S) for a symmetric positive semi-definite S, through its eigendecomposition. */
function symmetricFunction(s: Float64Array, d: number, f: (lambda: number) => number): Float64Array {
  const { values, vectors } = symmetricEigen(s, d);
  const out = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const fk = f(Math.max(values[k], 0));
    for (let p = 0; p < d; p++) {
      const vp = vectors[k * d + p] * fk;
      if (vp === 0) continue;
      for (let q = 0; q < d; q++) out[p * d + q] += vp * vectors[k * d + q];
    }
  }
  return out;
}

export function matMul(a: Float64Array, b: Float64Array, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let k = 0; k < d; k++) {
      const aik = a[i * d + k];
      if (aik === 0) continue;
      for (let j = 0; j < d; j++) out[i * d + j] += aik * b[k * d + j];
    }
  }
  return out;
}

/** An affine map x ↦ A x + shift (A symmetric for a Brenier map). */
export interface AffineMap {
  dim: number;
  /** dim × dim row-major. */
  matrix: Float64Array;
  shift: Float64Array;
}

/**
 * The optimal map for the squared Euclidean cost between N(mA, SA) and N(mB, SB):
 * T(x) = mB + A (x − mA), A = SA^{-1/2} (SA^{1/2} SB SA^{1/2})^{1/2} SA^{-1/2}. Small
 * eigenvalues of SA are floored at `ridge` times the largest, so a flat cloud still gets a map.
 */
export function gaussianMap(mA: Float64Array, sA: Float64Array, mB: Float64Array, sB: Float64Array, ridge = 1e-9): AffineMap {
  const d = mA.length;
  const top = Math.max(...symmetricEigen(sA, d).values, 0);
  const floor = Math.max(top * ridge, 1e-300);
  const root = symmetricFunction(sA, d, (l) => Math.sqrt(Math.max(l, floor)));
  const inverseRoot = symmetricFunction(sA, d, (l) => 1 / Math.sqrt(Math.max(l, floor)));
  const middle = symmetricFunction(matMul(matMul(root, sB, d), root, d), d, Math.sqrt);
  const matrix = matMul(matMul(inverseRoot, middle, d), inverseRoot, d);
  for (let p = 0; p < d; p++) {
    for (let q = p + 1; q < d; q++) {
      const s = 0.5 * (matrix[p * d + q] + matrix[q * d + p]);
      matrix[p * d + q] = s;
      matrix[q * d + p] = s;
    }
  }
  const shift = new Float64Array(d);
  for (let p = 0; p < d; p++) {
    let s = mB[p];
    for (let q = 0; q < d; q++) s -= matrix[p * d + q] * mA[q];
    shift[p] = s;
  }
  return { dim: d, matrix, shift };
}

/** The Gaussian (Bures) map between the empirical means and covariances of two clouds. */
export function empiricalGaussianMap(a: Cloud, b: Cloud): AffineMap {
  const mA = mean(a);
  const mB = mean(b);
  return gaussianMap(mA, covariance(a, mA), mB, covariance(b, mB));
}

/** The symmetric square root of a symmetric positive semi-definite matrix. */
export function symmetricSqrt(s: Float64Array, d: number): Float64Array {
  return symmetricFunction(s, d, Math.sqrt);
}

export function applyAffine(map: AffineMap, cloud: Cloud): Cloud {
  const d = map.dim;
  const out = new Float64Array(cloud.n * d);
  for (let i = 0; i < cloud.n; i++) {
    for (let p = 0; p < d; p++) {
      let s = map.shift[p];
      for (let q = 0; q < d; q++) s += map.matrix[p * d + q] * cloud.data[i * d + q];
      out[i * d + p] = s;
    }
  }
  return { n: cloud.n, dim: d, data: out };
}

/** Total variance: the trace of the covariance, E‖y − E y‖². */
export function totalVariance(cloud: Cloud): number {
  const m = mean(cloud);
  let s = 0;
  for (let i = 0; i < cloud.n; i++) {
    for (let k = 0; k < cloud.dim; k++) {
      const v = cloud.data[i * cloud.dim + k] - m[k];
      s += v * v;
    }
  }
  return s / cloud.n;
}

/** L2-UVP = 100 · E‖T̂(x) − T*(x)‖² / Var(ν) (Korotin et al. 2021), in per cent. */
export function l2Uvp(estimate: Cloud, truth: Cloud, targetVariance: number): number {
  let s = 0;
  for (let t = 0; t < estimate.data.length; t++) {
    const v = estimate.data[t] - truth.data[t];
    s += v * v;
  }
  return (100 * s) / estimate.n / targetVariance;
}

/** A problem with two clouds and, when known, the optimal map. */
export interface TransportSample {
  name: string;
  source: Cloud;
  target: Cloud;
  /** The true OT map (squared Euclidean cost), when it is known in closed form. */
  map?: AffineMap;
  /** The coordinates the true map moves (sparse-shift). */
  support?: number[];
  description: string;
}

export type TransportSampleName = 'gaussians' | 'sparse-shift' | 'two-moons';
export const TRANSPORT_SAMPLES: readonly TransportSampleName[] = ['gaussians', 'sparse-shift', 'two-moons'];

function gaussianCloud(n: number, mean0: Float64Array, root: Float64Array, d: number, rng: () => number): Cloud {
  const data = new Float64Array(n * d);
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = normal(rng);
    for (let p = 0; p < d; p++) {
      let s = mean0[p];
      for (let q = 0; q < d; q++) s += root[p * d + q] * z[q];
      data[i * d + p] = s;
    }
  }
  return { n, dim: d, data };
}

/** A random covariance with eigenvalues spread over [0.25, 2.25] (a random rotation of them). */
function randomCovariance(d: number, rng: () => number): Float64Array {
  const g = new Float64Array(d * d);
  for (let t = 0; t < g.length; t++) g[t] = normal(rng);
  // Orthonormal basis by Gram–Schmidt on the rows of g.
  for (let k = 0; k < d; k++) {
    for (let j = 0; j < k; j++) {
      let dot = 0;
      for (let p = 0; p < d; p++) dot += g[k * d + p] * g[j * d + p];
      for (let p = 0; p < d; p++) g[k * d + p] -= dot * g[j * d + p];
    }
    let norm = 0;
    for (let p = 0; p < d; p++) norm += g[k * d + p] ** 2;
    norm = Math.sqrt(norm);
    for (let p = 0; p < d; p++) g[k * d + p] /= norm;
  }
  const s = new Float64Array(d * d);
  for (let k = 0; k < d; k++) {
    const lambda = 0.25 + 2 * rng();
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) s[p * d + q] += lambda * g[k * d + p] * g[k * d + q];
  }
  return s;
}

/**
 * Source N(mA, SA) and target N(mB, SB) with random means and covariances: the optimal map is
 * affine and known (`gaussianMap`). `fresh` draws new points of the same two laws.
 */
export function gaussiansSample(n: number, dim: number, seed = 0, lawSeed = seed): TransportSample {
  const law = seededRng(lawSeed * 7919 + 17);
  const mA = Float64Array.from({ length: dim }, () => normal(law));
  const mB = Float64Array.from({ length: dim }, () => normal(law) + 1);
  const sA = randomCovariance(dim, law);
  const sB = randomCovariance(dim, law);
  const rng = seededRng(seed * 104729 + 3);
  const source = gaussianCloud(n, mA, symmetricSqrt(sA, dim), dim, rng);
  const target = gaussianCloud(n, mB, symmetricSqrt(sB, dim), dim, rng);
  return { name: 'gaussians', source, target, map: gaussianMap(mA, sA, mB, sB), description: `two Gaussians in ${dim}-D (random means and covariances), ${n} points each` };
}

/**
 * Source N(0, I); target the source's law shifted by `shift` and scaled by `scale` in `k`
 * coordinates (the first k after a shuffle seeded by `seed`), unchanged in the others; the
 * points are drawn with `pointsSeed` (default `seed`), so fresh points share the support. The optimal map
 * moves only those k coordinates: T*(x)_j = scale·x_j + shift on them, x_j elsewhere.
 */
export function sparseShiftSample(n: number, dim: number, k = 5, seed = 0, options: { shift?: number; scale?: number; pointsSeed?: number } = {}): TransportSample {
  const shift = options.shift ?? 2;
  const scale = options.scale ?? 1.5;
  const law = seededRng(seed * 31 + 5);
  const order = Array.from({ length: dim }, (_, j) => j);
  for (let j = dim - 1; j > 0; j--) {
    const r = Math.floor(law() * (j + 1));
    [order[j], order[r]] = [order[r], order[j]];
  }
  const support = order.slice(0, Math.min(k, dim)).sort((p, q) => p - q);
  const matrix = new Float64Array(dim * dim);
  const mapShift = new Float64Array(dim);
  for (let j = 0; j < dim; j++) matrix[j * dim + j] = 1;
  for (const j of support) {
    matrix[j * dim + j] = scale;
    mapShift[j] = shift;
  }
  const map: AffineMap = { dim, matrix, shift: mapShift };
  const rng = seededRng((options.pointsSeed ?? seed) * 104729 + 11);
  const draw = () => {
    const data = new Float64Array(n * dim);
    for (let t = 0; t < data.length; t++) data[t] = normal(rng);
    return { n, dim, data };
  };
  const source = draw();
  const fresh = draw();
  const target = applyAffine(map, fresh);
  return { name: 'sparse-shift', source, target, map, support, description: `N(0, I) in ${dim}-D to the same law shifted by ${shift} and scaled by ${scale} in ${support.length} coordinates (${support.join(', ')}), ${n} points each` };
}

/** The two interleaved half-moons: source the upper moon, target the lower one (no closed-form map). */
export function twoMoonsSample(n: number, seed = 0, noise = 0.05): TransportSample {
  const rng = seededRng(seed * 104729 + 23);
  const source = new Float64Array(n * 2);
  const target = new Float64Array(n * 2);
  for (let i = 0; i < n; i++) {
    const s = Math.PI * rng();
    source[2 * i] = Math.cos(s) + noise * normal(rng);
    source[2 * i + 1] = Math.sin(s) + noise * normal(rng);
    const t = Math.PI * rng();
    target[2 * i] = 1 - Math.cos(t) + noise * normal(rng);
    target[2 * i + 1] = 0.5 - Math.sin(t) + noise * normal(rng);
  }
  return { name: 'two-moons', source: { n, dim: 2, data: source }, target: { n, dim: 2, data: target }, description: `two moons, ${n} points each` };
}

export function transportSample(name: TransportSampleName, n: number, dim: number, seed = 0): TransportSample {
  if (name === 'gaussians') return gaussiansSample(n, dim, seed);
  if (name === 'sparse-shift') return sparseShiftSample(n, dim, 5, seed);
  return twoMoonsSample(n, seed);
}

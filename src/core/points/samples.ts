// Point-cloud samples for the weighting-vector and autoencoder work, made deterministically
// from a seed, with the shapes and sizes of the seed report's experiments.
import { normal, seededRng } from '../random';

export interface PointCloud {
  n: number;
  dim: number;
  /** Row-major coordinates, n * dim. */
  data: Float64Array;
  /** Optional class per point (e.g. the digit), for colouring. */
  labels?: Int32Array;
}

export type PointSampleName = 'swissroll' | 'sphere' | 'ball' | 'disk';
export const POINT_SAMPLES: readonly PointSampleName[] = ['swissroll', 'sphere', 'ball', 'disk'];

/**
 * The Swiss roll as the seed generated it (tadasets' parametrisation): angle φ uniform in
 * [1.5π, 4.5π], (φ cos φ, φ sin φ) in the plane, height uniform in [0, width), plus Gaussian
 * noise. The seed used width 3 and noise 0.03.
 */
export function swissRoll(n = 1000, options: { width?: number; noise?: number; seed?: number } = {}): PointCloud {
  const rng = seededRng(options.seed ?? 1);
  const width = options.width ?? 3;
  const noise = options.noise ?? 0.03;
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const phi = (rng() * 3 + 1.5) * Math.PI;
    data[i * 3] = phi * Math.cos(phi) + noise * normal(rng);
    data[i * 3 + 1] = phi * Math.sin(phi) + noise * normal(rng);
    data[i * 3 + 2] = rng() * width + noise * normal(rng);
  }
  return { n, dim: 3, data };
}

/**
 * A sphere of radius r sampled as the seed did: both angles uniform, which crowds points at
 * the poles (the seed saw, and its autoencoder kept, those two clusters). r = 20 in the seed.
 */
export function sphere(n = 1000, options: { radius?: number; seed?: number } = {}): PointCloud {
  const rng = seededRng(options.seed ?? 2);
  const r = options.radius ?? 20;
  const data = new Float64Array(n * 3);
  for (let i = 0; i < n; i++) {
    const theta = rng() * 2 * Math.PI;
    const phi = rng() * Math.PI;
    data[i * 3] = r * Math.cos(theta) * Math.sin(phi);
    data[i * 3 + 1] = r * Math.sin(theta) * Math.sin(phi);
    data[i * 3 + 2] = r * Math.cos(phi);
  }
  return { n, dim: 3, data };
}

/** Points uniform in a d-dimensional ball of radius r (r = 2, d = 3 in the seed). */
export function ball(n = 1000, options: { radius?: number; dim?: number; seed?: number } = {}): PointCloud {
  const rng = seededRng(options.seed ?? 3);
  const r = options.radius ?? 2;
  const dim = options.dim ?? 3;
  const data = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    // A Gaussian direction, and a radius with density ∝ ρ^(d−1).
    let norm = 0;
    for (let k = 0; k < dim; k++) {
      const g = normal(rng);
      data[i * dim + k] = g;
      norm += g * g;
    }
    const rho = r * Math.pow(rng(), 1 / dim) / Math.sqrt(norm);
    for (let k = 0; k < dim; k++) data[i * dim + k] *= rho;
  }
  return { n, dim, data };
}

/** Points uniform in a disk of radius r: the 2-D ball, for boundary checks. */
export function disk(n = 1000, options: { radius?: number; seed?: number } = {}): PointCloud {
  return ball(n, { radius: options.radius ?? 1, dim: 2, seed: options.seed ?? 4 });
}

export function pointSample(name: PointSampleName, n?: number, seed?: number): PointCloud {
  switch (name) {
    case 'swissroll':
      return swissRoll(n, { seed });
    case 'sphere':
      return sphere(n, { seed });
    case 'ball':
      return ball(n, { seed });
    case 'disk':
      return disk(n, { seed });
  }
}

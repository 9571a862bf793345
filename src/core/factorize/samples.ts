// Seeded sample data for factorisation: the 1-D Gaussian-mixture example of the Wasserstein
// NMF reference (Rolet, Cuturi & Peyré 2016; the OptimalTransport.jl tutorial).

import { linspace } from '../transport/cost';
import { normal, seededRng } from '../random';
import type { DenseMatrix } from './dense';
import { normalizeColumns } from './dense';

export interface GaussianMixtureOptions {
  /** Default 100. */
  bins?: number;
  /** Default −12. */
  lo?: number;
  /** Default 12. */
  hi?: number;
  /** Default 100. */
  observations?: number;
  /** Nominal bump centres. Default [−6, 0, 6]. */
  centers?: readonly number[];
  /** Standard deviation of each bump's centre around its nominal one. Default 1. */
  jitter?: number;
  /** Default 1. */
  seed?: number;
}

export interface GaussianMixtureSample {
  /** bins × observations; each column is a histogram. */
  X: DenseMatrix;
  /** The bin positions. */
  grid: Float64Array;
  centers: readonly number[];
}

/**
 * Each observation is Σ_c u_c exp(−(x − μ_c)²) with u_c uniform on [0, 1) and μ_c drawn from
 * N(centre_c, jitter²), normalised to sum to 1 over the grid.
 */
export function gaussianMixtureSample(options: GaussianMixtureOptions = {}): GaussianMixtureSample {
  const bins = options.bins ?? 100;
  const observations = options.observations ?? 100;
  const centers = options.centers ?? [-6, 0, 6];
  const jitter = options.jitter ?? 1;
  const grid = linspace(options.lo ?? -12, options.hi ?? 12, bins);
  const rng = seededRng(options.seed ?? 1);
  const X = { rows: bins, cols: observations, values: new Float64Array(bins * observations) };
  for (let j = 0; j < observations; j++) {
    for (const center of centers) {
      const weight = rng();
      const mean = center + jitter * normal(rng);
      for (let i = 0; i < bins; i++) {
        const d = grid[i] - mean;
        X.values[i * observations + j] += weight * Math.exp(-d * d);
      }
    }
  }
  return { X: normalizeColumns(X), grid, centers };
}

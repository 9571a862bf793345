// Displacement sparsity (seed 003, DisNOT): penalties on Δ = T(x) − x that make a map move few
// coordinates, the displacement dimension that measures it, and the adaptive intensity that
// raises the penalty until the map moves at most l coordinates on average.
import type { Tensor2D, Scalar } from '@tensorflow/tfjs';
import type { TfNamespace } from '../tf/backend';

export type SparsityKind = 'none' | 'l0' | 'l1';
export const SPARSITY_KINDS: readonly SparsityKind[] = ['none', 'l0', 'l1'];

/**
 * Mean over the batch of Σ_j p(Δ_j): the smoothed ℓ0 p(δ) = 1 − exp(−δ²/2σ²) (which counts a
 * coordinate as moved once |δ| ≫ σ and does not shrink large moves), or the ℓ1 p(δ) = |δ|.
 */
export function displacementPenalty(tf: TfNamespace, kind: Exclude<SparsityKind, 'none'>, delta: Tensor2D, sigma: number): Scalar {
  return tf.tidy(() => {
    const perEntry = kind === 'l1' ? tf.abs(delta) : tf.sub(1, tf.exp(tf.mul(tf.square(delta), -1 / (2 * sigma * sigma))));
    return tf.div(tf.sum(perEntry), delta.shape[0]) as Scalar;
  });
}

/** Per coordinate mean |Δ_j| and the mean number of coordinates with |Δ_j| > threshold. */
export function displacementStats(source: Float64Array, mapped: Float64Array, n: number, dim: number, threshold: number): { perCoordinate: Float64Array; meanDimension: number } {
  const perCoordinate = new Float64Array(dim);
  let moved = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) {
      const delta = Math.abs(mapped[i * dim + j] - source[i * dim + j]);
      perCoordinate[j] += delta;
      if (delta > threshold) moved++;
    }
  }
  for (let j = 0; j < dim; j++) perCoordinate[j] /= n;
  return { perCoordinate, meanDimension: moved / n };
}

/** The coordinates whose mean |Δ_j| exceeds the threshold, against a true support. */
export function supportRecovery(perCoordinate: Float64Array, threshold: number, truth: readonly number[]): { support: number[]; precision: number; recall: number } {
  const support: number[] = [];
  perCoordinate.forEach((v, j) => {
    if (v > threshold) support.push(j);
  });
  const hits = support.filter((j) => truth.includes(j)).length;
  return { support, precision: support.length === 0 ? (truth.length === 0 ? 1 : 0) : hits / support.length, recall: truth.length === 0 ? 1 : hits / truth.length };
}

export interface IntensityOptions {
  /** The starting intensity λ (after the warm-up). */
  lambda: number;
  /** Steps without the penalty at the start. */
  warmup: number;
  /** The target mean displacement dimension l; without it λ stays fixed after the warm-up. */
  targetDim?: number;
  /** Steps between adjustments (K). */
  every: number;
  /** ×1.5 while above the target (the seed's factor). */
  growth?: number;
  /** × this per K steps once at or below the target. */
  anneal?: number;
}

export type IntensityPhase = 'warm-up' | 'fixed' | 'grow' | 'anneal';

/**
 * The adaptive intensity: λ = 0 during the warm-up; then λ ×1.5 every K steps while the mean
 * displacement dimension is above the target l; once it is at or below l, λ is annealed down
 * (× anneal every K steps), and raised again by ×1.5 if the dimension climbs back above l.
 */
export class AdaptiveIntensity {
  private lambdaNow: number;
  private phaseNow: IntensityPhase;
  private step = 0;
  private readonly growth: number;
  private readonly anneal: number;

  constructor(private readonly options: IntensityOptions) {
    if (!(options.lambda >= 0)) throw new RangeError(`λ must be ≥ 0, got ${options.lambda}`);
    this.lambdaNow = options.lambda;
    this.phaseNow = options.warmup > 0 ? 'warm-up' : options.targetDim === undefined ? 'fixed' : 'grow';
    this.growth = options.growth ?? 1.5;
    this.anneal = options.anneal ?? 0.9;
  }

  /** The λ to use at the current step. */
  get lambda(): number {
    return this.phaseNow === 'warm-up' ? 0 : this.lambdaNow;
  }

  get phase(): IntensityPhase {
    return this.phaseNow;
  }

  /** Called after each step with the batch's mean displacement dimension. */
  update(meanDimension: number): void {
    this.step++;
    const { warmup, targetDim, every } = this.options;
    if (this.phaseNow === 'warm-up') {
      if (this.step >= warmup) this.phaseNow = targetDim === undefined ? 'fixed' : 'grow';
      return;
    }
    if (targetDim === undefined || (this.step - warmup) % every !== 0) return;
    if (meanDimension > targetDim) {
      this.lambdaNow *= this.growth;
      if (this.phaseNow === 'anneal') this.phaseNow = 'grow';
    } else if (this.phaseNow === 'grow') {
      this.phaseNow = 'anneal';
    } else {
      this.lambdaNow *= this.anneal;
    }
  }
}

// The classical imputers behind one interface: each is tuned on a validation score (when it has
// a setting worth choosing) and refitted with the chosen setting on another input. The job,
// `auto` and the bench all go through here, so every caller runs the same code.
import type { MaskedMatrix } from '../matrix/masked';
import { imputeLinear, imputeMean, imputeNeighbor, type BaselineMethod } from './baselines';
import { imputeKnn, DEFAULT_KNN_K } from './knn';
import { candidatePeriods, imputeSeasonal, type SeasonalPeriod } from './seasonal';
import { DEFAULT_PATH_STEPS, softImputePath, softImputeRefit } from './softImpute';

export type ClassicalMethod = BaselineMethod | 'softimpute' | 'knn' | 'seasonal';
export const CLASSICAL_METHODS: readonly ClassicalMethod[] = ['neighbor', 'mean', 'linear', 'softimpute', 'knn', 'seasonal'];

/** The setting a method was tuned to (what a refit reuses). */
export type ClassicalParams =
  | { method: BaselineMethod }
  | { method: 'softimpute'; index: number; steps: number; lambdaFraction: number; rank: number }
  | { method: 'knn'; k: number }
  | { method: 'seasonal'; period: SeasonalPeriod };

export interface TunedClassical {
  params: ClassicalParams;
  /** The prediction on the input it was tuned on. */
  prediction: Float64Array;
}

/** Scores a full prediction (lower is better); NaN when there is nothing to score. */
export type Score = (prediction: Float64Array) => number;

/** A few words on the chosen setting, for leaderboards. */
export function describeParams(p: ClassicalParams): string {
  switch (p.method) {
    case 'softimpute':
      return `λ = λmax/${(1 / p.lambdaFraction).toPrecision(3)}, rank ${p.rank}`;
    case 'knn':
      return `k = ${p.k}`;
    case 'seasonal':
      return p.period === 'none' ? 'no period: local level' : `${p.period === 'year' ? 'month of year' : p.period === 'week' ? 'day of week × time of day' : 'time of day'} profile`;
    default:
      return '';
  }
}

/** Fits `method` on `input`, choosing its setting by `score` when it has one to choose. */
export function tuneClassical(method: ClassicalMethod, input: MaskedMatrix, score: Score | null, options: { seed?: number; shouldStop?: () => boolean } = {}): TunedClassical {
  switch (method) {
    case 'softimpute': {
      if (!score) {
        // No validation to choose λ: the middle of the path.
        const index = Math.round(DEFAULT_PATH_STEPS / 2);
        const prediction = softImputeRefit(input, index, { seed: options.seed });
        return { params: { method, index, steps: DEFAULT_PATH_STEPS, lambdaFraction: Math.pow(1000, -index / DEFAULT_PATH_STEPS), rank: -1 }, prediction };
      }
      const r = softImputePath(input, { score: (p) => finite(score(p)), seed: options.seed, shouldStop: options.shouldStop });
      return { params: { method, index: r.index, steps: DEFAULT_PATH_STEPS, lambdaFraction: r.lambdaFraction, rank: r.rank }, prediction: r.prediction };
    }
    case 'seasonal': {
      let best: TunedClassical | null = null;
      let bestScore = Infinity;
      for (const period of candidatePeriods(input.times)) {
        const prediction = imputeSeasonal(input, period);
        const s = score ? finite(score(prediction)) : 0;
        if (!best || s < bestScore) {
          best = { params: { method, period }, prediction };
          bestScore = s;
        }
        if (!score) break;
      }
      return best!;
    }
    case 'knn':
      return { params: { method, k: DEFAULT_KNN_K }, prediction: imputeKnn(input, { k: DEFAULT_KNN_K }) };
    default:
      return { params: { method }, prediction: refitClassical({ method }, input) };
  }
}

/** The method with a chosen setting, fitted on `input`. */
export function refitClassical(params: ClassicalParams, input: MaskedMatrix, seed?: number): Float64Array {
  switch (params.method) {
    case 'softimpute':
      return softImputeRefit(input, params.index, { steps: params.steps, seed });
    case 'knn':
      return imputeKnn(input, { k: params.k });
    case 'seasonal':
      return imputeSeasonal(input, params.period);
    case 'neighbor':
      return imputeNeighbor(input);
    case 'mean':
      return imputeMean(input);
    case 'linear':
      return imputeLinear(input);
  }
}

function finite(x: number): number {
  return Number.isFinite(x) ? x : Infinity;
}

// A Wasserstein NMF job on tfjs (the GPU path of the panel, and the tfjs benchmark): the same
// settings, progress reports and result as the Float64 job (job.ts), computed by
// wassersteinNmfTf on whatever backend tfjs has, in float32. NMF (Frobenius, KL) has no tfjs
// path: its multiplicative updates are cheap on the CPU.
import type * as tfType from '@tensorflow/tfjs';
import { lineGridCost } from '../transport/cost';
import type { DenseMatrix } from './dense';
import { checkConfig, checkGrid, wassersteinInnerProgress, wassersteinJobResult, wassersteinStepProgress, type FactorizeConfig, type FactorizeProgress, type FactorizeResult, type GridSpec } from './job';
import { semiDualWorkingSet, wassersteinNmfTf, type TfGroundCost } from './wassersteinNmfTf';

/**
 * The most float32 numbers the tfjs semi-dual may hold at once (256 MiB): beyond it a page's GPU
 * memory is at risk, and the Float64 path (which never forms these) is the one to use.
 */
export const TF_WORKING_SET_LIMIT = 64 * 2 ** 20;

/** The grid's ground cost for the tfjs path: dense on a line, separable on an image. */
export function tfGroundCost(grid: GridSpec, bins: number): TfGroundCost {
  checkGrid(grid, bins);
  return grid.kind === 'line' ? lineGridCost(grid.lo, grid.hi, bins) : { kind: 'image', width: grid.width, height: grid.height };
}

/** Why the tfjs path cannot take this job, or null when it can. */
export function tfJobUnsupported(config: Pick<FactorizeConfig, 'loss' | 'grid'>, rows: number, cols: number): string | null {
  if (config.loss !== 'wasserstein') return `${config.loss === 'kl' ? 'KL' : 'Frobenius'} NMF runs in Float64 on the CPU (only Wasserstein NMF has a tfjs path)`;
  const size = semiDualWorkingSet(config.grid.kind === 'image' ? { kind: 'image', width: config.grid.width, height: config.grid.height } : { size: rows }, cols);
  if (size > TF_WORKING_SET_LIMIT) {
    return `${rows} bins × ${cols} observations need ${Math.round((size * 4) / 2 ** 20)} MiB of tensors on the tfjs path (limit ${(TF_WORKING_SET_LIMIT * 4) / 2 ** 20} MiB): use the Float64 path`;
  }
  return null;
}

export interface TfJobHooks {
  /** Sees every progress report: after every L-BFGS iteration and every finished step. */
  onProgress?: (progress: FactorizeProgress) => void;
  /** Asked after every L-BFGS iteration; true stops the job (it then returns null). */
  shouldStop?: () => boolean;
  /** Give the thread back at least this often (ms). Default 30. */
  sliceMs?: number;
}

/** Runs a Wasserstein job on tfjs; null when `shouldStop` stopped it. Frees every tensor it made. */
export async function factorizeTf(tf: typeof tfType, X: DenseMatrix, config: FactorizeConfig, hooks: TfJobHooks = {}): Promise<FactorizeResult | null> {
  checkConfig(config);
  if (config.loss !== 'wasserstein') throw new RangeError(`the tfjs path runs Wasserstein NMF only, not ${config.loss}`);
  const ground = tfGroundCost(config.grid, X.rows);
  const result = await wassersteinNmfTf(tf, X, ground, {
    k: config.k,
    epsilon: config.epsilon,
    rho1: config.rho1,
    rho2: config.rho2,
    outerIterations: config.iterations,
    lbfgs: { maxIterations: config.innerIterations, gradTol: config.gradTol },
    seed: config.seed,
    sliceMs: hooks.sliceMs,
    onInner: ({ outer, block, lbfgs }) => {
      hooks.onProgress?.(wassersteinInnerProgress(config, outer, block, lbfgs.iteration));
      return hooks.shouldStop?.() ?? false;
    },
    onStep: (step, factors) => {
      hooks.onProgress?.(wassersteinStepProgress(config, step, factors.D, factors.Lambda));
      return hooks.shouldStop?.() ?? false;
    },
  });
  return result.stopped ? null : wassersteinJobResult(X, config, result);
}

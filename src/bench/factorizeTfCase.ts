// One tfjs Wasserstein NMF benchmark case, the same code in Node (wasm) and in a headless
// Chromium page (WebGPU, WebGL or wasm): the two reference examples' settings, and a timed run of
// the panel's tfjs job (factorizeTf) that also checks that every tensor was freed.
import type * as tfType from '@tensorflow/tfjs';
import type { DenseMatrix } from '../core/factorize/dense';
import { defaultFactorizeConfig, type FactorizeConfig } from '../core/factorize/job';
import { factorizeTf } from '../core/factorize/jobTf';

export type TfCaseName = 'gaussians' | 'mnist';

/** The reference examples' settings (EVALUATION.md), as the Float64 rows of the section use them. */
export function tfCaseConfig(name: TfCaseName): FactorizeConfig {
  return name === 'gaussians'
    ? { ...defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 }, 3), iterations: 10 }
    : { ...defaultFactorizeConfig('wasserstein', { kind: 'image', width: 14, height: 14 }, 25), iterations: 15 };
}

export interface TfCaseResult {
  seconds: number;
  history: number[];
  objective: number;
  reconstructionError: number;
  iterations: number;
  /** L-BFGS iterations over all the dual steps. */
  lbfgsIterations: number;
  /** Dual steps that stopped at the L-BFGS cap (or another limit) before the gradient tolerance. */
  unconvergedSteps: number;
  steps: number;
  leakedTensors: number;
}

/** Times one run of the tfjs job (the backend is already chosen). */
export async function runTfCase(tf: typeof tfType, X: DenseMatrix, config: FactorizeConfig): Promise<TfCaseResult> {
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const result = await factorizeTf(tf, X, config);
  const seconds = (performance.now() - t0) / 1000;
  if (!result) throw new Error('the run stopped without being asked to');
  return {
    seconds,
    history: result.history,
    objective: result.objective,
    reconstructionError: result.reconstructionError,
    iterations: result.iterations,
    lbfgsIterations: result.steps.reduce((s, step) => s + step.lbfgs.iterations, 0),
    unconvergedSteps: result.steps.filter((s) => !s.lbfgs.converged).length,
    steps: result.steps.length,
    leakedTensors: tf.memory().numTensors - before,
  };
}

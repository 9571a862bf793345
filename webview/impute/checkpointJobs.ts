// What the training panel does with a saved checkpoint (a paused, cancelled or reopened run):
// score its best weights across mask ratios, one ratio at a time, so that Cancel takes effect
// between ratios and the progress is shown; and fill the matrix from it, so that a paused or
// cancelled run can still write its imputed file. The same core functions as a finished run.
import type * as tfType from '@tensorflow/tfjs';
import { prepareEvaluation } from '../../src/core/impute/job';
import { evaluate, type Metrics } from '../../src/core/impute/metrics';
import { maskProtocol, countTargets } from '../../src/core/impute/protocol';
import { predictMatrix } from '../../src/core/impute/train';
import type { MaskedMatrix } from '../../src/core/matrix/masked';

type Tf = typeof tfType;
type Trained = Parameters<typeof predictMatrix>[1];

export interface RatioScore {
  ratio: number;
  targets: number;
  metrics: Metrics;
}

/**
 * The seed protocol at each ratio (as core's scoreAtMaskRatios), yielding between ratios;
 * `progress(done, total)` after each; null when `cancelled()` said stop.
 */
export async function scoreRatiosCancellable(tf: Tf, trained: Trained, data: MaskedMatrix, ratios: number[], seed: number, cancelled: () => boolean, progress: (done: number, total: number) => void): Promise<RatioScore[] | null> {
  const scores: RatioScore[] = [];
  for (const ratio of ratios) {
    await new Promise((r) => setTimeout(r, 0));
    if (cancelled()) return null;
    const setup = maskProtocol(data, { maskRatio: ratio, seed });
    const prediction = await predictMatrix(tf, trained, setup.input);
    scores.push({ ratio, targets: countTargets(setup.targets), metrics: evaluate(prediction, setup.truth, setup.targets, data.cols) });
    progress(scores.length, ratios.length);
  }
  return scores;
}

/**
 * A checkpoint's imputation, shaped like a finished job's: the run's own protocol (same mask
 * ratio and seed), its targets scored, and every gap of the data filled.
 */
export async function imputeFromCheckpoint(tf: Tf, trained: Trained, data: MaskedMatrix, maskRatio: number, seed: number) {
  const { setup, targets } = prepareEvaluation(data, { maskRatio, seed });
  const prediction = await predictMatrix(tf, trained, setup.input);
  const metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  const filled = await predictMatrix(tf, trained, data);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  return { setup, targets, metrics, prediction, imputed };
}

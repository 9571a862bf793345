// An imputation job, the same for the CLI, the host and the tests: set up the protocol, hold out
// validation entries (holdoutMasks), score the method on them, score the targets once at the end,
// and fill the real gaps of the full input.
import type { MaskedMatrix } from '../matrix/masked';
import { CLASSICAL_METHODS, refitClassical, tuneClassical, type ClassicalMethod, type ClassicalParams } from './classical';
import { evaluate, type Metrics } from './metrics';
import { countTargets, holdoutMasks, maskProtocol, truthProtocol, type EvaluationSetup, type HoldoutMasks, type SplitFractions } from './protocol';

export interface ImputationJobOptions {
  method: ClassicalMethod;
  /** The truth protocol: a truth matrix aligned with the input, and optional test months. */
  truth?: MaskedMatrix;
  testMonths?: number[];
  /** The mask protocol (used when there is no truth). */
  maskRatio?: number;
  seed?: number;
  hideAmong?: 'nonzero' | 'observed';
  fractions?: SplitFractions;
}

export interface ImputationJobResult {
  setup: EvaluationSetup;
  /** The honest split: what trains, what validates, what is scored. */
  holdout?: HoldoutMasks;
  targets: number;
  /** Scores on the validation entries (the job's own held-out observed entries). */
  validation?: Metrics;
  metrics: Metrics;
  /** What the method predicted from the evaluation input (the values scored at the targets). */
  prediction: Float64Array;
  /** The full input with every missing entry filled: what gets written out. */
  imputed: MaskedMatrix;
}

export const DEFAULT_MASK_RATIO = 0.8;
export const DEFAULT_SEED = 0;

/** The protocol's setup and the honest split, with a clear error when nothing would be scored. */
export function prepareEvaluation(data: MaskedMatrix, options: Omit<ImputationJobOptions, 'method'>): { setup: EvaluationSetup; holdout: HoldoutMasks; targets: number } {
  const seed = options.seed ?? DEFAULT_SEED;
  const setup = options.truth
    ? truthProtocol(data, options.truth, options.testMonths)
    : maskProtocol(data, { maskRatio: options.maskRatio ?? DEFAULT_MASK_RATIO, seed, among: options.hideAmong, fractions: options.fractions });
  const targets = countTargets(setup.targets);
  if (targets === 0) {
    throw new Error(
      options.truth
        ? 'no targets: no entry is present in the truth and missing in the input' + (options.testMonths?.length ? ` in months ${options.testMonths.join(',')}` : '')
        : 'no targets: the mask hid no entry in the test split (is the matrix empty, or all zero?)',
    );
  }
  return { setup, holdout: holdoutMasks(data, setup, { seed, fractions: options.fractions }), targets };
}

/**
 * The input the final fit sees, the one scored on the targets: under the truth protocol every
 * observed entry (validation entries back in); under the seed protocol the input with every
 * hidden entry removed, as the protocol defines it (the same input a peer gets).
 */
export function finalInput(setup: EvaluationSetup): MaskedMatrix {
  return setup.input;
}

/** A job result that carries its honest split and validation scores. */
export type ValidatedJobResult = ImputationJobResult & Required<Pick<ImputationJobResult, 'holdout' | 'validation'>> & { params: ClassicalParams };

/** MAE on the validation entries, as a score for tuning (NaN when there are none). */
export function validationScore(holdout: HoldoutMasks, cols: number): (prediction: Float64Array) => number {
  return (prediction) => evaluate(prediction, holdout.truth, holdout.validation, cols).mae;
}

export function runImputation(data: MaskedMatrix, options: ImputationJobOptions): ValidatedJobResult {
  if (!CLASSICAL_METHODS.includes(options.method)) throw new Error(`unknown imputation method "${options.method}"`);
  const { setup, holdout, targets } = prepareEvaluation(data, options);
  // Tune on the validation entries (softImpute's λ, the seasonal period), then refit.
  const tuned = tuneClassical(options.method, holdout.fitInput, validationScore(holdout, data.cols), { seed: options.seed });
  const validation = evaluate(tuned.prediction, holdout.truth, holdout.validation, data.cols);
  const input = finalInput(setup);
  const prediction = input === holdout.fitInput ? tuned.prediction : refitClassical(tuned.params, input, options.seed);
  const metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  // With a truth file the input is what the method saw, so the prediction already fills the
  // real gaps; with a mask, fill the real gaps from the full input.
  const filled = setup.protocol === 'truth' ? prediction : refitClassical(tuned.params, data, options.seed);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  return { setup, holdout, targets, validation, metrics, prediction, imputed, params: tuned.params };
}

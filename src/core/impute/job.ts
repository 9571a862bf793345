// An imputation job, the same for the CLI, the host and the tests: set up the protocol, score
// the method on the targets, and fill the real gaps of the full input.
import type { MaskedMatrix } from '../matrix/masked';
import { imputeBaseline, type BaselineMethod } from './baselines';
import { evaluate, type Metrics } from './metrics';
import { countTargets, maskProtocol, truthProtocol, type EvaluationSetup, type SplitFractions } from './protocol';

export interface ImputationJobOptions {
  method: BaselineMethod;
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
  targets: number;
  metrics: Metrics;
  /** What the method predicted from the evaluation input (the values scored at the targets). */
  prediction: Float64Array;
  /** The full input with every missing entry filled: what gets written out. */
  imputed: MaskedMatrix;
}

export const DEFAULT_MASK_RATIO = 0.8;
export const DEFAULT_SEED = 0;

export function runImputation(data: MaskedMatrix, options: ImputationJobOptions): ImputationJobResult {
  const setup = options.truth
    ? truthProtocol(data, options.truth, options.testMonths)
    : maskProtocol(data, {
        maskRatio: options.maskRatio ?? DEFAULT_MASK_RATIO,
        seed: options.seed ?? DEFAULT_SEED,
        among: options.hideAmong,
        fractions: options.fractions,
      });
  const targets = countTargets(setup.targets);
  if (targets === 0) {
    throw new Error(
      options.truth
        ? 'no targets: no entry is present in the truth and missing in the input' + (options.testMonths?.length ? ` in months ${options.testMonths.join(',')}` : '')
        : 'no targets: the mask hid no entry in the test split (is the matrix empty, or all zero?)',
    );
  }
  const prediction = imputeBaseline(options.method, setup.input);
  const metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  // With a truth file the input is what the method saw, so the prediction already fills the
  // real gaps; with a mask, fill the real gaps from the full input.
  const filled = setup.protocol === 'truth' ? prediction : imputeBaseline(options.method, data);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  return { setup, targets, metrics, prediction, imputed };
}

// A learned-imputer job, the same for the CLI, the panel and the benchmarks: set up the
// protocol, train on what the protocol lets the model see (the training rows, validated on the
// validation split's hidden entries; or, with a truth file, every observed entry, validated on
// held-out corrupted windows), score the targets, and fill the real gaps of the input.
import type * as tfType from '@tensorflow/tfjs';
import type { MaskedMatrix } from '../matrix/masked';
import { DEFAULT_MASK_RATIO, DEFAULT_SEED, type ImputationJobOptions, type ImputationJobResult } from './job';
import { evaluate, type Metrics } from './metrics';
import { MODEL_DEFAULTS } from './models';
import { countTargets, maskProtocol, temporalSplitRows, truthProtocol, VALIDATION, type EvaluationSetup, type SplitFractions } from './protocol';
import { predictMatrix, trainImputer, type TrainedImputer, type TrainOptions } from './train';

type Tf = typeof tfType;

/** The protocol options of a baseline job, with training options instead of a baseline method. */
export interface DeepJobOptions extends Omit<ImputationJobOptions, 'method'> {
  train: TrainOptions;
}

export interface DeepJobResult extends ImputationJobResult {
  trained: TrainedImputer;
}

export async function runDeepImputation(tf: Tf, data: MaskedMatrix, options: DeepJobOptions): Promise<DeepJobResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const setup = options.truth
    ? truthProtocol(data, options.truth, options.testMonths)
    : maskProtocol(data, { maskRatio: options.maskRatio ?? DEFAULT_MASK_RATIO, seed, among: options.hideAmong, fractions: options.fractions });
  const targets = countTargets(setup.targets);
  if (targets === 0) throw new Error(options.truth ? 'no targets: no entry is present in the truth and missing in the input' : 'no targets: the mask hid no entry in the test split');
  let train: TrainOptions = { seed, ...options.train };
  if (setup.protocol === 'mask' && data.times) {
    const steps = options.train.model?.steps ?? options.train.resume?.config.steps ?? MODEL_DEFAULTS[options.train.method ?? 'kron'].steps;
    train = { ...train, ...maskSplitTraining(data, setup, steps, options.fractions) };
  }
  const trained = await trainImputer(tf, setup.input, train);
  const prediction = await predictMatrix(tf, trained, setup.input);
  const metrics: Metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  const filled = setup.protocol === 'truth' ? prediction : await predictMatrix(tf, trained, data);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  return { setup, targets, metrics, prediction, imputed, trained };
}

/**
 * Under the mask protocol with a time axis: train on the training rows, validate on the hidden
 * entries of the validation rows (when they hold a window and some targets).
 */
export function maskSplitTraining(data: MaskedMatrix, setup: EvaluationSetup, steps: number, fractions?: SplitFractions): Pick<TrainOptions, 'trainRows' | 'validation'> {
  const split = temporalSplitRows(data.rows, fractions);
  const targets = new Uint8Array(setup.targets.length);
  for (let k = 0; k < targets.length; k++) if (setup.hidden?.[k] && setup.split[k] === VALIDATION) targets[k] = 1;
  const usable = split.validation[1] - split.validation[0] >= steps && countTargets(targets) > 0;
  return { trainRows: split.train, validation: usable ? { rows: split.validation, targets, truth: data.values } : undefined };
}

export interface MaskRatioScore {
  ratio: number;
  targets: number;
  metrics: Metrics;
}

/**
 * Scores a trained model on the seed protocol at other mask ratios (the generalisation table):
 * hide r of the observed nonzero entries with the same seed, predict, score the test split.
 */
export async function scoreAtMaskRatios(
  tf: Tf,
  trained: Pick<TrainedImputer, 'model' | 'norm'>,
  data: MaskedMatrix,
  ratios: number[],
  seed = DEFAULT_SEED,
  fractions?: SplitFractions,
): Promise<MaskRatioScore[]> {
  const scores: MaskRatioScore[] = [];
  for (const ratio of ratios) {
    const setup = maskProtocol(data, { maskRatio: ratio, seed, fractions });
    const prediction = await predictMatrix(tf, trained, setup.input);
    scores.push({ ratio, targets: countTargets(setup.targets), metrics: evaluate(prediction, setup.truth, setup.targets, data.cols) });
  }
  return scores;
}

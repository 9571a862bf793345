// A learned-imputer job, the same for the CLI, the panel, `auto` and the benchmarks: set up the
// protocol and its honest split (holdoutMasks), train on the training rows of what the split
// lets the model see, validate (and stop early) on the validation entries, which lie in rows no
// training window touches, score the targets once at the end, and fill the real gaps.
import type * as tfType from '@tensorflow/tfjs';
import { withMask, type MaskedMatrix } from '../matrix/masked';
import { seededRng } from '../random';
import { refitClassical, tuneClassical, type ClassicalMethod } from './classical';
import { DEFAULT_SEED, prepareEvaluation, validationScore, type ImputationJobOptions, type ImputationJobResult } from './job';
import { evaluate, type Metrics } from './metrics';
import { MODEL_DEFAULTS, type DeepMethod } from './models';
import { holdoutMasks, inductiveTrainRows, maskProtocol, rowRanges, type EvaluationSetup, type HoldoutMasks, type SplitFractions, countTargets } from './protocol';
import { predictMatrix, trainImputer, type TrainedImputer, type TrainOptions } from './train';

type Tf = typeof tfType;

/** A base imputer: a full imputation (data units, row-major) of the matrix it is given. */
export type BaseImputer = (input: MaskedMatrix) => Float64Array;

/** The protocol options of a baseline job, with training options instead of a baseline method. */
export interface DeepJobOptions extends Omit<ImputationJobOptions, 'method'> {
  train: TrainOptions;
  /**
   * Inductive: train only on rows that hold no target (with a truth file and test months: the
   * non-test months). Default transductive: the targets' rows may be trained on (their observed
   * entries, never the targets).
   */
  inductive?: boolean;
  /**
   * Learn the residual over this imputer's output (e.g. softImpute's) instead of each window's
   * linear interpolation. The job runs it three times: on the training input with the entries
   * training hides removed, on the validation input, and on the final input, so that the base
   * never saw an entry the model is scored or trained on at that stage. A classical method's
   * name: it is tuned on the validation entries (as its own job does), then refitted.
   */
  base?: BaseImputer | ClassicalMethod;
  /** Window and patch from the sampling interval and the detected period (see adaptiveSettings); default on. */
  adapt?: boolean;
}

export interface DeepJobResult extends ImputationJobResult {
  trained: TrainedImputer;
  holdout: HoldoutMasks;
  /** Scores on the validation entries (what early stopping saw). */
  validation: Metrics;
  /** With a base: the base's own scores on the validation entries (what the model must beat). */
  baseValidation?: Metrics;
  /** The architecture settings the model was built with (adapted to the data unless given). */
  settings: Record<string, number>;
}

/**
 * Window and patch sizes that follow the data: the sampling interval (the median gap between
 * timestamps) and its period (a day when several samples fall in a day; a week for daily data).
 * The window holds whole periods of at least 24 steps when the period is short, or half or a
 * quarter of one when it is long (at most 48 steps); patches cut a window into about six rows.
 * Without timestamps, or without a period, the method's defaults stand.
 */
export function adaptiveSettings(data: Pick<MaskedMatrix, 'rows' | 'times'>, method: DeepMethod, trainRowCount = data.rows): Record<string, number> {
  const defaults = MODEL_DEFAULTS[method];
  if (!data.times || data.rows < 3) return {};
  const gaps: number[] = [];
  for (let i = 1; i < Math.min(data.rows, 2001); i++) gaps.push(data.times[i] - data.times[i - 1]);
  gaps.sort((a, b) => a - b);
  const interval = gaps[Math.floor(gaps.length / 2)];
  if (!(interval > 0)) return {};
  const day = 86_400_000;
  const perDay = day / interval;
  let period = 0;
  if (perDay >= 2 && Math.abs(perDay - Math.round(perDay)) < 0.01) period = Math.round(perDay);
  else if (Math.abs(interval - day) < 0.01 * day) period = 7;
  if (!period) return {};
  let steps = period;
  if (period <= 48) while (steps < 24) steps += period;
  else while (steps > 48) steps /= 2;
  steps = Math.round(steps);
  // Enough training rows for many windows.
  steps = Math.max(8, Math.min(steps, Math.floor(trainRowCount / 8)));
  const settings: Record<string, number> = { steps };
  if ('patchSteps' in defaults) settings.patchSteps = Math.max(1, Math.round(steps / 6));
  return settings;
}

/** The training rows and validation the honest split gives a learned model. */
export function deepTraining(data: MaskedMatrix, setup: EvaluationSetup, holdout: HoldoutMasks, inductive = false): Pick<TrainOptions, 'trainRows' | 'validation'> {
  const trainRows = rowRanges(inductive ? inductiveTrainRows(data, setup, holdout) : holdout.trainRows);
  // Without a time axis the validation entries are spread over all rows (hidden, never trained
  // on as values); the trainer then holds out validation rows of its own.
  if (holdout.validationRanges.length === 0) return { trainRows };
  return { trainRows, validation: { ranges: holdout.validationRanges, targets: holdout.validation, truth: holdout.truth } };
}

/**
 * Under the mask protocol: the training rows and the validation of the honest split (kept for the
 * tests and benches that train directly).
 */
export function maskSplitTraining(data: MaskedMatrix, setup: EvaluationSetup, fractions?: SplitFractions): Pick<TrainOptions, 'trainRows' | 'validation'> {
  return deepTraining(data, setup, holdoutMasks(data, setup, { fractions }));
}

/**
 * The entries training hides for a base (the base is computed without them): in each training
 * row, the observed entries that are missing in another row of the data (a seeded shift, so the
 * gaps have the data's own shapes), plus a seeded tenth of the rest.
 */
export function baseHiddenEntries(input: MaskedMatrix, trainMask: Uint8Array, seed: number): Uint8Array {
  const { rows, cols } = input;
  const rng = seededRng(((seed + 7) * 0x85ebca6b) >>> 0);
  const shift = 1 + Math.floor(rng() * Math.max(1, rows - 1));
  const hidden = new Uint8Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const src = (i + shift) % rows;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (!trainMask[k]) continue;
      if (!input.observed[src * cols + j] || rng() < 0.1) hidden[k] = 1;
    }
  }
  return hidden;
}

export async function runDeepImputation(tf: Tf, data: MaskedMatrix, options: DeepJobOptions): Promise<DeepJobResult> {
  const seed = options.seed ?? DEFAULT_SEED;
  const { setup, holdout, targets } = prepareEvaluation(data, options);
  const split = deepTraining(data, setup, holdout, options.inductive);
  const method = options.train.resume?.method ?? options.train.method ?? 'kron';
  const trainCount = (split.trainRows as [number, number][]).reduce((n, [a, b]) => n + b - a, 0);
  const adapted = options.adapt === false || options.train.resume ? {} : adaptiveSettings(data, method, trainCount);
  const settings = { ...adapted, ...options.train.model };
  let train: TrainOptions = { seed, ...options.train, model: settings, ...split };
  let finalBase: Float64Array | undefined;
  let validationBase: Float64Array | undefined;
  let baseValidation: Metrics | undefined;
  let baseFn: BaseImputer | undefined;
  if (typeof options.base === 'string') {
    const tuned = tuneClassical(options.base, holdout.fitInput, validationScore(holdout, data.cols), { seed });
    baseFn = (input) => (input === holdout.fitInput ? tuned.prediction : refitClassical(tuned.params, input, seed));
  } else baseFn = options.base;
  if (baseFn) {
    const hidden = baseHiddenEntries(holdout.fitInput, holdout.train, seed);
    const trainInput = withMask(holdout.fitInput, holdout.fitInput.observed.map((o, k) => (o && !hidden[k] ? 1 : 0)));
    const trainBase = baseFn(trainInput);
    validationBase = baseFn(holdout.fitInput);
    baseValidation = evaluate(validationBase, holdout.truth, holdout.validation, data.cols);
    finalBase = setup.input === holdout.fitInput ? validationBase : baseFn(setup.input);
    train = { ...train, base: { train: trainBase, hidden, validation: validationBase } };
  }
  const trained = await trainImputer(tf, holdout.fitInput, train);
  if (trained.stopped === 'paused' || trained.stopped === 'cancelled') {
    // Stopped by the user (the panel's Pause or Cancel): nothing is scored or filled, so the stop
    // takes effect at once; the caller keeps `trained.checkpoint`. The metrics are empty (NaN).
    const none = evaluate(new Float64Array(0), new Float64Array(0), new Uint8Array(0), data.cols);
    return { setup, holdout, targets, validation: none, metrics: none, prediction: new Float64Array(0), imputed: data, trained, settings: { ...(trained.model.config as unknown as Record<string, number>) } };
  }
  const validation = evaluate(await predictMatrix(tf, trained, holdout.fitInput, validationBase), holdout.truth, holdout.validation, data.cols);
  // The targets, scored once: the final input (under a truth file, the validation entries back in).
  const prediction = await predictMatrix(tf, trained, setup.input, finalBase);
  const metrics: Metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  const filled = setup.protocol === 'truth' ? prediction : await predictMatrix(tf, trained, data, baseFn ? baseFn(data) : undefined);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  return { setup, holdout, targets, validation, baseValidation, metrics, prediction, imputed, trained, settings: { ...(trained.model.config as unknown as Record<string, number>) } };
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

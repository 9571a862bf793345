// Sensor placement: which columns (sensors or H3 cells) to keep observing, so that an imputer
// fills the others best. This module defines the problem and its objective precisely; the
// searches (greedy.ts, genetic.ts) and the baselines (baselines.ts) only ever call `evaluate`.
//
// How a set of kept columns is scored (the "masked sensors" protocol):
// - The rows are split in time, 70/15/15 by default (protocol.ts): history (training rows),
//   validation rows, test rows.
// - The history rows stay as observed: every sensor has a past. This is the situation of
//   switching sensors off, or of placing a budget of them where a survey once measured all.
// - In the scored rows, only the kept columns stay observed; every other column is hidden
//   (its entries become missing).
// - The imputer sees the history and the scored rows, nothing after them (for the validation
//   objective the test rows are cut off; for the test score, the validation rows join the
//   history).
// - The error is over the hidden columns' entries in the scored rows that were observed in the
//   data (an entry missing in the file has no truth and is never scored): MSE by default (the
//   seed reports MSE), MAE beside it. Kept columns are never scored: they are observed.
// - Every search optimises the validation error; the test error of the chosen set is reported
//   beside it and never feeds a choice.
import type { MaskedMatrix } from '../matrix/masked';
import { temporalSplitRows, type SplitFractions } from '../impute/protocol';

export type PlacementMetric = 'mse' | 'mae';

export interface PlacementProblemOptions {
  fractions?: SplitFractions;
  /**
   * Keep at most this many history rows before the scored rows (the most recent ones), to make
   * each evaluation cheaper on long series. Default: all of them.
   */
  historyRows?: number;
  metric?: PlacementMetric;
}

/** One scoring of kept sets: which rows the imputer sees and which rows are scored. */
export interface PlacementScoring {
  /** Rows [from, to) of the data that the imputer sees. */
  from: number;
  to: number;
  /** Rows [scoredFrom, to) are scored; rows [from, scoredFrom) are history. */
  scoredFrom: number;
}

export interface PlacementProblem {
  data: MaskedMatrix;
  cols: number;
  metric: PlacementMetric;
  /** The search objective's rows: history + validation rows. */
  validation: PlacementScoring;
  /** The held-out check: history (training and validation rows) + test rows. */
  test: PlacementScoring;
}

/**
 * Turns "keep B columns" or "keep a fraction" into a column count, with a clear error for a
 * budget that keeps nothing or more columns than there are.
 */
export function resolveBudget(cols: number, spec: { budget?: number; keepRatio?: number }): number {
  if (spec.budget !== undefined && spec.keepRatio !== undefined) throw new Error('give a budget (columns to keep) or a keep ratio, not both');
  if (spec.budget !== undefined) {
    const b = spec.budget;
    if (!Number.isInteger(b) || b < 1) throw new Error(`the budget must keep at least one column (a whole number ≥ 1), found ${b}`);
    if (b > cols) throw new Error(`the budget keeps ${b} columns but the matrix has only ${cols}`);
    return b;
  }
  if (spec.keepRatio !== undefined) {
    const r = spec.keepRatio;
    if (!(r > 0 && r <= 1)) throw new Error(`the keep ratio must be a fraction in (0, 1], found ${r}`);
    const b = Math.round(r * cols);
    if (b < 1) throw new Error(`keeping ${r} of ${cols} columns keeps none (${(r * cols).toFixed(2)} rounds to 0); keep a larger fraction or give a budget`);
    return b;
  }
  throw new Error('give a budget (columns to keep) or a keep ratio');
}

export function placementProblem(data: MaskedMatrix, options: PlacementProblemOptions = {}): PlacementProblem {
  const split = temporalSplitRows(data.rows, options.fractions);
  const [a, b] = split.validation;
  const c = data.rows;
  if (a < 1) throw new Error(`the matrix has ${data.rows} rows: too few for a history before the validation rows`);
  if (b <= a) throw new Error(`the matrix has ${data.rows} rows: too few for validation rows`);
  if (c <= b) throw new Error(`the matrix has ${data.rows} rows: too few for test rows`);
  const history = options.historyRows;
  if (history !== undefined && !(Number.isInteger(history) && history >= 1)) throw new Error(`historyRows must be a whole number ≥ 1, found ${history}`);
  const start = (scoredFrom: number) => (history === undefined ? 0 : Math.max(0, scoredFrom - history));
  return {
    data,
    cols: data.cols,
    metric: options.metric ?? 'mse',
    validation: { from: start(a), to: b, scoredFrom: a },
    test: { from: start(b), to: c, scoredFrom: b },
  };
}

/** What the imputer sees for a kept set: the data rows [from, to), hidden columns masked in the scored rows. */
export function placementInput(problem: PlacementProblem, scoring: PlacementScoring, kept: ArrayLike<number>): MaskedMatrix {
  const { data } = problem;
  const cols = data.cols;
  const { from, to, scoredFrom } = scoring;
  const values = data.values.slice(from * cols, to * cols);
  const observed = data.observed.slice(from * cols, to * cols);
  const keep = keptMask(cols, kept);
  for (let i = scoredFrom - from; i < to - from; i++) {
    for (let j = 0; j < cols; j++) {
      if (keep[j]) continue;
      const k = i * cols + j;
      observed[k] = 0;
      values[k] = 0;
    }
  }
  return {
    ...data,
    rows: to - from,
    values,
    observed,
    rowLabels: data.rowLabels.slice(from, to),
    times: data.times ? data.times.slice(from, to) : null,
  };
}

export function keptMask(cols: number, kept: ArrayLike<number>): Uint8Array {
  const keep = new Uint8Array(cols);
  for (let t = 0; t < kept.length; t++) {
    const j = kept[t];
    if (!(Number.isInteger(j) && j >= 0 && j < cols)) throw new Error(`kept column ${j} is outside 0..${cols - 1}`);
    keep[j] = 1;
  }
  return keep;
}

export interface PlacementError {
  /** The objective: MSE or MAE as the problem's metric says. */
  value: number;
  mse: number;
  mae: number;
  /** Entries scored (hidden columns' observed entries in the scored rows). */
  count: number;
}

/** Scores a prediction of the input rows [from, to) on the hidden columns' observed entries in the scored rows. */
export function scorePlacement(problem: PlacementProblem, scoring: PlacementScoring, kept: ArrayLike<number>, prediction: Float64Array): PlacementError {
  const { data } = problem;
  const cols = data.cols;
  const keep = keptMask(cols, kept);
  let sq = 0;
  let abs = 0;
  let count = 0;
  for (let i = scoring.scoredFrom; i < scoring.to; i++) {
    const row = i * cols;
    const prow = (i - scoring.from) * cols;
    for (let j = 0; j < cols; j++) {
      if (keep[j] || !data.observed[row + j]) continue;
      const e = prediction[prow + j] - data.values[row + j];
      sq += e * e;
      abs += Math.abs(e);
      count++;
    }
  }
  // Keeping every column hides nothing: there is nothing left to get wrong.
  const mse = count ? sq / count : 0;
  const mae = count ? abs / count : 0;
  return { value: problem.metric === 'mse' ? mse : mae, mse, mae, count };
}

/** An imputer as the placement objective uses it: the input rows in, every entry of them out. */
export interface PlacementImputer {
  /** How reports name it, e.g. "neighbor" or "kron (frozen, ./model)". */
  name: string;
  impute(input: MaskedMatrix): Float64Array | Promise<Float64Array>;
}

/** The objective a search minimises: the validation error of a kept set. Counts its evaluations. */
export interface PlacementObjective {
  name: string;
  problem: PlacementProblem;
  /** The validation error (the problem's metric) of keeping exactly these columns. */
  evaluate(kept: readonly number[]): Promise<number>;
  /** Evaluations so far (cache hits not counted). */
  readonly evaluations: number;
}

/** The validation objective of an imputer, with a cache keyed by the sorted kept set. */
export function imputerObjective(problem: PlacementProblem, imputer: PlacementImputer): PlacementObjective {
  const cache = new Map<string, number>();
  let evaluations = 0;
  return {
    name: imputer.name,
    problem,
    get evaluations() {
      return evaluations;
    },
    async evaluate(kept) {
      const key = setKey(kept);
      const hit = cache.get(key);
      if (hit !== undefined) return hit;
      const input = placementInput(problem, problem.validation, kept);
      const prediction = await imputer.impute(input);
      const value = scorePlacement(problem, problem.validation, kept, prediction).value;
      evaluations++;
      cache.set(key, value);
      return value;
    },
  };
}

/** The held-out test error of a kept set (reported, never optimised). */
export async function testError(problem: PlacementProblem, imputer: PlacementImputer, kept: readonly number[]): Promise<PlacementError> {
  const input = placementInput(problem, problem.test, kept);
  return scorePlacement(problem, problem.test, kept, await imputer.impute(input));
}

/** The validation error with its MSE and MAE (the objective reports only its metric). */
export async function validationError(problem: PlacementProblem, imputer: PlacementImputer, kept: readonly number[]): Promise<PlacementError> {
  const input = placementInput(problem, problem.validation, kept);
  return scorePlacement(problem, problem.validation, kept, await imputer.impute(input));
}

export function setKey(kept: readonly number[]): string {
  return Int32Array.from(kept)
    .sort()
    .join(',');
}

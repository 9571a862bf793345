// The imputation protocol: which entries are hidden, which rows train, validate and test, and
// which entries are scored. Two standards are supported:
// - the seed protocol: hide a fraction of the observed nonzero entries with a fixed seed, split
//   rows in time 70/15/15 (or entries at random when there is no time axis), and score the
//   hidden entries of the test split;
// - a truth file (the AQI-36 standard): score the entries present in the truth but missing in
//   the input, optionally only in some months.
import type { MaskedMatrix } from '../matrix/masked';
import { withMask } from '../matrix/masked';
import { seededRng, shuffleInPlace } from '../random';

export interface HideOptions {
  /** Fraction of the candidate entries to hide, in [0, 1]. */
  ratio: number;
  seed: number;
  /** Which observed entries may be hidden: the nonzero ones (the seed's rule) or any. */
  among?: 'nonzero' | 'observed';
}

/**
 * Chooses exactly round(ratio * candidates) entries to hide, uniformly, reproducibly from the
 * seed. Returns the hidden set as a mask over the matrix.
 */
export function hideEntries(m: MaskedMatrix, options: HideOptions): Uint8Array {
  const { ratio, seed } = options;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`expected a mask ratio between 0 and 1, found ${ratio}`);
  const among = options.among ?? 'nonzero';
  let count = 0;
  for (let i = 0; i < m.values.length; i++) if (m.observed[i] && (among === 'observed' || m.values[i] !== 0)) count++;
  const candidates = new Uint32Array(count);
  count = 0;
  for (let i = 0; i < m.values.length; i++) if (m.observed[i] && (among === 'observed' || m.values[i] !== 0)) candidates[count++] = i;
  shuffleInPlace(candidates, seededRng(seed));
  const hidden = new Uint8Array(m.values.length);
  const k = Math.round(ratio * count);
  for (let i = 0; i < k; i++) hidden[candidates[i]] = 1;
  return hidden;
}

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_SPLIT: SplitFractions = { train: 0.7, validation: 0.15, test: 0.15 };

/** Split labels per entry (row-major): 0 train, 1 validation, 2 test. */
export type SplitLabels = Uint8Array;
export const TRAIN = 0;
export const VALIDATION = 1;
export const TEST = 2;

function checkFractions(f: SplitFractions) {
  const sum = f.train + f.validation + f.test;
  if (Math.abs(sum - 1) > 1e-9 || f.train < 0 || f.validation < 0 || f.test < 0) {
    throw new Error(`expected split fractions that are non-negative and sum to 1, found ${f.train}/${f.validation}/${f.test}`);
  }
}

/** Contiguous row ranges [start, end) for a temporal split: train first, then validation, test. */
export function temporalSplitRows(rows: number, f: SplitFractions = DEFAULT_SPLIT): { train: [number, number]; validation: [number, number]; test: [number, number] } {
  checkFractions(f);
  const a = Math.round(rows * f.train);
  const b = Math.round(rows * (f.train + f.validation));
  return { train: [0, a], validation: [a, b], test: [b, rows] };
}

/**
 * Split labels for a matrix: by rows in time when it has a time axis (or is treated as one),
 * or by a seeded random assignment of entries when it has none (e.g. a Matrix Market file).
 */
export function splitLabels(m: MaskedMatrix, options: { seed: number; fractions?: SplitFractions; by?: 'time' | 'entries' }): SplitLabels {
  const f = options.fractions ?? DEFAULT_SPLIT;
  checkFractions(f);
  const by = options.by ?? (m.times ? 'time' : 'entries');
  const labels = new Uint8Array(m.rows * m.cols);
  if (by === 'time') {
    const { validation, test } = temporalSplitRows(m.rows, f);
    labels.fill(VALIDATION, validation[0] * m.cols, validation[1] * m.cols);
    labels.fill(TEST, test[0] * m.cols, test[1] * m.cols);
    return labels;
  }
  // Seeded random split of the entries: a shuffled order, cut at the fractions. The rng stream
  // is offset from the masking one so that the two choices are independent.
  const order = new Uint32Array(labels.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  shuffleInPlace(order, seededRng((options.seed ^ 0x5bd1e995) >>> 0));
  const a = Math.round(order.length * f.train);
  const b = Math.round(order.length * (f.train + f.validation));
  for (let i = a; i < b; i++) labels[order[i]] = VALIDATION;
  for (let i = b; i < order.length; i++) labels[order[i]] = TEST;
  return labels;
}

/** Checks that a truth matrix lines up with the input, row by row and column by column. */
export function checkAligned(input: MaskedMatrix, truth: MaskedMatrix, truthName = 'the truth file'): void {
  if (input.rows !== truth.rows || input.cols !== truth.cols) {
    throw new Error(`${truthName} has shape ${truth.rows} x ${truth.cols}, expected ${input.rows} x ${input.cols} like the input`);
  }
  for (let j = 0; j < input.cols; j++) {
    if (input.colIds[j] !== truth.colIds[j]) {
      throw new Error(`${truthName} column ${j + 2} is ${JSON.stringify(truth.colIds[j])}, expected ${JSON.stringify(input.colIds[j])} like the input`);
    }
  }
  for (let i = 0; i < input.rows; i++) {
    if (input.rowLabels[i] !== truth.rowLabels[i]) {
      throw new Error(`${truthName} row ${i + 1} is labelled ${JSON.stringify(truth.rowLabels[i])}, expected ${JSON.stringify(input.rowLabels[i])} like the input`);
    }
  }
}

/**
 * Targets from a truth file: entries present in the truth but missing in the input, restricted
 * to rows whose timestamp falls in one of `months` (1-12) when given.
 */
export function truthTargets(input: MaskedMatrix, truth: MaskedMatrix, months?: number[]): Uint8Array {
  checkAligned(input, truth);
  const monthOk = new Uint8Array(input.rows).fill(1);
  if (months && months.length > 0) {
    if (!input.times) throw new Error('--test-months needs timestamps in the first column; this file has an index instead');
    const wanted = new Set(months);
    for (let i = 0; i < input.rows; i++) monthOk[i] = wanted.has(new Date(input.times[i]).getUTCMonth() + 1) ? 1 : 0;
  }
  const targets = new Uint8Array(input.rows * input.cols);
  for (let i = 0; i < input.rows; i++) {
    if (!monthOk[i]) continue;
    for (let j = 0; j < input.cols; j++) {
      const k = i * input.cols + j;
      if (truth.observed[k] && !input.observed[k]) targets[k] = 1;
    }
  }
  return targets;
}

export interface EvaluationSetup {
  /** What the method sees: the input with the hidden entries removed. */
  input: MaskedMatrix;
  /** The truth values at the targets. */
  truth: Float64Array;
  /** 1 at each entry that is scored. */
  targets: Uint8Array;
  /** Split labels per entry (all train when a truth file defines the targets). */
  split: SplitLabels;
  /** The hidden entries (masking protocol) or null (truth protocol). */
  hidden: Uint8Array | null;
  /** Truth protocol with test months: 1 for each row in a test month. */
  targetRows?: Uint8Array;
  protocol: 'mask' | 'truth';
}

export interface MaskProtocolOptions {
  maskRatio: number;
  seed: number;
  among?: 'nonzero' | 'observed';
  fractions?: SplitFractions;
  /** Score the hidden entries of this split (default: test). */
  scoreOn?: 'test' | 'validation' | 'all';
}

/** The seed protocol: hide, split, and score the hidden entries of the test split. */
export function maskProtocol(data: MaskedMatrix, options: MaskProtocolOptions): EvaluationSetup {
  const hidden = hideEntries(data, { ratio: options.maskRatio, seed: options.seed, among: options.among });
  const split = splitLabels(data, { seed: options.seed, fractions: options.fractions });
  const observed = data.observed.slice();
  const targets = new Uint8Array(observed.length);
  const scoreOn = options.scoreOn ?? 'test';
  for (let k = 0; k < observed.length; k++) {
    if (!hidden[k]) continue;
    observed[k] = 0;
    if (scoreOn === 'all' || (scoreOn === 'test' && split[k] === TEST) || (scoreOn === 'validation' && split[k] === VALIDATION)) targets[k] = 1;
  }
  return { input: withMask(data, observed), truth: data.values, targets, split, hidden, protocol: 'mask' };
}

/** The truth-file protocol (AQI-36): the input is what the method sees, the truth scores it. */
export function truthProtocol(input: MaskedMatrix, truth: MaskedMatrix, months?: number[]): EvaluationSetup {
  const targets = truthTargets(input, truth, months);
  let targetRows: Uint8Array | undefined;
  if (months && months.length > 0 && input.times) {
    const wanted = new Set(months);
    targetRows = Uint8Array.from(input.times, (t) => (wanted.has(new Date(t).getUTCMonth() + 1) ? 1 : 0));
  }
  return { input, truth: truth.values, targets, split: new Uint8Array(input.rows * input.cols), hidden: null, protocol: 'truth', targetRows };
}

export function countTargets(targets: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) n += targets[i];
  return n;
}

// ---------------------------------------------------------------------------------------------
// The honest split: training, validation and target masks.

export interface HoldoutOptions {
  /** Seeds the choice of the validation pattern (truth protocol). */
  seed?: number;
  /** Truth protocol: the fraction of each run of non-target rows kept for validation (its end). */
  validationFraction?: number;
  fractions?: SplitFractions;
}

/** Which entries train, which validate and which are scored, for any caller (classical or learned). */
export interface HoldoutMasks {
  /**
   * What a method sees while it is being validated: the setup's input with the validation
   * entries removed too. Classical methods fit this whole matrix (transductive); learned ones
   * train only on its training rows.
   */
  fitInput: MaskedMatrix;
  /** 1 at each entry a learned model may fit: observed in `fitInput` and in a training row. */
  train: Uint8Array;
  /** 1 at each validation entry: observed in the data, hidden by the job, in a validation row. */
  validation: Uint8Array;
  /** 1 at each target: scored once, at the end. */
  targets: Uint8Array;
  /** Per row, 1 where a learned model may train (its windows stay inside these rows). */
  trainRows: Uint8Array;
  /** Per row, 1 where the validation entries lie (no training window may overlap them). */
  validationRows: Uint8Array;
  /** The validation rows as contiguous [start, end) ranges. */
  validationRanges: [number, number][];
  /** The truth at the validation entries (and everywhere the data is observed). */
  truth: Float64Array;
}

/** Contiguous [start, end) runs of the rows where `rowMask` is 1. */
export function rowRanges(rowMask: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  let start = -1;
  for (let i = 0; i <= rowMask.length; i++) {
    const on = i < rowMask.length && rowMask[i] === 1;
    if (on && start < 0) start = i;
    if (!on && start >= 0) {
      out.push([start, i]);
      start = -1;
    }
  }
  return out;
}

/**
 * The honest split of an evaluation setup. Validation entries are observed entries the job hides
 * itself, in rows that no model trains on:
 * - seed protocol with a time axis: the hidden entries of the validation rows (the training rows
 *   are the first 70%, the test rows' observed entries are inputs, never trained on);
 * - seed protocol without a time axis: the hidden entries labelled validation;
 * - truth protocol: the end of each run of non-target rows (the last `validationFraction`, 15% by
 *   default), where the observed entries are hidden in the pattern of the targets (the targets'
 *   missingness copied row by row from a seeded offset into the target rows), so that validation
 *   gaps look like the gaps that are scored. Every other row may be trained on (transductive).
 */
export function holdoutMasks(data: MaskedMatrix, setup: EvaluationSetup, options: HoldoutOptions = {}): HoldoutMasks {
  const n = data.rows * data.cols;
  const validation = new Uint8Array(n);
  const trainRows = new Uint8Array(data.rows);
  const validationRows = new Uint8Array(data.rows);
  if (setup.protocol === 'mask') {
    const hidden = setup.hidden!;
    // Split by rows in time when there is a time axis (as maskProtocol does), else by entries.
    if (data.times) {
      const rows = temporalSplitRows(data.rows, options.fractions);
      trainRows.fill(1, rows.train[0], rows.train[1]);
      validationRows.fill(1, rows.validation[0], rows.validation[1]);
    } else {
      trainRows.fill(1);
    }
    for (let k = 0; k < n; k++) if (hidden[k] && setup.split[k] === VALIDATION) validation[k] = 1;
  } else {
    const fraction = options.validationFraction ?? 0.15;
    // The target rows: the test months when given, else the rows that hold a target.
    const targetRows = setup.targetRows?.slice() ?? new Uint8Array(data.rows);
    if (!setup.targetRows) {
      for (let i = 0; i < data.rows; i++) {
        for (let j = 0; j < data.cols; j++) if (setup.targets[i * data.cols + j]) targetRows[i] = 1;
      }
    }
    const free = targetRows.map((t) => 1 - t);
    let runs = rowRanges(free);
    // No row free of targets: the end of all rows validates (its targets stay targets, never
    // validation entries).
    if (runs.length === 0) runs = [[0, data.rows]];
    for (const [a, b] of runs) {
      const len = Math.max(1, Math.round((b - a) * fraction));
      validationRows.fill(1, b - len, b);
    }
    // The targets' pattern: the target rows in order, copied from a seeded offset.
    const sources: number[] = [];
    for (let i = 0; i < data.rows; i++) if (targetRows[i]) sources.push(i);
    if (sources.length === 0) validationRows.fill(0);
    const offset = Math.floor(seededRng(((options.seed ?? 0) ^ 0x27d4eb2f) >>> 0)() * sources.length);
    let r = 0;
    for (let i = 0; i < data.rows; i++) {
      if (!validationRows[i] || sources.length === 0) continue;
      const src = sources[(offset + r++) % sources.length];
      for (let j = 0; j < data.cols; j++) {
        const k = i * data.cols + j;
        if (setup.input.observed[k] && !setup.targets[k] && setup.targets[src * data.cols + j]) validation[k] = 1;
      }
    }
    for (let i = 0; i < data.rows; i++) trainRows[i] = validationRows[i] ? 0 : 1;
  }
  const observed = setup.input.observed.slice();
  for (let k = 0; k < n; k++) if (validation[k]) observed[k] = 0;
  const fitInput = setup.protocol === 'mask' ? setup.input : withMask(setup.input, observed);
  const train = new Uint8Array(n);
  for (let i = 0; i < data.rows; i++) {
    if (!trainRows[i]) continue;
    for (let j = 0; j < data.cols; j++) {
      const k = i * data.cols + j;
      if (fitInput.observed[k]) train[k] = 1;
    }
  }
  return { fitInput, train, validation, targets: setup.targets, trainRows, validationRows, validationRanges: rowRanges(validationRows), truth: data.values };
}

/**
 * The inductive variant's training rows: the split's training rows less the test months when the
 * protocol has them, and less every row that holds a target.
 */
export function inductiveTrainRows(data: { rows: number; cols: number }, setup: EvaluationSetup, holdout: HoldoutMasks): HoldoutMasks['trainRows'] {
  const rows = holdout.trainRows.slice();
  for (let i = 0; i < data.rows; i++) {
    if (setup.targetRows?.[i]) rows[i] = 0;
    for (let j = 0; j < data.cols; j++) if (setup.targets[i * data.cols + j]) rows[i] = 0;
  }
  return rows;
}

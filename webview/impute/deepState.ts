// The training panel's learned-imputer state, pure (no DOM): the labels and meanings of the model
// settings, the settings read from the form's text, the epoch numbering, the mask ratios scored,
// and which buttons are live. Tested in Node (test/unit/webview.deepState.test.ts); deepView.ts
// draws it, deep.ts wires it to the training.
import { formatFigure } from '../../src/core/format';
import type { Metrics } from '../../src/core/impute/metrics';
import { MODEL_DEFAULTS, type DeepMethod } from '../../src/core/impute/models';
import type { TrainProgress } from '../../src/core/impute/train';
import type { DeepSettings, MaskRatioRow, RunConfig, TrainPoint } from '../../src/protocol/impute';
import { formatDuration } from '../charts/trainingSeries';

export const MASK_RATIOS = [0.5, 0.6, 0.8, 0.9];

export const LABELS: Record<string, string> = { steps: 'window', channels: 'width', keyWidth: 'key width', depth: 'depth', heads: 'heads', patch: 'patch', patchSteps: 'patch (steps)', patchCols: 'patch (columns)', width: 'width', levels: 'levels' };
/** What each model setting means, with its unit (the window's length in time is added from the data). */
export const TITLES: Record<string, string> = {
  steps: 'Window: time steps (matrix rows) each training sample covers',
  channels: 'Width: features per token (channels)',
  keyWidth: 'Key width: features per attention key and query',
  depth: 'Depth: transformer blocks (layers)',
  heads: 'Heads: attention heads per block',
  patch: 'Patch: time steps × columns merged into one token (a square patch)',
  patchSteps: 'Patch (steps): time steps merged into one token',
  patchCols: 'Patch (columns): columns merged into one token',
  width: 'Width: features per token (channels)',
  levels: 'Levels: down-sampling stages of the UNet (each halves the window)',
  residual: 'Residual: 1 = learn a correction to each window’s linear interpolation, 0 = predict values directly',
};
const LABEL_NAMES: Record<DeepMethod, string> = { kron: 'Kron (Kronecker attention)', vit: 'ViT', unet: 'UNet' };

export function deepMethodLabel(m: DeepMethod): string {
  return LABEL_NAMES[m];
}

export function toPoint(p: TrainProgress): TrainPoint {
  const out: TrainPoint = { step: p.step, epoch: p.epoch, seconds: p.seconds, loss: p.loss, lossNonzero: p.lossNonzero, lossZero: p.lossZero, weights: [p.weights[0], p.weights[1]] };
  if (p.validation !== undefined && Number.isFinite(p.validation)) out.validation = p.validation;
  return out;
}

export const num = (v: number, digits = 4): string => formatFigure(v, Math.abs(v) >= 1000 ? { digits: 0 } : { digits, style: 'significant' });

/** "; 24 steps of 15 min = 6 h here", from the median gap between the data's timestamps. */
export function windowDuration(times: ArrayLike<number> | null | undefined, steps: number): string {
  if (!times || times.length < 2) return '';
  const gaps = [];
  for (let i = 1; i < Math.min(times.length, 200); i++) if (times[i] > times[i - 1]) gaps.push(times[i] - times[i - 1]);
  gaps.sort((a, b) => a - b);
  const gap = gaps[Math.floor(gaps.length / 2)];
  if (!(gap > 0)) return '';
  return `; ${steps} steps of ${formatDuration(gap / 1000)} = ${formatDuration((steps * gap) / 1000)} here`;
}

/** The settings form as text: the model's number fields, its on/off flags, and the training fields. */
export interface DeepForm {
  fields: { key: string; value: string }[];
  flags: { key: string; on: boolean }[];
  learningRate: string;
  alpha: string;
  epochs: string;
  batch: string;
  optimizer: string;
  balance: string;
}

/** The settings the form holds, or the first problem with them in words. */
export function readDeepSettings(form: DeepForm, method: DeepMethod): DeepSettings | string {
  const model: Record<string, number> = {};
  for (const { key, value } of form.fields) {
    const v = Number(value);
    if (!Number.isFinite(v) || v <= 0) return `${LABELS[key] ?? key} must be a positive number.`;
    model[key] = v;
  }
  for (const { key, on } of form.flags) model[key] = on ? 1 : 0;
  if (!Object.keys(model).length) Object.assign(model, MODEL_DEFAULTS[method]);
  const s: DeepSettings = {
    model,
    learningRate: Number(form.learningRate),
    alpha: Number(form.alpha),
    maxEpochs: Number(form.epochs),
    batchSize: Number(form.batch),
    optimizer: form.optimizer as DeepSettings['optimizer'],
    balance: form.balance as DeepSettings['balance'],
  };
  if (!(s.learningRate > 0)) return 'The learning rate must be positive.';
  if (!(s.alpha >= 0)) return 'α must be zero or more.';
  if (!Number.isInteger(s.maxEpochs) || s.maxEpochs < 1) return 'Epochs must be a whole number, 1 or more.';
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) return 'The batch must be a whole number, 1 or more.';
  return s;
}

/**
 * One epoch numbering everywhere, as the stats line counts: epochs from 1, and a step (counted
 * from 1) belongs to the epoch it was trained in. A checkpoint's `epoch` counts completed
 * epochs, so its last step lies in that epoch when it ended one, else in the next.
 */
export function epochOfStep(points: readonly TrainPoint[], step: number, completed: number): number {
  const p = points.find((q) => q.step === step - 1);
  return p ? p.epoch + 1 : Math.max(1, completed);
}

export const where = (points: readonly TrainPoint[], c: { step: number; epoch: number }): string => `step ${c.step}, epoch ${epochOfStep(points, c.step, c.epoch)}`;

/** The mask ratios scored after a run: the standard ones and the run's own. */
export function ratiosFor(runConfig: RunConfig | null): number[] {
  const ratios = [...MASK_RATIOS];
  if (runConfig && !ratios.includes(runConfig.maskRatio)) ratios.push(runConfig.maskRatio);
  return ratios.sort((a, b) => a - b);
}

/** One row of the mask-ratio table (a part with no targets scores 0). */
export function maskRatioRow(ratio: number, targets: number, m: Metrics): MaskRatioRow {
  return { ratio, targets, mae: m.mae, rmse: m.rmse, mse: m.mse, mre: m.mre, maeNonzero: Number.isFinite(m.nonzero.mae) ? m.nonzero.mae : 0, maeZero: Number.isFinite(m.zero.mae) ? m.zero.mae : 0 };
}

/** Training points per epoch before the first epoch ends: 70% of the rows are training windows. */
export function perEpochEstimate(rows: number, steps: number, batchSize: number): number {
  return Math.max(1, Math.ceil((rows * 0.7) / steps / batchSize));
}

/** Which buttons are live. */
export function deepButtons(s: { training: boolean; evaluating: boolean; paused: boolean; resumable: boolean; trusted: boolean }) {
  return {
    pause: s.training,
    resume: !s.training && s.resumable && s.trusted,
    evaluate: !s.training && !s.evaluating && s.resumable && s.trusted,
    write: !s.training && !s.evaluating && s.resumable && s.trusted,
    cancel: s.training || s.evaluating || s.paused,
  };
}

/** The longest a training step may take in the panel: a slower step shrinks the batch (core train's stepBudgetSeconds), so pause and cancel answer within one step. */
export const STEP_BUDGET_SECONDS = 2;

/** The batch part of the stats line: before any step, and once a slow step shrank the batch (`seconds` that step's time). */
export function batchNote(seconds: number | null, batch: number, backend: string): string {
  if (seconds === null) return `batch ${batch}, shrunk if a step takes over ${STEP_BUDGET_SECONDS} s on ${backend}`;
  return `batch ${batch} (a step took ${seconds.toFixed(1)} s on ${backend}: shrunk to stay under ${STEP_BUDGET_SECONDS} s)`;
}

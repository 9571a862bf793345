// Pure functions behind the live training charts: thinning long histories to what a chart can
// show, the series each chart draws, throughput and ETA, and the mask-ratio series. No DOM here,
// so they are tested in Node.
import type { MaskRatioRow, TrainPoint } from '../../src/protocol/impute';
import type { Series } from './layout';

export type { Series };

/** At most `max` items, evenly spaced, always keeping the first and the last. */
export function downsample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.length ? [items[items.length - 1]] : [];
  const out: T[] = [];
  const stride = (items.length - 1) / (max - 1);
  for (let i = 0; i < max; i++) out.push(items[Math.round(i * stride)]);
  return out;
}

function series(name: string, className: string, points: readonly TrainPoint[], pick: (p: TrainPoint) => number | undefined, axis?: 'right'): Series {
  const kept = points.filter((p) => Number.isFinite(pick(p)));
  return { name, className, x: kept.map((p) => p.step), y: kept.map((p) => pick(p)!), ...(axis ? { axis } : {}) };
}

/** The series of the three live charts, each thinned to at most `max` points. */
export function trainingCharts(points: readonly TrainPoint[], max = 500, prefix = '') {
  const thin = downsample(points, max);
  // Validation exists only at epoch ends: never thin it away.
  const epochEnds = points.filter((p) => p.validation !== undefined && Number.isFinite(p.validation));
  // The validation MAE is in the data's units, the loss in the model's: each on its own y-axis.
  return {
    loss: [series(`${prefix}train loss`, 'train', thin, (p) => p.loss), series(`${prefix}validation MAE`, 'validation', downsample(epochEnds, max), (p) => p.validation, 'right')],
    parts: [series(`${prefix}L_nz (nonzero truth)`, 'nonzero', thin, (p) => p.lossNonzero), series(`${prefix}L_z (zero truth)`, 'zero', thin, (p) => p.lossZero)],
    weights: [series(`${prefix}w_nz`, 'nonzero', thin, (p) => p.weights[0]), series(`${prefix}w_z`, 'zero', thin, (p) => p.weights[1])],
  };
}

/** Training steps per second over the last `window` steps (NaN until there are two). */
export function stepsPerSecond(points: readonly TrainPoint[], window = 20): number {
  if (points.length < 2) return NaN;
  const last = points[points.length - 1];
  const first = points[Math.max(0, points.length - 1 - window)];
  const dt = last.seconds - first.seconds;
  return dt > 0 ? (last.step - first.step) / dt : NaN;
}

/** Steps per epoch, from the first epoch that finished (or `estimate` before one has). */
export function stepsPerEpoch(points: readonly TrainPoint[], estimate: number): number {
  const end = points.find((p) => p.validation !== undefined);
  return end ? end.step + 1 - points.filter((p) => p.epoch < end.epoch).length : estimate;
}

/** Seconds until `maxEpochs` are done at the current rate (an upper bound: early stopping may end sooner). */
export function etaSeconds(points: readonly TrainPoint[], maxEpochs: number, perEpoch: number, rate = stepsPerSecond(points)): number {
  if (!points.length || !(rate > 0)) return NaN;
  const left = maxEpochs * perEpoch - (points[points.length - 1].step + 1);
  return Math.max(0, left) / rate;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** MAE and RMSE against the mask ratio (the generalisation figure). */
export function maskRatioSeries(rows: readonly MaskRatioRow[], prefix = ''): Series[] {
  const sorted = [...rows].sort((a, b) => a.ratio - b.ratio);
  return [
    { name: `${prefix}MAE`, className: 'mae', x: sorted.map((r) => r.ratio), y: sorted.map((r) => r.mae) },
    { name: `${prefix}RMSE`, className: 'rmse', x: sorted.map((r) => r.ratio), y: sorted.map((r) => r.rmse) },
  ];
}

/** The steps recorded before a checkpoint at `step` (a resumed run trains the rest again). */
export function historyBefore(points: readonly TrainPoint[], step: number): TrainPoint[] {
  return points.filter((p) => p.step < step);
}

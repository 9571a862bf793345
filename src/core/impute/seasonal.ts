// The seasonal profile imputer. The period comes from the timestamps: the sampling interval
// (the median step between rows) decides which cycles can exist — time of day below a day, day
// of week (by time of day) up to a day, month of year for monthly data — and a cycle is a
// candidate only when the data covers at least two of it. Each column's profile is the mean of
// its observed values at each phase, and the profile is scaled to the column's recent level:
// the observed values within one period on either side of the entry against the profile there
// (a ratio for non-negative columns, an offset otherwise). With no period, the "profile" is flat
// and the estimate is the local level alone.
import type { MaskedMatrix } from '../matrix/masked';
import { columnMeans } from './baselines';

export type SeasonalPeriod = 'none' | 'day' | 'week' | 'year';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;

/** The median step between consecutive timestamps (ms), or null without a time axis. */
export function samplingInterval(times: Float64Array | null): number | null {
  if (!times || times.length < 2) return null;
  const steps: number[] = [];
  for (let i = 1; i < times.length; i++) if (times[i] > times[i - 1]) steps.push(times[i] - times[i - 1]);
  if (steps.length === 0) return null;
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)];
}

/** The cycles the timestamps allow: each one a period the data covers at least twice. */
export function candidatePeriods(times: Float64Array | null): SeasonalPeriod[] {
  const step = samplingInterval(times);
  if (!times || step === null) return ['none'];
  const span = times[times.length - 1] - times[0];
  const out: SeasonalPeriod[] = [];
  if (step < DAY && span >= 2 * DAY) out.push('day');
  if (step <= DAY && span >= 2 * WEEK) out.push('week');
  if (step >= 20 * DAY && step <= 40 * DAY && span >= 2 * 365 * DAY) out.push('year');
  out.push('none');
  return out;
}

/** Phase index of each row for a period, and the number of phases. */
function phases(times: Float64Array, period: SeasonalPeriod, step: number): { phase: Int32Array; count: number; rowsPerPeriod: number } {
  const phase = new Int32Array(times.length);
  if (period === 'year') {
    for (let i = 0; i < times.length; i++) phase[i] = new Date(times[i]).getUTCMonth();
    return { phase, count: 12, rowsPerPeriod: 12 };
  }
  const length = period === 'day' ? DAY : WEEK;
  const count = Math.max(1, Math.round(length / step));
  for (let i = 0; i < times.length; i++) {
    // Days since the epoch start on a Thursday; weeks here start then too (any fixed origin works).
    const t = ((times[i] % length) + length) % length;
    phase[i] = Math.min(count - 1, Math.floor((t / length) * count));
  }
  return { phase, count, rowsPerPeriod: count };
}

/**
 * Fills the gaps with each column's profile for `period`, scaled to its local level. Without
 * timestamps (or with period 'none') the estimate is the local level: the mean of the observed
 * values within a window of the entry (a day's rows when timestamps allow, else 24 rows).
 */
export function imputeSeasonal(m: MaskedMatrix, period: SeasonalPeriod): Float64Array {
  const { rows, cols, values, observed } = m;
  const out = values.slice();
  const means = columnMeans(m);
  const step = samplingInterval(m.times);
  const usable = period !== 'none' && m.times && step !== null;
  const ph = usable ? phases(m.times!, period, step!) : null;
  // Window half-width in rows: one period, or a day's rows / 24 rows without one.
  const half = ph ? ph.rowsPerPeriod : step !== null && step < DAY ? Math.max(1, Math.round(DAY / step)) : 24;
  const prof = new Float64Array(rows);
  const sumX = new Float64Array(rows + 1);
  const sumP = new Float64Array(rows + 1);
  const cnt = new Float64Array(rows + 1);
  for (let j = 0; j < cols; j++) {
    let nonNegative = true;
    for (let i = 0; i < rows; i++) if (observed[i * cols + j] && values[i * cols + j] < 0) nonNegative = false;
    // The column's profile by phase (its mean where a phase was never observed).
    if (ph) {
      const s = new Float64Array(ph.count);
      const c = new Float64Array(ph.count);
      for (let i = 0; i < rows; i++) {
        const k = i * cols + j;
        if (!observed[k]) continue;
        s[ph.phase[i]] += values[k];
        c[ph.phase[i]]++;
      }
      for (let i = 0; i < rows; i++) prof[i] = c[ph.phase[i]] ? s[ph.phase[i]] / c[ph.phase[i]] : means[j];
    } else prof.fill(means[j]);
    // Prefix sums of the observed values and of the profile at them.
    for (let i = 0; i < rows; i++) {
      const k = i * cols + j;
      const o = observed[k];
      sumX[i + 1] = sumX[i] + (o ? values[k] : 0);
      sumP[i + 1] = sumP[i] + (o ? prof[i] : 0);
      cnt[i + 1] = cnt[i] + o;
    }
    for (let i = 0; i < rows; i++) {
      const k = i * cols + j;
      if (observed[k]) continue;
      // Widen the window until it holds an observation (up to the whole column).
      let w = half;
      let a = 0;
      let b = 0;
      for (;;) {
        a = Math.max(0, i - w);
        b = Math.min(rows, i + w + 1);
        if (cnt[b] - cnt[a] > 0 || (a === 0 && b === rows)) break;
        w *= 2;
      }
      const n = cnt[b] - cnt[a];
      if (n === 0) {
        out[k] = prof[i];
        continue;
      }
      const x = sumX[b] - sumX[a];
      const p = sumP[b] - sumP[a];
      if (!ph) out[k] = x / n;
      else if (nonNegative && p > 0) out[k] = prof[i] * (x / p);
      else out[k] = prof[i] + (x - p) / n;
    }
  }
  return out;
}

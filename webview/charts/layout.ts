// Pure layout rules shared by every chart (no DOM, tested in Node): tick labels that keep all
// their digits and the margin that fits them, category labels thinned and rotated so they never
// overlap, which series go on a second y-axis, and the colour scale of a heatmap (linear, log or
// quantile) with its colour-bar ticks.

/** A line chart's series (charts/lines.ts draws it; declared here, DOM-free, for the pure modules too). */
export interface Series {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** CSS class of the path (colour comes from the stylesheet). */
  className: string;
  /** The y-axis it is read on: left unless asked, or unless its magnitude is far from the first series' (assignAxes). */
  axis?: 'left' | 'right';
}

/** Approximate width of one character of a chart's 10–11 px font. */
export const CHAR_PX = 6.2;
/** Height of one line of a chart's font. */
export const LINE_PX = 12;

/**
 * A tick label that keeps its leading digits: 150000 → "150k", 2500000 → "2.5M", 0.00012 →
 * "1.2e-4". Whole numbers under 10,000 stay as they are.
 */
export function formatTick(v: number): string {
  if (!Number.isFinite(v)) return '';
  if (v === 0) return '0';
  const a = Math.abs(v);
  const trim = (s: string) => s.replace(/\.0+$|(\.\d*?)0+$/, '$1');
  if (a >= 1e4) {
    const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [size, unit] of units) if (a >= size) return `${trim((v / size).toFixed(a / size >= 100 ? 0 : 1))}${unit}`;
  }
  if (a < 1e-3) return v.toExponential(1);
  if (Number.isInteger(v)) return String(v);
  return trim(v.toPrecision(3));
}

/** Pixels a set of labels needs beside an axis (the longest, plus the tick and a gap). */
export function labelWidth(labels: readonly string[], charPx = CHAR_PX): number {
  let longest = 0;
  for (const l of labels) longest = Math.max(longest, l.length);
  return Math.ceil(longest * charPx) + 10;
}

/** The left margin that fits a y-axis's tick labels and its title. */
export function axisMargin(tickLabels: readonly string[], titled = true, min = 30): number {
  return Math.max(min, labelWidth(tickLabels) + (titled ? 16 : 0));
}

/** How to show n category labels along `span` pixels: every `step`-th, rotated or not, and the room below. */
export interface CategoryTicks {
  step: number;
  rotate: boolean;
  /** Pixels the labels take below the axis line. */
  height: number;
}

/**
 * Category labels (column ids under bars) that never overlap: level when each fits its band,
 * else rotated 45° and thinned so rotated labels are a line apart. Long labels are cut at `maxChars`.
 */
export function categoryTicks(labels: readonly string[], span: number, maxChars = 14): CategoryTicks {
  const n = labels.length;
  if (n === 0) return { step: 1, rotate: false, height: LINE_PX + 6 };
  const longest = Math.min(maxChars, Math.max(...labels.map((l) => l.length)));
  const band = span / n;
  const level = longest * CHAR_PX + 6;
  if (level <= band) return { step: 1, rotate: false, height: LINE_PX + 6 };
  // Level but thinned, when that keeps at least a third of them; else rotated.
  const levelStep = Math.ceil(level / band);
  if (levelStep <= 3 && longest <= 4) return { step: levelStep, rotate: false, height: LINE_PX + 6 };
  const rotatedGap = LINE_PX * 1.5;
  return { step: Math.max(1, Math.ceil(rotatedGap / band)), rotate: true, height: Math.ceil(longest * CHAR_PX * Math.SQRT1_2 + LINE_PX) + 6 };
}

/** A label cut to `maxChars`, with an ellipsis. */
export function clip(label: string, maxChars = 14): string {
  return label.length <= maxChars ? label : `${label.slice(0, maxChars - 1)}…`;
}

/** The labels kept by thinning: every `step`-th, counted from the first. */
export function thinned<T>(items: readonly T[], step: number): T[] {
  return items.filter((_, i) => i % step === 0);
}

/**
 * Which y-axis each series goes on. A series may ask (`axis`); otherwise one whose magnitude
 * differs from the first series' by more than `ratio` times goes on the right axis, so a
 * validation MAE of 7.7 does not flatten a training loss of 0.3 (and the other way round).
 */
export function assignAxes(series: readonly { y: ArrayLike<number>; axis?: 'left' | 'right' }[], ratio = 8): ('left' | 'right')[] {
  const magnitude = (y: ArrayLike<number>) => {
    let m = 0;
    for (let i = 0; i < y.length; i++) if (Number.isFinite(y[i])) m = Math.max(m, Math.abs(y[i]));
    return m;
  };
  const first = series.find((s) => s.axis !== 'right');
  const base = first ? magnitude(first.y) : 0;
  return series.map((s) => {
    if (s.axis) return s.axis;
    const m = magnitude(s.y);
    if (base === 0 || m === 0) return 'left';
    return m / base > ratio || base / m > ratio ? 'right' : 'left';
  });
}

export type ColourScaleKind = 'linear' | 'log' | 'quantile';

/** The finite (observed) values, sorted; a large matrix is sampled at an even stride (at most `most`). */
function sortedFinite(values: ArrayLike<number>, observed: ArrayLike<number> | null, most = 200_000): Float64Array {
  const out: number[] = [];
  const stride = Math.max(1, Math.floor(values.length / most));
  for (let i = 0; i < values.length; i += stride) if ((!observed || observed[i]) && Number.isFinite(values[i])) out.push(values[i]);
  return Float64Array.from(out).sort();
}

function quantileOf(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * The colour scale that shows the data: counts and other non-negative, heavy-tailed values
 * (the top 1% far above the median) get a log scale, where a linear one leaves most of the
 * picture dark; heavy tails with negative values get a quantile scale; the rest linear.
 */
export function chooseColourScale(values: ArrayLike<number>, observed: ArrayLike<number> | null = null): ColourScaleKind {
  const sorted = sortedFinite(values, observed);
  if (sorted.length < 2) return 'linear';
  const lo = sorted[0];
  const hi = sorted[sorted.length - 1];
  if (hi === lo) return 'linear';
  const median = quantileOf(sorted, 0.5);
  // Where the median sits along the linear range: near the bottom means most entries get the darkest colours.
  const medianPosition = (median - lo) / (hi - lo);
  if (medianPosition >= 0.1) return 'linear';
  return lo >= 0 ? 'log' : 'quantile';
}

/** A value's position in [0, 1] along the colour scale, and the scale's ticks for the colour bar. */
export interface ColourMapping {
  kind: ColourScaleKind;
  domain: [number, number];
  position(v: number): number;
  ticks: number[];
}

export function colourMapping(kind: ColourScaleKind, domain: [number, number], values: ArrayLike<number> = [], observed: ArrayLike<number> | null = null): ColourMapping {
  const [lo, hi] = domain;
  const span = hi - lo || 1;
  const clamp01 = (t: number) => (t < 0 ? 0 : t > 1 ? 1 : t);
  if (kind === 'log') {
    // log(1 + v − lo): defined at zero counts, which stay the darkest colour.
    const top = Math.log1p(span);
    const ticks = [lo];
    for (let p = 1; lo + p <= hi; p *= 10) ticks.push(lo + p);
    if (ticks[ticks.length - 1] !== hi) ticks.push(hi);
    return { kind, domain, position: (v) => clamp01(Math.log1p(Math.max(0, v - lo)) / top), ticks: ticks.length > 6 ? ticks.filter((_, i) => i % Math.ceil(ticks.length / 6) === 0 || i === ticks.length - 1) : ticks };
  }
  if (kind === 'quantile') {
    const sorted = sortedFinite(values, observed);
    if (sorted.length < 2) return colourMapping('linear', domain);
    const position = (v: number) => {
      // The fraction of values below v (binary search), so each colour covers as many entries.
      let a = 0;
      let b = sorted.length;
      while (a < b) {
        const m = (a + b) >> 1;
        if (sorted[m] < v) a = m + 1;
        else b = m;
      }
      return clamp01(a / (sorted.length - 1));
    };
    return { kind, domain, position, ticks: [0, 0.25, 0.5, 0.75, 1].map((q) => quantileOf(sorted, q)) };
  }
  return { kind: 'linear', domain, position: (v) => clamp01((v - lo) / span), ticks: [0, 0.25, 0.5, 0.75, 1].map((q) => lo + q * span) };
}

/** Where each legend entry sits in a band above the plot: left to right, wrapping to new rows. */
export function legendLayout(names: readonly string[], width: number, swatch = 20, gap = 14): { x: number; row: number }[] {
  const out: { x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const w = swatch + name.length * CHAR_PX;
    if (x > 0 && x + w > width) {
      x = 0;
      row++;
    }
    out.push({ x, row });
    x += w + gap;
  }
  return out;
}

// Pure helpers behind the Factorize panel's charts: columns of factors, reconstructions, tile
// layouts and image colouring. No DOM here, so they are tested in Node.

/** A row-major matrix as the panel holds it. */
export interface Matrix {
  rows: number;
  cols: number;
  values: Float64Array;
}

/** Column j as a new array. */
export function columnOf(m: Matrix, j: number): Float64Array {
  if (!(j >= 0 && j < m.cols)) throw new RangeError(`column ${j} of ${m.cols}`);
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.values[i * m.cols + j];
  return out;
}

/** Column j of D Λ (D is m × k, Λ is k × n). */
export function reconstructedColumn(D: Matrix, Lambda: Matrix, j: number): Float64Array {
  if (D.cols !== Lambda.rows) throw new RangeError(`cannot multiply ${D.rows} × ${D.cols} by ${Lambda.rows} × ${Lambda.cols}`);
  const k = D.cols;
  const out = new Float64Array(D.rows);
  for (let i = 0; i < D.rows; i++) {
    let s = 0;
    for (let a = 0; a < k; a++) s += D.values[i * k + a] * Lambda.values[a * Lambda.cols + j];
    out[i] = s;
  }
  return out;
}

/** The vector scaled to sum to 1 (unchanged when its sum is not positive). */
export function asHistogram(v: Float64Array): Float64Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i];
  return sum > 0 ? v.map((x) => x / sum) : v.slice();
}

/** [min, max] of the values, widened when flat. */
export function extentOf(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo, lo + (lo === 0 ? 1 : Math.abs(lo))];
  return [lo, hi];
}

export interface TileLayout {
  columns: number;
  rows: number;
  width: number;
  height: number;
  /** Top-left corner of tile t. */
  origin(t: number): [number, number];
  /** The tile under a point, or −1. */
  tileAt(x: number, y: number): number;
}

/**
 * `count` tiles of `tile` × `tile` pixels (plus `label` pixels of caption below each), `gap`
 * apart, in as many columns as fit `maxWidth` (at least one).
 */
export function tileLayout(count: number, tile: number, gap: number, maxWidth: number, label = 0): TileLayout {
  const columns = Math.max(1, Math.min(count, Math.floor((maxWidth + gap) / (tile + gap))));
  const rows = Math.max(1, Math.ceil(count / columns));
  const cellH = tile + label;
  return {
    columns,
    rows,
    width: columns * tile + (columns - 1) * gap,
    height: rows * cellH + (rows - 1) * gap,
    origin: (t) => [(t % columns) * (tile + gap), Math.floor(t / columns) * (cellH + gap)],
    tileAt: (x, y) => {
      if (x < 0 || y < 0) return -1;
      const c = Math.floor(x / (tile + gap));
      const r = Math.floor(y / (cellH + gap));
      if (c >= columns || x - c * (tile + gap) >= tile || y - r * (cellH + gap) >= tile) return -1;
      const t = r * columns + c;
      return t < count ? t : -1;
    },
  };
}

/**
 * RGBA pixels of a width × height image (row-major values) on a colour table of RGB triples,
 * with the values mapped linearly from `domain` onto the table.
 */
export function imageRgba(values: ArrayLike<number>, width: number, height: number, domain: [number, number], table: Uint8Array): Uint8ClampedArray<ArrayBuffer> {
  if (values.length < width * height) throw new RangeError(`${values.length} values for a ${width}×${height} image`);
  const steps = table.length / 3;
  const [lo, hi] = domain;
  const span = hi > lo ? hi - lo : 1;
  const pixels = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const v = values[p];
    const f = Number.isFinite(v) ? Math.min(1, Math.max(0, (v - lo) / span)) : 0;
    const s = Math.round(f * (steps - 1)) * 3;
    pixels[4 * p] = table[s];
    pixels[4 * p + 1] = table[s + 1];
    pixels[4 * p + 2] = table[s + 2];
    pixels[4 * p + 3] = 255;
  }
  return pixels;
}

/** The k largest weights of a column first: [atom, weight] pairs, for the weights' caption. */
export function topWeights(Lambda: Matrix, j: number, count = 3): [number, number][] {
  const weights = columnOf(Lambda, j);
  return Array.from(weights, (w, a) => [a, w] as [number, number])
    .sort((p, q) => q[1] - p[1])
    .slice(0, count);
}

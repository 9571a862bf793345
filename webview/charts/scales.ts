// Pure functions behind the charts: extents, bins, colour mapping and the view transforms.
// No DOM here, so they are tested in Node; only the chart factories touch the page.
import { bin, extent, interpolateViridis, scaleSequential } from 'd3';

/** The [min, max] of observed values (or of all values when no mask is given). */
export function observedExtent(values: Float64Array, observed?: Uint8Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (observed && !observed[i]) continue;
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo, lo + 1];
  return [lo, hi];
}

export interface HistogramBin {
  x0: number;
  x1: number;
  count: number;
}

/** A histogram of the observed values, with about `thresholds` bins. */
export function valueHistogram(values: Float64Array, observed: Uint8Array, thresholds = 30): HistogramBin[] {
  const data: number[] = [];
  for (let i = 0; i < values.length; i++) if (observed[i]) data.push(values[i]);
  if (data.length === 0) return [];
  const [lo, hi] = extent(data) as [number, number];
  const binner = bin().domain(lo === hi ? [lo, lo + 1] : [lo, hi]).thresholds(thresholds);
  return binner(data).map((b) => ({ x0: b.x0!, x1: b.x1!, count: b.length }));
}

/** Colour for a value, on the sequential viridis scale over `domain`. */
export function colourScale(domain: [number, number]): (v: number) => string {
  const s = scaleSequential(interpolateViridis).domain(domain).clamp(true);
  return (v: number) => s(v);
}

/** RGBA bytes for a CSS colour like "rgb(68, 1, 84)" or "#440154". */
export function rgbBytes(colour: string): [number, number, number] {
  const m = /^rgb\((\d+),\s*(\d+),\s*(\d+)\)$/.exec(colour);
  if (m) return [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(colour);
  if (h) return [parseInt(h[1], 16), parseInt(h[2], 16), parseInt(h[3], 16)];
  throw new Error(`not a colour: ${colour}`);
}

/** A lookup table of `steps` RGB triples across the scale, for fast per-pixel colouring. */
export function colourTable(steps = 256): Uint8Array {
  const table = new Uint8Array(steps * 3);
  for (let i = 0; i < steps; i++) {
    const [r, g, b] = rgbBytes(interpolateViridis(i / (steps - 1)));
    table.set([r, g, b], i * 3);
  }
  return table;
}

/** The two greys of the missing-entry checkerboard: distinct from any colour of the scale. */
export const MISSING_RGB: [[number, number, number], [number, number, number]] = [
  [150, 150, 150],
  [205, 205, 205],
];

export type EntryKind = 'observed' | 'missing' | 'hidden' | 'imputed';

/**
 * Rasterises a matrix into RGBA pixels: x = row (time), y = column. Missing entries (and, when
 * `imputed` is given, nothing is missing) get a checkerboard of two greys. When the matrix is
 * wider than `maxWidth`, rows are averaged in groups so the image stays within canvas limits.
 * `position` maps a value to [0, 1] along the colours (layout.colourMapping: linear, log or
 * quantile); without it, linear over `domain`.
 */
export function rasterize(
  rows: number,
  cols: number,
  values: Float64Array,
  observed: Uint8Array | null,
  domain: [number, number],
  maxWidth = 8192,
  position?: (v: number) => number,
): { width: number; height: number; rowsPerPixel: number; pixels: Uint8ClampedArray<ArrayBuffer> } {
  const rowsPerPixel = Math.max(1, Math.ceil(rows / maxWidth));
  const width = Math.ceil(rows / rowsPerPixel);
  const height = cols;
  const pixels = new Uint8ClampedArray(width * height * 4);
  const table = colourTable();
  const span = domain[1] - domain[0] || 1;
  for (let x = 0; x < width; x++) {
    const r0 = x * rowsPerPixel;
    const r1 = Math.min(rows, r0 + rowsPerPixel);
    for (let j = 0; j < cols; j++) {
      let sum = 0;
      let n = 0;
      for (let i = r0; i < r1; i++) {
        const k = i * cols + j;
        if (observed && !observed[k]) continue;
        sum += values[k];
        n++;
      }
      const p = (j * width + x) * 4;
      if (n === 0) {
        const grey = MISSING_RGB[(x + j) & 1];
        pixels[p] = grey[0];
        pixels[p + 1] = grey[1];
        pixels[p + 2] = grey[2];
      } else {
        const t = position ? position(sum / n) : Math.min(1, Math.max(0, (sum / n - domain[0]) / span));
        const c = Math.round(t * 255) * 3;
        pixels[p] = table[c];
        pixels[p + 1] = table[c + 1];
        pixels[p + 2] = table[c + 2];
      }
      pixels[p + 3] = 255;
    }
  }
  return { width, height, rowsPerPixel, pixels };
}

/** The entry under a point of the zoomed view: inverts the zoom transform, then the raster. */
export function entryAt(
  px: number,
  py: number,
  transform: { x: number; y: number; k: number },
  cellWidth: number,
  cellHeight: number,
  rows: number,
  cols: number,
): { row: number; col: number } | null {
  const x = (px - transform.x) / transform.k;
  const y = (py - transform.y) / transform.k;
  const row = Math.floor(x / cellWidth);
  const col = Math.floor(y / cellHeight);
  if (row < 0 || col < 0 || row >= rows || col >= cols) return null;
  return { row, col };
}

/** Kind of each entry for the map and readouts. */
export function entryKind(k: number, observed: Uint8Array, targets: Uint8Array | null, imputed: Float64Array | null): EntryKind {
  if (targets && targets[k]) return 'hidden';
  if (observed[k]) return 'observed';
  return imputed ? 'imputed' : 'missing';
}

/** Mean value of the given columns at one row, by kind: what one hexagon shows. */
export function cellValueAt(
  row: number,
  columns: number[],
  cols: number,
  values: Float64Array,
  observed: Uint8Array,
  targets: Uint8Array | null,
  imputed: Float64Array | null,
): { value: number | null; kind: EntryKind } {
  // A cell shows its observed readings when it has any; else the hidden ones (scored by the
  // run, shown with the imputed value); else imputed values; else nothing.
  const order: EntryKind[] = ['observed', 'hidden', 'imputed'];
  for (const want of order) {
    let sum = 0;
    let n = 0;
    for (const j of columns) {
      const k = row * cols + j;
      const kind = entryKind(k, observed, targets, imputed);
      if (kind !== want) continue;
      sum += want === 'observed' ? values[k] : imputed ? imputed[k] : NaN;
      n++;
    }
    if (n > 0 && Number.isFinite(sum)) return { value: sum / n, kind: want };
  }
  return { value: null, kind: 'missing' };
}

/** Reverses a GeoJSON ring's winding: d3-geo wants clockwise exteriors, h3 gives counter-clockwise. */
export function clockwiseRing(ring: [number, number][]): [number, number][] {
  return ring.slice().reverse();
}

// A table of points, one per row: the numeric columns are the coordinates. With or without a
// header (a first row of numbers is data). Two streaming passes: the first finds which columns
// are numeric and counts the rows, the second fills the coordinates, so memory stays at n x d.
import { CELL_EXPECTED, parseCell, readDelimited } from '../io/delimited';
import { ParseError, quoteFound } from '../io/errors';
import type { ByteSource } from '../io/source';
import { seededRng, shuffleInPlace } from '../random';
import type { PointCloud } from './samples';

export type Normalisation = 'none' | 'zscore' | 'minmax';

export interface ReadPointsOptions {
  /** Columns to use, by header name or 1-based number; default: every numeric column. */
  columns?: (string | number)[];
  normalise?: Normalisation;
  header?: 'auto' | 'yes' | 'no';
}

export interface PointTable extends PointCloud {
  /** The names of the columns used, in order. */
  columns: string[];
  /** The 1-based line of each point in the file, so a point can be revealed in the editor. */
  lines: Int32Array;
  /** Text of a label column (named label, class, digit, target or category), when there is one. */
  labelNames: string[] | null;
}

const LABEL_NAMES = ['label', 'class', 'digit', 'target', 'category'];

export async function readPoints(source: ByteSource, options: ReadPointsOptions = {}): Promise<PointTable> {
  // Pass 1: the header, which columns hold numbers only, and how many rows.
  let header: string[] | null = null;
  let width = 0;
  let rows = 0;
  let numeric: boolean[] = [];
  let first = true;
  for await (const rec of readDelimited(source)) {
    if (first) {
      first = false;
      width = rec.fields.length;
      const allNumbers = rec.fields.every((f) => {
        const v = parseCell(f);
        return v !== undefined && !Number.isNaN(v);
      });
      const hasHeader = options.header === 'yes' || (options.header !== 'no' && !allNumbers);
      numeric = new Array(width).fill(true);
      if (hasHeader) {
        header = rec.fields.map((f) => f.trim());
        continue;
      }
    }
    if (rec.fields.length !== width) {
      const line = rec.fields.length > width ? rec.lineOf(width) : rec.endLine;
      const at = rec.fields.length > width ? rec.columnOf(width) : rec.endColumn;
      throw new ParseError(source.name, line, at, `${width} fields, as in the ${header ? 'header' : 'first row'}`, `${rec.fields.length} fields`);
    }
    for (let j = 0; j < width; j++) if (numeric[j] && parseCell(rec.fields[j]) === undefined) numeric[j] = false;
    rows++;
  }
  if (first) throw new ParseError(source.name, 1, 1, 'rows of coordinates', 'an empty file');
  if (rows === 0) throw new ParseError(source.name, 2, 1, 'at least one row of coordinates after the header', 'the end of the file');
  const names = header ?? Array.from({ length: width }, (_, j) => String(j + 1));

  let chosen: number[];
  if (options.columns && options.columns.length > 0) {
    chosen = options.columns.map((c) => {
      const j = typeof c === 'number' ? c - 1 : names.indexOf(c);
      if (j < 0 || j >= width) throw new Error(`${source.name}: no column ${JSON.stringify(c)}; the columns are ${names.join(', ')}`);
      if (!numeric[j]) throw new Error(`${source.name}: column ${JSON.stringify(names[j])} is not numeric`);
      return j;
    });
  } else {
    const lower = names.map((n) => n.toLowerCase());
    chosen = names.map((_, j) => j).filter((j) => numeric[j] && !LABEL_NAMES.includes(lower[j]));
    if (chosen.length === 0) throw new Error(`${source.name}: no numeric column to use as coordinates (columns: ${names.join(', ')})`);
  }
  const labelCol = header ? header.findIndex((h) => LABEL_NAMES.includes(h.toLowerCase())) : -1;

  // Pass 2: the coordinates.
  const dim = chosen.length;
  const data = new Float64Array(rows * dim);
  const lines = new Int32Array(rows);
  const labelNames: string[] | null = labelCol >= 0 ? [] : null;
  let i = 0;
  let skipHeader = header !== null;
  for await (const rec of readDelimited(source)) {
    if (skipHeader) {
      skipHeader = false;
      continue;
    }
    lines[i] = rec.lineOf(0);
    for (let k = 0; k < dim; k++) {
      const j = chosen[k];
      const v = parseCell(rec.fields[j]);
      if (v === undefined || Number.isNaN(v)) {
        throw new ParseError(source.name, rec.lineOf(j), rec.columnOf(j), v === undefined ? CELL_EXPECTED : 'a coordinate (points cannot have missing coordinates)', quoteFound(rec.fields[j].trim()));
      }
      data[i * dim + k] = v;
    }
    if (labelNames) labelNames.push(rec.fields[labelCol].trim());
    i++;
  }
  const table: PointTable = { n: rows, dim, data, columns: chosen.map((j) => names[j]), lines, labelNames };
  if (labelNames) {
    const distinct = [...new Set(labelNames)].sort();
    table.labels = Int32Array.from(labelNames, (l) => distinct.indexOf(l));
  }
  normalisePoints(table, options.normalise ?? 'none');
  return table;
}

/** Rescales each coordinate in place: to mean 0 and standard deviation 1, or onto [0, 1]. */
export function normalisePoints(points: PointCloud, how: Normalisation): void {
  if (how === 'none') return;
  const { n, dim, data } = points;
  for (let k = 0; k < dim; k++) {
    let a = 0;
    let b = 0;
    if (how === 'zscore') {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += data[i * dim + k];
      mean /= n;
      let v = 0;
      for (let i = 0; i < n; i++) v += (data[i * dim + k] - mean) ** 2;
      const sd = Math.sqrt(v / n);
      a = mean;
      b = sd > 0 ? sd : 1;
    } else {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < n; i++) {
        lo = Math.min(lo, data[i * dim + k]);
        hi = Math.max(hi, data[i * dim + k]);
      }
      a = lo;
      b = hi > lo ? hi - lo : 1;
    }
    for (let i = 0; i < n; i++) data[i * dim + k] = (data[i * dim + k] - a) / b;
  }
}

/** A seeded random subset of `maxN` points (all of them when there are fewer), in row order. */
export function subsamplePoints<T extends PointCloud>(points: T, maxN: number, seed = 0): { points: PointCloud; rows: Int32Array } {
  if (points.n <= maxN) return { points, rows: Int32Array.from({ length: points.n }, (_, i) => i) };
  const order = shuffleInPlace(Int32Array.from({ length: points.n }, (_, i) => i), seededRng(seed)).slice(0, maxN).sort();
  const data = new Float64Array(maxN * points.dim);
  order.forEach((row, i) => data.set(points.data.subarray(row * points.dim, (row + 1) * points.dim), i * points.dim));
  const labels = points.labels ? Int32Array.from(order, (row) => points.labels![row]) : undefined;
  return { points: { n: maxN, dim: points.dim, data, labels }, rows: order };
}

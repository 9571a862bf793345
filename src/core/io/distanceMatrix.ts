// A precomputed distance matrix from a file: a square CSV/TSV (optionally with a header row
// and/or a first column of row labels) or a 2-D .npy. It must be a distance matrix in the sense
// magnitude needs: finite, non-negative, symmetric, with a zero diagonal. A violation is a
// ParseError at the offending cell (text: its line and column; .npy: line 1, column = byte
// offset + 1, the convention of npy.ts). The triangle inequality is not required.
import type { DistanceMatrix } from '../magnitude/metrics';
import { parseCell, readDelimited } from './delimited';
import { ParseError, quoteFound } from './errors';
import { readNpy } from './npy';
import type { ByteSource } from './source';
import { extensionOf } from './source';

/** Largest n read (n² doubles: 2.6 GB at 18 000, the dense solver's limit). */
export const MAX_DISTANCE_MATRIX_N = 18000;

/** Relative tolerance of the symmetry check: |d_ij − d_ji| ≤ tol·max(1, |d_ij|). */
export const SYMMETRY_TOLERANCE = 1e-9;

export interface DistanceMatrixFile extends DistanceMatrix {
  /** The row labels (first column), else the header's names, else null. */
  labels: string[] | null;
  /** The 1-based line of each row in a text file (for .npy: the row number). */
  lines: Int32Array;
  format: 'delimited' | 'npy';
  /** The largest |d_ij − d_ji| seen (the matrix returned is exactly symmetric: their mean). */
  maxAsymmetry: number;
}

function isText(field: string): boolean {
  return parseCell(field) === undefined;
}

/** Reads and validates a distance matrix; the format follows the extension (.npy or text). */
export async function readDistanceMatrix(source: ByteSource): Promise<DistanceMatrixFile> {
  return extensionOf(source.name) === '.npy' ? readNpyDistances(source) : readDelimitedDistances(source);
}

/** Checks one entry in file order; `mirror` is d_ji when already read (j < i in row order), else undefined. */
function checkEntry(value: number, i: number, j: number, mirror: number | undefined, fail: (expected: string, found: string) => never): void {
  if (Number.isNaN(value)) fail('a distance (a distance matrix cannot have missing entries)', 'a missing entry');
  if (!Number.isFinite(value)) fail('a finite distance', String(value));
  if (value < 0) fail('a non-negative distance', String(value));
  if (i === j && value !== 0) fail(`0 on the diagonal (entry ${i + 1}, ${j + 1})`, String(value));
  if (mirror !== undefined && Math.abs(value - mirror) > SYMMETRY_TOLERANCE * Math.max(1, Math.abs(mirror))) {
    fail(`${mirror}, the entry at (${j + 1}, ${i + 1}): a distance matrix is symmetric`, String(value));
  }
}

async function readDelimitedDistances(source: ByteSource): Promise<DistanceMatrixFile> {
  const file = source.name;
  let width = 0;
  let header: string[] | null = null;
  let rowLabels: boolean | null = null;
  let n = 0;
  let data: Float64Array | null = null;
  let lines: Int32Array | null = null;
  const labels: string[] = [];
  let row = 0;
  let first = true;
  let lastLine = 1;
  let maxAsymmetry = 0;
  for await (const rec of readDelimited(source)) {
    lastLine = rec.endLine;
    if (first) {
      first = false;
      width = rec.fields.length;
      // A header has text beyond its first cell (which may name the label column), or a blank
      // corner cell (a distance matrix has no missing entries, so that row is not data).
      const blankCorner = width > 1 && rec.fields[0].trim() === '';
      if (rec.fields.slice(1).some(isText) || blankCorner || (width === 1 && isText(rec.fields[0]))) {
        header = rec.fields.map((f) => f.trim());
        continue;
      }
    }
    if (rec.fields.length !== width) {
      const line = rec.fields.length > width ? rec.lineOf(width) : rec.endLine;
      const at = rec.fields.length > width ? rec.columnOf(width) : rec.endColumn;
      throw new ParseError(file, line, at, `${width} fields, as in the ${header ? 'header' : 'first row'}`, `${rec.fields.length} fields`);
    }
    if (rowLabels === null) {
      // Row labels: text in the first column, or a header with one more name than the matrix has columns.
      rowLabels = isText(rec.fields[0]) || (header !== null && header[0] === '' && width > 1);
      n = width - (rowLabels ? 1 : 0);
      if (n < 1) throw new ParseError(file, rec.lineOf(0), rec.columnOf(0), 'at least one distance per row', 'a row label only');
      if (n > MAX_DISTANCE_MATRIX_N) throw new ParseError(file, rec.lineOf(0), 1, `at most ${MAX_DISTANCE_MATRIX_N} columns (a dense n × n matrix)`, `${n} columns`);
      data = new Float64Array(n * n);
      lines = new Int32Array(n);
    }
    const offset = rowLabels ? 1 : 0;
    if (row >= n) {
      throw new ParseError(file, rec.lineOf(0), 1, `${n} rows: a square matrix with ${n} columns${rowLabels ? ' after the row labels' : ''}`, `row ${row + 1}`);
    }
    if (rowLabels) {
      if (!isText(rec.fields[0]) && header === null) {
        throw new ParseError(file, rec.lineOf(0), rec.columnOf(0), 'a row label, as in the first row', quoteFound(rec.fields[0].trim()));
      }
      labels.push(rec.fields[0].trim());
    }
    lines![row] = rec.lineOf(0);
    const i = row;
    for (let j = 0; j < n; j++) {
      const field = rec.fields[j + offset];
      const fail = (expected: string, found: string): never => {
        throw new ParseError(file, rec.lineOf(j + offset), rec.columnOf(j + offset), expected, found);
      };
      const value = parseCell(field);
      if (value === undefined) fail('a distance (a number)', quoteFound(field.trim()));
      const mirror = j < i ? data![j * n + i] : undefined;
      checkEntry(value!, i, j, mirror, fail);
      if (mirror !== undefined) {
        maxAsymmetry = Math.max(maxAsymmetry, Math.abs(value! - mirror));
        const mean = (value! + mirror) / 2;
        data![i * n + j] = mean;
        data![j * n + i] = mean;
      } else data![i * n + j] = value!;
    }
    row++;
  }
  if (first) throw new ParseError(file, 1, 1, 'a square matrix of distances', 'an empty file');
  if (data === null) throw new ParseError(file, lastLine + 1, 1, 'rows of distances after the header', 'the end of the file');
  if (row < n) {
    throw new ParseError(file, lastLine + 1, 1, `${n} rows: a square matrix with ${n} columns${rowLabels ? ' after the row labels' : ''}`, `${row} rows`);
  }
  let names: string[] | null = rowLabels ? labels : null;
  if (!names && header) names = header.length === n ? header : header.slice(header.length - n);
  return { n, data, labels: names, lines: lines!, format: 'delimited', maxAsymmetry };
}

/** Where element (i, j) starts, from the .npy header: magic, version, header length, dict. */
async function npyLayout(source: ByteSource): Promise<{ dataStart: number; itemSize: number; fortran: boolean }> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of source.chunks()) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= 1 << 16) break;
  }
  const head = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    head.set(p, at);
    at += p.length;
  }
  const major = head[6];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const prefix = major === 1 ? 10 : 12;
  const dict = new TextDecoder('latin1').decode(head.subarray(prefix, prefix + headerLength));
  const descr = /'descr'\s*:\s*'[<>|=]?[a-z](\d+)'/.exec(dict);
  return { dataStart: prefix + headerLength, itemSize: descr ? Number(descr[1]) : 8, fortran: /'fortran_order'\s*:\s*True/.test(dict) };
}

async function readNpyDistances(source: ByteSource): Promise<DistanceMatrixFile> {
  const file = source.name;
  const m = await readNpy(source);
  if (m.rows !== m.cols) throw new ParseError(file, 1, 1, 'a square 2-D array (n × n distances)', `shape (${m.rows}, ${m.cols})`);
  const n = m.rows;
  if (n > MAX_DISTANCE_MATRIX_N) throw new ParseError(file, 1, 1, `at most ${MAX_DISTANCE_MATRIX_N} rows (a dense n × n matrix)`, `${n} rows`);
  let layout: { dataStart: number; itemSize: number; fortran: boolean } | null = null;
  const data = new Float64Array(n * n);
  let maxAsymmetry = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const k = i * n + j;
      const value = m.observed[k] ? m.values[k] : NaN;
      const mirror = j < i ? data[j * n + i] : undefined;
      try {
        checkEntry(value, i, j, mirror, (expected, found) => {
          throw new ParseError(file, 1, 1, expected, found);
        });
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        layout ??= await npyLayout(source);
        const element = layout.fortran ? j * n + i : k;
        throw new ParseError(file, 1, layout.dataStart + element * layout.itemSize + 1, err.expected, `${err.found} at entry (${i + 1}, ${j + 1})`);
      }
      if (mirror !== undefined) {
        maxAsymmetry = Math.max(maxAsymmetry, Math.abs(value - mirror));
        const mean = (value + mirror) / 2;
        data[k] = mean;
        data[j * n + i] = mean;
      } else data[k] = value;
    }
  }
  return { n, data, labels: null, lines: Int32Array.from({ length: n }, (_, i) => i + 1), format: 'npy', maxAsymmetry };
}

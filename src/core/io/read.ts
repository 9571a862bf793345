// One entry point for reading any matrix file Lacuna supports, and for writing a matrix back
// in the input's own format.
import type { MaskedMatrix } from '../matrix/masked';
import { firstNonFinite } from '../matrix/stats';
import { readDelimited, readFirstLine, detectDelimiter, parseTimestamp, type Delimiter } from './delimited';
import { readMatrixMarket, writeMatrixMarket } from './matrixMarket';
import { readNpy, writeNpy } from './npy';
import type { ByteSource } from './source';
import { extensionOf } from './source';
import {
  isLongTableHeader,
  joinLocations,
  readLocations,
  readLongTable,
  readWideTable,
  type Aggregation,
  type SensorLocation,
} from './tables';
import { DEFAULT_H3_RESOLUTION } from '../geo/h3';
import { checkTimeAxis, type DuplicatePolicy } from './timeAxis';
import { describeShape, inferOrientation, transposeMatrix, type ShapeChoice, type ShapePurpose, type TableShape } from './shape';
import { quoteFound } from './errors';

export type MatrixFormat = 'wide' | 'long' | 'mtx' | 'npy';

/** The file extensions Lacuna reads (the manifest's menus use the same list). */
export const SUPPORTED_EXTENSIONS = ['.csv', '.tsv', '.txt', '.mtx', '.npy'] as const;

export interface ReadOptions {
  /** Force a format; by default it follows the extension, and for text, the header. */
  format?: MatrixFormat;
  delimiter?: Delimiter;
  h3Resolution?: number;
  timeBinMs?: number;
  aggregate?: Aggregation;
  emptyBins?: 'missing' | 'zero';
  /** Matrix Market: whether unlisted coordinate entries are observed zeros or missing. */
  unlisted?: 'zero' | 'missing';
  /** Rows with the same timestamp: an error (default), or merged. */
  duplicates?: DuplicatePolicy;
  /** Sensor locations to join to a wide table's columns. */
  locations?: ByteSource;
  /** The label and value columns and the orientation, when the caller sets them (else inferred). */
  shape?: ShapeChoice;
  /** What the data is for: a factorisation reads rows named by text as observations (shape.ts). */
  purpose?: ShapePurpose;
}

export interface ReadResult {
  matrix: MaskedMatrix;
  format: MatrixFormat;
  /** For text formats: the delimiter, so the output can use the same. */
  delimiter?: Delimiter;
  /** For wide tables: the header's first cell. */
  indexName?: string;
  /** Notes for the user (e.g. columns without a location, what the shape inference decided). */
  notes: string[];
  /** For wide tables: the columns and orientation inferred or chosen, with the reasons. */
  shape?: TableShape;
  /** For wide tables: the first rows as text, every column (the data preview's table). */
  head?: string[][];
  /** The matrix is the file read transposed (an output is transposed back). */
  transposed?: boolean;
  /** Whether the file's rows have a label column (an output writes one only then). */
  rowLabelColumn?: boolean;
}

/** Decides the format of a source from its extension and, for text, its first line. */
export async function detectFormat(source: ByteSource): Promise<MatrixFormat> {
  return (await sniffFormat(source)).format;
}

/** What the file's head tells: its format and, for a table, its delimiter (so the one full read need not look again). */
export interface Sniffed {
  format: MatrixFormat;
  delimiter?: Delimiter;
}

/** The format (and a table's delimiter) from the extension, else from the file's first line. */
export async function sniffFormat(source: ByteSource): Promise<Sniffed> {
  const ext = extensionOf(source.name);
  if (ext === '.mtx') return { format: 'mtx' };
  if (ext === '.npy') return { format: 'npy' };
  const first = await readFirstLine(source);
  if (first.startsWith('%%MatrixMarket')) return { format: 'mtx' };
  if (/^\uFFFDNUMPY/.test(first)) return { format: 'npy' }; // the \x93NUMPY magic, decoded as text
  const delimiter = detectDelimiter(first.replace(/^\uFEFF/, ''), source.name);
  let fields: string[] = [];
  for await (const rec of readDelimited({ name: source.name, chunks: async function* () { yield new TextEncoder().encode(first + '\n'); } }, { delimiter })) {
    // Never spread a record into arguments: a header may have hundreds of thousands of fields.
    fields = fields.length === 0 ? rec.fields : fields.concat(rec.fields);
  }
  return { format: isLongTableHeader(fields) ? 'long' : 'wide', delimiter };
}

export async function readMatrix(source: ByteSource, options: ReadOptions = {}): Promise<ReadResult> {
  // One look at the head when the caller did not: the format and the delimiter, passed on.
  const sniffed: Sniffed = options.format ? { format: options.format, delimiter: options.delimiter } : await sniffFormat(source);
  const format = sniffed.format;
  const delimiter = options.delimiter ?? sniffed.delimiter;
  const notes: string[] = [];
  const choice = options.shape ?? {};
  if (format !== 'wide' && (choice.labelColumns !== undefined || choice.valueColumns !== undefined)) {
    throw new Error(`label and value columns apply to a wide table (text with one column per series); ${source.name} is ${format === 'long' ? 'a long table' : `a ${format} file`}`);
  }
  switch (format) {
    case 'mtx':
    case 'npy': {
      const stored = format === 'mtx' ? await readMatrixMarket(source, { unlisted: options.unlisted }) : await readNpy(source);
      if (!choice.transpose) return { matrix: stored, format, notes };
      notes.push(`read transposed (chosen): ${stored.cols} × ${stored.rows}`);
      return { matrix: transposeMatrix(stored), format, notes, transposed: true };
    }
    case 'long': {
      if (choice.transpose) throw new Error(`a long table is read as time bins × H3 cells; transposing ${source.name} does not apply`);
      const matrix = await readLongTable(source, {
        delimiter,
        h3Resolution: options.h3Resolution,
        timeBinMs: options.timeBinMs,
        aggregate: options.aggregate,
        emptyBins: options.emptyBins,
      });
      notes.push(`${matrix.records} readings partitioned into ${matrix.rows} time bins x ${matrix.cols} H3 cells (resolution ${matrix.h3Resolution}, ${matrix.aggregate})`);
      if (options.locations) notes.push('locations ignored: a long table carries its own coordinates');
      return { matrix, format, delimiter: ',', notes };
    }
    case 'wide': {
      const table = await readWideTable(source, { delimiter, duplicates: options.duplicates, columns: choice });
      notes.push(...table.notes);
      const orientation = inferOrientation(table.columns, table.rowLabels, table.times, choice, options.purpose);
      const label = table.hasRowLabels ? quoteFound(table.columns.names[table.columns.labelColumns[0]]) : '';
      const shape: TableShape = {
        ...table.columns,
        transpose: orientation.transpose,
        orientationReason: orientation.reason,
        orientationChosen: orientation.chosen,
        timeReason: table.times
          ? `column ${label} holds the timestamps (${table.rowLabels[0]} …)`
          : orientation.transpose && table.columns.hasHeader && table.columns.valueColumns.some((j) => !Number.isNaN(parseTimestamp(table.columns.names[j])))
            ? 'the column headers hold the timestamps'
            : table.hasRowLabels
              ? `none: column ${label} does not hold timestamps`
              : 'none: no column holds timestamps',
      };
      let matrix: MaskedMatrix = table;
      if (orientation.transpose) {
        if (options.locations) throw new Error(`locations place the columns of a table whose columns are sensors; ${source.name} is read transposed (each row one observation), so the locations cannot be joined`);
        matrix = transposeMatrix(table);
        // Column headers that are timestamps become the time axis, checked like a time column.
        const axis = checkTimeAxis({ file: source.name, indexName: '', labels: matrix.rowLabels, lines: new Int32Array(matrix.rows).fill(1), cols: matrix.cols, values: matrix.values, observed: matrix.observed, duplicates: options.duplicates });
        matrix = { ...matrix, rows: axis.rows, values: axis.values, observed: axis.observed, rowLabels: axis.rowLabels, times: axis.times };
        notes.push(...axis.notes);
      }
      notes.push(...describeShape(shape, matrix.rows, matrix.cols));
      const result: ReadResult = { matrix, format, delimiter: table.delimiter, indexName: table.indexName, notes, shape, head: table.head, transposed: orientation.transpose, rowLabelColumn: table.hasRowLabels };
      if (orientation.transpose) return result;
      if (options.locations) {
        const locations: SensorLocation[] = await readLocations(options.locations);
        const report = joinLocations(table, locations, options.h3Resolution ?? DEFAULT_H3_RESOLUTION, options.locations.name);
        notes.push(`${report.matched} of ${table.cols} columns placed on H3 cells (resolution ${table.h3Resolution})`);
        if (report.unmatchedColumns.length > 0) {
          notes.push(`no location for ${report.unmatchedColumns.length} column(s): ${report.unmatchedColumns.slice(0, 5).join(', ')}${report.unmatchedColumns.length > 5 ? ', …' : ''}`);
        }
      }
      return result;
    }
  }
}

/** Shortest text that reads back as the same double. */
export function formatNumber(v: number): string {
  return Number.isNaN(v) ? '' : String(v);
}

function quoteField(text: string, delimiter: string): string {
  return /["\r\n]/.test(text) || text.includes(delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
}

export interface WriteLayout {
  delimiter?: Delimiter;
  indexName?: string;
  /** Write no row-label column (the input had none). */
  noIndex?: boolean;
  /** The matrix is its file read transposed: write it back in the file's own orientation. */
  transposed?: boolean;
}

/** A wide table as delimited text, in chunks of rows; missing entries are left blank. */
export function* writeDelimited(matrix: MaskedMatrix, options: WriteLayout = {}): Generator<string> {
  const m = options.transposed ? transposeMatrix(matrix) : matrix;
  const d = options.delimiter ?? ',';
  const index = options.noIndex ? [] : [options.indexName ?? (m.times ? 'time' : 'index')];
  const header = [...index, ...m.colIds].map((f) => quoteField(f, d));
  let chunk = header.join(d) + '\n';
  for (let i = 0; i < m.rows; i++) {
    const parts: string[] = options.noIndex ? [] : [quoteField(m.rowLabels[i], d)];
    const o = i * m.cols;
    for (let j = 0; j < m.cols; j++) parts.push(m.observed[o + j] ? formatNumber(m.values[o + j]) : '');
    chunk += parts.join(d) + '\n';
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Writes a matrix in the given format (as text chunks or bytes). */
export function serializeMatrix(m: MaskedMatrix, format: MatrixFormat, options: WriteLayout = {}): Iterable<string | Uint8Array> {
  // Where a number is promised, never write Infinity or NaN: refuse before a byte is written.
  const bad = firstNonFinite(m);
  if (bad) {
    throw new Error(`the result has ${m.values[bad[0] * m.cols + bad[1]]} at row ${bad[0] + 1} (${m.rowLabels[bad[0]]}), column ${bad[1] + 1} (${m.colIds[bad[1]]}); nothing was written`);
  }
  switch (format) {
    case 'mtx':
      return writeMatrixMarket(options.transposed ? transposeMatrix(m) : m);
    case 'npy':
      return [writeNpy(options.transposed ? transposeMatrix(m) : m)];
    case 'wide':
    case 'long':
      return writeDelimited(m, options);
  }
}

/** `<dir>/<name>.imputed.<ext>`: the default output path, beside the input. */
export function imputedPath(input: string, format: MatrixFormat): string {
  const ext = extensionOf(input);
  const stem = ext ? input.slice(0, -ext.length) : input;
  const outExt = format === 'long' && ext !== '.csv' && ext !== '.tsv' ? '.csv' : ext || '.csv';
  return `${stem}.imputed${outExt}`;
}

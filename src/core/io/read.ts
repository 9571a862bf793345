// One entry point for reading any matrix file Lacuna supports, and for writing a matrix back
// in the input's own format.
import type { MaskedMatrix } from '../matrix/masked';
import { firstNonFinite } from '../matrix/stats';
import { readDelimited, readFirstLine, detectDelimiter, type Delimiter } from './delimited';
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
import type { DuplicatePolicy } from './timeAxis';

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
}

export interface ReadResult {
  matrix: MaskedMatrix;
  format: MatrixFormat;
  /** For text formats: the delimiter, so the output can use the same. */
  delimiter?: Delimiter;
  /** For wide tables: the header's first cell. */
  indexName?: string;
  /** Notes for the user (e.g. columns without a location). */
  notes: string[];
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
  switch (format) {
    case 'mtx':
      return { matrix: await readMatrixMarket(source, { unlisted: options.unlisted }), format, notes };
    case 'npy':
      return { matrix: await readNpy(source), format, notes };
    case 'long': {
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
      const table = await readWideTable(source, { delimiter, duplicates: options.duplicates });
      notes.push(...table.notes);
      if (options.locations) {
        const locations: SensorLocation[] = await readLocations(options.locations);
        const report = joinLocations(table, locations, options.h3Resolution ?? DEFAULT_H3_RESOLUTION, options.locations.name);
        notes.push(`${report.matched} of ${table.cols} columns placed on H3 cells (resolution ${table.h3Resolution})`);
        if (report.unmatchedColumns.length > 0) {
          notes.push(`no location for ${report.unmatchedColumns.length} column(s): ${report.unmatchedColumns.slice(0, 5).join(', ')}${report.unmatchedColumns.length > 5 ? ', …' : ''}`);
        }
      }
      return { matrix: table, format, delimiter: table.delimiter, indexName: table.indexName, notes };
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

/** A wide table as delimited text, in chunks of rows; missing entries are left blank. */
export function* writeDelimited(m: MaskedMatrix, options: { delimiter?: Delimiter; indexName?: string } = {}): Generator<string> {
  const d = options.delimiter ?? ',';
  const header = [options.indexName ?? (m.times ? 'time' : 'index'), ...m.colIds].map((f) => quoteField(f, d));
  let chunk = header.join(d) + '\n';
  for (let i = 0; i < m.rows; i++) {
    const parts: string[] = [quoteField(m.rowLabels[i], d)];
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
export function serializeMatrix(m: MaskedMatrix, format: MatrixFormat, options: { delimiter?: Delimiter; indexName?: string } = {}): Iterable<string | Uint8Array> {
  // Where a number is promised, never write Infinity or NaN: refuse before a byte is written.
  const bad = firstNonFinite(m);
  if (bad) {
    throw new Error(`the result has ${m.values[bad[0] * m.cols + bad[1]]} at row ${bad[0] + 1} (${m.rowLabels[bad[0]]}), column ${bad[1] + 1} (${m.colIds[bad[1]]}); nothing was written`);
  }
  switch (format) {
    case 'mtx':
      return writeMatrixMarket(m);
    case 'npy':
      return [writeNpy(m)];
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

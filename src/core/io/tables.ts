// Readers for tables of text: wide (time x columns), long (lat, lng, time, value rows,
// partitioned into time bins x H3 cells), and sensor locations.
import { DEFAULT_H3_RESOLUTION, cellCenter, placeOf } from '../geo/h3';
import type { MaskedMatrix, Place } from '../matrix/masked';
import { CELL_EXPECTED, parseCell, parseNumericLine, parseTimestamp, plainLineOf, readDelimited, readDelimitedBatches, type Delimiter, type DelimitedRecord } from './delimited';
import { ParseError, quoteFound } from './errors';
import type { ByteSource } from './source';
import { guardMemory, maskedMatrixBytes, MAX_ARRAY_ELEMENTS, niceDuration } from '../guard';
import { checkTimeAxis, type DuplicatePolicy } from './timeAxis';
import { inferColumns, INFER_ROWS, PREVIEW_ROWS, type ColumnShape, type ShapeChoice } from './shape';

/**
 * Row-major storage that grows in fixed blocks, so a streamed table never needs its row count
 * up front and never copies what it already holds; `finish` joins the blocks once.
 */
class RowBuffer {
  private blocks: { values: Float64Array; observed: Uint8Array }[] = [];
  private readonly rowsPerBlock: number;
  values!: Float64Array;
  observed!: Uint8Array;
  rows = 0;
  constructor(readonly cols: number) {
    this.rowsPerBlock = Math.max(1, Math.floor((1 << 20) / Math.max(1, cols)));
  }
  /** Offset of a fresh row within the current block (`values` and `observed`). */
  addRow(): number {
    const inBlock = this.rows % this.rowsPerBlock;
    if (inBlock === 0) {
      const block = { values: new Float64Array(this.rowsPerBlock * this.cols), observed: new Uint8Array(this.rowsPerBlock * this.cols) };
      this.blocks.push(block);
      this.values = block.values;
      this.observed = block.observed;
    }
    this.rows++;
    return inBlock * this.cols;
  }
  /** Takes back the row just added at `offset` (cleared, so that it can be added again). */
  removeRow(offset: number): void {
    this.rows--;
    if (offset === 0) {
      // The row had opened a block: drop it, so that the next row opens it again.
      this.blocks.pop();
      const last = this.blocks[this.blocks.length - 1];
      if (last) {
        this.values = last.values;
        this.observed = last.observed;
      }
      return;
    }
    this.values.fill(0, offset, offset + this.cols);
    this.observed.fill(0, offset, offset + this.cols);
  }
  finish(): { values: Float64Array; observed: Uint8Array } {
    const n = this.rows * this.cols;
    const values = new Float64Array(n);
    const observed = new Uint8Array(n);
    let at = 0;
    for (const block of this.blocks) {
      const take = Math.min(block.values.length, n - at);
      values.set(block.values.subarray(0, take), at);
      observed.set(block.observed.subarray(0, take), at);
      at += take;
    }
    this.blocks = [];
    return { values, observed };
  }
}

export interface WideTableOptions {
  delimiter?: Delimiter;
  /** 'auto' (default): a first row that is all numbers is data, not a header. */
  header?: 'auto' | 'yes' | 'no';
  /** Rows with the same timestamp: an error (default), or merged by mean, sum or the first. */
  duplicates?: DuplicatePolicy;
  /** The label and value columns, when the caller sets them (otherwise inferred, see shape.ts). */
  columns?: Pick<ShapeChoice, 'labelColumns' | 'valueColumns'>;
}

export interface WideTable extends MaskedMatrix {
  delimiter: Delimiter;
  /** The row-label column's header (e.g. "datetime"), or '' when there is none or no header. */
  indexName: string;
  /** What the reader did to the time axis (rows sorted, duplicates merged, irregular steps). */
  notes: string[];
  /** Which columns are labels, values or left out, and why. */
  columns: ColumnShape;
  /** The first rows as text (up to PREVIEW_ROWS), every column, for the data preview. */
  head: string[][];
  /** Whether the rows have a label column (an output then writes it back; otherwise none). */
  hasRowLabels: boolean;
}

function isNumeric(text: string): boolean {
  const v = parseCell(text);
  return v !== undefined && !Number.isNaN(v);
}

/**
 * Reads a wide table: label columns (a timestamp, an index, names) and value columns, as
 * inferred from the header and the first rows (shape.ts: inferColumns) or set by the caller.
 * The first label column labels the rows; with none, rows are numbered. Blank, NA, NaN and null
 * are missing; 0 is an observed zero.
 */
export async function readWideTable(source: ByteSource, options: WideTableOptions = {}): Promise<WideTable> {
  let colIds: string[] | null = null;
  let header: string[] | null = null;
  let buffer: RowBuffer | null = null;
  let width = 0;
  const rowLabels: string[] = [];
  // The line of each row, for errors found once the whole time column is known.
  let rowLines = new Int32Array(1024);
  let rowColumns = new Int32Array(1024);
  let delimiter: Delimiter = ',';
  let first = true;
  let columns: ColumnShape | null = null;
  let labelAt = -1;
  let valueAt: Int32Array = new Int32Array(0);
  let fastPath = false;
  const pending: DelimitedRecord[] = [];
  const head: string[][] = [];

  const checkWidth = (rec: DelimitedRecord) => {
    if (rec.fields.length !== width) {
      const at = rec.fields.length > width ? rec.columnOf(width) : rec.endColumn;
      const line = rec.fields.length > width ? rec.lineOf(width) : rec.endLine;
      throw new ParseError(source.name, line, at, `${width} fields, as in the ${header ? 'header' : 'first row'}`, `${rec.fields.length} fields`);
    }
  };

  const growLines = () => {
    if (rowLabels.length === rowLines.length) {
      const grown = new Int32Array(rowLines.length * 2);
      grown.set(rowLines);
      rowLines = grown;
      const grownColumns = new Int32Array(rowColumns.length * 2);
      grownColumns.set(rowColumns);
      rowColumns = grownColumns;
    }
  };

  const addDataRow = (rec: DelimitedRecord) => {
    // The hot path, for the usual shape (labels in the first column, every other column a
    // value): a quote-free line's cells are parsed from its text without splitting it.
    if (fastPath) {
      const text = plainLineOf(rec);
      if (text !== null) {
        const offset = buffer!.addRow();
        const label = parseNumericLine(text, delimiter, width, buffer!.values, buffer!.observed, offset);
        if (label !== null) {
          growLines();
          rowLines[rowLabels.length] = rec.lineOf(0);
          rowColumns[rowLabels.length] = 1;
          rowLabels.push(label.trim());
          return;
        }
        // A bad line: undo the row, and let the field-by-field path below name the error.
        buffer!.removeRow(offset);
      }
    }
    checkWidth(rec);
    growLines();
    rowLines[rowLabels.length] = rec.lineOf(Math.max(0, labelAt));
    rowColumns[rowLabels.length] = rec.columnOf(Math.max(0, labelAt));
    // Whether the label column holds timestamps is decided once all rows are read.
    rowLabels.push(labelAt >= 0 ? rec.fields[labelAt].trim() : String(rowLabels.length + 1));
    const offset = buffer!.addRow();
    for (let k = 0; k < valueAt.length; k++) {
      const j = valueAt[k];
      const v = parseCell(rec.fields[j]);
      if (v === undefined) {
        const hint = header ? ` (or choose ${quoteFound(header[j])} as a label column)` : '';
        throw new ParseError(source.name, rec.lineOf(j), rec.columnOf(j), CELL_EXPECTED + hint, quoteFound(rec.fields[j].trim()));
      }
      if (!Number.isNaN(v)) {
        buffer!.values[offset + k] = v;
        buffer!.observed[offset + k] = 1;
      }
    }
  };

  /** Decides the columns from the header and the first rows, then reads the rows held back. */
  const decide = () => {
    let shape: ColumnShape;
    try {
      shape = inferColumns(header, pending.map((r) => r.fields), options.columns);
    } catch (err) {
      throw new ParseError(source.name, 1, 1, 'the columns given to exist', (err as Error).message);
    }
    if (shape.valueColumns.length === 0) {
      throw new ParseError(source.name, 1, 1, 'at least one column of numbers (choose the value columns)', `only label columns: ${shape.labelReason}`);
    }
    columns = shape;
    labelAt = shape.labelColumns.length ? shape.labelColumns[0] : -1;
    valueAt = Int32Array.from(shape.valueColumns);
    fastPath = labelAt === 0 && valueAt.length === width - 1;
    colIds = header ? shape.valueColumns.map((j) => shape.names[j]) : shape.valueColumns.map((_, k) => String(k + 1));
    buffer = new RowBuffer(valueAt.length);
    for (const rec of pending) addDataRow(rec);
    pending.length = 0;
  };

  for await (const batch of readDelimitedBatches(source, { delimiter: options.delimiter })) for (const rec of batch) {
    if (first) {
      first = false;
      delimiter = rec.delimiter;
      width = rec.fields.length;
      if (width < 2) {
        throw new ParseError(source.name, rec.endLine, rec.endColumn, `at least 2 fields separated by ${describeDelimiter(delimiter)} (one column is not a matrix)`, `${width} field`);
      }
      const headerless = options.header === 'no' || (options.header !== 'yes' && rec.fields.every(isNumeric));
      if (!headerless) {
        header = rec.fields.map((f) => f.trim());
        const seen = new Map<string, number>();
        header.forEach((id, j) => {
          if (id === '' && j > 0) throw new ParseError(source.name, rec.lineOf(j), rec.columnOf(j), 'a column id in the header', 'an empty field');
          const prior = seen.get(id);
          if (prior !== undefined) {
            throw new ParseError(source.name, rec.lineOf(j), rec.columnOf(j), `unique column ids (${quoteFound(id)} is already column ${prior + 1})`, `a duplicate ${quoteFound(id)}`);
          }
          seen.set(id, j);
        });
        continue;
      }
    }
    if (columns !== null && head.length >= PREVIEW_ROWS) {
      addDataRow(rec);
      continue;
    }
    checkWidth(rec);
    if (head.length < PREVIEW_ROWS) head.push(rec.fields.map((f) => f.trim()));
    if (columns === null) {
      pending.push(rec);
      if (pending.length >= INFER_ROWS) decide();
      continue;
    }
    addDataRow(rec);
  }
  if (first) throw new ParseError(source.name, 1, 1, 'a header row and data rows', 'an empty file');
  if (columns === null && pending.length === 0) throw new ParseError(source.name, 2, 1, 'at least one data row after the header', 'the end of the file');
  if (columns === null) decide();
  const shape = columns as unknown as ColumnShape;
  const finished = (buffer as unknown as RowBuffer).finish();
  const indexName = labelAt >= 0 && header ? header[labelAt] : '';
  const axis = checkTimeAxis({
    file: source.name,
    indexName,
    labels: rowLabels,
    lines: rowLines,
    cols: valueAt.length,
    values: finished.values,
    observed: finished.observed,
    duplicates: options.duplicates,
    columns: rowColumns,
  });
  shape.timeColumn = axis.times ? labelAt : null;
  return {
    rows: axis.rows,
    cols: valueAt.length,
    values: axis.values,
    observed: axis.observed,
    rowLabels: axis.rowLabels,
    times: axis.times,
    colIds: colIds!,
    places: null,
    delimiter,
    indexName,
    notes: axis.notes,
    columns: shape,
    head,
    hasRowLabels: labelAt >= 0,
  };
}

function describeDelimiter(d: Delimiter): string {
  return d === '\t' ? 'tabs' : d === ';' ? 'semicolons' : 'commas';
}

// ---------------------------------------------------------------------------------------------
// Long tables

export type Aggregation = 'sum' | 'mean';

export interface LongTableOptions {
  delimiter?: Delimiter;
  /** H3 resolution, 0..15. */
  h3Resolution?: number;
  /** Time-bin width in milliseconds. */
  timeBinMs?: number;
  aggregate?: Aggregation;
  /** What an empty (time bin, cell) holds: missing (default) or an observed zero. */
  emptyBins?: 'missing' | 'zero';
}

export const DEFAULT_TIME_BIN_MS = 15 * 60_000;

const LAT_NAMES = ['lat', 'latitude', 'y_lat'];
const LNG_NAMES = ['lng', 'lon', 'long', 'longitude', 'x_lng'];
const TIME_NAMES = ['timestamp', 'time', 'datetime', 'date', 'ts'];
const VALUE_NAMES = ['value', 'count', 'val', 'flow', 'measurement', 'y'];
const SENSOR_NAMES = ['sensor_id', 'sensor', 'id', 'station', 'station_id'];

function findColumn(header: string[], names: string[]): number {
  const lower = header.map((h) => h.trim().toLowerCase());
  for (const name of names) {
    const j = lower.indexOf(name);
    if (j >= 0) return j;
  }
  return -1;
}

/** Whether a header row names latitude and longitude columns (a sensor-locations file, or a long table). */
export function hasLatLngHeader(fields: string[]): boolean {
  return findColumn(fields, LAT_NAMES) >= 0 && findColumn(fields, LNG_NAMES) >= 0;
}

/** Whether a header row names the columns of a long table (lat, lng, time, value). */
export function isLongTableHeader(fields: string[]): boolean {
  return findColumn(fields, LAT_NAMES) >= 0 && findColumn(fields, LNG_NAMES) >= 0 && findColumn(fields, TIME_NAMES) >= 0 && findColumn(fields, VALUE_NAMES) >= 0;
}

/** Parses a width like `15m`, `1h`, `30s`, `1d`, `1h30m`, or a plain number of minutes. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60_000;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  const re = /(\d+(?:\.\d+)?)(ms|min|s|m|h|d|w)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]];
    consumed = re.lastIndex;
  }
  if (consumed !== t.length || total <= 0) throw new Error(`expected a duration such as 15m, 1h or 1d, found ${quoteFound(text)}`);
  return total;
}

export interface LongTable extends MaskedMatrix {
  /** Time-bin width (ms) and the start of the first bin (epoch ms). */
  timeBinMs: number;
  aggregate: Aggregation;
  /** Distinct sensor ids seen per column, when the file has a sensor column. */
  sensorsPerColumn: number[] | null;
  /** Number of input rows that were read. */
  records: number;
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.000Z$/, '').replace(/Z$/, '');
}

/**
 * Reads rows of latitude, longitude, timestamp, value (and an optional sensor id), and
 * partitions them into a matrix of time bins x H3 cells.
 */
export async function readLongTable(source: ByteSource, options: LongTableOptions = {}): Promise<LongTable> {
  const resolution = options.h3Resolution ?? DEFAULT_H3_RESOLUTION;
  if (!Number.isInteger(resolution) || resolution < 0 || resolution > 15) throw new Error(`expected an H3 resolution from 0 to 15, found ${resolution}`);
  const binMs = options.timeBinMs ?? DEFAULT_TIME_BIN_MS;
  if (!(binMs > 0)) throw new Error(`expected a positive time-bin width, found ${binMs}`);
  const aggregate = options.aggregate ?? 'mean';

  let latCol = -1;
  let lngCol = -1;
  let timeCol = -1;
  let valueCol = -1;
  let sensorCol = -1;
  let width = 0;
  let first = true;
  let records = 0;

  const cellIndex = new Map<string, number>();
  const cells: string[] = [];
  const sensorSets: Set<string>[] = [];
  // Accumulators per (bin, cell), keyed by bin * 2^21 + cell (bins count from the epoch).
  const slot = new Map<number, number>();
  let sums = new Float64Array(1024);
  let counts = new Float64Array(1024);
  let minBin = Infinity;
  let maxBin = -Infinity;

  for await (const rec of readDelimited(source, { delimiter: options.delimiter })) {
    if (first) {
      first = false;
      width = rec.fields.length;
      latCol = findColumn(rec.fields, LAT_NAMES);
      lngCol = findColumn(rec.fields, LNG_NAMES);
      timeCol = findColumn(rec.fields, TIME_NAMES);
      valueCol = findColumn(rec.fields, VALUE_NAMES);
      sensorCol = findColumn(rec.fields, SENSOR_NAMES);
      if (latCol < 0 || lngCol < 0 || timeCol < 0 || valueCol < 0) {
        throw new ParseError(source.name, 1, 1, 'a header naming latitude, longitude, timestamp and value columns', quoteFound(rec.fields.join(rec.delimiter), 80));
      }
      continue;
    }
    if (rec.fields.length !== width) {
      const line = rec.fields.length > width ? rec.lineOf(width) : rec.endLine;
      const at = rec.fields.length > width ? rec.columnOf(width) : rec.endColumn;
      throw new ParseError(source.name, line, at, `${width} fields, as in the header`, `${rec.fields.length} fields`);
    }
    records++;
    const lat = parseCell(rec.fields[latCol]);
    if (lat === undefined || Number.isNaN(lat) || lat < -90 || lat > 90) {
      throw new ParseError(source.name, rec.lineOf(latCol), rec.columnOf(latCol), 'a latitude between -90 and 90', quoteFound(rec.fields[latCol].trim()));
    }
    const lng = parseCell(rec.fields[lngCol]);
    if (lng === undefined || Number.isNaN(lng) || lng < -180 || lng > 180) {
      throw new ParseError(source.name, rec.lineOf(lngCol), rec.columnOf(lngCol), 'a longitude between -180 and 180', quoteFound(rec.fields[lngCol].trim()));
    }
    const t = parseTimestamp(rec.fields[timeCol]);
    if (Number.isNaN(t)) {
      throw new ParseError(source.name, rec.lineOf(timeCol), rec.columnOf(timeCol), 'a timestamp such as 2024-04-01T08:15:00', quoteFound(rec.fields[timeCol].trim()));
    }
    const value = parseCell(rec.fields[valueCol]);
    if (value === undefined) {
      throw new ParseError(source.name, rec.lineOf(valueCol), rec.columnOf(valueCol), CELL_EXPECTED, quoteFound(rec.fields[valueCol].trim()));
    }
    const cell = placeOf(lat, lng, resolution).cell;
    let c = cellIndex.get(cell);
    if (c === undefined) {
      c = cells.length;
      if (c >= 1 << 21) throw new ParseError(source.name, rec.lineOf(latCol), rec.columnOf(latCol), `at most ${1 << 21} distinct H3 cells (use a coarser --h3-res)`, 'more');
      cellIndex.set(cell, c);
      cells.push(cell);
      sensorSets.push(new Set());
    }
    if (sensorCol >= 0) sensorSets[c].add(rec.fields[sensorCol].trim());
    const bin = Math.floor(t / binMs);
    if (bin < minBin) minBin = bin;
    if (bin > maxBin) maxBin = bin;
    if (Number.isNaN(value)) continue; // a missing reading: the bin exists but gains nothing
    const key = bin * 2097152 + c;
    let s = slot.get(key);
    if (s === undefined) {
      s = slot.size;
      if (s >= sums.length) {
        const grown = new Float64Array(sums.length * 2);
        grown.set(sums);
        sums = grown;
        const grownCounts = new Float64Array(counts.length * 2);
        grownCounts.set(counts);
        counts = grownCounts;
      }
      slot.set(key, s);
    }
    const seen = ++counts[s];
    if (aggregate === 'sum') {
      sums[s] += value;
      if (!Number.isFinite(sums[s])) {
        throw new ParseError(source.name, rec.lineOf(valueCol), rec.columnOf(valueCol), 'readings whose sum per time bin and cell fits in a double (use --aggregate mean)', `a sum past ±1.8e308 with ${quoteFound(rec.fields[valueCol].trim())}`);
      }
    } else sums[s] += value / seen - sums[s] / seen; // a running mean: it cannot overflow
  }
  if (first) throw new ParseError(source.name, 1, 1, 'a header naming latitude, longitude, timestamp and value columns', 'an empty file');
  if (records === 0) throw new ParseError(source.name, 2, 1, 'at least one data row after the header', 'the end of the file');

  const rows = maxBin - minBin + 1;
  const nCells = cells.length;
  // Sized before allocating: a narrow bin over a long span asks for billions of cells.
  guardMemory({
    what: `the partition into ${rows} time bins × ${nCells} H3 cells (${records} readings, a bin of ${binMs} ms)`,
    bytes: maskedMatrixBytes(rows, nCells) + rows * 48,
    largestArray: rows * nCells,
    suggest: (budget) => {
      // Room for the imputation's working copies too, not only the matrix.
      const maxRows = Math.max(1, Math.floor(Math.min(budget / (nCells * 9 * 6 + 64), MAX_ARRAY_ELEMENTS / nCells)));
      return `use --time-bin ${niceDuration((rows * binMs) / maxRows)} or wider, or a coarser --h3-res`;
    },
  });
  // Columns in a stable order: by cell id.
  const order = cells.map((_, i) => i).sort((a, b) => (cells[a] < cells[b] ? -1 : cells[a] > cells[b] ? 1 : 0));
  const colOf = new Int32Array(cells.length);
  order.forEach((c, j) => (colOf[c] = j));
  const cols = cells.length;
  const values = new Float64Array(rows * cols);
  const observed = new Uint8Array(rows * cols);
  if (options.emptyBins === 'zero') observed.fill(1);
  for (const [key, s] of slot) {
    const bin = Math.floor(key / 2097152);
    const c = key - bin * 2097152;
    const idx = (bin - minBin) * cols + colOf[c];
    values[idx] = sums[s];
    observed[idx] = 1;
  }
  const times = new Float64Array(rows);
  const rowLabels: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    times[i] = (minBin + i) * binMs;
    rowLabels[i] = formatTime(times[i]);
  }
  const places: Place[] = order.map((c) => ({ ...cellCenter(cells[c]), cell: cells[c] }));
  return {
    rows,
    cols,
    values,
    observed,
    rowLabels,
    times,
    colIds: order.map((c) => cells[c]),
    places,
    h3Resolution: resolution,
    timeBinMs: binMs,
    aggregate,
    sensorsPerColumn: sensorCol >= 0 ? order.map((c) => sensorSets[c].size) : null,
    records,
  };
}

// ---------------------------------------------------------------------------------------------
// Sensor locations

export interface SensorLocation {
  id: string;
  lat: number;
  lng: number;
}

/** Reads `sensor_id, latitude, longitude` rows (a header naming them is optional). */
export async function readLocations(source: ByteSource): Promise<SensorLocation[]> {
  const out: SensorLocation[] = [];
  let idCol = 0;
  let latCol = 1;
  let lngCol = 2;
  let width = 0;
  let first = true;
  const seen = new Map<string, number>();
  for await (const rec of readDelimited(source)) {
    if (first) {
      first = false;
      width = rec.fields.length;
      if (width < 3) {
        throw new ParseError(source.name, rec.endLine, rec.endColumn, 'at least 3 fields: sensor_id, latitude, longitude', `${width} field${width === 1 ? '' : 's'}`);
      }
      const lat = findColumn(rec.fields, LAT_NAMES);
      const lng = findColumn(rec.fields, LNG_NAMES);
      if (lat >= 0 && lng >= 0) {
        latCol = lat;
        lngCol = lng;
        const id = findColumn(rec.fields, SENSOR_NAMES);
        idCol = id >= 0 ? id : [0, 1, 2].find((j) => j !== lat && j !== lng)!;
        continue;
      }
      if (!isNumeric(rec.fields[1]) || !isNumeric(rec.fields[2])) {
        throw new ParseError(source.name, 1, 1, 'a header naming sensor_id, latitude and longitude, or rows of them', quoteFound(rec.fields.join(rec.delimiter), 80));
      }
    }
    if (rec.fields.length !== width) {
      const line = rec.fields.length > width ? rec.lineOf(width) : rec.endLine;
      const at = rec.fields.length > width ? rec.columnOf(width) : rec.endColumn;
      throw new ParseError(source.name, line, at, `${width} fields, as in the first row`, `${rec.fields.length} fields`);
    }
    const id = rec.fields[idCol].trim();
    const lat = parseCell(rec.fields[latCol]);
    const lng = parseCell(rec.fields[lngCol]);
    if (lat === undefined || Number.isNaN(lat) || lat < -90 || lat > 90) {
      throw new ParseError(source.name, rec.lineOf(latCol), rec.columnOf(latCol), 'a latitude between -90 and 90', quoteFound(rec.fields[latCol].trim()));
    }
    if (lng === undefined || Number.isNaN(lng) || lng < -180 || lng > 180) {
      throw new ParseError(source.name, rec.lineOf(lngCol), rec.columnOf(lngCol), 'a longitude between -180 and 180', quoteFound(rec.fields[lngCol].trim()));
    }
    if (seen.has(id)) {
      throw new ParseError(source.name, rec.lineOf(idCol), rec.columnOf(idCol), `unique sensor ids (${quoteFound(id)} is already on line ${seen.get(id)})`, `a duplicate ${quoteFound(id)}`);
    }
    seen.set(id, rec.lineOf(idCol));
    out.push({ id, lat, lng });
  }
  if (out.length === 0) throw new ParseError(source.name, first ? 1 : 2, 1, 'at least one sensor location', first ? 'an empty file' : 'the end of the file');
  return out;
}

export interface JoinReport {
  matched: number;
  /** Column ids of the matrix with no location. */
  unmatchedColumns: string[];
}

/**
 * Gives each column of a wide table its place and H3 cell, by sensor id. Ids are matched
 * exactly, or else as numbers (so "1001" finds "001001"). Columns with no location keep a null.
 */
export function joinLocations(m: MaskedMatrix, locations: SensorLocation[], resolution = DEFAULT_H3_RESOLUTION, sourceName = 'locations'): JoinReport {
  const exact = new Map(locations.map((l) => [l.id, l]));
  const numeric = new Map<number, SensorLocation>();
  for (const l of locations) {
    const v = Number(l.id);
    if (l.id !== '' && Number.isFinite(v)) numeric.set(v, l);
  }
  const places: (Place | null)[] = [];
  const unmatchedColumns: string[] = [];
  let matched = 0;
  for (const id of m.colIds) {
    const v = Number(id);
    const loc = exact.get(id) ?? (id !== '' && Number.isFinite(v) ? numeric.get(v) : undefined);
    if (loc) {
      places.push(placeOf(loc.lat, loc.lng, resolution));
      matched++;
    } else {
      places.push(null);
      unmatchedColumns.push(id);
    }
  }
  if (matched === 0) {
    throw new Error(`none of the ${m.cols} column ids (${m.colIds.slice(0, 3).join(', ')}${m.cols > 3 ? ', …' : ''}) appear in ${sourceName}`);
  }
  m.places = places;
  m.h3Resolution = resolution;
  return { matched, unmatchedColumns };
}

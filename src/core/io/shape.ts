// The shape of a table, inferred from what it holds and never guessed silently: which columns
// are row labels (and why), which one is the time axis, which hold the values, and whether the
// axis (time, or positions such as wavelengths or bins) runs down the rows or along the columns.
// Every inference carries a reason a person can read, and each can be set by the caller (the
// CLI's flags, the data preview's controls). Pure: used by the readers, the CLI and the panels.
import type { MaskedMatrix } from '../matrix/masked';
import { parseCell, parseTimestamp } from './delimited';
import { quoteFound } from './errors';
import { isTimeHeader } from './timeAxis';

/** Columns: 0-based numbers, or text as a person writes it (parseColumnList: names, 1-based numbers, ranges, `none`). */
export type ColumnSpec = number[] | string;

/** What a caller may set; anything left out is inferred. */
export interface ShapeChoice {
  /** The columns that hold row labels (not values); [] or 'none' for none. */
  labelColumns?: ColumnSpec;
  /** The columns that hold the values; the others (not labels) are left out, and the notes say so. */
  valueColumns?: ColumnSpec;
  /** Whether each row is one observation (the file is read transposed), rather than each column. */
  transpose?: boolean;
}

/** What the table is read for: a factorisation's observations are histograms (one per column). */
export type ShapePurpose = 'impute' | 'factorize';

/** How many data rows the inference looks at (and the preview shows the first PREVIEW_ROWS of). */
export const INFER_ROWS = 200;
export const PREVIEW_ROWS = 50;

/** What the columns of a text table are, with the reasons. */
export interface ColumnShape {
  /** The column names: the header's, or 1-based numbers for a headerless file. */
  names: string[];
  hasHeader: boolean;
  /** The labels' columns; the first is the one whose text labels the rows (the time column if any). */
  labelColumns: number[];
  /** The column read as the time axis, when one is (decided on the whole column by the reader). */
  timeColumn: number | null;
  valueColumns: number[];
  /** Columns neither labels nor values: left out, and said so. */
  skipped: number[];
  /** Why the labels are what they are (one line). */
  labelReason: string;
  /** Whether the labels and values were set by the caller rather than inferred. */
  chosen: boolean;
}

/** The whole shape: the columns, and the orientation with its reason. */
export interface TableShape extends ColumnShape {
  transpose: boolean;
  orientationReason: string;
  orientationChosen: boolean;
  timeReason: string;
}

const INDEX_NAMES = /^(|#|i|idx|index|id|row|rows|no|n|num|number|position|pos|bin|bins|sample|samples|name|names|label|labels|key|unnamed: ?0|t|step|x_?index)$/i;

function isNumericText(text: string): boolean {
  const v = parseCell(text);
  return v !== undefined && !Number.isNaN(v);
}

function isMissingText(text: string): boolean {
  const v = parseCell(text);
  return v !== undefined && Number.isNaN(v);
}

/** Numbers that rise (or fall) strictly, at least two of them. */
function strictlyMonotonic(values: number[]): boolean {
  if (values.length < 2) return values.length === 1;
  const up = values[1] > values[0];
  for (let i = 1; i < values.length; i++) {
    if (up ? !(values[i] > values[i - 1]) : !(values[i] < values[i - 1])) return false;
  }
  return true;
}

/** 0, 1, 2, … or 1, 2, 3, …: a row number. */
function isRowNumbering(values: number[]): boolean {
  if (values.length === 0 || (values[0] !== 0 && values[0] !== 1)) return false;
  for (let i = 0; i < values.length; i++) if (values[i] !== values[0] + i) return false;
  return true;
}

interface ColumnFacts {
  numeric: number;
  text: number;
  missing: number;
  timestamps: number;
  numbers: number[];
  firstText: string;
}

function columnFacts(rows: string[][], j: number): ColumnFacts {
  const f: ColumnFacts = { numeric: 0, text: 0, missing: 0, timestamps: 0, numbers: [], firstText: '' };
  for (const row of rows) {
    const cell = (row[j] ?? '').trim();
    if (isMissingText(cell)) f.missing++;
    else if (isNumericText(cell)) {
      f.numeric++;
      f.numbers.push(Number(cell));
    } else {
      f.text++;
      if (!f.firstText) f.firstText = cell;
      if (!Number.isNaN(parseTimestamp(cell))) f.timestamps++;
    }
  }
  return f;
}

/** A column of mostly text (more text cells than numbers): labels, not values. */
function isTextColumn(f: ColumnFacts): boolean {
  return f.text > 0 && f.text >= f.numeric;
}

/**
 * Infers the columns of a text table from its header (null when it has none) and its first rows.
 * The first column is taken as labels only when its cells are text (names, timestamps) or it is
 * clearly an index: a row numbering (0, 1, 2, … or 1, 2, 3, …), or numbers that rise strictly
 * under a header that names an index, a position or the time. Every other column holds values
 * (further label columns are the caller's choice).
 */
export function inferColumns(header: string[] | null, rows: string[][], choice: ShapeChoice = {}): ColumnShape {
  const width = header ? header.length : Math.max(0, ...rows.map((r) => r.length));
  const names = header ? header.map((h) => h.trim()) : Array.from({ length: width }, (_, j) => String(j + 1));
  const facts = Array.from({ length: width }, (_, j) => columnFacts(rows, j));
  const chosen = choice.labelColumns !== undefined || choice.valueColumns !== undefined;
  const resolve = (spec: ColumnSpec | undefined): number[] | undefined => {
    if (spec === undefined) return undefined;
    if (typeof spec === 'string') return parseColumnList(spec, names);
    for (const j of spec) if (!Number.isInteger(j) || j < 0 || j >= width) throw new RangeError(`column ${j + 1} does not exist: the table has ${width} columns`);
    return [...new Set(spec)];
  };
  const chosenLabels = resolve(choice.labelColumns);
  const chosenValues = resolve(choice.valueColumns);
  let labelColumns: number[];
  const reasons: string[] = [];
  if (chosenLabels !== undefined) {
    labelColumns = chosenLabels;
    reasons.push(labelColumns.length ? `${listNames(names, labelColumns)} chosen as labels` : 'no label columns (chosen)');
  } else {
    labelColumns = [];
    const chosenValueSet = new Set(chosenValues ?? []);
    for (let j = 0; j < width; j++) {
      if (chosenValueSet.has(j)) continue;
      const f = facts[j];
      const name = quoteFound(names[j]);
      // Only the first column is taken as labels unasked: a column of text further right is a
      // mistake in the data as often as a name, so it stays a value column (its first text
      // cell is then an error naming it) unless the caller makes it a label column.
      if (j === 0 && isTextColumn(f)) {
        labelColumns.push(j);
        reasons.push(f.timestamps * 2 > f.text ? `${name} holds timestamps (${quoteFound(f.firstText)})` : `${name} holds text (${quoteFound(f.firstText)})`);
      } else if (j === 0 && f.numeric > 0 && isRowNumbering(f.numbers) && f.numeric === rows.length) {
        labelColumns.push(j);
        reasons.push(`${name} numbers the rows (${f.numbers[0]}, ${f.numbers[0] + 1}, …)`);
      } else if (j === 0 && header && (INDEX_NAMES.test(names[0]) || isTimeHeader(names[0])) && f.numeric === rows.length && strictlyMonotonic(f.numbers)) {
        labelColumns.push(j);
        reasons.push(`${name} names an index and its numbers rise steadily`);
      }
    }
    if (labelColumns.length === 0) {
      const f = facts[0];
      reasons.push(width > 0 && f ? `no label columns: the first column ${quoteFound(names[0])} holds numbers that are not an index, so it is data` : 'no label columns');
    }
  }
  // Sets, not Array.includes: a table may have hundreds of thousands of columns.
  const labelSet = new Set(labelColumns);
  let valueColumns: number[];
  if (chosenValues !== undefined) {
    valueColumns = chosenValues.filter((j) => !labelSet.has(j)).sort((a, b) => a - b);
  } else {
    valueColumns = [];
    for (let j = 0; j < width; j++) if (!labelSet.has(j)) valueColumns.push(j);
  }
  const valueSet = new Set(valueColumns);
  const skipped: number[] = [];
  for (let j = 0; j < width; j++) if (!labelSet.has(j) && !valueSet.has(j)) skipped.push(j);
  // The row labels: the time column if there is one, else the first label column.
  const timeFirst = labelColumns.find((j) => facts[j].timestamps * 2 > facts[j].text + facts[j].numeric || (header !== null && isTimeHeader(names[j]) && facts[j].timestamps > 0));
  if (timeFirst !== undefined) labelColumns = [timeFirst, ...labelColumns.filter((j) => j !== timeFirst)];
  return { names, hasHeader: header !== null, labelColumns, timeColumn: null, valueColumns, skipped, labelReason: reasons.join('; '), chosen };
}

export function listNames(names: string[], columns: number[], max = 4): string {
  const shown = columns.slice(0, max).map((j) => quoteFound(names[j]));
  return columns.length > max ? `${shown.join(', ')} and ${columns.length - max} more` : shown.join(', ');
}

/**
 * Whether the axis runs along the columns (so each row is one observation and the table is read
 * transposed). The evidence, in order: rows labelled by timestamps or positions keep the axis
 * down the rows; column headers that are timestamps, or numbers rising or falling steadily
 * (wavelengths, bin centres), put it along the columns; for a factorisation, rows named by text
 * (sample names) are observations, one per row (imputation has no such convention: a table of
 * named rows is kept as stored). With no evidence the table is kept as stored, one observation
 * per column. `rowLabels` are the labels the reader kept (the first label column).
 */
export function inferOrientation(
  shape: ColumnShape,
  rowLabels: string[],
  times: Float64Array | null,
  choice: ShapeChoice = {},
  purpose: ShapePurpose = 'impute',
): { transpose: boolean; reason: string; chosen: boolean } {
  if (choice.transpose !== undefined) {
    return { transpose: choice.transpose, chosen: true, reason: choice.transpose ? 'transposed (chosen): each row is one observation' : 'as stored (chosen): each column is one observation' };
  }
  const label = shape.labelColumns.length ? quoteFound(shape.names[shape.labelColumns[0]]) : '';
  if (times) return { transpose: false, chosen: false, reason: `the rows are times (column ${label}): each column is one series over time` };
  const valueNames = shape.hasHeader ? shape.valueColumns.map((j) => shape.names[j]) : [];
  const stamped = valueNames.filter((n) => !Number.isNaN(parseTimestamp(n))).length;
  if (valueNames.length >= 2 && stamped * 2 > valueNames.length) {
    return { transpose: true, chosen: false, reason: `the column headers are times (${quoteFound(valueNames[0])} …): each row is one series, read transposed` };
  }
  if (valueNames.length >= 3 && valueNames.every(isNumericText) && strictlyMonotonic(valueNames.map(Number)) && !isRowNumbering(valueNames.map(Number))) {
    return {
      transpose: true,
      chosen: false,
      reason: `the column headers are positions on an axis (${valueNames[0]} … ${valueNames[valueNames.length - 1]}): each row is one observation, read transposed`,
    };
  }
  if (shape.labelColumns.length > 0) {
    const labels = rowLabels.slice(0, INFER_ROWS);
    const numbers = labels.filter(isNumericText).map(Number);
    if (numbers.length === labels.length && strictlyMonotonic(numbers) && !isRowNumbering(numbers)) {
      return { transpose: false, chosen: false, reason: `the rows are positions on an axis (column ${label}: ${labels[0]} … ${labels[labels.length - 1]}): each column is one observation` };
    }
    if (purpose === 'factorize' && numbers.length * 2 < labels.length) {
      return { transpose: true, chosen: false, reason: `each row is named (column ${label}: ${quoteFound(labels[0])}, …): each row is one observation, read transposed` };
    }
  }
  return { transpose: false, chosen: false, reason: 'nothing in the labels says otherwise: as stored, each column is one observation' };
}

/** The matrix with rows and columns swapped; times come from the old column ids when they are timestamps. */
export function transposeMatrix(m: MaskedMatrix): MaskedMatrix {
  const values = new Float64Array(m.rows * m.cols);
  const observed = new Uint8Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) {
      values[j * m.rows + i] = m.values[i * m.cols + j];
      observed[j * m.rows + i] = m.observed[i * m.cols + j];
    }
  }
  return { rows: m.cols, cols: m.rows, values, observed, rowLabels: m.colIds.slice(), colIds: m.rowLabels.slice(), times: null, places: null };
}

/**
 * Reads a list of columns as a person writes it: names from the header, or 1-based numbers and
 * ranges (`2-10`), separated by commas; `none` is the empty list. Returns 0-based indices.
 */
export function parseColumnList(text: string, names: string[]): number[] {
  const t = text.trim();
  if (t.toLowerCase() === 'none' || t === '') return [];
  const out: number[] = [];
  for (const raw of t.split(',')) {
    const part = raw.trim();
    const byName = names.indexOf(part);
    if (byName >= 0) {
      out.push(byName);
      continue;
    }
    const range = /^(\d+)\s*-\s*(\d+)$/.exec(part);
    const one = /^\d+$/.test(part) ? Number(part) : NaN;
    const [a, b] = range ? [Number(range[1]), Number(range[2])] : [one, one];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 1 || b < a || b > names.length) {
      throw new RangeError(`expected column names or numbers 1-${names.length} (the table has ${names.length} columns: ${listNames(names, names.map((_, j) => j))}), found ${quoteFound(part)}`);
    }
    for (let j = a; j <= b; j++) out.push(j - 1);
  }
  return [...new Set(out)];
}

/** One line per inference, for the CLI's report and the preview's summary. */
export function describeShape(shape: TableShape, rows: number, cols: number): string[] {
  const lines: string[] = [];
  lines.push(`labels: ${shape.labelColumns.length ? listNames(shape.names, shape.labelColumns) : 'none'} (${shape.labelReason})`);
  lines.push(`time: ${shape.timeReason}`);
  lines.push(`values: ${shape.valueColumns.length} column${shape.valueColumns.length === 1 ? '' : 's'}${shape.skipped.length ? `; left out: ${listNames(shape.names, shape.skipped)}` : ''}`);
  lines.push(`orientation: ${shape.orientationReason} (${rows} × ${cols})`);
  if (shape.labelColumns.length > 1) {
    lines.push(`the rows are labelled by ${quoteFound(shape.names[shape.labelColumns[0]])}; the other label columns (${listNames(shape.names, shape.labelColumns.slice(1))}) are not values and are not written to outputs`);
  }
  return lines;
}

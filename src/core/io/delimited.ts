// A streaming reader for delimited text (CSV, TSV, `;`-separated). It decodes chunk by chunk
// and yields one record at a time, so a large file never sits in memory as one string.
// Handles a UTF-8 BOM, quoted fields (with "" escapes and embedded newlines), and CRLF.
import { ParseError, quoteFound } from './errors';
import type { ByteSource } from './source';
import { extensionOf } from './source';

export type Delimiter = ',' | '\t' | ';';

export interface DelimitedRecord {
  fields: string[];
  /** 1-based line on which field k starts. */
  lineOf(k: number): number;
  /** 1-based character column at which field k starts. */
  columnOf(k: number): number;
  /** 1-based line of the record's end (where a ragged-row error points). */
  endLine: number;
  /** 1-based column just past the record's last character. */
  endColumn: number;
  delimiter: Delimiter;
}

/**
 * A record on one line with no quotes: the fields are split from the line only when asked for
 * (a numeric reader parses `text` in place instead), and positions are derived from field
 * lengths on demand.
 */
class PlainRecord implements DelimitedRecord {
  private split: string[] | null = null;
  constructor(
    /** The record's line, without its line break. */
    readonly text: string,
    readonly endLine: number,
    readonly delimiter: Delimiter,
  ) {}
  get fields(): string[] {
    if (this.split === null) this.split = this.text.split(this.delimiter);
    return this.split;
  }
  get endColumn(): number {
    return this.text.length + 1;
  }
  lineOf(): number {
    return this.endLine;
  }
  columnOf(k: number): number {
    const fields = this.fields;
    let c = 1;
    for (let i = 0; i < k && i < fields.length; i++) c += fields[i].length + 1;
    return c;
  }
}

/** The text of a record that sits on one line with no quotes, or null for any other record. */
export function plainLineOf(record: DelimitedRecord): string | null {
  return record instanceof PlainRecord ? record.text : null;
}

/** A record with quoted fields, which may span lines: positions are recorded as parsed. */
class QuotedRecord implements DelimitedRecord {
  constructor(
    readonly fields: string[],
    private readonly lines: number[],
    private readonly columns: number[],
    readonly endLine: number,
    readonly endColumn: number,
    readonly delimiter: Delimiter,
  ) {}
  lineOf(k: number): number {
    return this.lines[k];
  }
  columnOf(k: number): number {
    return this.columns[k];
  }
}

const CANDIDATES: Delimiter[] = [',', '\t', ';'];

/** Counts each candidate delimiter outside quotes on a line, and picks the most frequent. */
export function detectDelimiter(firstLine: string, fileName = ''): Delimiter {
  const counts = new Map<Delimiter, number>(CANDIDATES.map((d) => [d, 0]));
  let inQuotes = false;
  for (const ch of firstLine) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (!inQuotes && counts.has(ch as Delimiter)) counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
  }
  let best: Delimiter = extensionOf(fileName) === '.tsv' ? '\t' : ',';
  let bestCount = counts.get(best)!;
  for (const d of CANDIDATES) {
    if (counts.get(d)! > bestCount) {
      best = d;
      bestCount = counts.get(d)!;
    }
  }
  return best;
}

/** Decodes a source's chunks to text pieces, stripping a leading BOM. */
async function* textChunks(source: ByteSource): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });
  for await (const chunk of source.chunks()) {
    const text = decoder.decode(chunk, { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/**
 * The longest line (or quoted record) the readers accept: 64 Mi characters. No real table
 * comes close, and it bounds what a file with no line breaks (or /dev/zero) can make us hold.
 */
export const MAX_LINE_CHARS = 64 * 1024 * 1024;

/** The first line of a text source (without reading further than needed). */
export async function readFirstLine(source: ByteSource, maxChars = 1 << 20): Promise<string> {
  let acc = '';
  for await (const text of textChunks(source)) {
    acc += text;
    const nl = acc.search(/\r|\n/);
    if (nl >= 0) return acc.slice(0, nl);
    if (acc.length > maxChars) break;
  }
  return acc;
}

/**
 * Yields the records of a delimited source. Blank lines are skipped. With no `delimiter`
 * given, it is detected from the first line.
 *
 * Most lines have no quotes: those are split natively, which is several times faster than a
 * character loop. A line with a quote goes through a small state machine that may read on
 * across line breaks inside quotes.
 */
export async function* readDelimited(source: ByteSource, options: { delimiter?: Delimiter; maxLineChars?: number } = {}): AsyncGenerator<DelimitedRecord> {
  for await (const batch of readDelimitedBatches(source, options)) yield* batch;
}

/**
 * The records of `readDelimited`, handed over in batches (those completed by each chunk of
 * text, about 1 MiB): a reader that walks millions of records saves an await per record.
 */
export async function* readDelimitedBatches(source: ByteSource, options: { delimiter?: Delimiter; maxLineChars?: number } = {}): AsyncGenerator<DelimitedRecord[]> {
  const delimiter = options.delimiter ?? detectDelimiter(await readFirstLine(source), source.name);
  const maxLine = options.maxLineChars ?? MAX_LINE_CHARS;
  let buf = '';
  let pos = 0;
  let line = 1;
  // The line break: '\n' (also ending CRLF lines), or a lone '\r' for old Mac files.
  let newline: '\n' | '\r' | null = null;
  let nextQuote = -1;

  function* drain(final: boolean): Generator<DelimitedRecord> {
    while (pos < buf.length) {
      if (newline === null) {
        const lf = buf.indexOf('\n', pos);
        const cr = buf.indexOf('\r', pos);
        if (cr >= 0 && (lf < 0 || cr < lf) && (cr + 1 < buf.length || final)) newline = buf[cr + 1] === '\n' ? '\n' : '\r';
        else if (lf >= 0) newline = '\n';
        else if (!final) return;
      }
      const nl = buf.indexOf(newline ?? '\n', pos);
      if (nl < 0 && !final) return; // an incomplete line: wait for more text
      let end = nl < 0 ? buf.length : nl;
      // The next quote in the buffer, searched again only once we pass it (searching per line
      // would rescan the rest of the buffer for every line of a quote-free file).
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf('"', pos);
      if (nextQuote < 0 || nextQuote >= end) {
        if (newline === '\n' && end > pos && buf.charCodeAt(end - 1) === 13) end--;
        if (end > pos) {
          const text = buf.slice(pos, end);
          yield new PlainRecord(text, line, delimiter);
        }
        pos = nl < 0 ? buf.length : nl + 1;
        line++;
        continue;
      }
      const parsed = parseQuotedRecord(buf, pos, line, delimiter, final, source.name);
      if (parsed === null) return; // a quoted field runs past the text we have
      pos = parsed.next;
      line = parsed.line;
      if (parsed.record) yield parsed.record;
    }
  }

  // The records the text so far completes. A parse error is handed on after the records
  // before it, so that a reader meets them (and their own errors) in file order.
  function take(final: boolean): { batch: DelimitedRecord[]; failed: boolean; error: unknown } {
    const batch: DelimitedRecord[] = [];
    try {
      for (const record of drain(final)) batch.push(record);
    } catch (error) {
      return { batch, failed: true, error };
    }
    return { batch, failed: false, error: null };
  }

  // Pieces with no line break are held apart until one comes: joining and rescanning the
  // buffer for each of them would make a long line (or /dev/zero) quadratic.
  let held: string[] = [];
  let heldLength = 0;
  const tooLong = (length: number) =>
    new ParseError(source.name, line, 1, `a line of at most ${maxLine} characters`, `a longer line (${length} characters and no line break yet)`);
  for await (const text of textChunks(source)) {
    if (text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
      held.push(text);
      heldLength += text.length;
      if (buf.length - pos + heldLength > maxLine) throw tooLong(buf.length - pos + heldLength);
      continue;
    }
    const rest = held.length ? held.join('') + text : text;
    held = [];
    heldLength = 0;
    buf = pos < buf.length ? buf.slice(pos) + rest : rest;
    pos = 0;
    nextQuote = buf.indexOf('"');
    const taken = take(false);
    if (taken.batch.length) yield taken.batch;
    if (taken.failed) throw taken.error;
    // What is left is one unfinished record: a line (or quoted field) with no end in sight.
    if (buf.length - pos > maxLine) throw tooLong(buf.length - pos);
  }
  if (held.length) {
    buf = (pos < buf.length ? buf.slice(pos) : '') + held.join('');
    pos = 0;
    nextQuote = buf.indexOf('"');
  }
  const taken = take(true);
  if (taken.batch.length) yield taken.batch;
  if (taken.failed) throw taken.error;
}

/**
 * Parses one record that contains a quote, from `start`. Returns null when the text ends before
 * the record does (more is coming), else the record and where the next one starts.
 */
function parseQuotedRecord(
  buf: string,
  start: number,
  startLine: number,
  delimiter: Delimiter,
  final: boolean,
  name: string,
): { record: DelimitedRecord | null; next: number; line: number } | null {
  const delimCode = delimiter.charCodeAt(0);
  const fields: string[] = [];
  const lines: number[] = [];
  const columns: number[] = [];
  let line = startLine;
  let col = 1;
  let field = '';
  let fieldLine = line;
  let fieldCol = 1;
  let quoted = false; // inside quotes
  let closed = false; // just left a quoted section
  let quoteLine = 0;
  let quoteCol = 0;
  let i = start;
  const n = buf.length;
  const finish = (next: number, nextLine: number) => {
    fields.push(field);
    lines.push(fieldLine);
    columns.push(fieldCol);
    return { record: new QuotedRecord(fields, lines, columns, line, col, delimiter), next, line: nextLine };
  };
  while (i < n) {
    const c = buf.charCodeAt(i);
    if (quoted) {
      if (c === 34) {
        if (i + 1 >= n && !final) return null; // cannot tell "" from " yet
        if (buf.charCodeAt(i + 1) === 34) {
          field += '"';
          i += 2;
          col += 2;
        } else {
          quoted = false;
          closed = true;
          i++;
          col++;
        }
        continue;
      }
      if (c === 10 || c === 13) {
        // A CRLF inside quotes is one line break.
        if (c === 13 && i + 1 < n && buf.charCodeAt(i + 1) === 10) {
          field += '\r\n';
          i += 2;
        } else {
          if (c === 13 && i + 1 >= n && !final) return null;
          field += buf[i];
          i++;
        }
        line++;
        col = 1;
        continue;
      }
      let j = i + 1;
      while (j < n) {
        const d = buf.charCodeAt(j);
        if (d === 34 || d === 10 || d === 13) break;
        j++;
      }
      field += buf.slice(i, j);
      col += j - i;
      i = j;
      continue;
    }
    if (c === delimCode) {
      fields.push(field);
      lines.push(fieldLine);
      columns.push(fieldCol);
      field = '';
      closed = false;
      i++;
      col++;
      fieldLine = line;
      fieldCol = col;
      continue;
    }
    if (c === 10 || c === 13) {
      const next = c === 13 && buf.charCodeAt(i + 1) === 10 ? i + 2 : i + 1;
      if (c === 13 && i + 1 >= n && !final) return null;
      return finish(next, line + 1);
    }
    if (c === 34) {
      if (field.trim() !== '' || closed) {
        throw new ParseError(name, line, col, closed ? 'a delimiter or the end of the line after a closing quote' : 'a quote only at the start of a field', closed ? quoteFound('"') : `a quote inside the unquoted field ${quoteFound(field)}`);
      }
      field = '';
      quoted = true;
      quoteLine = line;
      quoteCol = col;
      i++;
      col++;
      continue;
    }
    if (closed) {
      if (c === 32 || c === 9) {
        i++;
        col++;
        continue; // spaces after a closing quote are tolerated
      }
      throw new ParseError(name, line, col, 'a delimiter or the end of the line after a closing quote', quoteFound(buf[i]));
    }
    let j = i + 1;
    while (j < n) {
      const d = buf.charCodeAt(j);
      if (d === delimCode || d === 10 || d === 13 || d === 34) break;
      j++;
    }
    field += buf.slice(i, j);
    col += j - i;
    i = j;
  }
  if (!final) return null;
  if (quoted) throw new ParseError(name, quoteLine, quoteCol, 'a closing quote for the field opened here', 'the end of the file');
  return finish(n, line);
}

/** Markers that mean "missing" in a cell (compared case-insensitively, after trimming). */
const MISSING = new Set(['', 'na', 'nan', 'null', 'n/a', 'none']);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a cell: a finite number, or NaN for a missing marker; undefined when it is neither. */
export function parseCell(text: string): number | undefined {
  // Fast path: only digits, signs, dots, exponents and spaces. Number() then parses exactly
  // what the NUMBER pattern allows (it rejects "1.2.3", "e5", "1 2"), and is far cheaper than
  // trimming and matching a regex for each of millions of cells.
  let digit = false;
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digit = true;
    else if (c !== 46 && c !== 45 && c !== 43 && c !== 101 && c !== 69 && c !== 32 && c !== 9) {
      plain = false;
      break;
    }
  }
  if (plain && digit) {
    const v = Number(text);
    return Number.isFinite(v) ? v : undefined;
  }
  const t = text.trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** 10^k for k = 0..15, each exact in a double. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * Parses the cells of a quote-free line straight from its text, without splitting it: fields
 * 1..width−1 go to `values`/`observed` from `offset` (a missing cell is left unobserved), and
 * the first field (the row's label, untrimmed) is returned. Returns null, having written
 * nothing that matters, when the line does not have exactly `width` fields or a cell is
 * neither a number nor a missing marker: the caller then takes the field-by-field path, which
 * reports the error with its line and column.
 *
 * Every cell gets exactly the value `parseCell` gives it. A plain decimal (an optional sign,
 * at most 15 digits, an optional point) is read as an integer m and a count f of digits after
 * the point, and its value is m / 10^f: both are exact doubles (m < 2^53, f ≤ 15), so the
 * quotient is the correctly rounded value of the decimal, the same double `Number` returns.
 * Anything else (exponents, longer numbers, spaces, markers) is sliced and given to `parseCell`.
 */
export function parseNumericLine(
  text: string,
  delimiter: Delimiter,
  width: number,
  values: Float64Array,
  observed: Uint8Array,
  offset: number,
): string | null {
  const d = delimiter.charCodeAt(0);
  const n = text.length;
  let i = text.indexOf(delimiter);
  if (i < 0) return null;
  const label = text.slice(0, i);
  let j = 1;
  for (;;) {
    if (j >= width) return null; // more fields than the header
    const start = ++i;
    let c = i < n ? text.charCodeAt(i) : -1;
    let negative = false;
    if (c === 45 || c === 43) {
      negative = c === 45;
      i++;
    }
    let m = 0;
    let digits = 0;
    let fraction = 0;
    let point = false;
    for (; i < n; i++) {
      c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        m = m * 10 + (c - 48);
        digits++;
        if (point) fraction++;
      } else if (c === 46 && !point) point = true;
      else break;
    }
    let v: number;
    if (digits > 0 && digits <= 15 && (i >= n || c === d)) {
      v = m / POW10[fraction];
      if (negative) v = -v;
    } else {
      let end = text.indexOf(delimiter, start);
      if (end < 0) end = n;
      const cell = parseCell(text.slice(start, end));
      if (cell === undefined) return null;
      v = cell;
      i = end;
    }
    if (v === v) {
      values[offset + j - 1] = v;
      observed[offset + j - 1] = 1;
    }
    j++;
    if (i >= n) break;
  }
  return j === width ? label : null;
}

export const CELL_EXPECTED = 'a number or a missing marker (blank, NA, NaN, null)';

const TIMESTAMP =
  /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses a timestamp to epoch milliseconds: ISO 8601 and the common `YYYY/MM/DD HH:MM:SS`.
 * A timestamp without a zone is read as UTC, so its calendar fields (month, hour) stay the
 * wall-clock ones the file shows. Returns NaN when the text is not a timestamp.
 */
export function parseTimestamp(text: string): number {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const month = Number(mo);
  const day = Number(d);
  const hour = h ? Number(h) : 0;
  const minute = mi ? Number(mi) : 0;
  const second = s ? Number(s) : 0;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 24 || minute > 59 || second > 60) return NaN;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t = Date.UTC(Number(y), month - 1, day, hour, minute, second, ms);
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCDate() !== day) return NaN; // e.g. 2014-02-30
  if (zone && zone.toUpperCase() !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offset = Number(digits.slice(0, 2)) * 60 + (digits.length > 2 ? Number(digits.slice(2)) : 0);
    t -= sign * offset * 60_000;
  }
  return t;
}

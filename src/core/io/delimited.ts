// A streaming reader for delimited text (CSV, TSV, `;`-separated). It decodes chunk by chunk
// and yields one record at a time, so a large file never sits in memory as one string.
// Handles a UTF-8 BOM, quoted fields (with "" escapes and embedded newlines), and CRLF.
import { ParseError, quoteFound } from './errors';
import type { ByteSource } from './source';
import { extensionOf } from './source';

export type Delimiter = ',' | '\t' | ';';

export interface DelimitedRecord {
  fields: string[];
  /** 1-based line on which each field starts. */
  lines: number[];
  /** 1-based character column at which each field starts. */
  columns: number[];
  /** 1-based line of the record's end (where a ragged-row error points). */
  endLine: number;
  /** 1-based column just past the record's last character. */
  endColumn: number;
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
 */
export async function* readDelimited(
  source: ByteSource,
  options: { delimiter?: Delimiter } = {},
): AsyncGenerator<DelimitedRecord & { delimiter: Delimiter }> {
  const delimiter = options.delimiter ?? detectDelimiter(await readFirstLine(source), source.name);
  const delimCode = delimiter.charCodeAt(0);
  const QUOTE = 34;
  const CR = 13;
  const LF = 10;

  let line = 1;
  let col = 1;
  // The record being built.
  let fields: string[] = [];
  let lines: number[] = [];
  let columns: number[] = [];
  let field = '';
  let fieldStarted = false; // any character (or a delimiter) seen on this record
  let inQuotes = false;
  let quoteClosed = false; // just left a quoted section; only a delimiter or newline may follow
  let quoteLine = 0;
  let quoteCol = 0;
  let fieldLine = 1;
  let fieldCol = 1;
  let pendingCR = false;
  let quotedCR = false;

  const startField = () => {
    fieldLine = line;
    fieldCol = col;
  };
  const endField = () => {
    fields.push(field);
    lines.push(fieldLine);
    columns.push(fieldCol);
    field = '';
    quoteClosed = false;
  };

  for await (const text of textChunks(source)) {
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (pendingCR) {
        pendingCR = false;
        if (c === LF && !inQuotes) {
          i++;
          continue; // the LF of a CRLF that already ended the record
        }
      }
      if (inQuotes) {
        if (c === QUOTE) {
          quotedCR = false;
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === QUOTE) {
              field += '"';
              i += 2;
              col += 2;
              continue;
            }
            inQuotes = false;
            quoteClosed = true;
            i++;
            col++;
            continue;
          }
          // The quote is the chunk's last character: we cannot tell "" from " yet. Defer by
          // closing, and reopen if the next chunk starts with a quote.
          inQuotes = false;
          quoteClosed = true;
          i++;
          col++;
          continue;
        }
        if (c === LF || c === CR) {
          // A CRLF inside quotes is one line break, even when a chunk boundary splits it.
          if (!(c === LF && quotedCR)) line++;
          quotedCR = c === CR;
          field += text[i];
          i++;
          col = 1;
          continue;
        }
        quotedCR = false;
        // Copy a run of ordinary characters at once.
        let j = i + 1;
        while (j < n) {
          const d = text.charCodeAt(j);
          if (d === QUOTE || d === LF || d === CR) break;
          j++;
        }
        field += text.slice(i, j);
        col += j - i;
        i = j;
        continue;
      }
      if (c === delimCode) {
        if (!fieldStarted) startField();
        endField();
        fieldStarted = true;
        i++;
        col++;
        startField();
        continue;
      }
      if (c === LF || c === CR) {
        if (fieldStarted || field !== '' || quoteClosed) {
          endField();
          const record = { fields, lines, columns, endLine: line, endColumn: col, delimiter };
          fields = [];
          lines = [];
          columns = [];
          fieldStarted = false;
          yield record;
        }
        if (c === CR) pendingCR = true;
        i++;
        line++;
        col = 1;
        continue;
      }
      if (c === QUOTE) {
        if (quoteClosed) {
          // A quote right after a closing quote: it was an escaped "" split across chunks.
          inQuotes = true;
          quoteClosed = false;
          field += '"';
          i++;
          col++;
          continue;
        }
        if (!fieldStarted) {
          fieldStarted = true;
          startField();
        }
        if (field.trim() !== '') {
          throw new ParseError(source.name, line, col, 'a quote only at the start of a field', `a quote inside the unquoted field ${quoteFound(field)}`);
        }
        field = '';
        inQuotes = true;
        quoteLine = line;
        quoteCol = col;
        i++;
        col++;
        continue;
      }
      if (quoteClosed) {
        if (c === 32 || c === 9) {
          i++;
          col++;
          continue; // spaces after a closing quote are tolerated
        }
        throw new ParseError(source.name, line, col, `a delimiter or the end of the line after a closing quote`, quoteFound(text[i]));
      }
      if (!fieldStarted) {
        fieldStarted = true;
        startField();
      }
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === delimCode || d === LF || d === CR || d === QUOTE) break;
        j++;
      }
      field += text.slice(i, j);
      col += j - i;
      i = j;
    }
  }
  if (inQuotes) {
    throw new ParseError(source.name, quoteLine, quoteCol, 'a closing quote for the field opened here', 'the end of the file');
  }
  if (fieldStarted || field !== '' || quoteClosed) {
    endField();
    yield { fields, lines, columns, endLine: line, endColumn: col, delimiter };
  }
}

/** Markers that mean "missing" in a cell (compared case-insensitively, after trimming). */
const MISSING = new Set(['', 'na', 'nan', 'null', 'n/a', 'none']);
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a cell: a finite number, or NaN for a missing marker; undefined when it is neither. */
export function parseCell(text: string): number | undefined {
  const t = text.trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  if (!NUMBER.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
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

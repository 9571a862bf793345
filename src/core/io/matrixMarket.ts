// Matrix Market (.mtx) reading and writing. The reader decodes chunk by chunk and handles one
// line at a time, so memory is bounded by the matrix being built, never by the text.
//
// Supported: `%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric`.
// Not supported (reported as a ParseError): complex fields, hermitian and skew-symmetric storage.
import { createMaskedMatrix, type MaskedMatrix } from '../matrix/masked';
import { guardMemory, maskedMatrixBytes, MemoryGuardError } from '../guard';
import { ParseError, quoteFound } from './errors';
import type { ByteSource } from './source';

export interface MatrixMarketOptions {
  /**
   * What the entries a coordinate file does not list mean: observed zeros ('zero', the default:
   * the mathematical meaning of a sparse matrix) or missing values ('missing').
   */
  unlisted?: 'zero' | 'missing';
}

/** The most entries (rows * columns) a matrix may have: larger ones are refused, not attempted. */
export const MAX_MATRIX_ENTRIES = 2 ** 31;

/**
 * The most rows, and the most columns: every row and column gets a label string, so a
 * 1 × 2^31 matrix would exhaust the heap long before its values did.
 */
export const MAX_MATRIX_DIMENSION = 2 ** 24;

/** A line longer than this is refused: no valid .mtx line comes close, and it bounds memory. */
const MAX_LINE_CHARS = 1 << 20;

const BANNER_EXPECTED =
  "the banner '%%MatrixMarket matrix coordinate|array real|integer|pattern general|symmetric'";

type Format = 'coordinate' | 'array';
type Field = 'real' | 'integer' | 'pattern';

// Decimal numbers as C's strtod writes them; a Fortran 'D' exponent is accepted too. Anything
// Number() would also take (hex, binary, '') is rejected on purpose.
const REAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?$/;
const NAN = /^[+-]?nan$/i;
const INF = /^([+-]?)inf(?:inity)?$/i;
const INTEGER = /^[+-]?\d+$/;
const COUNT = /^\d+$/;

// Token positions of the current line, reused across lines to avoid an allocation per entry.
const MAX_TOKENS = 8;
const tokStart = new Int32Array(MAX_TOKENS);
const tokEnd = new Int32Array(MAX_TOKENS);

/** Finds whitespace-separated tokens; records the first MAX_TOKENS and returns the full count. */
function scanTokens(text: string): number {
  let count = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    let c = text.charCodeAt(i);
    while (i < n && (c === 32 || c === 9 || c === 11 || c === 12 || c === 13)) c = text.charCodeAt(++i);
    if (i >= n) break;
    const start = i;
    while (i < n && c !== 32 && c !== 9 && c !== 11 && c !== 12 && c !== 13) c = text.charCodeAt(++i);
    if (count < MAX_TOKENS) {
      tokStart[count] = start;
      tokEnd[count] = i;
    }
    count++;
  }
  return count;
}

function token(text: string, k: number): string {
  return text.slice(tokStart[k], tokEnd[k]);
}

class MatrixMarketReader {
  private stage: 'banner' | 'size' | 'entries' = 'banner';
  private format: Format = 'coordinate';
  private field: Field = 'real';
  private symmetric = false;
  private rows = 0;
  private cols = 0;
  /** Entries the size line promised (data lines, not counting mirrored ones). */
  private expected = 0;
  private seen = 0;
  private sizeLine = 0;
  private m: MaskedMatrix | null = null;
  // Where the next array-format value goes (column-major).
  private ai = 0;
  private aj = 0;

  constructor(
    private readonly file: string,
    private readonly unlisted: 'zero' | 'missing',
  ) {}

  private fail(line: number, column: number, expected: string, found: string): never {
    throw new ParseError(this.file, line, column, expected, found);
  }

  line(text: string, no: number): void {
    const count = scanTokens(text);
    if (this.stage === 'banner') {
      // Blank lines before the banner are tolerated; anything else must be the banner.
      if (count === 0) return;
      this.banner(text, no, count);
      return;
    }
    if (count === 0 || text.charCodeAt(tokStart[0]) === 37 /* % */) return;
    if (this.stage === 'size') this.size(text, no, count);
    else if (this.format === 'coordinate') this.coordinateEntry(text, no, count);
    else this.arrayEntry(text, no, count);
  }

  private banner(text: string, no: number, count: number): void {
    if (token(text, 0).toLowerCase() !== '%%matrixmarket') {
      this.fail(no, tokStart[0] + 1, BANNER_EXPECTED, quoteFound(text.trim()));
    }
    const words = ['object', 'format', 'field', 'symmetry'];
    if (count < 5) {
      this.fail(no, text.length + 1, `the ${words[count - 1]} after ${quoteFound(token(text, count - 1))} in ${BANNER_EXPECTED}`, 'end of line');
    }
    if (count > 5) this.fail(no, tokStart[5] + 1, 'end of line after the banner\'s symmetry', quoteFound(token(text, 5)));
    const at = (k: number) => tokStart[k] + 1;
    const object = token(text, 1).toLowerCase();
    if (object !== 'matrix') this.fail(no, at(1), "object 'matrix'", quoteFound(token(text, 1)));
    const format = token(text, 2).toLowerCase();
    if (format !== 'coordinate' && format !== 'array') {
      this.fail(no, at(2), "format 'coordinate' or 'array'", quoteFound(token(text, 2)));
    }
    const field = token(text, 3).toLowerCase();
    if (field !== 'real' && field !== 'integer' && field !== 'pattern') {
      const note = field === 'complex' ? ' (complex matrices are not supported)' : '';
      this.fail(no, at(3), `field 'real', 'integer' or 'pattern'${note}`, quoteFound(token(text, 3)));
    }
    const symmetry = token(text, 4).toLowerCase();
    if (symmetry !== 'general' && symmetry !== 'symmetric') {
      const note = symmetry === 'skew-symmetric' || symmetry === 'hermitian' ? ` (${symmetry} storage is not supported)` : '';
      this.fail(no, at(4), `symmetry 'general' or 'symmetric'${note}`, quoteFound(token(text, 4)));
    }
    if (field === 'pattern' && format === 'array') {
      this.fail(no, at(3), "field 'real' or 'integer' with format 'array' (pattern needs 'coordinate')", quoteFound(token(text, 3)));
    }
    this.format = format;
    this.field = field;
    this.symmetric = symmetry === 'symmetric';
    this.stage = 'size';
  }

  private size(text: string, no: number, count: number): void {
    const coordinate = this.format === 'coordinate';
    const want = coordinate ? 3 : 2;
    const shape = coordinate ? "a size line 'rows columns entries'" : "a size line 'rows columns'";
    if (count !== want) {
      const column = count > want ? tokStart[want] + 1 : text.length + 1;
      this.fail(no, column, `${shape} (${want} numbers)`, `${count} field${count === 1 ? '' : 's'}: ${quoteFound(text.trim())}`);
    }
    const names = ['row count', 'column count', 'entry count'];
    const nums: number[] = [];
    for (let k = 0; k < want; k++) {
      const t = token(text, k);
      const v = COUNT.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(v)) this.fail(no, tokStart[k] + 1, `a non-negative integer ${names[k]} in ${shape}`, quoteFound(t));
      nums.push(v);
    }
    const [rows, cols] = nums;
    for (let k = 0; k < 2; k++) {
      if (nums[k] > MAX_MATRIX_DIMENSION) this.fail(no, tokStart[k] + 1, `a ${names[k]} of at most ${MAX_MATRIX_DIMENSION}`, String(nums[k]));
    }
    if (rows * cols > MAX_MATRIX_ENTRIES) {
      this.fail(no, tokStart[0] + 1, `a matrix of at most ${MAX_MATRIX_ENTRIES} entries`, `${rows} × ${cols} = ${rows * cols} entries`);
    }
    if (this.symmetric && rows !== cols) {
      this.fail(no, tokStart[0] + 1, 'a square matrix (rows = columns) for symmetric storage', `${rows} × ${cols}`);
    }
    this.rows = rows;
    this.cols = cols;
    this.sizeLine = no;
    if (coordinate) this.expected = nums[2];
    else this.expected = this.symmetric ? (rows * (rows + 1)) / 2 : rows * cols;
    let m: MaskedMatrix;
    try {
      guardMemory({ what: `a ${rows} × ${cols} matrix`, bytes: maskedMatrixBytes(rows, cols), largestArray: rows * cols, suggest: () => 'split the file, or run on a machine with more memory' });
      m = createMaskedMatrix(rows, cols);
    } catch (err) {
      if (err instanceof MemoryGuardError) this.fail(no, tokStart[0] + 1, 'a matrix that fits in memory', err.message);
      // A large but permitted size can still exceed what this process may allocate.
      if (err instanceof RangeError) this.fail(no, tokStart[0] + 1, 'a matrix that fits in memory', `${rows} × ${cols}`);
      throw err;
    }
    this.m = m;
    this.stage = 'entries';
  }

  private tooMany(text: string, no: number): never {
    const what = this.format === 'coordinate' ? `the ${this.expected} entries promised` : `the ${this.expected} values of the array`;
    this.fail(no, tokStart[0] + 1, `end of file after ${what} by the size line (line ${this.sizeLine})`, `another entry ${quoteFound(text.trim())}`);
  }

  private tokenCount(text: string, no: number, count: number, want: number, shape: string): void {
    if (count === want) return;
    const column = count > want ? tokStart[want] + 1 : text.length + 1;
    this.fail(no, column, `${want} field${want === 1 ? '' : 's'} (${shape})`, `${count} field${count === 1 ? '' : 's'}: ${quoteFound(text.trim())}`);
  }

  private index(text: string, no: number, k: number, name: 'row' | 'column', bound: number): number {
    // Plain digits are read in place: no substring per index on the hot path.
    let v = 0;
    let end = tokEnd[k];
    for (let p = tokStart[k]; p < end; p++) {
      const d = text.charCodeAt(p) - 48;
      if (d < 0 || d > 9) {
        end = -1;
        break;
      }
      v = v * 10 + d;
    }
    if (end !== -1 && v >= 1 && v <= bound) return v - 1;
    const t = token(text, k);
    const column = tokStart[k] + 1;
    if (!INTEGER.test(t)) this.fail(no, column, `an integer ${name} index from 1 to ${bound}`, quoteFound(t));
    v = Number(t);
    if (!(v >= 1 && v <= bound)) {
      this.fail(no, column, `a ${name} index from 1 to ${bound} (indices are 1-based)`, `${name} index ${t}`);
    }
    return v - 1;
  }

  private value(text: string, no: number, k: number): number {
    const t = token(text, k);
    if (NAN.test(t)) return NaN;
    let v: number;
    if (this.field === 'integer') {
      if (!INTEGER.test(t)) this.fail(no, tokStart[k] + 1, "an integer value (the field is 'integer')", quoteFound(t));
      // Beyond 2^53 an integer loses precision, as every Float64 value does.
      v = Number(t);
    } else if (REAL.test(t)) {
      v = Number(t);
      // Only a Fortran exponent ('1.5D3') passes the pattern but not Number().
      if (Number.isNaN(v)) v = Number(t.replace(/[dD]/, 'e'));
    } else {
      const inf = INF.test(t);
      this.fail(no, tokStart[k] + 1, 'a finite real number (or nan for a missing value)', inf ? `${quoteFound(t)}: infinities are refused in every format` : quoteFound(t));
    }
    // Past ±1.8e308 a double is infinite: refused, as in CSV and .npy.
    if (!Number.isFinite(v)) this.fail(no, tokStart[k] + 1, 'a finite number (at most ±1.8e308)', `${quoteFound(t)}, which overflows to infinity`);
    return v;
  }

  private coordinateEntry(text: string, no: number, count: number): void {
    if (this.seen >= this.expected) this.tooMany(text, no);
    const pattern = this.field === 'pattern';
    this.tokenCount(text, no, count, pattern ? 2 : 3, pattern ? 'row column' : 'row column value');
    const i = this.index(text, no, 0, 'row', this.rows);
    const j = this.index(text, no, 1, 'column', this.cols);
    if (this.symmetric && i < j) {
      this.fail(no, tokStart[0] + 1, 'an entry on or below the diagonal (row ≥ column) in a symmetric file', `row ${i + 1}, column ${j + 1}`);
    }
    const v = pattern ? 1 : this.value(text, no, 2);
    const m = this.m!;
    this.put(m, i * this.cols + j, v, pattern);
    if (this.symmetric && i !== j) this.put(m, j * this.cols + i, v, pattern);
    if (!pattern && !Number.isFinite(m.values[i * this.cols + j]) && !Number.isNaN(m.values[i * this.cols + j])) {
      this.fail(no, tokStart[2] + 1, 'duplicate entries whose sum is finite', `a sum past ±1.8e308 at row ${i + 1}, column ${j + 1}`);
    }
    this.seen++;
  }

  /**
   * Duplicate coordinates are summed (the usual assembly convention, as in scipy's coo→dense);
   * a pattern entry stays 1, since it only says the entry is present. A NaN anywhere in the sum
   * makes the entry missing (resolved in finish()).
   */
  private put(m: MaskedMatrix, k: number, v: number, pattern: boolean): void {
    // The first listing sets rather than adds, so a listed -0 stays -0 (0 + -0 is +0).
    if (!m.observed[k]) m.values[k] = pattern ? 1 : v;
    else if (!pattern) m.values[k] += v;
    m.observed[k] = 1;
  }

  private arrayEntry(text: string, no: number, count: number): void {
    if (this.seen >= this.expected) this.tooMany(text, no);
    this.tokenCount(text, no, count, 1, 'one value per line');
    const v = this.value(text, no, 0);
    const m = this.m!;
    const i = this.ai;
    const j = this.aj;
    m.values[i * this.cols + j] = v;
    m.observed[i * this.cols + j] = 1;
    if (this.symmetric && i !== j) {
      m.values[j * this.cols + i] = v;
      m.observed[j * this.cols + i] = 1;
    }
    // Column-major; symmetric arrays list only the lower triangle of each column.
    if (++this.ai === this.rows) {
      this.aj++;
      this.ai = this.symmetric ? this.aj : 0;
    }
    this.seen++;
  }

  finish(lastLine: number, lastColumn: number): MaskedMatrix {
    if (this.stage === 'banner') this.fail(lastLine || 1, lastColumn, BANNER_EXPECTED, 'end of file');
    if (this.stage === 'size') {
      const shape = this.format === 'coordinate' ? "a size line 'rows columns entries'" : "a size line 'rows columns'";
      this.fail(lastLine, lastColumn, shape, 'end of file');
    }
    if (this.seen < this.expected) {
      this.fail(
        lastLine,
        lastColumn,
        `${this.expected} entries, as the size line (line ${this.sizeLine}) promised`,
        `end of file after ${this.seen} entr${this.seen === 1 ? 'y' : 'ies'}`,
      );
    }
    const m = this.m!;
    // While parsing, `observed` marks the listed entries; unlisted ones are observed zeros
    // unless the caller asked for them to be missing.
    if (this.format === 'coordinate' && this.unlisted === 'zero') m.observed.fill(1);
    // NaN in the file means missing: never an observed value.
    for (let k = 0; k < m.values.length; k++) {
      if (Number.isNaN(m.values[k])) {
        m.values[k] = 0;
        m.observed[k] = 0;
      }
    }
    return m;
  }
}

/**
 * Reads a Matrix Market file. Coordinate files list some entries; the others are observed
 * zeros by default, or missing with `unlisted: 'missing'`. NaN values mean missing. Symmetric
 * files are mirrored. Row labels and column ids are the 1-based indices.
 */
export async function readMatrixMarket(source: ByteSource, options: MatrixMarketOptions = {}): Promise<MaskedMatrix> {
  const file = source.name;
  const reader = new MatrixMarketReader(file, options.unlisted ?? 'zero');
  // The default TextDecoder drops a leading BOM; bad UTF-8 becomes U+FFFD and fails as a token.
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  let lineNo = 0;
  let lastLength = 0;
  const emit = (raw: string) => {
    const text = raw.length > 0 && raw.charCodeAt(raw.length - 1) === 13 ? raw.slice(0, -1) : raw;
    lineNo++;
    lastLength = text.length;
    reader.line(text, lineNo);
  };
  const take = (piece: string) => {
    // Only the new piece is searched, so a line spread over many small chunks stays linear.
    let nl = piece.indexOf('\n');
    if (nl === -1) {
      carry += piece;
    } else {
      emit(carry + piece.slice(0, nl));
      let start = nl + 1;
      while ((nl = piece.indexOf('\n', start)) !== -1) {
        emit(piece.slice(start, nl));
        start = nl + 1;
      }
      carry = piece.slice(start);
    }
    if (carry.length > MAX_LINE_CHARS) {
      throw new ParseError(file, lineNo + 1, MAX_LINE_CHARS + 1, `a line of at most ${MAX_LINE_CHARS} characters`, 'a longer line');
    }
  };
  for await (const chunk of source.chunks()) take(decoder.decode(chunk, { stream: true }));
  take(decoder.decode());
  // A final line without a newline still counts; after a trailing newline there is no new line.
  if (carry.length > 0) emit(carry);
  return reader.finish(lineNo, lastLength + 1);
}

/** Writes a number so that Number() gives back exactly the same double (sign of zero included). */
function formatNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

const LINES_PER_CHUNK = 4096;

/**
 * Writes a `coordinate real general` file listing every observed entry (zeros included), so
 * missing entries stay missing when read back with `unlisted: 'missing'`. Returns text chunks
 * (for writeFileAtomic, or join('')).
 */
export function writeMatrixMarket(m: MaskedMatrix): string[] {
  let nnz = 0;
  for (let k = 0; k < m.observed.length; k++) if (m.observed[k]) nnz++;
  const out: string[] = [
    '%%MatrixMarket matrix coordinate real general\n' +
      '% Written by Lacuna. Entries not listed are missing, not zero: read with unlisted = missing.\n' +
      `${m.rows} ${m.cols} ${nnz}\n`,
  ];
  // Lines are joined a batch at a time: cheaper than growing one string by concatenation.
  let lines: string[] = [];
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    const prefix = `${i + 1} `;
    for (let j = 0; j < m.cols; j++) {
      if (!m.observed[base + j]) continue;
      lines.push(`${prefix}${j + 1} ${formatNumber(m.values[base + j])}\n`);
      if (lines.length === LINES_PER_CHUNK) {
        out.push(lines.join(''));
        lines = [];
      }
    }
  }
  if (lines.length) out.push(lines.join(''));
  return out;
}

/**
 * Writes an `array real general` file (column-major). Missing entries are written as nan,
 * which this reader reads back as missing (other tools may read NaN).
 */
export function writeMatrixMarketArray(m: MaskedMatrix): string[] {
  const out: string[] = [`%%MatrixMarket matrix array real general\n${m.rows} ${m.cols}\n`];
  let lines: string[] = [];
  for (let j = 0; j < m.cols; j++) {
    for (let i = 0; i < m.rows; i++) {
      const k = i * m.cols + j;
      lines.push(m.observed[k] ? `${formatNumber(m.values[k])}\n` : 'nan\n');
      if (lines.length === LINES_PER_CHUNK) {
        out.push(lines.join(''));
        lines = [];
      }
    }
  }
  if (lines.length) out.push(lines.join(''));
  return out;
}

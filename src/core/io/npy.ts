// NumPy .npy reading and writing (format versions 1.0, 2.0 and 3.0). The header is a Python
// dict literal, parsed here by a small literal parser (never evaluated). The data is decoded
// as chunks arrive, straight into a matrix allocated once from the header.
//
// Binary positions in errors: line 1, column = byte offset + 1.
import { createMaskedMatrix, type MaskedMatrix } from '../matrix/masked';
import { guardMemory, maskedMatrixBytes, MemoryGuardError } from '../guard';
import { ParseError, quoteFound } from './errors';
import type { ByteSource } from './source';

/** The most entries (rows * columns) a matrix may have: larger ones are refused, not attempted. */
export const MAX_NPY_ENTRIES = 2 ** 31;

/** The most rows, and the most columns: each gets a label string, which the heap must hold. */
export const MAX_NPY_DIMENSION = 2 ** 24;

/** numpy itself refuses headers over 10 000 bytes by default; this bound only guards memory. */
const MAX_HEADER_BYTES = 1 << 20;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// ---------------------------------------------------------------------------------------------
// Dtypes

type Fail = (offset: number, expected: string, found: string) => never;

type Reader = (view: DataView, offset: number) => number;

interface Dtype {
  readonly size: number;
  readonly float: boolean;
  readonly read: Reader;
  /** Little-endian float64 on a little-endian host: the bytes are the values, copied as they are. */
  readonly raw64?: boolean;
}

/** Whether this platform stores numbers little-endian (every platform Node and VS Code run on in practice). */
const LITTLE_ENDIAN_HOST = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Half precision to double: numpy's float16 (IEEE 754 binary16). */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

// 64-bit integers are read as two 32-bit halves: exact up to 2^53, rounded to the nearest
// double beyond (a Float64 matrix cannot hold more precision anyway).
function dtypeFor(kind: string, size: number, le: boolean): Dtype | null {
  const d = (read: Reader, float = false): Dtype => ({ size, float, read });
  switch (kind + size) {
    case 'b1':
      return d((v, o) => (v.getUint8(o) !== 0 ? 1 : 0));
    case 'i1':
      return d((v, o) => v.getInt8(o));
    case 'u1':
      return d((v, o) => v.getUint8(o));
    case 'i2':
      return d((v, o) => v.getInt16(o, le));
    case 'u2':
      return d((v, o) => v.getUint16(o, le));
    case 'i4':
      return d((v, o) => v.getInt32(o, le));
    case 'u4':
      return d((v, o) => v.getUint32(o, le));
    case 'i8':
      return d((v, o) => v.getInt32(le ? o + 4 : o, le) * 4294967296 + v.getUint32(le ? o : o + 4, le));
    case 'u8':
      return d((v, o) => v.getUint32(le ? o + 4 : o, le) * 4294967296 + v.getUint32(le ? o : o + 4, le));
    case 'f2':
      return d((v, o) => halfToNumber(v.getUint16(o, le)), true);
    case 'f4':
      return d((v, o) => v.getFloat32(o, le), true);
    case 'f8':
      return { ...d((v, o) => v.getFloat64(o, le), true), raw64: le && LITTLE_ENDIAN_HOST };
    default:
      return null;
  }
}

const SUPPORTED_DTYPES =
  'a supported dtype: <f8 >f8 <f4 >f4 <f2 >f2 <i8 >i8 <i4 >i4 <i2 >i2 |i1 <u8 >u8 <u4 >u4 <u2 >u2 |u1 |b1';

// ---------------------------------------------------------------------------------------------
// Python literals (the subset numpy writes in headers)

type Py =
  | { t: 'str'; v: string; at: number }
  | { t: 'int'; v: number; at: number }
  | { t: 'bool'; v: boolean; at: number }
  | { t: 'none'; at: number }
  | { t: 'tuple' | 'list'; items: Py[]; at: number }
  | { t: 'dict'; entries: Map<string, Py>; at: number; end: number };

const MAX_DEPTH = 16;

class LiteralParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    /** Byte offset of the text in the file, for error columns. */
    private readonly base: number,
    private readonly fail: Fail,
  ) {}

  parseWhole(): Py {
    const v = this.value(0);
    this.space();
    if (this.pos < this.text.length) this.error('end of the header after the dict');
    return v;
  }

  private error(expected: string): never {
    const rest = this.text.slice(this.pos).trimEnd();
    this.fail(this.base + this.pos, expected, rest ? quoteFound(rest, 20) : 'end of the header');
  }

  private space(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private value(depth: number): Py {
    this.space();
    const at = this.base + this.pos;
    const c = this.text[this.pos];
    if (depth > MAX_DEPTH) this.error(`a header nested at most ${MAX_DEPTH} deep`);
    if (c === '{') return this.dict(depth, at);
    if (c === '(' || c === '[') return this.sequence(depth, at, c === '(' ? ')' : ']');
    if (c === "'" || c === '"') return { t: 'str', v: this.string(), at };
    const word = /^(?:True|False|None|[+-]?\d+L?)(?![\w.])/.exec(this.text.slice(this.pos, this.pos + 32));
    if (!word) this.error('a Python literal (string, integer, True, False, None, tuple, list or dict)');
    this.pos += word[0].length;
    if (word[0] === 'True' || word[0] === 'False') return { t: 'bool', v: word[0] === 'True', at };
    if (word[0] === 'None') return { t: 'none', at };
    // Python 2 wrote long integers with an L suffix ('(3L, 4L)').
    return { t: 'int', v: Number(word[0].replace('L', '')), at };
  }

  private string(): string {
    const quote = this.text[this.pos++];
    let out = '';
    while (this.pos < this.text.length) {
      const c = this.text[this.pos++];
      if (c === quote) return out;
      if (c === '\\' && this.pos < this.text.length) out += this.text[this.pos++];
      else out += c;
    }
    this.error(`a closing ${quote}`);
  }

  private sequence(depth: number, at: number, close: ')' | ']'): Py {
    this.pos++;
    const items: Py[] = [];
    let comma = false;
    for (;;) {
      this.space();
      if (this.text[this.pos] === close) {
        this.pos++;
        // '(3)' is a parenthesized int in Python, not a tuple.
        if (close === ')' && items.length === 1 && !comma) return items[0];
        return { t: close === ')' ? 'tuple' : 'list', items, at };
      }
      if (items.length > 0 && !comma) this.error(`',' or '${close}'`);
      items.push(this.value(depth + 1));
      this.space();
      comma = this.text[this.pos] === ',';
      if (comma) this.pos++;
    }
  }

  private dict(depth: number, at: number): Py {
    this.pos++;
    const entries = new Map<string, Py>();
    let comma = true;
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return { t: 'dict', entries, at, end: this.base + this.pos - 1 };
      }
      if (!comma) this.error("',' or '}'");
      const c = this.text[this.pos];
      if (c !== "'" && c !== '"') this.error("a quoted key or '}'");
      const key = this.string();
      this.space();
      if (this.text[this.pos] !== ':') this.error("':' after the key");
      this.pos++;
      entries.set(key, this.value(depth + 1));
      this.space();
      comma = this.text[this.pos] === ',';
      if (comma) this.pos++;
    }
  }
}

function describe(v: Py): string {
  switch (v.t) {
    case 'str':
      return quoteFound(v.v);
    case 'int':
      return String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    case 'tuple':
      return `(${v.items.map(describe).join(', ')}${v.items.length === 1 ? ',' : ''})`;
    case 'list':
      return `[${v.items.map(describe).join(', ')}]`;
    case 'dict':
      return 'a dict';
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

interface Header {
  dtype: Dtype;
  fortran: boolean;
  rows: number;
  cols: number;
}

/** A growable byte buffer for the preamble, so a header split over tiny chunks stays linear. */
class ByteBuffer {
  bytes = new Uint8Array(64);
  length = 0;
  push(chunk: Uint8Array): void {
    if (this.length + chunk.length > this.bytes.length) {
      const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + chunk.length));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(chunk, this.length);
    this.length += chunk.length;
  }
}

/**
 * Reads a .npy file into a matrix: shape (n,) becomes n×1, (r, c) r×c, () 1×1. NaN becomes
 * missing; every other value is observed. Numeric and bool dtypes in either byte order; C or
 * Fortran order. 64-bit integers beyond 2^53 are rounded to the nearest double.
 */
export async function readNpy(source: ByteSource): Promise<MaskedMatrix> {
  const file = source.name;
  const fail: Fail = (offset, expected, found) => {
    throw new ParseError(file, 1, offset + 1, expected, found);
  };

  const pre = new ByteBuffer();
  // Typed by assertion so the closures' assignments are not narrowed away.
  let header = null as Header | null;
  let dataStart = 0;
  let m = null as MaskedMatrix | null;
  let total = 0; // data bytes the header promises
  let received = 0; // data bytes consumed so far
  let extra = 0; // bytes past the data (an error, counted to report it)
  // An element split across chunks is assembled here.
  const partial = new Uint8Array(8);
  const partialView = new DataView(partial.buffer);
  let partialLen = 0;
  let k = 0; // next element, in file order
  let row = 0;
  let col = 0;
  // C-order little-endian float64: the data bytes are copied straight into the values (one copy,
  // chunk boundaries anywhere), and the mask is set in one pass at the end.
  let direct = null as Uint8Array | null;

  const store = (x: number) => {
    const h = header!;
    const dest = h.fortran ? row * h.cols + col : k;
    if (h.dtype.float && Number.isNaN(x)) {
      m!.values[dest] = 0;
      m!.observed[dest] = 0;
    } else if (!Number.isFinite(x)) {
      // Infinities are refused in every format (NaN means missing).
      const r = h.fortran ? row : Math.floor(k / h.cols);
      const c = h.fortran ? col : k % h.cols;
      fail(dataStart + k * h.dtype.size, 'finite values (NaN for missing); infinities are refused in every format', `${x} at row ${r + 1}, column ${c + 1}`);
    } else {
      m!.values[dest] = x;
      m!.observed[dest] = 1;
    }
    k++;
    if (h.fortran && ++row === h.rows) {
      row = 0;
      col++;
    }
  };

  const feed = (bytes: Uint8Array) => {
    if (received + bytes.length > total) {
      extra += received + bytes.length - total;
      bytes = bytes.subarray(0, total - received);
    }
    if (bytes.length === 0) return;
    if (direct) {
      direct.set(bytes, received);
      received += bytes.length;
      return;
    }
    received += bytes.length;
    const h = header!;
    const size = h.dtype.size;
    const read = h.dtype.read;
    let i = 0;
    if (partialLen > 0) {
      const take = Math.min(size - partialLen, bytes.length);
      partial.set(bytes.subarray(0, take), partialLen);
      partialLen += take;
      i = take;
      if (partialLen < size) return;
      store(read(partialView, 0));
      partialLen = 0;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const end = bytes.length - ((bytes.length - i) % size);
    for (; i < end; i += size) store(read(view, i));
    if (i < bytes.length) {
      partial.set(bytes.subarray(i), 0);
      partialLen = bytes.length - i;
    }
  };

  /** Checks what has arrived of the preamble; parses the header once it is all there. */
  const preamble = (): void => {
    const b = pre.bytes;
    const n = pre.length;
    for (let i = 0; i < Math.min(n, MAGIC.length); i++) {
      if (b[i] !== MAGIC[i]) {
        fail(i, 'the NPY magic string \\x93NUMPY', `byte 0x${b[i].toString(16).padStart(2, '0')}`);
      }
    }
    if (n < 8) return;
    const major = b[6];
    const minor = b[7];
    if (minor !== 0 || major < 1 || major > 3) fail(6, 'NPY format version 1.0, 2.0 or 3.0', `version ${major}.${minor}`);
    const lenBytes = major === 1 ? 2 : 4;
    if (n < 8 + lenBytes) return;
    const view = new DataView(b.buffer, 0, n);
    const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
    const headerStart = 8 + lenBytes;
    if (headerLen > MAX_HEADER_BYTES) fail(8, `a header length of at most ${MAX_HEADER_BYTES} bytes`, `${headerLen}`);
    if (n < headerStart + headerLen) return;
    const raw = b.subarray(headerStart, headerStart + headerLen);
    let text: string;
    if (major === 3) {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
      } catch {
        fail(headerStart, 'a UTF-8 header (version 3.0)', 'invalid UTF-8');
      }
    } else {
      // Versions 1 and 2 are latin-1: one byte per character, so columns stay byte offsets.
      text = '';
      for (let i = 0; i < raw.length; i += 4096) text += String.fromCharCode(...raw.subarray(i, i + 4096));
    }
    header = parseHeader(text, headerStart, fail);
    dataStart = headerStart + headerLen;
    total = header.rows * header.cols * header.dtype.size;
    try {
      const { rows, cols } = header;
      guardMemory({ what: `a ${rows} × ${cols} matrix`, bytes: maskedMatrixBytes(rows, cols), largestArray: rows * cols, suggest: () => 'split the array, or run on a machine with more memory' });
    } catch (err) {
      if (err instanceof MemoryGuardError) fail(headerStart, 'a matrix that fits in memory', err.message);
      throw err;
    }
    try {
      m = createMaskedMatrix(header.rows, header.cols);
    } catch (err) {
      // A permitted size can still exceed what this process may allocate.
      if (err instanceof RangeError) fail(headerStart, 'a matrix that fits in memory', `${header.rows} × ${header.cols}`);
      throw err;
    }
    if (header.dtype.raw64 && !header.fortran) direct = new Uint8Array(m.values.buffer, m.values.byteOffset, total);
    if (n > dataStart) feed(b.subarray(dataStart, n));
  };

  for await (const chunk of source.chunks()) {
    if (header) feed(chunk);
    else {
      pre.push(chunk);
      preamble();
    }
  }

  if (!header) {
    const n = pre.length;
    if (n < 8) fail(n, 'the NPY magic string and version (8 bytes)', `end of file after ${n} bytes`);
    const lenBytes = pre.bytes[6] === 1 ? 2 : 4;
    if (n < 8 + lenBytes) fail(n, 'the NPY header length', `end of file after ${n} bytes`);
    const view = new DataView(pre.bytes.buffer, 0, n);
    const headerLen = lenBytes === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
    fail(n, `a header of ${headerLen} bytes (ending at byte ${8 + lenBytes + headerLen})`, `end of file after ${n} bytes`);
  }
  if (received < total) {
    fail(
      dataStart + received,
      `${total} data bytes (${header!.rows} × ${header!.cols} × ${header!.dtype.size}-byte values)`,
      `end of file after ${received} data bytes`,
    );
  }
  if (extra > 0) fail(dataStart + total, `end of file after ${total} data bytes`, `${extra} extra byte${extra === 1 ? '' : 's'}`);
  if (direct) {
    // NaN is missing (its value kept at 0); infinities are refused, as element by element above;
    // every other value is observed.
    const { values, observed, cols } = m!;
    for (let j = 0; j < values.length; j++) {
      const x = values[j];
      if (x !== x) values[j] = 0;
      else if (x === Infinity || x === -Infinity) {
        fail(dataStart + j * 8, 'finite values (NaN for missing); infinities are refused in every format', `${x} at row ${Math.floor(j / cols) + 1}, column ${(j % cols) + 1}`);
      } else observed[j] = 1;
    }
  }
  return m!;
}

function parseHeader(text: string, base: number, fail: Fail): Header {
  const dictShape = "a header dict {'descr': ..., 'fortran_order': ..., 'shape': ...}";
  const top = new LiteralParser(text, base, fail).parseWhole();
  if (top.t !== 'dict') return fail(top.at, dictShape, describe(top));
  const get = (key: string): Py => {
    const v = top.entries.get(key);
    if (!v) fail(top.end, `the key '${key}' in ${dictShape}`, `keys ${[...top.entries.keys()].map((x) => `'${x}'`).join(', ') || 'none'}`);
    return v;
  };

  const descr = get('descr');
  if (descr.t === 'list') fail(descr.at, `${SUPPORTED_DTYPES} (structured dtypes are not supported)`, 'a structured dtype');
  if (descr.t !== 'str') fail(descr.at, `${SUPPORTED_DTYPES} as a string`, describe(descr));
  const dm = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr.v);
  // '|' (order irrelevant) and '=' (native) are read as little-endian: numpy writes '|' only for
  // one-byte types, and every platform it writes native files on in practice is little-endian.
  const dtype = dm ? dtypeFor(dm[2], Number(dm[3]), dm[1] !== '>') : null;
  if (!dtype) {
    const obj = /^[<>|=]?O\d*$/.test(descr.v) ? ' (object arrays need pickle and are not supported)' : '';
    fail(descr.at, SUPPORTED_DTYPES + obj, quoteFound(descr.v));
  }

  const fortran = get('fortran_order');
  if (fortran.t !== 'bool') fail(fortran.at, "'fortran_order': True or False", describe(fortran));

  const shape = get('shape');
  if (shape.t !== 'tuple' && shape.t !== 'list') fail(shape.at, "'shape': a tuple of non-negative integers", describe(shape));
  const dims: number[] = [];
  for (const d of shape.items) {
    if (d.t !== 'int' || !Number.isSafeInteger(d.v) || d.v < 0) fail(d.at, 'a non-negative integer dimension', describe(d));
    dims.push(d.v);
  }
  if (dims.length > 2) fail(shape.at, 'a shape of at most 2 dimensions (a vector or a matrix)', describe(shape));
  const rows = dims.length === 0 ? 1 : dims[0];
  const cols = dims.length === 2 ? dims[1] : 1;
  if (rows > MAX_NPY_DIMENSION || cols > MAX_NPY_DIMENSION) {
    fail(shape.at, `a shape of at most ${MAX_NPY_DIMENSION} rows and ${MAX_NPY_DIMENSION} columns`, describe(shape));
  }
  if (rows * cols > MAX_NPY_ENTRIES) fail(shape.at, `a matrix of at most ${MAX_NPY_ENTRIES} entries`, `${rows} × ${cols} = ${rows * cols} entries`);
  // Fortran order only changes the layout of a true matrix.
  return { dtype, fortran: fortran.v && dims.length === 2, rows, cols };
}

// ---------------------------------------------------------------------------------------------
// Writing

/**
 * Writes a matrix as a version 1.0 .npy: '<f8', C order, shape (rows, cols), missing entries as
 * NaN. The header is padded with spaces so the data starts on a 64-byte boundary.
 */
export function writeNpy(m: MaskedMatrix): Uint8Array {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  const unpadded = 10 + dict.length + 1; // magic, version, length, dict, '\n'
  const headerLen = dict.length + 1 + ((64 - (unpadded % 64)) % 64);
  const dataStart = 10 + headerLen;
  const out = new Uint8Array(dataStart + m.rows * m.cols * 8);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, headerLen, true);
  for (let i = 0; i < headerLen - 1; i++) out[10 + i] = i < dict.length ? dict.charCodeAt(i) : 0x20;
  out[dataStart - 1] = 0x0a;
  for (let k = 0; k < m.values.length; k++) view.setFloat64(dataStart + 8 * k, m.observed[k] ? m.values[k] : NaN, true);
  return out;
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { ParseError } from '../../src/core/io/errors';
import { memorySource } from '../../src/core/io/source';
import { readNpy, writeNpy } from '../../src/core/io/npy';

const NAME = 'a.npy';

// ------------------------------------------------------------------------------------------
// A tiny .npy builder, so fixtures need no Python: header text + data bytes.

interface NpyFixture {
  descr: string;
  /** The shape as written in the header, e.g. '(2, 3)', '(4,)', '()'. */
  shape: string;
  /** Values in file order (C or Fortran), encoded with `descr`. */
  values?: number[];
  /** Raw data bytes instead of `values`. */
  data?: Uint8Array;
  fortran?: boolean;
  version?: 1 | 2 | 3;
  /** Replaces the whole dict text. */
  dict?: string;
  /** Alignment of the data start (numpy ≥ 1.9 writes 64; older files 16). */
  align?: number;
}

function encode(descr: string, values: number[]): Uint8Array {
  const m = /^([<>|])([biuf])(\d)$/.exec(descr);
  if (!m) throw new Error(`test helper cannot encode ${descr}`);
  const le = m[1] !== '>';
  const size = Number(m[3]);
  const out = new Uint8Array(values.length * size);
  const v = new DataView(out.buffer);
  values.forEach((x, k) => {
    const o = k * size;
    switch (m[2] + size) {
      case 'b1':
      case 'u1':
        return v.setUint8(o, x);
      case 'i1':
        return v.setInt8(o, x);
      case 'i2':
        return v.setInt16(o, x, le);
      case 'u2':
        return v.setUint16(o, x, le);
      case 'i4':
        return v.setInt32(o, x, le);
      case 'u4':
        return v.setUint32(o, x, le);
      case 'i8':
        return v.setBigInt64(o, BigInt(x), le);
      case 'u8':
        return v.setBigUint64(o, BigInt(x), le);
      case 'f4':
        return v.setFloat32(o, x, le);
      case 'f8':
        return v.setFloat64(o, x, le);
      default:
        throw new Error(`test helper cannot encode ${descr}`);
    }
  });
  return out;
}

function npy(f: NpyFixture): Uint8Array {
  const version = f.version ?? 1;
  const dict = f.dict ?? `{'descr': '${f.descr}', 'fortran_order': ${f.fortran ? 'True' : 'False'}, 'shape': ${f.shape}, }`;
  const prefix = version === 1 ? 10 : 12;
  const align = f.align ?? 64;
  const headerBytes = version === 3 ? new TextEncoder().encode(dict) : Uint8Array.from(dict, (c) => c.charCodeAt(0));
  const pad = (align - ((prefix + headerBytes.length + 1) % align)) % align;
  const headerLen = headerBytes.length + pad + 1;
  const data = f.data ?? encode(f.descr, f.values ?? []);
  const out = new Uint8Array(prefix + headerLen + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  out.set(headerBytes, prefix);
  out.fill(0x20, prefix + headerBytes.length, prefix + headerLen - 1);
  out[prefix + headerLen - 1] = 0x0a;
  out.set(data, prefix + headerLen);
  return out;
}

function read(bytes: Uint8Array, chunkSize?: number): Promise<MaskedMatrix> {
  return readNpy(memorySource(NAME, bytes, chunkSize));
}

function grid(m: MaskedMatrix): (number | null)[][] {
  return Array.from({ length: m.rows }, (_, i) =>
    Array.from({ length: m.cols }, (_, j) => (m.observed[i * m.cols + j] ? m.values[i * m.cols + j] : null)),
  );
}

function assertSameMatrix(a: MaskedMatrix, b: MaskedMatrix): void {
  assert.equal(a.rows, b.rows);
  assert.equal(a.cols, b.cols);
  assert.deepEqual(Array.from(a.observed), Array.from(b.observed));
  assert.deepEqual(Array.from(a.values), Array.from(b.values));
  assert.deepEqual(a.rowLabels, b.rowLabels);
  assert.deepEqual(a.colIds, b.colIds);
}

async function rejects(bytes: Uint8Array, column: number | null, expected: RegExp, found?: RegExp): Promise<ParseError> {
  let first: ParseError | null = null;
  for (const chunkSize of [1 << 16, 5, 1]) {
    try {
      await read(bytes, chunkSize);
    } catch (err) {
      assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
      assert.equal(err.file, NAME);
      assert.equal(err.line, 1);
      if (column !== null) assert.equal(err.column, column, err.message);
      assert.match(err.expected, expected, err.message);
      if (found) assert.match(err.found, found, err.message);
      first ??= err;
      continue;
    }
    assert.fail(`no error (chunk size ${chunkSize})`);
  }
  return first!;
}

/** The byte offset + 1 (an error column) of `needle` inside a v1 file's dict. */
function dictColumn(dict: string, needle: string): number {
  const at = dict.indexOf(needle);
  assert.ok(at >= 0);
  return 10 + at + 1;
}

// ------------------------------------------------------------------------------------------
// Fixtures

const DTYPE_VALUES: Record<string, number[]> = {
  f8: [1.5, -2.25, 0, 1e300, -1e-300, Math.PI],
  f4: [1.5, -2.25, 0, 3.4028234663852886e38, -1.401298464324817e-45, Math.fround(Math.PI)],
  i1: [-128, -1, 0, 1, 100, 127],
  u1: [0, 1, 2, 128, 254, 255],
  i2: [-32768, -1, 0, 1, 1000, 32767],
  u2: [0, 1, 2, 1000, 40000, 65535],
  i4: [-2147483648, -1, 0, 1, 123456789, 2147483647],
  u4: [0, 1, 2, 123456789, 3000000000, 4294967295],
  i8: [-9007199254740991, -1, 0, 1, 2 ** 40, 9007199254740991],
  u8: [0, 1, 2, 2 ** 40, 2 ** 52 + 3, 9007199254740991],
  b1: [0, 1, 1, 0, 0, 1],
};

test('every numeric dtype, little- and big-endian, reads exactly (C order)', async () => {
  for (const [code, values] of Object.entries(DTYPE_VALUES)) {
    const orders = code.endsWith('1') ? ['|', '<', '>'] : ['<', '>'];
    for (const order of orders) {
      const m = await read(npy({ descr: order + code, shape: '(2, 3)', values }));
      assert.deepEqual(grid(m), [values.slice(0, 3), values.slice(3)], `${order}${code}`);
    }
  }
});

test('64-bit integers beyond 2^53 round to the nearest double', async () => {
  const bytes = new Uint8Array(32);
  const v = new DataView(bytes.buffer);
  v.setBigInt64(0, -(2n ** 63n), true);
  v.setBigInt64(8, 2n ** 63n - 1n, true);
  v.setBigUint64(16, 2n ** 64n - 1n, false);
  v.setBigInt64(24, 2n ** 53n + 3n, true);
  const m = await read(npy({ descr: '<i8', shape: '(4,)', data: bytes }));
  // Slot 2 holds 0xff × 8 (written as a big-endian u64 max): -1 as <i8.
  assert.deepEqual(Array.from(m.values), [-(2 ** 63), 2 ** 63, -1, 2 ** 53 + 4]);
  const u = await read(npy({ descr: '>u8', shape: '(1,)', data: bytes.slice(16, 24) }));
  assert.deepEqual(Array.from(u.values), [2 ** 64]);
});

test('bool: any non-zero byte is true', async () => {
  const m = await read(npy({ descr: '|b1', shape: '(3,)', data: Uint8Array.from([0, 1, 7]) }));
  assert.deepEqual(grid(m), [[0], [1], [1]]);
});

test('float16, both byte orders: normals, subnormals; NaN is missing; an infinity is refused at its byte', async () => {
  for (const [inf, le] of [[0x7c00, true], [0xfc00, false]] as const) {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setUint16(0, 0x3c00, le);
    new DataView(data.buffer).setUint16(2, inf, le);
    const bytes = npy({ descr: le ? '<f2' : '>f2', shape: '(2,)', data });
    await assert.rejects(read(bytes), (e: ParseError) => e instanceof ParseError && e.column === bytes.length - 1 && /infinities are refused/.test(e.message) && /row 2, column 1/.test(e.found));
  }
  const halves = [0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7e00, 0x8000];
  for (const le of [true, false]) {
    const data = new Uint8Array(halves.length * 2);
    halves.forEach((h, k) => new DataView(data.buffer).setUint16(2 * k, h, le));
    const m = await read(npy({ descr: le ? '<f2' : '>f2', shape: `(${halves.length},)`, data }));
    assert.deepEqual(
      grid(m).map((r) => r[0]),
      [1, -2, 0.5, 65504, 2 ** -24, null, -0],
    );
  }
});

test('NaN is missing (any payload, f4 and f8); other values observed', async () => {
  const data = new Uint8Array(24);
  const v = new DataView(data.buffer);
  v.setFloat64(0, NaN, true);
  v.setUint32(8, 0xfff80001, true); // a signalling-style NaN with a payload (high word)
  v.setUint32(12, 0x7ff00000 | 0x1234, true);
  v.setFloat64(16, -0, true);
  const m = await read(npy({ descr: '<f8', shape: '(3,)', data }));
  assert.deepEqual(Array.from(m.observed), [0, 0, 1]);
  assert.deepEqual(Array.from(m.values), [0, 0, -0]);
  const f = await read(npy({ descr: '>f4', shape: '(2, 1)', values: [NaN, 2] }));
  assert.deepEqual(grid(f), [[null], [2]]);
});

test('Fortran order is column-major', async () => {
  // The 2 × 3 matrix [[1, 2, 3], [4, 5, 6]], stored column by column.
  const m = await read(npy({ descr: '<i4', shape: '(2, 3)', values: [1, 4, 2, 5, 3, 6], fortran: true }));
  assert.deepEqual(grid(m), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const be = await read(npy({ descr: '>f8', shape: '(3, 2)', values: [1, 2, 3, 4, 5, 6], fortran: true }));
  assert.deepEqual(grid(be), [
    [1, 4],
    [2, 5],
    [3, 6],
  ]);
  // For a vector the order makes no difference.
  assert.deepEqual(grid(await read(npy({ descr: '<f8', shape: '(3,)', values: [1, 2, 3], fortran: true }))), [[1], [2], [3]]);
});

test('shapes: (n,) is n×1, () is 1×1, empty dimensions are allowed', async () => {
  const v = await read(npy({ descr: '<f8', shape: '(4,)', values: [1, 2, 3, 4] }));
  assert.equal(v.rows, 4);
  assert.equal(v.cols, 1);
  assert.deepEqual(v.rowLabels, ['1', '2', '3', '4']);
  assert.deepEqual(v.colIds, ['1']);
  assert.equal(v.times, null);
  assert.equal(v.places, null);
  assert.deepEqual(grid(await read(npy({ descr: '<f8', shape: '()', values: [42] }))), [[42]]);
  const empty = await read(npy({ descr: '<f8', shape: '(0, 3)', values: [] }));
  assert.deepEqual([empty.rows, empty.cols, empty.values.length], [0, 3, 0]);
  const empty2 = await read(npy({ descr: '<f8', shape: '(3, 0)', values: [] }));
  assert.deepEqual([empty2.rows, empty2.cols], [3, 0]);
});

test('format versions 2.0 and 3.0 (4-byte header length; UTF-8 header)', async () => {
  const values = [1, 2, 3, 4, 5, 6];
  const v2 = await read(npy({ descr: '<f4', shape: '(3, 2)', values, version: 2 }));
  assert.deepEqual(grid(v2), [
    [1, 2],
    [3, 4],
    [5, 6],
  ]);
  // A v3 header may hold UTF-8; unknown keys are ignored.
  const dict = "{'descr': '<u2', 'fortran_order': False, 'shape': (2, 3), 'note': 'Zürich 東京', }";
  const v3 = await read(npy({ descr: '<u2', shape: '', values, version: 3, dict }));
  assert.deepEqual(grid(v3), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('header variants: key order, double quotes, Python 2 longs, 16-byte alignment, no trailing comma', async () => {
  const dict = '{"shape": (2L, 2L), "fortran_order": True, "descr": "<i2"}';
  const m = await read(npy({ descr: '<i2', shape: '', values: [1, 3, 2, 4], dict, align: 16 }));
  assert.deepEqual(grid(m), [
    [1, 2],
    [3, 4],
  ]);
  const spaced = "{ 'descr' : '<f8' ,\t'fortran_order':False,'shape':( 2 , ) }";
  assert.deepEqual(grid(await read(npy({ descr: '<f8', shape: '', values: [7, 8], dict: spaced }))), [[7], [8]]);
});

test('every fixture gives the same matrix at every chunk size (elements straddling chunks)', async () => {
  const fixtures = [
    npy({ descr: '<f8', shape: '(3, 4)', values: Array.from({ length: 12 }, (_, k) => k / 3) }),
    npy({ descr: '>i8', shape: '(2, 3)', values: [1, -2, 3, -4, 5, -6], fortran: true, version: 2 }),
    npy({ descr: '<u2', shape: '(5,)', values: [1, 2, 3, 4, 5] }),
    npy({ descr: '|b1', shape: '(2, 2)', values: [1, 0, 0, 1] }),
  ];
  for (const bytes of fixtures) {
    const whole = await read(bytes);
    for (let size = 1; size <= 19; size++) assertSameMatrix(await read(bytes, size), whole);
  }
});

// ------------------------------------------------------------------------------------------
// Writing

test('writeNpy: version 1.0, <f8, C order, header padded to 64 bytes, missing as NaN', async () => {
  const m = createMaskedMatrix(2, 3);
  m.values.set([1, 0, -0, 0, 1e-310, -1.7976931348623157e308]);
  m.observed.set([1, 1, 1, 0, 1, 1]);
  const bytes = writeNpy(m);
  assert.deepEqual(Array.from(bytes.subarray(0, 8)), [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  assert.equal((10 + headerLen) % 64, 0);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLen));
  assert.match(header, /^\{'descr': '<f8', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  assert.equal(bytes.length, 10 + headerLen + 6 * 8);
  const data = new DataView(bytes.buffer, bytes.byteOffset + 10 + headerLen);
  assert.ok(Number.isNaN(data.getFloat64(3 * 8, true)));
  assert.equal(data.getFloat64(5 * 8, true), -1.7976931348623157e308);
  assertSameMatrix(await read(bytes), m);
});

// ------------------------------------------------------------------------------------------
// Properties

const matrixArb = fc
  .record({ rows: fc.integer({ min: 0, max: 7 }), cols: fc.integer({ min: 0, max: 7 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      values: fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: rows * cols, maxLength: rows * cols }),
      mask: fc.array(fc.boolean(), { minLength: rows * cols, maxLength: rows * cols }),
    }),
  )
  .map(({ rows, cols, values, mask }) => {
    const m = createMaskedMatrix(rows, cols);
    mask.forEach((o, k) => {
      m.observed[k] = o ? 1 : 0;
      m.values[k] = o ? values[k] : 0;
    });
    return m;
  });

test('property: writeNpy → readNpy round-trips exactly at any chunk size', async () => {
  await fc.assert(
    fc.asyncProperty(matrixArb, fc.integer({ min: 1, max: 64 }), async (m, chunkSize) => {
      assertSameMatrix(await read(writeNpy(m), chunkSize), m);
    }),
    { numRuns: 300 },
  );
});

const INT_RANGES: Record<string, [number, number]> = {
  i1: [-128, 127],
  u1: [0, 255],
  i2: [-32768, 32767],
  u2: [0, 65535],
  i4: [-(2 ** 31), 2 ** 31 - 1],
  u4: [0, 2 ** 32 - 1],
  i8: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  u8: [0, Number.MAX_SAFE_INTEGER],
  b1: [0, 1],
};

test('property: any dtype, byte order, memory order, shape and version reads what was encoded', async () => {
  const caseArb = fc
    .record({
      code: fc.constantFrom(...Object.keys(INT_RANGES), 'f4', 'f8'),
      big: fc.boolean(),
      fortran: fc.boolean(),
      version: fc.constantFrom<1 | 2 | 3>(1, 2, 3),
      rows: fc.integer({ min: 0, max: 6 }),
      cols: fc.integer({ min: 0, max: 6 }),
      chunkSize: fc.integer({ min: 1, max: 64 }),
    })
    .chain((c) => {
      const range = INT_RANGES[c.code];
      const value = range
        ? fc.integer({ min: range[0], max: range[1] })
        : c.code === 'f4'
          ? fc.float({ noDefaultInfinity: true }).map((x) => x)
          : fc.double({ noDefaultInfinity: true });
      return fc.record({ c: fc.constant(c), values: fc.array(value, { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }) });
    });
  await fc.assert(
    fc.asyncProperty(caseArb, async ({ c, values }) => {
      const descr = (c.code.endsWith('1') ? '|' : c.big ? '>' : '<') + c.code;
      // File order: C is row-major; Fortran lists column by column.
      const fileOrder = c.fortran
        ? Array.from({ length: values.length }, (_, k) => values[(k % c.rows) * c.cols + Math.floor(k / c.rows)])
        : values;
      const bytes = npy({ descr, shape: `(${c.rows}, ${c.cols})`, values: fileOrder, fortran: c.fortran, version: c.version });
      const m = await read(bytes, c.chunkSize);
      assert.equal(m.rows, c.rows);
      assert.equal(m.cols, c.cols);
      values.forEach((x, k) => {
        if (Number.isNaN(x)) {
          assert.equal(m.observed[k], 0);
          assert.equal(m.values[k], 0);
        } else {
          assert.equal(m.observed[k], 1);
          assert.equal(m.values[k], x);
        }
      });
    }),
    { numRuns: 400 },
  );
});

test('property: mutated or truncated files parse or throw ParseError, and chunking never matters', async () => {
  const seeds = [
    npy({ descr: '<f8', shape: '(3, 2)', values: [1, NaN, 3, 4, 5, 6] }),
    npy({ descr: '>i4', shape: '(2, 2)', values: [1, -2, 3, -4], fortran: true, version: 2 }),
    npy({ descr: '|b1', shape: '(5,)', values: [1, 0, 1, 1, 0] }),
    npy({ descr: '<f4', shape: '()', values: [2.5], version: 3 }),
  ];
  const byteArb = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(...Array.from("(),:'{} 0123456789<>|fiub", (c) => c.charCodeAt(0))),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: seeds.length - 1 }),
      fc.array(fc.tuple(fc.nat(), byteArb), { maxLength: 3 }),
      fc.option(fc.nat()),
      fc.integer({ min: 1, max: 64 }),
      async (seed, mutations, cut, chunkSize) => {
        const bytes = seeds[seed].slice();
        for (const [pos, b] of mutations) bytes[pos % bytes.length] = b;
        const data = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        const outcome = async (size: number) => {
          try {
            return grid(await read(data, size));
          } catch (err) {
            if (!(err instanceof ParseError)) throw err;
            return err.message;
          }
        };
        assert.deepEqual(await outcome(chunkSize), await outcome(1 << 16));
      },
    ),
    { numRuns: 1000 },
  );
});

// ------------------------------------------------------------------------------------------
// Errors

const GOOD = { descr: '<f8', shape: '(2, 3)', values: [1, 2, 3, 4, 5, 6] };

test('error: bad magic', async () => {
  await rejects(new TextEncoder().encode('a,b\n1,2\n'), 1, /magic string \\x93NUMPY/, /byte 0x61/);
  const bytes = npy(GOOD);
  bytes[3] = 0x6d; // 'NUmPY'
  await rejects(bytes, 4, /magic/);
});

test('error: unsupported version', async () => {
  const bytes = npy(GOOD);
  bytes[6] = 4;
  await rejects(bytes, 7, /version 1\.0, 2\.0 or 3\.0/, /version 4\.0/);
  bytes[6] = 1;
  bytes[7] = 1;
  await rejects(bytes, 7, /version/, /version 1\.1/);
});

test('error: file ends inside the preamble or header', async () => {
  const bytes = npy(GOOD);
  await rejects(bytes.subarray(0, 0), 1, /magic string and version/, /end of file after 0 bytes/);
  await rejects(bytes.subarray(0, 9), 10, /header length/, /after 9 bytes/);
  await rejects(bytes.subarray(0, 40), 41, /a header of 118 bytes/, /end of file after 40 bytes/);
});

test('error: header is not a dict', async () => {
  await rejects(npy({ ...GOOD, dict: "['<f8', False, (2, 3)]" }), 11, /header dict/, /\["<f8", False, \(2, 3\)\]/);
});

test('error: header is missing a key', async () => {
  const dict = "{'descr': '<f8', 'fortran_order': False}";
  await rejects(npy({ ...GOOD, dict }), 10 + dict.length, /the key 'shape'/, /'descr', 'fortran_order'/);
});

test('error: malformed header literal', async () => {
  const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3}";
  await rejects(npy({ ...GOOD, dict }), dictColumn(dict, '}'), /',' or '\)'/, /"}"/);
  const dict2 = "{'descr': '<f8', 'fortran_order': false, 'shape': (2, 3)}";
  await rejects(npy({ ...GOOD, dict: dict2 }), dictColumn(dict2, 'false'), /Python literal/, /false/);
  const dict3 = "{'descr': '<f8'} trailing";
  await rejects(npy({ ...GOOD, dict: dict3 }), dictColumn(dict3, 'trailing'), /end of the header/);
  const deep = `{'descr': ${'('.repeat(100)}`;
  await rejects(npy({ ...GOOD, dict: deep }), null, /nested at most 16 deep/);
});

test('error: unsupported dtypes name the dtype and list the supported ones', async () => {
  for (const descr of ['<c16', '<U10', '|S4', '<M8[ns]', '<f16', '<i3']) {
    const e = await rejects(npy({ ...GOOD, descr, data: new Uint8Array(0) }), dictColumn(`{'descr': '${descr}'`, `'${descr}'`), /supported dtype: <f8 >f8 <f4/, new RegExp(descr.replace(/[[\]]/g, '\\$&')));
    assert.match(e.expected, /\|b1/);
  }
});

test('error: object arrays are refused', async () => {
  const e = await rejects(npy({ ...GOOD, descr: '|O', data: new Uint8Array(48) }), 21, /object arrays need pickle/, /"\|O"/);
  assert.match(e.message, /a\.npy:1:21:/);
});

test('error: structured dtypes are refused', async () => {
  const dict = "{'descr': [('x', '<f8'), ('y', '<i4')], 'fortran_order': False, 'shape': (2,)}";
  await rejects(npy({ ...GOOD, dict }), dictColumn(dict, '['), /structured dtypes are not supported/);
});

test('error: fortran_order must be a bool', async () => {
  const dict = "{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3)}";
  await rejects(npy({ ...GOOD, dict }), dictColumn(dict, '0'), /True or False/, /^0$/);
});

test('error: more than 2 dimensions', async () => {
  const dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }";
  await rejects(npy({ ...GOOD, dict }), dictColumn(dict, '(2, 3, 4)'), /at most 2 dimensions/, /\(2, 3, 4\)/);
});

test('error: bad dimensions (negative, not an integer, too large)', async () => {
  const neg = "{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }";
  await rejects(npy({ ...GOOD, dict: neg }), dictColumn(neg, '-3'), /non-negative integer dimension/, /-3/);
  const str = "{'descr': '<f8', 'fortran_order': False, 'shape': ('2', 3), }";
  await rejects(npy({ ...GOOD, dict: str }), dictColumn(str, "'2'"), /non-negative integer dimension/);
  const notTuple = "{'descr': '<f8', 'fortran_order': False, 'shape': 6, }";
  await rejects(npy({ ...GOOD, dict: notTuple }), dictColumn(notTuple, '6'), /tuple of non-negative integers/);
  await rejects(npy({ ...GOOD, shape: '(100000, 100000)', data: new Uint8Array(0) }), null, /at most 2147483648 entries/, /100000 × 100000/);
  await rejects(npy({ ...GOOD, shape: '(20000000,)', data: new Uint8Array(0) }), null, /at most 16777216 rows/);
});

test('error: header length beyond the limit', async () => {
  const bytes = npy({ ...GOOD, version: 2 });
  new DataView(bytes.buffer).setUint32(8, 2 ** 30, true);
  await rejects(bytes, 9, /header length of at most/, /1073741824/);
});

test('error: v3 header that is not UTF-8', async () => {
  const bytes = npy({ ...GOOD, version: 3 });
  bytes[14] = 0xff;
  await rejects(bytes, 13, /UTF-8 header/);
});

test('error: truncated data says how many bytes were expected and found', async () => {
  const bytes = npy(GOOD);
  const dataStart = bytes.length - 48;
  assert.equal(dataStart, 128);
  const e = await rejects(bytes.subarray(0, dataStart + 21), dataStart + 21 + 1, /48 data bytes \(2 × 3 × 8-byte values\)/, /end of file after 21 data bytes/);
  assert.match(e.message, /expected 48 data bytes/);
});

test('error: trailing bytes after the data', async () => {
  const bytes = npy(GOOD);
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  await rejects(longer, 128 + 48 + 1, /end of file after 48 data bytes/, /3 extra bytes/);
});

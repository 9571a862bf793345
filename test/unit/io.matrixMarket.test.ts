import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { ParseError } from '../../src/core/io/errors';
import { memorySource } from '../../src/core/io/source';
import { fileSource, writeFileAtomic } from '../../src/core/io/node';
import {
  readMatrixMarket,
  writeMatrixMarket,
  writeMatrixMarketArray,
  type MatrixMarketOptions,
} from '../../src/core/io/matrixMarket';

const NAME = 'm.mtx';

function read(text: string | Uint8Array, options?: MatrixMarketOptions, chunkSize?: number): Promise<MaskedMatrix> {
  return readMatrixMarket(memorySource(NAME, text, chunkSize), options);
}

/** Row-major values and mask as plain arrays; missing entries as null, for readable diffs. */
function grid(m: MaskedMatrix): (number | null)[][] {
  return Array.from({ length: m.rows }, (_, i) =>
    Array.from({ length: m.cols }, (_, j) => (m.observed[i * m.cols + j] ? m.values[i * m.cols + j] : null)),
  );
}

function assertSameMatrix(a: MaskedMatrix, b: MaskedMatrix): void {
  assert.equal(a.rows, b.rows);
  assert.equal(a.cols, b.cols);
  assert.deepEqual(Array.from(a.observed), Array.from(b.observed));
  assert.deepEqual(Array.from(a.values), Array.from(b.values)); // strict: -0 differs from 0
  assert.deepEqual(a.rowLabels, b.rowLabels);
  assert.deepEqual(a.colIds, b.colIds);
}

async function rejects(
  text: string,
  where: { line: number; column?: number },
  expected: RegExp,
  found?: RegExp,
  options?: MatrixMarketOptions,
): Promise<ParseError> {
  for (const chunkSize of [1 << 16, 3]) {
    try {
      await read(text, options, chunkSize);
    } catch (err) {
      assert.ok(err instanceof ParseError, `expected a ParseError, got ${String(err)}`);
      assert.equal(err.file, NAME);
      assert.equal(err.line, where.line, err.message);
      if (where.column !== undefined) assert.equal(err.column, where.column, err.message);
      assert.match(err.expected, expected, err.message);
      if (found) assert.match(err.found, found, err.message);
      if (chunkSize === 3) return err;
      continue;
    }
    assert.fail(`no error for:\n${text}`);
  }
  throw new Error('unreachable');
}

// ------------------------------------------------------------------------------------------
// Fixtures

const GENERAL = `%%MatrixMarket matrix coordinate real general
% a comment
%   and another

3 4 4
1 1 1.5

% a comment between entries
2 3 -2e-3
3 4 7
3 1 0
`;

test('coordinate real general: unlisted entries are observed zeros by default', async () => {
  const m = await read(GENERAL);
  assert.deepEqual(grid(m), [
    [1.5, 0, 0, 0],
    [0, 0, -0.002, 0],
    [0, 0, 0, 7],
  ]);
  assert.deepEqual(m.rowLabels, ['1', '2', '3']);
  assert.deepEqual(m.colIds, ['1', '2', '3', '4']);
  assert.equal(m.times, null);
  assert.equal(m.places, null);
});

test("coordinate with unlisted: 'missing' keeps only listed entries observed (a listed 0 included)", async () => {
  const m = await read(GENERAL, { unlisted: 'missing' });
  assert.deepEqual(grid(m), [
    [1.5, null, null, null],
    [null, null, -0.002, null],
    [0, null, null, 7],
  ]);
  assert.equal(m.values[1], 0, 'missing entries hold 0 by convention');
});

test('symmetric coordinate entries are mirrored; the diagonal is not doubled', async () => {
  const text = `%%MatrixMarket matrix coordinate real symmetric
3 3 4
1 1 2
2 1 -1
3 2 5
3 3 4
`;
  assert.deepEqual(grid(await read(text)), [
    [2, -1, 0],
    [-1, 0, 5],
    [0, 5, 4],
  ]);
  assert.deepEqual(grid(await read(text, { unlisted: 'missing' })), [
    [2, -1, null],
    [-1, null, 5],
    [null, 5, 4],
  ]);
});

test('pattern entries are 1; symmetric pattern is mirrored; duplicates stay 1', async () => {
  const text = `%%MatrixMarket matrix coordinate pattern symmetric
3 3 4
1 1
3 1
3 1
2 2
`;
  assert.deepEqual(grid(await read(text, { unlisted: 'missing' })), [
    [1, null, 1],
    [null, 1, null],
    [1, null, null],
  ]);
});

test('integer field, including large and signed values', async () => {
  const text = `%%MatrixMarket matrix coordinate integer general
2 2 3
1 1 -42
1 2 +7
2 2 9007199254740993
`;
  const m = await read(text, { unlisted: 'missing' });
  assert.deepEqual(grid(m), [
    [-42, 7],
    [null, 9007199254740992], // beyond 2^53: rounded, as any double
  ]);
});

test('duplicate coordinate entries are summed', async () => {
  const text = `%%MatrixMarket matrix coordinate real general
2 2 4
1 1 1.25
1 1 2
2 2 3
1 1 -0.25
`;
  assert.deepEqual(grid(await read(text, { unlisted: 'missing' })), [
    [3, null],
    [null, 3],
  ]);
  assert.deepEqual(grid(await read(text)), [
    [3, 0],
    [0, 3],
  ]);
});

test('array general is column-major', async () => {
  const text = `%%MatrixMarket matrix array real general
% 2 x 3
2 3
1
4
2

5
3
6
`;
  assert.deepEqual(grid(await read(text)), [
    [1, 2, 3],
    [4, 5, 6],
  ]);
});

test('array symmetric lists the lower triangle column by column', async () => {
  const text = `%%MatrixMarket matrix array integer symmetric
3 3
11
21
31
22
32
33
`;
  assert.deepEqual(grid(await read(text)), [
    [11, 21, 31],
    [21, 22, 32],
    [31, 32, 33],
  ]);
});

test('NaN values mean missing, in coordinate and array files, whatever unlisted is', async () => {
  const coord = `%%MatrixMarket matrix coordinate real general
2 2 2
1 1 nan
2 2 NaN
`;
  assert.deepEqual(grid(await read(coord)), [
    [null, 0],
    [0, null],
  ]);
  const array = `%%MatrixMarket matrix array real general
2 2
1
-nan
NAN
4
`;
  const m = await read(array);
  assert.deepEqual(grid(m), [
    [1, null],
    [null, 4],
  ]);
  assert.equal(m.values[1], 0);
  // A NaN among duplicates makes the whole entry missing.
  const dup = `%%MatrixMarket matrix coordinate real general
1 1 2
1 1 3
1 1 nan
`;
  assert.deepEqual(grid(await read(dup)), [[null]]);
});

test('number syntax: exponents, Fortran D exponents, leading dot; infinities and overflow refused', async () => {
  const text = `%%MatrixMarket matrix array real general
1 5
1e3
-2.5E-2
1.5D2
.5
5.
`;
  assert.deepEqual(grid(await read(text)), [[1000, -0.025, 150, 0.5, 5]]);
  for (const bad of ['inf', '-Infinity', '1e309', '-2D400']) {
    await rejects(`%%MatrixMarket matrix array real general\n1 2\n1\n${bad}\n`, { line: 4, column: 1 }, /finite/);
  }
});

test('CRLF line endings, a UTF-8 BOM, tabs, case-insensitive banner, no final newline', async () => {
  const text = '\uFEFF%%matrixmarket MATRIX Coordinate REAL General\r\n% c\r\n\r\n2\t2  1\r\n 2 1\t3.5 ';
  const m = await read(text, { unlisted: 'missing' });
  assert.deepEqual(grid(m), [
    [null, null],
    [3.5, null],
  ]);
  for (const size of [1, 2, 5]) assertSameMatrix(await read(text, { unlisted: 'missing' }, size), m);
});

test('a multi-byte UTF-8 comment split across chunks is harmless', async () => {
  const text = '%%MatrixMarket matrix coordinate real general\n% Zürich — 東京\n1 1 1\n1 1 2.5\n';
  for (const size of [1, 2, 3, 7]) assert.deepEqual(grid(await read(text, {}, size)), [[2.5]]);
});

test('blank lines before the banner are tolerated; a zero-sized matrix is allowed', async () => {
  const m = await read('\n  \n%%MatrixMarket matrix coordinate real general\n0 3 0\n');
  assert.equal(m.rows, 0);
  assert.equal(m.cols, 3);
  assert.equal(m.values.length, 0);
});

test('every fixture gives the same matrix at every chunk size', async () => {
  for (const text of [GENERAL, `%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n`]) {
    const whole = await read(text, { unlisted: 'missing' });
    for (let size = 1; size <= 17; size++) assertSameMatrix(await read(text, { unlisted: 'missing' }, size), whole);
  }
});

// ------------------------------------------------------------------------------------------
// Writing

test('writeMatrixMarket lists every observed entry, zeros included, with exact numbers', async () => {
  const m = createMaskedMatrix(2, 3);
  m.values.set([0.1, 0, -0, 1e-310, 0, 123456789.12345679]);
  m.observed.set([1, 1, 1, 1, 0, 1]);
  const text = writeMatrixMarket(m).join('');
  assert.equal(
    text,
    '%%MatrixMarket matrix coordinate real general\n' +
      '% Written by Lacuna. Entries not listed are missing, not zero: read with unlisted = missing.\n' +
      '2 3 5\n1 1 0.1\n1 2 0\n1 3 -0\n2 1 1e-310\n2 3 123456789.12345679\n',
  );
  assertSameMatrix(await read(text, { unlisted: 'missing' }), m);
});

test('writeMatrixMarketArray writes column-major and missing as nan', async () => {
  const m = createMaskedMatrix(2, 2);
  m.values.set([1, 2, 0, 4]);
  m.observed.set([1, 1, 0, 1]);
  const text = writeMatrixMarketArray(m).join('');
  assert.equal(text, '%%MatrixMarket matrix array real general\n2 2\n1\nnan\n2\n4\n');
  assertSameMatrix(await read(text), m);
});

test('a large matrix is written in several chunks and read back from disk', async () => {
  const m = createMaskedMatrix(300, 200);
  for (let k = 0; k < m.values.length; k++) {
    m.observed[k] = k % 7 === 3 ? 0 : 1;
    m.values[k] = m.observed[k] ? Math.sin(k) * 1e3 : 0;
  }
  const chunks = writeMatrixMarket(m);
  assert.ok(chunks.length > 1);
  const dir = await mkdtemp(join(tmpdir(), 'lacuna-mtx-'));
  try {
    const path = join(dir, 'out.mtx');
    await writeFileAtomic(path, chunks);
    assertSameMatrix(await readMatrixMarket(fileSource(path, 4096), { unlisted: 'missing' }), m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
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

test('property: write → read round-trips exactly at any chunk size (coordinate and array)', async () => {
  await fc.assert(
    fc.asyncProperty(matrixArb, fc.integer({ min: 1, max: 64 }), async (m, chunkSize) => {
      assertSameMatrix(await read(writeMatrixMarket(m).join(''), { unlisted: 'missing' }, chunkSize), m);
      assertSameMatrix(await read(writeMatrixMarketArray(m).join(''), {}, chunkSize), m);
    }),
    { numRuns: 300 },
  );
});

const FUZZ_SEEDS = [
  GENERAL,
  `%%MatrixMarket matrix coordinate pattern symmetric\n3 3 3\n1 1\n3 1\n2 2\n`,
  `%%MatrixMarket matrix array real symmetric\n2 2\n-1.5\n2.25\n-3.5\n`,
  `%%MatrixMarket matrix coordinate integer general\r\n2 2 2\r\n1 2 -4\r\n2 1 8\r\n`,
];

test('property: mutated or truncated files parse or throw ParseError, and chunking never matters', async () => {
  const seedBytes = FUZZ_SEEDS.map((s) => new TextEncoder().encode(s));
  const byteArb = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(...Array.from(' \n\r%-.eE0123456789', (c) => c.charCodeAt(0))),
  );
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: seedBytes.length - 1 }),
      fc.array(fc.tuple(fc.nat(), byteArb), { maxLength: 3 }),
      fc.option(fc.nat()),
      fc.integer({ min: 1, max: 64 }),
      fc.constantFrom<'zero' | 'missing'>('zero', 'missing'),
      async (seed, mutations, cut, chunkSize, unlisted) => {
        const bytes = seedBytes[seed].slice();
        for (const [pos, b] of mutations) bytes[pos % bytes.length] = b;
        const data = cut === null ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
        const outcome = async (size: number) => {
          try {
            return grid(await read(data, { unlisted }, size));
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

const HEAD = '%%MatrixMarket matrix coordinate real general\n';

test('error: empty file', async () => {
  await rejects('', { line: 1, column: 1 }, /%%MatrixMarket/, /end of file/);
});

test('error: garbled banner', async () => {
  await rejects('%%MatrixMarkt matrix coordinate real general\n1 1 0\n', { line: 1, column: 1 }, /%%MatrixMarket matrix/, /MatrixMarkt/);
  await rejects('1 1 1\n1 1 2\n', { line: 1, column: 1 }, /banner/);
  await rejects('%%MatrixMarket vector coordinate real general\n', { line: 1, column: 16 }, /object 'matrix'/, /vector/);
  await rejects('%%MatrixMarket matrix sparse real general\n', { line: 1, column: 23 }, /'coordinate' or 'array'/, /sparse/);
});

test('error: banner missing a word names it', async () => {
  await rejects('%%MatrixMarket matrix coordinate real\n', { line: 1, column: 38 }, /symmetry after "real"/, /end of line/);
});

test('error: unsupported field or symmetry says what is supported', async () => {
  const e = await rejects('%%MatrixMarket matrix coordinate complex general\n1 1 1\n1 1 1 0\n', { line: 1, column: 34 }, /'real', 'integer' or 'pattern'/, /complex/);
  assert.match(e.message, /complex matrices are not supported/);
  await rejects('%%MatrixMarket matrix coordinate real hermitian\n', { line: 1, column: 39 }, /'general' or 'symmetric'.*hermitian/, /hermitian/);
  await rejects('%%MatrixMarket matrix coordinate real skew-symmetric\n', { line: 1, column: 39 }, /'general' or 'symmetric'/, /skew-symmetric/);
  await rejects('%%MatrixMarket matrix array pattern general\n', { line: 1, column: 29 }, /pattern needs 'coordinate'/);
});

test('error: bad size lines', async () => {
  await rejects(`${HEAD}% c\n3 3\n`, { line: 3, column: 4 }, /rows columns entries/, /2 fields/);
  await rejects(`${HEAD}3 x 4\n`, { line: 2, column: 3 }, /non-negative integer column count/, /"x"/);
  await rejects(`${HEAD}3 -3 4\n`, { line: 2, column: 3 }, /non-negative integer column count/);
  await rejects('%%MatrixMarket matrix array real general\n2 2 4\n', { line: 2, column: 5 }, /'rows columns'/, /3 fields/);
  await rejects(`${HEAD}% only a comment\n`, { line: 2, column: 17 }, /size line/, /end of file/);
});

test('error: matrix dimensions are guarded before allocating', async () => {
  await rejects(`${HEAD}100000 100000 1\n`, { line: 2, column: 1 }, /at most 2147483648 entries/, /100000 × 100000/);
  await rejects(`${HEAD}1 3000000000 1\n`, { line: 2, column: 3 }, /column count of at most 16777216/);
  await rejects(`${HEAD}99999999999999999999 1 1\n`, { line: 2, column: 1 }, /non-negative integer row count/);
});

test('error: symmetric matrix must be square', async () => {
  await rejects('%%MatrixMarket matrix coordinate real symmetric\n2 3 1\n', { line: 2, column: 1 }, /square/, /2 × 3/);
});

test('error: non-numeric value', async () => {
  await rejects(`${HEAD}2 2 1\n1 1 abc\n`, { line: 3, column: 5 }, /a finite real number/, /"abc"/);
  await rejects(`${HEAD}2 2 1\n1 1 0x10\n`, { line: 3, column: 5 }, /a finite real number/, /"0x10"/);
});

test('error: non-integer value in an integer field', async () => {
  await rejects('%%MatrixMarket matrix coordinate integer general\n2 2 1\n2 1 1.5\n', { line: 3, column: 5 }, /integer value/, /"1\.5"/);
});

test('error: index out of range names the index and the bound', async () => {
  const e = await rejects(`${HEAD}3 4 1\n4 1 1.0\n`, { line: 3, column: 1 }, /row index from 1 to 3/, /row index 4/);
  assert.match(e.message, /m\.mtx:3:1/);
  await rejects(`${HEAD}3 4 1\n1   5 1.0\n`, { line: 3, column: 5 }, /column index from 1 to 4/, /column index 5/);
});

test('error: zero or negative index (indices are 1-based)', async () => {
  await rejects(`${HEAD}3 4 1\n0 1 1.0\n`, { line: 3, column: 1 }, /1-based/, /row index 0/);
  await rejects(`${HEAD}3 4 1\n1 -2 1.0\n`, { line: 3, column: 3 }, /column index from 1 to 4/, /column index -2/);
  await rejects(`${HEAD}3 4 1\n1.5 1 1.0\n`, { line: 3, column: 1 }, /integer row index/, /"1\.5"/);
});

test('error: wrong number of fields on an entry line', async () => {
  await rejects(`${HEAD}3 4 2\n1 1 1\n2 2\n`, { line: 4, column: 4 }, /3 fields \(row column value\)/, /2 fields/);
  await rejects(`${HEAD}3 4 1\n1 1 1 9\n`, { line: 3, column: 7 }, /3 fields/, /4 fields/);
  await rejects('%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 1 1\n', { line: 3, column: 5 }, /2 fields \(row column\)/);
  await rejects('%%MatrixMarket matrix array real general\n1 2\n1 2\n', { line: 3, column: 3 }, /1 field/);
});

test('error: fewer entries than promised points at the end of the file', async () => {
  await rejects(`${HEAD}3 4 3\n1 1 1\n2 2 2\n% trailing comment\n`, { line: 5, column: 19 }, /3 entries, as the size line \(line 2\) promised/, /after 2/);
  await rejects('%%MatrixMarket matrix array real general\n2 2\n1\n2\n3', { line: 5, column: 2 }, /4 entries/, /after 3/);
});

test('error: more entries than promised', async () => {
  await rejects(`${HEAD}3 4 1\n1 1 1\n\n2 2 2\n`, { line: 5, column: 1 }, /end of file after the 1 entries/, /2 2 2/);
  await rejects('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n4\n', { line: 6, column: 1 }, /3 values of the array/);
});

test('error: symmetric entry above the diagonal', async () => {
  await rejects('%%MatrixMarket matrix coordinate real symmetric\n3 3 2\n2 1 1\n1 3 1\n', { line: 4, column: 1 }, /on or below the diagonal/, /row 1, column 3/);
});

test('error: an absurdly long line is refused, not buffered', async () => {
  const long = `${HEAD}1 1 1\n1 1 ${'1'.repeat((1 << 20) + 10)}`;
  await assert.rejects(read(long), (err) => err instanceof ParseError && err.line === 3 && /at most 1048576 characters/.test(err.expected));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { detectDelimiter, parseCell, parseNumericLine, parseTimestamp, readDelimited } from '../../src/core/io/delimited';
import { ParseError } from '../../src/core/io/errors';
import { memorySource } from '../../src/core/io/source';

async function records(text: string, chunkSize = 1 << 16, name = 'x.csv') {
  const out = [];
  for await (const r of readDelimited(memorySource(name, text, chunkSize))) out.push(r);
  return out;
}

test('detects comma, tab and semicolon delimiters from the header', () => {
  assert.equal(detectDelimiter('a,b,c'), ',');
  assert.equal(detectDelimiter('a\tb\tc'), '\t');
  assert.equal(detectDelimiter('a;b;c'), ';');
  assert.equal(detectDelimiter('"a;b",c,d'), ',', 'delimiters inside quotes do not count');
  assert.equal(detectDelimiter('single', 'x.tsv'), '\t', 'a .tsv with one column defaults to tab');
});

test('reads quoted fields, escaped quotes, embedded newlines, CRLF and a BOM', async () => {
  const text = '\uFEFFid,"name, full",v\r\n1,"say ""hi""",3\r\n2,"two\r\nlines",4\r\n';
  for (const chunk of [1, 2, 3, 7, 1 << 16]) {
    const recs = await records(text, chunk);
    assert.deepEqual(recs.map((r) => r.fields), [
      ['id', 'name, full', 'v'],
      ['1', 'say "hi"', '3'],
      ['2', 'two\r\nlines', '4'],
    ], `chunk size ${chunk}`);
    assert.deepEqual(recs.map((r) => r.lineOf(0)), [1, 2, 3], `lines with chunk size ${chunk}`);
    assert.equal(recs[2].lineOf(2), 4, 'a field after an embedded CRLF is on the next line');
  }
});

test('tracks the 1-based line and column of every field, skipping blank lines', async () => {
  const recs = await records('a,bb,ccc\n\n1,22,333\n');
  assert.deepEqual([0, 1, 2].map((k) => recs[1].lineOf(k)), [3, 3, 3]);
  assert.deepEqual([0, 1, 2].map((k) => recs[1].columnOf(k)), [1, 3, 6]);
  assert.equal(recs.length, 2);
});

test('keeps empty fields, including trailing ones', async () => {
  const recs = await records('a,b,c\n1,,\n,,\n');
  assert.deepEqual(recs.map((r) => r.fields), [['a', 'b', 'c'], ['1', '', ''], ['', '', '']]);
});

test('an unclosed quote names the line and column where it opened', async () => {
  await assert.rejects(records('a,b\n1,"open\n2,3\n'), (e: unknown) => e instanceof ParseError && e.line === 2 && e.column === 3 && /closing quote/.test(e.message));
});

test('text after a closing quote is an error at its column', async () => {
  await assert.rejects(records('a,b\n"x"y,2\n'), (e: unknown) => e instanceof ParseError && e.line === 2 && e.column === 4);
});

test('a quote inside an unquoted field is an error', async () => {
  await assert.rejects(records('a,b\nab"c,2\n'), (e: unknown) => e instanceof ParseError && e.line === 2 && e.column === 3);
});

test('cells: numbers, missing markers, and the rest', () => {
  assert.equal(parseCell('0'), 0);
  assert.equal(parseCell(' -1.5e3 '), -1500);
  assert.equal(parseCell('.5'), 0.5);
  for (const m of ['', ' ', 'NA', 'na', 'NaN', 'null', 'NULL']) assert.ok(Number.isNaN(parseCell(m)!), m);
  for (const bad of ['abc', '1,5', '0x10', 'Infinity', '1e999', '--1']) assert.equal(parseCell(bad), undefined, bad);
});

test('timestamps: ISO 8601, slashes, zones; read as wall-clock UTC without a zone', () => {
  assert.equal(parseTimestamp('2014/05/01 01:00:00'), Date.UTC(2014, 4, 1, 1));
  assert.equal(parseTimestamp('2014-05-01T01:00'), Date.UTC(2014, 4, 1, 1));
  assert.equal(parseTimestamp('2014-05-01'), Date.UTC(2014, 4, 1));
  assert.equal(parseTimestamp('2014-05-01T01:00:00+08:00'), Date.UTC(2014, 4, 0, 17));
  assert.equal(parseTimestamp('2014-05-01T01:00:00.250Z'), Date.UTC(2014, 4, 1, 1, 0, 0, 250));
  for (const bad of ['2014-02-30', '2014-13-01', '12', 'yesterday', '2014-05-01 25:00']) assert.ok(Number.isNaN(parseTimestamp(bad)), bad);
});

// Property: any table of fields, written with quoting where needed, reads back the same,
// whatever the chunk size and line ending.
const fieldArb = fc.string({ unit: fc.constantFrom('a', 'b', '1', ' ', ',', ';', '"', '\n', 'é', '\t'), maxLength: 6 });

test('round-trips random tables through quoting, at any chunk size', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }).chain((w) => fc.array(fc.array(fieldArb, { minLength: w, maxLength: w }), { minLength: 1, maxLength: 6 })),
      fc.constantFrom(',', '\t', ';'),
      fc.constantFrom('\n', '\r\n'),
      fc.integer({ min: 1, max: 20 }),
      async (rows, delim, eol, chunk) => {
        // Rows whose every field is empty are blank lines, which the reader skips; make them non-blank.
        const table = rows.map((r) => (r.length === 1 && r[0] === '' ? ['x'] : r));
        const quote = (f: string) => (/[",;\t\r\n]/.test(f) || f !== f.trim() ? `"${f.replace(/"/g, '""')}"` : f);
        const text = table.map((r) => r.map(quote).join(delim)).join(eol) + eol;
        const out = [];
        for await (const r of readDelimited(memorySource('p.csv', text, chunk), { delimiter: delim as ',' })) out.push(r.fields);
        const norm = (f: string) => f.replace(/\r\n/g, '\n');
        assert.deepEqual(out.map((r) => r.map(norm)), table.map((r) => r.map(norm)));
      },
    ),
    { numRuns: 300 },
  );
});

test('fuzz: arbitrary bytes either parse or raise a ParseError', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 1, max: 17 }), async (bytes, chunk) => {
      try {
        for await (const r of readDelimited(memorySource('f.csv', bytes, chunk))) assert.ok(Array.isArray(r.fields));
      } catch (e) {
        assert.ok(e instanceof ParseError, `unexpected ${(e as Error).name}: ${(e as Error).message}`);
      }
    }),
    { numRuns: 500 },
  );
});

test('the in-place numeric line parser gives every cell the value parseCell gives it, to the bit', () => {
  const cell = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => String(v)),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).chain((v) => fc.integer({ min: 0, max: 17 }).map((d) => v.toFixed(d))),
    fc.stringMatching(/^[+-]?\d{0,18}\.?\d{0,18}$/),
    fc.constantFrom('', 'NA', 'nan', ' 1.5', '1e5', '-0', '+.5', '5.', '1.2.3', 'x', '-', '.', '0012.50', '1e400', '9007199254740993'),
  );
  fc.assert(
    fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
      const width = cells.length + 1;
      const values = new Float64Array(width + 1);
      const observed = new Uint8Array(width + 1);
      const label = parseNumericLine(['row', ...cells].join(','), ',', width, values, observed, 1);
      const expected = cells.map(parseCell);
      if (expected.some((v) => v === undefined)) {
        assert.equal(label, null);
        return;
      }
      assert.equal(label, 'row');
      expected.forEach((v, j) => {
        assert.equal(observed[1 + j], Number.isNaN(v) ? 0 : 1);
        if (!Number.isNaN(v)) assert.ok(Object.is(values[1 + j], v), `${cells[j]}: ${values[1 + j]} vs ${v}`);
      });
      // A line with one field too many or too few is refused whole.
      assert.equal(parseNumericLine(['row', ...cells, '1'].join(','), ',', width, values, observed, 1), null);
      if (cells.length > 1) assert.equal(parseNumericLine(['row', ...cells.slice(1)].join(','), ',', width, values, observed, 1), null);
    }),
    { numRuns: 2000 },
  );
});

// Property-based tests of the table readers: random matrices round-trip through the writer,
// and arbitrary bytes either parse or raise a ParseError, whatever the chunking.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ParseError } from '../../src/core/io/errors';
import { writeDelimited } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { readLocations, readLongTable, readWideTable } from '../../src/core/io/tables';
import { createMaskedMatrix } from '../../src/core/matrix/masked';

test('random wide tables round-trip exactly, missing and zero kept apart, at any chunk size', async () => {
  const cell = fc.oneof(fc.constant(null), fc.constant(0), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), fc.integer({ min: -1000, max: 1000 }));
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 6 }).chain((cols) => fc.tuple(fc.constant(cols), fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 12 }))),
      fc.constantFrom(',', '\t', ';'),
      fc.boolean(),
      fc.integer({ min: 1, max: 40 }),
      async ([cols, rows], delimiter, timestamps, chunk) => {
        const m = createMaskedMatrix(rows.length, cols, {
          colIds: Array.from({ length: cols }, (_, j) => `c${j}`),
          rowLabels: rows.map((_, i) => (timestamps ? new Date(Date.UTC(2024, 0, 1, i)).toISOString().slice(0, 19) : String(i + 1))),
        });
        rows.forEach((r, i) => r.forEach((v, j) => {
          if (v !== null) {
            m.values[i * cols + j] = Object.is(v, -0) ? 0 : v;
            m.observed[i * cols + j] = 1;
          }
        }));
        const text = [...writeDelimited(m, { delimiter: delimiter as ',', indexName: 'time' })].join('');
        const back = await readWideTable(memorySource('r.csv', text, chunk), { delimiter: delimiter as ',', header: 'yes' });
        assert.equal(back.rows, m.rows);
        assert.deepEqual(back.colIds, m.colIds);
        assert.deepEqual([...back.observed], [...m.observed]);
        assert.deepEqual([...back.values], [...m.values]);
        assert.equal(back.times !== null, timestamps);
      },
    ),
    { numRuns: 200 },
  );
});

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 160 }),
  // Mostly-valid text with random damage finds deeper paths than pure noise.
  fc.tuple(fc.constantFrom('time,a,b\n2024-01-01,1,2\n2024-01-02,,3\n', 'lat,lng,time,value\n25,121,2024-01-01T00:00,3\n', 'sensor_id,latitude,longitude\nA,40,116\n'), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 })).map(([t, edits]) => {
    const b = new TextEncoder().encode(t);
    for (const [at, v] of edits) b[at % b.length] = v;
    return b;
  }),
);

test('fuzz: the wide, long and locations readers parse or raise a ParseError, never anything else', async () => {
  await fc.assert(
    fc.asyncProperty(bytes, fc.integer({ min: 1, max: 13 }), async (data, chunk) => {
      for (const read of [readWideTable, readLongTable, readLocations] as const) {
        try {
          await read(memorySource('f.csv', data, chunk));
        } catch (e) {
          assert.ok(e instanceof ParseError || /H3 resolution|time-bin|column ids|partition would have/.test((e as Error).message), `${read.name}: ${(e as Error).name}: ${(e as Error).message}`);
        }
      }
    }),
    { numRuns: 400 },
  );
});

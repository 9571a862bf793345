// Property: for any input Lacuna accepts, the imputed output it writes reads back through its
// own reader with the same shape, every observed entry unchanged and every gap filled with a
// finite number (values near ±1.8e308, subnormals, unsorted times and missing runs included).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BASELINE_METHODS, imputeBaseline } from '../../src/core/impute/baselines';
import { writeMatrixMarket } from '../../src/core/io/matrixMarket';
import { writeNpy } from '../../src/core/io/npy';
import { readMatrix, serializeMatrix } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { createMaskedMatrix } from '../../src/core/matrix/masked';

const value = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1.7976931348623157e308, -1.7976931348623157e308, 1e308, -0, 5e-324, 0),
  fc.integer({ min: -1000, max: 1000 }),
);

const caseArb = fc
  .record({
    rows: fc.integer({ min: 1, max: 8 }),
    cols: fc.integer({ min: 1, max: 5 }),
    format: fc.constantFrom('csv', 'tsv', 'mtx', 'npy'),
    timed: fc.boolean(),
    method: fc.constantFrom(...BASELINE_METHODS),
    chunk: fc.integer({ min: 1, max: 64 }),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      values: fc.array(value, { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }),
      mask: fc.array(fc.boolean(), { minLength: c.rows * c.cols, maxLength: c.rows * c.cols }),
      // Distinct hours, in any order.
      hours: fc.shuffledSubarray(Array.from({ length: 48 }, (_, h) => h), { minLength: c.rows, maxLength: c.rows }),
    }),
  );

function inputFile({ c, values, mask, hours }: { c: { rows: number; cols: number; format: string; timed: boolean }; values: number[]; mask: boolean[]; hours: number[] }): { name: string; bytes: Uint8Array | string } {
  if (c.format === 'csv' || c.format === 'tsv') {
    const d = c.format === 'csv' ? ',' : '\t';
    const lines = [[c.timed ? 'time' : 'index', ...Array.from({ length: c.cols }, (_, j) => `s${j}`)].join(d)];
    for (let i = 0; i < c.rows; i++) {
      const label = c.timed ? new Date(Date.UTC(2024, 0, 1, hours[i])).toISOString().replace('.000Z', 'Z') : `r${i}`;
      const cells = Array.from({ length: c.cols }, (_, j) => (mask[i * c.cols + j] ? String(values[i * c.cols + j]) : ['', 'NA', 'nan'][(i + j) % 3]));
      lines.push([label, ...cells].join(d));
    }
    return { name: `in.${c.format}`, bytes: lines.join('\n') + '\n' };
  }
  const m = createMaskedMatrix(c.rows, c.cols);
  for (let k = 0; k < values.length; k++) {
    m.values[k] = mask[k] ? values[k] : 0;
    m.observed[k] = mask[k] ? 1 : 0;
  }
  return c.format === 'mtx' ? { name: 'in.mtx', bytes: writeMatrixMarket(m).join('') } : { name: 'in.npy', bytes: writeNpy(m) };
}

function join(parts: Iterable<string | Uint8Array>): Uint8Array {
  const chunks = Array.from(parts, (p) => (typeof p === 'string' ? new TextEncoder().encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of chunks) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

test('property: any accepted input → impute → write → read back: same shape, observed entries unchanged, gaps finite', async () => {
  let accepted = 0;
  await fc.assert(
    fc.asyncProperty(caseArb, async (kase) => {
      const { name, bytes } = inputFile(kase);
      const unlisted = kase.c.format === 'mtx' ? ('missing' as const) : undefined;
      let input;
      try {
        input = await readMatrix(memorySource(name, bytes, kase.c.chunk), { unlisted });
      } catch {
        return; // refused inputs are the fuzz test's business
      }
      accepted++;
      const m = input.matrix;
      const filled = imputeBaseline(kase.c.method, m);
      const out = { ...m, values: filled, observed: new Uint8Array(m.rows * m.cols).fill(1) };
      const written = join(serializeMatrix(out, input.format, { delimiter: input.delimiter, indexName: input.indexName }));
      const text = new TextDecoder().decode(written);
      assert.doesNotMatch(input.format === 'npy' ? '' : text, /Infinity|NaN/);
      const back = (await readMatrix(memorySource(name.replace('in.', 'out.'), written, kase.c.chunk), { unlisted })).matrix;
      assert.equal(back.rows, m.rows);
      assert.equal(back.cols, m.cols);
      assert.deepEqual(back.rowLabels.length, m.rows);
      if (m.times) assert.deepEqual(Array.from(back.times ?? []), Array.from(m.times));
      for (let k = 0; k < m.values.length; k++) {
        assert.equal(back.observed[k], 1, `entry ${k} filled`);
        assert.ok(Number.isFinite(back.values[k]), `entry ${k} finite`);
        if (m.observed[k]) assert.ok(back.values[k] === m.values[k], `observed entry ${k}: ${m.values[k]} came back as ${back.values[k]}`);
      }
    }),
    { numRuns: 300, seed: 16 },
  );
  assert.ok(accepted > 250, `only ${accepted} of 300 inputs were accepted`);
});

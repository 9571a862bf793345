import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ByteSource } from '../../src/core/io/source';
import { readWideTable } from '../../src/core/io/tables';

// A 200 MB CSV, generated chunk by chunk so that the test itself never holds it either.
// Each cell is 37 characters of text but 9 bytes in the matrix (8 for the value, 1 for the
// mask), so a reader that kept the text (200 MB, twice that as a JS string) would blow the
// bound below, while a streaming one stays near the matrix's size.
const COLS = 50;
const CELL = '0.1234567890123456789012345678901234'; // 36 chars + delimiter
const TARGET_BYTES = 200 * 1024 * 1024;

function generatedCsv(): { source: ByteSource; rows: number; bytes: number } {
  const header = 'time,' + Array.from({ length: COLS }, (_, j) => `c${j}`).join(',') + '\n';
  const row = (i: number) => `${i},${Array.from({ length: COLS }, (_, j) => ((i + j) % 97 === 0 ? 'NA' : CELL)).join(',')}\n`;
  const rowBytes = row(1).length;
  const rows = Math.ceil((TARGET_BYTES - header.length) / rowBytes);
  const encoder = new TextEncoder();
  return {
    rows,
    bytes: header.length + rows * rowBytes,
    source: {
      name: 'big.csv',
      async *chunks() {
        yield encoder.encode(header);
        let batch = '';
        for (let i = 0; i < rows; i++) {
          batch += row(i);
          if (batch.length > 1 << 20) {
            yield encoder.encode(batch);
            batch = '';
          }
        }
        if (batch) yield encoder.encode(batch);
      },
    },
  };
}

function memoryNow(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

test('a 200 MB CSV streams with memory bounded by the matrix, not the text', async (t) => {
  const { source, rows, bytes } = generatedCsv();
  assert.ok(bytes >= TARGET_BYTES, `generated ${bytes} bytes`);
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = memoryNow();
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, memoryNow() - before)), 5);
  const m = await readWideTable(source);
  clearInterval(timer);
  peak = Math.max(peak, memoryNow() - before);
  assert.equal(m.rows, rows);
  assert.equal(m.cols, COLS);
  assert.equal(m.values[1], Number(CELL));
  assert.equal(m.observed[0], 0, 'NA is missing');
  const matrixBytes = m.values.byteLength + m.observed.byteLength;
  // The row blocks and the joined matrix coexist for a moment (2x the matrix), plus slack for
  // row labels, garbage between collections and the generator's batches.
  const bound = 2 * matrixBytes + 64 * 1024 * 1024;
  t.diagnostic(`text ${(bytes / 2 ** 20).toFixed(0)} MiB, matrix ${(matrixBytes / 2 ** 20).toFixed(0)} MiB, peak extra ${(peak / 2 ** 20).toFixed(0)} MiB`);
  assert.ok(bound < bytes, 'the bound must be tighter than holding the text');
  assert.ok(peak < bound, `peak extra memory ${(peak / 2 ** 20).toFixed(0)} MiB exceeds ${(bound / 2 ** 20).toFixed(0)} MiB (matrix ${(matrixBytes / 2 ** 20).toFixed(0)} MiB, text ${(bytes / 2 ** 20).toFixed(0)} MiB)`);
});

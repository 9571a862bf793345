// The NPY reader's direct path: little-endian float64 in C order is copied into the values as
// bytes (one copy) and the mask set in one pass. It must read exactly what the element-by-element
// path reads, with chunks cut anywhere (inside the header, inside a value), NaN as missing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNpy, writeNpy } from '../../src/core/io/npy';
import { memorySource } from '../../src/core/io/source';
import { createMaskedMatrix } from '../../src/core/matrix/masked';

function sample(rows: number, cols: number) {
  const m = createMaskedMatrix(rows, cols);
  for (let k = 0; k < rows * cols; k++) {
    m.values[k] = k % 7 === 3 ? 0 : (k - 20) * 1.25e-3 + (k % 5 === 0 ? 1e300 : 0);
    m.observed[k] = k % 7 === 3 ? 0 : 1;
  }
  return m;
}

/** The same data as big-endian '>f8', which goes through the element-by-element path. */
function bigEndian(bytes: Uint8Array, dataStart: number): Uint8Array {
  const out = bytes.slice();
  const at = String.fromCharCode(...out.subarray(0, dataStart)).indexOf("'<f8'");
  assert.ok(at > 0);
  out[at + 1] = '>'.charCodeAt(0);
  for (let o = dataStart; o < out.length; o += 8) out.subarray(o, o + 8).reverse();
  return out;
}

test('little-endian float64 in C order reads exactly, whatever the chunk size, NaN missing', async () => {
  const m = sample(13, 11);
  const bytes = writeNpy(m);
  const dataStart = bytes.length - 13 * 11 * 8;
  const reference = await readNpy(memorySource('be.npy', bigEndian(bytes, dataStart)));
  assert.deepEqual(Array.from(reference.values), Array.from(m.values));
  for (const chunk of [1, 3, 7, 8, 61, 1 << 16]) {
    const got = await readNpy(memorySource('m.npy', bytes, chunk));
    assert.deepEqual([got.rows, got.cols], [13, 11]);
    assert.deepEqual(Array.from(got.values), Array.from(m.values), `chunk ${chunk}`);
    assert.deepEqual(Array.from(got.observed), Array.from(m.observed), `chunk ${chunk}`);
    assert.deepEqual(Array.from(got.observed), Array.from(reference.observed));
  }
});

test('the direct path still reports a truncated file and extra bytes at their offsets', async () => {
  const bytes = writeNpy(sample(4, 4));
  await assert.rejects(readNpy(memorySource('short.npy', bytes.subarray(0, bytes.length - 5), 7)), /end of file after 123 data bytes/);
  const longer = new Uint8Array(bytes.length + 3);
  longer.set(bytes);
  await assert.rejects(readNpy(memorySource('long.npy', longer, 5)), /3 extra bytes/);
});

test('the direct path refuses an infinity at its byte, as the element-by-element path does', async () => {
  const m = sample(3, 4);
  m.values[1 * 4 + 2] = -Infinity;
  m.observed[1 * 4 + 2] = 1;
  const bytes = writeNpy(m);
  const dataStart = bytes.length - 3 * 4 * 8;
  const errorOf = async (b: Uint8Array, chunk: number) => {
    try {
      await readNpy(memorySource('inf.npy', b, chunk));
    } catch (e) {
      return e as { column: number; found: string; message: string };
    }
    return assert.fail('no error');
  };
  const reference = await errorOf(bigEndian(bytes, dataStart), 1 << 16);
  for (const chunk of [5, 1 << 16]) {
    const e = await errorOf(bytes, chunk);
    assert.match(e.message, /infinities are refused/);
    assert.equal(e.found, '-Infinity at row 2, column 3');
    assert.equal(e.found, reference.found);
    assert.equal(e.column, reference.column);
  }
});

// The distance-matrix reader: square text tables with or without header and row labels, .npy,
// and errors that point at the offending cell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDistanceMatrix } from '../../src/core/io/distanceMatrix';
import { ParseError } from '../../src/core/io/errors';
import { writeNpy } from '../../src/core/io/npy';
import { memorySource } from '../../src/core/io/source';
import { createMaskedMatrix } from '../../src/core/matrix/masked';
import { distanceMatrix, pointSpace, weightingVectorCholesky, matrixSpace } from '../../src/core/magnitude/index';

const D3 = [
  [0, 1, 2],
  [1, 0, 1.5],
  [2, 1.5, 0],
];

function csv(rows: (string | number)[][], sep = ','): string {
  return rows.map((r) => r.join(sep)).join('\n') + '\n';
}

async function rejects(text: string | Uint8Array, name: string, check: (e: ParseError) => void): Promise<void> {
  await assert.rejects(readDistanceMatrix(memorySource(name, text, 7)), (e: unknown) => {
    assert.ok(e instanceof ParseError, `expected a ParseError, got ${e}`);
    check(e);
    return true;
  });
}

test('a bare square CSV reads as a distance matrix, with the line of each row', async () => {
  const m = await readDistanceMatrix(memorySource('d.csv', csv(D3), 5));
  assert.equal(m.n, 3);
  assert.deepEqual([...m.data], D3.flat());
  assert.equal(m.labels, null);
  assert.deepEqual([...m.lines], [1, 2, 3]);
  assert.equal(m.format, 'delimited');
});

test('a header, row labels, both, and TSV are recognised', async () => {
  const names = ['a', 'b', 'c'];
  const withHeader = await readDistanceMatrix(memorySource('d.csv', csv([names, ...D3])));
  assert.deepEqual(withHeader.labels, names);
  assert.deepEqual([...withHeader.lines], [2, 3, 4]);
  assert.deepEqual([...withHeader.data], D3.flat());

  const withLabels = await readDistanceMatrix(memorySource('d.csv', csv(D3.map((r, i) => [names[i], ...r]))));
  assert.deepEqual(withLabels.labels, names);
  assert.deepEqual([...withLabels.data], D3.flat());

  const both = await readDistanceMatrix(memorySource('d.tsv', csv([['', ...names], ...D3.map((r, i) => [`row ${names[i]}`, ...r])], '\t')));
  assert.deepEqual(both.labels, ['row a', 'row b', 'row c']);
  assert.deepEqual([...both.data], D3.flat());
  assert.deepEqual([...both.lines], [2, 3, 4]);

  // A blank corner with numeric row ids is still a labelled table.
  const numericIds = await readDistanceMatrix(memorySource('d.csv', csv([['', '10', '20', '30'], ...D3.map((r, i) => [(i + 1) * 10, ...r])])));
  assert.equal(numericIds.n, 3);
  assert.deepEqual(numericIds.labels, ['10', '20', '30']);
});

test('a distance matrix written from points gives the same magnitude as the points', async () => {
  const data = Float64Array.from({ length: 40 }, (_, i) => Math.sin(i * 1.7) * 3);
  const space = pointSpace({ n: 20, dim: 2, data });
  const d = distanceMatrix(space);
  const rows = Array.from({ length: 20 }, (_, i) => Array.from(d.data.subarray(i * 20, (i + 1) * 20), (v) => String(v)));
  const read = await readDistanceMatrix(memorySource('d.csv', csv(rows), 64));
  assert.equal(read.maxAsymmetry, 0);
  const a = weightingVectorCholesky(space, 2).magnitude;
  const b = weightingVectorCholesky(matrixSpace(read), 2).magnitude;
  assert.ok(Math.abs(a - b) < 1e-12 * a, `${a} vs ${b}`);
});

test('.npy square arrays are read; a non-square one is refused', async () => {
  const m = createMaskedMatrix(3, 3);
  m.values.set(D3.flat());
  m.observed.fill(1);
  const read = await readDistanceMatrix(memorySource('d.npy', writeNpy(m), 13));
  assert.equal(read.format, 'npy');
  assert.deepEqual([...read.data], D3.flat());
  const wide = createMaskedMatrix(2, 3);
  wide.observed.fill(1);
  await rejects(writeNpy(wide), 'w.npy', (e) => {
    assert.equal(e.line, 1);
    assert.match(e.expected, /square/);
    assert.match(e.found, /\(2, 3\)/);
  });
});

test('.npy violations point at the byte offset of the offending element', async () => {
  const m = createMaskedMatrix(3, 3);
  m.values.set([0, 1, 2, 1, 0, 1.5, 2, 1.25, 0]);
  m.observed.fill(1);
  const bytes = writeNpy(m);
  const dataStart = bytes.length - 9 * 8;
  await rejects(bytes, 'asym.npy', (e) => {
    assert.equal(e.line, 1);
    // Element (3, 2) in C order is the 8th element (index 7).
    assert.equal(e.column, dataStart + 7 * 8 + 1);
    assert.match(e.expected, /symmetric/);
    assert.match(e.found, /1\.25 at entry \(3, 2\)/);
  });
  m.observed[4] = 0; // NaN on the diagonal
  m.values[7] = 1.5;
  await rejects(writeNpy(m), 'nan.npy', (e) => {
    assert.equal(e.column, dataStart + 4 * 8 + 1);
    assert.match(e.found, /missing/);
  });
});

test('bad text input gets file:line:column errors', async () => {
  // Not symmetric: row 3, column 2 (line 3 of a headerless file), at its character column.
  await rejects('0,1,2\n1,0,1.5\n2,1.75,0\n', 'asym.csv', (e) => {
    assert.equal(e.line, 3);
    assert.equal(e.column, 3);
    assert.match(e.expected, /symmetric/);
    assert.equal(e.found, '1.75');
    assert.match(e.message, /^asym\.csv:3:3: /);
  });
  await rejects('a,b\n0,-1\n-1,0\n', 'neg.csv', (e) => {
    assert.deepEqual([e.line, e.column], [2, 3]);
    assert.match(e.expected, /non-negative/);
  });
  await rejects('0,1\n1,0.5\n', 'diag.csv', (e) => {
    assert.deepEqual([e.line, e.column], [2, 3]);
    assert.match(e.expected, /0 on the diagonal/);
  });
  await rejects('0,1\n1,x\n', 'text.csv', (e) => {
    assert.deepEqual([e.line, e.column], [2, 3]);
    assert.equal(e.found, '"x"');
  });
  await rejects('0,\n,0\n', 'blank.csv', (e) => {
    assert.deepEqual([e.line, e.column], [1, 3]);
    assert.match(e.found, /missing/);
  });
  await rejects('0,1,2\n1,0\n', 'ragged.csv', (e) => {
    assert.equal(e.line, 2);
    assert.match(e.expected, /3 fields/);
  });
  await rejects('0,1,2\n1,0,1\n', 'short.csv', (e) => {
    assert.equal(e.line, 3);
    assert.match(e.expected, /3 rows/);
    assert.match(e.found, /2 rows/);
  });
  await rejects('0,1\n1,0\n2,2\n', 'long.csv', (e) => {
    assert.equal(e.line, 3);
    assert.match(e.found, /row 3/);
  });
  await rejects('', 'empty.csv', (e) => assert.match(e.found, /empty/));
  await rejects('a,b,c\n', 'header-only.csv', (e) => assert.match(e.found, /end of the file/));
});

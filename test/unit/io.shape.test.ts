// The shape inference (core/io/shape.ts) on the cases issue 18 names: nothing dropped silently,
// the orientation and the grid from what the data says, each with a reason, and each settable.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inferGridWithReason } from '../../src/core/factorize/job';
import { factorizeInputFromRead, inputGrid } from '../../src/core/factorize/input';
import { ParseError } from '../../src/core/io/errors';
import { readMatrix, writeDelimited } from '../../src/core/io/read';
import { inferColumns, inferOrientation, parseColumnList } from '../../src/core/io/shape';
import { memorySource } from '../../src/core/io/source';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { runCli } from './runCli';

const src = (name: string, text: string) => memorySource(name, text, 7);

test('a numeric first column that is not an index is data: c0 is kept, points.csv stays n × 2', async () => {
  const c = await readMatrix(src('c.csv', 'c0,c1,c2\n3.5,1,2\n1.25,4,5\n9,7,8\n'));
  assert.equal(c.matrix.cols, 3);
  assert.deepEqual(c.matrix.colIds, ['c0', 'c1', 'c2']);
  assert.deepEqual(c.shape!.labelColumns, []);
  assert.match(c.shape!.labelReason, /"c0" holds numbers that are not an index, so it is data/);
  assert.deepEqual(c.matrix.rowLabels, ['1', '2', '3']);
  const points = ['x,y', ...Array.from({ length: 2000 }, (_, i) => `${Math.sin(i) * 3},${Math.cos(i * 1.7)}`)].join('\n');
  const p = await readMatrix(src('points.csv', points));
  assert.deepEqual([p.matrix.rows, p.matrix.cols], [2000, 2]);
  assert.equal(p.transposed, false);
  // The notes say so: nothing is decided silently.
  assert.ok(p.notes.some((n) => /^labels: none/.test(n)), p.notes.join('\n'));
});

test('the first column is labels when it is text, timestamps or clearly an index, and the reason says which', async () => {
  const t = await readMatrix(src('t.csv', 'time,a,b\n2024-01-01 00:00,1,2\n2024-01-01 01:00,3,4\n'));
  assert.deepEqual(t.shape!.labelColumns, [0]);
  assert.equal(t.shape!.timeColumn, 0);
  assert.match(t.shape!.labelReason, /"time" holds timestamps/);
  assert.match(t.shape!.timeReason, /column "time" holds the timestamps/);
  const idx = await readMatrix(src('i.csv', 'x,a,b\n0,5,6\n1,7,8\n2,9,9\n'));
  assert.deepEqual(idx.shape!.labelColumns, [0]);
  assert.match(idx.shape!.labelReason, /numbers the rows \(0, 1, …\)/);
  const pos = await readMatrix(src('p.csv', 'position,a,b\n-1.5,5,6\n0,7,8\n1.5,9,9\n'));
  assert.match(pos.shape!.labelReason, /names an index and its numbers rise steadily/);
  assert.match(pos.shape!.orientationReason, /the rows are positions on an axis/);
  // A numbered column under a name that is no index, with numbers that do not rise: data.
  const data = await readMatrix(src('d.csv', 'flow,a\n3,1\n1,2\n2,3\n'));
  assert.deepEqual(data.shape!.labelColumns, []);
  assert.equal(data.matrix.cols, 2);
});

test('a text column further right is not taken unasked: its first text cell is an error that offers the choice', async () => {
  await assert.rejects(readMatrix(src('m.csv', 'time,a,b\n2024-01-01,1,abc\n')), (e: unknown) => {
    assert.ok(e instanceof ParseError);
    assert.equal(e.line, 2);
    assert.equal(e.column, 14);
    assert.match(e.message, /or choose "b" as a label column/);
    return true;
  });
  const chosen = await readMatrix(src('m.csv', 'time,a,b\n2024-01-01,1,abc\n2024-01-02,2,def\n'), { shape: { labelColumns: 'time,b' } });
  assert.deepEqual(chosen.matrix.colIds, ['a']);
  assert.ok(chosen.notes.some((n) => /other label columns \("b"\)/.test(n)), chosen.notes.join('\n'));
});

test('choices: label columns none, value columns by number or range, transpose on and off; left-out columns are named', async () => {
  const text = 'id,a,b,c,d\n0,1,2,3,4\n1,5,6,7,8\n';
  const none = await readMatrix(src('n.csv', text), { shape: { labelColumns: 'none' } });
  assert.equal(none.matrix.cols, 5);
  assert.match(none.shape!.labelReason, /no label columns \(chosen\)/);
  const some = await readMatrix(src('n.csv', text), { shape: { valueColumns: '2-3,d' } });
  assert.deepEqual(some.matrix.colIds, ['a', 'b', 'd']);
  assert.deepEqual(some.shape!.skipped, [3]);
  assert.ok(some.notes.some((n) => /left out: "c"/.test(n)), some.notes.join('\n'));
  const t = await readMatrix(src('n.csv', text), { shape: { transpose: true } });
  assert.deepEqual([t.matrix.rows, t.matrix.cols], [4, 2]);
  assert.deepEqual(t.matrix.rowLabels, ['a', 'b', 'c', 'd']);
  assert.deepEqual(t.matrix.colIds, ['0', '1']);
  assert.match(t.shape!.orientationReason, /transposed \(chosen\)/);
  assert.deepEqual(parseColumnList('1, 3-4', ['a', 'b', 'c', 'd']), [0, 2, 3]);
  assert.throws(() => parseColumnList('9', ['a', 'b']), /numbers 1-2 .*found "9"/);
  assert.throws(() => parseColumnList('zz', ['a', 'b']), /found "zz"/);
  await assert.rejects(readMatrix(src('n.csv', text), { shape: { valueColumns: 'zz' } }), /found "zz"/);
});

test('orientation: timestamps or positions in the header put the axis along the columns; named rows are observations for NMF only', async () => {
  const stamped = await readMatrix(src('s.csv', 'sensor,2024-01-01 00:00,2024-01-01 01:00,2024-01-01 02:00\nA,1,2,3\nB,4,,6\n'));
  assert.equal(stamped.transposed, true);
  assert.deepEqual([stamped.matrix.rows, stamped.matrix.cols], [3, 2]);
  assert.ok(stamped.matrix.times, 'the header timestamps are the time axis');
  assert.match(stamped.shape!.orientationReason, /the column headers are times/);
  // Written back in the file's own orientation.
  const back = [...writeDelimited(stamped.matrix, { indexName: stamped.indexName, transposed: true })].join('');
  assert.equal(back.split('\n')[0], 'sensor,2024-01-01 00:00,2024-01-01 01:00,2024-01-01 02:00');
  assert.equal(back.split('\n')[2], 'B,4,,6');
  const named = 'name,f1,f2,f3\nalpha,1,2,3\nbeta,4,5,6\n';
  assert.equal((await readMatrix(src('n.csv', named))).transposed, false, 'impute keeps named rows as stored');
  const nmf = await readMatrix(src('n.csv', named), { purpose: 'factorize' });
  assert.equal(nmf.transposed, true);
  assert.match(nmf.shape!.orientationReason, /each row is named \(column "name": "alpha", …\)/);
  // The pure function, directly: a time axis down the rows keeps the table as stored.
  const cols = inferColumns(['time', 'a'], [['2024-01-01', '1']]);
  assert.equal(inferOrientation(cols, ['2024-01-01'], new Float64Array([0])).transpose, false);
});

test('grid: positions make a line over their range; a 100-row file is no 10×10 image unless its rows name pixels', () => {
  const line = inferGridWithReason(100);
  assert.deepEqual(line.grid, { kind: 'line', lo: 0, hi: 99 });
  assert.match(line.reason, /100 = 10×10, but nothing names pixels: choose image 10×10/);
  const pixels = inferGridWithReason(100, Array.from({ length: 100 }, (_, i) => `pixel${i}`));
  assert.deepEqual(pixels.grid, { kind: 'image', width: 10, height: 10 });
  const positions = inferGridWithReason(5, ['400', '450', '500', '550', '600']);
  assert.deepEqual(positions.grid, { kind: 'line', lo: 400, hi: 600 });
  assert.match(positions.reason, /positions 400 … 600/);
  assert.match(inferGridWithReason(3, ['1', '2', '10']).reason, /not evenly spaced/);
});

/** The Gaussian-mixture sample written as people often keep it: one sample per row, one feature per column. */
function samplesByFeatures(): { text: string; positions: number[] } {
  const { X, grid } = gaussianMixtureSample();
  const positions = Array.from(grid);
  const lines = [['sample', ...positions.map((p) => String(Number(p.toFixed(4))))].join(',')];
  for (let j = 0; j < X.cols; j++) lines.push([`s${j + 1}`, ...Array.from({ length: X.rows }, (_, i) => String(X.values[i * X.cols + j]))].join(','));
  return { text: lines.join('\n') + '\n', positions };
}

test('a samples × features CSV is read transposed for NMF, on a line over its feature positions', async () => {
  const { text } = samplesByFeatures();
  const read = await readMatrix(src('spectra.csv', text), { purpose: 'factorize' });
  assert.equal(read.transposed, true);
  const input = factorizeInputFromRead(read, 'spectra.csv', 'spectra.csv');
  assert.deepEqual([input.X.rows, input.X.cols], [100, 100]);
  assert.equal(input.colIds[0], 's1');
  assert.deepEqual(inputGrid(input).grid, { kind: 'line', lo: -12, hi: 12 });
});

test('lacuna nmf on a samples × features CSV: atoms over the features (the three bumps), weights per sample; --no-transpose refuses the guess', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-shape-'));
  const file = join(dir, 'spectra.csv');
  const { text } = samplesByFeatures();
  writeFileSync(file, text);
  const atoms = join(dir, 'atoms.csv');
  const r = await runCli(['nmf', file, '--k', '3', '--loss', 'kl', '--iterations', '300', '--atoms-out', atoms, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.shape, [100, 100]);
  assert.equal(json.grid, 'line:-12:12');
  assert.ok(json.notes.some((n: string) => /orientation: the column headers are positions on an axis/.test(n)), json.notes.join('\n'));
  // Each atom is a bump over the features: its peak sits near one of −6, 0 and 6, one each.
  const rows = readFileSync(atoms, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const peaks = [1, 2, 3].map((a) => rows.reduce((best, row) => (row[a] > best[a] ? row : best))[0]).sort((x, y) => x - y);
  assert.equal(rows.length, 100);
  [-6, 0, 6].forEach((c, i) => assert.ok(Math.abs(peaks[i] - c) < 2, `atom peaks ${peaks.join(', ')}`));
  const stored = await runCli(['nmf', file, '--k', '3', '--loss', 'kl', '--iterations', '5', '--no-transpose', '--json']);
  assert.equal(stored.code, 0, stored.stderr);
  assert.match(JSON.parse(stored.stdout).notes.join('\n'), /as stored \(chosen\)/);
  const both = await runCli(['nmf', file, '--k', '3', '--transpose', '--no-transpose']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /--transpose or --no-transpose, not both/);
});

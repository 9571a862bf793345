import assert from 'node:assert/strict';
import { test } from 'node:test';
import { latLngToCell } from 'h3-js';
import { ParseError } from '../../src/core/io/errors';
import { detectFormat, readMatrix, writeDelimited } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { joinLocations, parseDuration, readLocations, readLongTable, readWideTable } from '../../src/core/io/tables';

const src = (name: string, text: string, chunk = 5) => memorySource(name, text, chunk);

test('wide table: missing markers are missing, 0 is an observed zero', async () => {
  const m = await readWideTable(src('w.csv', 'time,a,b,c\n2024-01-01 00:00,0,NA,\n2024-01-01 01:00,null,NaN,2.5\n'));
  assert.equal(m.rows, 2);
  assert.equal(m.cols, 3);
  assert.deepEqual(m.colIds, ['a', 'b', 'c']);
  assert.deepEqual([...m.observed], [1, 0, 0, 0, 0, 1]);
  assert.deepEqual([...m.values], [0, 0, 0, 0, 0, 2.5]);
  assert.deepEqual([...m.times!], [Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)]);
});

test('wide table: TSV and semicolons with a BOM and CRLF; an index column gives no times', async () => {
  const t = await readWideTable(src('w.tsv', '\uFEFFidx\tx\ty\r\n1\t1\t2\r\n2\t3\t4\r\n'));
  assert.equal(t.delimiter, '\t');
  assert.equal(t.times, null);
  assert.deepEqual([...t.values], [1, 2, 3, 4]);
  const s = await readWideTable(src('w.csv', 'i;x;y\n1;1.5;"2"\n'));
  assert.equal(s.delimiter, ';');
  assert.deepEqual([...s.values], [1.5, 2]);
});

test('wide table: an all-numeric first row is data, not a header', async () => {
  const m = await readWideTable(src('h.csv', '1,2,3\n2,4,5\n'));
  assert.equal(m.rows, 2);
  assert.deepEqual(m.colIds, ['1', '2']);
  assert.deepEqual([...m.values], [2, 3, 4, 5]);
});

test('wide table written and read back is the same matrix', async () => {
  const m = await readWideTable(src('w.csv', 'time,"a,1",b\n2024-01-01 00:00,0,\n2024-01-01 01:00,1e-7,-3\n'));
  const text = [...writeDelimited(m, { indexName: 'time' })].join('');
  const back = await readWideTable(src('w2.csv', text));
  assert.deepEqual(back.colIds, m.colIds);
  assert.deepEqual([...back.values], [...m.values]);
  assert.deepEqual([...back.observed], [...m.observed]);
  assert.deepEqual(back.rowLabels, m.rowLabels);
});

test('long table: readings partition into time bins x H3 cells, empty bins missing', async () => {
  const text = [
    'sensor_id,latitude,longitude,timestamp,value',
    's1,25.0418,121.5654,2024-04-01T00:05:00,3',
    's2,25.0419,121.5655,2024-04-01T00:10:00,5', // same cell, same bin
    's3,25.1000,121.6000,2024-04-01T00:20:00,0', // another cell, next bin
    's1,25.0418,121.5654,2024-04-01T00:50:00,7', // fourth bin; bins 1 and 2 of cell 1 stay empty
  ].join('\n');
  const mean = await readLongTable(src('l.csv', text), { h3Resolution: 8, timeBinMs: parseDuration('15m') });
  const c1 = latLngToCell(25.0418, 121.5654, 8);
  const c2 = latLngToCell(25.1, 121.6, 8);
  assert.deepEqual(mean.colIds, [c1, c2].sort());
  assert.equal(mean.rows, 4);
  const j1 = mean.colIds.indexOf(c1);
  const j2 = mean.colIds.indexOf(c2);
  const at = (i: number, j: number) => (mean.observed[i * 2 + j] ? mean.values[i * 2 + j] : 'missing');
  assert.equal(at(0, j1), 4, 'mean of 3 and 5');
  assert.equal(at(1, j2), 0, 'an observed zero stays a zero');
  assert.equal(at(1, j1), 'missing');
  assert.equal(at(3, j1), 7);
  assert.deepEqual(mean.sensorsPerColumn![j1], 2);
  assert.equal(mean.places![j1]!.cell, c1);
  const sum = await readLongTable(src('l.csv', text), { h3Resolution: 8, timeBinMs: 15 * 60_000, aggregate: 'sum', emptyBins: 'zero' });
  assert.equal(sum.values[0 * 2 + j1], 8);
  assert.equal(sum.observed[1 * 2 + j1], 1, 'empty bins are zeros when asked');
  assert.equal(sum.values[1 * 2 + j1], 0);
});

test('readMatrix detects long tables by their header and wide tables otherwise', async () => {
  assert.equal(await detectFormat(src('a.csv', 'lat,lng,time,value\n1,2,2024-01-01,3\n')), 'long');
  assert.equal(await detectFormat(src('a.csv', 'time,a,b\n')), 'wide');
  assert.equal(await detectFormat(src('a.mtx', '')), 'mtx');
  const r = await readMatrix(src('a.csv', 'lat,lng,time,value\n25,121,2024-01-01,3\n'));
  assert.equal(r.format, 'long');
  assert.equal(r.matrix.cols, 1);
});

test('durations', () => {
  assert.equal(parseDuration('15m'), 900_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1d'), 86_400_000);
  assert.equal(parseDuration('30'), 1_800_000);
  assert.throws(() => parseDuration('soon'), /expected a duration/);
});

test('locations join columns to places, by id or numerically', async () => {
  const m = await readWideTable(src('w.csv', 'time,001,002,003\n2024-01-01,1,2,3\n'));
  const locs = await readLocations(src('loc.csv', 'sensor_id,latitude,longitude\n1,40.0,116.1\n002,40.1,116.2\n'));
  const report = joinLocations(m, locs, 7, 'loc.csv');
  assert.equal(report.matched, 2);
  assert.deepEqual(report.unmatchedColumns, ['003']);
  assert.equal(m.places![0]!.cell, latLngToCell(40, 116.1, 7));
  assert.equal(m.places![2], null);
  assert.throws(() => joinLocations(m, [{ id: 'zzz', lat: 1, lng: 1 }]), /none of the 3 column ids/);
});

// Bad inputs: each names the file, line and column, and says what was expected.
const BAD: { name: string; file: string; text: string; read: 'wide' | 'long' | 'locations'; line: number; column: number; expected: RegExp }[] = [
  { name: 'ragged row (too few fields)', file: 'r.csv', text: 'time,a,b\n2024-01-01,1,2\n2024-01-02,1\n', read: 'wide', line: 3, column: 13, expected: /3 fields.*found 2 fields/ },
  { name: 'ragged row (too many fields)', file: 'r.csv', text: 'time,a,b\n2024-01-01,1,2,9\n', read: 'wide', line: 2, column: 16, expected: /3 fields.*found 4 fields/ },
  { name: 'non-numeric cell', file: 'n.csv', text: 'time,a,b\n2024-01-01,1,abc\n', read: 'wide', line: 2, column: 14, expected: /a number or a missing marker.*"abc"/ },
  { name: 'decimal comma in a comma file', file: 'n.tsv', text: 'time\ta\n2024-01-01\t1,5\n', read: 'wide', line: 2, column: 12, expected: /a number.*"1,5"/ },
  { name: 'a timestamp that breaks the time axis', file: 't.csv', text: 'time,a\n2024-01-01,1\nlater,2\n', read: 'wide', line: 3, column: 1, expected: /a timestamp.*"later"/ },
  { name: 'duplicate column id', file: 'd.csv', text: 'time,a,a\n1,1,2\n', read: 'wide', line: 1, column: 8, expected: /unique column ids/ },
  { name: 'empty column id', file: 'e.csv', text: 'time,a,,b\n1,1,2,3\n', read: 'wide', line: 1, column: 8, expected: /a column id/ },
  { name: 'a single column', file: 's.csv', text: 'only\n1\n', read: 'wide', line: 1, column: 5, expected: /at least 2 fields/ },
  { name: 'header but no rows', file: 'h.csv', text: 'time,a\n', read: 'wide', line: 2, column: 1, expected: /at least one data row/ },
  { name: 'empty file', file: 'z.csv', text: '', read: 'wide', line: 1, column: 1, expected: /a header row/ },
  { name: 'unclosed quote', file: 'q.csv', text: 'time,a\n2024-01-01,"5\n', read: 'wide', line: 2, column: 12, expected: /closing quote/ },
  { name: 'long table: latitude out of range', file: 'l.csv', text: 'lat,lng,time,value\n95,121,2024-01-01,3\n', read: 'long', line: 2, column: 1, expected: /latitude between -90 and 90.*"95"/ },
  { name: 'long table: bad timestamp', file: 'l.csv', text: 'lat,lng,time,value\n25,121,noon,3\n', read: 'long', line: 2, column: 8, expected: /a timestamp/ },
  { name: 'long table: non-numeric value', file: 'l.csv', text: 'lat,lng,time,value\n25,121,2024-01-01,lots\n', read: 'long', line: 2, column: 19, expected: /a number/ },
  { name: 'long table: missing columns in the header', file: 'l.csv', text: 'lat,lng,value\n25,121,3\n', read: 'long', line: 1, column: 1, expected: /latitude, longitude, timestamp and value/ },
  { name: 'locations: longitude out of range', file: 'loc.csv', text: 'sensor_id,latitude,longitude\nA,40,200\n', read: 'locations', line: 2, column: 6, expected: /longitude between -180 and 180/ },
  { name: 'locations: duplicate sensor id', file: 'loc.csv', text: 'sensor_id,latitude,longitude\nA,40,100\nA,41,101\n', read: 'locations', line: 3, column: 1, expected: /unique sensor ids.*line 2/ },
  { name: 'locations: too few fields', file: 'loc.csv', text: 'id,lat\nA,40\n', read: 'locations', line: 1, column: 7, expected: /at least 3 fields/ },
];

for (const bad of BAD) {
  test(`bad input: ${bad.name}`, async () => {
    const source = src(bad.file, bad.text, 3);
    const run = bad.read === 'wide' ? readWideTable(source) : bad.read === 'long' ? readLongTable(source) : readLocations(source);
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof ParseError, `expected a ParseError, got ${(e as Error).message}`);
      assert.equal(e.file, bad.file);
      assert.equal(e.line, bad.line, `line in: ${e.message}`);
      assert.equal(e.column, bad.column, `column in: ${e.message}`);
      assert.match(e.message, bad.expected);
      assert.ok(e.message.startsWith(`${bad.file}:${bad.line}:${bad.column}: expected `), e.message);
      return true;
    });
  });
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ParseError } from '../../src/core/io/errors';
import { memorySource } from '../../src/core/io/source';
import { normalisePoints, readPoints, subsamplePoints } from '../../src/core/points/readPoints';
import { ball, disk, sphere, swissRoll } from '../../src/core/points/samples';

const src = (text: string) => memorySource('p.csv', text, 7);

test('a headerless numeric CSV is read as points', async () => {
  const p = await readPoints(src('1,2\n3,4\n5,6\n'));
  assert.deepEqual([p.n, p.dim], [3, 2]);
  assert.deepEqual([...p.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...p.lines], [1, 2, 3]);
  assert.deepEqual(p.columns, ['1', '2']);
});

test('with a header: numeric columns are coordinates, an id is skipped, a label column is kept aside', async () => {
  const p = await readPoints(src('id,x,y,label\na,1,2,cat\nb,3,4,dog\nc,5,6,cat\n'));
  assert.deepEqual(p.columns, ['x', 'y']);
  assert.deepEqual([...p.data], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(p.labelNames, ['cat', 'dog', 'cat']);
  assert.deepEqual([...p.labels!], [0, 1, 0]);
  assert.deepEqual([...p.lines], [2, 3, 4]);
  const chosen = await readPoints(src('id,x,y,label\na,1,2,cat\nb,3,4,dog\n'), { columns: ['y', 2] });
  assert.deepEqual([...chosen.data], [2, 1, 4, 3]);
  await assert.rejects(readPoints(src('id,x\na,1\n'), { columns: ['id'] }), /not numeric/);
  await assert.rejects(readPoints(src('id,x\na,1\n'), { columns: ['z'] }), /no column "z"/);
});

test('a missing coordinate or a ragged row is an error at its line and column', async () => {
  await assert.rejects(readPoints(src('x,y\n1,2\n3,\n')), (e: unknown) => e instanceof ParseError && e.line === 3 && e.column === 3 && /missing coordinates/.test(e.message));
  await assert.rejects(readPoints(src('1,2\n3\n')), (e: unknown) => e instanceof ParseError && e.line === 2 && /2 fields/.test(e.message));
});

test('normalisation and subsampling', () => {
  const p = { n: 4, dim: 1, data: Float64Array.from([1, 2, 3, 4]) };
  normalisePoints(p, 'minmax');
  assert.deepEqual([...p.data], [0, 1 / 3, 2 / 3, 1]);
  normalisePoints(p, 'zscore');
  const mean = p.data.reduce((a, b) => a + b, 0) / 4;
  assert.ok(Math.abs(mean) < 1e-12);
  const big = swissRoll(500);
  const s = subsamplePoints(big, 100, 1);
  assert.equal(s.points.n, 100);
  assert.ok(s.rows.every((r, i) => i === 0 || r > s.rows[i - 1]), 'kept in row order');
  assert.deepEqual([...s.points.data.subarray(0, 3)], [...big.data.subarray(s.rows[0] * 3, s.rows[0] * 3 + 3)]);
});

test('samples have the seed report’s shapes and are deterministic', () => {
  const roll = swissRoll(1000);
  assert.deepEqual(roll.data, swissRoll(1000).data);
  for (let i = 0; i < 1000; i++) {
    const r = Math.hypot(roll.data[i * 3], roll.data[i * 3 + 1]);
    assert.ok(r > 1.5 * Math.PI - 0.2 && r < 4.5 * Math.PI + 0.2);
    assert.ok(roll.data[i * 3 + 2] > -0.2 && roll.data[i * 3 + 2] < 3.2);
  }
  const s = sphere(1000);
  for (let i = 0; i < 1000; i++) assert.ok(Math.abs(Math.hypot(s.data[i * 3], s.data[i * 3 + 1], s.data[i * 3 + 2]) - 20) < 1e-9);
  const b = ball(2000);
  let inner = 0;
  for (let i = 0; i < 2000; i++) {
    const r = Math.hypot(b.data[i * 3], b.data[i * 3 + 1], b.data[i * 3 + 2]);
    assert.ok(r <= 2 + 1e-12);
    if (r < 1) inner++;
  }
  // Uniform in volume: (1/2)^3 of the points lie within half the radius.
  assert.ok(Math.abs(inner / 2000 - 0.125) < 0.03, `inner fraction ${inner / 2000}`);
  assert.equal(disk(10).dim, 2);
});

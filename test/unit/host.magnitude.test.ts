// The weighting-vector panel's host side without VS Code: reading points from a file, a selection
// of rows (with the file's header added when the selection leaves it out), a sample, a .npy; the
// records; and the protocol's validation and CSV export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../src/core/io/npy';
import { createMaskedMatrix } from '../../src/core/matrix/masked';
import { isHeaderLine, loadPanelPoints, selectionText, sourceTitle } from '../../src/host/magnitude/data';
import { MagnitudeRecords } from '../../src/host/magnitude/records';
import { boundaryCsv, parseMagnitudeMessage, type PointsRequest } from '../../src/protocol/magnitude';

const dir = mkdtempSync(join(tmpdir(), 'lacuna-host-magnitude-'));
const CSV = ['x,y,kind', '0,0,a', '1,0,b', '0,1,a', '1,1,b', '5,5,a'].join('\n') + '\n';
const csvPath = join(dir, 'points.csv');
writeFileSync(csvPath, CSV);
const request: PointsRequest = { source: 'input', columns: [], normalise: 'none', maxPoints: 1000 };

test('isHeaderLine and selectionText: the header is added when the selection leaves it out', () => {
  assert.equal(isHeaderLine('x,y,kind'), true);
  assert.equal(isHeaderLine('1,2,3'), false);
  assert.equal(isHeaderLine('1\t\t3', 'a.tsv'), false, 'blank cells are missing values, not text');
  const lines = CSV.split('\n');
  const at = (l: number) => lines[l - 1];
  const inner = selectionText(at, 6, 3, 4);
  assert.equal(inner.text, 'x,y,kind\n1,0,b\n0,1,a\n');
  assert.deepEqual([...inner.fileLines], [1, 3, 4]);
  assert.equal(inner.headerAdded, true);
  const fromTop = selectionText(at, 6, 1, 3);
  assert.equal(fromTop.headerAdded, false);
  assert.deepEqual([...fromTop.fileLines], [1, 2, 3]);
  const headless = ['1,2', '3,4', '5,6'];
  assert.equal(selectionText((l) => headless[l - 1], 3, 2, 3).headerAdded, false);
  assert.throws(() => selectionText(at, 6, 4, 9), RangeError);
});

test('a file: every numeric column but labels, lines for reveal, label names for hover', async () => {
  const p = await loadPanelPoints({ kind: 'file', path: csvPath }, request);
  assert.equal(p.n, 5);
  assert.equal(p.dim, 2);
  assert.deepEqual(p.columns, ['x', 'y']);
  assert.deepEqual(p.availableColumns, ['x', 'y']);
  assert.deepEqual([...p.lines!], [2, 3, 4, 5, 6]);
  assert.deepEqual([...p.points], [0, 0, 1, 0, 0, 1, 1, 1, 5, 5]);
  assert.deepEqual([...p.rows], [0, 1, 2, 3, 4]);
  assert.equal(sourceTitle({ kind: 'file', path: csvPath }), 'points.csv');
  const scaled = await loadPanelPoints({ kind: 'file', path: csvPath }, { ...request, columns: ['y'], normalise: 'minmax' });
  assert.deepEqual(scaled.columns, ['y']);
  assert.deepEqual([...scaled.points], [0, 0, 0.2, 0.2, 1]);
});

test('a selection of rows maps each point to its line in the file, from the editor text', async () => {
  const lines = CSV.split('\n');
  // The editor's text may differ from the file on disk (unsaved edits): it is what is read.
  const edited = [...lines];
  edited[3] = '7,7,a';
  const p = await loadPanelPoints({ kind: 'selection', path: csvPath, first: 3, last: 5 }, request, async () => ({ lineAt: (l) => edited[l - 1], lineCount: 6 }));
  assert.equal(p.n, 3);
  assert.deepEqual([...p.lines!], [3, 4, 5]);
  assert.deepEqual([...p.points], [1, 0, 7, 7, 1, 1]);
  assert.match(p.notes.join(' '), /line 1 of points\.csv was used as its header/);
  // Without an editor, the file itself is read.
  const fromDisk = await loadPanelPoints({ kind: 'selection', path: csvPath, first: 2, last: 3 }, request);
  assert.deepEqual([...fromDisk.points], [0, 0, 1, 0]);
  assert.equal(sourceTitle({ kind: 'selection', path: csvPath, first: 2, last: 3 }), 'points.csv, lines 2–3');
});

test('subsampling keeps each point’s row and line', async () => {
  const big = join(dir, 'big.csv');
  writeFileSync(big, ['a,b', ...Array.from({ length: 300 }, (_, i) => `${i},${i % 7}`)].join('\n') + '\n');
  const p = await loadPanelPoints({ kind: 'file', path: big }, { ...request, maxPoints: 50 });
  assert.equal(p.n, 50);
  assert.equal(p.totalRows, 300);
  assert.match(p.notes.join(' '), /subsampled 50 of 300/);
  for (let i = 0; i < 50; i++) {
    assert.equal(p.points[2 * i], p.rows[i], 'coordinate a is the row index');
    assert.equal(p.lines![i], p.rows[i] + 2);
  }
});

test('samples and .npy files', async () => {
  const roll = await loadPanelPoints({ kind: 'sample', sample: 'swissroll', size: 120 }, request);
  assert.equal(roll.n, 120);
  assert.equal(roll.dim, 3);
  assert.equal(roll.lines, null);
  const digits = await loadPanelPoints({ kind: 'sample', sample: 'mnist', size: 30 }, request);
  assert.equal(digits.dim, 784);
  assert.deepEqual(digits.labelNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(digits.labels![3], 3);
  const m = createMaskedMatrix(4, 2);
  m.values.set([0, 0, 1, 0, 0, 1, 2, 2]);
  m.observed.fill(1);
  const npy = join(dir, 'p.npy');
  writeFileSync(npy, writeNpy(m));
  const fromNpy = await loadPanelPoints({ kind: 'file', path: npy }, request);
  assert.equal(fromNpy.n, 4);
  assert.deepEqual(fromNpy.columns, ['1', '2']);
  assert.equal(fromNpy.lines, null, 'a binary file has no lines to reveal');
  await assert.rejects(loadPanelPoints({ kind: 'selection', path: npy, first: 1, last: 2 }, request), /not in a \.npy/);
});

test('records keep the latest solve, its weights and the magnitude function', async () => {
  const records = new MagnitudeRecords(join(dir, 'magnitude'), () => new Date('2026-01-02T03:04:05Z'));
  const record = await records.create({ kind: 'file', path: csvPath });
  assert.match(record.id, /^20260102-030405-[0-9a-f]{6}$/);
  const summary = { t: 2, n: 3, magnitude: 1.5, residual: 1e-12, solver: 'cholesky', backend: 'cpu', seconds: 0.01, iterations: null, converged: true, notes: [] };
  await Promise.all([
    records.recordSolve(record.id, summary, Float64Array.from([0.5, 0.25, 0.75]), Int32Array.from([0, 2, 4]), { solver: 'auto', metric: 'euclidean' }),
    records.recordSweep(record.id, { ts: Float64Array.from([1, 2]), magnitudes: Float64Array.from([1.2, 1.5]), tConv: null, scatteredScale: Infinity, suggestedScale: 1.5, suggestedReason: 'why' }),
  ]);
  const back = await records.get(record.id);
  assert.equal(back!.last!.magnitude, 1.5);
  assert.deepEqual(back!.rows, [0, 2, 4]);
  assert.deepEqual(back!.sweep!.ts, [1, 2]);
  assert.equal(back!.sweep!.scatteredScale, null);
  assert.equal(readFileSync(join(records.dir(record.id), 'weights.csv'), 'utf8'), '0.5\n0.25\n0.75\n');
  assert.deepEqual((await records.list()).map((r) => r.id), [record.id]);
  await records.delete(record.id);
  assert.ok(!existsSync(records.dir(record.id)));
  assert.throws(() => records.dir('../x'));
});

test('the protocol rejects malformed messages and writes the boundary CSV', () => {
  const weights = Float64Array.from([1, 2]);
  const summary = { t: 1, n: 2, magnitude: 3, residual: 0, solver: 'cg-tf', backend: 'webgpu', seconds: 0.1, iterations: 3, converged: true, notes: [] };
  const solved = { type: 'solved', summary, weights, settings: { solver: 'gpu', metric: 'euclidean' } };
  assert.deepEqual(parseMagnitudeMessage(solved), solved);
  assert.equal(parseMagnitudeMessage({ ...solved, weights: [1, 2] }), null, 'weights travel as a Float64Array');
  assert.equal(parseMagnitudeMessage({ ...solved, weights: Float64Array.from([1]) }), null, 'one weight per point');
  assert.equal(parseMagnitudeMessage({ ...solved, settings: { solver: 'magic', metric: 'euclidean' } }), null);
  assert.deepEqual(parseMagnitudeMessage({ type: 'load', request: 1, points: request }), { type: 'load', request: 1, points: request });
  assert.equal(parseMagnitudeMessage({ type: 'load', request: 1, points: { ...request, maxPoints: 0 } }), null);
  assert.equal(parseMagnitudeMessage({ type: 'load', request: 1, points: { ...request, source: 'elsewhere' } }), null);
  assert.deepEqual(parseMagnitudeMessage({ type: 'reveal', index: 3 }), { type: 'reveal', index: 3 });
  assert.equal(parseMagnitudeMessage({ type: 'reveal', index: -1 }), null);
  assert.equal(parseMagnitudeMessage({ type: 'export', fileName: 'a.csv', mime: 'text/html', data: 'x' }), null);
  assert.equal(parseMagnitudeMessage({ type: 'nope' }), null);
  const csv = boundaryCsv([{ index: 1, weight: 0.75 }, { index: 0, weight: 0.5 }], {
    rows: Int32Array.from([4, 9]), lines: Int32Array.from([6, 11]), columns: ['x', 'a,b'], dim: 2, points: Float64Array.from([1, 2, 3, 4]),
  });
  assert.equal(csv, 'rank,row,line,weight,x,"a,b"\n1,10,11,0.75,3,4\n2,5,6,0.5,1,2\n');
});

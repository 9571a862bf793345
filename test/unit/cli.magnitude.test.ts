// `lacuna magnitude`: JSON shape and values against exact oracles, the weights file, precomputed
// distances, the solvers, subsampling, the sweep, samples, and errors.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { magnitudeCommand } from '../../src/cli/magnitude';
import { seededRng } from '../../src/core/random';
import { runCli } from './runCli';

const run = (args: string[]) => runCli(args);

const dir = mkdtempSync(join(tmpdir(), 'lacuna-cli-magnitude-'));

/** Points on a line with a header, shuffled; Mag = 1 + Σ tanh(t·gap/2) over the sorted gaps. */
function linePoints(n: number, seed: number): { path: string; xs: number[] } {
  const rng = seededRng(seed);
  const xs = Array.from({ length: n }, () => rng() * 10);
  const path = join(dir, `line-${n}-${seed}.csv`);
  writeFileSync(path, ['x,name', ...xs.map((x, i) => `${x},p${i}`)].join('\n') + '\n');
  return { path, xs };
}

function lineMagnitude(xs: number[], t: number): number {
  const s = [...xs].sort((a, b) => a - b);
  let m = 1;
  for (let i = 1; i < s.length; i++) m += Math.tanh((t * (s[i] - s[i - 1])) / 2);
  return m;
}

function planePoints(n: number, seed: number): string {
  const rng = seededRng(seed);
  const path = join(dir, `plane-${n}-${seed}.csv`);
  writeFileSync(path, ['a,b,c', ...Array.from({ length: n }, () => `${rng()},${rng() * 100},${rng()}`)].join('\n') + '\n');
  return path;
}

test('--json prints n, t, magnitude, residual, solver, seconds first, and matches the exact oracle', async () => {
  const { path, xs } = linePoints(400, 1);
  const r = await run(['magnitude', path, '--t', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(out).slice(0, 6), ['n', 't', 'magnitude', 'residual', 'solver', 'seconds']);
  assert.equal(out.n, 400);
  assert.equal(out.t, 3);
  assert.equal(out.solver, 'cholesky');
  const exact = lineMagnitude(xs, 3);
  assert.ok(Math.abs(out.magnitude - exact) <= 1e-9 * exact, `${out.magnitude} vs ${exact}`);
  assert.ok(out.residual < 1e-10);
  assert.ok(out.seconds > 0);
  assert.match(out.reason, /dense Cholesky/);
  // The top rows are the two ends of the line (the largest weights), named by row and line.
  const order = xs.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const ends = new Set([order[0][1] + 1, order[order.length - 1][1] + 1]);
  assert.ok(ends.has(out.top[0].row) && ends.has(out.top[1].row), JSON.stringify(out.top.slice(0, 2)));
  assert.equal(out.top[0].line, out.top[0].row + 1, 'line = row + 1 below the header');
});

test('--out writes one weight per line in row order, atomically, and never over the input', async () => {
  const { path, xs } = linePoints(200, 2);
  const out = join(dir, 'weights.csv');
  const r = await run(['magnitude', path, '--t', '2', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, 200);
  const weights = lines.map(Number);
  const total = weights.reduce((s, w) => s + w, 0);
  assert.ok(Math.abs(total - lineMagnitude(xs, 2)) < 1e-9 * total);
  // On a line the weight of a point is (tanh of its half-gaps), so the leftmost point's weight is known.
  const left = xs.indexOf(Math.min(...xs));
  const sorted = [...xs].sort((a, b) => a - b);
  assert.ok(Math.abs(weights[left] - (1 + Math.tanh((2 * (sorted[1] - sorted[0])) / 2)) / 2) < 1e-9);
  assert.equal(JSON.parse(r.stdout).output, out);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file is left');
  const refused = await run(['magnitude', path, '--t', '2', '--out', path]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /refusing to write over the input/);
  assert.match(readFileSync(path, 'utf8'), /^x,name\n/);
});

test('a precomputed distance matrix gives the same magnitude as its points', async () => {
  const { path, xs } = linePoints(60, 3);
  const matrix = join(dir, 'distances.tsv');
  writeFileSync(matrix, xs.map((a) => xs.map((b) => String(Math.abs(a - b))).join('\t')).join('\n') + '\n');
  const fromPoints = JSON.parse((await run(['magnitude', path, '--t', '4', '--json'])).stdout);
  const r = await run(['magnitude', matrix, '--t', '4', '--metric', 'precomputed', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const fromMatrix = JSON.parse(r.stdout);
  assert.equal(fromMatrix.n, 60);
  assert.ok(Math.abs(fromMatrix.magnitude - fromPoints.magnitude) < 1e-10 * fromPoints.magnitude);
  // A broken matrix is a file:line:column error.
  const bad = join(dir, 'bad.csv');
  writeFileSync(bad, '0,1\n2,0\n');
  const e = await run(['magnitude', bad, '--t', '1', '--metric', 'precomputed']);
  assert.equal(e.code, 1);
  assert.match(e.stderr, /bad\.csv:2:1: expected 1, the entry at \(1, 2\): a distance matrix is symmetric, found 2/);
  const usage = await run(['magnitude', matrix, '--t', '1', '--metric', 'precomputed', '--columns', '1']);
  assert.equal(usage.code, 2);
});

test('the three solvers agree, and the sparse solver reports its truncation', async () => {
  const path = planePoints(500, 4);
  const base = ['magnitude', path, '--t', '40', '--columns', 'a,c', '--json'];
  const results = await Promise.all(['cholesky', 'cg', 'sparse'].map(async (solver) => JSON.parse((await run([...base, '--solver', solver])).stdout)));
  assert.deepEqual(results.map((r) => r.solver), ['cholesky', 'cg', 'sparse']);
  for (const r of results) assert.ok(Math.abs(r.magnitude - results[0].magnitude) < 1e-6 * results[0].magnitude, `${r.solver}: ${r.magnitude}`);
  assert.ok(results[1].iterations > 0);
  assert.ok(results[2].truncation.nonZeros > 0);
  // Column b (scale 100) would dominate; zscore puts the columns on one footing.
  const raw = JSON.parse((await run(['magnitude', path, '--t', '1', '--json'])).stdout);
  const scaled = JSON.parse((await run(['magnitude', path, '--t', '1', '--normalise', 'zscore', '--json'])).stdout);
  assert.ok(raw.magnitude > 2 * scaled.magnitude, `${raw.magnitude} vs ${scaled.magnitude}`);
});

test('--max-points subsamples with a note, and --out leaves the other rows blank', async () => {
  const path = planePoints(300, 5);
  const out = join(dir, 'sub.csv');
  const r = await run(['magnitude', path, '--t', '5', '--max-points', '120', '--seed', '3', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.n, 120);
  assert.ok(json.notes.some((n: string) => /subsampled 120 of 300/.test(n)));
  const lines = readFileSync(out, 'utf8').split('\n').slice(0, -1);
  assert.equal(lines.length, 300);
  const filled = lines.filter((l) => l !== '');
  assert.equal(filled.length, 120);
  assert.ok(Math.abs(filled.map(Number).reduce((s, w) => s + w, 0) - json.magnitude) < 1e-9 * json.magnitude);
});

test('--sweep prints the magnitude function with t_conv and the suggested scale; --t suggested solves there', async () => {
  const r = await run(['magnitude', '--sample', 'disk', '--n', '300', '--sweep', '--count', '12', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const sweep = JSON.parse(r.stdout);
  assert.equal(sweep.n, 300);
  assert.equal(sweep.points.length >= 12, true);
  for (let i = 1; i < sweep.points.length; i++) assert.ok(sweep.points[i].magnitude > sweep.points[i - 1].magnitude, 'Mag rises with t');
  assert.ok(sweep.tConv > 0 && sweep.scatteredScale > sweep.tConv);
  assert.match(sweep.suggestedScale.reason, /√n/);
  const solved = JSON.parse((await run(['magnitude', '--sample', 'disk', '--n', '300', '--count', '12', '--t', 'suggested', '--json'])).stdout);
  assert.equal(solved.t, sweep.suggestedScale.t);
  assert.ok(Math.abs(solved.magnitude - Math.sqrt(300)) < 0.15 * Math.sqrt(300), `Mag at the suggested scale ≈ √n: ${solved.magnitude}`);
  assert.equal(solved.sweep.tConv, sweep.tConv);
  const text = await run(['magnitude', '--sample', 'disk', '--n', '300', '--sweep', '--count', '6']);
  assert.match(text.stdout, /t_conv\s+\d/);
  assert.match(text.stdout, /suggested scale\s+\d/);
  assert.match(text.stdout, /scattered scale\s+\d/);
});

test('samples: swissroll and MNIST digits', async () => {
  const roll = JSON.parse((await run(['magnitude', '--sample', 'swissroll', '--n', '200', '--t', '1', '--json'])).stdout);
  assert.equal(roll.n, 200);
  assert.ok(roll.magnitude > 1 && roll.magnitude < 200);
  const digits = JSON.parse((await run(['magnitude', '--sample', 'mnist', '--n', '60', '--t', '0.5', '--json'])).stdout);
  assert.equal(digits.n, 60);
  assert.equal(digits.top[0].line, null, 'a sample has no file lines');
});

test('usage and input errors', async () => {
  const { path } = linePoints(10, 6);
  assert.equal((await run(['magnitude', path])).code, 2);
  assert.equal((await run(['magnitude', path, '--t', '-1'])).code, 2);
  assert.equal((await run(['magnitude', path, '--t', '1', '--solver', 'magic'])).code, 2);
  assert.equal((await run(['magnitude', path, '--t', '1', '--sample', 'disk'])).code, 2);
  assert.equal((await run(['magnitude', '--sweep', '--out', join(dir, 'x.csv'), '--sample', 'disk'])).code, 2);
  const ragged = join(dir, 'ragged.csv');
  writeFileSync(ragged, 'x,y\n1,2\n3\n');
  const r = await run(['magnitude', ragged, '--t', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ragged\.csv:3:2: expected 2 fields/);
  const missing = await run(['magnitude', join(dir, 'nope.csv'), '--t', '1']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no such file/);
  assert.ok(!existsSync(join(dir, 'x.csv')));
});

test('magnitudeCommand is exported for direct use', async () => {
  const { path, xs } = linePoints(30, 7);
  const r = await runCli([path, '--t', '1', '--json'], magnitudeCommand);
  assert.equal(r.code, 0);
  assert.ok(Math.abs(JSON.parse(r.stdout).magnitude - lineMagnitude(xs, 1)) < 1e-9 * lineMagnitude(xs, 1));
});

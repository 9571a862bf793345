import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultFactorizeConfig, factorize } from '../../src/core/factorize/job';
import { gaussianMixtureSample } from '../../src/core/factorize/samples';
import { fileSource } from '../../src/core/io/node';
import { readMatrix } from '../../src/core/io/read';
import { seededRng } from '../../src/core/random';
import { runCli } from './runCli';

const run = (args: string[]) => runCli(args);

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lacuna-nmf-'));
}

/** A wide CSV of a non-negative rank-2 matrix plus noise: `rows` bins × `cols` observations. */
function lowRankCsv(dir: string, rows: number, cols: number, name = 'data.csv'): string {
  const rng = seededRng(5);
  const D = Array.from({ length: rows * 2 }, () => rng());
  const L = Array.from({ length: 2 * cols }, () => rng());
  const lines = [['bin', ...Array.from({ length: cols }, (_, j) => `obs${j + 1}`)].join(',')];
  for (let i = 0; i < rows; i++) {
    const cells = [String(i + 1)];
    for (let j = 0; j < cols; j++) cells.push(String(D[i * 2] * L[j] + D[i * 2 + 1] * L[cols + j] + 0.01 * rng()));
    lines.push(cells.join(','));
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n') + '\n');
  return path;
}

test('nmf --sample gaussians --loss wasserstein: one JSON object, atoms and weights as CSV, the same numbers as the core', async () => {
  const dir = tmp();
  const atoms = join(dir, 'atoms.csv');
  const weights = join(dir, 'weights.csv');
  const r = await run(['nmf', '--sample', 'gaussians', '--loss', 'wasserstein', '--k', '3', '--iterations', '2', '--inner-iterations', '40', '--atoms-out', atoms, '--weights-out', weights, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '', 'no progress bar off a TTY');
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1, '--json prints exactly one line');
  const json = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(json), ['command', 'input', 'sample', 'shape', 'loss', 'k', 'grid', 'settings', 'iterations', 'history', 'objective', 'converged', 'reason', 'reconstructionError', 'seconds', 'outputs', 'gridReason', 'notes']);
  assert.equal(json.sample, 'gaussians');
  assert.equal(json.input, null);
  assert.deepEqual(json.shape, [100, 100]);
  assert.equal(json.loss, 'wasserstein');
  assert.equal(json.grid, 'line:-12:12');
  assert.deepEqual(json.settings, { iterations: 2, seed: 0, epsilon: 0.025, rho1: 0.05, rho2: 0.05, innerIterations: 40, gradTol: 1e-4 });
  assert.equal(json.iterations, 2);
  assert.equal(json.history.length, 2);
  assert.equal(json.objective, json.history[1]);
  assert.ok(json.history[1] < json.history[0]);
  assert.equal(typeof json.seconds, 'number');
  assert.deepEqual(json.outputs, { atoms, weights });

  // The CLI and the core share one implementation: the atoms written equal the core's exactly.
  const { X } = gaussianMixtureSample();
  const core = factorize(X, { ...defaultFactorizeConfig('wasserstein', { kind: 'line', lo: -12, hi: 12 }, 3), iterations: 2, innerIterations: 40 });
  assert.deepEqual(json.history, core.history);
  const atomsRead = (await readMatrix(fileSource(atoms))).matrix;
  assert.equal(atomsRead.rows, 100);
  assert.deepEqual(atomsRead.colIds, ['atom_1', 'atom_2', 'atom_3']);
  assert.equal(atomsRead.rowLabels[0], '-12');
  assert.equal(atomsRead.rowLabels[99], '12');
  assert.deepEqual(Array.from(atomsRead.values), Array.from(core.D.values));
  for (let a = 0; a < 3; a++) {
    let sum = 0;
    for (let i = 0; i < 100; i++) sum += atomsRead.values[i * 3 + a];
    assert.ok(Math.abs(sum - 1) < 1e-9, 'each atom is a histogram');
  }
  const weightsRead = (await readMatrix(fileSource(weights))).matrix;
  assert.equal(weightsRead.rows, 3);
  assert.equal(weightsRead.cols, 100);
  assert.equal(weightsRead.colIds[0], 'mixture_1');
  assert.deepEqual(weightsRead.rowLabels, ['atom_1', 'atom_2', 'atom_3']);
  assert.deepEqual(Array.from(weightsRead.values), Array.from(core.Lambda.values));
});

test('nmf FILE: a square row count alone is a line, with the reason (16 = 4×4 is an image by --grid 4x4); Frobenius fits a rank-2 matrix; text report', async () => {
  const dir = tmp();
  const file = lowRankCsv(dir, 16, 12);
  const r = await run(['nmf', file, '--k', '2', '--iterations', '500', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.equal(json.input, file);
  assert.equal(json.grid, 'line:0:15');
  assert.match(json.gridReason, /16 = 4×4, but nothing names pixels: choose image 4×4/);
  assert.deepEqual(json.shape, [16, 12]);
  assert.equal(json.loss, 'frobenius');
  assert.deepEqual(json.settings, { iterations: 500, seed: 0, tolerance: 1e-4 });
  assert.equal(json.history.length, json.iterations + 1);
  assert.ok(json.reconstructionError < 0.05, `‖X − DΛ‖ = ${json.reconstructionError}`);
  assert.deepEqual(json.outputs, { atoms: null, weights: null });

  const text = await run(['nmf', file, '--k', '2', '--loss', 'kl', '--grid', 'line:0:1', '--atoms-out', join(dir, 'a.csv')]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^Lacuna nmf: data\.csv \(wide\)/);
  assert.match(text.stdout, /16 × 12 \(bins × observations\), grid line:0:1/);
  assert.match(text.stdout, /loss {7}kl, k = 2/);
  assert.match(text.stdout, new RegExp(`Wrote ${join(dir, 'a.csv').replace(/[.]/g, '\\.')}`));
  const atoms = readFileSync(join(dir, 'a.csv'), 'utf8').split('\n');
  assert.equal(atoms[0], 'position,atom_1,atom_2');
  assert.equal(atoms.length, 18);

  // Wasserstein on the image grid, the separable kernel under it.
  const w = await run(['nmf', file, '--k', '2', '--loss', 'wasserstein', '--grid', '4x4', '--epsilon', '0.05', '--rho', '0.1', '--iterations', '2', '--inner-iterations', '30', '--json']);
  assert.equal(w.code, 0, w.stderr);
  const wj = JSON.parse(w.stdout);
  assert.equal(wj.grid, 'image:4x4');
  assert.deepEqual([wj.settings.epsilon, wj.settings.rho1, wj.settings.rho2], [0.05, 0.1, 0.1]);
});

test('nmf --sample mnist: 256 digits at 14×14, k = 25 by default', async () => {
  const r = await run(['nmf', '--sample', 'mnist', '--iterations', '3', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  assert.deepEqual(json.shape, [196, 256]);
  assert.equal(json.grid, 'image:14x14');
  assert.equal(json.k, 25);
  assert.equal(json.iterations, 3);
});

test('nmf refuses missing or negative entries with a clear error, and never writes over its input', async () => {
  const dir = tmp();
  const gappy = join(dir, 'gappy.csv');
  writeFileSync(gappy, 'bin,a,b\n1,1,2\n2,,3\n3,4,5\n');
  const r = await run(['nmf', gappy, '--k', '1']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /NMF needs complete data: gappy\.csv has 1 missing entry, the first at row 2 \(2\), column a\. Fill the gaps first \(lacuna impute\)\./);

  const negative = join(dir, 'negative.csv');
  writeFileSync(negative, 'bin,a,b\n1,1,2\n2,-1,3\n');
  const n = await run(['nmf', negative, '--k', '1']);
  assert.equal(n.code, 1);
  assert.match(n.stderr, /NMF needs non-negative data: negative\.csv holds -1 at row 2 \(2\), column a/);

  const file = lowRankCsv(dir, 9, 5, 'keep.csv');
  const before = readFileSync(file, 'utf8');
  const o = await run(['nmf', file, '--k', '2', '--atoms-out', file]);
  assert.equal(o.code, 1);
  assert.match(o.stderr, /refusing to write over the input file/);
  assert.equal(readFileSync(file, 'utf8'), before);

  const zeros = join(dir, 'zeros.csv');
  writeFileSync(zeros, 'bin,a,b\n1,0,2\n2,0,3\n3,0,1\n');
  const z = await run(['nmf', zeros, '--k', '1', '--loss', 'wasserstein']);
  assert.equal(z.code, 1);
  assert.match(z.stderr, /column 1 of X is all zeros/);

  const missingFile = await run(['nmf', join(dir, 'nope.csv'), '--k', '2']);
  assert.equal(missingFile.code, 1);
  assert.match(missingFile.stderr, /no such file/);
});

test('nmf usage errors exit 2 and name the flag', async () => {
  const dir = tmp();
  const file = lowRankCsv(dir, 16, 4);
  const cases: [string[], RegExp][] = [
    [['nmf'], /nmf needs a FILE \(or --sample gaussians\|mnist\)/],
    [['nmf', file], /nmf needs --k/],
    [['nmf', file, file, '--k', '2'], /nmf takes one FILE, found 2/],
    [['nmf', file, '--sample', 'mnist'], /a FILE or --sample, not both/],
    [['nmf', '--sample', 'cats'], /--sample expects one of gaussians, mnist/],
    [['nmf', file, '--k', '0'], /--k expects a positive integer, found "0"/],
    [['nmf', file, '--k', '2', '--loss', 'l1'], /--loss expects one of frobenius, kl, wasserstein/],
    [['nmf', file, '--k', '2', '--epsilon', '0.1'], /--epsilon applies to --loss wasserstein/],
    [['nmf', file, '--k', '2', '--loss', 'wasserstein', '--epsilon=-1'], /--epsilon expects a positive number, found "-1"/],
    [['nmf', file, '--k', '2', '--loss', 'wasserstein', '--rho', '0.1', '--rho1', '0.2'], /not both/],
    [['nmf', file, '--k', '2', '--grid', 'hex:3'], /--grid expected line:LO:HI, image:WxH or WxH/],
    [['nmf', file, '--k', '2', '--grid', 'image:3x3'], /--grid an image grid of 3×3 has 9 pixels, but the data has 16 rows/],
    [['nmf', file, '--k', '2', '--iterations', '2.5'], /--iterations expects a positive integer/],
    [['nmf', file, '--k', '2', '--loss', 'wasserstein', '--tolerance', '0'], /--tolerance applies to --loss frobenius or kl/],
    [['nmf', file, '--k', '2', '--tolerance=-1'], /--tolerance expects a number ≥ 0/],
    [['nmf', file, '--k', '2', '--atoms-out', join(dir, 'x.csv'), '--weights-out', join(dir, 'x.csv')], /must be different files/],
    [['nmf', file, '--k', '2', '--bogus'], /Unknown option '--bogus'/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /lacuna nmf FILE --k K/, 'the usage follows');
  }
  const help = await run(['--help']);
  assert.match(help.stdout, /lacuna nmf --sample gaussians\|mnist/);
});

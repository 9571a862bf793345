import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTERACTIVE_LIMITS } from '../../src/protocol/magnitude';
import { clampPoints, endText, mapTitle, readSettings, sameDataset, stepText } from '../../webview/magnitude/aeState';
import * as tf from '@tensorflow/tfjs';
import type { BackendTiming } from '../../webview/common/backend';
import { measureSolvers, PROBE_POINTS } from '../../webview/magnitude/solverProbe';
import { autoSolver, baseName, describePoint, effectiveSolver, interactiveLimit, pointsForSolver, sizeWarnings, solverName, type SolverProbe } from '../../webview/magnitude/state';

const timing = (name: string, msPerStep: number | null, emulated = false): BackendTiming => ({ name, firstStepMs: msPerStep, msPerStep, steps: msPerStep === null ? 0 : 3, reason: msPerStep === null ? 'its first step took over 4.0 s' : 'measured', emulated, initialised: true });
const probe = (tfMs: number | null, f64Ms: number, emulated = false): SolverProbe => ({ backend: emulated ? 'webgpu' : 'wasm', emulated, m: 192, tfjs: timing('tfjs CG on webgpu', tfMs, emulated), float64: timing('Float64 Cholesky', f64Ms) });

test('auto weighs the measured speed of both solve paths, scaled to n; the point budget follows the solver', () => {
  // The emulated GPU: its CG far slower than the Float64 Cholesky on the probe: Float64, and why.
  const emulated = autoSolver(probe(900, 3, true), 2000);
  assert.equal(emulated.solver, 'auto');
  assert.match(emulated.reason, /^Float64 Cholesky measured faster on 192 points, scaled to n = 2000: .* against tfjs CG on webgpu/);
  assert.equal(effectiveSolver('auto', probe(900, 3, true), 2000), 'auto');
  // A CG that could not run at all never gets auto.
  assert.equal(autoSolver(probe(null, 3), 2000).solver, 'auto');
  // Before the measurement: Float64.
  assert.equal(effectiveSolver('auto', null, 2000), 'auto');
  // A real GPU: its CG 4× slower than Cholesky at 192 points, but the Cholesky grows by n³: at
  // 2,000 points (×10.4 more) the CG wins; at 300 points (×1.6) it does not.
  assert.equal(autoSolver(probe(8, 2), 2000).solver, 'gpu');
  assert.equal(effectiveSolver('auto', probe(8, 2), 2000), 'gpu');
  assert.equal(autoSolver(probe(8, 2), 300).solver, 'auto');
  // A named solver is never overridden.
  assert.equal(effectiveSolver('cholesky', probe(1, 100), 2000), 'cholesky');
  assert.equal(effectiveSolver('gpu', probe(900, 3, true), 100), 'gpu');
  assert.equal(interactiveLimit('auto'), INTERACTIVE_LIMITS.cholesky);
  assert.equal(interactiveLimit('gpu'), INTERACTIVE_LIMITS.gpu);
  assert.equal(solverName('gpu', 'webgl'), 'tfjs CG on webgl');
  assert.equal(pointsForSolver({ n: 100, totalRows: 100 }, 2000), null);
  assert.equal(pointsForSolver({ n: 2000, totalRows: 9000 }, 5000), 5000);
  const w = sizeWarnings({ n: 2000, totalRows: 9000 }, 1000, 'dense Cholesky');
  assert.equal(w.length, 2);
  assert.match(w[0], /Showing 2000 of 9000 rows/);
  assert.deepEqual(sizeWarnings({ n: 10, totalRows: 10 }, 1000, 'x'), []);
});

test('export names and hover text come from the source and the point', () => {
  assert.equal(baseName(null), 'points');
  assert.equal(baseName({ kind: 'sample', sample: 'swissroll', size: 100 }), 'swissroll');
  assert.equal(baseName({ kind: 'file', path: '/a/b/cloud.data.csv' }), 'cloud.data');
  assert.equal(baseName({ kind: 'selection', path: 'C:\\x\\pts.csv', first: 3, last: 9 }), 'pts.lines3-9');
  const p = { rows: Int32Array.from([4, 7]), lines: Int32Array.from([6, 9]), labels: Int32Array.from([0, 1]), labelNames: ['a', 'b'] };
  assert.equal(describePoint(p, null, 1), 'row 8 (line 9) · label b');
  assert.match(describePoint(p, Float64Array.from([0.5, 0.25]), 0), /^row 5 \(line 6\) · weight 0\.5/);
});

test('the autoencoder form is read with every rule, and the status lines say what happened', () => {
  const cloud = { n: 50, dim: 3, data: new Float64Array(150) };
  const form = { dataset: 'swissroll', t: '2', lambda: '5', epochs: '10', burnIn: '0', architecture: 'linear', seed: '1' };
  assert.deepEqual(readSettings({ cloud }, form), { dataset: 'swissroll', n: 50, t: 2, lambda: 5, epochs: 10, burnIn: 0, architecture: 'linear', seed: 1 });
  assert.throws(() => readSettings({ cloud }, { ...form, t: '0' }), /t must be a positive/);
  assert.throws(() => readSettings({ cloud }, { ...form, epochs: '0' }), /at least one epoch/);
  assert.throws(() => readSettings({ cloud }, { ...form, epochs: '1.5' }), /epochs must be/);
  assert.throws(() => readSettings({ cloud }, { ...form, architecture: 'conv' }), /28×28/);
  assert.equal(clampPoints('2'), 3);
  assert.equal(clampPoints('x'), 1000);
  assert.equal(clampPoints('99999'), 5000);
  assert.equal(sameDataset({ key: 'sample:sphere:100', label: '', cloud: { ...cloud, n: 100 }, labelNames: null, suggested: { t: 1, reason: '' } }, 'sphere', 100), true);
  assert.equal(sameDataset(null, 'sphere', 100), false);
  assert.equal(mapTitle('pca', 0.91234), 'PCA · ρ = 0.912');
  assert.equal(stepText({ phase: 'joint', epoch: 3, step: 3, recons: 1, weight: 1, total: 0.5, rho: NaN, seconds: 1 }, { burnIn: 0, epochs: 9 }, 'wasm'), 'joint epoch 3/9 on wasm: L = 0.5000');
  assert.equal(endText(null, 'boom', false, 0, null).state, 'failed');
  assert.match(endText(null, null, true, 0, null).text, /before the training started/);
});

test('the solver probe times the real tfjs CG and the Float64 Cholesky on one problem, and leaves no tensor behind', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const measured = await measureSolvers(tf, 'cpu', false, 30);
  assert.equal(tf.memory().numTensors, before);
  assert.equal(measured.m, PROBE_POINTS);
  for (const t of [measured.tfjs, measured.float64]) {
    assert.equal(t.reason, 'measured', t.name);
    assert.ok(t.msPerStep! > 0 && t.steps >= 2, `${t.name}: ${t.msPerStep} ms over ${t.steps} steps`);
  }
  assert.equal(measured.tfjs.name, 'tfjs CG on cpu');
  // auto follows the measurement: whichever measured faster (scaled to n) is taken.
  const choice = autoSolver(measured, PROBE_POINTS);
  assert.equal(choice.solver, measured.tfjs.msPerStep! < measured.float64.msPerStep! ? 'gpu' : 'auto');
});

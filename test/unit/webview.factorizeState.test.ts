import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
import type { BackendTiming } from '../../webview/common/backend';
import { measureCompute, type ComputeProbe } from '../../webview/factorize/computeProbe';
import {
  applyData, atomTitle, clampObservation, computePath, computeView, formFromConfig, initialState, objectivesOf, otherGridFields, pageStart, pathName, readConfig, valueRange, type BackendState,
} from '../../webview/factorize/state';

const base = defaultFactorizeConfig('wasserstein', { kind: 'line', lo: 0, hi: 1 }, 3);
const data = { rows: 4, cols: 10, values: Float64Array.from({ length: 40 }, (_, i) => i % 7), colIds: [], grid: base.grid };
const none: BackendState = { backend: null, error: null, adapterText: '', adapterEmulated: false };
const webgpu = (emulated: boolean): BackendState => ({ backend: { name: 'webgpu', attempts: [] }, error: null, adapterText: 'SwiftShader', adapterEmulated: emulated });

test('the form round-trips a config, and reads every problem at once', () => {
  const form = formFromConfig(base, 4);
  assert.equal(form.gridWidth, '2');
  assert.equal(form.gridHeight, '2');
  const read = readConfig(base, 4, form);
  assert.ok('config' in read);
  assert.deepEqual(read.config, base);
  const bad = readConfig(base, 4, { ...form, k: '0', epsilon: '-1', gridKind: 'image', gridWidth: '3', gridHeight: '1' });
  assert.ok('problems' in bad);
  assert.equal(bad.problems.length, 3);
  assert.match(bad.problems.join(';'), /width × height = 4/);
  // NMF keeps the base's Wasserstein settings whatever the hidden fields hold.
  const nmf = readConfig(base, 4, { ...form, loss: 'kl', epsilon: 'x' });
  assert.ok('config' in nmf);
  assert.equal(nmf.config.epsilon, base.epsilon);
  assert.deepEqual(otherGridFields('line', 5), { width: '5', height: '1' });
  assert.deepEqual(otherGridFields('image', 5), { lo: '0', hi: '4' });
});

const timing = (name: string, msPerStep: number): BackendTiming => ({ name, firstStepMs: msPerStep, msPerStep, steps: 3, reason: 'measured', emulated: false, initialised: true });
const measured = (faster: 'tfjs' | 'float64'): ComputeProbe => ({ tfjs: timing('tfjs on webgpu', faster === 'tfjs' ? 5 : 50), float64: timing('Float64 on the CPU', 20), choice: { faster, reason: `${faster} measured faster on a Wasserstein NMF step` } });

test('the compute path: Float64 until measured, then the path measured faster on this data; the user’s pick otherwise', () => {
  assert.deepEqual(computePath(none, base, data, 'tfjs'), { path: 'float64', why: 'no tfjs backend yet' });
  assert.equal(computePath(webgpu(false), base, data, 'tfjs').path, 'tfjs');
  assert.equal(pathName(webgpu(false), 'tfjs'), 'tfjs-webgpu-float32');
  assert.equal(pathName(webgpu(false), 'float64'), 'cpu-float64');
  // Not measured yet: Float64, whatever the backend's label.
  assert.equal(computeView(webgpu(false), 'wasserstein', 'float64', null, false).value, 'float64');
  assert.equal(computeView({ ...webgpu(false), measuring: true }, 'wasserstein', 'float64', null, false).badge.text, 'compute: Float64 on the CPU (measuring…)');
  // An emulated GPU measured slower: Float64, and the badge says it measured faster, with its time.
  const emulated = computeView({ ...webgpu(true), probe: measured('float64') }, 'wasserstein', 'float64', null, false);
  assert.equal(emulated.value, 'float64');
  assert.match(emulated.tfjsOption ?? '', /CPU emulation of a GPU, 50 ms a probe step/);
  assert.equal(emulated.float64Option, 'CPU (Float64, 20 ms a probe step)');
  assert.equal(emulated.badge.text, 'compute: Float64 on the CPU (measured faster, 20 ms a probe step)');
  assert.equal(emulated.badge.chosenBy, 'measured');
  assert.match(emulated.badge.title, /Measured on this data: float64 measured faster/);
  // Even an emulated GPU gets the default where it measured faster: the measurement decides.
  const fast = computeView({ ...webgpu(true), probe: measured('tfjs') }, 'wasserstein', 'tfjs', null, false);
  assert.equal(fast.value, 'tfjs');
  assert.equal(fast.badge.text, 'compute: tfjs on webgpu (float32) (measured faster, 5.0 ms a probe step)');
  // The user's pick is kept and said so.
  const mine = computeView({ ...webgpu(false), probe: measured('float64') }, 'wasserstein', 'tfjs', null, true);
  assert.equal(mine.value, null);
  assert.equal(mine.badge.text, 'compute: tfjs on webgpu (float32) (your choice)');
  assert.match(computeView(none, 'kl', 'float64', 'no tfjs backend yet', false).badge.title, /no tfjs backend yet/);
  assert.equal(computeView({ ...webgpu(false), probe: measured('tfjs') }, 'kl', 'float64', 'KL NMF runs in Float64', false).badge.text, 'compute: Float64 on the CPU');
});

test('the compute probe times a real Wasserstein step on tfjs and in Float64, leaving no tensor behind', async () => {
  await tf.setBackend('cpu');
  const cols = 12;
  const rows = 24;
  // Bumps at shifted positions: histograms over a line grid.
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values[i * cols + j] = Math.exp(-(((i - 4 - j) / 3) ** 2)) + 1e-3;
  const before = tf.memory().numTensors;
  const probe = await measureCompute(tf, 'cpu', false, { rows, cols, values }, { kind: 'line', lo: 0, hi: 1 }, 20);
  assert.equal(tf.memory().numTensors, before);
  assert.ok(probe);
  for (const t of [probe.tfjs, probe.float64]) assert.ok(t.reason === 'measured' && t.msPerStep! > 0, `${t.name}: ${t.reason}`);
  assert.equal(probe.choice.faster, probe.tfjs.msPerStep! <= probe.float64.msPerStep! ? 'tfjs' : 'float64');
  assert.match(probe.choice.reason, /measured faster on a Wasserstein NMF step \(24 bins × 8 observations\)/);
  // Data too large for the tfjs path (4,096 bins on a line): nothing to compare, Float64 it is.
  assert.equal(await measureCompute(tf, 'cpu', false, { rows: 4096, cols: 8, values: new Float64Array(4096 * 8).fill(1) }, { kind: 'line', lo: 0, hi: 1 }, 20), null);
});

test('new data resets what was drawn; selection and pages stay inside the data', () => {
  const s = { ...initialState(), selected: 5, objectives: [{ iteration: 1, objective: 2 }] };
  const next = applyData(s, { type: 'data', source: { kind: 'sample', name: 'gaussians' }, data, config: base, inputs: [], trusted: false });
  assert.equal(next.selected, 0);
  assert.deepEqual(next.objectives, []);
  assert.equal(next.trusted, false);
  assert.equal(next.X?.cols, 10);
  assert.equal(clampObservation(12, 10), 9);
  assert.equal(clampObservation(-3, 10), 0);
  assert.equal(clampObservation(1.5, 10), null);
  assert.equal(pageStart(9), 8);
  assert.deepEqual(objectivesOf([3, 2], 'wasserstein'), [{ iteration: 1, objective: 3 }, { iteration: 2, objective: 2 }]);
  assert.deepEqual(objectivesOf([3, 2], 'kl')[0], { iteration: 0, objective: 3 });
  assert.deepEqual(valueRange([2, -1, 5]), [-1, 5]);
  assert.equal(atomTitle([0, 3, 1], [0, 0.5, 1], 1), 'atom 2 · mode 0.50');
});

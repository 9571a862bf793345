import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
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

test('the compute path: Float64 without tfjs or on an emulated GPU by default, the user’s pick otherwise', () => {
  assert.deepEqual(computePath(none, base, data, 'tfjs'), { path: 'float64', why: 'no tfjs backend yet' });
  assert.equal(computePath(webgpu(false), base, data, 'tfjs').path, 'tfjs');
  assert.equal(pathName(webgpu(false), 'tfjs'), 'tfjs-webgpu-float32');
  assert.equal(pathName(webgpu(false), 'float64'), 'cpu-float64');
  const emulated = computeView(webgpu(true), 'wasserstein', 'float64', null, false);
  assert.equal(emulated.value, 'float64');
  assert.match(emulated.tfjsOption ?? '', /CPU emulation/);
  assert.equal(computeView(webgpu(false), 'wasserstein', 'tfjs', null, false).value, 'tfjs');
  assert.equal(computeView(webgpu(false), 'wasserstein', 'tfjs', null, true).value, null);
  assert.match(computeView(none, 'kl', 'float64', 'no tfjs backend yet', false).badge.title, /no tfjs backend yet/);
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

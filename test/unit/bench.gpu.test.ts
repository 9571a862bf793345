// The GPU bench section's decisions and rows (src/bench/gpu.ts): it refuses an emulated adapter
// unless allowed, names the adapter in every row, and reports the same work on both backends.
// The section itself is run on SwiftShader with `npm run bench -- gpu --allow-emulation --tiny`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adapterLabel, cgRow, decideAdapter, DEFAULT_GPU_BUDGET_SECONDS, gpuPlan, parseGpuFlags, trainRow, wnmfRow } from '../../src/bench/gpu';
import type { TrainTiming } from '../../src/bench/deepSpeedRun';
import type { AdapterFacts, CgReport, GpuProbeReport, WnmfReport } from '../../src/bench/gpuRun';

const swiftShader: AdapterFacts = { vendor: 'google', architecture: 'swiftshader', device: 'subzero', description: 'SwiftShader driver 5.0.0', words: 'google swiftshader subzero (a CPU emulation of a GPU, not a GPU)', emulated: true };
const hopper: AdapterFacts = { vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100', words: 'nvidia hopper NVIDIA H100', emulated: false };
const probe = (adapter: AdapterFacts | null, error: string | null = null): GpuProbeReport => ({ kind: 'probe', backend: adapter ? 'webgpu' : null, adapter, error });

test('the flags: --allow-emulation, --tiny, --budget; anything else is an error', () => {
  assert.deepEqual(parseGpuFlags([]), { allowEmulation: false, tiny: false, budgetSeconds: DEFAULT_GPU_BUDGET_SECONDS });
  assert.deepEqual(parseGpuFlags(['--allow-emulation', '--tiny', '--budget', '90']), { allowEmulation: true, tiny: true, budgetSeconds: 90 });
  assert.throws(() => parseGpuFlags(['--budget', 'soon']), /--budget expects a positive number/);
  assert.throws(() => parseGpuFlags(['--emulate']), /unknown gpu bench flag "--emulate"/);
});

test('a real adapter in the process environment is used, SwiftShader beside it or not', () => {
  assert.deepEqual(decideAdapter(probe(hopper), null, false), { use: 'process', adapter: hopper });
  assert.deepEqual(decideAdapter(probe(hopper), probe(swiftShader), true), { use: 'process', adapter: hopper });
});

test('an emulated adapter is refused, and the refusal says what it is and how to allow it', () => {
  const own = decideAdapter(probe(swiftShader), null, false);
  assert.ok('refuse' in own);
  assert.match(own.refuse, /refusing to benchmark on google swiftshader/);
  assert.match(own.refuse, /--allow-emulation/);
  const fallback = decideAdapter(probe(null, 'Dawn found no GPU adapter (no Vulkan driver)'), probe(swiftShader), false);
  assert.ok('refuse' in fallback);
  assert.match(fallback.refuse, /no GPU adapter: Dawn found no GPU adapter \(no Vulkan driver\); only SwiftShader/);
});

test('with --allow-emulation SwiftShader runs; with no adapter at all it still refuses', () => {
  assert.deepEqual(decideAdapter(probe(swiftShader), null, true), { use: 'process', adapter: swiftShader });
  assert.deepEqual(decideAdapter(probe(null, 'no driver'), probe(swiftShader), true), { use: 'swiftshader', adapter: swiftShader });
  const none = decideAdapter(probe(null, 'no driver'), null, true);
  assert.ok('refuse' in none);
  assert.match(none.refuse, /no WebGPU adapter at all: no driver; no SwiftShader driver/);
});

test('the adapter label names vendor, architecture, device and description, and marks an emulation', () => {
  assert.equal(adapterLabel(hopper), 'vendor nvidia, architecture hopper, description NVIDIA H100');
  assert.match(adapterLabel(swiftShader), /^vendor google, architecture swiftshader, device subzero, description SwiftShader driver 5\.0\.0 \(\*\*emulated\*\*/);
});

test('every row carries the adapter, WebGPU in the Lacuna column and wasm as the peer', () => {
  const timing = (seconds: number): TrainTiming => ({ method: 'vit', steps: 20, seconds, medianStep: seconds / 20, parameters: 1, finiteLoss: true, leakedTensors: 0, flat: true });
  const train = trainRow('vit', 16, timing(1), timing(4), adapterLabel(hopper));
  assert.equal(train.case, 'ViT training step (AQI-36, batch 16)');
  assert.equal(train.lacuna, 0.05);
  assert.equal(train.peer, 0.2);
  assert.match(train.note!, /webgpu 20\.00 steps\/s .*; wasm 5\.00 steps\/s .*; adapter: vendor nvidia, architecture hopper/);

  const cg = (backend: string, seconds: number): CgReport => ({ kind: 'cg', backend, n: 20000, seconds, iterations: 10, converged: true, residual: 1e-6, magnitude: 1234.5, notes: [], leakedTensors: 0 });
  const cgR = cgRow(20000, 1000, cg('webgpu', 2), null, adapterLabel(hopper), ', whole solve', { wasm: 'the time budget was spent' });
  assert.equal(cgR.case, 'weighting-vector CG on tfjs, n = 20,000, t = 1000, whole solve');
  assert.equal(cgR.peer, null);
  assert.match(cgR.note!, /webgpu 10 iterations in 2\.000 s with the set-up, Mag 1234\.500.*; wasm not run: the time budget was spent; adapter: vendor nvidia/);

  const w: WnmfReport = { kind: 'wnmf', backend: 'webgpu', result: { seconds: 3, history: [], objective: -21.5, reconstructionError: 1, iterations: 3, lbfgsIterations: 700, unconvergedSteps: 6, steps: 6, leakedTensors: 0 } };
  const wRow = wnmfRow('1-D example', w, null, adapterLabel(swiftShader), { wasm: 'failed' });
  assert.equal(wRow.lacuna, 3);
  assert.match(wRow.note!, /objective -21\.5000, 700 L-BFGS iterations \(6 of 6 steps at the cap\).*adapter: .*\*\*emulated\*\*/);
});

test('the real plan measures what the issue names; the tiny one only checks the script', () => {
  const real = gpuPlan(false);
  assert.deepEqual(real.cg.map((c) => c.n), [20000, 100000]);
  assert.equal(real.train.batchSize, 16);
  assert.deepEqual(real.wnmf.map((c) => c.case), ['gaussians', 'mnist']);
  const tiny = gpuPlan(true);
  assert.ok(tiny.cg.every((c) => c.n <= 1000) && tiny.train.steps === 1);
});

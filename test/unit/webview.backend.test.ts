import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendOptions, backendTitle, denseProbeStep, fasterPath, measureBackends, timeWork, pickTfBackend, showBackendBadge, switchBackend, type BadgeLike, type ProbeStep } from '../../webview/common/backend';

// A stand-in 'webgpu' backend (the cpu one), so that the WebGPU probe decides whether it is tried.
tf.registerBackend('webgpu', () => tf.findBackend('cpu')!);
tf.registerBackend('test-broken', () => {
  throw new Error('no device');
});

const swiftshader = { info: { vendor: 'google', architecture: 'swiftshader', device: '', description: '' } };
const hopper = { info: { vendor: 'nvidia', architecture: 'hopper' } };

function badge(): BadgeLike {
  return { textContent: 'backend: choosing…', title: '', dataset: {} };
}

test('the wasm binaries are looked for under the page assets, with one trailing slash', async () => {
  const prefixes: string[] = [];
  for (const assets of ['vscode-resource:/media', 'vscode-resource:/media/']) {
    await pickTfBackend(tf, { assets, order: ['cpu'], setWasmPaths: (p) => prefixes.push(p) });
  }
  assert.deepEqual(prefixes, ['vscode-resource:/media/', 'vscode-resource:/media/']);
});

test('without navigator.gpu or an adapter, webgpu is passed over and says why', async () => {
  const noGpu = await pickTfBackend(tf, { assets: '', order: ['webgpu', 'cpu'], setWasmPaths: () => {} });
  assert.equal(noGpu.backend?.name, 'cpu');
  assert.equal(noGpu.error, null);
  assert.equal(noGpu.adapterText, '');
  assert.equal(noGpu.adapterEmulated, false);
  assert.equal(backendTitle(noGpu), 'cpu (webgpu: navigator.gpu is missing (WebGPU is not enabled here))');

  const noAdapter = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => null }, order: ['webgpu', 'cpu'], setWasmPaths: () => {} });
  assert.equal(noAdapter.backend?.name, 'cpu');
  assert.deepEqual(noAdapter.backend?.attempts[0], { name: 'webgpu', ok: false, reason: 'no WebGPU adapter was found' });
});

test('a WebGPU adapter is described, an emulated one is flagged, and the badge shows it', async () => {
  const real = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => hopper }, order: ['webgpu', 'cpu'], setWasmPaths: () => {} });
  assert.equal(real.backend?.name, 'webgpu');
  assert.equal(real.adapterText, 'nvidia hopper');
  assert.equal(real.adapterEmulated, false);

  const emulated = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => swiftshader }, order: ['webgpu', 'cpu'], setWasmPaths: () => {} });
  assert.equal(emulated.backend?.name, 'webgpu');
  assert.equal(emulated.adapterEmulated, true);
  assert.match(emulated.adapterText, /swiftshader .*CPU emulation/);

  const b = badge();
  showBackendBadge(b, emulated);
  assert.equal(b.textContent, 'backend: webgpu');
  assert.equal(b.dataset.backend, 'webgpu');
  assert.equal(b.title, `webgpu; adapter: ${emulated.adapterText}`);
  await tf.setBackend('cpu');
});

test('when no backend initialises, the error is returned (not thrown) and the badge has no data-backend', async () => {
  const picked = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => hopper }, order: ['test-broken'], setWasmPaths: () => {} });
  assert.equal(picked.backend, null);
  assert.match(picked.error ?? '', /^no tfjs backend could initialise: test-broken/);
  const b = badge();
  showBackendBadge(b, picked);
  assert.equal(b.textContent, `backend: none (${picked.error})`);
  assert.equal(b.title, '');
  assert.equal(b.dataset.backend, undefined);
});

// A step whose time depends on the backend it runs on (sleeps), so the ranking is known.
const sleepStep =
  (ms: Record<string, number>): ProbeStep =>
  async (t) => {
    await new Promise((r) => setTimeout(r, ms[t.getBackend()] ?? 1));
  };

test('measured: an emulated WebGPU slower than the CPU backend is passed over, with the timings in the reason', async () => {
  const picked = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => swiftshader }, order: ['webgpu', 'test-broken', 'cpu'], setWasmPaths: () => {} }, { step: sleepStep({ webgpu: 25, cpu: 2 }), budgetMs: 60 });
  assert.equal(picked.backend?.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(picked.chosenBy, 'measured');
  assert.deepEqual(picked.timings.map((t) => [t.name, t.msPerStep !== null, t.emulated]), [['webgpu', true, true], ['test-broken', false, false], ['cpu', true, false]]);
  const [gpu, , cpu] = picked.timings;
  assert.ok(gpu.msPerStep! > cpu.msPerStep!, `${gpu.msPerStep} > ${cpu.msPerStep}`);
  assert.ok(cpu.steps >= 2 && cpu.firstStepMs! >= 0);
  assert.match(picked.reason, /^cpu measured fastest: [\d.]+ ms a step \(webgpu \(a CPU emulation of a GPU\) \d+ ms; test-broken: failed to initialise\)$/);
  const b = badge();
  showBackendBadge(b, picked);
  assert.match(b.textContent ?? '', /^backend: cpu \(fastest measured, [\d.]+ ms\/step\)$/);
  assert.equal(b.dataset.chosenBy, 'measured');
  assert.match(b.title, /^cpu: cpu measured fastest: .*; WebGPU adapter: google swiftshader \(a CPU emulation of a GPU, not a GPU\)$/);
  assert.deepEqual(
    backendOptions(picked).map((o) => o.value),
    ['auto', 'webgpu', 'cpu'],
  );
  assert.match(backendOptions(picked)[1].label, /^webgpu \(emulated GPU\) · \d+ ms\/step$/);

  // The user's choice: switched, and the badge says so; 'auto' goes back to the fastest.
  assert.equal(await switchBackend(tf, picked, 'webgpu'), true);
  assert.equal(tf.getBackend(), 'webgpu');
  showBackendBadge(b, picked);
  assert.match(b.textContent ?? '', /^backend: webgpu \(your choice, \d+ ms\/step\)$/);
  assert.match(picked.reason, /^chosen by you/);
  assert.equal(await switchBackend(tf, picked, 'test-broken'), false, 'a backend that did not run is refused');
  assert.equal(await switchBackend(tf, picked, 'auto'), true);
  assert.equal(tf.getBackend(), 'cpu');
  assert.equal(picked.chosenBy, 'measured');
});

test('measured: an emulated WebGPU that is faster is chosen (the measurement decides, not the label)', async () => {
  const m = await measureBackends(tf, { order: ['webgpu', 'cpu'], emulated: (n) => n === 'webgpu', step: sleepStep({ webgpu: 1, cpu: 20 }), budgetMs: 60 });
  assert.equal(m.fastest, 'webgpu');
  assert.equal(tf.getBackend(), 'webgpu');
  assert.match(m.reason, /^webgpu \(a CPU emulation of a GPU\) measured fastest/);
  await tf.setBackend('cpu');
});

test('measured: a first step over the limit rules the backend out; a failing step says why', async () => {
  const slowFirst: ProbeStep = async (t) => {
    if (t.getBackend() === 'webgpu') await new Promise((r) => setTimeout(r, 200));
    if (t.getBackend() === 'cpu') throw new Error('boom');
  };
  const m = await measureBackends(tf, { order: ['webgpu', 'cpu'], step: slowFirst, firstStepLimitMs: 50, budgetMs: 20 });
  assert.equal(m.fastest, null);
  assert.equal(m.timings[0].reason, 'its first step took over 50 ms');
  assert.equal(m.timings[1].reason, 'its step failed: boom');
  assert.match(m.reason, /^no backend could run the probe step/);
  const picked = await pickTfBackend(tf, { assets: '', order: ['cpu'], setWasmPaths: () => {} }, { step: slowFirst });
  assert.equal(picked.backend, null);
  assert.match(picked.error ?? '', /^no tfjs backend could run/);
  await tf.setBackend('cpu');
});

test('the dense probe step computes a real gradient and leaves no tensor behind', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const m = await measureBackends(tf, { order: ['cpu'], budgetMs: 30 });
  assert.equal(tf.memory().numTensors, before);
  assert.equal(m.fastest, 'cpu');
  assert.ok(m.timings[0].msPerStep! > 0 && m.timings[0].reason === 'measured', JSON.stringify(m.timings));
  await denseProbeStep(tf);
  assert.equal(tf.memory().numTensors, before);
});

test('a backend whose first step overran is not chosen but can still be picked by the user', async () => {
  const slowGpu: ProbeStep = async (t) => {
    await new Promise((r) => setTimeout(r, t.getBackend() === 'webgpu' ? 200 : 1));
  };
  const picked = await pickTfBackend(tf, { assets: '', gpu: { requestAdapter: async () => swiftshader }, order: ['webgpu', 'cpu'], setWasmPaths: () => {} }, { step: slowGpu, firstStepLimitMs: 50, budgetMs: 20 });
  assert.equal(picked.backend?.name, 'cpu');
  assert.deepEqual(backendOptions(picked).map((o) => o.label.replace(/[\d.]+ ms\/step/, 'N ms/step')), ['auto (fastest: cpu)', 'webgpu (emulated GPU) · first step took over 50 ms', 'cpu · N ms/step']);
  assert.equal(await switchBackend(tf, picked, 'webgpu'), true);
  const b = badge();
  showBackendBadge(b, picked);
  assert.equal(b.textContent, 'backend: webgpu (your choice)');
  assert.match(picked.reason, /^chosen by you \(its first step took over 50 ms; cpu measured fastest/);
  await tf.setBackend('cpu');
});

test('timeWork times any path as the backends are timed, and fasterPath weighs two of them (scaled to the size that will run)', async () => {
  const clock = { t: 0 };
  const slow = await timeWork('slow', () => {
    clock.t += 30;
  }, { now: () => clock.t, budgetMs: 100 });
  assert.equal(slow.msPerStep, 30);
  assert.ok(slow.steps >= 2);
  const fast = await timeWork('fast', async () => {
    clock.t += 10;
  }, { now: () => clock.t, budgetMs: 100 });
  assert.equal(fast.msPerStep, 10);
  const broken = await timeWork('broken', () => {
    throw new Error('no device');
  });
  assert.equal(broken.msPerStep, null);
  assert.equal(broken.reason, 'its step failed: no device');
  assert.deepEqual(fasterPath(slow, fast, 'the probe'), { faster: 'fast', reason: 'fast measured faster on the probe: 10 ms against slow 30 ms' });
  // Scaled: the slow one grows less with size, and wins at 10× the work.
  assert.equal(fasterPath(slow, fast, 'the probe', (t) => (t === slow ? 10 : 100)).faster, 'slow');
  assert.equal(fasterPath(broken, fast, 'the probe').faster, 'fast');
  assert.match(fasterPath(broken, broken, 'the probe').reason, /^neither path ran the probe/);
});

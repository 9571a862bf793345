import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { backendTitle, pickTfBackend, showBackendBadge, type BadgeLike } from '../../webview/common/backend';

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

// WebGPU smoke test in Node: the tfjs CG on the webgpu backend (Dawn from the `webgpu` npm
// package, on SwiftShader's Vulkan driver that Debian's chromium ships, installed by setup.sh)
// matches the Float64 Cholesky within float32 limits. It is part of the e2e run because that run
// installs chromium first; the solve runs in a child process so the Vulkan loader sees its
// environment from the start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Runs a child script on Dawn with SwiftShader's Vulkan; returns its last JSON line. */
function runOnDawn(script: string, timeout = 240_000) {
  assert.ok(existsSync(ICD), `${ICD} is missing: test/e2e/setup.sh installs chromium`);
  // Dawn loads libvulkan.so.1: Debian's libvulkan1 when installed, else the copy chromium ships.
  const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some(existsSync);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VK_ICD_FILENAMES: ICD,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    ...(systemLoader ? {} : { LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }),
  };
  delete env.NODE_OPTIONS;
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, script)], { env, encoding: 'utf8', timeout, cwd: join(__dirname, '../..') });
  assert.equal(child.status, 0, `the WebGPU child failed (status ${child.status}, signal ${child.signal}):\n${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

test('the learned imputers train a few steps on WebGPU in Node: finite losses, moving weights, a flat tensor count', () => {
  // SwiftShader runs every dispatch on the CPU: three small models take minutes.
  const out = runOnDawn('webgpuTrain.ts', 900_000);
  process.stderr.write(`[webgpu] ${JSON.stringify(out.runs)}\n`);
  assert.ok(out.adapter, 'Dawn found an adapter');
  assert.equal(out.backend, 'webgpu');
  assert.equal(out.runs.length, 3);
  for (const r of out.runs) {
    assert.equal(r.steps, 12, r.method);
    assert.ok(r.finite, `${r.method}: a loss was not finite`);
    // A smoke test: the steps ran and moved the weights without blowing up. (That the models
    // learn is tested at length on wasm and cpu, where more steps are affordable.)
    assert.ok(r.moved > 1e-4, `${r.method}: the weights did not move (${r.moved})`);
    assert.ok(r.after < r.before * 1.1, `${r.method}: error on a fixed batch ${r.before} -> ${r.after}`);
    assert.ok(r.flat, `${r.method}: the tensor count grew`);
  }
});

test('the tfjs CG runs on WebGPU in Node and matches the Float64 weights within float32 limits', () => {
  const out = runOnDawn('webgpuSolve.ts');
  process.stderr.write(`[webgpu] adapter ${JSON.stringify(out.adapter)}; ${JSON.stringify(out.cases.map((c: Record<string, unknown>) => ({ ...c, notes: undefined })))}\n`);
  assert.ok(out.adapter, 'Dawn found an adapter');
  assert.equal(out.setBackend, true);
  assert.equal(out.backend, 'webgpu');
  assert.equal(out.cases.length, 2);
  for (const c of out.cases) {
    assert.equal(c.converged, true, `${c.path}: ${c.notes.join('; ')}`);
    assert.ok(c.relativeMagnitudeError <= 1e-4, `${c.path}: Mag off by ${c.relativeMagnitudeError}`);
    assert.ok(c.weightError <= 1e-3, `${c.path}: weights off by ${c.weightError}`);
    assert.ok(c.residual <= 1e-5, `${c.path}: residual ${c.residual}`);
    assert.equal(c.leakedTensors, 0, `${c.path}: tensors leaked`);
    assert.match(c.notes[0], /^backend webgpu, float32/);
  }
});

// The Transport panel's host side without VS Code: the two clouds read from files (hashed, with
// the CLI's clear errors), the samples, the run records (create, progress, result, damaged
// records), the Runs view's row, and the core job the page runs (Sinkhorn's matched points).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { before, test } from 'node:test';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { barycentricProjection, runTransportJob } from '../../src/core/transport/job';
import { loadTransportFiles, loadTransportSample } from '../../src/host/transport/data';
import { describeTransportRun, TransportRunStore } from '../../src/host/transport/runs';
import { defaultTransportConfig } from '../../src/protocol/transport';

before(async () => {
  setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/'));
  assert.ok(await tf.setBackend('wasm'), 'the wasm backend initialises');
});

const dir = () => mkdtempSync(join(tmpdir(), 'lacuna-transport-host-'));

test('two point files are read and hashed; different columns, a NaN and a single point get clear errors', async () => {
  const d = dir();
  const a = join(d, 'before.csv');
  const b = join(d, 'after.csv');
  writeFileSync(a, 'speed,flow\n1,2\n3,4\n5,6\n');
  writeFileSync(b, 'speed,flow\n2,2\n4,4\n');
  const loaded = await loadTransportFiles(a, b);
  assert.deepEqual([loaded.a.n, loaded.b.n, loaded.a.dim], [3, 2, 2]);
  assert.deepEqual(loaded.columns, ['speed', 'flow']);
  assert.equal(loaded.digests!.a.sha256, createHash('sha256').update(readFileSync(a)).digest('hex'));
  assert.equal(loaded.title, 'Transport: before.csv → after.csv');
  writeFileSync(b, 'speed,flow,lane\n2,2,1\n4,4,1\n');
  await assert.rejects(loadTransportFiles(a, b), /before\.csv has 2 columns \(speed, flow\) but after\.csv has 3 \(speed, flow, lane\)/);
  writeFileSync(b, 'speed,flow\n2,2\n');
  await assert.rejects(loadTransportFiles(a, b), /after\.csv: 1 point; transport needs at least 2/);
  const sample = loadTransportSample('sparse-shift');
  assert.equal(sample.support!.length, 5);
  assert.equal(sample.config.sparsity, 'l0');
});

test('a run record goes from running to completed with its history; a damaged record is reported, not dropped', async () => {
  const root = join(dir(), 'runs');
  const store = new TransportRunStore(root);
  const config = defaultTransportConfig('sparse-shift');
  const run = await store.create({ kind: 'sample', name: 'sparse-shift' }, [600, 600], 20, config, null);
  await store.appendHistory(run.id, { step: 10, loss: 3, divergence: 2, mongeGap: 0.5, lambda: 0, displacementDim: 12 });
  await store.update(run.id, (r) => {
    r.status = 'completed';
    r.sinkhorn = { epsilon: 1, cost: 5, divergence: 4, marginalError: 1e-10, iterations: 30, converged: true, warnings: [], seconds: 0.2, points: [600, 600] };
    r.result = { meanDimension: 5.2, moved: ['x3', 'x<b>'], divergenceAfter: 0.1, mongeGap: 0.05, seconds: 3, backend: 'tfjs-wasm', outputs: [] };
  });
  const back = (await store.get(run.id))!;
  assert.equal(back.history.length, 1);
  const row = describeTransportRun(back, { completed: 'pass' }, (iso) => iso.slice(0, 10));
  assert.equal(row.label, 'Transport: ICNN dual · completed');
  assert.match(row.description, /^divergence 4 · moves 5\.2 coords · \d{4}-/);
  assert.ok(row.tooltip.includes('x\\<b\\>'), 'data in the tooltip is escaped');
  assert.ok(!row.tooltip.includes('<b>'));
  mkdirSync(join(root, 'broken'));
  writeFileSync(join(root, 'broken', 'transport.json'), '{"version":1,"kind":"transport","id":"broken"}');
  const entries = await store.records.list();
  assert.equal(entries.filter((e) => !e.ok).length, 1);
  assert.equal((await store.list()).length, 1);
});

test('the job: Sinkhorn on a shifted cloud sends each point near its shifted self, and reports the plan', async () => {
  const n = 60;
  const x = { n, dim: 2, data: Float64Array.from({ length: 2 * n }, (_, t) => Math.sin(t * 1.7) * 2) };
  const y = { n, dim: 2, data: x.data.map((v, t) => v + (t % 2 === 0 ? 3 : -1)) };
  const onSinkhorn: number[] = [];
  const r = await runTransportJob(tf, x, y, { method: 'sinkhorn', epsilon: 0.05, sparsity: 'none', lambda: 0, targetDim: null, iterations: 1, seed: 0 }, { onSinkhorn: (s) => onSinkhorn.push(s.cost) });
  assert.equal(onSinkhorn.length, 1);
  assert.ok(r.sinkhorn.converged);
  assert.ok(Math.abs(r.sinkhorn.cost - 10) < 0.1, `cost ${r.sinkhorn.cost}`);
  let err = 0;
  for (let t = 0; t < 2 * n; t++) err = Math.max(err, Math.abs(r.mapped[t] - y.data[t]));
  assert.ok(err < 0.2, `each point lands within 0.2 of its shifted self (${err})`);
  assert.deepEqual(r.perCoordinate.map((v) => Math.round(v)), [3, 1]);
  assert.ok(r.plan && r.plan.mass.length >= n);
  assert.ok(Math.abs(r.plan.mass.reduce((s, m) => s + m, 0) - 1) < 1e-6, 'the plan holds the mass');
  assert.equal(r.map, null);
  assert.equal(barycentricProjection(x, y, { f: new Float64Array(n), g: new Float64Array(n), epsilon: 1e9 })[0].toFixed(6), (y.data.filter((_, t) => t % 2 === 0).reduce((s, v) => s + v, 0) / n).toFixed(6), 'a flat plan sends every point to the mean');
});

test('the job: a short Monge-gap run reports its curve and the map\'s figures, and leaves no tensors behind', async () => {
  const sample = loadTransportSample('gaussians');
  const x = { n: 100, dim: 2, data: sample.a.data.slice(0, 200) };
  const y = { n: 100, dim: 2, data: sample.b.data.slice(0, 200) };
  const config = { method: 'monge-gap', epsilon: null, sparsity: 'l1', lambda: 0.01, targetDim: null, iterations: 20, seed: 0 } as const;
  const steps: number[] = [];
  const counts: number[] = [];
  const r = await runTransportJob(tf, x, y, config, { onProgress: (p) => (steps.push(p.step), counts.push(tf.memory().numTensors)) });
  const after = tf.memory().numTensors;
  // A second run leaves the count where the first left it (tfjs keeps a few constants of its own from the first).
  await runTransportJob(tf, x, y, { ...config, iterations: 10 }, { onProgress: () => counts.push(tf.memory().numTensors) });
  assert.equal(tf.memory().numTensors, after);
  assert.ok(counts.every((c) => c === counts[0]), `flat during training: ${counts.join(', ')}`);
  assert.deepEqual(steps, [10, 20]);
  assert.equal(r.map!.steps, 20);
  assert.equal(typeof r.map!.mongeGap, 'number');
  assert.ok(r.map!.divergenceAfter! < r.sinkhorn.divergence, `the map moves A toward B (${r.map!.divergenceAfter} < ${r.sinkhorn.divergence})`);
  assert.equal(r.mapped.length, 200);
});

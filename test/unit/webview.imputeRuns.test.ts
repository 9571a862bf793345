// The training panel's runs table and map resolution: every run on the file is a row (best by
// validation MAE, never by the test targets), a second run on one input is its own record with
// its own result, and the map's resolution separates most sensors.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { latLngToCell } from 'h3-js';
import { distinctCellResolution } from '../../src/core/geo/h3';
import { seededRng } from '../../src/core/random';
import { ImputeRuns, runTableRow, settingsText } from '../../src/host/impute/runs';
import type { RunListEntry } from '../../src/protocol/impute';
import { runsTableRows } from '../../webview/impute/runsState';
import { fileDigest } from './hostFixtures';

const metrics = (mae: number) => ({ mae, rmse: mae * 2, mse: 4 * mae * mae, mre: 0.1, nonzero: { count: 1, mae, rmse: mae, mse: mae }, zero: { count: 0, mae: null, rmse: null, mse: null }, perColumn: [] });

test('two runs on one input are two records; the table rows carry each one’s method, settings and metrics; best is by validation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-table-'));
  const input = join(dir, 'data.csv');
  writeFileSync(input, 'time,a\n2024-01-01,1\n');
  let t = Date.UTC(2026, 0, 1);
  const store = new ImputeRuns(join(dir, '.lacuna', 'runs'), () => new Date((t += 1000)));
  const digest = { path: input, format: 'wide', ...(await fileDigest(input)) };
  const first = await store.create(digest, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  const second = await store.create(first.input, { method: 'linear', maskRatio: 0.8, seed: 1 });
  const other = await store.create({ ...digest, path: join(dir, 'other.csv') }, { method: 'mean', maskRatio: 0.8, seed: 0 });
  // Validation and test disagree on purpose: the best is the lower validation MAE.
  await store.update(first.id, (r) => void ((r.status = 'completed'), (r.result = { targets: 5, metrics: metrics(30.3) as never, seconds: 0.5, backend: 'wasm', outputs: [], validationMae: 9 })));
  await store.update(second.id, (r) => void ((r.status = 'completed'), (r.result = { targets: 5, metrics: metrics(8.1) as never, seconds: 0.2, backend: 'wasm', outputs: [], validationMae: 12 })));
  const all = await store.list();
  assert.equal((await store.list()).length, 3, 'three records, none rewritten');
  const current = (await store.get(second.id))!;
  const entries: RunListEntry[] = (await store.list()).map((r) => ({ id: r.id, label: '', description: '', row: runTableRow(r, current) }));
  assert.equal(all.length, 3);
  const rows = runsTableRows(entries);
  assert.deepEqual(rows.map((r) => [r.id, r.method, r.current, r.best]), [
    [second.id, 'linear', true, false],
    [first.id, 'neighbor', false, true],
  ]);
  assert.equal(rows[0].mae, 8.1);
  assert.equal(rows[1].validationMae, 9);
  assert.equal(rows[0].settings, 'mask 0.8 · seed 1');
  assert.ok(!rows.some((r) => r.id === other.id), 'a run on another file is not in this file’s table');
  assert.equal(
    settingsText({ method: 'vit', maskRatio: 0.5, seed: 2, deep: { model: { steps: 24, depth: 2 }, learningRate: 0.002, alpha: 1.5, maxEpochs: 20, batchSize: 16, optimizer: 'adam', balance: 'gradnorm' } }),
    'mask 0.5 · seed 2 · steps 24, depth 2 · lr 0.002, α 1.5, 20 epochs, batch 16, adam, gradnorm',
  );
  // A run without a validation score is never marked best.
  const noValidation = runsTableRows(entries.map((e) => ({ ...e, row: { ...e.row!, validationMae: null } })));
  assert.ok(noValidation.every((r) => !r.best));
});

test('the map resolution puts most of 123 sensors spread over about 2 km in cells of their own (at least 20)', () => {
  // 123 sensors spread over 1.4 × 2.1 km (as the user's traffic counts), seeded.
  const rng = seededRng(3);
  const locations = Array.from({ length: 123 }, () => ({ lat: 52.5 + (rng() * 1.4) / 111, lng: 13.4 + (rng() * 2.1) / (111 * Math.cos((52.5 * Math.PI) / 180)) }));
  const lats = locations.map((l) => l.lat);
  const lngs = locations.map((l) => l.lng);
  const kmNS = (Math.max(...lats) - Math.min(...lats)) * 111;
  const kmEW = (Math.max(...lngs) - Math.min(...lngs)) * 111 * Math.cos((lats[0] * Math.PI) / 180);
  console.error(`[map] ${locations.length} sensors over ${kmNS.toFixed(2)} × ${kmEW.toFixed(2)} km`);
  const r = distinctCellResolution(locations);
  const cells = new Set(locations.map((l) => latLngToCell(l.lat, l.lng, r))).size;
  const coarser = new Set(locations.map((l) => latLngToCell(l.lat, l.lng, r - 1))).size;
  assert.ok(cells >= 0.8 * locations.length && cells >= 20, `${cells} cells at resolution ${r}`);
  assert.ok(coarser < 0.8 * locations.length, `resolution ${r - 1} (${coarser} cells) would not separate most`);
  assert.ok(new Set(locations.map((l) => latLngToCell(l.lat, l.lng, 7))).size < 20, 'the old fixed resolution 7 did not');
  // Sensors across a country get a coarse grid; one spot cannot be separated (the cap holds).
  const country = [
    { lat: 48.85, lng: 2.35 },
    { lat: 45.76, lng: 4.84 },
    { lat: 43.3, lng: 5.37 },
    { lat: 50.63, lng: 3.06 },
  ];
  assert.ok(distinctCellResolution(country) <= 4, `${distinctCellResolution(country)}`);
  assert.equal(distinctCellResolution([{ lat: 1, lng: 1 }, { lat: 1, lng: 1 }, { lat: 1, lng: 1 }]), 0, 'three readings at one spot: one spot, one cell');
});

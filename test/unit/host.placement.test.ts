// The "Sensor placement" tab without VS Code: the host session (search in core/sampling, progress,
// cancel, records kept as each method finishes, the CSV export, trust), the protocol's parser,
// the Runs view's row, and the page's pure state (settings, curves, the map's ranks).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { trafficSample } from '../../src/core/sample';
import { PlacementRecords } from '../../src/host/placement/records';
import { PlacementSession, type PlacementEnvironment } from '../../src/host/placement/session';
import { TransportRunStore } from '../../src/host/transport/runs';
import { buildRunsTree, describeNode, lineOfKey, outputFile, recordFile, recordFocus } from '../../src/host/runs/tree';
import { parseImputeMessage } from '../../src/protocol/impute';
import type { PlacementSettings, PlacementToPage } from '../../src/protocol/placement';
import { curveExtent, sensorPoints } from '../../webview/charts/placementData';
import { applyPlacementMessage, curveSeries, initialPlacementState, ranksOf, readPlacementSettings, shownResult } from '../../webview/impute/placementState';
import { FactorizeRunStore } from '../../src/host/factorize/runs';
import { ImputeRuns } from '../../src/host/impute/runs';
import { MagnitudeRecords } from '../../src/host/magnitude/records';

const { matrix } = trafficSample();
const SETTINGS: PlacementSettings = { budget: 3, imputer: 'neighbor', methods: ['greedy', 'random', 'coverage', 'qr', 'genetic'], seed: 0, population: 6, generations: 2 };

function harness(options: { trusted?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-placement-'));
  const records = new PlacementRecords(join(dir, '.lacuna', 'placement'));
  const posted: PlacementToPage[] = [];
  const saved: { fileName: string; data: string; protect: string[]; path: string }[] = [];
  let trusted = options.trusted ?? true;
  const input = { path: join(dir, 'traffic.csv'), sha256: 'ab'.repeat(32), bytes: 1234, locations: join(dir, 'traffic_locations.csv') };
  const env: PlacementEnvironment = {
    records,
    input,
    matrix,
    post: (m) => posted.push(m),
    isTrusted: () => trusted,
    requireTrust: () => {
      if (!trusted) throw new Error('untrusted');
    },
    save: async (fileName, data, protect) => {
      const path = join(dir, fileName);
      saved.push({ fileName, data, protect, path });
      return path;
    },
    onRecordChanged: () => {},
    log: () => {},
  };
  return { dir, records, posted, saved, env, session: new PlacementSession(env), setTrusted: (t: boolean) => (trusted = t) };
}

async function until(check: () => boolean, ms = 60_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const lastRun = (posted: PlacementToPage[]) => posted.filter((m): m is Extract<PlacementToPage, { type: 'placementRun' }> => m.type === 'placementRun').at(-1)!.run;

test('a search runs every method in the host, keeps each result in its record, and reports progress; the export is the ranked CSV', async () => {
  const h = harness();
  const [init] = await h.session.snapshot();
  assert.equal(init.type, 'placementInit');
  assert.equal(init.type === 'placementInit' && init.places?.length, matrix.cols);
  assert.equal(init.type === 'placementInit' && init.run, null);
  await h.session.handle({ type: 'placementStart', settings: SETTINGS });
  // A second start while one runs is refused.
  await assert.rejects(h.session.handle({ type: 'placementStart', settings: SETTINGS }), /already running/);
  await until(() => h.posted.some((m) => m.type === 'placementRun' && m.run.status !== 'running'));
  const run = lastRun(h.posted);
  assert.equal(run.status, 'completed');
  assert.deepEqual(run.results.map((r) => r.method), SETTINGS.methods);
  for (const r of run.results) {
    assert.equal(r.chosen.length, 3, r.method);
    assert.equal(new Set(r.chosen.map((c) => c.column)).size, 3);
    assert.deepEqual(r.curve.map((p) => p.kept), [1, 2, 3]);
  }
  assert.ok(run.results.find((r) => r.method === 'random')!.curve.every((p) => (p.testStd ?? -1) >= 0), 'random has its band');
  assert.ok(h.posted.some((m) => m.type === 'placementProgress'));
  // Kept: the record reads back with every result; the snapshot brings it back to a rebuilt page.
  const record = await h.records.get(run.id);
  assert.equal(record?.results.length, 5);
  assert.equal(record?.history.length, 5);
  const [again] = await h.session.snapshot();
  assert.equal(again.type === 'placementInit' && again.run?.id, run.id);

  await h.session.handle({ type: 'placementExport', runId: run.id, method: 'greedy' });
  const out = h.saved[0];
  assert.equal(out.fileName, 'traffic.placement-greedy.csv');
  assert.deepEqual(out.protect, [h.env.input.path, h.env.input.locations]);
  const lines = out.data.trim().split('\n');
  assert.equal(lines[0], 'rank,column,latitude,longitude,h3_cell,gain_mse');
  const greedy = run.results.find((r) => r.method === 'greedy')!;
  assert.deepEqual(lines.slice(1).map((l) => l.split(',')[1]), greedy.chosen.map((c) => c.id));
  assert.ok(lines.slice(1).every((l) => /^\d,S\d+,-?\d+\.\d+,-?\d+\.\d+,[0-9a-f]{15},/.test(l)), out.data);
  assert.deepEqual(h.posted.at(-1), { type: 'placementSaved', path: out.path });

  // The Runs view lists the search with its best method.
  const dir = h.dir;
  const tree = await buildRunsTree({ runs: new ImputeRuns(join(dir, '.lacuna', 'runs')), factorize: new FactorizeRunStore(join(dir, '.lacuna', 'runs')), magnitude: new MagnitudeRecords(join(dir, '.lacuna', 'magnitude')), placements: h.records, transport: new TransportRunStore(join(dir, '.lacuna', 'runs')) });
  const row = describeNode(tree[0].runs[0]);
  assert.equal(row.label, 'Placement: keep 3, neighbor · completed');
  assert.equal(row.contextValue, 'lacunaPlacementRun');
  assert.match(row.description, /^best \w+ MSE \d/);
  assert.match(row.tooltip, /Sensor placement\*\* on `traffic\.csv`, 672 × 48/);
  // Opened from the view, the record shows its results first.
  const node = tree[0].runs[0];
  assert.equal(recordFile(node), join(h.records.dir(run.id), 'placement.json'));
  assert.equal(outputFile(node), recordFile(node));
  assert.ok(lineOfKey(readFileSync(recordFile(node), 'utf8'), recordFocus(node)!) > 0);
});

test('cancel stops the search at its next evaluation and keeps the methods already finished', async () => {
  const h = harness();
  await h.session.handle({ type: 'placementStart', settings: { ...SETTINGS, methods: ['qr', 'genetic'], population: 40, generations: 10_000 } });
  await until(() => h.posted.some((m) => m.type === 'placementProgress' && m.method === 'genetic'));
  await h.session.handle({ type: 'placementCancel' });
  await until(() => h.posted.some((m) => m.type === 'placementRun' && m.run.status !== 'running'));
  const run = lastRun(h.posted);
  assert.equal(run.status, 'cancelled');
  assert.deepEqual(run.results.map((r) => r.method), ['qr']);
  assert.equal((await h.records.get(run.id))?.status, 'cancelled');
});

test('an untrusted workspace searches and writes nothing; a bad budget and coverage without places are refused', async () => {
  const h = harness({ trusted: false });
  await assert.rejects(h.session.handle({ type: 'placementStart', settings: SETTINGS }), /untrusted/);
  assert.deepEqual(await h.records.list(), []);
  h.setTrusted(true);
  await assert.rejects(h.session.handle({ type: 'placementStart', settings: { ...SETTINGS, budget: 49 } }), /keeps 49 columns but the matrix has only 48/);
  const bare = harness();
  const session = new PlacementSession({ ...bare.env, matrix: { ...matrix, places: null } });
  await assert.rejects(session.handle({ type: 'placementStart', settings: SETTINGS }), /coverage needs the columns’ places/);
  assert.deepEqual(await bare.records.list(), []);
});

test('the protocol refuses malformed placement messages; the page reads its settings and draws the curves', () => {
  assert.deepEqual(parseImputeMessage({ type: 'placementStart', settings: SETTINGS }), { type: 'placementStart', settings: SETTINGS });
  for (const bad of [{ ...SETTINGS, budget: 0 }, { ...SETTINGS, methods: [] }, { ...SETTINGS, methods: ['greedy', 'greedy'] }, { ...SETTINGS, imputer: 'vit' }, { ...SETTINGS, population: 1 }, { ...SETTINGS, seed: -1 }]) {
    assert.equal(parseImputeMessage({ type: 'placementStart', settings: bad }), null, JSON.stringify(bad));
  }
  assert.equal(parseImputeMessage({ type: 'placementExport', runId: '../x', method: 'greedy' }), null);
  assert.deepEqual(parseImputeMessage({ type: 'placementCancel' }), { type: 'placementCancel' });

  const form = { budget: '5', imputer: 'knn', methods: ['qr', 'greedy'], seed: '2', population: '16', generations: '15' };
  assert.deepEqual(readPlacementSettings(form, 48, true), { budget: 5, imputer: 'knn', methods: ['greedy', 'qr'], seed: 2, population: 16, generations: 15 });
  assert.match(readPlacementSettings({ ...form, budget: '49' }, 48, true) as string, /from 1 to 48/);
  assert.match(readPlacementSettings({ ...form, budget: '2.5' }, 48, true) as string, /whole number/);
  assert.match(readPlacementSettings({ ...form, methods: [] }, 48, true) as string, /at least one method/);
  assert.match(readPlacementSettings({ ...form, methods: ['coverage'] }, 48, false) as string, /locations/);

  const result = (method: 'greedy' | 'random', testStd?: number) => ({
    method, imputer: 'neighbor', metric: 'mse' as const, budget: 2, cols: 4, gainKind: 'drop one' as const,
    chosen: [{ rank: 1, column: 3, id: 'd', gain: 1 }, { rank: 2, column: 0, id: 'a', gain: 0.5 }],
    validation: { value: 2, mse: 2, mae: 1, count: 10 }, test: { value: 3, mse: 3, mae: 1, count: 10 },
    curve: [{ kept: 1, validation: 4, test: 5, ...(testStd !== undefined ? { testStd } : {}) }, { kept: 2, validation: 2, test: 3, ...(testStd !== undefined ? { testStd } : {}) }],
    search: { evaluations: 7, seconds: 0.1 }, seconds: 0.2,
  });
  let state = applyPlacementMessage(initialPlacementState(), { type: 'placementInit', cols: 4, colIds: ['a', 'b', 'c', 'd'], places: null, trusted: true, run: null });
  state = applyPlacementMessage(state, { type: 'placementRun', run: { id: 'r1', settings: { ...SETTINGS, budget: 2 }, status: 'completed', message: null, results: [result('random', 1), result('greedy')] } });
  const series = curveSeries(state.run);
  assert.deepEqual(series.map((s) => s.method), ['greedy', 'random']);
  assert.deepEqual(series[1].points[0], { kept: 1, error: 5, lo: 4, hi: 6 });
  assert.deepEqual(series[0].points[0], { kept: 1, error: 5 });
  // The map shows greedy first, numbered in order of choice; the user can switch to random.
  assert.equal(shownResult(state)?.method, 'greedy');
  assert.deepEqual([...ranksOf(shownResult(state))], [[3, 1], [0, 2]]);
  assert.equal(shownResult({ ...state, shown: 'random' })?.method, 'random');
  // The curves' y range holds the band; the map places a sensor by its coordinates, else its cell's centre, and skips one without a place.
  const [ylo, yhi] = curveExtent(series);
  assert.ok(Math.abs(ylo - 1.8) < 1e-9 && Math.abs(yhi - 6.2) < 1e-9, `${ylo} … ${yhi}: the band 2 … 6, padded 5%`);
  const cell = '8828308281fffff';
  const points = sensorPoints(['a', 'b', 'c'], [{ lat: 40, lng: -74, cell }, { lat: NaN, lng: NaN, cell }, null], new Map([[1, 1]]));
  assert.deepEqual(points.map((p) => [p.id, p.rank]), [['a', null], ['b', 1]]);
  assert.ok(Math.abs(points[1].lat - 37.78) < 0.1 && Math.abs(points[1].lng + 122.42) < 0.1, JSON.stringify(points[1]));
});

// The Runs view's data without VS Code: real stores written in a temporary folder (an imputation
// run, a factorisation run, a weighting-vector session and an autoencoder run), listed together,
// grouped by input, and described as the tree shows them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultFactorizeConfig } from '../../src/core/factorize/job';
import { evaluate } from '../../src/core/impute/metrics';
import { FactorizeRunStore } from '../../src/host/factorize/runs';
import { MagnitudeRecords } from '../../src/host/magnitude/records';
import { ImputeRuns as RunStore } from '../../src/host/impute/runs';
import { PlacementRecords } from '../../src/host/placement/records';
import { TransportRunStore } from '../../src/host/transport/runs';
import { buildRunsTree, describeNode, escapeMarkdown, figure, lineOfKey, outputFile, recordFile, recordFocus, type InputNode, type RunNode, type RunsSources } from '../../src/host/runs/tree';
import type { AeMap, AeSettings } from '../../src/protocol/magnitude';
import { fileDigest } from './hostFixtures';

const map = (rho: number): AeMap => ({ codes: Float64Array.from({ length: 8 }, (_, k) => k), weights: Float64Array.from([0.4, 0.1, 0.2, 0.3]), rho, seconds: 0.01 });

/** The three stores the view lists, in `dir`'s .lacuna folder. */
function storesIn(dir: string, clock?: () => Date): RunsSources {
  const root = join(dir, '.lacuna', 'runs');
  return { runs: new RunStore(root, clock), factorize: new FactorizeRunStore(root, clock), magnitude: new MagnitudeRecords(join(dir, '.lacuna', 'magnitude'), clock), placements: new PlacementRecords(join(dir, '.lacuna', 'placement'), clock), transport: new TransportRunStore(root, clock) };
}

/** An autoencoder run of a session, with four points' input weights and fixed PCA and t-SNE maps. */
function createAeRun(sources: RunsSources, session: string, settings: AeSettings, dataset: { label: string; dim: number }, backend: string) {
  return sources.magnitude.createAutoencoderRun(session, {
    settings,
    dataset: { ...dataset, n: 4, labels: null },
    backend,
    inputWeights: Float64Array.from([0.5, 0.2, 0.2, 0.4]),
    pca: map(0.3),
    tsne: map(0.2),
  });
}

/** One run of each kind, written by the stores themselves, a second apart. */
async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-view-'));
  const data = join(dir, 'data.csv');
  writeFileSync(data, 'bin,a,b,c\n1,1,2,0\n2,3,0,1\n3,0.5,1,4\n4,2,2,2\n');
  let t = Date.UTC(2026, 0, 1, 9, 0, 0);
  const clock = () => new Date((t += 1000));
  const sources = storesIn(dir, clock);

  // 09:00:01 an imputation run on data.csv, completed with its MAE.
  const impute = await sources.runs.create({ path: data, format: 'wide', ...(await fileDigest(data)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  const imputed = join(dir, 'data.imputed.csv');
  writeFileSync(imputed, 'x\n');
  const { perColumn: _perColumn, ...metrics } = evaluate(Float64Array.from([1, 2, 3]), Float64Array.from([1.5, 2, 2]), Uint8Array.from([1, 1, 1]), 3);
  await sources.runs.update(impute.id, (r) => {
    r.status = 'completed';
    r.backend = 'wasm';
    r.result = { targets: 3, metrics: { ...metrics, perColumn: [] }, seconds: 0.5, backend: 'wasm', outputs: [imputed] };
  });

  // 09:00:03 a Wasserstein NMF on the same file, completed with its outputs.
  const config = defaultFactorizeConfig('wasserstein', { kind: 'image', width: 2, height: 2 }, 2);
  const nmf = await sources.factorize.create({ kind: 'file', path: data, fileName: 'data.csv', format: 'wide' }, [4, 3], config, await fileDigest(data));
  await sources.factorize.appendHistory(nmf.id, { iteration: 1, objective: 0.5, fraction: 0.5 });
  const atoms = await sources.factorize.writeOutput(nmf.id, 'atoms.csv', 'position,atom_1\n');
  await sources.factorize.update(nmf.id, (r) => {
    r.status = 'completed';
    r.result = { objective: 0.123456, iterations: 10, converged: true, reason: 'tolerance', reconstructionError: 0.0456789, seconds: 1.5, backend: 'tfjs-wasm-float32', outputs: [atoms] };
  });

  // 09:00:08 a weighting-vector session on the Swiss roll sample, solved at t = 2.
  const session = await sources.magnitude.create({ kind: 'sample', sample: 'swissroll', size: 500 });
  await sources.magnitude.recordSolve(
    session.id,
    { t: 2, n: 4, magnitude: 12.3456, residual: 1e-12, solver: 'cholesky', backend: 'cpu', seconds: 0.01, iterations: null, converged: true, notes: [] },
    Float64Array.from([0.4, 0.1, 0.2, 0.3]),
    Int32Array.from([0, 1, 2, 3]),
    { solver: 'auto', metric: 'euclidean' },
  );

  // 09:00:10 an autoencoder trained on the Swiss roll from that session, completed with its ρ.
  const ae = await createAeRun(sources, session.id, { dataset: 'swissroll', n: 4, t: 2, lambda: 5, epochs: 3, burnIn: 1, architecture: 'linear', seed: 42 }, { label: 'a Swiss roll of 4 points', dim: 3 }, 'webgpu');
  await sources.magnitude.finishAutoencoderRun(session.id, ae.id, {
    status: 'completed', error: null, autoencoder: map(0.9612), final: { recons: 0.5, weight: 0.05, total: 0.75 },
    seconds: { total: 2, perBurnInEpoch: 0.1, perJointEpoch: 0.2 }, parameterCount: 123, tensorGrowth: 0,
  });

  // 09:00:12 a factorisation of a built-in sample, still running.
  const sample = await sources.factorize.create({ kind: 'sample', name: 'gaussians' }, [100, 100], defaultFactorizeConfig('frobenius', { kind: 'line', lo: 0, hi: 1 }, 3), null);
  return { dir, data, imputed, atoms, sources, ids: { impute: impute.id, nmf: nmf.id, session: session.id, ae: ae.id, sample: sample.id } };
}

const rowsOf = (group: InputNode) => group.runs.map((run) => describeNode(run));

test('the Runs view lists every kind of run, grouped by input, the group of the newest run first', async () => {
  const { dir, data, sources, ids } = await setup();
  const tree = await buildRunsTree(sources);
  assert.deepEqual(
    tree.map((g) => [g.key, g.label, g.path, g.runs.map((r) => r.kind)]),
    [
      ['sample:factorize:gaussians', '1-D Gaussian mixtures (100 bins × 100)', null, ['factorizeRun']],
      ['sample:magnitude:swissroll', 'Swiss roll', null, ['autoencoderRun', 'magnitudeSession']],
      [`file:${data}`, 'data.csv', data, ['factorizeRun', 'imputeRun']],
    ],
  );

  const groups = tree.map((g) => describeNode(g, (p) => (p === dir ? '.' : p)));
  assert.deepEqual(groups.map((g) => [g.label, g.description, g.icon, g.contextValue, g.expanded, g.resourcePath]), [
    ['1-D Gaussian mixtures (100 bins × 100)', 'sample', 'beaker', 'lacunaInput', true, null],
    ['Swiss roll', 'sample', 'beaker', 'lacunaInput', true, null],
    ['data.csv', '.', 'file', 'lacunaInput', true, data],
  ]);
  assert.match(groups[2].tooltip, /2 run\(s\): factorisation 1, imputation 1/);

  // Each run: its kind and settings in the label, its headline figure in the description.
  const [sample] = rowsOf(tree[0]);
  assert.equal(sample.label, 'NMF: Frobenius, k 3 · running');
  assert.equal(sample.description, '2026-01-01 09:00');
  assert.equal(sample.icon, 'sync~spin');
  assert.equal(sample.contextValue, 'lacunaFactorizeRun');
  assert.equal(sample.id, `factorize:${ids.sample}`);

  const [ae, session] = rowsOf(tree[1]);
  assert.deepEqual([ae.label, ae.description, ae.icon, ae.contextValue, ae.id], ['Autoencoder: linear, n 4 · completed', 'ρ 0.961 · 2026-01-01 09:00', 'pass', 'lacunaAutoencoderRun', `autoencoder:${ids.session}/${ids.ae}`]);
  assert.match(ae.tooltip, /Magnitude autoencoder \(linear\)\*\* on a Swiss roll of 4 points/);
  assert.match(ae.tooltip, /t 2, λ 5, 3 epochs \(1 burn-in\), seed 42/);
  assert.match(ae.tooltip, /backend: webgpu/);
  assert.match(ae.tooltip, /autoencoder 0\.961, PCA 0\.3, t-SNE 0\.2/);
  assert.deepEqual([session.label, session.description, session.icon, session.contextValue, session.id], ['Magnitude: n 4, t 2', 'magnitude 12.35 · 2026-01-01 09:00', 'pass', 'lacunaMagnitudeSession', `magnitude:${ids.session}`]);
  assert.match(session.tooltip, /Weighting vectors\*\* on the `Swiss roll \(500 points\)`/);
  assert.match(session.tooltip, /solver auto, metric euclidean/);
  assert.match(session.tooltip, /backend: cpu/);

  const [nmf, impute] = rowsOf(tree[2]);
  assert.deepEqual([nmf.label, nmf.description, nmf.icon, nmf.contextValue], ['NMF: Wasserstein, k 2 · completed', 'objective 0.1235 · ‖X − DΛ‖ 0.04568 · 2026-01-01 09:00', 'pass', 'lacunaFactorizeRun']);
  assert.match(nmf.tooltip, /NMF \(Wasserstein\)\*\* on `data\.csv`, 4 × 3/);
  assert.match(nmf.tooltip, /k 2, ε 0\.0025, ρ₁ 0\.005, ρ₂ 0\.005, 10 outer iterations/);
  assert.match(nmf.tooltip, /grid: 2 × 2 image/);
  assert.match(nmf.tooltip, /backend: tfjs-wasm-float32/);
  // The imputation run reads as before, with its kind; only it carries the imputation actions' context value.
  assert.deepEqual([impute.label, impute.description, impute.icon, impute.contextValue, impute.id], ['Impute: neighbor · completed', 'MAE 0.500 · 2026-01-01 09:00', 'pass', 'lacunaRun', ids.impute]);
  assert.match(impute.tooltip, /mask ratio 0\.8, seed 0/);
  assert.match(impute.tooltip, /backend: wasm/);
  assert.equal(tree.flatMap((g) => g.runs).filter((r) => describeNode(r).contextValue === 'lacunaRun').length, 1);
});

test('an autoencoder trained on the session’s own points sits with the session’s file; one running shows its latest ρ', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-view-ae-'));
  const points = join(dir, 'points.csv');
  writeFileSync(points, 'x,y\n0,0\n1,0\n0,1\n1,1\n');
  const sources = storesIn(dir);
  const session = await sources.magnitude.create({ kind: 'selection', path: points, first: 2, last: 5 });
  const ae = await createAeRun(sources, session.id, { dataset: 'current', n: 4, t: 1, lambda: 5, epochs: 3, burnIn: 1, architecture: 'conv', seed: 1 }, { label: 'the current points', dim: 2 }, 'cpu');
  await sources.magnitude.recordAutoencoderProgress(session.id, ae.id, [], { phase: 'joint', epoch: 2, rho: 0.71234, codes: new Float64Array(8) });
  const tree = await buildRunsTree(sources);
  assert.equal(tree.length, 1);
  assert.equal(tree[0].path, points);
  const rows = rowsOf(tree[0]);
  assert.deepEqual(rows.map((r) => r.label).sort(), ['Autoencoder: conv, n 4 · running', 'Magnitude: not solved yet']);
  const running = rows.find((r) => r.contextValue === 'lacunaAutoencoderRun')!;
  assert.match(running.description, /^ρ 0\.712 \(joint epoch 2\) · /);
  assert.equal(running.icon, 'sync~spin');
  assert.match(rows.find((r) => r.contextValue === 'lacunaMagnitudeSession')!.tooltip, /`points\.csv, lines 2–5`/);
});

test('each run opens its record or reveals its main output', async () => {
  const { imputed, atoms, sources } = await setup();
  const runs = (await buildRunsTree(sources)).flatMap((g) => g.runs);
  const byKind = (kind: RunNode['kind']) => runs.find((r) => r.kind === kind)!;
  const nmf = byKind('factorizeRun');
  assert.equal(outputFile(byKind('imputeRun')), imputed);
  assert.ok(runs.filter((r) => r.kind === 'factorizeRun').some((r) => outputFile(r) === atoms));
  const session = byKind('magnitudeSession');
  assert.equal(outputFile(session), join(session.dir, 'weights.csv'));
  assert.equal(recordFile(session), join(sources.magnitude.dir((session as Extract<RunNode, { kind: 'magnitudeSession' }>).record.id), 'record.json'));
  const ae = byKind('autoencoderRun');
  assert.equal(outputFile(ae), join(ae.dir, 'codes.csv'));
  // Opened, a record shows its result first: the line of its top-level key.
  for (const node of [nmf, ae]) {
    const text = readFileSync(recordFile(node), 'utf8');
    const key = recordFocus(node)!;
    const line = lineOfKey(text, key);
    assert.ok(line > 0 && text.split('\n')[line].startsWith(`  "${key}":`), `${node.kind}: ${key} at line ${line}`);
  }
  assert.equal(recordFocus(session), null);
  assert.equal(lineOfKey('{\n  "a": 1\n}', 'b'), 0);
  assert.equal(figure(NaN), '–');
  assert.equal(figure(null), '–');
  assert.equal(figure(1234567), '1235000');
});

test('a missing store folder leaves an empty view; an unreadable record shows as damaged with its reason, not an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-view-empty-'));
  const sources = storesIn(dir);
  assert.deepEqual(await buildRunsTree(sources), []);
  const session = await sources.magnitude.create({ kind: 'sample', sample: 'ball', size: 100 });
  writeFileSync(join(sources.magnitude.dir(session.id), 'record.json'), '{ not json');
  const run = await sources.factorize.create({ kind: 'sample', name: 'mnist' }, [196, 256], defaultFactorizeConfig('kl', { kind: 'image', width: 14, height: 14 }, 4), null);
  const tree = await buildRunsTree(sources);
  assert.deepEqual(tree.map((g) => [g.label, g.runs.length]), [['MNIST digits, 14×14 (256)', 1], ['Damaged records', 1]]);
  assert.equal(describeNode(tree[0].runs[0]).label, 'NMF: KL, k 4 · running');
  assert.equal(describeNode(tree[0].runs[0]).id, `factorize:${run.id}`);
  const damaged = describeNode(tree[1].runs[0]);
  assert.equal(damaged.label, `Damaged: ${session.id}`);
  assert.match(damaged.description, /record\.json is not valid JSON/);
  assert.equal(damaged.contextValue, 'lacunaDamagedRun');
  assert.equal(recordFile(tree[1].runs[0]), join(sources.magnitude.dir(session.id), 'record.json'));
});

test('a run.json with empty metrics, or a wrong status, shows as damaged; the view never throws', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-view-bad-'));
  const sources = storesIn(dir);
  const data = join(dir, 'data.csv');
  writeFileSync(data, 'time,a\n2024-01-01,1\n');
  const run = await sources.runs.create({ path: data, format: 'wide', ...(await fileDigest(data)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  const file = join(sources.runs.dir(run.id), 'run.json');
  const record = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file, JSON.stringify({ ...record, status: 'completed', result: { targets: 3, metrics: {}, seconds: 1, backend: 'cpu', outputs: [] } }));
  const [group] = await buildRunsTree(sources);
  const row = describeNode(group.runs[0]);
  assert.equal(row.label, `Damaged: ${run.id}`);
  assert.match(row.description, /result\.metrics lacks/);
});

test('tooltips escape what data could turn into Markdown: no images, links, HTML or autolinks', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-runs-view-md-'));
  const sources = storesIn(dir);
  const data = join(dir, '![x](https:__evil.example_x.png) <img src=x> www.evil.example `tick`.csv');
  writeFileSync(data, 'time,a\n2024-01-01,1\n');
  const run = await sources.runs.create({ path: data, format: 'wide', ...(await fileDigest(data)) }, { method: 'neighbor', maskRatio: 0.8, seed: 0 });
  await sources.runs.setStatus(run.id, 'failed', '[click](https://evil.example) ![img](https://evil.example/x.png) <b>bold</b> mail@evil.example');
  const [group] = await buildRunsTree(sources);
  const tip = describeNode(group.runs[0]).tooltip;
  const outsideCode = tip.replace(/`[^`]*`/g, '');
  assert.ok(!/(^|[^\\])!\[/.test(outsideCode) && !/(^|[^\\])\[click\]/.test(outsideCode), tip);
  assert.ok(!/(^|[^\\])<(b|img)/.test(outsideCode), tip);
  assert.match(tip, /https\\:\/\/evil/, 'a URL cannot autolink');
  assert.match(tip, /mail\\@evil/);
  assert.match(tip, /`!\[x\]\(https:__evil\.example_x\.png\) <img src=x> www\.evil\.example ʹtickʹ\.csv`/, 'a file name is an inert code span');
  assert.match(escapeMarkdown('see www.evil.example'), /www\\\.evil/);
});

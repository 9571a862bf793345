// The classical imputers and `auto` on four real data sets of different kinds, against their
// Python peers on the same masks: softImpute in numpy (the same algorithm with an exact SVD, the
// same λ path chosen on the same validation entries), scikit-learn's KNNImputer, pandas' linear
// interpolation in time and scikit-learn's mean. Every figure is the mean ± std over 3 seeds of
// the protocol (the seed moves the mask and the validation pattern). Settings are chosen on the
// validation entries only; the targets are scored once. Transductive: a method sees every
// observed entry of the input, including those in the test rows / test months.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { BLEND_TOLERANCE, runAuto } from '../core/impute/auto';
import { CLASSICAL_METHODS } from '../core/impute/classical';
import { finalInput, prepareEvaluation, type ImputationJobOptions } from '../core/impute/job';
import { createMaskedMatrix, type MaskedMatrix } from '../core/matrix/masked';
import { fileSource } from '../core/io/node';
import { readWideTable } from '../core/io/tables';
import { trafficSample } from '../core/sample';
import { runPython, type BenchRow, type BenchSection } from './harness';

const SEEDS = [0, 1, 2];

interface Case {
  name: string;
  kind: string;
  data: MaskedMatrix;
  options: Omit<ImputationJobOptions, 'method' | 'seed'>;
  protocol: string;
  seeds: number[];
}

/** A numeric CSV with a date first column; non-numeric columns are dropped, blanks are missing. */
function readCsvTable(path: string, keep?: string[]): MaskedMatrix {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const rows = lines.slice(1).map((l) => l.split(','));
  const cols = head.map((_, c) => c).filter((c) => c > 0 && (keep ? keep.includes(head[c]) : rows.every((r) => r[c] === '' || Number.isFinite(Number(r[c])))));
  const times = Float64Array.from(rows, (r) => Date.parse(r[0].length === 10 ? `${r[0]}T00:00:00Z` : /[zZ]|[+-]\d\d:?\d\d$/.test(r[0]) ? r[0] : `${r[0]}Z`));
  const m = createMaskedMatrix(rows.length, cols.length, { times, rowLabels: rows.map((r) => r[0]), colIds: cols.map((c) => head[c]) });
  rows.forEach((r, i) =>
    cols.forEach((c, j) => {
      if (r[c] === '') return;
      m.values[i * cols.length + j] = Number(r[c]);
      m.observed[i * cols.length + j] = 1;
    }),
  );
  return m;
}

/**
 * A long table (date, key, value columns) as a wide matrix: one row per date (sorted), one column
 * per key and value column; absent combinations are missing. Dates as `Date.parse` reads them.
 */
function readLongTable(path: string, dateCol: string, keyCol: string, valueCols: string[]): MaskedMatrix {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const head = lines[0].split(',');
  const at = (name: string) => {
    const i = head.indexOf(name);
    if (i < 0) throw new Error(`${path}: no column ${name}`);
    return i;
  };
  const [d, key] = [at(dateCol), at(keyCol)];
  const vals = valueCols.map(at);
  const rows = lines.slice(1).map((l) => l.split(','));
  const parse = (x: string) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(x) ? `${x}T00:00:00Z` : `${x} UTC`);
  const dates = [...new Set(rows.map((r) => parse(r[d])))].sort((a, b) => a - b);
  const keys = [...new Set(rows.map((r) => r[key]))].sort();
  const colIds = keys.flatMap((k) => valueCols.map((v) => (valueCols.length > 1 ? `${v} ${k}` : k)));
  const rowOf = new Map(dates.map((t, i) => [t, i]));
  const m = createMaskedMatrix(dates.length, colIds.length, { times: Float64Array.from(dates), rowLabels: dates.map((t) => new Date(t).toISOString().slice(0, 10)), colIds });
  for (const r of rows) {
    const i = rowOf.get(parse(r[d]))!;
    vals.forEach((c, v) => {
      if (r[c] === '' || !Number.isFinite(Number(r[c]))) return;
      const k = i * colIds.length + keys.indexOf(r[key]) * valueCols.length + v;
      m.values[k] = Number(r[c]);
      m.observed[k] = 1;
    });
  }
  return m;
}

async function cases(root: string): Promise<Case[]> {
  const aqi = resolve(root, '../shared/data/aqi36');
  const vega = resolve(root, 'node_modules/vega-datasets/data');
  const seedProtocol = 'seed protocol: hide 80% of observed nonzero entries, validate on rows 70–85%, score rows 85–100%';
  return [
    { name: 'embedded sample (traffic counts)', kind: 'hourly counts, 48 sensors, 20% zeros', data: trafficSample().matrix, options: {}, protocol: seedProtocol, seeds: SEEDS },
    { name: 'Seattle weather (vega-datasets)', kind: 'daily, 4 variables of different units, precipitation mostly zero', data: readCsvTable(`${vega}/seattle-weather.csv`), options: {}, protocol: seedProtocol, seeds: SEEDS },
    { name: 'US employment (vega-datasets)', kind: 'monthly, 24 sectors, no zeros', data: readCsvTable(`${vega}/us-employment.csv`), options: {}, protocol: seedProtocol, seeds: SEEDS },
    {
      name: 'weather in Seattle and New York (vega-datasets)',
      kind: 'daily, 4 variables × 2 cities, precipitation mostly zero',
      data: readLongTable(`${vega}/weather.csv`, 'date', 'location', ['precipitation', 'temp_max', 'temp_min', 'wind']),
      options: {},
      protocol: seedProtocol,
      seeds: SEEDS,
    },
    { name: 'stock prices (vega-datasets)', kind: 'monthly, 5 companies, one listed later (a block of real gaps)', data: readLongTable(`${vega}/stocks.csv`, 'date', 'symbol', ['price']), options: {}, protocol: seedProtocol, seeds: SEEDS },
    { name: 'Seattle hourly weather normals (vega-datasets)', kind: 'hourly, pressure, temperature and wind, smooth', data: readCsvTable(`${vega}/seattle-weather-hourly-normals.csv`), options: {}, protocol: seedProtocol, seeds: SEEDS },
    {
      name: 'AQI-36 (PM2.5)',
      kind: 'hourly, 36 stations, no zeros, block gaps',
      data: await readWideTable(fileSource(`${aqi}/pm25_missing.txt`)),
      options: { truth: await readWideTable(fileSource(`${aqi}/pm25_ground.txt`)), testMonths: [3, 6, 9, 12] },
      protocol: 'the standard truth file, months 3, 6, 9, 12 (20,434 targets); validation: the end of each non-test run, in the targets’ gap pattern',
      seeds: SEEDS,
    },
  ];
}

interface SeedResult {
  mae: Record<string, number>;
  seconds: Record<string, number>;
  validation: Record<string, number>;
  winner: string;
}

const PEER_SCRIPT = `
import json, sys, time
import numpy as np, pandas as pd
from sklearn.impute import KNNImputer, SimpleImputer
d = sys.argv[1]
meta = json.load(open(d + '/meta.json'))
n, m = meta['rows'], meta['cols']
def f64(name): return np.fromfile(d + '/' + name, dtype='<f8').reshape(n, m)
def u8(name): return np.fromfile(d + '/' + name, dtype=np.uint8).reshape(n, m).astype(bool)
fitX, fitM = f64('fit_values.f64'), u8('fit_mask.u8')
finX, finM = f64('final_values.f64'), u8('final_mask.u8')
valid, targets, truth = u8('validation.u8'), u8('targets.u8'), f64('truth.f64')
times = np.fromfile(d + '/times.f64', dtype='<f8') if meta['times'] else None
def nan(X, M):
    Y = X.copy(); Y[~M] = np.nan; return Y
def mae(P, mask): return float(np.abs(P[mask] - truth[mask]).mean())

# softImpute (Mazumder, Hastie, Tibshirani) with an exact SVD: the same standardisation, the same
# geometric λ path from λmax to λmax/1000 in 12 steps, warm starts, tolerance 1e-4 on the relative
# change of the fit, 100 iterations at most per λ, stop after two worse λ in a row.
def softimpute_path(X, M, score, steps=12, upto=None):
    cnt = M.sum(0)
    mean = np.where(cnt > 0, np.where(M, X, 0).sum(0) / np.maximum(cnt, 1), 0)
    sq = np.where(M, (X - mean) ** 2, 0).sum(0)
    sd = np.where(cnt > 1, np.sqrt(sq / np.maximum(cnt - 1, 1)), 0)
    scale = np.where(sd > 0, sd, 1)
    Xs = np.where(M, (X - mean) / scale, 0)
    lam_max = np.linalg.norm(Xs, 2)
    fit = np.zeros_like(Xs); best = None; worse = 0
    for s in range(1, (upto or steps) + 1):
        lam = lam_max * 1000 ** (-s / steps)
        for it in range(100):
            Z = np.where(M, Xs, fit)
            U, dd, Vt = np.linalg.svd(Z, full_matrices=False)
            dd = np.maximum(dd - lam, 0); r = int((dd > 0).sum())
            new = (U[:, :r] * dd[:r]) @ Vt[:r]
            na = (fit ** 2).sum(); change = ((new - fit) ** 2).sum() / na if na > 0 else np.inf
            fit = new
            if change < 1e-4: break
        P = np.where(M, X, mean + scale * fit)
        if upto is not None: continue
        sc = score(P)
        if best is None or sc < best[0]: best = (sc, s, P); worse = 0
        else:
            worse += 1
            if worse >= 2: break
    return P if upto is not None else best

out = {}
t0 = time.perf_counter()
sc, index, P = softimpute_path(fitX, fitM, lambda P: mae(P, valid))
P = P if meta['same'] else softimpute_path(finX, finM, None, upto=index)
out['softimpute'] = (mae(P, targets), time.perf_counter() - t0, sc)
if meta.get('softimpute_only'):
    print(json.dumps(out)); sys.exit(0)

t0 = time.perf_counter()
try: knn = KNNImputer(n_neighbors=5, keep_empty_features=True)
except TypeError: knn = KNNImputer(n_neighbors=5)
P = knn.fit_transform(nan(finX, finM))
out['knn'] = (mae(P, targets), time.perf_counter() - t0, None)

t0 = time.perf_counter()
df = pd.DataFrame(nan(finX, finM))
if times is not None:
    df.index = pd.to_datetime(times, unit='ms'); method = 'time'
else: method = 'index'
P = df.interpolate(method=method, limit_direction='both').to_numpy()
P = np.where(np.isnan(P), np.nanmean(np.where(finM, finX, np.nan)), P)
out['linear'] = (mae(P, targets), time.perf_counter() - t0, None)

t0 = time.perf_counter()
P = SimpleImputer(strategy='mean', keep_empty_features=True).fit_transform(nan(finX, finM))
out['mean'] = (mae(P, targets), time.perf_counter() - t0, None)
print(json.dumps(out))
`;

type PeerResult = Record<'softimpute' | 'knn' | 'linear' | 'mean', [number, number, number | null]>;

/**
 * The peers on one seed's masks. With `seedFree` (the peers' results on an earlier seed whose
 * final input is the same, as under a truth file, where the seed moves only the validation
 * entries): only softImpute runs again (its λ is chosen on validation); KNN, linear and mean fit
 * the same input and are taken from `seedFree`.
 */
function runPeers(c: Case, seed: number, seedFree?: PeerResult): PeerResult {
  const { setup, holdout } = prepareEvaluation(c.data, { ...c.options, seed });
  const input = finalInput(setup);
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-impute-peer-'));
  try {
    const write = (name: string, a: Float64Array | Uint8Array) => writeFileSync(join(dir, name), Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    write('fit_values.f64', holdout.fitInput.values);
    write('fit_mask.u8', holdout.fitInput.observed);
    write('final_values.f64', input.values);
    write('final_mask.u8', input.observed);
    write('validation.u8', holdout.validation);
    write('targets.u8', setup.targets);
    write('truth.f64', setup.truth);
    if (c.data.times) write('times.f64', c.data.times);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ rows: c.data.rows, cols: c.data.cols, times: !!c.data.times, same: input === holdout.fitInput, softimpute_only: !!seedFree }));
    const out = runPython<PeerResult>(PEER_SCRIPT, [dir]);
    return seedFree ? { ...seedFree, softimpute: out.softimpute } : out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runLacuna(c: Case, seed: number): Promise<SeedResult> {
  // One auto run: every classical candidate is tuned and scored on validation once, the choice is
  // made, then (scoreAll) each candidate is refitted and scored on the targets for the table.
  const t0 = performance.now();
  const auto = await runAuto(c.data, { ...c.options, seed, learned: [], budgetSeconds: 3600, scoreAll: true });
  const r: SeedResult = { mae: {}, seconds: {}, validation: {}, winner: auto.winner };
  for (const e of auto.leaderboard) {
    r.mae[e.method] = e.targetMae ?? NaN;
    r.seconds[e.method] = e.seconds;
    r.validation[e.method] = e.validationMae;
  }
  r.seconds.auto = (performance.now() - t0) / 1000;
  r.validation.auto = auto.validation.mae;
  r.mae.auto = auto.metrics.mae;
  return r;
}

function meanStd(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(3)} ± ${sd.toFixed(3)}`;
}

const PEER_NAMES: Record<string, string> = {
  softimpute: 'numpy softImpute (exact SVD, same λ path and validation)',
  knn: 'sklearn KNNImputer(5)',
  linear: 'pandas interpolate(time)',
  mean: 'sklearn SimpleImputer(mean)',
};

export async function imputeBench(root: string): Promise<BenchSection> {
  const load = loadavg()[0];
  const rows: BenchRow[] = [];
  const tables: string[] = [];
  const summary: string[] = [];
  for (const c of await cases(root)) {
    process.stderr.write(`bench impute: ${c.name}\n`);
    const lac: SeedResult[] = [];
    const peers: PeerResult[] = [];
    for (const seed of c.seeds) {
      lac.push(await runLacuna(c, seed));
      // Under a truth file the final input is the file itself whatever the seed.
      peers.push(runPeers(c, seed, c.options.truth && peers.length ? peers[0] : undefined));
    }
    const col = (f: (s: SeedResult) => number) => meanStd(lac.map(f));
    const lines = [
      `### ${c.name}: ${c.data.rows} × ${c.data.cols}, ${c.kind}`,
      '',
      `${c.protocol}. Test MAE, mean ± std over seeds ${c.seeds.join(', ')}${c.options.truth ? ' (the seed moves the validation pattern only: the peers’ KNN, linear and mean fit the same input on every seed and run once; numpy softImpute, whose λ is chosen on validation, runs on each seed)' : ''}.`,
      '',
      '| method | Lacuna validation MAE | Lacuna test MAE | Python peer | peer test MAE |',
      '|---|---|---|---|---|',
    ];
    for (const method of [...CLASSICAL_METHODS, 'blend', 'auto']) {
      // The blend runs only on the seeds where another candidate came within BLEND_TOLERANCE of the best.
      const ran = lac.filter((l) => Number.isFinite(l.validation[method]));
      if (ran.length === 0) {
        if (method === 'blend') lines.push(`| blend | skipped on every seed: no other candidate within ${Math.round(BLEND_TOLERANCE * 100)}% of the best on validation | | | |`);
        continue;
      }
      const peer = PEER_NAMES[method];
      const peerMae = peer ? meanStd(peers.map((p) => p[method as keyof PeerResult][0])) : '';
      const name = method === 'auto' ? `**auto** (winners: ${lac.map((l) => l.winner).join(', ')})` : ran.length < lac.length ? `${method} (${ran.length} of ${lac.length} seeds; skipped on the others)` : method;
      const ms = (xs: number[]) => (xs.length === 1 ? xs[0].toFixed(3) : meanStd(xs));
      lines.push(`| ${name} | ${ms(ran.map((s) => s.validation[method]))} | ${ms(ran.map((s) => s.mae[method]))} | ${peer ?? ''} | ${peerMae} |`);
    }
    tables.push(lines.join('\n'));
    const secs = (method: string) => lac.reduce((a, s) => a + s.seconds[method], 0) / lac.length;
    const peerSecs = (method: keyof PeerResult) => peers.reduce((a, p) => a + p[method][1], 0) / peers.length;
    for (const method of ['softimpute', 'knn', 'linear'] as const) {
      rows.push({ case: `${c.name}: ${method}`, lacuna: secs(method), peer: peerSecs(method), peerName: PEER_NAMES[method], note: `test MAE Lacuna ${col((s) => s.mae[method])}, peer ${meanStd(peers.map((p) => p[method][0]))}` });
    }
    rows.push({ case: `${c.name}: auto (all classical candidates + blend)`, lacuna: secs('auto'), peer: null, peerName: '—', note: `test MAE ${col((s) => s.mae.auto)}` });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const peerMean = (m: keyof PeerResult) => mean(peers.map((p) => p[m][0]));
    const bestPeer = Math.min(peerMean('linear'), peerMean('softimpute'), peerMean('knn'));
    summary.push(`| ${c.name} | ${col((s) => s.mae.auto)} (${[...new Set(lac.map((l) => l.winner))].join(', ')}) | ${meanStd(peers.map((p) => p.linear[0]))} | ${meanStd(peers.map((p) => p.softimpute[0]))} | ${meanStd(peers.map((p) => p.knn[0]))} | ${(mean(lac.map((s) => s.mae.auto)) / bestPeer).toFixed(3)} |`);
  }
  tables.unshift(
    [
      '### auto against the Python baselines on the same masks (test MAE, mean ± std over the seeds)',
      '',
      '| data set | Lacuna auto (winners) | pandas linear | numpy softImpute | sklearn KNN | auto / best peer |',
      '|---|---|---|---|---|---|',
      ...summary,
    ].join('\n'),
  );
  return {
    title: `Classical imputers and auto on ${summary.length} real data sets, with their Python peers on the same masks`,
    intro: [
      `Shared machine (load average ${load.toFixed(2)} at the start; five other engineers were working). Wall time per fit including the choice on validation and the refit (mean over 3 seeds).`,
      'Transductive: every method sees every observed input entry, test rows included; settings (softImpute’s λ, the seasonal period, auto’s choice) are chosen on the validation entries only, and the targets are scored once.',
      '`auto` here runs the classical candidates and their blend (learned candidates off, to keep the section to minutes; `lacuna impute` adds them when the budget allows).',
    ].join(' '),
    commands: ['npm run bench -- impute'],
    rows,
    extra: tables.join('\n\n'),
  };
}

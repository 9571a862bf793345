// `lacuna transport`: optimal transport between two point clouds (two files, two row windows of
// one file, or a built-in sample): the Sinkhorn cost and divergence, and a neural OT map (ICNN
// dual or Monge gap) with optional displacement sparsity. The same core code as the panel.
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSource, writeFileAtomic } from '../core/io/node';
import { readPointTable } from '../core/points/readPointTable';
import type { PointTable } from '../core/points/readPoints';
import { mongeGap, planOf, sinkhornDivergencePoints } from '../core/transport/empirical';
import { applyNetwork, loadNetwork, type SavedNetwork } from '../core/transport/networks';
import { trainNeuralMap, type NeuralMethod } from '../core/transport/neural';
import { applyAffine, checkClouds, l2Uvp, totalVariance, transportSample, TransportInputError, TRANSPORT_SAMPLES, type Cloud, type CloudOrigin, type TransportSampleName } from '../core/transport/points';
import { defaultEpsilon } from '../core/transport/job';
import { pointsCsv, planCsv } from '../core/transport/tables';
import { displacementStats, supportRecovery, SPARSITY_KINDS, type SparsityKind } from '../core/transport/sparsity';
import { guardMemory, MAX_ARRAY_ELEMENTS } from '../core/guard';
import { fmt, jsonNumber, oneOf, outputFlag, parseNumberFlag, textTable, UsageError, type Io } from './common';
import { backendOrder, nodeTf } from './nodeTf';

export const TRANSPORT_USAGE = `  lacuna transport A B [--method sinkhorn|icnn|monge-gap] [--epsilon E]
                  [--sparsity none|l0|l1] [--lambda L] [--target-dim l] [--iterations N]
                  [--columns a,b,...] [--map-out FILE] [--plan-out FILE] [--save-map DIR]
                  [--seed N] [--backend wasm|cpu] [--json]
                                optimal transport from the points of A to those of B
  lacuna transport FILE --rows 0:500 --vs 500:1000 [...]   two row windows of one file
  lacuna transport --sample gaussians|sparse-shift|two-moons [--n N] [--dim D] [...]
  lacuna transport --apply DIR FILE [--map-out FILE] [--json]   a saved map on new points`;

const METHODS = ['sinkhorn', 'icnn', 'monge-gap'] as const;
type Method = (typeof METHODS)[number];

/** At most this many points per side for Sinkhorn (the plan is n × m in memory). */
const MAX_SINKHORN_POINTS = 10_000;

interface Side {
  cloud: Cloud;
  origin: CloudOrigin;
  path: string | null;
}

function parseRange(flag: string, text: string, rows: number, file: string): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--${flag} takes START:END (0-based rows, END excluded), got "${text}"`);
  const start = Number(m[1]);
  const end = Number(m[2]);
  if (end <= start) throw new UsageError(`--${flag} ${text}: END must be after START`);
  if (end > rows) throw new TransportInputError(`${file}: --${flag} ${text} reaches past its ${rows} rows`);
  return [start, end];
}

function sliceTable(table: PointTable, [start, end]: [number, number], name: string): Side {
  return {
    cloud: { n: end - start, dim: table.dim, data: table.data.slice(start * table.dim, end * table.dim) },
    origin: { name, lines: table.lines.slice(start, end), columns: table.columns },
    path: null,
  };
}

function sideFromTable(table: PointTable, path: string): Side {
  return { cloud: table, origin: { name: basename(path), lines: table.lines, columns: table.columns }, path };
}

export async function transportCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      method: { type: 'string' },
      epsilon: { type: 'string' },
      sparsity: { type: 'string' },
      lambda: { type: 'string' },
      'target-dim': { type: 'string' },
      iterations: { type: 'string' },
      columns: { type: 'string' },
      'map-out': { type: 'string' },
      'plan-out': { type: 'string' },
      'save-map': { type: 'string' },
      apply: { type: 'string' },
      rows: { type: 'string' },
      vs: { type: 'string' },
      sample: { type: 'string' },
      n: { type: 'string' },
      dim: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const json = values.json === true;
  const seed = parseNumberFlag('seed', values.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? 0;
  const backendFlag = oneOf('backend', values.backend, ['wasm', 'cpu'] as const);
  const columns = values.columns?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const mapOut = outputFlag(values['map-out'], 'mapped.csv');

  if (values.apply !== undefined) return applyCommand(resolve(values.apply), positionals, columns, mapOut, backendFlag, json, io);

  const method: Method = oneOf('method', values.method, METHODS) ?? 'sinkhorn';
  const sparsity: SparsityKind = oneOf('sparsity', values.sparsity, SPARSITY_KINDS) ?? 'none';
  const epsilonFlag = parseNumberFlag('epsilon', values.epsilon, (v) => v > 0 && Number.isFinite(v), 'a positive number');
  const lambda = parseNumberFlag('lambda', values.lambda, (v) => v >= 0 && Number.isFinite(v), 'a number ≥ 0');
  const targetDim = parseNumberFlag('target-dim', values['target-dim'], (v) => v > 0 && Number.isFinite(v), 'a positive number');
  const iterations = parseNumberFlag('iterations', values.iterations, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const planOut = outputFlag(values['plan-out'], 'plan.csv');
  const saveMap = values['save-map'] !== undefined ? resolve(values['save-map']) : null;
  if (method === 'sinkhorn' && (sparsity !== 'none' || saveMap || targetDim !== undefined)) throw new UsageError('--sparsity, --target-dim and --save-map apply to a learned map (--method icnn or monge-gap)');
  if (method === 'sinkhorn' && mapOut) throw new UsageError('--map-out applies to a learned map; with --method sinkhorn use --plan-out');

  // The two sides.
  let a: Side;
  let b: Side;
  let truth: ReturnType<typeof transportSample> | null = null;
  const inputs: string[] = [];
  if (values.sample !== undefined) {
    const name = oneOf<TransportSampleName>('sample', values.sample, TRANSPORT_SAMPLES)!;
    if (positionals.length > 0) throw new UsageError('give files or --sample, not both');
    const n = parseNumberFlag('n', values.n, (v) => Number.isInteger(v) && v >= 2, 'an integer ≥ 2') ?? 1000;
    const dim = parseNumberFlag('dim', values.dim, (v) => Number.isInteger(v) && v >= 1, 'a positive integer') ?? (name === 'sparse-shift' ? 50 : 2);
    const sampleDim = name === 'two-moons' ? 2 : dim;
    // Two clouds of n × d float64 coordinates (and their working copies), sized before drawing.
    guardMemory({
      what: `the ${name} sample of 2 × ${n} points in ${sampleDim} dimensions`,
      bytes: 4 * 8 * n * sampleDim,
      largestArray: n * sampleDim,
      suggest: (budget) => `use --n ${Math.max(2, Math.min(n - 1, Math.floor(Math.min(budget / (4 * 8 * sampleDim), MAX_ARRAY_ELEMENTS / sampleDim))))} or fewer, or a smaller --dim`,
    });
    truth = transportSample(name, n, sampleDim, seed);
    const names = Array.from({ length: truth.source.dim }, (_, k) => `x${k + 1}`);
    a = { cloud: truth.source, origin: { name: `${name} source`, columns: names }, path: null };
    b = { cloud: truth.target, origin: { name: `${name} target`, columns: names }, path: null };
  } else if (values.rows !== undefined || values.vs !== undefined) {
    if (positionals.length !== 1 || values.rows === undefined || values.vs === undefined) throw new UsageError('--rows START:END --vs START:END take exactly one FILE');
    const path = resolve(positionals[0]);
    inputs.push(path);
    const table = await readPointTable(fileSource(path), { columns });
    const file = basename(path);
    a = sliceTable(table, parseRange('rows', values.rows, table.n, file), `${file} rows ${values.rows}`);
    b = sliceTable(table, parseRange('vs', values.vs, table.n, file), `${file} rows ${values.vs}`);
  } else {
    if (positionals.length !== 2) throw new UsageError('transport needs two files A B (or FILE --rows --vs, or --sample NAME)');
    const [pathA, pathB] = positionals.map((p) => resolve(p));
    inputs.push(pathA, pathB);
    a = sideFromTable(await readPointTable(fileSource(pathA), { columns }), pathA);
    b = sideFromTable(await readPointTable(fileSource(pathB), { columns }), pathB);
  }
  for (const out of [mapOut, planOut]) if (out && inputs.includes(out)) throw new Error(`refusing to write over the input file ${out}; choose another output path`);
  try {
    checkClouds(a.cloud, b.cloud, a.origin, b.origin);
  } catch (err) {
    if (err instanceof TransportInputError) {
      io.stderr.write(`lacuna: error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const x = a.cloud;
  const y = b.cloud;
  const d = x.dim;
  const columnNames = a.origin.columns ?? Array.from({ length: d }, (_, k) => String(k + 1));

  // ε: given, else 5% of the mean squared distance between the clouds (ott-jax's default).
  const { meanCost, epsilon: defaultEps } = defaultEpsilon(x, y);
  const epsilon = epsilonFlag ?? defaultEps;
  const notes: string[] = [];
  if (epsilonFlag === undefined) notes.push(`ε = ${epsilon.toPrecision(4)}: 5% of the mean squared distance ${meanCost.toPrecision(4)} (set it with --epsilon)`);

  // Sinkhorn on (a subsample of) the two clouds: cost, divergence.
  const sub = (c: Cloud, max: number): Cloud => (c.n <= max ? c : { n: max, dim: c.dim, data: c.data.slice(0, max * c.dim) });
  const sx = sub(x, MAX_SINKHORN_POINTS);
  const sy = sub(y, MAX_SINKHORN_POINTS);
  if (sx.n < x.n || sy.n < y.n) notes.push(`Sinkhorn on the first ${MAX_SINKHORN_POINTS} points of each side`);
  const sinkhornIterations = method === 'sinkhorn' ? iterations ?? 10_000 : 10_000;
  const divergence = sinkhornDivergencePoints(sx, sy, { epsilon, maxIterations: sinkhornIterations });
  const ot = divergence.cross;
  if (planOut) {
    if (sx.n * sy.n > 4_000_000) throw new UsageError(`--plan-out: a ${sx.n} × ${sy.n} plan is too large to write (at most 4,000,000 entries)`);
    const plan = planOf(sx, sy, ot);
    const entries = function* (): Generator<[number, number, number]> {
      for (let i = 0; i < sx.n; i++) for (let j = 0; j < sy.n; j++) if (plan[i * sy.n + j] > 1e-12 / (sx.n * sy.n)) yield [i, j, plan[i * sy.n + j]];
    };
    const lines = planCsv(entries());
    await writeFileAtomic(planOut, lines, inputs);
  }

  const report: Record<string, unknown> = {
    source: a.origin.name,
    target: b.origin.name,
    points: [x.n, y.n],
    dim: d,
    columns: columnNames,
    epsilon,
    cost: jsonNumber(ot.cost),
    entropicCost: jsonNumber(ot.objective),
    divergence: jsonNumber(divergence.divergence),
    sinkhorn: { status: ot.status, converged: divergence.converged, marginalError: jsonNumber(ot.marginalError), iterations: ot.iterations, totalIterations: ot.totalIterations, underflowFallbacks: ot.underflowFallbacks, seconds: ot.seconds },
    warnings: divergence.warnings,
    method,
  };

  if (method !== 'sinkhorn') {
    const { tf, backend } = await nodeTf(backendOrder(backendFlag));
    report.backend = backend;
    const progress = (p: { step: number; loss: number }) => {
      if (!json && p.step % 100 === 0) io.stderr.write(`  step ${p.step}: loss ${p.loss.toPrecision(4)}\n`);
    };
    const result = await trainNeuralMap(tf, x, y, {
      method: method as NeuralMethod,
      iterations: iterations ?? 1000,
      sparsity,
      lambda,
      targetDim,
      seed,
      onProgress: progress,
      reportEvery: 10,
    });
    try {
      const mapped = applyNetwork(tf, result.network, x.data, x.n);
      const mappedCloud = { n: x.n, dim: d, data: mapped };
      const stats = displacementStats(x.data, mapped, x.n, d, 0.1);
      const sm = sub(mappedCloud, MAX_SINKHORN_POINTS);
      const after = sinkhornDivergencePoints(sm, sy, { epsilon });
      const gap = mongeGap(sub(x, MAX_SINKHORN_POINTS), sm, { epsilon });
      report.map = {
        network: result.network.kind,
        steps: result.steps,
        seconds: result.seconds,
        divergenceAfter: jsonNumber(after.divergence),
        mongeGap: jsonNumber(gap.gap),
        displacementCost: jsonNumber(gap.displacementCost),
        meanDisplacementDim: stats.meanDimension,
        perCoordinate: Object.fromEntries(columnNames.map((c, k) => [c, stats.perCoordinate[k]])),
        moved: columnNames.filter((_, k) => stats.perCoordinate[k] > 0.1),
        history: result.history.map((p) => ({ step: p.step, loss: jsonNumber(p.loss), divergence: jsonNumber(p.divergence), mongeGap: jsonNumber(p.mongeGap), lambda: p.lambda, displacementDim: p.displacementDim })),
        sinkhornWarnings: result.sinkhornWarnings,
      };
      if (truth?.map) {
        const trueMapped = applyAffine(truth.map, x);
        (report.map as Record<string, unknown>).l2Uvp = l2Uvp(mappedCloud, trueMapped, totalVariance(y));
        if (truth.support) (report.map as Record<string, unknown>).support = { ...supportRecovery(stats.perCoordinate, 0.1, truth.support), truth: truth.support };
      }
      if (mapOut) await writeFileAtomic(mapOut, pointsCsv(columnNames, mapped, d), inputs);
      if (saveMap) {
        await mkdir(saveMap, { recursive: true });
        const saved = { format: 'lacuna-transport-map', version: 1, columns: columnNames, network: result.network.save() };
        await writeFileAtomic(join(saveMap, 'transport-map.json'), JSON.stringify(saved), inputs);
      }
    } finally {
      result.dispose();
    }
  }
  report.notes = notes;

  if (json) {
    io.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    const lines = [
      `${a.origin.name} (${x.n} points) → ${b.origin.name} (${y.n} points), ${d}-D`,
      `  ε                    ${epsilon.toPrecision(4)}`,
      `  OT cost ⟨P, C⟩       ${fmt(ot.cost, 6)}`,
      `  Sinkhorn divergence  ${fmt(divergence.divergence, 6)}`,
      `  Sinkhorn             ${ot.status}, marginal error ${ot.marginalError.toExponential(2)}, ${ot.totalIterations} iterations, ${ot.seconds.toFixed(2)} s`,
    ];
    const map = report.map as Record<string, unknown> | undefined;
    if (map) {
      lines.push(
        `  map (${method}, ${map.network}, ${report.backend})  ${map.steps} steps in ${(map.seconds as number).toFixed(1)} s`,
        `  divergence after    ${fmt(map.divergenceAfter as number, 6)}`,
        `  Monge gap            ${fmt(map.mongeGap as number, 6)}`,
        `  displacement dim     ${fmt(map.meanDisplacementDim as number, 3)} of ${d} (|Δ| > 0.1)`,
      );
      if (map.l2Uvp !== undefined) lines.push(`  L2-UVP               ${fmt(map.l2Uvp as number, 3)}%`);
      const per = Object.entries(map.perCoordinate as Record<string, number>).sort((p, q) => q[1] - p[1]).slice(0, 10);
      lines.push('', textTable(['column', 'mean |Δ|'], per.map(([c, v]) => [c, fmt(v, 4)])));
    }
    for (const w of [...divergence.warnings, ...notes]) lines.push(`  note: ${w}`);
    if (planOut) lines.push(`Wrote ${planOut}`);
    if (mapOut) lines.push(`Wrote ${mapOut}`);
    if (saveMap) lines.push(`Wrote ${join(saveMap, 'transport-map.json')}`);
    io.stdout.write(lines.join('\n') + '\n');
  }
  return 0;
}

async function applyCommand(dir: string, positionals: string[], columns: string[] | undefined, mapOut: string | null, backendFlag: 'wasm' | 'cpu' | undefined, json: boolean, io: Io): Promise<number> {
  if (positionals.length !== 1) throw new UsageError('--apply DIR takes one FILE of points');
  const mapPath = join(dir, 'transport-map.json');
  let saved: { format?: string; columns?: string[]; network?: SavedNetwork };
  try {
    saved = JSON.parse(await readFile(mapPath, 'utf8'));
  } catch (err) {
    throw new Error(`${mapPath}: cannot read a saved map (${(err as Error).message})`);
  }
  if (saved.format !== 'lacuna-transport-map' || !saved.network) throw new Error(`${mapPath}: not a Lacuna transport map`);
  const path = resolve(positionals[0]);
  const table = await readPointTable(fileSource(path), { columns: columns ?? saved.columns });
  if (table.dim !== saved.network.dim) {
    io.stderr.write(`lacuna: error: ${basename(path)} has ${table.dim} columns (${table.columns.join(', ')}) but the map takes ${saved.network.dim}\n`);
    return 1;
  }
  const { tf, backend } = await nodeTf(backendOrder(backendFlag));
  const net = loadNetwork(tf, saved.network);
  try {
    const mapped = applyNetwork(tf, net, table.data, table.n);
    const stats = displacementStats(table.data, mapped, table.n, table.dim, 0.1);
    if (mapOut) await writeFileAtomic(mapOut, pointsCsv(table.columns, mapped, table.dim), [path]);
    const perCoordinate = Object.fromEntries(table.columns.map((c, k) => [c, stats.perCoordinate[k]]));
    if (json) io.stdout.write(JSON.stringify({ file: basename(path), points: table.n, backend, meanDisplacementDim: stats.meanDimension, perCoordinate, out: mapOut }, null, 2) + '\n');
    else io.stdout.write(`${basename(path)}: ${table.n} points mapped (${backend}); mean displacement dimension ${fmt(stats.meanDimension, 3)}${mapOut ? `\nWrote ${mapOut}` : ''}\n`);
  } finally {
    net.dispose();
  }
  return 0;
}

// `lacuna magnitude`: the weighting vector and magnitude of a point table, a precomputed
// distance matrix or a built-in sample at a scale t, and (with --sweep) the magnitude function
// with its scales. The same core solvers as the "Inspect weighting vectors" panel.
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readDistanceMatrix } from '../core/io/distanceMatrix';
import { fileSource, writeFileAtomic } from '../core/io/node';
import { formatNumber } from '../core/io/read';
import {
  magnitudeFunction,
  matrixSpace,
  METRIC_NAMES,
  pointSpace,
  topWeights,
  weightingVector,
  weightSpread,
  type MagnitudeFunctionResult,
  type MetricName,
  type MetricSpace,
  type SolverChoice,
} from '../core/magnitude/index';
import { readPointTable } from '../core/points/readPointTable';
import { normalisePoints, subsamplePoints, type Normalisation } from '../core/points/readPoints';
import { DEFAULT_SAMPLE_SIZE, loadPointSample, MAGNITUDE_SAMPLES, type MagnitudeSampleName } from '../core/points/samples.node';
import { denseZNeed, guardMemory } from '../core/guard';
import { fileStem, fmt, jsonNumber, oneOf, outputFlag, parseNumberFlag, textTable, UsageError, type Io } from './common';

export const MAGNITUDE_USAGE = `  lacuna magnitude FILE --t T [--metric euclidean|manhattan|cosine|precomputed]
                  [--solver auto|cholesky|cg|sparse] [--columns a,b,...]
                  [--normalise none|zscore|minmax] [--max-points N] [--seed N]
                  [--tol E] [--top K] [--out weights.csv] [--json]
  lacuna magnitude FILE --sweep [--count N] [--t T|suggested] [...]
                                the magnitude function: t_conv, scattered and suggested scales
  lacuna magnitude --sample swissroll|sphere|ball|disk|mnist [--n N] [...]
                                a built-in sample instead of FILE`;

const METRICS = [...METRIC_NAMES, 'precomputed'] as const;
type MetricFlag = (typeof METRICS)[number];
const SOLVERS: readonly SolverChoice[] = ['auto', 'cholesky', 'cg', 'sparse'];
const NORMALISATIONS: readonly Normalisation[] = ['none', 'zscore', 'minmax'];

/** The space to solve on, with what the report needs to name its rows. */
export interface MagnitudeInput {
  space: MetricSpace;
  /** What was read, for the report. */
  description: string;
  /** Rows of the input in total, and the input row (0-based) of each point used. */
  totalRows: number;
  rows: Int32Array;
  /** 1-based line in the file of each point used (null for samples). */
  lines: Int32Array | null;
  path: string | null;
  notes: string[];
}

async function loadInput(values: Record<string, string | boolean | undefined>, file: string | undefined): Promise<MagnitudeInput> {
  const metric = (oneOf('metric', values.metric as string | undefined, METRICS) ?? 'euclidean') as MetricFlag;
  const normalise = oneOf('normalise', values.normalise as string | undefined, NORMALISATIONS) ?? 'none';
  const maxPoints = parseNumberFlag('max-points', values['max-points'] as string | undefined, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  const seed = parseNumberFlag('seed', values.seed as string | undefined, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? 0;
  const columns = (values.columns as string | undefined)?.split(',').map((c) => c.trim()).filter((c) => c !== '');
  const sample = oneOf<MagnitudeSampleName>('sample', values.sample as string | undefined, MAGNITUDE_SAMPLES);
  const sampleSize = parseNumberFlag('n', values.n as string | undefined, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
  if (sample && file !== undefined) throw new UsageError('give a FILE or --sample, not both');
  if (!sample && file === undefined) throw new UsageError('magnitude needs a FILE (or --sample NAME)');
  if (sampleSize !== undefined && !sample) throw new UsageError('--n applies to --sample');
  const notes: string[] = [];

  if (metric === 'precomputed') {
    if (sample) throw new UsageError('--metric precomputed reads a distance matrix FILE, not a sample');
    if (columns || normalise !== 'none') throw new UsageError('--columns and --normalise apply to points, not to a precomputed distance matrix');
    if (maxPoints !== undefined) throw new UsageError('--max-points applies to points; subsample the distance matrix before computing it');
    const path = resolve(file!);
    const d = await readDistanceMatrix(fileSource(path));
    if (d.maxAsymmetry > 0) notes.push(`the matrix was symmetric only to ${d.maxAsymmetry.toExponential(1)}; each pair uses the mean of its two entries`);
    return {
      space: matrixSpace(d),
      description: `${basename(path)}: a ${d.n} × ${d.n} distance matrix`,
      totalRows: d.n,
      rows: Int32Array.from({ length: d.n }, (_, i) => i),
      lines: d.lines,
      path,
      notes,
    };
  }

  let cloud;
  let description: string;
  let lines: Int32Array | null = null;
  let path: string | null = null;
  if (sample) {
    if (columns) throw new UsageError('--columns applies to a FILE');
    const s = loadPointSample(sample, sampleSize ?? DEFAULT_SAMPLE_SIZE);
    normalisePoints(s, normalise);
    cloud = s;
    description = `sample ${sample}: ${s.description}`;
  } else {
    path = resolve(file!);
    const table = await readPointTable(fileSource(path), { columns, normalise });
    cloud = table;
    lines = table.lines;
    description = `${basename(path)}: ${table.n} points in ${table.dim}-D (columns ${table.columns.join(', ')})`;
  }
  if (normalise !== 'none') description += `, normalised (${normalise})`;
  const totalRows = cloud.n;
  const { points, rows } = subsamplePoints(cloud, maxPoints ?? cloud.n, seed);
  if (points.n < totalRows) {
    notes.push(`subsampled ${points.n} of ${totalRows} points (seed ${seed}); --out leaves the other rows blank`);
    if (lines) lines = Int32Array.from(rows, (r) => lines![r]);
  }
  return { space: pointSpace(points, metric as MetricName), description: `${description}; ${metric}`, totalRows, rows, lines, path, notes };
}

function sweepJson(sweep: MagnitudeFunctionResult) {
  return {
    tConv: jsonNumber(sweep.tConv ?? NaN),
    scatteredScale: jsonNumber(sweep.scatteredScale),
    suggestedScale: { t: jsonNumber(sweep.suggestedScale.t), reason: sweep.suggestedScale.reason },
    minDistance: jsonNumber(sweep.minDistance),
    diameterEstimate: jsonNumber(sweep.diameterEstimate),
    points: sweep.points.map((p) => ({ t: p.t, magnitude: jsonNumber(p.magnitude), residual: jsonNumber(p.residual), solver: p.solver, method: p.method ?? null, anchor: p.anchor ?? null, iterations: p.iterations ?? null, converged: p.converged })),
    totalIterations: sweep.totalIterations,
    factorizations: sweep.factorizations,
    seconds: sweep.seconds,
    notes: sweep.notes,
  };
}

/** The solver column: a dense sweep says which scales were factored and which anchor served the others. */
function servedBy(p: MagnitudeFunctionResult['points'][number]): string {
  if (p.method === 'factor') return 'cholesky (anchor)';
  if (p.method === 'pcg') return `pcg, factor of t = ${p.anchor!.toPrecision(4)}`;
  return p.solver;
}

function sweepText(sweep: MagnitudeFunctionResult): string {
  const table = textTable(
    ['t', 'Mag(t)', 'Mag/n', 'residual', 'solver', 'iterations'],
    sweep.points.map((p) => [p.t.toPrecision(4), fmt(p.magnitude), fmt(p.magnitude / sweep.n, 4), p.residual.toExponential(1), servedBy(p), p.iterations === undefined ? '' : p.method === 'factor' ? `${p.iterations} abandoned` : String(p.iterations)]),
  );
  return [
    table,
    '',
    `  t_conv           ${sweep.tConv === null ? 'not reached' : sweep.tConv.toPrecision(4)}   (Mag = 0.95·n)`,
    `  scattered scale  ${Number.isFinite(sweep.scatteredScale) ? sweep.scatteredScale.toPrecision(4) : '∞'}   (log(n−1)/min d, min d = ${fmt(sweep.minDistance, 4)})`,
    `  suggested scale  ${sweep.suggestedScale.t.toPrecision(4)}   ${sweep.suggestedScale.reason}`,
    ...sweep.notes.map((n) => `  note             ${n}`),
    `  ${sweep.points.length} solves in ${sweep.seconds.toFixed(2)} s${sweep.factorizations > 0 ? `, ${sweep.factorizations} dense factorizations` : ''}`,
  ].join('\n');
}

/** The weights file: one weight per input row, blank for rows left out by subsampling. */
function* weightLines(weights: Float64Array, rows: Int32Array, totalRows: number): Generator<string> {
  const byRow = new Float64Array(totalRows).fill(NaN);
  for (let i = 0; i < rows.length; i++) byRow[rows[i]] = weights[i];
  let chunk = '';
  for (let r = 0; r < totalRows; r++) {
    chunk += formatNumber(byRow[r]) + '\n';
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

export async function magnitudeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      t: { type: 'string' },
      metric: { type: 'string' },
      solver: { type: 'string' },
      columns: { type: 'string' },
      normalise: { type: 'string' },
      'max-points': { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      n: { type: 'string' },
      tol: { type: 'string' },
      top: { type: 'string' },
      out: { type: 'string' },
      sweep: { type: 'boolean', default: false },
      count: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 1) throw new UsageError(`magnitude takes one FILE, found ${positionals.length}`);
  const solver = oneOf('solver', values.solver, SOLVERS) ?? 'auto';
  const tol = parseNumberFlag('tol', values.tol, (v) => v > 0 && v < 1, 'a tolerance in (0, 1)');
  const top = parseNumberFlag('top', values.top, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer') ?? 10;
  const count = parseNumberFlag('count', values.count, (v) => Number.isInteger(v) && v >= 2 && v <= 1000, 'an integer from 2 to 1000');
  const suggested = values.t === 'suggested';
  const t = suggested ? undefined : parseNumberFlag('t', values.t, (v) => v > 0, 'a positive scale (or "suggested")');
  if (t === undefined && !suggested && !values.sweep) throw new UsageError('magnitude needs --t T (or --sweep for the magnitude function)');
  if (count !== undefined && !values.sweep && !suggested) throw new UsageError('--count applies to --sweep');
  if (values.out !== undefined && t === undefined && !suggested) throw new UsageError('--out writes the weights at a scale: give --t');

  const input = await loadInput(values, positionals[0]);
  const n = input.rows.length;
  const protect = input.path ? [input.path] : [];
  const outPath = outputFlag(values.out, `${input.path ? fileStem(input.path) : 'magnitude'}.weights.csv`);
  if (outPath && protect.some((p) => resolve(p) === outPath)) throw new Error(`refusing to write over the input file ${outPath}; choose another --out`);

  if (solver === 'cholesky') guardMemory(denseZNeed(n, `the magnitude of ${n} points by Cholesky`, input.path ? '--max-points' : '--n', '--solver cg'));
  const sweep = values.sweep || suggested ? magnitudeFunction(input.space, { solver, count, tol }) : null;
  const scale = t ?? (suggested ? sweep!.suggestedScale.t : undefined);
  if (scale === undefined || !Number.isFinite(scale)) {
    // --sweep alone.
    if (values.json) io.stdout.write(JSON.stringify({ n, ...sweepJson(sweep!), notes: [...input.notes, ...sweep!.notes] }) + '\n');
    else io.stdout.write([`Lacuna magnitude function: ${input.description}`, ...input.notes.map((x) => `  note  ${x}`), '', sweepText(sweep!)].join('\n') + '\n');
    return 0;
  }

  const result = weightingVector(input.space, scale, { solver, tol });
  const ranked = topWeights(result.weights, top).map((r) => ({ row: input.rows[r.index] + 1, line: input.lines ? input.lines[r.index] : null, weight: r.weight }));
  const spread = weightSpread(result.weights);
  if (outPath) await writeFileAtomic(outPath, weightLines(result.weights, input.rows, input.totalRows), protect);
  const notes = [...input.notes, ...result.notes];
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        n,
        t: scale,
        magnitude: jsonNumber(result.magnitude),
        residual: jsonNumber(result.residual),
        solver: result.solver,
        seconds: result.seconds,
        reason: result.reason,
        iterations: result.iterations ?? null,
        converged: result.converged,
        notes,
        top: ranked,
        spread: Object.fromEntries(Object.entries(spread).map(([k, v]) => [k, jsonNumber(v)])),
        ...(result.truncation ? { truncation: result.truncation } : {}),
        ...(sweep ? { sweep: sweepJson(sweep) } : {}),
        ...(outPath ? { output: outPath } : {}),
      }) + '\n',
    );
    return 0;
  }
  const lines = [
    `Lacuna magnitude: ${input.description}`,
    `  n          ${n}`,
    `  t          ${scale}${suggested ? ' (the suggested scale)' : ''}`,
    `  magnitude  ${fmt(result.magnitude, 6)}`,
    `  residual   ${result.residual.toExponential(2)}   (‖Zw − 1‖/√n)`,
    `  solver     ${result.solver}${result.iterations !== undefined ? `, ${result.iterations} iterations` : ''} (${result.reason})`,
    `  seconds    ${result.seconds.toFixed(3)}`,
    `  weights    min ${fmt(spread.min, 4)}, median ${fmt(spread.median, 4)}, max ${fmt(spread.max, 4)}; ${spread.negativeCount} negative; top 10% hold ${(100 * spread.top10PercentShare).toFixed(1)}% of Σw`,
    // The solver line already gives auto's reason.
    ...notes.filter((x) => !x.startsWith('auto picked')).map((x) => `  note       ${x}`),
  ];
  if (ranked.length > 0) {
    lines.push('', `Largest weights (boundary and outliers), top ${ranked.length}:`, textTable(['rank', 'row', ...(input.lines ? ['line'] : []), 'weight'], ranked.map((r, k) => [String(k + 1), String(r.row), ...(input.lines ? [String(r.line)] : []), fmt(r.weight, 6)])));
  }
  if (sweep) lines.push('', 'Magnitude function:', sweepText(sweep));
  if (outPath) lines.push('', `Wrote ${outPath}`);
  io.stdout.write(lines.join('\n') + '\n');
  return 0;
}

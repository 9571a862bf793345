// `lacuna place`: which columns (sensors or H3 cells) to keep observing, searched on the user's
// own matrix with the user's imputer (src/core/sampling; the protocol is in its problem.ts).
import { basename, dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSource, writeFileAtomic } from '../core/io/node';
import { readMatrix } from '../core/io/read';
import type { MaskedMatrix } from '../core/matrix/masked';
import { CLASSICAL_METHODS } from '../core/impute/classical';
import { DEEP_METHODS } from '../core/impute/models';
import { classicalImputer, frozenModelImputer, isClassicalImputer, lowRankImputer } from '../core/sampling/imputers';
import { chosenCsv, PLACEMENT_METHODS, runPlacement, type PlacementMethod, type PlacementResult } from '../core/sampling/placement';
import { placementProblem, resolveBudget, type PlacementImputer, type PlacementMetric } from '../core/sampling/problem';
import { durationFlag, fmt, jsonNumber, oneOf, outputFlag, parseNumberFlag, textTable, UsageError, type Io } from './common';
import { loadModel } from './deep';
import { backendOrder, nodeTf } from './nodeTf';
import { createProgress } from './progress';

export const PLACE_IMPUTERS = [...CLASSICAL_METHODS, 'lowrank', ...DEEP_METHODS] as const;

export const PLACE_USAGE = `  lacuna place FILE [--locations FILE] --budget B|--keep-ratio 0.1
                     [--method greedy|genetic|random|coverage|qr] [--imputer ${PLACE_IMPUTERS.join('|')}]
                     [--load-model DIR] [--backend wasm|cpu|webgpu] [--time-budget 10m] [--seed N]
                     [--population 24] [--generations 30] [--draws 20] [--proxy-samples 20]
                     [--metric mse|mae] [--history-rows N] [--h3-res N] [--out chosen.csv] [--json]
                                choose the columns to keep; the rest are imputed`;

function defaultOut(input: string, method: string): string {
  const stem = basename(input, extname(input));
  return join(dirname(input), `${stem}.placement-${method}.csv`);
}

export async function placeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      locations: { type: 'string' },
      budget: { type: 'string' },
      'keep-ratio': { type: 'string' },
      method: { type: 'string' },
      imputer: { type: 'string' },
      'load-model': { type: 'string' },
      backend: { type: 'string' },
      'time-budget': { type: 'string' },
      seed: { type: 'string' },
      population: { type: 'string' },
      generations: { type: 'string' },
      draws: { type: 'string' },
      'proxy-samples': { type: 'string' },
      metric: { type: 'string' },
      'history-rows': { type: 'string' },
      'h3-res': { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'place needs a FILE' : `place takes one FILE, found ${positionals.length}`);
  const input = resolve(positionals[0]);
  const method = oneOf<PlacementMethod>('method', values.method, PLACEMENT_METHODS) ?? 'greedy';
  const budgetFlag = parseNumberFlag('budget', values.budget, (v) => Number.isFinite(v), 'a number of columns');
  const keepRatio = parseNumberFlag('keep-ratio', values['keep-ratio'], (v) => Number.isFinite(v), 'a fraction');
  if (budgetFlag === undefined && keepRatio === undefined) throw new UsageError('place needs --budget B (columns to keep) or --keep-ratio R');
  if (budgetFlag !== undefined && keepRatio !== undefined) throw new UsageError('give --budget or --keep-ratio, not both');
  const loadDir = values['load-model'] !== undefined ? resolve(values['load-model']) : undefined;
  let imputerName = oneOf('imputer', values.imputer, PLACE_IMPUTERS);
  const deep = imputerName !== undefined && (DEEP_METHODS as readonly string[]).includes(imputerName);
  if (deep && !loadDir) throw new UsageError(`--imputer ${imputerName} scores with a trained model: give --load-model DIR (train one with lacuna impute FILE --method ${imputerName} --save-model DIR)`);
  if (loadDir && imputerName !== undefined && !deep) throw new UsageError(`--load-model gives a learned model; --imputer ${imputerName} is not one (${DEEP_METHODS.join(', ')})`);
  if (values.backend !== undefined && !loadDir) throw new UsageError('--backend applies to a learned model (--load-model DIR)');
  imputerName ??= loadDir ? undefined : 'neighbor';
  let timeBudgetMs: number | undefined;
  if (values['time-budget'] !== undefined) {
    if (method !== 'genetic') throw new UsageError('--time-budget applies to --method genetic');
    timeBudgetMs = durationFlag('time-budget', values['time-budget'])! * 1000;
  }
  const whole = (name: string, min: number) => parseNumberFlag(name, values[name as keyof typeof values] as string | undefined, (v) => Number.isInteger(v) && v >= min, `a whole number ≥ ${min}`);
  const seed = whole('seed', 0) ?? 0;
  const population = whole('population', 2);
  const generations = whole('generations', 0);
  if ((population !== undefined || generations !== undefined) && method !== 'genetic') throw new UsageError('--population and --generations apply to --method genetic');
  const draws = whole('draws', 2);
  if (draws !== undefined && method !== 'random') throw new UsageError('--draws applies to --method random');
  const proxySamples = whole('proxy-samples', 0) ?? 20;
  const historyRows = whole('history-rows', 1);
  const metric = oneOf<PlacementMetric>('metric', values.metric, ['mse', 'mae']) ?? 'mse';
  const backend = oneOf('backend', values.backend, ['wasm', 'cpu', 'webgpu'] as const);
  const h3Resolution = parseNumberFlag('h3-res', values['h3-res'], (v) => Number.isInteger(v) && v >= 0 && v <= 15, 'an integer from 0 to 15');

  const protect = [input, values.locations].filter((p): p is string => !!p).map((p) => resolve(p));
  const outPath = outputFlag(values.out, defaultOut(input, method)) ?? defaultOut(input, method);
  if (protect.includes(outPath)) throw new Error(`refusing to write over the input file ${outPath}; choose another --out`);

  const progress = createProgress(io.stderr, !values.json);
  const signal = { aborted: false };
  const onInterrupt = () => {
    signal.aborted = true;
  };
  process.once('SIGINT', onInterrupt);
  let dispose = () => {};
  try {
    progress.update(`reading ${basename(input)}`, 0, 0);
    const read = await readMatrix(fileSource(input), { h3Resolution, locations: values.locations ? fileSource(resolve(values.locations)) : undefined });
    const data = read.matrix;
    let budget: number;
    try {
      budget = resolveBudget(data.cols, { budget: budgetFlag, keepRatio });
    } catch (err) {
      throw new UsageError(`${(err as Error).message} (${basename(input)} has ${data.cols} columns)`);
    }
    const problem = placementProblem(data, { metric, historyRows });
    let imputer: PlacementImputer;
    let backendName: string | undefined;
    if (loadDir) {
      const checkpoint = await loadModel(loadDir);
      if (imputerName !== undefined && checkpoint.method !== imputerName) throw new UsageError(`the saved model in ${loadDir} is a ${checkpoint.method} model, not ${imputerName}`);
      const { tf, backend: chosen } = await nodeTf(backendOrder(backend));
      backendName = chosen;
      const frozen = frozenModelImputer(tf, checkpoint, data, basename(loadDir));
      dispose = frozen.dispose;
      imputer = frozen;
    } else if (imputerName === 'lowrank') imputer = lowRankImputer(problem, budget);
    else if (imputerName && isClassicalImputer(imputerName)) imputer = classicalImputer(imputerName, problem, budget, seed);
    else throw new UsageError(`unknown imputer ${imputerName}`);
    const proxy = proxySamples > 0 && imputerName !== 'lowrank' ? { imputer: lowRankImputer(problem, budget), samples: proxySamples } : undefined;
    const result = await runPlacement(problem, imputer, {
      method,
      budget,
      seed,
      draws,
      genetic: { population, generations, timeBudgetMs },
      proxy,
      signal,
      onProgress: (p) => progress.update(`${method} (${imputer.name}): ${p.message}`, p.fraction ?? 0, p.fraction === undefined ? 0 : 1),
    });
    progress.update(`writing ${basename(outPath)}`, 0, 0);
    await writeFileAtomic(outPath, chosenCsv(result, data.places), protect);
    progress.done();
    report(io, { input, result, outPath, json: values.json, places: data.places, backend: backendName, rows: data.rows });
    return 0;
  } finally {
    process.removeListener('SIGINT', onInterrupt);
    dispose();
    progress.done();
  }
}

function report(io: Io, r: { input: string; result: PlacementResult; outPath: string; json: boolean; places: MaskedMatrix['places']; backend?: string; rows: number }) {
  const x = r.result;
  const err = (e: { mse: number; mae: number; count: number }) => ({ mse: jsonNumber(e.mse), mae: jsonNumber(e.mae), count: e.count });
  if (r.json) {
    io.stdout.write(
      JSON.stringify({
        method: x.method,
        imputer: x.imputer,
        ...(r.backend ? { backend: r.backend } : {}),
        metric: x.metric,
        shape: [r.rows, x.cols],
        budget: x.budget,
        chosen: x.chosen.map((c) => {
          const p = r.places?.[c.column] ?? null;
          return { rank: c.rank, id: c.id, column: c.column, gain: jsonNumber(c.gain), ...(p ? { lat: p.lat, lng: p.lng, cell: p.cell } : {}) };
        }),
        gainKind: x.gainKind,
        validation: err(x.validation),
        test: err(x.test),
        ...(x.random ? { random: x.random } : {}),
        curve: x.curve,
        ...(x.proxy ? { proxy: { ...x.proxy, spearman: jsonNumber(x.proxy.spearman) } } : {}),
        search: x.search,
        seconds: x.seconds,
        output: r.outPath,
      }) + '\n',
    );
    return;
  }
  const m = x.metric.toUpperCase();
  const lines = [
    `Lacuna place: ${basename(r.input)}, keep ${x.budget} of ${x.cols} columns by ${x.method}, scored with ${x.imputer}`,
    `  protocol  rows split 70/15/15 in time; history observed; in the scored rows only the kept columns are; ${m} on the others' observed entries`,
    `  search    ${x.search.evaluations} evaluations in ${x.search.seconds.toFixed(2)} s${x.search.stopped ? `, stopped: ${x.search.stopped} after ${x.search.generations} generations` : ''}`,
    `  error     validation ${m} ${fmt(x.validation.value)} (MAE ${fmt(x.validation.mae)}), test ${m} ${fmt(x.test.value)} (MAE ${fmt(x.test.mae)})`,
    ...(x.random ? [`  random    test ${m} ${fmt(x.random.test.mean)} ± ${fmt(x.random.test.std)} over ${x.random.draws} draws (the chosen set is the first draw)`] : []),
    ...(x.proxy ? [`  proxy     ${x.proxy.name}: validation ${m} ${fmt(x.proxy.validation)}; Spearman ρ with the full objective ${fmt(x.proxy.spearman)} over ${x.proxy.samples} random sets`] : []),
    '',
    textTable(
      ['rank', 'column', `gain (${m}, ${x.gainKind})`],
      x.chosen.map((c) => [String(c.rank), c.id, fmt(c.gain)]),
    ),
    '',
    `Error against budget (test ${m}): ${x.curve.map((p) => `${p.kept}: ${fmt(p.test)}`).join(', ')}`,
    `Wrote ${r.outPath}`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
}

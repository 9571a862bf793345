// One placement run, the same for the CLI, the panel and the benchmark: search (or draw) the
// kept columns with the chosen method on the validation objective, rank them with their
// marginal gains, score them on the held-out test rows, trace the error against the budget, and
// report the cheap proxy beside the full objective with its rank correlation.
import { coveragePlacement, qrPivotOrder, randomPlacements, spearman, type CoverageMetric } from './baselines';
import { geneticPlacement, type GeneticOptions, type GeneticProgress, type GeneticStop } from './genetic';
import { greedyPlacement, PlacementCancelled, type Abortable, type GreedyOptions, type GreedyProgress } from './greedy';
import { lowRankBasis } from './imputers';
import { imputerObjective, testError, validationError, type PlacementError, type PlacementImputer, type PlacementProblem } from './problem';

export const PLACEMENT_METHODS = ['greedy', 'genetic', 'random', 'coverage', 'qr'] as const;
export type PlacementMethod = (typeof PLACEMENT_METHODS)[number];

export const DEFAULT_RANDOM_DRAWS = 20;
export const DEFAULT_PROXY_SAMPLES = 20;

export type PlacementProgress = { method: PlacementMethod; message: string; fraction?: number } & ({ kind: 'greedy'; greedy: GreedyProgress } | { kind: 'genetic'; genetic: GeneticProgress } | { kind: 'step' });

export interface PlacementOptions {
  method: PlacementMethod;
  budget: number;
  seed?: number;
  /** Random draws for the random baseline (default 20). */
  draws?: number;
  greedy?: Pick<GreedyOptions, 'lazy' | 'extra'>;
  genetic?: Omit<GeneticOptions, 'budget' | 'seed' | 'signal' | 'onProgress'>;
  coverage?: CoverageMetric;
  /** Principal axes for QR pivoting (default: the budget, as PySensors). */
  qrRank?: number;
  /** A cheap proxy reported beside the full objective, with its Spearman ρ on `samples` random sets. */
  proxy?: { imputer: PlacementImputer; samples?: number };
  /** Trace the error against the budget, 1 .. budget kept (default true). */
  curve?: boolean;
  signal?: Abortable;
  onProgress?: (p: PlacementProgress) => void;
}

export interface RankedColumn {
  /** 1 = most important. */
  rank: number;
  column: number;
  id: string;
  /**
   * The column's marginal gain (error drop, in the objective's metric): for greedy, the drop when
   * it was added in order of choice; for the other methods, the rise when it alone is removed
   * from the final set.
   */
  gain: number;
}

export interface CurvePoint {
  kept: number;
  validation: number;
  test: number;
  /** For random: the spread over the draws. */
  validationStd?: number;
  testStd?: number;
}

export interface Spread {
  mean: number;
  std: number;
}

export interface PlacementResult {
  method: PlacementMethod;
  imputer: string;
  metric: 'mse' | 'mae';
  budget: number;
  cols: number;
  chosen: RankedColumn[];
  gainKind: 'order of choice' | 'drop one';
  validation: PlacementError;
  test: PlacementError;
  /** Random only: the spread over the draws (the chosen set is the first draw). */
  random?: { draws: number; validation: Spread; test: Spread; testMse: Spread; testMae: Spread };
  curve: CurvePoint[];
  proxy?: { name: string; validation: number; spearman: number; samples: number };
  search: { evaluations: number; seconds: number; stopped?: GeneticStop; generations?: number; pruned?: number[] };
  seconds: number;
}

export function spread(values: readonly number[]): Spread {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const v = n > 1 ? values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v) };
}

/** Orders a set by the error rise when each column alone is removed, largest first. */
async function dropOneRanking(evaluate: (kept: readonly number[]) => Promise<number>, set: readonly number[], error: number, check: () => void): Promise<{ column: number; gain: number }[]> {
  const out: { column: number; gain: number }[] = [];
  for (const j of set) {
    check();
    out.push({ column: j, gain: (await evaluate(set.filter((c) => c !== j))) - error });
  }
  return out.sort((a, b) => b.gain - a.gain || a.column - b.column);
}

export async function runPlacement(problem: PlacementProblem, imputer: PlacementImputer, options: PlacementOptions): Promise<PlacementResult> {
  const started = performance.now();
  const { method, budget } = options;
  const cols = problem.cols;
  if (!(Number.isInteger(budget) && budget >= 1 && budget <= cols)) throw new Error(`the budget must be between 1 and ${cols} columns, found ${budget}`);
  const seed = options.seed ?? 0;
  const signal = options.signal;
  const check = () => {
    if (signal?.aborted) throw new PlacementCancelled();
  };
  const progress = (message: string, fraction?: number) => options.onProgress?.({ method, message, fraction, kind: 'step' });
  const objective = imputerObjective(problem, imputer);
  const searchStart = performance.now();
  let ranked: { column: number; gain: number }[];
  let gainKind: PlacementResult['gainKind'] = 'drop one';
  let search: PlacementResult['search'];
  let randomSets: number[][] | null = null;
  let nested: number[] | null = null;
  switch (method) {
    case 'greedy': {
      const g = await greedyPlacement(objective, {
        budget,
        ...options.greedy,
        signal,
        onProgress: (p) => options.onProgress?.({ method, kind: 'greedy', greedy: p, message: `${p.phase === 'forward' ? 'adding' : 'pruning'}: ${p.kept} kept, error ${p.error.toPrecision(4)}`, fraction: p.phase === 'forward' ? p.kept / p.steps : undefined }),
      });
      ranked = g.chosen.map((column, t) => ({ column, gain: g.gains[t] }));
      gainKind = 'order of choice';
      nested = g.chosen;
      search = { evaluations: objective.evaluations, seconds: 0, pruned: g.pruned };
      break;
    }
    case 'genetic': {
      const ga = await geneticPlacement(objective, {
        ...options.genetic,
        budget,
        seed,
        signal,
        onProgress: (p) => options.onProgress?.({ method, kind: 'genetic', genetic: p, message: `generation ${p.generation}/${p.generations}: best ${p.best.toPrecision(4)}`, fraction: p.generation / Math.max(1, p.generations) }),
      });
      if (ga.stopped === 'cancelled') check();
      ranked = await dropOneRanking((k) => objective.evaluate(k), ga.chosen, ga.error, check);
      search = { evaluations: ga.evaluations, seconds: 0, stopped: ga.stopped, generations: ga.generations };
      break;
    }
    case 'random': {
      randomSets = randomPlacements(cols, budget, options.draws ?? DEFAULT_RANDOM_DRAWS, seed);
      const first = randomSets[0];
      ranked = await dropOneRanking((k) => objective.evaluate(k), first, await objective.evaluate(first), check);
      search = { evaluations: objective.evaluations, seconds: 0 };
      break;
    }
    case 'coverage': {
      nested = coveragePlacement(problem.data.places, budget, options.coverage ?? 'latlng', problem.data.h3Resolution);
      ranked = await dropOneRanking((k) => objective.evaluate(k), nested, await objective.evaluate(nested), check);
      search = { evaluations: objective.evaluations, seconds: 0 };
      break;
    }
    case 'qr': {
      const basis = lowRankBasis(problem.data, [0, problem.validation.scoredFrom], options.qrRank ?? budget);
      nested = qrPivotOrder(basis.axes, basis.rank, cols, budget);
      ranked = await dropOneRanking((k) => objective.evaluate(k), nested, await objective.evaluate(nested), check);
      search = { evaluations: objective.evaluations, seconds: 0 };
      break;
    }
  }
  search.seconds = (performance.now() - searchStart) / 1000;
  const set = ranked.map((r) => r.column);
  progress('scoring the chosen set on the test rows');
  const validation = await validationError(problem, imputer, set);
  const test = await testError(problem, imputer, set);

  let random: PlacementResult['random'];
  if (randomSets) {
    const vals: number[] = [];
    const tests: PlacementError[] = [];
    for (const [d, s] of randomSets.entries()) {
      check();
      progress(`random draw ${d + 1}/${randomSets.length}`, d / randomSets.length);
      vals.push(await objective.evaluate(s));
      tests.push(await testError(problem, imputer, s));
    }
    random = { draws: randomSets.length, validation: spread(vals), test: spread(tests.map((t) => t.value)), testMse: spread(tests.map((t) => t.mse)), testMae: spread(tests.map((t) => t.mae)) };
  }

  // Error against budget: prefixes of the order (order of choice, farthest point, QR pivots,
  // or the drop-one ranking); random draws fresh sets of each size.
  const curve: CurvePoint[] = [];
  if (options.curve ?? true) {
    const order = nested ?? set;
    for (let k = 1; k <= budget; k++) {
      check();
      progress(`error against budget: ${k}/${budget} kept`, k / budget);
      if (randomSets) {
        const draws = k === budget ? randomSets : randomPlacements(cols, k, randomSets.length, seed + k);
        const v: number[] = [];
        const t: number[] = [];
        for (const s of draws) {
          v.push(await objective.evaluate(s));
          t.push((await testError(problem, imputer, s)).value);
        }
        const vs = spread(v);
        const ts = spread(t);
        curve.push({ kept: k, validation: vs.mean, validationStd: vs.std, test: ts.mean, testStd: ts.std });
      } else {
        const prefix = order.slice(0, k);
        curve.push({ kept: k, validation: await objective.evaluate(prefix), test: (await testError(problem, imputer, prefix)).value });
      }
    }
  }

  let proxy: PlacementResult['proxy'];
  if (options.proxy) {
    const samples = options.proxy.samples ?? DEFAULT_PROXY_SAMPLES;
    const proxyObjective = imputerObjective(problem, options.proxy.imputer);
    const sets = randomPlacements(cols, budget, samples, seed + 0x51ed);
    const full: number[] = [];
    const cheap: number[] = [];
    for (const [d, s] of sets.entries()) {
      check();
      progress(`proxy: sample ${d + 1}/${samples}`, d / samples);
      full.push(await objective.evaluate(s));
      cheap.push(await proxyObjective.evaluate(s));
    }
    proxy = { name: options.proxy.imputer.name, validation: await proxyObjective.evaluate(set), spearman: spearman(full, cheap), samples };
  }

  return {
    method,
    imputer: imputer.name,
    metric: problem.metric,
    budget,
    cols,
    chosen: ranked.map((r, t) => ({ rank: t + 1, column: r.column, id: problem.data.colIds[r.column], gain: r.gain })),
    gainKind,
    validation,
    test,
    random,
    curve,
    proxy,
    search,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The chosen columns as CSV: rank, column id, place when known, marginal gain. */
export function chosenCsv(result: Pick<PlacementResult, 'chosen' | 'metric'>, places: PlacementProblem['data']['places']): string {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [`rank,column,latitude,longitude,h3_cell,gain_${result.metric}`];
  for (const c of result.chosen) {
    const p = places?.[c.column] ?? null;
    lines.push([String(c.rank), quote(c.id), p ? String(p.lat) : '', p ? String(p.lng) : '', p ? p.cell : '', String(c.gain)].join(','));
  }
  return lines.join('\n') + '\n';
}

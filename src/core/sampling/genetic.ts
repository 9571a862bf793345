// A genetic search over kept sets of exactly `budget` columns, minimising the validation error.
// - An individual is a set of `budget` distinct columns; the first population is drawn at random
//   from the seed (plus any `initial` sets given, e.g. a greedy answer).
// - Tournament selection: the best of `tournament` individuals drawn at random.
// - Uniform crossover for sets of fixed size: the child keeps every column both parents share,
//   and the rest is drawn uniformly from the columns only one parent has, up to the budget.
// - Mutation that keeps the budget: each kept column is, with probability `mutationRate`,
//   swapped for a column not kept.
// - Elitism: the `elite` best individuals pass to the next generation unchanged.
// Deterministic for a seed as long as the time budget does not cut it short (then it stops at a
// generation boundary that depends on the machine's speed). Cancelling keeps the best so far.
import { seededRng, type Rng } from '../random';
import type { Abortable } from './greedy';
import type { PlacementObjective } from './problem';

export interface GeneticProgress {
  generation: number;
  generations: number;
  best: number;
  mean: number;
  evaluations: number;
  seconds: number;
}

export interface GeneticOptions {
  budget: number;
  seed?: number;
  /** Individuals per generation (default 24). */
  population?: number;
  /** Generations after the first (default 30). */
  generations?: number;
  /** Tournament size (default 3). */
  tournament?: number;
  /** Per-column swap probability (default 1 / budget: one swap per child on average). */
  mutationRate?: number;
  /** Individuals copied unchanged (default 2). */
  elite?: number;
  /** Stop after this many milliseconds (checked between evaluations). */
  timeBudgetMs?: number;
  /** Sets to put in the first population (each must have `budget` distinct columns). */
  initial?: number[][];
  signal?: Abortable;
  onProgress?: (p: GeneticProgress) => void;
  /** The clock (milliseconds), for tests. */
  now?: () => number;
}

export type GeneticStop = 'generations' | 'time' | 'cancelled';

export interface GeneticResult {
  /** The best set found, in ascending column order. */
  chosen: number[];
  error: number;
  /** The best error after each generation (index 0: the first population). */
  history: number[];
  generations: number;
  stopped: GeneticStop;
  evaluations: number;
  seconds: number;
}

interface Individual {
  genes: number[];
  error: number;
}

function randomSet(cols: number, budget: number, rng: Rng): number[] {
  // Partial Fisher–Yates over the column indices.
  const all = Array.from({ length: cols }, (_, j) => j);
  for (let i = 0; i < budget; i++) {
    const k = i + Math.floor(rng() * (cols - i));
    [all[i], all[k]] = [all[k], all[i]];
  }
  return all.slice(0, budget).sort((a, b) => a - b);
}

export async function geneticPlacement(objective: PlacementObjective, options: GeneticOptions): Promise<GeneticResult> {
  const cols = objective.problem.cols;
  const budget = options.budget;
  if (!(Number.isInteger(budget) && budget >= 1 && budget <= cols)) throw new Error(`the budget must be between 1 and ${cols} columns, found ${budget}`);
  const size = options.population ?? 24;
  const generations = options.generations ?? 30;
  const tournament = options.tournament ?? 3;
  const elite = Math.min(options.elite ?? 2, size);
  const mutationRate = options.mutationRate ?? 1 / budget;
  if (!(Number.isInteger(size) && size >= 2)) throw new Error(`the population must be a whole number ≥ 2, found ${size}`);
  if (!(Number.isInteger(generations) && generations >= 0)) throw new Error(`generations must be a whole number ≥ 0, found ${generations}`);
  if (!(Number.isInteger(tournament) && tournament >= 1)) throw new Error(`the tournament size must be a whole number ≥ 1, found ${tournament}`);
  if (!(mutationRate >= 0 && mutationRate <= 1)) throw new Error(`the mutation rate must be in [0, 1], found ${mutationRate}`);
  const rng = seededRng(options.seed ?? 0);
  const now = options.now ?? (() => performance.now());
  const start = now();
  let stopped: GeneticStop = 'generations';
  const shouldStop = (): boolean => {
    if (options.signal?.aborted) stopped = 'cancelled';
    else if (options.timeBudgetMs !== undefined && now() - start >= options.timeBudgetMs) stopped = 'time';
    else return false;
    return true;
  };

  let best: Individual | null = null;
  const score = async (genes: number[]): Promise<Individual> => {
    const ind = { genes, error: await objective.evaluate(genes) };
    if (!best || ind.error < best.error) best = ind;
    return ind;
  };

  // The first population.
  let population: Individual[] = [];
  for (const set of options.initial ?? []) {
    const genes = [...new Set(set)].sort((a, b) => a - b);
    if (genes.length !== budget || genes.some((j) => !(Number.isInteger(j) && j >= 0 && j < cols))) throw new Error(`an initial set must hold ${budget} distinct columns in 0..${cols - 1}`);
    if (population.length < size) population.push(await score(genes));
  }
  while (population.length < size && !shouldStop()) population.push(await score(randomSet(cols, budget, rng)));
  const history: number[] = [];
  const record = (generation: number) => {
    const b = best!;
    history.push(b.error);
    const mean = population.reduce((s, p) => s + p.error, 0) / population.length;
    options.onProgress?.({ generation, generations, best: b.error, mean, evaluations: objective.evaluations, seconds: (now() - start) / 1000 });
  };
  if (population.length === 0) population.push(await score(randomSet(cols, budget, rng)));
  record(0);

  const pick = (): Individual => {
    let winner = population[Math.floor(rng() * population.length)];
    for (let t = 1; t < tournament; t++) {
      const c = population[Math.floor(rng() * population.length)];
      if (c.error < winner.error) winner = c;
    }
    return winner;
  };
  const inChild = new Uint8Array(cols);
  let generation = 0;
  outer: for (generation = 1; generation <= generations; generation++) {
    if (shouldStop()) break;
    population.sort((a, b) => a.error - b.error);
    const next: Individual[] = population.slice(0, elite);
    while (next.length < size) {
      if (shouldStop()) break outer;
      const a = pick().genes;
      const b = pick().genes;
      // Uniform crossover: shared columns stay, the rest come from either parent at random.
      const inB = new Set(b);
      const child = a.filter((j) => inB.has(j));
      const pool = [...a.filter((j) => !inB.has(j)), ...b.filter((j) => !a.includes(j))];
      for (let i = 0; child.length < budget; i++) {
        const k = i + Math.floor(rng() * (pool.length - i));
        [pool[i], pool[k]] = [pool[k], pool[i]];
        child.push(pool[i]);
      }
      // Mutation: swap a kept column for one not kept, keeping the budget.
      inChild.fill(0);
      for (const j of child) inChild[j] = 1;
      if (budget < cols) {
        for (let t = 0; t < child.length; t++) {
          if (rng() >= mutationRate) continue;
          let j: number;
          do j = Math.floor(rng() * cols);
          while (inChild[j]);
          inChild[child[t]] = 0;
          inChild[j] = 1;
          child[t] = j;
        }
      }
      child.sort((x, y) => x - y);
      next.push(await score(child));
    }
    population = next;
    record(generation);
  }
  const b = best as Individual | null;
  if (!b) throw new Error('the genetic search evaluated nothing');
  return { chosen: b.genes.slice(), error: b.error, history, generations: history.length - 1, stopped, evaluations: objective.evaluations, seconds: (now() - start) / 1000 };
}

// Greedy forward selection of the columns to keep, with lazy evaluation (Minoux's accelerated
// greedy, CELF in Leskovec et al. 2007), then a backward-pruning pass.
//
// Forward: start from nothing kept; at each step keep the column whose addition lowers the
// validation error most (ties to the lower column index). Lazy: a column's gain from an earlier
// step bounds its gain now when the error reduction is submodular (Krause, Singh and Guestrin
// 2008: then greedy is within 1 − 1/e of optimal), so a column is re-evaluated only when its old
// gain tops every other bound. An imputer's error need not be submodular; the lazy search is
// then Krause's heuristic, and `lazy: false` evaluates every column at every step.
// Backward pruning: the forward pass runs `extra` steps past the budget, then the kept column
// whose removal costs least is dropped until the budget is met: a column chosen early that the
// later ones made redundant gives way.
import type { PlacementObjective } from './problem';

export interface Abortable {
  readonly aborted: boolean;
}

export class PlacementCancelled extends Error {
  constructor() {
    super('the placement search was cancelled');
  }
}

export interface GreedyProgress {
  phase: 'forward' | 'prune';
  /** Columns kept so far. */
  kept: number;
  /** Forward steps planned (budget + extra). */
  steps: number;
  error: number;
  evaluations: number;
}

export interface GreedyOptions {
  budget: number;
  /** Lazy evaluation (default true). */
  lazy?: boolean;
  /** Forward steps past the budget before pruning back (default min(⌈budget/4⌉, 5), within the columns). 0: no pruning. */
  extra?: number;
  signal?: Abortable;
  onProgress?: (p: GreedyProgress) => void;
}

export interface GreedyResult {
  /** The kept columns in order of choice. */
  chosen: number[];
  /** Each chosen column's gain when it was added: the error drop (before pruning). */
  gains: number[];
  /** The validation error of the final set. */
  error: number;
  /** The forward pass: error with the first k chosen columns, k = 0 .. budget + extra. */
  forward: { column: number; error: number }[];
  /** The error with nothing kept. */
  empty: number;
  /** Columns dropped by the pruning pass, in the order they were dropped. */
  pruned: number[];
  evaluations: number;
}

/** The default number of forward steps past the budget that pruning takes back. */
export function defaultExtra(budget: number, cols: number): number {
  return Math.max(0, Math.min(Math.ceil(budget / 4), 5, cols - budget));
}

interface Bound {
  column: number;
  gain: number;
  /** The error with the column added, when `gain` was computed. */
  error: number;
  /** The step at which `gain` was computed. */
  step: number;
}

/** Max-heap by gain, then lower column index first. */
class BoundHeap {
  private items: Bound[] = [];
  get size() {
    return this.items.length;
  }
  private better(a: Bound, b: Bound) {
    return a.gain > b.gain || (a.gain === b.gain && a.column < b.column);
  }
  push(b: Bound) {
    const h = this.items;
    h.push(b);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.better(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }
  pop(): Bound {
    const h = this.items;
    const top = h[0];
    const last = h.pop()!;
    if (h.length) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.better(h[l], h[m])) m = l;
        if (r < h.length && this.better(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

export async function greedyPlacement(objective: PlacementObjective, options: GreedyOptions): Promise<GreedyResult> {
  const cols = objective.problem.cols;
  const budget = options.budget;
  if (!(Number.isInteger(budget) && budget >= 1 && budget <= cols)) throw new Error(`the budget must be between 1 and ${cols} columns, found ${budget}`);
  const extra = Math.max(0, Math.min(options.extra ?? defaultExtra(budget, cols), cols - budget));
  const steps = budget + extra;
  const lazy = options.lazy ?? true;
  const check = () => {
    if (options.signal?.aborted) throw new PlacementCancelled();
  };
  const chosen: number[] = [];
  const gains: number[] = [];
  check();
  const empty = await objective.evaluate([]);
  let current = empty;
  const forward: { column: number; error: number }[] = [];
  const inSet = new Uint8Array(cols);
  const heap = new BoundHeap();
  if (lazy) {
    for (let j = 0; j < cols; j++) {
      check();
      const e = await objective.evaluate([j]);
      heap.push({ column: j, gain: current - e, error: e, step: 0 });
    }
  }
  for (let step = 0; step < steps; step++) {
    let best = -1;
    let bestError = Infinity;
    if (lazy) {
      for (;;) {
        const top = heap.pop();
        if (top.step === step) {
          best = top.column;
          bestError = top.error;
          break;
        }
        check();
        const e = await objective.evaluate([...chosen, top.column]);
        heap.push({ column: top.column, gain: current - e, error: e, step });
      }
    } else {
      for (let j = 0; j < cols; j++) {
        if (inSet[j]) continue;
        check();
        const e = await objective.evaluate([...chosen, j]);
        if (e < bestError) {
          bestError = e;
          best = j;
        }
      }
    }
    chosen.push(best);
    inSet[best] = 1;
    gains.push(current - bestError);
    current = bestError;
    forward.push({ column: best, error: current });
    options.onProgress?.({ phase: 'forward', kept: chosen.length, steps, error: current, evaluations: objective.evaluations });
  }
  const pruned: number[] = [];
  while (chosen.length > budget) {
    // Drop the column whose removal raises the error least (ties: the one chosen last).
    let drop = -1;
    let dropError = Infinity;
    for (let t = chosen.length - 1; t >= 0; t--) {
      check();
      const e = await objective.evaluate(chosen.filter((_, u) => u !== t));
      if (e < dropError) {
        dropError = e;
        drop = t;
      }
    }
    pruned.push(chosen[drop]);
    chosen.splice(drop, 1);
    gains.splice(drop, 1);
    current = dropError;
    options.onProgress?.({ phase: 'prune', kept: chosen.length, steps, error: current, evaluations: objective.evaluations });
  }
  return { chosen, gains, error: current, forward, empty, pruned, evaluations: objective.evaluations };
}

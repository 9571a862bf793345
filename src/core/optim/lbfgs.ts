// L-BFGS with a strong-Wolfe line search (Nocedal & Wright, algorithms 7.4, 3.5 and 3.6).
// The algorithm only touches vectors through `VectorOps`, so the same code can later drive
// another vector type (a tensor held in a mutable box, say) without copying to the CPU.

/** The vector operations L-BFGS needs. All of them may write in place. */
export interface VectorOps<V> {
  /** A new zero vector shaped like `like`. */
  zerosLike(like: V): V;
  copy(source: V, target: V): void;
  dot(a: V, b: V): number;
  /** y += alpha * x */
  axpy(alpha: number, x: V, y: V): void;
  /** x *= alpha */
  scale(alpha: number, x: V): void;
  normInf(x: V): number;
  /** Frees a vector the algorithm allocated (tensors need it; typed arrays do not). */
  dispose?(x: V): void;
  /**
   * Optional, for speed: y += alpha * x, then returns dot(z, y), in one pass. It must give what
   * axpy followed by dot gives.
   */
  axpyDot?(alpha: number, x: V, y: V, z: V): number;
}

export const float64VectorOps: VectorOps<Float64Array> = {
  zerosLike: (like) => new Float64Array(like.length),
  copy: (source, target) => target.set(source),
  dot: (a, b) => {
    // Four partial sums hide the latency of floating-point addition (about 3× faster in V8).
    const n = a.length;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[i] * b[i];
      s1 += a[i + 1] * b[i + 1];
      s2 += a[i + 2] * b[i + 2];
      s3 += a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) s0 += a[i] * b[i];
    return s0 + s1 + (s2 + s3);
  },
  axpy: (alpha, x, y) => {
    const n = x.length;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      y[i] += alpha * x[i];
      y[i + 1] += alpha * x[i + 1];
      y[i + 2] += alpha * x[i + 2];
      y[i + 3] += alpha * x[i + 3];
    }
    for (; i < n; i++) y[i] += alpha * x[i];
  },
  scale: (alpha, x) => {
    for (let i = 0; i < x.length; i++) x[i] *= alpha;
  },
  axpyDot: (alpha, x, y, z) => {
    // The two-loop recursion's axpy and the next pair's dot share one pass over y (about 1.4×
    // faster on long vectors, which do not fit in cache). Same partial sums as `dot`.
    const n = x.length;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      const y0 = (y[i] += alpha * x[i]);
      const y1 = (y[i + 1] += alpha * x[i + 1]);
      const y2 = (y[i + 2] += alpha * x[i + 2]);
      const y3 = (y[i + 3] += alpha * x[i + 3]);
      s0 += z[i] * y0;
      s1 += z[i + 1] * y1;
      s2 += z[i + 2] * y2;
      s3 += z[i + 3] * y3;
    }
    for (; i < n; i++) s0 += z[i] * (y[i] += alpha * x[i]);
    return s0 + s1 + (s2 + s3);
  },
  normInf: (x) => {
    let max = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i]);
      if (v > max) max = v;
      // A NaN gradient must never pass for a small one.
      else if (v !== v) return NaN;
    }
    return max;
  },
};

/** Writes the gradient at x into `grad` and returns the objective's value at x. */
export type Objective<V> = (x: V, grad: V) => number;

export interface LbfgsProgress {
  readonly iteration: number;
  readonly f: number;
  readonly gradNorm: number;
  readonly evaluations: number;
  readonly step: number;
}

export interface LbfgsOptions {
  /** How many correction pairs to keep (m). Default 10. */
  historySize?: number;
  /** Stop when the gradient's infinity norm is at most this. Default 1e-5. */
  gradTol?: number;
  /** Default 1000. */
  maxIterations?: number;
  /** Objective evaluations, line searches included. Default 20 × maxIterations + 20. */
  maxEvaluations?: number;
  /** Sufficient-decrease constant of the Wolfe conditions. Default 1e-4. */
  c1?: number;
  /** Curvature constant of the strong Wolfe conditions. Default 0.9. */
  c2?: number;
  /** Evaluations allowed within one line search. Default 30. */
  maxLineSearchEvaluations?: number;
  /** Called after every accepted step; return true to stop. */
  onIteration?: (progress: LbfgsProgress) => boolean | void;
}

export type LbfgsStatus =
  | 'converged'
  | 'max-iterations'
  | 'max-evaluations'
  | 'line-search-failed'
  | 'non-finite'
  | 'stopped';

export interface LbfgsResult<V> {
  /** The best point found (the last accepted iterate). */
  x: V;
  f: number;
  /** Infinity norm of the gradient at x. */
  gradNorm: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  status: LbfgsStatus;
  /** A sentence for people: why it stopped. */
  reason: string;
}

interface LineSearchOutcome<V> {
  ok: boolean;
  /** Why it failed, when it did. */
  why: string;
  alpha: number;
  f: number;
  x: V;
  grad: V;
}

/** Minimises `objective` from `x0` (left untouched) over Float64Array vectors. */
export function minimizeLbfgs(
  objective: Objective<Float64Array>,
  x0: Float64Array,
  options: LbfgsOptions = {},
): LbfgsResult<Float64Array> {
  return minimizeLbfgsWith(float64VectorOps, objective, x0, options);
}

/** Minimises `objective` from `x0` (left untouched), with the vector type given by `ops`. */
export function minimizeLbfgsWith<V>(
  ops: VectorOps<V>,
  objective: Objective<V>,
  x0: V,
  options: LbfgsOptions = {},
): LbfgsResult<V> {
  const run = lbfgsIterations(ops, objective, x0, options);
  let next = run.next();
  while (!next.done) next = run.next();
  return next.value;
}

/**
 * The same minimisation as a generator that yields after every accepted step, so a caller on a
 * UI thread can pause between steps (and stop by not resuming, or with `return()`). Its return
 * value is the result; the arithmetic is exactly that of `minimizeLbfgsWith`.
 */
export function* lbfgsIterations<V>(
  ops: VectorOps<V>,
  objective: Objective<V>,
  x0: V,
  options: LbfgsOptions = {},
): Generator<LbfgsProgress, LbfgsResult<V>, void> {
  const core = lbfgsCore(ops, objective, x0, options);
  let next = core.next();
  while (!next.done) {
    const event = next.value;
    if ('read' in event) throw new TypeError('an operation returned a promise: use lbfgsIterationsAsync for asynchronous vector operations');
    yield event.progress;
    next = core.next();
  }
  return next.value;
}

/**
 * The vector operations with asynchronous reads: for tensors on a GPU, whose numbers can only be
 * read back asynchronously in a browser (WebGPU has no synchronous read that works everywhere).
 */
export interface AsyncVectorOps<V> extends Omit<VectorOps<V>, 'dot' | 'normInf' | 'axpyDot'> {
  dot(a: V, b: V): Promise<number>;
  normInf(x: V): Promise<number>;
  axpyDot?(alpha: number, x: V, y: V, z: V): Promise<number>;
}

/** Writes the gradient at x into `grad` and resolves to the objective's value at x. */
export type AsyncObjective<V> = (x: V, grad: V) => Promise<number>;

/**
 * The same minimisation, the same arithmetic, with operations that may answer asynchronously:
 * an async generator that yields after every accepted step. Stop it through `onIteration` (so
 * that it frees its vectors), not by abandoning it.
 */
export async function* lbfgsIterationsAsync<V>(
  ops: AsyncVectorOps<V> | VectorOps<V>,
  objective: AsyncObjective<V> | Objective<V>,
  x0: V,
  options: LbfgsOptions = {},
): AsyncGenerator<LbfgsProgress, LbfgsResult<V>, void> {
  const core = lbfgsCore(ops, objective, x0, options);
  let next = core.next();
  while (!next.done) {
    const event = next.value;
    if ('read' in event) next = core.next(await event.read);
    else {
      yield event.progress;
      next = core.next();
    }
  }
  return next.value;
}

type MaybePromise<T> = T | Promise<T>;

/** What the core yields: a number to wait for (asynchronous operations only), or progress. */
type CoreEvent = { read: Promise<number> } | { progress: LbfgsProgress };

/** A number now, or the core's request to be resumed with it once it is there. */
function* read(value: MaybePromise<number>): Generator<CoreEvent, number, number> {
  return typeof value === 'number' ? value : yield { read: value };
}

/**
 * The algorithm, once, for both kinds of operations: every number read from a vector goes
 * through `read`, which costs nothing when the operation answered synchronously.
 */
function* lbfgsCore<V>(
  ops: AsyncVectorOps<V> | VectorOps<V>,
  objective: AsyncObjective<V> | Objective<V>,
  x0: V,
  options: LbfgsOptions,
): Generator<CoreEvent, LbfgsResult<V>, number> {
  const historySize = Math.max(1, Math.floor(options.historySize ?? 10));
  const gradTol = options.gradTol ?? 1e-5;
  const maxIterations = options.maxIterations ?? 1000;
  const maxEvaluations = options.maxEvaluations ?? 20 * maxIterations + 20;
  const c1 = options.c1 ?? 1e-4;
  const c2 = options.c2 ?? 0.9;
  const maxLineSearchEvaluations = options.maxLineSearchEvaluations ?? 30;

  // Every vector the run allocates, so vector types that need it (tensors) can be freed.
  const allocated: V[] = [];
  const alloc = (like: V): V => {
    const v = ops.zerosLike(like);
    allocated.push(v);
    return v;
  };
  let x = alloc(x0);
  ops.copy(x0, x);
  let grad = alloc(x0);
  const direction = alloc(x0);
  // Two spare buffers for the line search: the latest trial and the best bracket end.
  let trialX = alloc(x0);
  let trialGrad = alloc(x0);
  let loX = alloc(x0);
  let loGrad = alloc(x0);
  let spareS = alloc(x0);
  let spareY = alloc(x0);

  let evaluations = 1;
  let f = yield* read(objective(x, grad));
  let gradNorm = yield* read(ops.normInf(grad));
  let iterations = 0;

  const finish = (status: LbfgsStatus, reason: string): LbfgsResult<V> => {
    if (ops.dispose) for (const v of allocated) if (v !== x) ops.dispose(v);
    return { x, f, gradNorm, iterations, evaluations, converged: status === 'converged', status, reason };
  };

  if (!Number.isFinite(f) || !Number.isFinite(gradNorm)) {
    return finish('non-finite', 'non-finite value at the starting point');
  }

  // Correction pairs s = x_{k+1} - x_k, y = g_{k+1} - g_k, in a ring buffer.
  const sHistory: V[] = [];
  const yHistory: V[] = [];
  const rhoHistory = new Float64Array(historySize);
  const alphaScratch = new Float64Array(historySize);
  let historyStart = 0;
  let historyCount = 0;

  // y += alpha x, then dot(z, y): fused when the vector type offers it.
  function* axpyDot(alpha: number, x: V, y: V, z: V): Generator<CoreEvent, number, number> {
    if (ops.axpyDot) return yield* read(ops.axpyDot(alpha, x, y, z));
    ops.axpy(alpha, x, y);
    return yield* read(ops.dot(z, y));
  }

  function* computeDirection(): Generator<CoreEvent, void, number> {
    // Two-loop recursion: direction = -H g. Each pair's axpy is fused with the next pair's dot.
    ops.copy(grad, direction);
    ops.scale(-1, direction);
    if (historyCount === 0) return;
    const slotOf = (index: number) => (historyStart + index) % historySize;
    let product = yield* read(ops.dot(sHistory[slotOf(historyCount - 1)], direction));
    for (let back = historyCount - 1; back >= 0; back--) {
      const slot = slotOf(back);
      const a = rhoHistory[slot] * product;
      alphaScratch[slot] = a;
      if (back > 0) product = yield* axpyDot(-a, yHistory[slot], direction, sHistory[slotOf(back - 1)]);
      else ops.axpy(-a, yHistory[slot], direction);
    }
    // Scale the initial Hessian by the latest curvature, so a unit step is usually accepted.
    const last = slotOf(historyCount - 1);
    const yy = yield* read(ops.dot(yHistory[last], yHistory[last]));
    ops.scale(1 / (rhoHistory[last] * yy), direction);
    product = yield* read(ops.dot(yHistory[slotOf(0)], direction));
    for (let forward = 0; forward < historyCount; forward++) {
      const slot = slotOf(forward);
      const b = rhoHistory[slot] * product;
      if (forward + 1 < historyCount) product = yield* axpyDot(alphaScratch[slot] - b, sHistory[slot], direction, yHistory[slotOf(forward + 1)]);
      else ops.axpy(alphaScratch[slot] - b, sHistory[slot], direction);
    }
  }

  function* lineSearch(f0: number, dphi0: number, initialStep: number): Generator<CoreEvent, LineSearchOutcome<V>, number> {
    let used = 0;
    let sawNonFinite = false;
    let phi = Infinity;
    let dphi = NaN;
    function* evaluate(alpha: number): Generator<CoreEvent, void, number> {
      ops.copy(x, trialX);
      ops.axpy(alpha, direction, trialX);
      phi = yield* read(objective(trialX, trialGrad));
      dphi = yield* read(ops.dot(trialGrad, direction));
      evaluations++;
      used++;
      // A non-finite value is treated as "too far": it caps the bracket from above.
      if (!Number.isFinite(phi) || !Number.isFinite(dphi)) {
        sawNonFinite = true;
        phi = Infinity;
        dphi = NaN;
      }
    }
    const budgetLeft = (): boolean => used < maxLineSearchEvaluations && evaluations < maxEvaluations;
    const success = (alpha: number): LineSearchOutcome<V> => ({ ok: true, why: '', alpha, f: phi, x: trialX, grad: trialGrad });
    const failure = (why: string): LineSearchOutcome<V> => ({ ok: false, why, alpha: 0, f: f0, x, grad });

    let loAlpha = 0;
    let loPhi = f0;
    let loDphi = dphi0;
    let hiAlpha = NaN;
    let hiPhi = NaN;
    let hiDphi = NaN;

    // Keeps the latest trial as the new low end of the bracket, swapping buffers instead of copying.
    const takeTrialAsLo = (alpha: number): void => {
      loAlpha = alpha;
      loPhi = phi;
      loDphi = dphi;
      [loX, trialX] = [trialX, loX];
      [loGrad, trialGrad] = [trialGrad, loGrad];
    };

    // Phase 1: grow the step until a minimiser is bracketed.
    let alpha = initialStep;
    let bracketed = false;
    while (!bracketed) {
      if (!budgetLeft()) break;
      yield* evaluate(alpha);
      if (phi > f0 + c1 * alpha * dphi0 || (loAlpha > 0 && phi >= loPhi)) {
        hiAlpha = alpha;
        hiPhi = phi;
        hiDphi = dphi;
        bracketed = true;
      } else if (Math.abs(dphi) <= -c2 * dphi0) {
        return success(alpha);
      } else if (dphi >= 0) {
        // Past the minimiser: the old low end becomes the high end.
        hiAlpha = loAlpha;
        hiPhi = loPhi;
        hiDphi = loDphi;
        takeTrialAsLo(alpha);
        bracketed = true;
      } else {
        takeTrialAsLo(alpha);
        alpha *= 4;
      }
    }

    // Phase 2: zoom into [lo, hi] until the strong Wolfe conditions hold.
    if (bracketed) {
      while (budgetLeft()) {
        const width = Math.abs(hiAlpha - loAlpha);
        if (width <= 1e-15 * Math.max(loAlpha, hiAlpha)) break;
        alpha = interpolateStep(loAlpha, loPhi, loDphi, hiAlpha, hiPhi, hiDphi);
        yield* evaluate(alpha);
        if (phi > f0 + c1 * alpha * dphi0 || phi >= loPhi) {
          hiAlpha = alpha;
          hiPhi = phi;
          hiDphi = dphi;
        } else {
          if (Math.abs(dphi) <= -c2 * dphi0) return success(alpha);
          if (dphi * (hiAlpha - loAlpha) >= 0) {
            hiAlpha = loAlpha;
            hiPhi = loPhi;
            hiDphi = loDphi;
          }
          takeTrialAsLo(alpha);
        }
      }
    }

    // No strong-Wolfe point, but a sufficient decrease is still progress: accept it (the
    // history update below skips it if its curvature is not positive).
    if (loAlpha > 0 && loPhi < f0) {
      return { ok: true, why: '', alpha: loAlpha, f: loPhi, x: loX, grad: loGrad };
    }
    if (evaluations >= maxEvaluations) return failure('evaluation cap reached during the line search');
    if (sawNonFinite && !bracketed) return failure('non-finite values along the search direction');
    if (sawNonFinite) return failure('no decrease found; the objective is non-finite nearby');
    return failure('no decrease found along the search direction (non-smooth objective or rounding noise?)');
  }

  let retriedWithSteepestDescent = false;
  while (true) {
    if (gradNorm <= gradTol) return finish('converged', 'gradient tolerance reached');
    if (iterations >= maxIterations) return finish('max-iterations', 'max iterations');
    if (evaluations >= maxEvaluations) return finish('max-evaluations', 'max function evaluations');

    yield* computeDirection();
    let dphi0 = yield* read(ops.dot(grad, direction));
    if (!(dphi0 < 0)) {
      // The quasi-Newton direction is not a descent direction: forget the history.
      historyCount = 0;
      yield* computeDirection();
      dphi0 = yield* read(ops.dot(grad, direction));
      if (!(dphi0 < 0)) return finish('non-finite', 'non-finite or zero gradient');
    }
    // Without history the direction is -g, whose scale says nothing about the step length.
    const initialStep = historyCount === 0 ? Math.min(1, 1 / Math.sqrt(-dphi0)) : 1;
    const outcome = yield* lineSearch(f, dphi0, initialStep);
    if (!outcome.ok) {
      if (historyCount > 0 && !retriedWithSteepestDescent) {
        // Stale curvature can ruin a direction; steepest descent gets one more chance.
        historyCount = 0;
        retriedWithSteepestDescent = true;
        continue;
      }
      return finish('line-search-failed', `line search failed: ${outcome.why}`);
    }
    retriedWithSteepestDescent = false;

    // s = alpha d and y = g_new - g_old go into spare buffers first, so a rejected pair
    // never overwrites a stored one.
    ops.copy(direction, spareS);
    ops.scale(outcome.alpha, spareS);
    ops.copy(outcome.grad, spareY);
    ops.axpy(-1, grad, spareY);
    const sy = yield* read(ops.dot(spareS, spareY));
    const yy = yield* read(ops.dot(spareY, spareY));
    // Keep the pair only if it carries positive curvature; otherwise H would lose definiteness.
    if (sy > 1e-12 * yy && yy > 0) {
      const slot = historyCount < historySize ? (historyStart + historyCount) % historySize : historyStart;
      const oldS = sHistory[slot] ?? alloc(x0);
      const oldY = yHistory[slot] ?? alloc(x0);
      sHistory[slot] = spareS;
      yHistory[slot] = spareY;
      spareS = oldS;
      spareY = oldY;
      rhoHistory[slot] = 1 / sy;
      if (historyCount < historySize) historyCount++;
      else historyStart = (historyStart + 1) % historySize;
    }

    // Accept the step by swapping buffers with the line search's.
    if (outcome.x === trialX) {
      [x, trialX] = [trialX, x];
      [grad, trialGrad] = [trialGrad, grad];
    } else {
      [x, loX] = [loX, x];
      [grad, loGrad] = [loGrad, grad];
    }
    f = outcome.f;
    gradNorm = yield* read(ops.normInf(grad));
    iterations++;
    if (!Number.isFinite(gradNorm)) return finish('non-finite', 'non-finite value in the gradient');
    const progress: LbfgsProgress = { iteration: iterations, f, gradNorm, evaluations, step: outcome.alpha };
    if (options.onIteration?.(progress)) return finish('stopped', 'stopped by callback');
    yield { progress };
  }
}

/**
 * A step inside the bracket: the minimiser of the cubic through both ends' values and slopes,
 * kept away from the ends; bisection when the cubic is unusable (an infinite end, say).
 */
function interpolateStep(
  loAlpha: number,
  loPhi: number,
  loDphi: number,
  hiAlpha: number,
  hiPhi: number,
  hiDphi: number,
): number {
  const left = Math.min(loAlpha, hiAlpha);
  const right = Math.max(loAlpha, hiAlpha);
  const margin = 0.1 * (right - left);
  const bisection = 0.5 * (loAlpha + hiAlpha);
  if (!Number.isFinite(hiPhi) || !Number.isFinite(hiDphi)) return bisection;
  const d1 = loDphi + hiDphi - (3 * (loPhi - hiPhi)) / (loAlpha - hiAlpha);
  const radicand = d1 * d1 - loDphi * hiDphi;
  if (!(radicand >= 0)) return bisection;
  const d2 = Math.sign(hiAlpha - loAlpha) * Math.sqrt(radicand);
  const step = hiAlpha - ((hiAlpha - loAlpha) * (hiDphi + d2 - d1)) / (hiDphi - loDphi + 2 * d2);
  if (!Number.isFinite(step) || step < left + margin || step > right - margin) return bisection;
  return step;
}

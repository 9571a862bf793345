// The magnitude function t ↦ Mag(tX) over a grid of scales, with the scales that summarise it.
//
// Scales reported:
//   - t_conv: where Mag first reaches 0.95·n (log-linear interpolation between grid points);
//     the grid is extended upwards by doubling until it is reached.
//   - the scattered scale log(n − 1)/min d: beyond it every off-diagonal row sum of Z is < 1,
//     Z is diagonally dominant and all weights are positive.
//   - a suggested scale for boundary detection: where Mag(t) = √n. Rationale: Mag(t) counts the
//     "effectively distinct points" at scale t. At Mag = √n the space looks like √n regions of
//     √n points each, which balances resolution (more regions show the boundary more sharply)
//     against sampling noise (more points per region average out random gaps and near-duplicate
//     pairs, whose ± weight dipoles otherwise top the ranking at small t) — the same square-root
//     compromise as the histogram-bin rule. Measured on uniformly sampled unit disks (3 seeds),
//     share of the top-decile weights in the outer ring r > 0.8 (36 % of the area):
//       n = 500:  98–100 % at this scale;
//       n = 1000: 83–88 % here, 39–56 % at t_conv/4, 37–49 % at t_conv.
//     Larger t loses the boundary (weights tend to 1 everywhere); much smaller t lets the dipoles
//     of close pairs top the ranking (n = 2000 at t ≈ 1: only ~68 %).
//
// Warm starts: the grid is swept upwards. Dense scales (solver cholesky, or auto picking it)
// share factorizations: Z is factored at anchor scales only and the scales between are solved by
// CG preconditioned with the latest anchor's Cholesky factor (anchoredSweep.ts), each point
// saying which served it. Iterative solvers start from the previous weights extrapolated
// linearly in log t (then rescaled by CG to the best multiple), and CG reuses its preconditioner
// across nearby scales. Warm starts alone save little for the matrix-free CG: on a log grid (×1.4
// per step) the weights change by O(1) and CG still has to gain ~7 digits from them (n = 2000
// uniform points in the square: 650 iterations warm against 719 cold). What the sweep needs is
// Mag, not w, so its CG solves stop at SWEEP_TOLERANCE and report the Galerkin estimate
// 2·Σw − wᵀZw, exact to second order in the residual (386 iterations for Mag within 6e-9).
// Figures in BENCHMARKS.md.

import { AnchoredDenseSolver } from './anchoredSweep';
import { chooseSolver, weightingVector, type WeightingOptions } from './auto';
import type { PreconditionerCache } from './cg';
import { distanceOracle, spaceSize, type MetricSpace } from './metrics';
import { neighbourIndex } from './neighbours';
import { now, type WeightingResult } from './types';

export interface MagnitudeFunctionOptions extends Omit<WeightingOptions, 'initial'> {
  /** Explicit scales (sorted ascending before use); overrides the default grid. */
  ts?: number[];
  /** Grid size of the default log-spaced grid. Default 30. */
  count?: number;
  tMin?: number;
  tMax?: number;
  /** Doublings allowed past the grid's end to reach t_conv. Default 8. */
  maxExtensions?: number;
  /** Warm-start iterative solvers from the previous scales and reuse CG preconditioners. Default true. */
  warmStart?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface MagnitudePoint {
  t: number;
  magnitude: number;
  residual: number;
  solver: string;
  iterations?: number;
  converged: boolean;
  seconds: number;
  /**
   * Dense sweeps only: 'factor' when Z(t) was factored (an anchor), 'pcg' when CG preconditioned
   * with the Cholesky factor at `anchor` served this scale.
   */
  method?: 'factor' | 'pcg';
  anchor?: number;
}

export interface MagnitudeFunctionResult {
  n: number;
  points: MagnitudePoint[];
  /** t where Mag = 0.95·n, or null if not reached. */
  tConv: number | null;
  /** log(n − 1) / min d over distinct pairs (Infinity when n < 2). */
  scatteredScale: number;
  minDistance: number;
  /** Largest distance seen from two sweeps (between ½ and 1 times the diameter). */
  diameterEstimate: number;
  suggestedScale: { t: number; reason: string };
  /** Sum over scales of the iterations of the iterative solvers (the sweep's work in Z products). */
  totalIterations: number;
  /** Dense factorizations the sweep made (every scale solved by dense Cholesky counts one, unless a preconditioned CG served it). */
  factorizations: number;
  seconds: number;
  notes: string[];
}

/** Interpolates the t where `value` crosses `target` between two grid points, in log t. */
function crossing(t0: number, v0: number, t1: number, v1: number, target: number, logValues: boolean): number {
  const a = logValues ? Math.log(v0) : v0;
  const b = logValues ? Math.log(v1) : v1;
  const y = logValues ? Math.log(target) : target;
  const fraction = b === a ? 0 : (y - a) / (b - a);
  return Math.exp(Math.log(t0) + fraction * (Math.log(t1) - Math.log(t0)));
}

/** Minimum distinct-pair distance, diameter estimate, and duplicate count. */
export function spaceScales(space: MetricSpace): { minDistance: number; diameterEstimate: number; duplicates: number } {
  const n = spaceSize(space);
  if (n < 2) return { minDistance: Infinity, diameterEstimate: 0, duplicates: 0 };
  const index = neighbourIndex(space);
  let minDistance = Infinity;
  let duplicates = 0;
  for (let i = 0; i < n; i++) {
    const d = index.nearestDistance(i);
    if (d === 0) duplicates++;
    else if (d < minDistance) minDistance = d;
  }
  if (duplicates > 0 && minDistance === Infinity) minDistance = 0;
  // Two farthest-point sweeps: the second distance is at least half the diameter.
  const oracle = distanceOracle(space);
  const row = new Float64Array(n);
  let far = 0;
  let diameterEstimate = 0;
  for (let sweep = 0; sweep < 2; sweep++) {
    oracle.row(far, 0, n, row, 0);
    let best = far;
    for (let j = 0; j < n; j++) if (row[j] > row[best]) best = j;
    diameterEstimate = Math.max(diameterEstimate, row[best]);
    far = best;
  }
  return { minDistance, diameterEstimate, duplicates };
}

/** What the sweep asks its solver for: the weights at t, warm-started from `initial` when given. */
export interface SweepRequest {
  t: number;
  initial: Float64Array | undefined;
  /** Shared across the sweep's CG solves (see CgOptions.preconditionerCache); undefined when not warm. */
  preconditionerCache: PreconditionerCache | undefined;
  /** The tolerance for CG solves that report the Galerkin Mag estimate (options.tol, else SWEEP_TOLERANCE). */
  tol: number;
}

/** A solve as the sweep needs it (a WeightingResult satisfies this). */
export type SweepSolve = Pick<WeightingResult, 'weights' | 'magnitude' | 'magnitudeEstimate' | 'residual' | 'solver' | 'iterations' | 'converged' | 'seconds' | 'notes'> & Pick<MagnitudePoint, 'method' | 'anchor'>;

/**
 * The sweep as a generator: it yields the scale to solve next and receives the solve's result,
 * so the same schedule, warm starts and summary serve a synchronous caller (`magnitudeFunction`,
 * the Float64 solvers) and an asynchronous one (`magnitudeFunctionAsync`, e.g. the tfjs CG on
 * a GPU in the webview).
 */
export function* magnitudeSweep(space: MetricSpace, options: Omit<MagnitudeFunctionOptions, 'onProgress'> = {}): Generator<SweepRequest, MagnitudeFunctionResult, SweepSolve> {
  const start = now();
  const n = spaceSize(space);
  const notes: string[] = [];
  const { minDistance, diameterEstimate, duplicates } = spaceScales(space);
  if (duplicates > 0) notes.push(`${duplicates} points coincide with another point; Z is singular, and min d and the scattered scale ignore the duplicates.`);
  const scatteredScale = n >= 2 && minDistance > 0 ? Math.log(n - 1) / minDistance : Infinity;

  let ts: number[];
  if (options.ts && options.ts.length > 0) {
    ts = [...options.ts].filter((t) => t > 0 && Number.isFinite(t)).sort((a, b) => a - b);
  } else {
    // From Mag ≈ 1 (t·diameter ≈ 1) up to the scattered scale (Mag close to n).
    const count = Math.max(2, options.count ?? 30);
    const tMin = options.tMin ?? (diameterEstimate > 0 ? 1 / diameterEstimate : 1);
    const tMaxDefault = Number.isFinite(scatteredScale) ? scatteredScale : 100 * tMin;
    const tMax = Math.max(options.tMax ?? tMaxDefault, tMin * 1.0001);
    ts = Array.from({ length: count }, (_, i) => tMin * (tMax / tMin) ** (i / (count - 1)));
  }

  const points: MagnitudePoint[] = [];
  // The last two solutions, for a warm start extrapolated linearly in log t.
  const history: Array<{ t: number; weights: Float64Array }> = [];
  let totalIterations = 0;
  let factorizations = 0;
  const warm = options.warmStart !== false;
  const initialAt = (t: number): Float64Array | undefined => {
    if (!warm || history.length === 0) return undefined;
    const last = history[history.length - 1];
    if (history.length === 1) return last.weights;
    const before = history[history.length - 2];
    const step = Math.log(t / last.t) / Math.log(last.t / before.t);
    const guess = new Float64Array(n);
    for (let i = 0; i < n; i++) guess[i] = last.weights[i] + step * (last.weights[i] - before.weights[i]);
    return guess;
  };
  const preconditionerCache: PreconditionerCache | undefined = warm ? {} : undefined;
  const sweepTol = options.tol ?? SWEEP_TOLERANCE;
  const record = (t: number, result: SweepSolve): void => {
    history.push({ t, weights: result.weights });
    if (history.length > 2) history.shift();
    totalIterations += result.iterations ?? 0;
    if (result.solver === 'cholesky' && result.method !== 'pcg') factorizations++;
    points.push({
      t,
      magnitude: result.magnitudeEstimate ?? result.magnitude,
      residual: result.residual,
      solver: result.solver,
      iterations: result.iterations,
      converged: result.converged,
      seconds: result.seconds,
      ...(result.method ? { method: result.method, anchor: result.anchor } : {}),
    });
    for (const note of result.notes) if (/jitter|did not converge|broke down|ill-conditioned/.test(note)) notes.push(`t = ${t.toPrecision(4)}: ${note}`);
  };
  for (const t of ts) record(t, yield { t, initial: initialAt(t), preconditionerCache, tol: sweepTol });

  const target = 0.95 * n;
  const findConv = (): number | null => {
    for (let i = 0; i < points.length; i++) {
      if (points[i].magnitude >= target) {
        return i === 0 ? points[0].t : crossing(points[i - 1].t, points[i - 1].magnitude, points[i].t, points[i].magnitude, target, false);
      }
    }
    return null;
  };
  let tConv = n > 0 ? findConv() : null;
  for (let extension = 0; tConv === null && n > 0 && extension < (options.maxExtensions ?? 8) && points.length > 0; extension++) {
    const t = points[points.length - 1].t * 2;
    record(t, yield { t, initial: initialAt(t), preconditionerCache, tol: sweepTol });
    tConv = findConv();
  }
  if (tConv === null && n > 0) notes.push(`Mag did not reach 0.95·n = ${target.toFixed(1)} by t = ${points[points.length - 1]?.t.toPrecision(4)}.`);
  if (tConv !== null && points.length > 0 && points[0].magnitude >= target) notes.push('Mag ≥ 0.95·n already at the smallest t; t_conv is at most that t.');

  const suggestedScale = suggestBoundaryScale(points, n);
  return {
    n,
    points,
    tConv,
    scatteredScale,
    minDistance,
    diameterEstimate,
    suggestedScale,
    totalIterations,
    factorizations,
    seconds: now() - start,
    notes,
  };
}

/**
 * ‖Zw − 1‖/√n at which the sweep's CG solves (matrix-free, or preconditioned by an anchor's
 * factor) stop, unless `tol` is given. They report Mag as the Galerkin estimate 2·Σw − wᵀZw,
 * whose error ‖w − w*‖²_Z is second order in the residual: n = 2000 uniform points in the square,
 * 30 scales, the largest relative Mag error against exact Cholesky was 6e-9 at this tolerance
 * (4.9e-11 at 1e-7, 5.8e-13 at 1e-8), for 386 matrix-free CG iterations against 650 at 1e-8.
 * A single weighting-vector solve keeps its own default (1e-8): there w itself is the result.
 */
export const SWEEP_TOLERANCE = 1e-6;

/** Scales the grid holds before any extension (for progress reports). */
function gridSize(options: MagnitudeFunctionOptions): number {
  return options.ts && options.ts.length > 0 ? options.ts.filter((t) => t > 0 && Number.isFinite(t)).length : Math.max(2, options.count ?? 30);
}

export function magnitudeFunction(space: MetricSpace, options: MagnitudeFunctionOptions = {}): MagnitudeFunctionResult {
  const sweep = magnitudeSweep(space, options);
  const total = gridSize(options);
  // Dense scales share anchor factorizations (see anchoredSweep.ts) when the sweep is warm.
  const requested = options.solver ?? 'auto';
  // CG-based solves report the Galerkin Mag estimate, so they stop at the sweep's looser tolerance.
  const anchored = options.warmStart !== false && (requested === 'cholesky' || requested === 'auto')
    ? new AnchoredDenseSolver(space, { tol: options.tol ?? SWEEP_TOLERANCE, cholesky: options.cholesky })
    : null;
  // One decision per scale (auto's costs a sample of distance rows above 3,000 points), passed on.
  const solverAt = (t: number) => (requested === 'auto' ? chooseSolver(space, t, options).solver : requested);
  let done = 0;
  let step = sweep.next();
  while (!step.done) {
    const { t, initial, preconditionerCache, tol } = step.value;
    const cg = preconditionerCache ? { ...options.cg, preconditionerCache } : options.cg;
    const solver = solverAt(t);
    const result = anchored && solver === 'cholesky' ? anchored.solve(t, initial) : weightingVector(space, t, { ...options, solver, tol: solver === 'cg' ? tol : options.tol, cg, initial });
    done++;
    if (done <= total) options.onProgress?.(done, total);
    step = sweep.next(result);
  }
  return step.value;
}

/**
 * The same sweep with an asynchronous solver (the tfjs CG on a GPU, say). `solve` receives the
 * scale, the warm start and the shared preconditioner cache; `onPoint` sees each scale as it is done, e.g. to draw the curve progressively.
 */
export async function magnitudeFunctionAsync(
  space: MetricSpace,
  solve: (request: SweepRequest) => Promise<SweepSolve>,
  options: Omit<MagnitudeFunctionOptions, 'onProgress'> & { onPoint?: (point: MagnitudePoint, done: number, total: number) => void } = {},
): Promise<MagnitudeFunctionResult> {
  const sweep = magnitudeSweep(space, options);
  const total = gridSize(options);
  let done = 0;
  let step = sweep.next();
  while (!step.done) {
    const { t } = step.value;
    const result = await solve(step.value);
    done++;
    options.onPoint?.({ t, magnitude: result.magnitudeEstimate ?? result.magnitude, residual: result.residual, solver: result.solver, iterations: result.iterations, converged: result.converged, seconds: result.seconds }, done, Math.max(total, done));
    step = sweep.next(result);
  }
  return step.value;
}

/** The t where Mag(t) = √n, interpolated log-log on the sweep (see the rationale at the top). */
export function suggestBoundaryScale(points: MagnitudePoint[], n: number): { t: number; reason: string } {
  const target = Math.sqrt(n);
  const rule = `Mag(t) = √n = ${target.toFixed(1)}: about √n distinguishable regions of √n points each, balancing boundary resolution against sampling noise`;
  if (points.length === 0) return { t: NaN, reason: 'no scales computed' };
  if (n < 4) return { t: points[points.length - 1].t, reason: 'too few points for a boundary; largest scale computed' };
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (a.magnitude < target && b.magnitude >= target && a.magnitude > 0) {
      return { t: crossing(a.t, a.magnitude, b.t, b.magnitude, target, true), reason: rule };
    }
  }
  if (points[0].magnitude >= target) return { t: points[0].t, reason: `${rule}; Mag already exceeds √n at the smallest scale computed, so that scale is suggested` };
  return { t: points[points.length - 1].t, reason: `${rule}; Mag stays below √n on the grid, so the largest scale computed is suggested` };
}

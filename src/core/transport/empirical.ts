// Entropic optimal transport between two empirical measures (point clouds with weights), for
// the squared Euclidean cost C_ij = ‖x_i − y_j‖² (POT's ot.dist; GeomLoss's p = 2 cost is half
// of it):
//
//   OT_ε(a, b) = min_P ⟨P, C⟩ + ε KL(P ‖ a ⊗ b)   over P ≥ 0 with P1 = a, Pᵀ1 = b.
//
// The solver is Sinkhorn in the log domain made cheap by absorption (Schmitzer 2019): the
// potentials f, g are kept in the log domain and the iterations work on the stabilised kernel
// K̃_ij = exp((f_i + g_j − C_ij)/ε) with scalings u, v near 1, so an iteration is two
// matrix–vector products and no exponential. When u or v drift past e^±ABSORB they are folded
// into f, g and K̃ is rebuilt (n·m exponentials). ε-scaling runs the same loop at a decreasing
// sequence of ε down to the one asked for, each stage starting from the last potentials: at small
// ε this needs far fewer iterations than starting cold.
//
// It reports what went wrong instead of hiding it: whether the marginals met the tolerance,
// how many iterations it took, and any rebuilt row that underflowed entirely (then that row is
// updated by an exact log-sum-exp) or a potential that became NaN.
import type { Cloud } from './points';

export interface EmpiricalSinkhornOptions {
  /** The entropic regularisation ε, in the cost's units (squared distances). */
  epsilon: number;
  /** Weights of the source and target points (each summing to 1). Default uniform. */
  a?: Float64Array;
  b?: Float64Array;
  /** Stop when the L1 error of the column marginal is below this. Default 1e-9. */
  tolerance?: number;
  /** Iterations at the final ε. Default 10 000. */
  maxIterations?: number;
  /**
   * ε-scaling: start at this multiple of the largest cost (or at ε if larger) and divide by
   * `epsilonScalingFactor` per stage. Default true (start 1, factor 4).
   */
  epsilonScaling?: boolean;
  epsilonScalingFactor?: number;
  /** Starting potentials (e.g. from a nearby problem). */
  initialF?: Float64Array;
  initialG?: Float64Array;
  /** The n × m squared distances, when the caller has them (else computed from the points). */
  cost?: Float64Array;
}

export type SinkhornStatus = 'converged' | 'not-converged' | 'nan';

export interface EmpiricalSinkhornResult {
  n: number;
  m: number;
  epsilon: number;
  /** Potentials: P_ij = exp((f_i + g_j − C_ij)/ε). */
  f: Float64Array;
  g: Float64Array;
  /** ⟨P, C⟩: the transport cost of the entropic plan (POT's sinkhorn2). */
  cost: number;
  /** ⟨P, C⟩ + ε KL(P ‖ a ⊗ b): the entropic OT value. */
  objective: number;
  /** The L1 error of the column marginal at the end (the row marginal is exact). */
  marginalError: number;
  /** Iterations at the final ε, and over all stages. */
  iterations: number;
  totalIterations: number;
  /** The ε of each stage, last = epsilon. */
  stages: number[];
  /** How often the stabilised kernel was rebuilt. */
  absorptions: number;
  /** Row or column updates that underflowed in the stabilised kernel and were redone exactly. */
  underflowFallbacks: number;
  status: SinkhornStatus;
  converged: boolean;
  /** Plain sentences on anything the caller should know (not converged, underflow, NaN). */
  warnings: string[];
  seconds: number;
}

/** |log u| beyond this folds the scalings into the potentials. */
const ABSORB = 30;

/**
 * The squared Euclidean costs between two clouds: rows computed on demand from the points, or
 * read from a precomputed n × m matrix (given, or built once when it is small and the dimension
 * makes recomputing rows dear).
 */
class PairCost {
  readonly matrix: Float64Array | null;
  constructor(
    private readonly x: Cloud,
    private readonly y: Cloud,
    matrix?: Float64Array,
  ) {
    if (matrix !== undefined) {
      if (matrix.length !== x.n * y.n) throw new RangeError(`the cost matrix holds ${matrix.length} numbers; ${x.n} × ${y.n} needed`);
      this.matrix = matrix;
    } else if (x.dim > 4 && x.n * y.n <= 4_000_000) {
      this.matrix = squaredDistances(x, y);
    } else {
      this.matrix = null;
    }
  }

  row(i: number, out: Float64Array): void {
    const { x, y } = this;
    if (this.matrix) {
      out.set(this.matrix.subarray(i * y.n, (i + 1) * y.n));
      return;
    }
    const d = x.dim;
    const xi = i * d;
    const yd = y.data;
    for (let j = 0; j < y.n; j++) {
      let s = 0;
      const yj = j * d;
      for (let k = 0; k < d; k++) {
        const diff = x.data[xi + k] - yd[yj + k];
        s += diff * diff;
      }
      out[j] = s;
    }
  }

  entry(i: number, j: number): number {
    if (this.matrix) return this.matrix[i * this.y.n + j];
    const d = this.x.dim;
    let s = 0;
    for (let k = 0; k < d; k++) s += (this.x.data[i * d + k] - this.y.data[j * d + k]) ** 2;
    return s;
  }

  /** The largest cost, or an upper bound of it through the bounding boxes. */
  bound(): number {
    if (this.matrix) {
      let max = 0;
      for (let t = 0; t < this.matrix.length; t++) if (this.matrix[t] > max) max = this.matrix[t];
      return max;
    }
    return costBound(this.x, this.y);
  }
}

/** ‖x_i − y_j‖² for every pair, n × m row-major. */
export function squaredDistances(x: Cloud, y: Cloud): Float64Array {
  const d = x.dim;
  const out = new Float64Array(x.n * y.n);
  for (let i = 0; i < x.n; i++) {
    const xi = i * d;
    for (let j = 0; j < y.n; j++) {
      const yj = j * d;
      let s = 0;
      for (let k = 0; k < d; k++) {
        const diff = x.data[xi + k] - y.data[yj + k];
        s += diff * diff;
      }
      out[i * y.n + j] = s;
    }
  }
  return out;
}

/** The largest squared distance between the clouds, bounded above through the bounding boxes. */
function costBound(x: Cloud, y: Cloud): number {
  const d = x.dim;
  let total = 0;
  for (let k = 0; k < d; k++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < x.n; i++) {
      const v = x.data[i * d + k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    for (let j = 0; j < y.n; j++) {
      const v = y.data[j * d + k];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    total += (hi - lo) ** 2;
  }
  return total;
}

function uniform(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n);
}

function checkWeights(w: Float64Array, n: number, name: string): void {
  if (w.length !== n) throw new RangeError(`${name} has ${w.length} weights for ${n} points`);
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (!(w[i] > 0) || !Number.isFinite(w[i])) throw new RangeError(`${name}[${i}] is ${w[i]}; weights must be finite and > 0`);
    total += w[i];
  }
  if (Math.abs(total - 1) > 1e-9) throw new RangeError(`${name} sums to ${total}, not 1`);
}

/**
 * The stabilised Sinkhorn solver for one pair of clouds. Holds the kernel K̃ (n × m Float64),
 * so memory is 8·n·m bytes.
 */
class StabilisedSinkhorn {
  readonly n: number;
  readonly m: number;
  readonly f: Float64Array;
  readonly g: Float64Array;
  private readonly kernel: Float64Array;
  private readonly row: Float64Array;
  private readonly u: Float64Array;
  private readonly v: Float64Array;
  private readonly kv: Float64Array;
  private readonly ktu: Float64Array;
  private readonly logA: Float64Array;
  private readonly logB: Float64Array;
  absorptions = 0;
  underflowFallbacks = 0;
  epsilon = 1;

  constructor(
    private readonly costs: PairCost,
    private readonly a: Float64Array,
    private readonly b: Float64Array,
  ) {
    this.n = a.length;
    this.m = b.length;
    this.f = new Float64Array(this.n);
    this.g = new Float64Array(this.m);
    this.kernel = new Float64Array(this.n * this.m);
    this.row = new Float64Array(this.m);
    this.u = new Float64Array(this.n).fill(1);
    this.v = new Float64Array(this.m).fill(1);
    this.kv = new Float64Array(this.n);
    this.ktu = new Float64Array(this.m);
    this.logA = a.map(Math.log);
    this.logB = b.map(Math.log);
  }

  /** Folds u, v into f, g and rebuilds K̃ at the current ε. */
  absorb(): void {
    const { n, m, f, g, u, v, kernel, row } = this;
    const eps = this.epsilon;
    for (let i = 0; i < n; i++) f[i] += eps * Math.log(u[i]);
    for (let j = 0; j < m; j++) g[j] += eps * Math.log(v[j]);
    u.fill(1);
    v.fill(1);
    const inv = 1 / eps;
    for (let i = 0; i < n; i++) {
      this.costs.row(i, row);
      const fi = f[i];
      const base = i * m;
      for (let j = 0; j < m; j++) kernel[base + j] = Math.exp((fi + g[j] - row[j]) * inv);
    }
    this.absorptions++;
  }

  /** Row i of K̃ from the current f, g (u_i = 1). */
  private rebuildRow(i: number): void {
    const { m, kernel, row, f, g } = this;
    const inv = 1 / this.epsilon;
    this.costs.row(i, row);
    for (let j = 0; j < m; j++) kernel[i * m + j] = Math.exp((f[i] + g[j] - row[j]) * inv);
  }

  /**
   * Rows (or columns) whose stabilised sum underflowed right after a rebuild: their potential is
   * far off, so it is set by an exact log-sum-exp, f_i = ε(log a_i − LSE_j (g_j − C_ij)/ε), and
   * the kernel's row is rebuilt.
   */
  private repairRows(): void {
    const { n, m, kernel, row, f, g } = this;
    const eps = this.epsilon;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += kernel[i * m + j];
      if (s > 0 && Number.isFinite(s)) continue;
      this.costs.row(i, row);
      let max = -Infinity;
      for (let j = 0; j < m; j++) max = Math.max(max, (g[j] - row[j]) / eps);
      let t = 0;
      for (let j = 0; j < m; j++) t += Math.exp((g[j] - row[j]) / eps - max);
      f[i] = eps * (this.logA[i] - max - Math.log(t));
      this.rebuildRow(i);
      this.underflowFallbacks++;
    }
  }

  private repairColumns(): void {
    const { n, m, kernel, f, g } = this;
    const eps = this.epsilon;
    const sums = this.ktu;
    sums.fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) sums[j] += kernel[i * m + j];
    const terms = new Float64Array(n);
    for (let j = 0; j < m; j++) {
      if (sums[j] > 0 && Number.isFinite(sums[j])) continue;
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        terms[i] = (f[i] - this.costs.entry(i, j)) / eps;
        max = Math.max(max, terms[i]);
      }
      let t = 0;
      for (let i = 0; i < n; i++) t += Math.exp(terms[i] - max);
      g[j] = eps * (this.logB[j] - max - Math.log(t));
      for (let i = 0; i < n; i++) kernel[i * m + j] = Math.exp(terms[i] + g[j] / eps);
      this.underflowFallbacks++;
    }
  }

  private columnSums(): boolean {
    const { n, m, kernel, u, ktu } = this;
    ktu.fill(0);
    for (let i = 0; i < n; i++) {
      const ui = u[i];
      const base = i * m;
      for (let j = 0; j < m; j++) ktu[j] += ui * kernel[base + j];
    }
    for (let j = 0; j < m; j++) if (!(ktu[j] > 0) || !Number.isFinite(ktu[j])) return false;
    return true;
  }

  private rowSums(): boolean {
    const { n, m, kernel, v, kv } = this;
    for (let i = 0; i < n; i++) {
      const base = i * m;
      let s = 0;
      for (let j = 0; j < m; j++) s += kernel[base + j] * v[j];
      kv[i] = s;
    }
    for (let i = 0; i < n; i++) if (!(kv[i] > 0) || !Number.isFinite(kv[i])) return false;
    return true;
  }

  /**
   * The L1 error of the current plan's column marginal; unless it is within `tolerance`, one
   * Sinkhorn iteration (v = b / K̃ᵀu, then u = a / K̃v) follows. Two passes over K̃: the
   * column sums serve both the error and the update.
   */
  iterate(tolerance: number): number {
    const { n, m, u, v, kv, ktu, a, b } = this;
    if (!this.columnSums()) {
      this.absorb();
      this.repairColumns();
      this.columnSums();
    }
    let error = 0;
    for (let j = 0; j < m; j++) error += Math.abs(v[j] * ktu[j] - b[j]);
    if (error <= tolerance || Number.isNaN(error)) return error;
    for (let j = 0; j < m; j++) v[j] = b[j] / ktu[j];
    if (!this.rowSums()) {
      this.absorb();
      this.repairRows();
      this.rowSums();
    }
    let drift = 0;
    for (let i = 0; i < n; i++) {
      u[i] = a[i] / kv[i];
      const l = Math.abs(Math.log(u[i]));
      if (l > drift) drift = l;
    }
    for (let j = 0; j < m; j++) {
      const l = Math.abs(Math.log(v[j]));
      if (l > drift) drift = l;
    }
    if (!(drift < ABSORB)) this.absorb();
    return error;
  }

  /** Writes the final potentials (f + ε log u, g + ε log v). */
  finish(): void {
    const eps = this.epsilon;
    for (let i = 0; i < this.n; i++) this.f[i] += eps * Math.log(this.u[i]);
    for (let j = 0; j < this.m; j++) this.g[j] += eps * Math.log(this.v[j]);
    this.u.fill(1);
    this.v.fill(1);
  }
}

/** Entropic OT between clouds x (n points) and y (m points) of the same dimension. */
export function sinkhornPoints(x: Cloud, y: Cloud, options: EmpiricalSinkhornOptions): EmpiricalSinkhornResult {
  const start = performance.now();
  if (x.dim !== y.dim) throw new RangeError(`the clouds have ${x.dim} and ${y.dim} coordinates`);
  const epsilon = options.epsilon;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`epsilon must be a positive number, got ${epsilon}`);
  const a = options.a ?? uniform(x.n);
  const b = options.b ?? uniform(y.n);
  checkWeights(a, x.n, 'a');
  checkWeights(b, y.n, 'b');
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 10_000;

  const costs = new PairCost(x, y, options.cost);
  const solver = new StabilisedSinkhorn(costs, a, b);
  if (options.initialF) solver.f.set(options.initialF);
  if (options.initialG) solver.g.set(options.initialG);
  const stages: number[] = [];
  if (options.epsilonScaling ?? true) {
    const factor = options.epsilonScalingFactor ?? 4;
    let e = costs.bound();
    while (e > epsilon) {
      stages.push(e);
      e /= factor;
    }
  }
  stages.push(epsilon);

  let totalIterations = 0;
  let iterations = 0;
  let error = Infinity;
  let nan = false;
  for (let s = 0; s < stages.length && !nan; s++) {
    const last = s === stages.length - 1;
    solver.epsilon = stages[s];
    solver.absorb();
    // Intermediate stages only need rough potentials.
    const stageTolerance = last ? tolerance : Math.max(tolerance, 1e-3);
    const stageMax = last ? maxIterations : Math.min(maxIterations, 1000);
    iterations = 0;
    error = Infinity;
    for (;;) {
      // At the iteration limit, only measure (an infinite tolerance makes no update).
      error = solver.iterate(iterations < stageMax ? stageTolerance : Infinity);
      if (Number.isNaN(error)) {
        nan = true;
        break;
      }
      if (error <= stageTolerance || iterations >= stageMax) break;
      iterations++;
    }
    totalIterations += iterations;
    solver.finish();
  }

  // The plan's cost and KL term from the final potentials, in the log domain.
  const { n, m, f, g } = solver;
  const row = new Float64Array(m);
  let cost = 0;
  let kl = 0;
  const logA = a.map(Math.log);
  const logB = b.map(Math.log);
  for (let i = 0; i < n; i++) {
    costs.row(i, row);
    for (let j = 0; j < m; j++) {
      const logP = (f[i] + g[j] - row[j]) / epsilon;
      const p = Math.exp(logP);
      if (p === 0) continue;
      cost += p * row[j];
      kl += p * (logP - logA[i] - logB[j]);
    }
  }
  // KL(P‖a⊗b) for plans whose mass is 1 up to the marginal error.
  const objective = cost + epsilon * kl;
  const warnings: string[] = [];
  let status: SinkhornStatus = 'converged';
  if (nan || !Number.isFinite(cost) || f.some(Number.isNaN) || g.some(Number.isNaN)) {
    status = 'nan';
    warnings.push(`Sinkhorn produced NaN at ε = ${solver.epsilon}: the potentials are not usable`);
  } else if (!(error <= tolerance)) {
    status = 'not-converged';
    warnings.push(`Sinkhorn did not converge at ε = ${epsilon}: marginal error ${error.toExponential(2)} > tolerance ${tolerance.toExponential(1)} after ${iterations} iterations; raise --iterations or ε`);
  }
  if (solver.underflowFallbacks > 0) {
    warnings.push(`${solver.underflowFallbacks} row or column update${solver.underflowFallbacks === 1 ? '' : 's'} underflowed in the stabilised kernel and ${solver.underflowFallbacks === 1 ? 'was' : 'were'} redone by an exact log-sum-exp`);
  }
  return {
    n,
    m,
    epsilon,
    f: Float64Array.from(f),
    g: Float64Array.from(g),
    cost,
    objective,
    marginalError: error,
    iterations,
    totalIterations,
    stages,
    absorptions: solver.absorptions,
    underflowFallbacks: solver.underflowFallbacks,
    status,
    converged: status === 'converged',
    warnings,
    seconds: (performance.now() - start) / 1000,
  };
}

/** The plan P_ij = exp((f_i + g_j − C_ij)/ε), n × m row-major (Float64, or Float32 for tfjs). */
export function planOf(
  x: Cloud,
  y: Cloud,
  result: Pick<EmpiricalSinkhornResult, 'f' | 'g' | 'epsilon'>,
  out?: Float64Array | Float32Array,
  cost?: Float64Array,
): Float64Array | Float32Array {
  const n = x.n;
  const m = y.n;
  const plan = out ?? new Float64Array(n * m);
  const row = new Float64Array(m);
  const costs = new PairCost(x, y, cost);
  for (let i = 0; i < n; i++) {
    costs.row(i, row);
    for (let j = 0; j < m; j++) plan[i * m + j] = Math.exp((result.f[i] + result.g[j] - row[j]) / result.epsilon);
  }
  return plan;
}

export interface SinkhornDivergenceResult {
  /** S_ε(x, y) = OT_ε(x, y) − ½ OT_ε(x, x) − ½ OT_ε(y, y) ≥ 0. */
  divergence: number;
  cross: EmpiricalSinkhornResult;
  selfX: EmpiricalSinkhornResult;
  selfY: EmpiricalSinkhornResult;
  converged: boolean;
  warnings: string[];
}

/** The debiased Sinkhorn divergence (Genevay et al. 2018, Feydy et al. 2019). */
export function sinkhornDivergencePoints(x: Cloud, y: Cloud, options: EmpiricalSinkhornOptions): SinkhornDivergenceResult {
  const { a, b, cost: _cost, ...rest } = options;
  const cross = sinkhornPoints(x, y, options);
  const selfX = sinkhornPoints(x, x, { ...rest, a, b: a });
  const selfY = sinkhornPoints(y, y, { ...rest, a: b, b });
  const warnings = [...cross.warnings, ...selfX.warnings.map((w) => `OT(x, x): ${w}`), ...selfY.warnings.map((w) => `OT(y, y): ${w}`)];
  return {
    divergence: cross.objective - 0.5 * selfX.objective - 0.5 * selfY.objective,
    cross,
    selfX,
    selfY,
    converged: cross.converged && selfX.converged && selfY.converged,
    warnings,
  };
}

/**
 * The Monge gap of a map on the source points (Uscidda and Cuturi 2023), for the squared
 * Euclidean cost and uniform weights: M(T) = mean ‖x_i − T(x_i)‖² − (OT_ε(μ, T#μ) − ε log n).
 * The map's own coupling (x_i ↔ T(x_i)) has KL(P ‖ a ⊗ b) = log n, so subtracting ε log n
 * compares like with like: M(T) ≥ 0 for every map, and M → the unregularised gap as ε → 0
 * (0 exactly for the optimal map).
 */
export function mongeGap(x: Cloud, mapped: Cloud, options: Omit<EmpiricalSinkhornOptions, 'a' | 'b'>): { gap: number; displacementCost: number; ot: EmpiricalSinkhornResult } {
  if (x.n !== mapped.n || x.dim !== mapped.dim) throw new RangeError('the mapped cloud must have one point per source point');
  let displacementCost = 0;
  for (let t = 0; t < x.data.length; t++) displacementCost += (x.data[t] - mapped.data[t]) ** 2;
  displacementCost /= x.n;
  const ot = sinkhornPoints(x, mapped, options);
  return { gap: displacementCost - (ot.objective - options.epsilon * Math.log(x.n)), displacementCost, ot };
}

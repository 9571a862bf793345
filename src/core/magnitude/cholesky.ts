// Dense weighting vectors by a blocked Cholesky factorization, Float64 throughout.
//
// Layout: Z lives in one row-major np×np array (np = n rounded up to a multiple of 4; the padding
// is the identity, so it factors to itself and never couples to real rows), and only its lower
// triangle is formed and factored in place. Residuals and refinement use the matrix-free
// product (KernelOperator) instead of a saved copy of Z: at n = 5000 one product costs less than
// transposing a copy into the upper triangle would.
//
// Algorithm: right-looking over panels of NB columns; inside a panel, left-looking over strips
// of STRIP columns. Every O(n³) flop goes through one kernel, C −= A·Bᵀ on packed 4-row panels
// (WebAssembly SIMD where available, plain JS otherwise); only the STRIP-wide strips are
// factored by scalar code, which costs O(n²·STRIP). A near-singular Z gets diagonal jitter and
// refinement; an indefinite Z (a distance matrix not of negative type) falls back to LU.
//
// Threads: in Node the trailing update of each panel is shared with worker threads running the
// same kernel on a shared memory, and the next panel is factored (look-ahead) while the workers
// finish the update (parallel.ts). The factor is bitwise the same on any number of threads. In a
// webview (no workers, no shared memory) it runs on one thread.
//
// Speed (n = 5000, uniform points in the square, t = 10, distances included, 2-core EPYC): one
// thread ~2.9 s against scipy's ~1.0 s on both cores when the machine is quiet; the kernel runs
// at ~17 GFlop/s, most of what two-lane SIMD without FMA allows. Two threads: see BENCHMARKS.md.

import { createWasmWorkspace, type WasmWorkspace } from './wasmKernel';
import { availableThreads, UpdateTeam, WorkerFailure, type UpdateTask } from './parallel';
import { distanceOracle, spaceSize, type DistanceOracle, type MetricSpace } from './metrics';
import { KernelOperator, rmsResidualOf } from './operator';
import { now, sum, type WeightingResult } from './types';

export interface CholeskyOptions {
  /** Panel width of the right-looking outer loop (rounded down to a multiple of 8). Default 256. */
  blockSize?: number;
  /** Use the WebAssembly SIMD kernel when it is available. Default true. */
  useWasm?: boolean;
  /** Iterative-refinement steps against the exact Z. Default 2 (up to 10 after jitter or LU). */
  refinementSteps?: number;
  /**
   * Threads for the factorization (Node worker_threads on a shared memory). Default: the
   * machine's cores (at most 4) from n = 800 up, else 1; 1 wherever workers or shared memory
   * are unavailable (a webview).
   */
  threads?: number;
}

/** Thrown when Z is too large to hold densely; the caller should use CG or the sparse solver. */
export class DenseTooLargeError extends Error {}

const EPS = 2.220446049250313e-16;
/** A failed pivot below −this·mean(diag) is indefiniteness, not rounding. */
const INDEFINITE_PIVOT = 1e-8;
// Narrow strips keep the scalar share small; the in-panel kernel calls stay efficient at 8.
const STRIP = 8;
/** Rows of B per kernel call in the trailing update, so B stays in L2 while A streams past. */
const COLUMN_CHUNK = 128;
/** Largest n for which the dense solver will allocate (n² doubles ≈ 2.6 GB at 18 000). */
export const DENSE_MAX_N = 18000;

/** C −= A·Bᵀ on packed panels, element offsets (see wasmKernel.ts for the layout). */
type Gemm = (
  c: number, ldc: number, a: number, aStride: number, b: number, bStride: number,
  rowBlocks: number, colBlocks: number, depth: number, colLimitOffset: number,
) => void;

function jsGemm(f: Float64Array): Gemm {
  return (c, ldc, a, aStride, b, bStride, rowBlocks, colBlocks, depth, colLimitOffset) => {
    for (let ib = 0; ib < rowBlocks; ib++) {
      const jEnd = Math.min(colBlocks, ib + colLimitOffset);
      for (let jb = 0; jb < jEnd; jb++) {
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        let pa = a + ib * aStride;
        let pb = b + jb * bStride;
        const paEnd = pa + 4 * depth;
        for (; pa < paEnd; pa += 4, pb += 4) {
          const a0 = f[pa], a1 = f[pa + 1], a2 = f[pa + 2], a3 = f[pa + 3];
          const b0 = f[pb], b1 = f[pb + 1], b2 = f[pb + 2], b3 = f[pb + 3];
          c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
          c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
          c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
          c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
        }
        let pc = c + 4 * ib * ldc + 4 * jb;
        f[pc] -= c00; f[pc + 1] -= c01; f[pc + 2] -= c02; f[pc + 3] -= c03; pc += ldc;
        f[pc] -= c10; f[pc + 1] -= c11; f[pc + 2] -= c12; f[pc + 3] -= c13; pc += ldc;
        f[pc] -= c20; f[pc + 1] -= c21; f[pc + 2] -= c22; f[pc + 3] -= c23; pc += ldc;
        f[pc] -= c30; f[pc + 1] -= c31; f[pc + 2] -= c32; f[pc + 3] -= c33;
      }
    }
  };
}

/**
 * Factors columns [j0, j0+width) of rows [j0, np): the diagonal strip by Cholesky–Banachiewicz,
 * the rows below by forward substitution, all earlier columns already applied. Copies the new
 * columns into the packed panel. Returns the row of a failed pivot (its value left on the
 * diagonal), or −1.
 */
function factorStrip(
  f: Float64Array, ld: number, np: number, packOff: number, panelWidth: number,
  k0: number, j0: number, width: number, minPivot: number, invDiag: Float64Array,
): number {
  const jLast = j0 + width;
  for (let i = j0; i < np; i++) {
    const row = i * ld;
    const jEnd = Math.min(i + 1, jLast);
    for (let j = j0; j < jEnd; j++) {
      let s = f[row + j];
      const rowJ = j * ld;
      for (let k = j0; k < j; k++) s -= f[row + k] * f[rowJ + k];
      if (j === i) {
        if (!(s > minPivot)) {
          f[row + j] = s; // the failed pivot, for the caller's diagnosis
          return i;
        }
        const d = Math.sqrt(s);
        f[row + j] = d;
        invDiag[j - j0] = 1 / d;
      } else {
        f[row + j] = s * invDiag[j - j0];
      }
    }
    const packed = packOff + ((i - k0) >> 2) * panelWidth * 4 + (i & 3);
    for (let j = j0; j < jLast; j++) f[packed + 4 * (j - k0)] = j <= i ? f[row + j] : 0;
  }
  return -1;
}

/** Factors panel [k0, k0 + kb) (all earlier panels applied) and packs it at packOff. Returns −1 or a failed row. */
function factorPanel(f: Float64Array, np: number, packOff: number, panelWidth: number, gemm: Gemm, minPivot: number, k0: number, invDiag: Float64Array): number {
  const ld = np;
  const packStride = panelWidth * 4;
  const kb = Math.min(panelWidth, np - k0);
  for (let j0 = k0; j0 < k0 + kb; j0 += STRIP) {
    const width = Math.min(STRIP, k0 + kb - j0);
    if (j0 > k0) {
      const pa = packOff + ((j0 - k0) >> 2) * packStride;
      gemm(j0 * ld + j0, ld, pa, packStride, pa, packStride, (np - j0) >> 2, width >> 2, j0 - k0, 1);
    }
    const failed = factorStrip(f, ld, np, packOff, panelWidth, k0, j0, width, minPivot, invDiag);
    if (failed >= 0) return failed;
  }
  return -1;
}

/**
 * In-place blocked Cholesky of the lower triangle of f[0 .. np²). Returns −1 or a failed row.
 * Panels alternate between the two packed buffers so that the next panel can be factored (the
 * look-ahead) while other threads still read the current one; with a team, the trailing update
 * is shared between threads (parallel.ts), otherwise it runs here in the same order.
 */
function factorBlocked(f: Float64Array, np: number, packOffs: readonly [number, number], panelWidth: number, gemm: Gemm, minPivot: number, team: UpdateTeam | null): number {
  const ld = np;
  const invDiag = new Float64Array(STRIP);
  const packStride = panelWidth * 4;
  let failed = factorPanel(f, np, packOffs[0], panelWidth, gemm, minPivot, 0, invDiag);
  for (let k0 = 0, p = 0; failed < 0 && k0 + panelWidth < np; k0 += panelWidth, p++) {
    const kb = panelWidth;
    const k1 = k0 + kb;
    const pack = packOffs[p & 1];
    const nextPack = packOffs[(p + 1) & 1];
    const task: UpdateTask = {
      count: Math.ceil((np - k1) / COLUMN_CHUNK),
      early: Math.ceil(Math.min(panelWidth, np - k1) / COLUMN_CHUNK),
      first: k1, chunk: COLUMN_CHUNK, ld, pack, packStride, depth: kb, k0,
    };
    const chunk = (i: number): void => {
      const jc = k1 + i * COLUMN_CHUNK;
      const cb = Math.min(COLUMN_CHUNK, np - jc);
      const pa = pack + ((jc - k0) >> 2) * packStride;
      gemm(jc * ld + jc, ld, pa, packStride, pa, packStride, (np - jc) >> 2, cb >> 2, kb, 1);
    };
    const lookahead = (): number => factorPanel(f, np, nextPack, panelWidth, gemm, minPivot, k1, invDiag);
    if (team) {
      failed = team.run(task, chunk, lookahead);
    } else {
      for (let i = 0; i < task.early; i++) chunk(i);
      failed = lookahead();
      for (let i = task.early; i < task.count && failed < 0; i++) chunk(i);
    }
  }
  return failed;
}

/** Solves L Lᵀ x = b in place on x (length n) with the factor in f (row-major, leading dim ld). */
function solveFactored(f: Float64Array, ld: number, n: number, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const row = i * ld;
    let s = x[i];
    for (let k = 0; k < i; k++) s -= f[row + k] * x[k];
    x[i] = s / f[row + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    const row = i * ld;
    const xi = x[i] / f[row + i];
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] -= f[row + k] * xi;
  }
}

/** Writes all of Z (row-major, leading dimension np) into f. */
function fillFullZ(f: Float64Array, n: number, np: number, oracle: DistanceOracle, t: number): void {
  for (let i = 0; i < n; i++) {
    const row = i * np;
    oracle.row(i, 0, n, f, row);
    for (let j = row; j < row + n; j++) f[j] = Math.exp(-t * f[j]);
  }
}

/** In-place LU with partial pivoting (row-major, leading dimension ld); returns the row swaps. */
function luInPlace(f: Float64Array, n: number, ld: number): Int32Array {
  const pivots = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(f[i * ld + k]) > Math.abs(f[p * ld + k])) p = i;
    pivots[k] = p;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const tmp = f[k * ld + j];
        f[k * ld + j] = f[p * ld + j];
        f[p * ld + j] = tmp;
      }
    }
    const pivot = f[k * ld + k];
    if (pivot === 0) continue; // singular: leaves an infinite/NaN solution, which the residual reports
    const rowK = k * ld;
    for (let i = k + 1; i < n; i++) {
      const rowI = i * ld;
      const l = f[rowI + k] / pivot;
      f[rowI + k] = l;
      if (l === 0) continue;
      for (let j = k + 1; j < n; j++) f[rowI + j] -= l * f[rowK + j];
    }
  }
  return pivots;
}

function luSolve(f: Float64Array, n: number, ld: number, pivots: Int32Array, x: Float64Array): void {
  for (let k = 0; k < n; k++) {
    const p = pivots[k];
    if (p !== k) {
      const tmp = x[k];
      x[k] = x[p];
      x[p] = tmp;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = x[i];
    for (let k = 0; k < i; k++) s -= f[i * ld + k] * x[k];
    x[i] = s;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= f[i * ld + k] * x[k];
    x[i] = s / f[i * ld + i];
  }
}

/** Writes Z's lower triangle (and the identity padding) into f, row by row; returns mean(diag Z). */
function fillLowerZ(f: Float64Array, n: number, np: number, oracle: DistanceOracle, t: number, workspace: WasmWorkspace | null): number {
  let diagonalSum = 0;
  for (let i = 0; i < n; i++) {
    const row = i * np;
    oracle.row(i, 0, i, f, row);
    let j = row;
    if (workspace) {
      workspace.expScaled(row, i >> 1, -t);
      j += i & ~1;
    }
    for (; j < row + i; j++) f[j] = Math.exp(-t * f[j]);
    f[row + i] = Math.exp(-t * oracle.distance(i, i));
    diagonalSum += f[row + i];
  }
  for (let i = n; i < np; i++) {
    f.fill(0, i * np, i * np + i);
    f[i * np + i] = 1;
  }
  return diagonalSum / n;
}

/** Threads used by default: all the machine offers, up to this many (more gains little at n ≤ 18 000). */
const MAX_THREADS = 4;
/** Below this n a factorization takes a few ms and starting the workers would cost more. */
const PARALLEL_MIN_N = 800;
/** How long to wait for the workers to attach before factoring on one thread (first start ~50 ms). */
const ATTACH_TIMEOUT_MS = 5000;

/** How `factorKernel` ended: the jitter it needed, or that Z is indefinite (not factored). */
export interface KernelFactorReport {
  jitter: number;
  indefinite: boolean;
  meanDiagonal: number;
}

/**
 * Z's lower triangle factored in place as L·Lᵀ (Float64, blocked, WebAssembly SIMD, threaded
 * where workers are available), then solved against any number of right-hand sides. One
 * instance owns one n² workspace; `factor` may be called again (another t, other jitter).
 */
export class DenseCholesky {
  readonly np: number;
  /** Row-major, leading dimension np; the factor is in the lower triangle after `factor`. */
  readonly f: Float64Array;
  /** Threads the last factorization ran on. */
  threadsUsed = 1;
  private readonly workspace: WasmWorkspace | null;
  private readonly gemm: Gemm;
  private readonly panelWidth: number;
  private readonly packOffs: readonly [number, number];
  /** Two vectors of np doubles for the SIMD solves and products. */
  private readonly vecOff: number;
  private threads: number;

  constructor(readonly n: number, options: CholeskyOptions = {}) {
    if (n > DENSE_MAX_N) {
      throw new DenseTooLargeError(`dense Cholesky at n = ${n} needs ${((8 * n * n) / 2 ** 30).toFixed(1)} GiB; use the cg or sparse solver`);
    }
    this.panelWidth = Math.max(STRIP, (options.blockSize ?? 256) & ~(STRIP - 1));
    const np = (this.np = (n + 3) & ~3);
    this.packOffs = [np * np, np * np + np * this.panelWidth];
    this.vecOff = np * np + 2 * np * this.panelWidth;
    const total = this.vecOff + 2 * np;
    const wantThreads = options.threads ?? (n >= PARALLEL_MIN_N ? Math.min(MAX_THREADS, availableThreads()) : 1);
    const useWasm = options.useWasm !== false;
    let workspace = useWasm && wantThreads > 1 && np > this.panelWidth ? createWasmWorkspace(total, true) : null;
    this.threads = workspace ? wantThreads : 1;
    if (useWasm && !workspace) workspace = createWasmWorkspace(total);
    this.workspace = workspace;
    this.f = workspace ? workspace.f64 : new Float64Array(total);
    this.gemm = workspace ? workspace.gemmNt : jsGemm(this.f);
  }

  /** Whether the SIMD kernel is in use (false: the JavaScript fallback). */
  get simd(): boolean {
    return this.workspace !== null;
  }

  /** Writes Z = exp(−t·d) (lower triangle, identity padding) from the oracle; returns mean(diag Z). */
  fillKernel(oracle: DistanceOracle, t: number): number {
    return fillLowerZ(this.f, this.n, this.np, oracle, t, this.workspace);
  }

  /** Factors the lower triangle in place; returns −1, or the row whose pivot fell to ≤ minPivot (left on the diagonal). */
  factor(minPivot: number): number {
    const team = this.threads > 1 && this.workspace ? UpdateTeam.start(this.workspace, this.threads) : null;
    this.threadsUsed = team ? team.workers + 1 : 1;
    try {
      if (team && !team.ready(ATTACH_TIMEOUT_MS)) {
        this.threadsUsed = 1;
        return factorBlocked(this.f, this.np, this.packOffs, this.panelWidth, this.gemm, minPivot, null);
      }
      return factorBlocked(this.f, this.np, this.packOffs, this.panelWidth, this.gemm, minPivot, team);
    } finally {
      team?.release();
    }
  }

  /** Solves L Lᵀ x = b in place (x of length n). */
  solve(x: Float64Array): void {
    const ws = this.workspace;
    if (!ws) {
      solveFactored(this.f, this.np, this.n, x);
      return;
    }
    const { f, np, n, vecOff: v } = this;
    f.set(x, v);
    for (let i = 0; i < n; i++) f[v + i] = (f[v + i] - ws.dot(i * np, v, i)) / f[i * np + i];
    for (let i = n - 1; i >= 0; i--) {
      const xi = f[v + i] / f[i * np + i];
      f[v + i] = xi;
      ws.axpy(v, i * np, -xi, i);
    }
    x.set(f.subarray(v, v + n));
  }

  /** out = A·v for the symmetric A whose lower triangle is in f (after `fillKernel`, before `factor`). */
  symmetricProduct(x: Float64Array, out: Float64Array): void {
    const { f, np, n } = this;
    const ws = this.workspace;
    if (!ws) {
      out.fill(0);
      for (let i = 0; i < n; i++) {
        const row = i * np;
        const xi = x[i];
        let s = 0;
        for (let j = 0; j < i; j++) {
          s += f[row + j] * x[j];
          out[j] += f[row + j] * xi;
        }
        out[i] += s + f[row + i] * xi;
      }
      return;
    }
    const v = this.vecOff;
    const o = v + np;
    f.set(x, v);
    f.fill(0, o, o + n);
    for (let i = 0; i < n; i++) {
      const row = i * np;
      const xi = f[v + i];
      const s = ws.dot(row, v, i);
      ws.axpy(o, row, xi, i);
      f[o + i] += s + f[row + i] * xi;
    }
    out.set(f.subarray(o, o + n));
  }

  /**
   * Fills and factors Z of the oracle at t, retrying with growing diagonal jitter when a pivot is
   * lost to rounding (near-singular Z). A clearly negative pivot means Z is indefinite (a metric
   * not of negative type): no jitter is meant to fix that, and the report says so.
   */
  factorKernel(oracle: DistanceOracle, t: number, maxAttempts = 7): KernelFactorReport {
    const meanDiagonal = this.fillKernel(oracle, t);
    let jitter = 0;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.fillKernel(oracle, t);
        for (let i = 0; i < this.n; i++) this.f[i * this.np + i] += jitter;
      }
      let failedRow: number;
      try {
        failedRow = this.factor(8 * EPS * meanDiagonal);
      } catch (err) {
        if (!(err instanceof WorkerFailure)) throw err;
        this.threads = 1;
        this.fillKernel(oracle, t);
        for (let i = 0; i < this.n; i++) this.f[i * this.np + i] += jitter;
        failedRow = this.factor(8 * EPS * meanDiagonal);
      }
      if (failedRow < 0) return { jitter, indefinite: false, meanDiagonal };
      if (this.f[failedRow * this.np + failedRow] < -INDEFINITE_PIVOT * meanDiagonal || attempt + 1 >= maxAttempts) {
        return { jitter: 0, indefinite: true, meanDiagonal };
      }
      jitter = jitter === 0 ? 64 * EPS * meanDiagonal : jitter * 100;
    }
  }
}

/** The weighting vector of `space` at scale t by dense Cholesky. */
export function weightingVectorCholesky(space: MetricSpace, t: number, options: CholeskyOptions = {}): WeightingResult {
  const start = now();
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
  const n = spaceSize(space);
  const notes: string[] = [];
  if (n === 0) return { weights: new Float64Array(0), magnitude: 0, residual: 0, solver: 'cholesky', converged: true, seconds: now() - start, notes };
  const dense = new DenseCholesky(n, options);
  const report = dense.factorKernel(distanceOracle(space), t);
  return weightingFromFactor(space, t, dense, report, options, start);
}

/**
 * The weighting vector from a factorization `dense.factorKernel` just made (or, for an
 * indefinite Z, by LU in the same workspace), refined against the exact Z, with its notes.
 */
export function weightingFromFactor(space: MetricSpace, t: number, dense: DenseCholesky, report: KernelFactorReport, options: CholeskyOptions = {}, start = now()): WeightingResult {
  const notes: string[] = [];
  const n = dense.n;
  if (!dense.simd && options.useWasm !== false) notes.push('WebAssembly SIMD unavailable: used the slower JavaScript kernel.');
  const { f, np } = dense;
  const { jitter, indefinite, meanDiagonal } = report;
  let solve: (x: Float64Array) => void;
  if (indefinite) {
    fillFullZ(f, n, np, distanceOracle(space), t);
    const pivots = luInPlace(f, n, np);
    solve = (x) => luSolve(f, n, np, pivots, x);
    notes.push(`Z is not positive definite at t = ${t} (the distances are not of negative type), so Cholesky does not apply: solved by LU with partial pivoting instead (slower, unblocked).`);
  } else {
    solve = (x) => dense.solve(x);
  }
  if (jitter > 0) {
    const relative = Math.abs(meanDiagonal - 1) > 1e-12 ? ` (${(jitter / meanDiagonal).toExponential(1)} of the mean diagonal)` : '';
    notes.push(`Z is numerically singular at t = ${t} (coincident or nearly coincident points give it near-identical rows): added ${jitter.toExponential(1)} to its diagonal${relative} before factoring, then refined against the exact Z.`);
  }
  const { weights, residual } = refinedSolve(space, t, solve, options.useWasm !== false, options.refinementSteps ?? (jitter > 0 || indefinite ? 10 : 2));
  if (!Number.isFinite(residual) || residual > 1e-6) {
    notes.push(`Z is ill-conditioned at t = ${t}: the residual ‖Zw − 1‖/√n is ${residual.toExponential(2)}, so the weights are only approximate.`);
  }
  return { weights, magnitude: sum(weights), residual, solver: 'cholesky', converged: true, seconds: now() - start, notes, threads: dense.threadsUsed };
}

/** w = Z⁻¹1 by `solve`, then iterative refinement against the exact Z: cheap (O(n²)) and it undoes most of any jitter. */
function refinedSolve(space: MetricSpace, t: number, solve: (x: Float64Array) => void, useWasm: boolean, maxSteps: number): { weights: Float64Array; residual: number } {
  const n = spaceSize(space);
  const weights = new Float64Array(n).fill(1);
  solve(weights);
  const exactZ = new KernelOperator(space, t, useWasm);
  const zw = new Float64Array(n);
  exactZ.apply(weights, zw);
  let residual = rmsResidualOf(zw);
  const correction = new Float64Array(n);
  const candidate = new Float64Array(n);
  // Below ~100ε the residual is rounding noise and a refinement step cannot improve it.
  for (let step = 0; step < maxSteps && residual > 100 * EPS; step++) {
    for (let i = 0; i < n; i++) correction[i] = 1 - zw[i];
    solve(correction);
    for (let i = 0; i < n; i++) candidate[i] = weights[i] + correction[i];
    exactZ.apply(candidate, zw);
    const candidateResidual = rmsResidualOf(zw);
    if (!(candidateResidual < residual)) break;
    weights.set(candidate);
    const gain = residual / candidateResidual;
    residual = candidateResidual;
    if (gain < 2) break;
  }
  return { weights, residual };
}

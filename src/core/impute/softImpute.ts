// softImpute (Mazumder, Hastie and Tibshirani, JMLR 2010): nuclear-norm regularised matrix
// completion by iterated soft-thresholded SVD,
//   Z ← S_λ(P_Ω(X) + P_Ω⊥(Z)),   S_λ(Z) = U max(D − λ, 0) Vᵀ,
// on the columns standardised by their observed mean and spread. The SVD is truncated: each
// iteration takes one block power step from the previous right singular vectors (plus a few
// fresh directions while the rank may still grow) and solves the small problem exactly. The
// filled matrix is never formed: it is "sparse plus low-rank" (the paper's section 5),
//   P_Ω(X) + P_Ω⊥(Z) = P_Ω(X − Z) + U D Vᵀ,
// so its products cost O(|Ω|·k) over the observed entries (kept as compressed rows with their
// residual, updated each iteration) plus O((n + m)·r·k) for the low-rank part, instead of n·m·k.
// λ runs down a warm-started path
// from the largest singular value; a validation score, when given, picks the λ.
import type { MaskedMatrix } from '../matrix/masked';
import { symmetricEigen } from '../embed/eigen';
import { normal, seededRng } from '../random';

export interface SoftImputeOptions {
  /** The threshold λ on the standardised matrix's singular values. */
  lambda: number;
  /** Largest rank kept (default min(rows, cols, 64)). */
  maxRank?: number;
  /** Iterations at most (default 100). */
  maxIterations?: number;
  /** Stop when the relative change ‖Zₜ − Zₜ₋₁‖²/‖Zₜ₋₁‖² falls below this (default 1e-5). */
  tolerance?: number;
  seed?: number;
}

/** A low-rank fit U diag(d) Vᵀ of the standardised matrix (n × r, r, m × r; row-major). */
export interface LowRank {
  u: Float64Array;
  d: Float64Array;
  v: Float64Array;
  rank: number;
}

interface Standardised {
  mean: Float64Array;
  scale: Float64Array;
}

/**
 * The observed entries of the standardised matrix as compressed rows: `rowPtr` (rows + 1),
 * the column of each entry and its standardised value. Only these entries are ever touched per
 * iteration, never all rows × cols.
 */
export interface ObservedEntries {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  col: Int32Array;
  x: Float64Array;
}

function standardise(m: MaskedMatrix): { s: Standardised; obs: ObservedEntries } {
  const { rows, cols } = m;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  const count = new Float64Array(cols);
  let nnz = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (!m.observed[k]) continue;
      mean[j] += m.values[k];
      count[j]++;
      nnz++;
    }
  }
  for (let j = 0; j < cols; j++) mean[j] = count[j] ? mean[j] / count[j] : 0;
  for (let k = 0; k < m.values.length; k++) if (m.observed[k]) sq[k % cols] += (m.values[k] - mean[k % cols]) ** 2;
  const scale = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    const sd = count[j] > 1 ? Math.sqrt(sq[j] / (count[j] - 1)) : 0;
    scale[j] = sd > 0 ? sd : 1;
  }
  const rowPtr = new Int32Array(rows + 1);
  const col = new Int32Array(nnz);
  const x = new Float64Array(nnz);
  let e = 0;
  for (let i = 0; i < rows; i++) {
    rowPtr[i] = e;
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      if (!m.observed[k]) continue;
      col[e] = j;
      x[e++] = (m.values[k] - mean[j]) / scale[j];
    }
  }
  rowPtr[rows] = e;
  return { s: { mean, scale }, obs: { rows, cols, rowPtr, col, x } };
}

/**
 * The observed residual P_Ω(X − Z) of the fit Z = U diag(d) Vᵀ, written into `residual` (one
 * value per observed entry): O(|Ω|·r). With no fit it is the observed values themselves.
 */
export function observedResidual(obs: ObservedEntries, fit: LowRank | null, residual: Float64Array): void {
  const { rows, rowPtr, col, x } = obs;
  if (!fit || fit.rank === 0) {
    residual.set(x);
    return;
  }
  const { u, d, v, rank: r } = fit;
  const ud = new Float64Array(r);
  for (let i = 0; i < rows; i++) {
    const uo = i * r;
    for (let t = 0; t < r; t++) ud[t] = u[uo + t] * d[t];
    for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
      const vo = col[e] * r;
      let z = 0;
      for (let t = 0; t < r; t++) z += ud[t] * v[vo + t];
      residual[e] = x[e] - z;
    }
  }
}

/** C = Aᵀ B for A n × p, B n × q (row-major): p × q. */
function crossProduct(a: Float64Array, p: number, b: Float64Array, q: number, n: number): Float64Array {
  const c = new Float64Array(p * q);
  for (let i = 0; i < n; i++) {
    const ao = i * p;
    const bo = i * q;
    for (let s = 0; s < p; s++) {
      const as = a[ao + s];
      if (as === 0) continue;
      const co = s * q;
      for (let t = 0; t < q; t++) c[co + t] += as * b[bo + t];
    }
  }
  return c;
}

/**
 * Y = X̃ W for the filled matrix X̃ = P_Ω(X − Z) + Z (rows × cols) and W cols × k: the sparse
 * residual times W over the observed entries (O(|Ω|·k)) plus U (diag(d) (Vᵀ W)) (O((rows + cols)·r·k)).
 */
export function filledTimes(obs: ObservedEntries, residual: Float64Array, fit: LowRank | null, w: Float64Array, k: number): Float64Array {
  const { rows, cols, rowPtr, col } = obs;
  const y = new Float64Array(rows * k);
  for (let i = 0; i < rows; i++) {
    const yo = i * k;
    for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
      const rij = residual[e];
      const wo = col[e] * k;
      for (let t = 0; t < k; t++) y[yo + t] += rij * w[wo + t];
    }
  }
  if (fit) addLowRank(y, fit.u, rows, fit, fit.v, cols, w, k);
  return y;
}

/**
 * X̃ᵀ A for A rows × k, stored as cols × k: the sparse residual's transpose times A plus
 * V (diag(d) (Uᵀ A)).
 */
export function filledTransposeTimes(obs: ObservedEntries, residual: Float64Array, fit: LowRank | null, a: Float64Array, k: number): Float64Array {
  const { rows, cols, rowPtr, col } = obs;
  const c = new Float64Array(cols * k);
  for (let i = 0; i < rows; i++) {
    const ao = i * k;
    for (let e = rowPtr[i]; e < rowPtr[i + 1]; e++) {
      const rij = residual[e];
      const co = col[e] * k;
      for (let t = 0; t < k; t++) c[co + t] += a[ao + t] * rij;
    }
  }
  if (fit) addLowRank(c, fit.v, cols, fit, fit.u, rows, a, k);
  return c;
}

/**
 * out += L diag(d) (Rᵀ B): the low-rank part of both products, with (L, R) = (U, V) for X̃ B and
 * (V, U) for X̃ᵀ B. L is lRows × r, R and B are bRows × r and bRows × k.
 */
function addLowRank(out: Float64Array, left: Float64Array, lRows: number, fit: LowRank, right: Float64Array, bRows: number, b: Float64Array, k: number): void {
  const r = fit.rank;
  if (r === 0) return;
  const rb = crossProduct(right, r, b, k, bRows); // r × k
  for (let s = 0; s < r; s++) for (let t = 0; t < k; t++) rb[s * k + t] *= fit.d[s];
  const low = timesSmall(left, lRows, r, rb, k);
  for (let q = 0; q < out.length; q++) out[q] += low[q];
}

/** Gram matrix AᵀA (k × k) of A n × k. */
function gram(a: Float64Array, n: number, k: number): Float64Array {
  const g = new Float64Array(k * k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    for (let s = 0; s < k; s++) {
      const as = a[o + s];
      if (as === 0) continue;
      for (let t = s; t < k; t++) g[s * k + t] += as * a[o + t];
    }
  }
  for (let s = 0; s < k; s++) for (let t = 0; t < s; t++) g[s * k + t] = g[t * k + s];
  return g;
}

/** A (n × k) times M (k × p): n × p. */
function timesSmall(a: Float64Array, n: number, k: number, m: Float64Array, p: number): Float64Array {
  const out = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < k; s++) {
      const x = a[i * k + s];
      if (x === 0) continue;
      for (let t = 0; t < p; t++) out[i * p + t] += x * m[s * p + t];
    }
  }
  return out;
}

/**
 * One soft-thresholded SVD step of Z from the previous right vectors `basis` (m × k): block
 * power step Y = Z B, orthonormalise, project B̃ = QᵀZ, solve the small SVD exactly, threshold.
 */
function thresholdedSvd(obs: ObservedEntries, residual: Float64Array, fit: LowRank | null, basis: Float64Array, k: number, lambda: number): LowRank {
  const { rows, cols } = obs;
  const y = filledTimes(obs, residual, fit, basis, k);
  // Orthonormalise Y through the eigen-decomposition of YᵀY (dropping null directions).
  const g = symmetricEigen(gram(y, rows, k), k);
  const top = g.values[0];
  const keep: number[] = [];
  for (let s = 0; s < k; s++) if (g.values[s] > top * 1e-12 && g.values[s] > 0) keep.push(s);
  const q0 = keep.length;
  const w = new Float64Array(k * q0);
  keep.forEach((s, c) => {
    const inv = 1 / Math.sqrt(g.values[s]);
    for (let t = 0; t < k; t++) w[t * q0 + c] = g.vectors[s * k + t] * inv;
  });
  const q = timesSmall(y, rows, k, w, q0);
  // B̃ᵀ = Zᵀ Q (m × q0); its Gram Q ᵀZ ZᵀQ = B̃B̃ᵀ (q0 × q0) gives the left vectors and σ².
  const bt = filledTransposeTimes(obs, residual, fit, q, q0);
  const e = symmetricEigen(gram(bt, cols, q0), q0);
  const d: number[] = [];
  const idx: number[] = [];
  for (let s = 0; s < q0; s++) {
    const sigma = Math.sqrt(Math.max(0, e.values[s]));
    if (sigma > lambda) {
      d.push(sigma - lambda);
      idx.push(s);
    }
  }
  const r = d.length;
  // U = Q W̃, V = B̃ᵀ W̃ / σ.
  const wl = new Float64Array(q0 * r);
  const wr = new Float64Array(q0 * r);
  idx.forEach((s, c) => {
    const sigma = d[c] + lambda;
    for (let t = 0; t < q0; t++) {
      wl[t * r + c] = e.vectors[s * q0 + t];
      wr[t * r + c] = e.vectors[s * q0 + t] / sigma;
    }
  });
  return { u: timesSmall(q, rows, q0, wl, r), d: Float64Array.from(d), v: timesSmall(bt, cols, q0, wr, r), rank: r };
}

/** ‖A − B‖²_F and ‖B‖²_F for low-rank A, B with orthonormal factors (through k × k products). */
function relativeChange(a: LowRank, b: LowRank, rows: number, cols: number): number {
  let na = 0;
  let nb = 0;
  for (let s = 0; s < a.rank; s++) na += a.d[s] ** 2;
  for (let t = 0; t < b.rank; t++) nb += b.d[t] ** 2;
  if (na === 0) return nb === 0 ? 0 : Infinity;
  // tr(AᵀB) = Σ_st d_a[s] d_b[t] (U_aᵀU_b)_st (V_aᵀV_b)_st.
  const uu = new Float64Array(a.rank * b.rank);
  const vv = new Float64Array(a.rank * b.rank);
  for (let i = 0; i < rows; i++) for (let s = 0; s < a.rank; s++) for (let t = 0; t < b.rank; t++) uu[s * b.rank + t] += a.u[i * a.rank + s] * b.u[i * b.rank + t];
  for (let j = 0; j < cols; j++) for (let s = 0; s < a.rank; s++) for (let t = 0; t < b.rank; t++) vv[s * b.rank + t] += a.v[j * a.rank + s] * b.v[j * b.rank + t];
  let cross = 0;
  for (let s = 0; s < a.rank; s++) for (let t = 0; t < b.rank; t++) cross += a.d[s] * b.d[t] * uu[s * b.rank + t] * vv[s * b.rank + t];
  return Math.max(0, na + nb - 2 * cross) / na;
}

/** Extra directions beyond the current rank in each power step, so the rank can grow. */
const OVERSAMPLE = 6;

class SoftImputeSolver {
  readonly s: Standardised;
  readonly obs: ObservedEntries;
  /** P_Ω(X − Z) of the current fit, one value per observed entry. */
  readonly residual: Float64Array;
  fit: LowRank | null = null;
  readonly maxRank: number;
  private readonly rng: () => number;
  iterations = 0;

  constructor(
    readonly m: MaskedMatrix,
    options: { maxRank?: number; seed?: number },
  ) {
    const { s, obs } = standardise(m);
    this.s = s;
    this.obs = obs;
    this.residual = obs.x.slice();
    this.maxRank = Math.max(1, Math.min(options.maxRank ?? 64, m.rows, m.cols));
    this.rng = seededRng(options.seed ?? 0);
  }

  /** The largest singular value of the zero-filled standardised matrix (a few power steps). */
  lambdaMax(): number {
    const { cols } = this.m;
    const x = this.obs.x;
    let v: Float64Array = Float64Array.from({ length: cols }, () => normal(this.rng));
    let sigma = 0;
    for (let it = 0; it < 30; it++) {
      const y = filledTimes(this.obs, x, null, v, 1);
      const w = filledTransposeTimes(this.obs, x, null, y, 1);
      let norm = 0;
      for (let j = 0; j < w.length; j++) norm += w[j] * w[j];
      norm = Math.sqrt(norm);
      if (norm === 0) return 0;
      const next = Math.sqrt(norm);
      v = w.map((x) => x / norm);
      if (Math.abs(next - sigma) <= 1e-6 * next) return next;
      sigma = next;
    }
    return sigma;
  }

  private basis(): { basis: Float64Array; k: number } {
    const { cols } = this.m;
    const r = this.fit?.rank ?? 0;
    const k = Math.max(1, Math.min(this.maxRank, r + OVERSAMPLE));
    const basis = new Float64Array(cols * k);
    for (let j = 0; j < cols; j++) {
      for (let t = 0; t < k; t++) basis[j * k + t] = t < r ? this.fit!.v[j * r + t] : normal(this.rng);
    }
    return { basis, k };
  }

  /** Iterates at λ from the current fit (a warm start) until the change is below tolerance. */
  solve(lambda: number, maxIterations: number, tolerance: number) {
    const { rows, cols } = this.m;
    for (let it = 0; it < maxIterations; it++) {
      observedResidual(this.obs, this.fit, this.residual);
      const { basis, k } = this.basis();
      const next = thresholdedSvd(this.obs, this.residual, this.fit, basis, k, lambda);
      const change = this.fit ? relativeChange(this.fit, next, rows, cols) : Infinity;
      this.fit = next;
      this.iterations++;
      if (change < tolerance) break;
    }
  }

  /** The completed matrix in the data's units: observed entries as given, the fit elsewhere. */
  prediction(): Float64Array {
    const { rows, cols, observed, values } = this.m;
    const out = values.slice();
    const f = this.fit;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        if (observed[k]) continue;
        let v = 0;
        if (f) for (let t = 0; t < f.rank; t++) v += f.u[i * f.rank + t] * f.d[t] * f.v[j * f.rank + t];
        out[k] = this.s.mean[j] + this.s.scale[j] * v;
      }
    }
    return out;
  }
}

/** softImpute at one λ: the completed matrix (observed entries kept). */
export function softImpute(m: MaskedMatrix, options: SoftImputeOptions): { prediction: Float64Array; rank: number; iterations: number } {
  const solver = new SoftImputeSolver(m, options);
  solver.solve(options.lambda, options.maxIterations ?? 100, options.tolerance ?? 1e-5);
  return { prediction: solver.prediction(), rank: solver.fit?.rank ?? 0, iterations: solver.iterations };
}

export interface SoftImputePathOptions {
  /** Scores a completed matrix (lower is better), e.g. MAE on validation entries. */
  score: (prediction: Float64Array) => number;
  /** Number of λ values on the path (default 12), geometric from λ_max to λ_max/1000. */
  steps?: number;
  maxRank?: number;
  maxIterations?: number;
  tolerance?: number;
  seed?: number;
  /** Checked between λ values: stop early when it says so (time budget). */
  shouldStop?: () => boolean;
}

export const DEFAULT_PATH_STEPS = 12;

/** The s-th λ of a path of `steps` as a fraction of λ_max: geometric from λ_max to λ_max/1000. */
export function pathFraction(s: number, steps: number): number {
  return Math.pow(1000, -s / steps);
}

export interface SoftImputePathResult {
  /** The chosen point of the path (1-based), so that a refit on more entries follows the same path. */
  index: number;
  /** The chosen λ as a fraction of λ_max. */
  lambdaFraction: number;
  lambda: number;
  score: number;
  rank: number;
  prediction: Float64Array;
  path: { lambda: number; score: number; rank: number }[];
}

/**
 * softImpute along a decreasing, warm-started λ path, λ_max down to λ_max/1000 geometrically;
 * each λ scored by `score`. Stops once the score has worsened for two λ values in a row.
 */
export function softImputePath(m: MaskedMatrix, options: SoftImputePathOptions): SoftImputePathResult {
  const steps = options.steps ?? DEFAULT_PATH_STEPS;
  const solver = new SoftImputeSolver(m, options);
  const lambdaMax = solver.lambdaMax();
  const path: SoftImputePathResult['path'] = [];
  let best: SoftImputePathResult | null = null;
  let worse = 0;
  for (let s = 1; s <= steps; s++) {
    const fraction = pathFraction(s, steps);
    const lambda = lambdaMax * fraction;
    solver.solve(lambda, options.maxIterations ?? 100, options.tolerance ?? 1e-4);
    const prediction = solver.prediction();
    const score = options.score(prediction);
    const rank = solver.fit?.rank ?? 0;
    path.push({ lambda, score, rank });
    if (!best || score < best.score) {
      best = { index: s, lambdaFraction: fraction, lambda, score, rank, prediction, path };
      worse = 0;
    } else if (++worse >= 2) break;
    if (options.shouldStop?.()) break;
  }
  return best!;
}

/** softImpute refit at the path point `index` (1-based) of a path of `steps`, warm-started down it. */
export function softImputeRefit(m: MaskedMatrix, index: number, options: { steps?: number; maxRank?: number; maxIterations?: number; tolerance?: number; seed?: number } = {}): Float64Array {
  const steps = options.steps ?? DEFAULT_PATH_STEPS;
  const solver = new SoftImputeSolver(m, options);
  const lambdaMax = solver.lambdaMax();
  for (let s = 1; s <= index; s++) solver.solve(lambdaMax * pathFraction(s, steps), options.maxIterations ?? 100, options.tolerance ?? 1e-4);
  return solver.prediction();
}

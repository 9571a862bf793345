// Matrix-free conjugate gradient for Z w = 1: Z·v is recomputed from the points on every
// product (KernelOperator), so memory stays O(n) plus the preconditioner's O(n·b) or O(n·k).
//
// Preconditioner finding. CG iterations to ‖Zw − 1‖/√n ≤ 1e-8, n = 2000 uniform points:
//
//   unit square (2-D)   none   block-Jacobi(128)   Nyström(rank 100)   hybrid   auto
//     t = 1              636        427                  115              44      44
//     t = 3              589        232                  121              45      45
//     t = 10             420        119                  143              57      57
//     t = 30             176         54                  128              48      54
//     t = 100             55         25                   56              25      25
//   unit cube in 10-D
//     t = 0.3             84        291                   33              49      33
//     t = 1               71        161                   33              49      33
//     t = 3               38         45                   29              35      38
//
// - Block-Jacobi (Cholesky of 128-point blocks of k-d-tree-sorted points) handles the
//   short-range part of Z and wins once the kernel is short-ranged (t ≥ 30 here), but alone it
//   leaves the smooth long-range part: at small t it barely beats no preconditioner.
// - Nyström (rank-100 greedy pivoted Cholesky, Woodbury) captures the few large eigenvalues of
//   the long-range part; the exponential kernel's spectrum decays slowly in 2-D, so alone it
//   stalls around 120 iterations. In high dimension spatial blocks are not local (block-Jacobi
//   is worse than nothing there) and Nyström alone is best.
// - The two combine well: M = F Fᵀ + blockdiag(Z − F Fᵀ) + δI ("hybrid") needs 44–57
//   iterations across scales in 2-D, 3–14× fewer than the others at small t, at a set-up cost of
//   a few products with Z (n = 5000: ~0.5 s against ~0.1 s per product).
// - 'auto' builds the pivoted-Cholesky factor first (k kernel columns, cheap) and keeps it only
//   if it captures ≥ 20 % of trace(Z): hybrid in dimension ≤ 3, Nyström above; otherwise plain
//   block-Jacobi (low dimension) or none.

import { choleskySmall, solveSmall } from './smallDense';
import { KernelOperator } from './operator';
import { neighbourIndex } from './neighbours';
import { spaceSize, type MetricSpace } from './metrics';
import { identityPreconditioner, pcgOnes, type Preconditioner } from './pcg';
import { now, sum, type IterativeOptions, type WeightingResult } from './types';

/**
 * Floor on μ (Nyström) and δ (hybrid), relative to Z's unit diagonal. Both formulas divide by it,
 * so when the low-rank factor captures nearly all of Z a tiny μ would amplify rounding by 1/μ
 * and make the preconditioner indefinite; at 1e-8 the amplified error stays ~1e-8.
 */
const REGULARIZATION_FLOOR = 1e-8;

/** δ as a fraction of the mean remainder diagonal; iteration counts barely move between 0.01 and 1. */
const HYBRID_DELTA = 0.1;

export type CgPreconditionerName = 'none' | 'block-jacobi' | 'nystrom' | 'hybrid' | 'auto';

export interface CgOptions extends IterativeOptions {
  preconditioner?: CgPreconditionerName;
  /** Points per diagonal block of the block-Jacobi preconditioner. Default 128. */
  blockSize?: number;
  /** Rank of the pivoted-Cholesky (Nyström) preconditioner. Default 100. */
  rank?: number;
  /** Use the WebAssembly SIMD exponential when available. Default true. */
  useWasm?: boolean;
  /** Called after each iteration with the recurrence residual; return false to stop. */
  onIteration?: (iteration: number, residual: number) => boolean | void;
  /**
   * Shared across the solves of a sweep over t: the preconditioner built at one scale is reused at
   * nearby scales (any SPD preconditioner keeps CG exact; only its speed depends on the match).
   * Building the hybrid preconditioner costs several products with Z (~17 at n = 1000, ~4 at
   * n = 5000), more than the iterations a stale one adds within a factor 2 in t.
   */
  preconditionerCache?: PreconditionerCache;
}

export interface PreconditionerCache {
  preconditioner?: Preconditioner;
  reason?: string;
  builtAt?: number;
  iterationsAtBuild?: number;
  lastIterations?: number;
}

/** Reuse a cached preconditioner within this factor of the scale it was built at (4 and 8 measured worse). */
const REUSE_SCALE_RATIO = 2;

function cachedPreconditioner(cache: PreconditionerCache | undefined, t: number): { preconditioner: Preconditioner; reason: string } | null {
  if (!cache?.preconditioner || !cache.builtAt) return null;
  if (Math.max(t / cache.builtAt, cache.builtAt / t) > REUSE_SCALE_RATIO) return null;
  // Rebuild once it has clearly gone stale.
  if ((cache.lastIterations ?? 0) > 1.5 * (cache.iterationsAtBuild ?? 0) + 5) return null;
  return { preconditioner: cache.preconditioner, reason: `reused from t = ${cache.builtAt.toPrecision(4)}; ${cache.reason}` };
}

/**
 * Block-Jacobi: blocks of consecutive points in a spatial order, each block's Z factored by
 * Cholesky. Spatial sorting makes the blocks hold the strongly coupled neighbours.
 */
export function blockJacobiPreconditioner(
  n: number, order: Int32Array, blockSize: number,
  /** Writes Z[indices, indices] (row-major) into block. */
  fillBlock: (indices: Int32Array, block: Float64Array) => void,
): Preconditioner & { jitteredBlocks: number } {
  const starts: number[] = [];
  for (let s = 0; s < n; s += blockSize) starts.push(s);
  starts.push(n);
  // Balance the last block: a tiny tail block is wasted work, so split the last two evenly.
  if (starts.length > 2 && n - starts[starts.length - 2] < blockSize / 2) {
    starts[starts.length - 2] = Math.floor((starts[starts.length - 3] + n) / 2);
  }
  const offsets: number[] = [];
  let total = 0;
  for (let b = 0; b + 1 < starts.length; b++) {
    offsets.push(total);
    total += (starts[b + 1] - starts[b]) ** 2;
  }
  const factors = new Float64Array(total);
  let jitteredBlocks = 0;
  for (let b = 0; b + 1 < starts.length; b++) {
    const m = starts[b + 1] - starts[b];
    const block = factors.subarray(offsets[b], offsets[b] + m * m);
    fillBlock(order.subarray(starts[b], starts[b + 1]), block);
    const jitter = choleskySmall(block, m, REGULARIZATION_FLOOR);
    if (jitter !== 0) jitteredBlocks++;
    if (Number.isNaN(jitter)) {
      // Unfactorable block: fall back to the identity on it.
      block.fill(0);
      for (let i = 0; i < m; i++) block[i * m + i] = 1;
    }
  }
  const scratch = new Float64Array(blockSize * 2);
  return {
    name: `block-jacobi(${blockSize})`,
    jitteredBlocks,
    apply(r, z) {
      for (let b = 0; b + 1 < starts.length; b++) {
        const s = starts[b];
        const m = starts[b + 1] - s;
        for (let a = 0; a < m; a++) scratch[a] = r[order[s + a]];
        solveSmall(factors, m, scratch, offsets[b]);
        for (let a = 0; a < m; a++) z[order[s + a]] = scratch[a];
      }
    },
  };
}

/**
 * Nyström preconditioner from a rank-k pivoted (greedy, largest residual diagonal) partial
 * Cholesky Z ≈ F Fᵀ: M = F Fᵀ + μ I, applied by the Woodbury identity
 * M⁻¹ r = (r − F (μ I + FᵀF)⁻¹ Fᵀ r) / μ. μ is the mean residual diagonal, i.e. the average
 * eigenvalue of the part of Z the low-rank factor misses.
 */
export function nystromPreconditioner(op: KernelOperator, factor: LowRankFactor): Preconditioner & { rank: number } {
  const n = op.n;
  const { f, k: used, residualDiagonal } = factor;
  const mu = Math.max(sum(residualDiagonal) / n, REGULARIZATION_FLOOR);
  // Small system μ I + FᵀF.
  const small = new Float64Array(used * used);
  for (let a = 0; a < used; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += f[a * n + i] * f[b * n + i];
      small[a * used + b] = s + (a === b ? mu : 0);
      small[b * used + a] = small[a * used + b];
    }
  }
  choleskySmall(small, used);
  const u = new Float64Array(used);
  return {
    name: `nystrom(rank ${used})`,
    rank: used,
    apply(r, z) {
      for (let a = 0; a < used; a++) {
        let s = 0;
        for (let i = 0, fa = a * n; i < n; i++) s += f[fa + i] * r[i];
        u[a] = s;
      }
      solveSmall(small, used, u);
      z.set(r);
      for (let a = 0; a < used; a++) {
        const ua = u[a];
        for (let i = 0, fa = a * n; i < n; i++) z[i] -= f[fa + i] * ua;
      }
      const inv = 1 / mu;
      for (let i = 0; i < n; i++) z[i] *= inv;
    },
  };
}

/**
 * Greedy pivoted partial Cholesky Z ≈ F Fᵀ of rank ≤ k: each step takes the largest remaining
 * diagonal entry as pivot and needs one column of Z (O(n) kernel evaluations).
 * F is column-major: column s at f[s·n ..].
 */
export interface LowRankFactor {
  /** F, n×k column-major. */
  f: Float64Array;
  k: number;
  /** diag(Z − F Fᵀ). */
  residualDiagonal: Float64Array;
  pivots: number[];
}

export function pivotedCholesky(op: KernelOperator, rank: number): LowRankFactor {
  const n = op.n;
  const k = Math.min(rank, n);
  const f = new Float64Array(n * k);
  const residualDiagonal = new Float64Array(n).fill(1);
  const column = new Float64Array(n);
  const pivots: number[] = [];
  for (let s = 0; s < k; s++) {
    let p = 0;
    for (let i = 1; i < n; i++) if (residualDiagonal[i] > residualDiagonal[p]) p = i;
    const dp = residualDiagonal[p];
    if (!(dp > 1e-12)) break;
    op.column(p, column);
    const scale = 1 / Math.sqrt(dp);
    const fs = s * n;
    for (let q = 0; q < s; q++) {
      const fq = q * n;
      const coeff = f[fq + p];
      if (coeff === 0) continue;
      for (let i = 0; i < n; i++) column[i] -= f[fq + i] * coeff;
    }
    for (let i = 0; i < n; i++) {
      const g = column[i] * scale;
      f[fs + i] = g;
      residualDiagonal[i] = Math.max(0, residualDiagonal[i] - g * g);
    }
    residualDiagonal[p] = 0;
    pivots.push(p);
  }
  return { f: f.subarray(0, n * pivots.length), k: pivots.length, residualDiagonal, pivots };
}

/**
 * Low rank plus block diagonal: M = F Fᵀ + blockdiag(Z − F Fᵀ) + δ I, the pivoted-Cholesky factor
 * for the smooth long-range part and spatial blocks for the short-range remainder. Applied by
 * Woodbury with B = blockdiag(…) + δ I: M⁻¹ r = B⁻¹r − G (I + FᵀG)⁻¹ Fᵀ B⁻¹ r, G = B⁻¹F.
 * δ keeps B safely invertible: the remainder vanishes on the pivots' rows.
 */
export function hybridPreconditioner(op: KernelOperator, order: Int32Array, blockSize: number, factor: LowRankFactor, deltaFraction = HYBRID_DELTA): Preconditioner {
  const n = op.n;
  const { f, k, residualDiagonal } = factor;
  const delta = Math.max(deltaFraction * (sum(residualDiagonal) / n), REGULARIZATION_FLOOR);
  const rows = new Float64Array(blockSize * 2 * k);
  const blocks = blockJacobiPreconditioner(n, order, blockSize, (indices, block) => {
    op.block(indices, block);
    const m = indices.length;
    // The block's rows of F, gathered contiguously (F is column-major, so direct reads stride n).
    for (let a = 0; a < m; a++) for (let q = 0; q < k; q++) rows[a * k + q] = f[q * n + indices[a]];
    for (let a = 0; a < m; a++) {
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let q = 0, ra = a * k, rb = b * k; q < k; q++) s += rows[ra + q] * rows[rb + q];
        block[a * m + b] -= s;
        if (a !== b) block[b * m + a] = block[a * m + b];
      }
      block[a * m + a] += delta;
    }
  });
  const g = new Float64Array(n * k);
  for (let q = 0; q < k; q++) blocks.apply(f.subarray(q * n, (q + 1) * n), g.subarray(q * n, (q + 1) * n));
  const small = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += f[a * n + i] * g[b * n + i];
      small[a * k + b] = s + (a === b ? 1 : 0);
      small[b * k + a] = small[a * k + b];
    }
  }
  choleskySmall(small, k);
  const u = new Float64Array(k);
  return {
    name: `nystrom(rank ${k})+block-jacobi(${blockSize})`,
    apply(r, z) {
      blocks.apply(r, z);
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let i = 0, fa = a * n; i < n; i++) s += f[fa + i] * z[i];
        u[a] = s;
      }
      solveSmall(small, k, u);
      for (let a = 0; a < k; a++) {
        const ua = u[a];
        for (let i = 0, ga = a * n; i < n; i++) z[i] -= g[ga + i] * ua;
      }
    },
  };
}


/** Fraction of trace(Z) a low-rank factor must capture before it is worth applying. */
const LOW_RANK_WORTHWHILE = 0.2;
/** Spatial blocks only hold true neighbours in low dimension. */
const MAX_SPATIAL_BLOCK_DIM = 3;

/**
 * Builds the requested preconditioner for Z at this operator's scale. 'auto' computes the
 * pivoted-Cholesky factor first (k kernel columns, cheap) and keeps it only if it captures a
 * useful share of trace(Z); it pairs it with spatial blocks in low dimension.
 */
export function buildCgPreconditioner(
  space: MetricSpace, op: KernelOperator, name: CgPreconditionerName, options: CgOptions = {},
): { preconditioner: Preconditioner; reason: string } {
  if (name === 'none' || op.n <= 1) return { preconditioner: identityPreconditioner, reason: 'no preconditioner requested' };
  const blockSize = Math.max(1, options.blockSize ?? 128);
  const rank = Math.max(1, options.rank ?? 100);
  const spatialOrder = (): Int32Array => neighbourIndex(space).spatialOrder();
  if (name === 'block-jacobi') return { preconditioner: blockJacobiPreconditioner(op.n, spatialOrder(), blockSize, (indices, block) => op.block(indices, block)), reason: 'requested' };
  const factor = pivotedCholesky(op, rank);
  if (name === 'nystrom') return { preconditioner: nystromPreconditioner(op, factor), reason: 'requested' };
  if (name === 'hybrid') return { preconditioner: hybridPreconditioner(op, spatialOrder(), blockSize, factor), reason: 'requested' };
  const captured = 1 - sum(factor.residualDiagonal) / op.n;
  const spatial = space.kind === 'points' && space.points.dim <= MAX_SPATIAL_BLOCK_DIM;
  const share = `rank-${factor.k} pivoted Cholesky captures ${(100 * captured).toFixed(0)}% of trace(Z)`;
  if (captured >= LOW_RANK_WORTHWHILE) {
    return spatial
      ? { preconditioner: hybridPreconditioner(op, spatialOrder(), blockSize, factor), reason: `${share}, and dimension ≤ ${MAX_SPATIAL_BLOCK_DIM} makes spatial blocks local` }
      : { preconditioner: nystromPreconditioner(op, factor), reason: `${share}; dimension too high for spatial blocks` };
  }
  return spatial
    ? { preconditioner: blockJacobiPreconditioner(op.n, spatialOrder(), blockSize, (indices, block) => op.block(indices, block)), reason: `only ${share.replace('rank', 'a rank')}: Z is short-ranged, spatial blocks hold its structure` }
    : { preconditioner: identityPreconditioner, reason: `only ${share.replace('rank', 'a rank')} and spatial blocks do not help in high dimension` };
}

/** The weighting vector by matrix-free preconditioned CG. */
export function weightingVectorCg(space: MetricSpace, t: number, options: CgOptions = {}): WeightingResult {
  const start = now();
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
  if (spaceSize(space) === 0) return { weights: new Float64Array(0), magnitude: 0, residual: 0, solver: 'cg', iterations: 0, converged: true, seconds: now() - start, notes: [] };
  const tol = options.tol ?? 1e-8;
  const op = new KernelOperator(space, t, options.useWasm !== false);
  const cache = options.preconditionerCache;
  const cached = cachedPreconditioner(cache, t);
  const { preconditioner, reason } = cached ?? buildCgPreconditioner(space, op, options.preconditioner ?? 'auto', options);
  const result = pcgOnes(op, preconditioner, {
    tol,
    maxIterations: options.maxIterations ?? 500,
    initial: options.initial,
    onIteration: options.onIteration,
  });
  if (cache) {
    if (!cached) Object.assign(cache, { preconditioner, reason, builtAt: t, iterationsAtBuild: result.iterations });
    cache.lastIterations = result.iterations;
  }
  const notes = [...result.notes];
  if ('jitteredBlocks' in preconditioner && typeof preconditioner.jitteredBlocks === 'number' && preconditioner.jitteredBlocks > 0) {
    notes.push(`${preconditioner.jitteredBlocks} preconditioner block(s) needed diagonal jitter (only the preconditioner is affected, not the solution).`);
  }
  return {
    weights: result.x,
    magnitude: sum(result.x),
    magnitudeEstimate: result.galerkinMagnitude,
    residual: result.residual,
    solver: 'cg',
    iterations: result.iterations,
    converged: result.converged,
    seconds: now() - start,
    notes: [`preconditioner ${preconditioner.name} (${reason}); ${op.products} products with Z`, ...notes],
  };
}

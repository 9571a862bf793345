// The weighting vector of a code h (n points in a few dimensions) as a differentiable tfjs op:
//
//   w(h) = Z(h)⁻¹ 1,   Z_ij = exp(−t·‖h_i − h_j‖).
//
// tfjs has no differentiable linear solve, so the gradient is written out by the adjoint method
// and attached with tf.customGrad. For a loss L(w) with g = dL/dw:
//
//   dw = −Z⁻¹ (dZ) w   ⇒   λ = Z⁻¹ g (Z is symmetric),   dL/dZ = −λ wᵀ.
//
// Through Z_ij = exp(−t d_ij), with d_ij = d_ji one number feeding both Z_ij and Z_ji:
//
//   dL/dd_ij = t · Z_ij · (λ_i w_j + λ_j w_i)        (i ≠ j)
//   dL/dh_i  = Σ_j (dL/dd_ij / d_ij) · (h_i − h_j).
//
// The diagonal never contributes (d_ii = 0 and Z_ii = 1 for every h), and neither does a pair of
// coincident points (d_ij = 0, where ‖·‖ has no derivative; its subgradient 0 is used), so no
// 0/0 ever happens: the distances are never differentiated by autodiff at all.
//
// Two solvers, one formula:
//   - 'cholesky' (default): Z built and factored in Float64 on the host (see denseSpd.ts); one
//     factorization serves the forward solve and the adjoint solve. Exact; O(n³/3) per step.
//   - 'cg': Z and both solves in tfjs ops (conjugate gradients, warm-started from the previous
//     step's solutions), so the work stays on the GPU in the webview. float32, so it is only as
//     good as Z's conditioning allows; use it for large n on a GPU backend.

import type * as tfjs from '@tensorflow/tfjs';
import { SimilarityFactor } from './denseSpd';

export type TfNamespace = typeof tfjs;
export type WeightingSolverName = 'cholesky' | 'cg';
export const WEIGHTING_SOLVERS: readonly WeightingSolverName[] = ['cholesky', 'cg'];

export interface DifferentiableWeightingOptions {
  /** The scale t (the code is compared at the same scale as the input). */
  t: number;
  solver?: WeightingSolverName;
  /** CG: relative residual ‖b − Zx‖/‖b‖ to stop at. Default 1e-5 (float32). */
  cgTolerance?: number;
  /** CG: iteration cap per solve. Default 1000. */
  cgMaxIterations?: number;
  /** Use the WebAssembly SIMD kernel for the Float64 factorization. Default true. */
  useWasm?: boolean;
}

/** What the last forward and adjoint solves reported (for the UI and the benchmark). */
export interface WeightingSolveStats {
  solver: WeightingSolverName;
  /** Float64: diagonal jitter the factorization needed (0 for a well-separated code). */
  jitter: number;
  /** Relative residual of the last forward solve. */
  forwardResidual: number;
  /** Relative residual of the last adjoint solve (NaN until a gradient has been taken). */
  adjointResidual: number;
  /** CG iterations of the last forward and adjoint solves. */
  forwardIterations: number;
  adjointIterations: number;
}

export interface DifferentiableWeighting {
  /** w(h) for h of shape [n, dim], differentiable with respect to h. */
  (h: tfjs.Tensor2D): tfjs.Tensor1D;
  readonly stats: WeightingSolveStats;
}

/**
 * dL/dh (row-major n × dim, Float64) from the weights w, the adjoint λ = Z⁻¹ dL/dw, and the
 * coordinates: the formula in the header, summed over pairs.
 */
export function weightingGradientFromAdjoint(
  coords: ArrayLike<number>, n: number, dim: number, t: number, w: ArrayLike<number>, lambda: ArrayLike<number>,
): Float64Array {
  const grad = new Float64Array(n * dim);
  const diff = new Float64Array(dim);
  for (let i = 1; i < n; i++) {
    const xi = i * dim;
    const li = lambda[i];
    const wi = w[i];
    for (let j = 0; j < i; j++) {
      const xj = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) {
        const d = coords[xi + k] - coords[xj + k];
        diff[k] = d;
        s += d * d;
      }
      if (s === 0) continue;
      const d = Math.sqrt(s);
      const c = (t * Math.exp(-t * d) * (li * w[j] + lambda[j] * wi)) / d;
      for (let k = 0; k < dim; k++) {
        grad[xi + k] += c * diff[k];
        grad[xj + k] -= c * diff[k];
      }
    }
  }
  return grad;
}

/**
 * Float64 on the host: the weights of the points and a function giving dL/dh for any dL/dw.
 * The differentiable op's 'cholesky' path, exposed for tests and for host-side callers.
 */
export function weightingWithAdjoint(
  coords: Float64Array, n: number, dim: number, t: number, factor: SimilarityFactor = new SimilarityFactor(),
): { weights: Float64Array; residual: number; jitter: number; gradient: (g: Float64Array) => { grad: Float64Array; residual: number } } {
  const jitter = factor.factor(coords, n, dim, t);
  const { x: weights, residual } = factor.solve(new Float64Array(n).fill(1));
  return {
    weights,
    residual,
    jitter,
    gradient: (g) => {
      const { x: lambda, residual: adjointResidual } = factor.solve(g);
      return { grad: weightingGradientFromAdjoint(coords, n, dim, t, weights, lambda), residual: adjointResidual };
    },
  };
}

/** ‖h_i − h_j‖ by direct differences (exact to rounding for close points, unlike the Gram form). */
export function pairwiseDistances(tf: TfNamespace, h: tfjs.Tensor2D): tfjs.Tensor2D {
  return tf.tidy(() => {
    const diff = tf.sub(tf.expandDims(h, 1), tf.expandDims(h, 0));
    return tf.sqrt(tf.sum(tf.square(diff), 2)) as tfjs.Tensor2D;
  });
}

/**
 * Conjugate gradients for Z x = b (Z stored, SPD) in tfjs ops, from x0. Reads one scalar back
 * per iteration to test convergence. The returned x is a new tensor; nothing else survives.
 */
export function conjugateGradientTf(
  tf: TfNamespace, Z: tfjs.Tensor2D, b: tfjs.Tensor2D, x0: tfjs.Tensor2D, tolerance: number, maxIterations: number,
): { x: tfjs.Tensor2D; iterations: number; residual: number } {
  const bNorm = Math.sqrt(tf.tidy(() => tf.sum(tf.square(b))).dataSync()[0]) || 1;
  let x = tf.clone(x0);
  let r = tf.tidy(() => tf.sub(b, tf.matMul(Z, x))) as tfjs.Tensor2D;
  let p = tf.clone(r);
  let rr = tf.tidy(() => tf.sum(tf.square(r))).dataSync()[0];
  let iterations = 0;
  while (Math.sqrt(rr) / bNorm > tolerance && iterations < maxIterations) {
    const q = tf.matMul(Z, p);
    const pq = tf.tidy(() => tf.sum(tf.mul(p, q))).dataSync()[0];
    if (!(pq > 0)) {
      q.dispose();
      break;
    }
    const alpha = rr / pq;
    const xNext = tf.tidy(() => tf.add(x, tf.mul(p, alpha))) as tfjs.Tensor2D;
    const rNext = tf.tidy(() => tf.sub(r, tf.mul(q, alpha))) as tfjs.Tensor2D;
    q.dispose();
    x.dispose();
    r.dispose();
    x = xNext;
    r = rNext;
    const rrNext = tf.tidy(() => tf.sum(tf.square(r))).dataSync()[0];
    const beta = rrNext / rr;
    rr = rrNext;
    const pNext = tf.tidy(() => tf.add(r, tf.mul(p, beta))) as tfjs.Tensor2D;
    p.dispose();
    p = pNext;
    iterations++;
  }
  r.dispose();
  p.dispose();
  return { x, iterations, residual: Math.sqrt(rr) / bNorm };
}

/**
 * The differentiable weighting vector. Keep one per training run: the 'cholesky' path reuses
 * its Float64 workspace, the 'cg' path warm-starts each solve from the previous step's answer.
 */
export function differentiableWeighting(tf: TfNamespace, options: DifferentiableWeightingOptions): DifferentiableWeighting {
  const t = options.t;
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
  const solver = options.solver ?? 'cholesky';
  const stats: WeightingSolveStats = {
    solver, jitter: 0, forwardResidual: NaN, adjointResidual: NaN, forwardIterations: 0, adjointIterations: 0,
  };
  const factor = new SimilarityFactor(options.useWasm !== false);

  const choleskyOp = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const h = args[0] as tfjs.Tensor2D;
    const [n, dim] = h.shape as [number, number];
    const coords = Float64Array.from(h.dataSync());
    let adjoint = weightingWithAdjoint(coords, n, dim, t, factor);
    const token = adjoint;
    current = token;
    stats.jitter = adjoint.jitter;
    stats.forwardResidual = adjoint.residual;
    const value = tf.tensor1d(Float32Array.from(adjoint.weights));
    return {
      value,
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[]) => {
        const g = Float64Array.from((dy as tfjs.Tensor).dataSync());
        // Another forward pass may have refactored the shared workspace since: redo ours.
        if (current !== token) {
          adjoint = weightingWithAdjoint(coords, n, dim, t, factor);
          current = adjoint;
        }
        const { grad, residual } = adjoint.gradient(g);
        stats.adjointResidual = residual;
        return tf.tensor2d(Float32Array.from(grad), [n, dim]);
      },
    };
  });
  let current: unknown = null;

  const tolerance = options.cgTolerance ?? 1e-5;
  const maxIterations = options.cgMaxIterations ?? 1000;
  let warmForward: Float32Array | null = null;
  let warmAdjoint: Float32Array | null = null;
  const cgOp = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [h, save] = args as [tfjs.Tensor2D, tfjs.GradSaveFunc];
    const [n] = h.shape as [number, number];
    const h2 = h;
    const D = pairwiseDistances(tf, h2);
    const Z = tf.tidy(() => tf.exp(tf.mul(D, -t))) as tfjs.Tensor2D;
    const ones = tf.ones([n, 1]) as tfjs.Tensor2D;
    const x0 = warmForward && warmForward.length === n ? tf.tensor2d(warmForward, [n, 1]) : (tf.ones([n, 1]) as tfjs.Tensor2D);
    const forward = conjugateGradientTf(tf, Z, ones, x0, tolerance, maxIterations);
    x0.dispose();
    ones.dispose();
    warmForward = forward.x.dataSync().slice() as Float32Array;
    stats.forwardIterations = forward.iterations;
    stats.forwardResidual = forward.residual;
    // The forward function runs inside a tidy: what the gradient needs must be saved.
    save([D, Z, forward.x, h2]);
    const value = tf.reshape(forward.x, [n]) as tfjs.Tensor1D;
    return {
      value,
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [Ds, Zs, w, hs] = saved as tfjs.Tensor2D[];
        const g = tf.reshape(dy as tfjs.Tensor, [n, 1]) as tfjs.Tensor2D;
        const l0 = warmAdjoint && warmAdjoint.length === n ? tf.tensor2d(warmAdjoint, [n, 1]) : (tf.zeros([n, 1]) as tfjs.Tensor2D);
        const adjoint = conjugateGradientTf(tf, Zs, g, l0, tolerance, maxIterations);
        l0.dispose();
        warmAdjoint = adjoint.x.dataSync().slice() as Float32Array;
        stats.adjointIterations = adjoint.iterations;
        stats.adjointResidual = adjoint.residual;
        const grad = tf.tidy(() => {
          const lambda = adjoint.x;
          const G = tf.mul(tf.mul(Zs, t), tf.add(tf.matMul(lambda, w, false, true), tf.matMul(w, lambda, false, true)));
          const positive = tf.greater(Ds, 0);
          const safe = tf.where(positive, Ds, tf.onesLike(Ds));
          const M = tf.where(positive, tf.div(G, safe), tf.zerosLike(G));
          return tf.sub(tf.mul(hs, tf.sum(M, 1, true)), tf.matMul(M, hs));
        });
        adjoint.x.dispose();
        return grad;
      },
    };
  });

  const op = ((h: tfjs.Tensor2D) => {
    if (h.rank !== 2) throw new Error(`the code must be a matrix [n, dim], got shape [${h.shape.join(', ')}]`);
    return (solver === 'cg' ? cgOp(h) : choleskyOp(h)) as tfjs.Tensor1D;
  }) as DifferentiableWeighting;
  Object.defineProperty(op, 'stats', { value: stats });
  return op;
}

// L_weight(h) = mean |w(h) − w_X| (or mean (w(h) − w_X)²) and its gradient with respect to the
// code h, by the adjoint of weightingGrad.ts, computed BEFORE the autodiff graph runs:
//
//   g = dL_weight/dw = sign(w − w_X)/n   (l2: 2(w − w_X)/n),   λ = Z⁻¹ g,   dL/dh from (w, λ).
//
// Why outside the graph: a tf.customGrad forward and gradient are synchronous, and on WebGPU (and
// WebGL) a synchronous read of the code is not available (tfjs's webgpu readSync needs an
// OffscreenCanvas and is slow where it exists). So the training step reads the code with an
// awaited data() call, computes the loss and its gradient here, and the graph gets a customGrad
// op whose value is that loss and whose gradient is dy · dL/dh (see weightLossOp). On cpu and
// wasm, where synchronous reads are cheap, the op may instead compute it all inside its forward.
//
// Both solvers: 'cholesky' in Float64 on the host (exact), 'cg' in tfjs ops on the device with
// asynchronous convergence checks, warm-started from the previous step.

import type * as tfjs from '@tensorflow/tfjs';
import { SimilarityFactor } from './denseSpd';
import { pairwiseDistances, weightingGradientFromAdjoint, type TfNamespace } from './weightingGrad';

export type WeightLossKind = 'l1' | 'l2';

export interface HostWeightLoss {
  /** The code h the loss was computed at, row-major n × dim. */
  coords: Float64Array;
  loss: number;
  /** w(h), Float64. */
  weights: Float64Array;
  /** dL_weight/dh, row-major n × dim. */
  gradient: Float64Array;
  jitter: number;
  forwardResidual: number;
  adjointResidual: number;
}

/** dL_weight/dw for the loss kind. */
function lossAndWeightGradient(w: ArrayLike<number>, wX: ArrayLike<number>, kind: WeightLossKind): { loss: number; g: Float64Array } {
  const n = w.length;
  const g = new Float64Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const d = w[i] - wX[i];
    if (kind === 'l2') {
      loss += d * d;
      g[i] = (2 * d) / n;
    } else {
      loss += Math.abs(d);
      g[i] = Math.sign(d) / n;
    }
  }
  return { loss: loss / n, g };
}

/** Float64 on the host: one factorization of Z(h) serves the forward and the adjoint solve. */
export function weightLossHost(
  coords: Float64Array, n: number, dim: number, t: number, wX: ArrayLike<number>, kind: WeightLossKind, factor: SimilarityFactor,
): HostWeightLoss {
  const jitter = factor.factor(coords, n, dim, t);
  const { x: weights, residual: forwardResidual } = factor.solve(new Float64Array(n).fill(1));
  const { loss, g } = lossAndWeightGradient(weights, wX, kind);
  const { x: lambda, residual: adjointResidual } = factor.solve(g);
  return { coords, loss, weights, gradient: weightingGradientFromAdjoint(coords, n, dim, t, weights, lambda), jitter, forwardResidual, adjointResidual };
}

/** CG on the device for Z x = b, checking convergence with awaited reads (WebGPU-safe). */
export async function conjugateGradientTfAsync(
  tf: TfNamespace, Z: tfjs.Tensor2D, b: tfjs.Tensor2D, x0: tfjs.Tensor2D, tolerance: number, maxIterations: number, checkEvery = 1,
): Promise<{ x: tfjs.Tensor2D; iterations: number; residual: number }> {
  const read = async (t: tfjs.Tensor): Promise<number> => {
    const v = (await t.data())[0];
    t.dispose();
    return v;
  };
  const bNorm = Math.sqrt(await read(tf.tidy(() => tf.sum(tf.square(b))))) || 1;
  let x = tf.clone(x0);
  let r = tf.tidy(() => tf.sub(b, tf.matMul(Z, x))) as tfjs.Tensor2D;
  let p = tf.clone(r);
  let rrT = tf.tidy(() => tf.sum(tf.square(r))) as tfjs.Scalar;
  let rr = await read(tf.clone(rrT));
  let iterations = 0;
  while (Math.sqrt(rr) / bNorm > tolerance && iterations < maxIterations) {
    // A few iterations between reads: scalars stay on the device, alpha and beta included.
    for (let k = 0; k < checkEvery && iterations < maxIterations; k++) {
      const rrPrev = rrT;
      const pPrev = p;
      const next = tf.tidy(() => {
        // Guarded divisions: an exactly converged residual must give zero steps, not 0/0.
        const q = tf.matMul(Z, pPrev);
        const alpha = tf.div(rrPrev, tf.maximum(tf.sum(tf.mul(pPrev, q)), 1e-30));
        const xNext = tf.add(x, tf.mul(pPrev, alpha));
        const rNext = tf.sub(r, tf.mul(q, alpha));
        const rrNext = tf.sum(tf.square(rNext));
        const pNext = tf.add(rNext, tf.mul(pPrev, tf.div(rrNext, tf.maximum(rrPrev, 1e-30))));
        return { xNext, rNext, rrNext, pNext };
      });
      x.dispose();
      r.dispose();
      pPrev.dispose();
      rrPrev.dispose();
      x = next.xNext as tfjs.Tensor2D;
      r = next.rNext as tfjs.Tensor2D;
      p = next.pNext as tfjs.Tensor2D;
      rrT = next.rrNext as tfjs.Scalar;
      iterations++;
    }
    rr = await read(tf.clone(rrT));
    if (!Number.isFinite(rr)) break;
  }
  r.dispose();
  p.dispose();
  rrT.dispose();
  return { x, iterations, residual: Math.sqrt(rr) / bNorm };
}

export interface DeviceWeightLoss {
  loss: number;
  weights: Float32Array;
  /** dL_weight/dh on the device, [n, dim]; the caller disposes it. */
  gradient: tfjs.Tensor2D;
  forwardIterations: number;
  adjointIterations: number;
  forwardResidual: number;
  adjointResidual: number;
}

/** Warm starts carried from one step to the next. */
export interface CgWarmStart {
  forward: Float32Array | null;
  adjoint: Float32Array | null;
}

/** The 'cg' path: Z, both solves and dL/dh in tfjs ops on h's device. */
export async function weightLossDevice(
  tf: TfNamespace, h: tfjs.Tensor2D, wX: ArrayLike<number>, t: number, kind: WeightLossKind, warm: CgWarmStart,
  options: { tolerance?: number; maxIterations?: number; checkEvery?: number } = {},
): Promise<DeviceWeightLoss> {
  const [n] = h.shape;
  const tolerance = options.tolerance ?? 1e-5;
  const maxIterations = options.maxIterations ?? 1000;
  const checkEvery = options.checkEvery ?? 5;
  const D = pairwiseDistances(tf, h);
  const Z = tf.tidy(() => tf.exp(tf.mul(D, -t))) as tfjs.Tensor2D;
  const start = (values: Float32Array | null, fill: number) => (values && values.length === n ? tf.tensor2d(values, [n, 1]) : (tf.fill([n, 1], fill) as tfjs.Tensor2D));
  const ones = tf.ones([n, 1]) as tfjs.Tensor2D;
  const x0 = start(warm.forward, 1);
  const forward = await conjugateGradientTfAsync(tf, Z, ones, x0, tolerance, maxIterations, checkEvery);
  x0.dispose();
  ones.dispose();
  const weights = (await forward.x.data()) as Float32Array;
  warm.forward = weights.slice();
  const { loss, g } = lossAndWeightGradient(weights, wX, kind);
  const gT = tf.tensor2d(Float32Array.from(g), [n, 1]);
  const l0 = start(warm.adjoint, 0);
  const adjoint = await conjugateGradientTfAsync(tf, Z, gT, l0, tolerance, maxIterations, checkEvery);
  l0.dispose();
  gT.dispose();
  warm.adjoint = ((await adjoint.x.data()) as Float32Array).slice();
  const gradient = tf.tidy(() => {
    const w = forward.x;
    const lambda = adjoint.x;
    const G = tf.mul(tf.mul(Z, t), tf.add(tf.matMul(lambda, w, false, true), tf.matMul(w, lambda, false, true)));
    const positive = tf.greater(D, 0);
    const M = tf.where(positive, tf.div(G, tf.where(positive, D, tf.onesLike(D))), tf.zerosLike(G));
    return tf.sub(tf.mul(h, tf.sum(M, 1, true)), tf.matMul(M, h)) as tfjs.Tensor2D;
  });
  D.dispose();
  Z.dispose();
  forward.x.dispose();
  adjoint.x.dispose();
  return {
    loss, weights, gradient,
    forwardIterations: forward.iterations, adjointIterations: adjoint.iterations,
    forwardResidual: forward.residual, adjointResidual: adjoint.residual,
  };
}

/**
 * The graph's view of L_weight: a scalar op of h whose value and gradient were computed before
 * (by weightLossHost or weightLossDevice) for the same h. `gradient` is a host array or a device
 * tensor that stays alive until the step ends.
 */
export function precomputedLossOp(tf: TfNamespace, loss: number, gradient: Float64Array | tfjs.Tensor2D): (h: tfjs.Tensor2D) => tfjs.Scalar {
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const h = args[0] as tfjs.Tensor2D;
    return {
      value: tf.scalar(loss),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[]) => {
        const G = gradient instanceof Float64Array ? tf.tensor2d(Float32Array.from(gradient), h.shape) : gradient;
        return tf.mul(dy as tfjs.Tensor, G);
      },
    };
  });
  return (h) => op(h) as tfjs.Scalar;
}

/**
 * The one-pass variant for backends with cheap synchronous reads (cpu, wasm): the op's forward
 * reads h itself and runs weightLossHost; `onResult` receives what it computed.
 */
export function inGraphHostLossOp(
  tf: TfNamespace, t: number, wX: ArrayLike<number>, kind: WeightLossKind, factor: SimilarityFactor, onResult: (r: HostWeightLoss) => void,
): (h: tfjs.Tensor2D) => tfjs.Scalar {
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const h = args[0] as tfjs.Tensor2D;
    const [n, dim] = h.shape;
    const result = weightLossHost(Float64Array.from(h.dataSync()), n, dim, t, wX, kind, factor);
    onResult(result);
    return {
      value: tf.scalar(result.loss),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[]) => tf.mul(dy as tfjs.Tensor, tf.tensor2d(Float32Array.from(result.gradient), [n, dim])),
    };
  });
  return (h) => op(h) as tfjs.Scalar;
}

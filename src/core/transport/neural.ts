// Training neural OT maps on tfjs, from the source cloud μ to the target cloud ν:
//
// - 'icnn' (neural dual, squared Euclidean cost): T = ∇f with f an ICNN, fitted by minimising
//   the dual J(f) = E_μ f(x) + E_ν f*(y). The conjugate f*(y) = ⟨x̂, y⟩ − f(x̂) needs
//   x̂ = argmax_x ⟨x, y⟩ − f(x): a second ICNN g predicts it (x̂ ≈ ∇g(y), amortised, Amos 2023)
//   and a few gradient steps on x ↦ f(x) − ⟨x, y⟩ refine it, preconditioned by the inverse of
//   the data's Gaussian map. By the envelope theorem ∇_θ f*(y) = −∇_θ f(x̂), so the loss is
//   mean f(x) − mean f(x̂) with x̂ held fixed; g is regressed onto the refined x̂.
// - 'monge-gap' (Uscidda and Cuturi 2023): any map network T (an MLP by default) fitted by
//   minimising S_ε(T#μ, ν) + λ_MG · M(T), the debiased Sinkhorn divergence plus the Monge gap
//   M(T) = mean ‖x − T(x)‖² − OT_ε(μ, T#μ) (see `mongeGap` in empirical.ts). Both OT terms are solved in Float64 by the one
//   Sinkhorn solver (empirical.ts); their gradients with respect to the mapped points are those
//   of ⟨P, C⟩ with the optimal plan P held fixed (the envelope theorem again), so each step
//   builds that surrogate in tfjs from the plans.
//
// Either can add a displacement-sparsity penalty λ · mean Σ_j p(T(x)_j − x_j) with the adaptive
// intensity of seed 003 (sparsity.ts). Every step runs in tidy; the only tensors kept across
// steps are the variables and the optimiser's slots, so the tensor count is flat. Seeded
// (weights and batches): the same seed on the same backend gives the same map. Cancellable
// through an AbortSignal, checked at every step.
import type { Optimizer, Scalar, Tensor2D } from '@tensorflow/tfjs';
import type { TfNamespace } from '../tf/backend';
import { seededRng } from '../random';
import { sinkhornPoints } from './empirical';
import { createNetwork, Icnn, type MapNetwork, type NetworkKind } from './networks';
import { empiricalGaussianMap, type AffineMap, type Cloud } from './points';
import { AdaptiveIntensity, displacementPenalty, displacementStats, type IntensityPhase, type SparsityKind } from './sparsity';

export type NeuralMethod = 'icnn' | 'monge-gap';

export interface NeuralMapOptions {
  method: NeuralMethod;
  /** The map network for 'monge-gap' (default 'mlp'); 'icnn' always uses ICNNs. */
  network?: NetworkKind;
  hidden?: number[];
  iterations?: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * ε of the fitting divergence S_ε(T#μ, ν) ('monge-gap'), relative to the mean squared
   * distance between the two clouds. Default 0.05·clamp(d/8, 1, 4): 0.05 (ott-jax's default for
   * point clouds) up to 8 coordinates, growing to 0.2 at 32 and above. A minibatch Sinkhorn
   * divergence's sampling error grows with the dimension as ε shrinks, and it then pulls the map
   * away from the optimum; chosen on a validation pair of Gaussians (law seed 5, not the bench's).
   */
  relativeEpsilon?: number;
  /**
   * ε of the Monge gap's Sinkhorn problem OT_ε(μ, T#μ), relative to the same scale. The gap's
   * entropic bias pulls T off the optimal map, so it wants a smaller ε than the fitting term.
   * Default 0.05 (a smaller ε
   * leaves the gap near 0 for many wrong maps on a minibatch, and the fit drifts).
   */
  mongeGapRelativeEpsilon?: number;
  /** λ_MG, the weight of the Monge gap. Default 1. */
  mongeGapWeight?: number;
  /** Start at the Gaussian (Bures) map of the data's means and covariances. Default true. */
  gaussianInit?: boolean;
  /** Preconditioned gradient steps refining the amortised conjugate ('icnn'). Default 5. */
  conjugateSteps?: number;
  sparsity?: SparsityKind;
  /** Starting intensity λ of the sparsity penalty. Default 0.05. */
  lambda?: number;
  /** The target mean displacement dimension l: turns on the adaptive intensity. */
  targetDim?: number;
  /** Width σ of the smoothed ℓ0, and the |Δ| above which a coordinate counts as moved. Default 0.1 each. */
  sigma?: number;
  threshold?: number;
  /** Steps without the penalty at the start (default a fifth of the iterations) and between λ updates (default 25). */
  warmup?: number;
  adaptEvery?: number;
  seed?: number;
  /** Called every `reportEvery` steps (default 10) and at the end. */
  onProgress?: (point: NeuralTrainPoint) => void;
  reportEvery?: number;
  signal?: AbortSignal;
}

export interface NeuralTrainPoint {
  step: number;
  /** The training loss of the step (method-specific). */
  loss: number;
  /** S_ε(T#μ, ν) on the batch ('monge-gap'), or NaN. */
  divergence: number;
  /** M(T) on the batch ('monge-gap'), or NaN. */
  mongeGap: number;
  /** The dual estimate of W₂² on the batch ('icnn'), or NaN. */
  dualCost: number;
  lambda: number;
  phase: IntensityPhase;
  /** Mean number of coordinates with |Δ| > threshold on the batch. */
  displacementDim: number;
  seconds: number;
}

export interface NeuralMapResult {
  network: MapNetwork;
  /** The conjugate network of 'icnn' (kept for its inverse map), else null. */
  conjugate: MapNetwork | null;
  method: NeuralMethod;
  epsilon: number | null;
  history: NeuralTrainPoint[];
  steps: number;
  cancelled: boolean;
  /** Warnings from the Sinkhorn problems (non-convergence), counted. */
  sinkhornWarnings: number;
  lastWarning: string | null;
  seconds: number;
  /** Dispose of the networks' variables. */
  dispose(): void;
}

function mean2(a: Cloud, b: Cloud): number {
  // E‖x − y‖² over independent x ~ a, y ~ b = tr Σa + tr Σb + ‖ma − mb‖², computed directly.
  const d = a.dim;
  const ma = new Float64Array(d);
  const mb = new Float64Array(d);
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.n; i++) for (let k = 0; k < d; k++) {
    const v = a.data[i * d + k];
    ma[k] += v / a.n;
    sa += (v * v) / a.n;
  }
  for (let i = 0; i < b.n; i++) for (let k = 0; k < d; k++) {
    const v = b.data[i * d + k];
    mb[k] += v / b.n;
    sb += (v * v) / b.n;
  }
  let cross = 0;
  for (let k = 0; k < d; k++) cross += ma[k] * mb[k];
  return sa + sb - 2 * cross;
}

/** Draws `size` rows (with replacement when the cloud is smaller) into a Float32 batch and its Float64 copy. */
function drawBatch(cloud: Cloud, size: number, rng: () => number): { f32: Float32Array; f64: Float64Array; n: number } {
  const d = cloud.dim;
  const n = Math.min(size, cloud.n);
  const f64 = new Float64Array(n * d);
  // Without replacement when possible (a partial Fisher–Yates over a fresh index list is O(N)); a
  // random start plus random stride gives distinct rows cheaply instead.
  const start = Math.floor(rng() * cloud.n);
  let stride = 1 + Math.floor(rng() * (cloud.n - 1));
  while (gcd(stride, cloud.n) !== 1) stride = (stride % (cloud.n - 1)) + 1;
  for (let i = 0; i < n; i++) {
    const row = (start + i * stride) % cloud.n;
    f64.set(cloud.data.subarray(row * d, (row + 1) * d), i * d);
  }
  return { f32: Float32Array.from(f64), f64, n };
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Inverse of a symmetric positive definite matrix (Gauss–Jordan with partial pivoting). */
function inverse(a: Float64Array, d: number): Float64Array {
  const m = Float64Array.from(a);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(m[r * d + c]) > Math.abs(m[p * d + c])) p = r;
    if (p !== c) {
      for (let k = 0; k < d; k++) {
        [m[c * d + k], m[p * d + k]] = [m[p * d + k], m[c * d + k]];
        [inv[c * d + k], inv[p * d + k]] = [inv[p * d + k], inv[c * d + k]];
      }
    }
    const pivot = m[c * d + c] || 1e-12;
    for (let k = 0; k < d; k++) {
      m[c * d + k] /= pivot;
      inv[c * d + k] /= pivot;
    }
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const factor = m[r * d + c];
      if (factor === 0) continue;
      for (let k = 0; k < d; k++) {
        m[r * d + k] -= factor * m[c * d + k];
        inv[r * d + k] -= factor * inv[c * d + k];
      }
    }
  }
  return inv;
}

/** The affine map's inverse y ↦ A⁻¹(y − c). */
function invertAffine(map: AffineMap): AffineMap {
  const d = map.dim;
  const matrix = inverse(map.matrix, d);
  const shift = new Float64Array(d);
  for (let p = 0; p < d; p++) {
    let s = 0;
    for (let q = 0; q < d; q++) s -= matrix[p * d + q] * map.shift[q];
    shift[p] = s;
  }
  return { dim: d, matrix, shift };
}

/** ‖a_i − b_j‖² for every pair (B × B'), clamped at 0 against Float32 cancellation. */
function pairwiseCost(tf: TfNamespace, a: Tensor2D, b: Tensor2D): Tensor2D {
  const aa = tf.sum(tf.square(a), 1, true);
  const bb = tf.transpose(tf.sum(tf.square(b), 1, true));
  return tf.relu(tf.sub(tf.add(aa, bb), tf.mul(2, tf.matMul(a, b, false, true)))) as Tensor2D;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Trains a map from `source` to `target`. The caller owns result.network (dispose it). */
export async function trainNeuralMap(tf: TfNamespace, source: Cloud, target: Cloud, options: NeuralMapOptions): Promise<NeuralMapResult> {
  const start = performance.now();
  if (source.dim !== target.dim) throw new RangeError(`the clouds have ${source.dim} and ${target.dim} coordinates`);
  const d = source.dim;
  const iterations = options.iterations ?? 1000;
  const batchSize = options.batchSize ?? 256;
  const seed = options.seed ?? 0;
  const sparsity = options.sparsity ?? 'none';
  const sigma = options.sigma ?? 0.1;
  const threshold = options.threshold ?? 0.1;
  const reportEvery = options.reportEvery ?? 10;
  const intensity = new AdaptiveIntensity({
    lambda: options.lambda ?? 0.05,
    warmup: options.warmup ?? Math.floor(iterations / 5),
    targetDim: options.targetDim,
    every: options.adaptEvery ?? 25,
  });
  const rng = seededRng(seed * 2654435761 + 1);
  const gaussian = empiricalGaussianMap(source, target);
  const gaussianInit = options.gaussianInit ?? true;
  const hidden = options.hidden ?? [64, 64];
  const learningRate = options.learningRate ?? (options.method === 'icnn' ? 1e-3 : 3e-4);

  const network: MapNetwork =
    options.method === 'icnn'
      ? new Icnn(tf, d, { hidden, seed, init: gaussianInit ? gaussian : undefined })
      : createNetwork(tf, options.network ?? 'mlp', d, { hidden, seed, init: gaussianInit ? gaussian : undefined });
  const inverseGaussian = invertAffine(gaussian);
  const conjugate: Icnn | null = options.method === 'icnn' ? new Icnn(tf, d, { hidden, seed: seed + 1, init: gaussianInit ? inverseGaussian : undefined }) : null;
  const optimizer: Optimizer = tf.train.adam(learningRate);
  const conjugateOptimizer: Optimizer | null = conjugate ? tf.train.adam(learningRate) : null;
  const preconditioner = tf.tensor2d(Float32Array.from(inverseGaussian.matrix), [d, d]);
  const scale = options.method === 'monge-gap' ? mean2(source, target) : NaN;
  const epsilon = options.method === 'monge-gap' ? (options.relativeEpsilon ?? 0.05 * Math.min(4, Math.max(1, d / 8))) * scale : null;
  const gapEpsilon = (options.mongeGapRelativeEpsilon ?? 0.05) * scale;
  const conjugateSteps = options.conjugateSteps ?? 5;
  const mongeGapWeight = options.mongeGapWeight ?? 1;

  const history: NeuralTrainPoint[] = [];
  let sinkhornWarnings = 0;
  let lastWarning: string | null = null;
  let cancelled = false;
  let step = 0;
  // A page that trains must stay responsive (Cancel, redraws): the loop yields at least every 50 ms.
  let lastYield = performance.now();
  const note = (warnings: string[]) => {
    if (warnings.length) {
      sinkhornWarnings += warnings.length;
      lastWarning = warnings[warnings.length - 1];
    }
  };

  try {
    for (; step < iterations; step++) {
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      const xb = drawBatch(source, batchSize, rng);
      const yb = drawBatch(target, batchSize, rng);
      const lambda = intensity.lambda;
      let divergence = NaN;
      let gap = NaN;
      let dualCost = NaN;
      let displacementDim = 0;
      let lossValue = NaN;

      if (options.method === 'monge-gap') {
        const eps = epsilon as number;
        const { value, grads } = tf.variableGrads(() => {
          const x = tf.tensor2d(xb.f32, [xb.n, d]);
          const y = tf.tensor2d(yb.f32, [yb.n, d]);
          const tx = network.map(x);
          const mapped = { n: xb.n, dim: d, data: Float64Array.from(tx.dataSync()) };
          const xCloud = { n: xb.n, dim: d, data: xb.f64 };
          const yCloud = { n: yb.n, dim: d, data: yb.f64 };
          // The four cost matrices once, by tfjs (its matMul); Sinkhorn reads them in Float64.
          const cTY = pairwiseCost(tf, tx, y);
          const cTT = pairwiseCost(tf, tx, tx);
          const cYY = pairwiseCost(tf, y, y);
          const cXT = pairwiseCost(tf, x, tx);
          const solve = (p: Cloud, q: Cloud, c: Tensor2D, e = eps) => {
            const cost = Float64Array.from(c.dataSync());
            const r = sinkhornPoints(p, q, { epsilon: e, tolerance: 1e-4, maxIterations: 2000, cost, epsilonScaling: true });
            note(r.warnings);
            return { r, plan: tf.tensor2d(planFromCost(r, cost), [p.n, q.n]) };
          };
          const cross = solve(mapped, yCloud, cTY);
          const selfT = solve(mapped, mapped, cTT);
          const selfY = solve(yCloud, yCloud, cYY);
          const mg = solve(xCloud, mapped, cXT, gapEpsilon);
          divergence = cross.r.objective - 0.5 * selfT.r.objective - 0.5 * selfY.r.objective;
          let displacement = 0;
          for (let t = 0; t < mapped.data.length; t++) displacement += (mapped.data[t] - xb.f64[t]) ** 2;
          displacement /= xb.n;
          gap = displacement - (mg.r.objective - gapEpsilon * Math.log(xb.n));
          displacementDim = displacementStats(xb.f64, mapped.data, xb.n, d, threshold).meanDimension;
          // Surrogates whose gradients in tx are those of the OT values (plans fixed).
          let loss = tf.sub(tf.sum(tf.mul(cross.plan, cTY)), tf.mul(0.5, tf.sum(tf.mul(selfT.plan, cTT))));
          if (mongeGapWeight > 0) {
            const gapSurrogate = tf.sub(tf.div(tf.sum(tf.square(tf.sub(tx, x))), xb.n), tf.sum(tf.mul(mg.plan, cXT)));
            loss = tf.add(loss, tf.mul(mongeGapWeight, gapSurrogate));
          }
          if (sparsity !== 'none' && lambda > 0) loss = tf.add(loss, tf.mul(lambda, displacementPenalty(tf, sparsity, tf.sub(tx, x) as Tensor2D, sigma)));
          return loss as Scalar;
        }, network.variables);
        // Cosine decay of the step size to 0: the minibatch OT gradients are noisy, and a constant
        // step leaves the map wandering around the optimum (validation law: 1.75% → 0.93% L2-UVP at d = 8).
        (optimizer as unknown as { learningRate: number }).learningRate = learningRate * 0.5 * (1 + Math.cos((Math.PI * step) / iterations));
        optimizer.applyGradients(grads);
        lossValue = value.dataSync()[0];
        tf.dispose([value, grads]);
        network.project();
      } else {
        const f = network as Icnn;
        const g = conjugate as Icnn;
        // The amortised conjugate x̂ ≈ ∇g(y), refined by preconditioned steps x̂ ← x̂ − (∇f(x̂) − y) A⁻¹.
        const xHat = tf.tidy(() => {
          const y = tf.tensor2d(yb.f32, [yb.n, d]);
          let z = g.map(y);
          for (let s = 0; s < conjugateSteps; s++) z = tf.sub(z, tf.matMul(tf.sub(f.map(z), y), preconditioner)) as Tensor2D;
          return z;
        });
        const { value, grads } = tf.variableGrads(() => {
          const x = tf.tensor2d(xb.f32, [xb.n, d]);
          let loss = tf.sub(tf.mean(f.potential(x)), tf.mean(f.potential(xHat)));
          if (sparsity !== 'none' && lambda > 0) {
            const tx = f.map(x);
            loss = tf.add(loss, tf.mul(lambda, displacementPenalty(tf, sparsity, tf.sub(tx, x) as Tensor2D, sigma)));
          }
          return loss as Scalar;
        }, f.variables);
        optimizer.applyGradients(grads);
        tf.dispose(grads);
        f.project();
        const conj = tf.variableGrads(() => {
          const y = tf.tensor2d(yb.f32, [yb.n, d]);
          return tf.mean(tf.sum(tf.square(tf.sub(g.map(y), xHat)), 1)) as Scalar;
        }, g.variables);
        (conjugateOptimizer as Optimizer).applyGradients(conj.grads);
        tf.dispose([conj.value, conj.grads]);
        g.project();
        // The dual estimate of W₂² and the displacement on this batch.
        const stats = tf.tidy(() => {
          const x = tf.tensor2d(xb.f32, [xb.n, d]);
          const y = tf.tensor2d(yb.f32, [yb.n, d]);
          const fx = tf.mean(f.potential(x));
          const conjugateValue = tf.mean(tf.sub(tf.sum(tf.mul(xHat, y), 1, true), f.potential(xHat)));
          const secondMoments = tf.add(tf.div(tf.sum(tf.square(x)), xb.n), tf.div(tf.sum(tf.square(y)), yb.n));
          return { dual: tf.sub(secondMoments, tf.mul(2, tf.add(fx, conjugateValue))).dataSync()[0], tx: f.map(x).dataSync() };
        });
        lossValue = value.dataSync()[0];
        value.dispose();
        xHat.dispose();
        dualCost = stats.dual;
        displacementDim = displacementStats(xb.f64, Float64Array.from(stats.tx), xb.n, d, threshold).meanDimension;
      }
      intensity.update(displacementDim);
      if (!Number.isFinite(lossValue)) {
        throw new Error(`training diverged at step ${step + 1}: the loss is ${lossValue}; lower the learning rate or λ`);
      }
      if ((step + 1) % reportEvery === 0 || step + 1 === iterations) {
        const point: NeuralTrainPoint = { step: step + 1, loss: lossValue, divergence, mongeGap: gap, dualCost, lambda, phase: intensity.phase, displacementDim, seconds: (performance.now() - start) / 1000 };
        history.push(point);
        options.onProgress?.(point);
        await yieldToEventLoop();
        lastYield = performance.now();
      } else if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } catch (err) {
    network.dispose();
    conjugate?.dispose();
    throw err;
  } finally {
    optimizer.dispose();
    conjugateOptimizer?.dispose();
    preconditioner.dispose();
  }
  return {
    network,
    conjugate,
    method: options.method,
    epsilon,
    history,
    steps: step,
    cancelled,
    sinkhornWarnings,
    lastWarning,
    seconds: (performance.now() - start) / 1000,
    dispose() {
      network.dispose();
      conjugate?.dispose();
    },
  };
}

/** The plan exp((f_i + g_j − C_ij)/ε) in Float32, for a tfjs constant. */
function planFromCost(r: { f: Float64Array; g: Float64Array; epsilon: number }, cost: Float64Array): Float32Array {
  const n = r.f.length;
  const m = r.g.length;
  const out = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) out[i * m + j] = Math.exp((r.f[i] + r.g[j] - cost[i * m + j]) / r.epsilon);
  return out;
}


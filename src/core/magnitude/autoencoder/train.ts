// Training the magnitude autoencoder, as in the seed:
//
//   L = L_recons + λ · L_weight,   L_recons = mean (X − X')²   (PyTorch's mse_loss, 'mean'),
//                                  L_weight = mean |w_X − w_h|  (or mean (w_X − w_h)², 'l2'),
//
// with w_X the input's weighting vector at scale t (computed once, exactly) and w_h the code's
// at the same t, differentiated by the adjoint (weightingGrad.ts, weightLoss.ts). First `burnInEpochs` epochs of
// L_recons alone on shuffled mini-batches, then `epochs` full-batch steps of the joint loss (the
// weighting vector is a property of the whole set, so it cannot be mini-batched).
//
// Every step runs inside tf.tidy; the only tensors that outlive a step are the model's variables,
// Adam's moments, X and w_X, so tf.memory().numTensors stays flat. On the cpu backend, with a
// fixed seed (initialisation and burn-in shuffling), two runs give identical numbers. Losses and
// codes are read with awaited data() calls (or inside the op where synchronous reads are cheap),
// so the same loop runs on WebGPU.

import type * as tfjs from '@tensorflow/tfjs';
import { seededRng, shuffleInPlace } from '../../random';
import { magnitudeFunction } from '../magnitudeFunction';
import { pointSpace } from '../metrics';
import { Adam, type WeightDecayMode } from './adam';
import { codeRho, exactWeights, pearson } from './compare';
import { createAutoencoder, type Architecture, type AutoencoderModel } from './models';
import { SimilarityFactor } from './denseSpd';
import {
  inGraphHostLossOp, precomputedLossOp, weightLossDevice, weightLossHost, type CgWarmStart, type HostWeightLoss,
} from './weightLoss';
import type { TfNamespace, WeightingSolveStats, WeightingSolverName } from './weightingGrad';

/** Backends whose synchronous reads are cheap: there L_weight is computed inside the graph. */
const SYNC_READ_BACKENDS = ['cpu', 'wasm'];

export type WeightLoss = 'l1' | 'l2';

export interface AutoencoderConfig {
  architecture: Architecture;
  /** The scale t of both weighting vectors. */
  t: number;
  /** λ, the weight of L_weight. Default 5. */
  lambda: number;
  weightLoss: WeightLoss;
  /** Full-batch joint epochs (one step each). */
  epochs: number;
  /** Mini-batch epochs of L_recons alone before the joint training. */
  burnInEpochs: number;
  burnInBatchSize: number;
  /** Default 1e-2 for the linear model, 1e-3 for the conv model (the seed's). */
  learningRate: number;
  weightDecay: number;
  weightDecayMode: WeightDecayMode;
  /** Seeds the initialisation and the burn-in shuffling. */
  seed: number;
  solver: WeightingSolverName;
  batchNorm: boolean;
  /**
   * Report the codes of the joint step with the lowest total loss instead of the last: the
   * seed's MNIST recipe (it retrained to the epoch minimising L). Chosen by the training loss,
   * never by ρ. Default false.
   */
  keepBest: boolean;
  /** 'cg' solver: relative residual to stop at. Default 1e-5. */
  cgTolerance?: number;
  /**
   * Compute L_weight inside the graph with a synchronous read of h (one encoder pass) rather
   * than reading h asynchronously first (two encoder passes, but WebGPU-safe). Default: true on
   * the cpu and wasm backends with the 'cholesky' solver.
   */
  syncReads?: boolean;
}

export function defaultAutoencoderConfig(architecture: Architecture, t: number): AutoencoderConfig {
  return {
    architecture,
    t,
    lambda: 5,
    weightLoss: 'l1',
    epochs: architecture === 'conv' ? 50 : 400,
    burnInEpochs: architecture === 'conv' ? 5 : 0,
    burnInBatchSize: 100,
    learningRate: architecture === 'conv' ? 1e-3 : 1e-2,
    weightDecay: 1e-5,
    weightDecayMode: 'l2',
    seed: 42,
    solver: 'cholesky',
    batchNorm: true,
    keepBest: false,
  };
}

/** The suggested boundary scale of a point set: where Mag(t) = √n (see magnitudeFunction). */
export function suggestedScale(points: { n: number; dim: number; data: Float64Array }): { t: number; reason: string } {
  return magnitudeFunction(pointSpace(points)).suggestedScale;
}

export type TrainingPhase = 'burn-in' | 'joint';

/** One optimisation step, for the live loss chart. */
export interface TrainingStep {
  phase: TrainingPhase;
  /** 1-based within its phase. */
  epoch: number;
  /** 1-based over the whole run. */
  step: number;
  recons: number;
  /** L_weight (NaN during burn-in, where it is not computed). */
  weight: number;
  /** L_recons + λ·L_weight (L_recons alone during burn-in). */
  total: number;
  /** ρ(w_X, w_h) of the codes this step started from (joint steps; NaN during burn-in). */
  rho: number;
  /** Seconds since the training started. */
  seconds: number;
}

export interface EpochSnapshot {
  phase: TrainingPhase;
  epoch: number;
  /** The codes before this epoch's update (joint) or after the epoch (burn-in), n × codeDim. */
  codes: Float64Array;
  rho: number;
}

export interface TrainingCallbacks {
  onStep?: (step: TrainingStep) => void | Promise<void>;
  /** Called every `snapshotEvery` epochs of either phase (default 10) with the codes. */
  onSnapshot?: (snapshot: EpochSnapshot) => void | Promise<void>;
  snapshotEvery?: number;
  signal?: AbortSignal;
}

export interface AutoencoderInput {
  n: number;
  dim: number;
  /** Row-major n × dim. */
  data: Float64Array;
}

export interface AutoencoderResult {
  config: AutoencoderConfig;
  n: number;
  inputDim: number;
  parameterCount: number;
  /** The reported codes, n × 2 row-major (the last, or the best by loss with keepBest). */
  codes: Float64Array;
  inputWeights: Float64Array;
  codeWeights: Float64Array;
  /** ρ(w_X, w_codes), both exact at scale t. */
  rho: number;
  /** Losses of the reported codes' parameters. */
  final: { recons: number; weight: number; total: number };
  /** Joint epoch whose codes are reported (epochs + 1 = after the last update). */
  reportedEpoch: number;
  history: TrainingStep[];
  seconds: { inputWeights: number; burnIn: number; joint: number; total: number; perBurnInEpoch: number; perJointEpoch: number };
  weighting: WeightingSolveStats;
  aborted: boolean;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
/** Work between two yields at most (ms), about: a page's input is answered within a slice (or one epoch, if longer). */
const SLICE_MS = 25;

export async function trainAutoencoder(
  tf: TfNamespace,
  input: AutoencoderInput,
  config: AutoencoderConfig,
  callbacks: TrainingCallbacks = {},
  inputWeights?: Float64Array,
): Promise<AutoencoderResult> {
  const start = performance.now();
  const elapsed = (): number => (performance.now() - start) / 1000;
  const lastYield = { at: start };
  const { n, dim } = input;
  if (n < 3) throw new RangeError(`the autoencoder needs at least 3 points, got ${n}`);
  if (!(config.t > 0) || !Number.isFinite(config.t)) throw new RangeError(`scale t must be positive and finite, got ${config.t}`);
  const wX = inputWeights ?? exactWeights(input.data, n, dim, config.t);
  if (wX.length !== n) throw new RangeError(`input weights hold ${wX.length} values for ${n} points`);
  const inputWeightSeconds = elapsed();

  const model: AutoencoderModel = createAutoencoder(tf, config.architecture, dim, { seed: config.seed, batchNorm: config.batchNorm });
  const optimizer = new Adam(tf, model.variables, {
    learningRate: config.learningRate,
    weightDecay: config.weightDecay,
    weightDecayMode: config.weightDecayMode,
  });
  const factor = new SimilarityFactor();
  const weightingStats: WeightingSolveStats = {
    solver: config.solver, jitter: 0, forwardResidual: NaN, adjointResidual: NaN, forwardIterations: 0, adjointIterations: 0,
  };
  const xHost = Float32Array.from(input.data);
  const xT = tf.tensor2d(xHost, [n, dim]);
  const history: TrainingStep[] = [];
  const snapshotEvery = Math.max(1, callbacks.snapshotEvery ?? 10);
  const codeDim = model.codeDim;
  const lambda = config.lambda;
  let aborted = false;

  const applyGrads = (grads: tfjs.NamedTensorMap): void => optimizer.apply(model.variables.map((v) => grads[v.name]));

  /** Reads a tensor made by `make` (awaited: WebGPU-safe) and disposes it. */
  const readAll = async (make: () => tfjs.Tensor): Promise<Float64Array> => {
    const tensor = tf.tidy(make);
    try {
      return Float64Array.from(await tensor.data());
    } finally {
      tensor.dispose();
    }
  };
  const encodeAll = (): Promise<Float64Array> => readAll(() => model.encode(xT));

  try {
    // Burn-in: L_recons on shuffled mini-batches.
    const burnInStart = elapsed();
    const rng = seededRng((config.seed ^ 0x5bd1e995) >>> 0);
    const order = Int32Array.from({ length: n }, (_, i) => i);
    const batchSize = Math.max(2, Math.min(config.burnInBatchSize, n));
    let step = 0;
    for (let epoch = 1; epoch <= config.burnInEpochs && !aborted; epoch++) {
      shuffleInPlace(order, rng);
      let lossSum = 0;
      let batches = 0;
      for (let b0 = 0; b0 < n; b0 += batchSize) {
        // A last batch of one point would have no batch statistics: fold it into the previous.
        let b1 = Math.min(n, b0 + batchSize);
        if (n - b1 < 2) b1 = n;
        const rows = b1 - b0;
        const batch = new Float32Array(rows * dim);
        for (let r = 0; r < rows; r++) batch.set(xHost.subarray(order[b0 + r] * dim, (order[b0 + r] + 1) * dim), r * dim);
        const value = tf.tidy(() => {
          const xb = tf.tensor2d(batch, [rows, dim]);
          const { value: loss, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.decode(model.encode(xb)), xb)) as tfjs.Scalar, model.variables);
          applyGrads(grads);
          return loss;
        });
        const recons = (await value.data())[0];
        value.dispose();
        step++;
        lossSum += recons;
        batches++;
        const report: TrainingStep = { phase: 'burn-in', epoch, step, recons, weight: NaN, total: recons, rho: NaN, seconds: elapsed() };
        history.push(report);
        await callbacks.onStep?.(report);
        if (b1 === n) break;
      }
      if (!Number.isFinite(lossSum / batches)) throw new Error(`the reconstruction loss diverged during burn-in epoch ${epoch}`);
      if (callbacks.onSnapshot && (epoch % snapshotEvery === 0 || epoch === config.burnInEpochs)) {
        const codes = await encodeAll();
        await callbacks.onSnapshot({ phase: 'burn-in', epoch, codes, rho: codeRho(wX, codes, codeDim, config.t).rho });
      }
      await yieldToEventLoop();
      if (callbacks.signal?.aborted) aborted = true;
    }
    const burnInSeconds = elapsed() - burnInStart;

    // Joint full-batch training. L_weight and its gradient come from the Float64 host solver
    // (read inside the op on cpu/wasm, or read asynchronously before the graph on GPU backends)
    // or from the device CG; see weightLoss.ts.
    const jointStart = elapsed();
    let best = { total: Infinity, epoch: 0, codes: null as Float64Array | null, recons: NaN, weight: NaN };
    let jointEpochs = 0;
    const syncReads = config.solver === 'cholesky' && (config.syncReads ?? SYNC_READ_BACKENDS.includes(tf.getBackend()));
    const warm: CgWarmStart = { forward: null, adjoint: null };
    for (let epoch = 1; epoch <= config.epochs && !aborted; epoch++) {
      let weightLoss = NaN;
      let codes: Float64Array;
      let wh: ArrayLike<number>;
      let lossOp: (h: tfjs.Tensor2D) => tfjs.Scalar;
      let deviceGradient: tfjs.Tensor2D | null = null;
      let hostResult: HostWeightLoss | null = null;
      if (syncReads) {
        lossOp = inGraphHostLossOp(tf, config.t, wX, config.weightLoss, factor, (r) => {
          hostResult = r;
        });
      } else {
        // The code is computed twice (here and inside the graph); the encoder is deterministic,
        // so both passes see the same h.
        const hPre = tf.tidy(() => model.encode(xT));
        try {
          if (config.solver === 'cholesky') {
            const r = weightLossHost(Float64Array.from(await hPre.data()), n, codeDim, config.t, wX, config.weightLoss, factor);
            hostResult = r;
            lossOp = precomputedLossOp(tf, r.loss, r.gradient);
          } else {
            const r = await weightLossDevice(tf, hPre, wX, config.t, config.weightLoss, warm, { tolerance: config.cgTolerance });
            deviceGradient = r.gradient;
            weightLoss = r.loss;
            wh = r.weights;
            codes = Float64Array.from(await hPre.data());
            Object.assign(weightingStats, {
              forwardIterations: r.forwardIterations, adjointIterations: r.adjointIterations,
              forwardResidual: r.forwardResidual, adjointResidual: r.adjointResidual,
            });
            lossOp = precomputedLossOp(tf, r.loss, r.gradient);
          }
        } finally {
          hPre.dispose();
        }
      }
      const value = tf.tidy(() => {
        const { value: totalT, grads } = tf.variableGrads(() => {
          const h = model.encode(xT);
          const lr = tf.mean(tf.squaredDifference(model.decode(h), xT));
          return tf.add(lr, tf.mul(lossOp(h), lambda)) as tfjs.Scalar;
        }, model.variables);
        applyGrads(grads);
        return totalT;
      });
      const total = (await value.data())[0];
      value.dispose();
      deviceGradient?.dispose();
      const host = hostResult as HostWeightLoss | null;
      if (host) {
        weightLoss = host.loss;
        wh = host.weights;
        codes = host.coords;
        Object.assign(weightingStats, { jitter: host.jitter, forwardResidual: host.forwardResidual, adjointResidual: host.adjointResidual });
      }
      // L_recons from the total: the graph returns one scalar, and L_weight is known exactly.
      const recons = total - lambda * weightLoss;
      jointEpochs++;
      if (!Number.isFinite(total)) throw new Error(`the loss diverged at joint epoch ${epoch} (L_weight ${weightLoss})`);
      const rho = pearson(wX, wh!);
      step++;
      const report: TrainingStep = { phase: 'joint', epoch, step, recons, weight: weightLoss, total, rho, seconds: elapsed() };
      history.push(report);
      if (total < best.total) best = { total, epoch, codes: codes!, recons, weight: weightLoss };
      await callbacks.onStep?.(report);
      if (callbacks.onSnapshot && (epoch % snapshotEvery === 0 || epoch === 1)) await callbacks.onSnapshot({ phase: 'joint', epoch, codes: codes!, rho });
      // Yield by time, not by count: on a synchronous backend (wasm, cpu) ten epochs can hold the
      // page's thread for seconds, and an interaction needs several turns of its event loop.
      if (performance.now() - lastYield.at > SLICE_MS) {
        await yieldToEventLoop();
        lastYield.at = performance.now();
      }
      if (callbacks.signal?.aborted) aborted = true;
    }
    const jointSeconds = elapsed() - jointStart;

    // The parameters after the last update, evaluated once more.
    const finalCodes = await encodeAll();
    const finalRecons = (await readAll(() => tf.mean(tf.squaredDifference(model.decode(model.encode(xT)), xT))))[0];
    const finalFit = codeRho(wX, finalCodes, codeDim, config.t);
    let finalWeight = 0;
    for (let i = 0; i < n; i++) {
      const d = finalFit.weights[i] - wX[i];
      finalWeight += config.weightLoss === 'l2' ? d * d : Math.abs(d);
    }
    finalWeight /= n;
    const finalTotal = finalRecons + lambda * finalWeight;
    let codes = finalCodes;
    let codeWeights = finalFit.weights;
    let rho = finalFit.rho;
    let final = { recons: finalRecons, weight: finalWeight, total: finalTotal };
    let reportedEpoch = jointEpochs + 1;
    if (config.keepBest && best.codes && best.total < finalTotal) {
      const fit = codeRho(wX, best.codes, codeDim, config.t);
      codes = best.codes;
      codeWeights = fit.weights;
      rho = fit.rho;
      final = { recons: best.recons, weight: best.weight, total: best.total };
      reportedEpoch = best.epoch;
    }
    const total = elapsed();
    return {
      config,
      n,
      inputDim: dim,
      parameterCount: model.parameterCount,
      codes,
      inputWeights: wX,
      codeWeights,
      rho,
      final,
      reportedEpoch,
      history,
      seconds: {
        inputWeights: inputWeightSeconds,
        burnIn: burnInSeconds,
        joint: jointSeconds,
        total,
        perBurnInEpoch: config.burnInEpochs > 0 ? burnInSeconds / config.burnInEpochs : 0,
        perJointEpoch: jointEpochs > 0 ? jointSeconds / jointEpochs : 0,
      },
      weighting: { ...weightingStats },
      aborted,
    };
  } finally {
    xT.dispose();
    optimizer.dispose();
    model.dispose();
  }
}

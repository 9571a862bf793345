// The training loop shared by the learned imputers: masked-autoencoder steps on windows of
// the data, normalised with training statistics, validated on fixed corrupted windows with
// early stopping, and sliding-window prediction for the whole matrix.
import type * as tfType from '@tensorflow/tfjs';
import type { MaskedMatrix } from '../matrix/masked';
import { seededRng } from '../random';
import { GradNorm } from './gradnorm';
import { KronImputer, type KronConfig } from './models/kron';
import { coveringStarts, DEFAULT_CORRUPTION, fitNormaliser, makeBatch, type CorruptionOptions, type Normaliser, type WindowBatch } from './windows';

type Tf = typeof tfType;

export interface TrainOptions {
  model?: Partial<Omit<KronConfig, 'cols'>>;
  batchSize?: number;
  learningRate?: number;
  /** Stop after this many steps, or this many seconds, whichever comes first. */
  maxSteps?: number;
  maxSeconds?: number;
  validateEvery?: number;
  /** Stop when validation has not improved for this many validations. */
  patience?: number;
  corruption?: CorruptionOptions;
  /** How the zero-truth and nonzero-truth losses are combined. */
  balance?: 'gradnorm' | 'fixed' | 'single';
  alpha?: number;
  seed?: number;
  /** Rows the training windows are drawn from (default: all). */
  trainRows?: [number, number];
  onProgress?: (p: TrainProgress) => void;
}

export interface TrainProgress {
  step: number;
  seconds: number;
  loss: number;
  lossNonzero: number;
  lossZero: number;
  weights: [number, number];
  validation?: number;
}

export interface TrainedImputer {
  model: KronImputer;
  norm: Normaliser;
  history: TrainProgress[];
  bestValidation: number;
  steps: number;
  seconds: number;
}

function maskedMean(tf: Tf, err: tfType.Tensor, mask: tfType.Tensor): tfType.Scalar {
  return err.mul(mask).sum().div(mask.sum().add(1e-6)) as tfType.Scalar;
}

export async function trainKronImputer(tf: Tf, data: MaskedMatrix, options: TrainOptions = {}): Promise<TrainedImputer> {
  const seed = options.seed ?? 0;
  const config: KronConfig = { steps: 24, channels: 32, depth: 3, keyWidth: 16, seed, ...options.model, cols: data.cols };
  const rows = options.trainRows ?? [0, data.rows];
  const norm = fitNormaliser(data, rows);
  const rng = seededRng(seed + 1);
  const model = new KronImputer(tf, config);
  const optimizer = tf.train.adam(options.learningRate ?? 2e-3);
  const batchSize = options.batchSize ?? 16;
  const corruption = options.corruption ?? DEFAULT_CORRUPTION;
  const balance = options.balance ?? 'single';
  const gradnorm = new GradNorm(2, { alpha: options.alpha ?? 1.5 });
  const maxSteps = options.maxSteps ?? 5000;
  const maxSeconds = options.maxSeconds ?? Infinity;
  const validateEvery = options.validateEvery ?? 100;
  const patience = options.patience ?? 10;
  const span = rows[1] - rows[0] - config.steps;
  if (span < 0) throw new Error(`the training rows (${rows[1] - rows[0]}) are fewer than a window (${config.steps})`);
  const randomStarts = (n: number, r: () => number) => Array.from({ length: n }, () => rows[0] + Math.floor(r() * (span + 1)));
  // A fixed validation set: the same corrupted windows every time.
  const validationRng = seededRng(seed + 99);
  const validation = makeBatch(data, norm, randomStarts(64, validationRng), config.steps, { rng: validationRng, corruption });

  const lossTerms = (batch: WindowBatch) => {
    const pred = model.forward(batch);
    const shape = [batch.batch, batch.steps, batch.cols] as [number, number, number];
    const truth = tf.tensor3d(batch.truth, shape);
    const target = tf.tensor3d(batch.target, shape);
    const zero = tf.tensor3d(batch.zeroTruth, shape);
    const err = pred.sub(truth).abs();
    const nonzeroMask = target.mul(tf.scalar(1).sub(zero));
    const zeroMask = target.mul(zero);
    return { all: maskedMean(tf, err, target), nonzero: maskedMean(tf, err, nonzeroMask), zero: maskedMean(tf, err, zeroMask) };
  };

  const history: TrainProgress[] = [];
  let best = Infinity;
  let bestWeights: Float32Array[] | null = null;
  let sinceBest = 0;
  const t0 = Date.now();
  let step = 0;
  for (; step < maxSteps; step++) {
    const seconds = (Date.now() - t0) / 1000;
    if (seconds > maxSeconds) break;
    const batch = makeBatch(data, norm, randomStarts(batchSize, rng), config.steps, { rng, corruption });
    let weights: [number, number] = [1, 1];
    if (balance === 'gradnorm') {
      const stats = tf.tidy(() => {
        const terms = () => lossTerms(batch);
        const gNz = tf.variableGrads(() => terms().nonzero, [model.shared]).grads[model.shared.name].norm().dataSync()[0];
        const gZ = tf.variableGrads(() => terms().zero, [model.shared]).grads[model.shared.name].norm().dataSync()[0];
        const t = terms();
        return { lNz: t.nonzero.dataSync()[0], lZ: t.zero.dataSync()[0], gNz, gZ };
      });
      if (stats.lZ > 0 && stats.lNz > 0) gradnorm.update([stats.lNz, stats.lZ], [stats.gNz, stats.gZ]);
      weights = [gradnorm.weights[0], gradnorm.weights[1]];
    }
    const record = tf.tidy(() => {
      let lossValues: number[] = [];
      optimizer.minimize(
        () => {
          const t = lossTerms(batch);
          lossValues = [t.all, t.nonzero, t.zero].map((x) => x.dataSync()[0]);
          if (balance === 'single') return t.all;
          return t.nonzero.mul(weights[0]).add(t.zero.mul(weights[1])) as tfType.Scalar;
        },
        false,
        model.variables,
      );
      return lossValues;
    });
    const progress: TrainProgress = { step, seconds, loss: record[0], lossNonzero: record[1], lossZero: record[2], weights };
    if ((step + 1) % validateEvery === 0) {
      const v = tf.tidy(() => lossTerms(validation).all.dataSync()[0]);
      progress.validation = v;
      if (v < best) {
        best = v;
        sinceBest = 0;
        bestWeights = model.variables.map((x) => x.dataSync() as Float32Array).map((a) => a.slice());
      } else if (++sinceBest >= patience) {
        history.push(progress);
        options.onProgress?.(progress);
        step++;
        break;
      }
    }
    history.push(progress);
    options.onProgress?.(progress);
    // Yield so a UI (or a cancel) can run between steps.
    if (step % 10 === 9) await new Promise((r) => setTimeout(r, 0));
  }
  if (bestWeights) model.variables.forEach((v, i) => v.assign(tf.tensor(bestWeights![i], v.shape)));
  optimizer.dispose();
  return { model, norm, history, bestValidation: best, steps: step, seconds: (Date.now() - t0) / 1000 };
}

/**
 * Predicts every entry of `data` from what it observes, with sliding windows (stride half a
 * window), averaging where windows overlap. Returns de-normalised values, row-major.
 */
export function predictMatrix(tf: Tf, trained: TrainedImputer, data: MaskedMatrix, batchSize = 32): Float64Array {
  const steps = trained.model.config.steps;
  const starts = coveringStarts(0, data.rows, steps, Math.max(1, Math.floor(steps / 2)));
  const sum = new Float64Array(data.rows * data.cols);
  const count = new Float64Array(data.rows * data.cols);
  for (let s = 0; s < starts.length; s += batchSize) {
    const chunk = starts.slice(s, s + batchSize);
    const batch = makeBatch(data, trained.norm, chunk, steps);
    const pred = tf.tidy(() => trained.model.forward(batch).dataSync() as Float32Array);
    chunk.forEach((start, w) => {
      for (let i = 0; i < steps; i++) {
        for (let j = 0; j < data.cols; j++) {
          const k = (start + i) * data.cols + j;
          sum[k] += pred[(w * steps + i) * data.cols + j];
          count[k]++;
        }
      }
    });
  }
  const out = new Float64Array(data.rows * data.cols);
  for (let k = 0; k < out.length; k++) out[k] = data.observed[k] ? data.values[k] : (sum[k] / count[k]) * trained.norm.std + trained.norm.mean;
  return out;
}

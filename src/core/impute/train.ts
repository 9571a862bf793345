// The training loop shared by the learned imputers (Kron, ViT, UNet): masked-autoencoder steps
// on windows of the training rows, values normalised with training statistics, the zero-truth
// and nonzero-truth losses balanced by GradNorm (or fixed weights, or one plain loss),
// validation at every epoch end with early stopping, checkpoints, pause and cancel, and
// sliding-window prediction of the whole matrix.
import type * as tfType from '@tensorflow/tfjs';
import type { MaskedMatrix } from '../matrix/masked';
import { ShampooOptimizer } from '../optim/shampoo';
import { seededRng } from '../random';
import { GradNorm, type GradNormState } from './gradnorm';
import { createImputer, MODEL_DEFAULTS, type DeepMethod, type ImputerModel, type ModelContext } from './models';
import { placeDistances } from '../geo/h3';
import { withMask } from '../matrix/masked';
import { asRanges, coveringStarts, DEFAULT_CORRUPTION, fitNormaliser, makeBatch, columnUnits, type CorruptionOptions, type Normaliser, type NormaliseKind, type RowRanges, type WindowBatch } from './windows';

type Tf = typeof tfType;

export type Balance = 'gradnorm' | 'fixed' | 'single';
export type LossKind = 'mae' | 'mse';
export type OptimizerKind = 'adam' | 'shampoo';

export interface TrainOptions {
  method?: DeepMethod;
  /** Architecture settings (window `steps`, `channels`, `depth`, ...), over the method's defaults. */
  model?: Record<string, number>;
  batchSize?: number;
  learningRate?: number;
  optimizer?: OptimizerKind;
  loss?: LossKind;
  /** How the zero-truth and nonzero-truth losses are combined. */
  balance?: Balance;
  /** GradNorm's α. */
  alpha?: number;
  /** The weights [w_nz, w_z] for `balance: 'fixed'`. */
  fixedWeights?: [number, number];
  /** Limits: whichever comes first ends training. */
  maxEpochs?: number;
  maxSteps?: number;
  maxSeconds?: number;
  /** Steps per epoch (default: enough windows to cover the training rows once). */
  stepsPerEpoch?: number;
  /** Stop when validation has not improved for this many epochs. */
  patience?: number;
  corruption?: CorruptionOptions;
  seed?: number;
  /** Rows the training windows are drawn from, one range or several (default: all); every window lies inside one range. */
  trainRows?: RowRanges;
  /**
   * Validation: the model predicts the rows of `ranges` from the data it is given, and is
   * scored at `targets` (entries the caller hid from the data) against `truth`. The ranges
   * must not overlap the training rows. Without it, the trainer holds out validation itself:
   * the last rows of the training rows (15%, at least a window), where it hides a seeded
   * quarter of the observed entries; training windows then stay out of those rows.
   */
  validation?: Validation;
  /** Values normalised globally (one mean and scale) or per column (robust centre and scale). */
  normalise?: NormaliseKind;
  /**
   * A base imputation to learn the residual over (data units, row-major over the data), in
   * place of each window's linear interpolation. It must have been computed without the
   * entries training hides: those are `hidden` (only they are hidden and learned); `validation`
   * is the base computed from the validation input.
   */
  base?: { train: Float64Array; hidden: Uint8Array; validation: Float64Array };
  onProgress?: (p: TrainProgress) => void;
  /**
   * Called at every epoch end with a checkpoint and the live model (current weights; read it,
   * don't train it); training waits for it, so it can be saved.
   */
  onEpoch?: (c: Checkpoint, model: ImputerModel, norm: Normaliser) => void | Promise<void>;
  /** Polled between steps: 'pause' or 'cancel' ends training after the current step. */
  shouldStop?: () => 'pause' | 'cancel' | null;
  /**
   * Keeps a step under about this many seconds, so a panel's pause and cancel answer within one
   * step: after a step that took longer (the session's first, which compiles, is not counted),
   * the batch shrinks in proportion for the steps after it (never below 1 window). The batch in
   * use is kept in the checkpoint and told to `onBatchSize`.
   */
  stepBudgetSeconds?: number;
  onBatchSize?: (batchSize: number, stepSeconds: number) => void;
  /** Continue from a checkpoint (same data and settings). */
  resume?: Checkpoint;
  /**
   * Exponential moving average of the weights (Polyak averaging), with this decay per step;
   * validation, the kept best weights and `onEpoch` see the average. 0 turns it off.
   */
  average?: number;
  /** Sees every training batch before its step (what training sees; the tests check it never holds a validation entry). */
  onBatch?: (batch: WindowBatch) => void;
  /** Yield to the event loop every this many steps (default 5; a panel on a slow GPU wants 1). */
  yieldEvery?: number;
}

export interface Validation {
  ranges: [number, number][];
  targets: Uint8Array;
  truth: Float64Array;
}

export interface TrainProgress {
  step: number;
  epoch: number;
  seconds: number;
  loss: number;
  lossNonzero: number;
  lossZero: number;
  /** [w_nz, w_z] used for this step. */
  weights: [number, number];
  /** Validation MAE in the data's units, at epoch ends. */
  validation?: number;
}

/** Everything needed to rebuild the model and continue training. */
export interface Checkpoint {
  method: DeepMethod;
  config: Record<string, number>;
  norm: Normaliser;
  /** The current weights, in the model's variable order. */
  weights: { name: string; shape: number[]; values: Float32Array }[];
  /** The best weights by validation so far (what a finished run keeps). */
  bestWeights: { name: string; shape: number[]; values: Float32Array }[] | null;
  bestValidation: number;
  sinceBest: number;
  step: number;
  epoch: number;
  seconds: number;
  gradnorm: GradNormState;
  /** The optimiser's state: Adam's moments and step count, or Shampoo's statistics, roots and step count. */
  optimizerState: { name: string; shape: number[]; values: Float32Array }[] | null;
  /** The moving average of the weights (absent when averaging is off). */
  averageWeights?: { name: string; shape: number[]; values: Float32Array }[] | null;
  history: TrainProgress[];
  options: { batchSize: number; learningRate: number; optimizer: OptimizerKind; loss: LossKind; balance: Balance; alpha: number; seed: number; average?: number };
}

/** Weight averaging is off by default (the AQI-36 figures in BENCHMARKS.md are without it); 0.995 is about a 200-step horizon. */
export const DEFAULT_AVERAGE = 0;

export type StopReason = 'max-epochs' | 'max-steps' | 'max-seconds' | 'early-stop' | 'paused' | 'cancelled';

export interface TrainedImputer {
  model: ImputerModel;
  norm: Normaliser;
  history: TrainProgress[];
  bestValidation: number;
  steps: number;
  epochs: number;
  seconds: number;
  stopped: StopReason;
  /** The final state, for saving (the model holds the best weights). */
  checkpoint: Checkpoint;
}

/** The variables' values, read asynchronously (a synchronous read stalls, or fails, on WebGPU). */
async function snapshot(model: ImputerModel) {
  const values = await Promise.all(model.variables.map((v) => v.data() as Promise<Float32Array>));
  return model.variables.map((v, i) => ({ name: v.name, shape: [...v.shape], values: values[i].slice() }));
}

/** A prediction computed in a tidy and read back without blocking. */
async function readPrediction(tf: Tf, model: ImputerModel, batch: WindowBatch): Promise<Float32Array> {
  const t = tf.tidy(() => model.forward(batch).prediction);
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

export function restoreWeights(tf: Tf, model: ImputerModel, weights: Checkpoint['weights']): void {
  if (weights.length !== model.variables.length) throw new Error(`the saved weights have ${weights.length} tensors; the model has ${model.variables.length}`);
  model.variables.forEach((v, i) => {
    const w = weights[i];
    if (w.shape.join('x') !== v.shape.join('x')) throw new Error(`saved weight ${i} has shape ${w.shape.join('x')}; the model expects ${v.shape.join('x')}`);
    tf.tidy(() => v.assign(tf.tensor(w.values, v.shape)));
  });
}

/**
 * What a model takes from the data: the columns' grid distances when their places are known and
 * the settings ask for them (N² grid distances are not free for thousands of H3 cells).
 */
export function modelContext(data: Pick<MaskedMatrix, 'places' | 'h3Resolution'>, settings: Record<string, number>): ModelContext {
  if (!settings.spatialBias) return {};
  return { columnDistances: data.places && data.h3Resolution !== undefined ? placeDistances(data.places, data.h3Resolution) : null };
}

/**
 * Builds the model a checkpoint describes, with its best (or current) weights. `data` supplies
 * what the model takes from the data (a Kron model with a spatial bias needs the columns' places).
 */
export function modelFromCheckpoint(tf: Tf, c: Checkpoint, which: 'best' | 'current' = 'best', data?: Pick<MaskedMatrix, 'places' | 'h3Resolution'>): ImputerModel {
  const { cols, ...settings } = c.config;
  const model = createImputer(tf, c.method, settings, cols, data ? modelContext(data, settings) : {});
  restoreWeights(tf, model, which === 'best' && c.bestWeights ? c.bestWeights : c.weights);
  return model;
}

export async function trainImputer(tf: Tf, data: MaskedMatrix, options: TrainOptions = {}): Promise<TrainedImputer> {
  const resume = options.resume;
  const method = resume?.method ?? options.method ?? 'kron';
  const seed = resume?.options.seed ?? options.seed ?? 0;
  const settings: Record<string, number> = resume ? { ...resume.config } : { ...MODEL_DEFAULTS[method], seed, ...options.model };
  delete settings.cols;
  const model = createImputer(tf, method, settings, data.cols, modelContext(data, settings));
  if (resume) restoreWeights(tf, model, resume.weights);
  // Over a base, the head starts at zero: the untrained model is the base itself (and is
  // validated before the first step, so the kept model is never worse than the base on validation).
  else if (options.base) tf.tidy(() => model.shared.assign(tf.zerosLike(model.shared)));
  const steps = model.config.steps;
  let batchSize = resume?.options.batchSize ?? options.batchSize ?? 16;
  const learningRate = resume?.options.learningRate ?? options.learningRate ?? 2e-3;
  const optimizerKind = resume?.options.optimizer ?? options.optimizer ?? 'adam';
  const lossKind = resume?.options.loss ?? options.loss ?? 'mae';
  const balance = resume?.options.balance ?? options.balance ?? 'gradnorm';
  const alpha = resume?.options.alpha ?? options.alpha ?? 1.5;
  const average = resume ? (resume.options.average ?? 0) : (options.average ?? DEFAULT_AVERAGE);
  const base = options.base;
  // With a base, training hides exactly the entries the base did not see.
  const corruption = options.corruption ?? (base ? BASE_CORRUPTION : DEFAULT_CORRUPTION);
  let ranges = asRanges(options.trainRows ?? [0, data.rows]);
  let validation = options.validation;
  let validationData = data;
  if (!validation) {
    const own = selfValidation(data, ranges, steps, seed);
    ranges = own.trainRows;
    validation = own.validation;
    validationData = own.input;
  }
  checkValidation(validation, ranges, data);
  // Window starts: every start whose window lies inside one training range.
  const windowRanges = ranges.filter(([a, b]) => b - a >= steps);
  const startCount = windowRanges.reduce((n, [a, b]) => n + (b - a - steps + 1), 0);
  if (startCount === 0) throw new Error(`the training rows (${ranges.map(([a, b]) => b - a).join(', ')}) are fewer than a window (${steps} steps)`);
  const trainRowCount = windowRanges.reduce((n, [a, b]) => n + b - a, 0);
  const norm = resume?.norm ?? fitNormaliser(data, ranges, options.normalise ?? 'global');
  const epochSteps = () => options.stepsPerEpoch ?? Math.max(1, Math.ceil(trainRowCount / steps / batchSize));
  let stepsPerEpoch = epochSteps();
  const stepBudget = options.stepBudgetSeconds ?? Infinity;
  let sessionSteps = 0;
  const maxEpochs = options.maxEpochs ?? 200;
  const maxSteps = options.maxSteps ?? Infinity;
  const maxSeconds = options.maxSeconds ?? Infinity;
  const patience = options.patience ?? 8;

  // The step's random stream is derived from (seed, step), so a resumed run draws the same
  // windows as an uninterrupted one would have.
  const startAt = (index: number) => {
    for (const [a, b] of windowRanges) {
      const n = b - a - steps + 1;
      if (index < n) return a + index;
      index -= n;
    }
    throw new RangeError('window index out of range');
  };
  const randomStarts = (n: number, r: () => number) => Array.from({ length: n }, () => startAt(Math.floor(r() * startCount)));
  const v = validation;
  const validate = async (): Promise<number> => {
    let sum = 0;
    let count = 0;
    for (const range of v.ranges) {
      const [from, to] = widen(range, steps, data.rows);
      const out = await predictRows(tf, model, norm, validationData, [from, to], 32, base?.validation);
      for (let r = range[0]; r < range[1]; r++) {
        for (let j = 0; j < data.cols; j++) {
          const k = r * data.cols + j;
          if (!v.targets[k]) continue;
          sum += Math.abs(out[(r - from) * data.cols + j] - v.truth[k]);
          count++;
        }
      }
    }
    return count ? sum / count : NaN;
  };

  const gradnorm = new GradNorm(2, { alpha });
  if (resume) gradnorm.restore(resume.gradnorm);
  const fixed = options.fixedWeights ?? [1, 1];
  const adam = optimizerKind === 'adam' ? tf.train.adam(learningRate) : null;
  const shampoo = optimizerKind === 'shampoo' ? new ShampooOptimizer(tf, { learningRate, rootEvery: 10 }) : null;

  const history: TrainProgress[] = resume ? [...resume.history] : [];
  let best = resume?.bestValidation ?? Infinity;
  let bestWeights = resume?.bestWeights ?? null;
  let sinceBest = resume?.sinceBest ?? 0;
  let step = resume?.step ?? 0;
  let epoch = resume?.epoch ?? 0;
  const secondsBefore = resume?.seconds ?? 0;
  const t0 = Date.now();
  const elapsed = () => secondsBefore + (Date.now() - t0) / 1000;
  let stopped: StopReason = 'max-epochs';

  if (resume?.optimizerState && shampoo) shampoo.setState(model.variables, resume.optimizerState);
  if (resume?.optimizerState && adam) {
    const named = resume.optimizerState.map((w) => ({ name: w.name, tensor: tf.tensor(w.values, w.shape, w.name === 'iter' ? 'int32' : 'float32') }));
    await adam.setWeights(named); // copies into its own variables
    tf.dispose(named.map((w) => w.tensor));
  }
  const optimizerState = async () => {
    if (shampoo) return shampoo.getState(model.variables);
    if (!adam) return null;
    const named = await adam.getWeights();
    const values = await Promise.all(named.map((w) => w.tensor.data()));
    const out = named.map((w, i) => ({ name: w.name, shape: [...w.tensor.shape], values: Float32Array.from(values[i]) }));
    // The step count is a fresh tensor; the moments are Adam's live variables.
    named.filter((w) => w.name === 'iter').forEach((w) => w.tensor.dispose());
    return out;
  };

  // The moving average of the weights, and swapping it in and out of the model.
  const shadow = average > 0 ? model.variables.map((v) => tf.tidy(() => tf.variable(v.clone(), false))) : null;
  if (shadow && resume?.averageWeights) shadow.forEach((v, i) => tf.tidy(() => v.assign(tf.tensor(resume.averageWeights![i].values, v.shape))));
  const updateAverage = (stepIndex: number) => {
    if (!shadow) return;
    // A warm-up decay, so the early average is not stuck at the initial weights.
    const d = Math.min(average, (1 + stepIndex) / (10 + stepIndex));
    tf.tidy(() => shadow.forEach((a, i) => a.assign(a.mul(d).add(model.variables[i].mul(1 - d)))));
  };
  /** Runs `fn` with the averaged weights in the model, then puts the trained ones back. */
  const withAverage = async <R>(fn: () => Promise<R>): Promise<R> => {
    if (!shadow) return fn();
    const current = model.variables.map((v) => v.clone());
    model.variables.forEach((v, i) => v.assign(shadow[i]));
    try {
      return await fn();
    } finally {
      model.variables.forEach((v, i) => v.assign(current[i]));
      tf.dispose(current);
    }
  };
  const averageSnapshot = async () => {
    if (!shadow) return null;
    const values = await Promise.all(shadow.map((v) => v.data() as Promise<Float32Array>));
    return shadow.map((v, i) => ({ name: model.variables[i].name, shape: [...v.shape], values: values[i].slice() }));
  };

  const checkpoint = async (): Promise<Checkpoint> => ({
    method,
    config: { ...(model.config as unknown as Record<string, number>) },
    norm,
    weights: await snapshot(model),
    bestWeights,
    bestValidation: best,
    sinceBest,
    step,
    epoch,
    seconds: elapsed(),
    gradnorm: gradnorm.state(),
    optimizerState: await optimizerState(),
    averageWeights: await averageSnapshot(),
    history: [...history],
    options: { batchSize, learningRate, optimizer: optimizerKind, loss: lossKind, balance, alpha, seed, average },
  });

  let stats: tfType.Tensor[] = [];
  /**
   * One step; returns the losses and the unweighted gradient norms at the shared layer. The
   * forward and backward pass run in a tidy that returns only the gradients and the statistics;
   * the optimiser applies the gradients outside it, so the state it keeps between steps
   * (Adam's moments, Shampoo's statistics and inverse roots) is never a tidy's to free.
   */
  const trainStep = async (batch: WindowBatch, weights: [number, number]) => {
    const { kept, grads } = tf.tidy(() => {
      const shape = [batch.batch, batch.steps, batch.cols] as [number, number, number];
      const truth = tf.tensor3d(batch.truth, shape);
      const target = tf.tensor3d(batch.target, shape);
      const zero = tf.tensor3d(batch.zeroTruth, shape);
      const masks = [target.mul(tf.scalar(1).sub(zero)), target.mul(zero)];
      const counts = masks.map((m) => m.sum().add(1e-6));
      const allCount = target.sum().add(1e-6);
      const objective = () => {
        const { prediction, headInput } = model.forward(batch);
        const diff = prediction.sub(truth);
        const err = lossKind === 'mae' ? diff.abs() : diff.square();
        const lNz = err.mul(masks[0]).sum().div(counts[0]) as tfType.Scalar;
        const lZ = err.mul(masks[1]).sum().div(counts[1]) as tfType.Scalar;
        const all = err.mul(target).sum().div(allCount) as tfType.Scalar;
        // ‖∇_shared L_i‖ = ‖headInputᵀ · toHead(∂L_i/∂pred)‖, with ∂L_i/∂pred in closed form.
        // (These tensors do not lead to the returned loss, so backprop ignores them.)
        const slope = (lossKind === 'mae' ? diff.sign() : diff.mul(2)) as tfType.Tensor3D;
        // (An explicit transpose: wasm's transposed matMul is many times slower.)
        const headT = headInput.transpose();
        const norms = masks.map((m, i) => headT.matMul(model.toHead(slope.mul(m).div(counts[i]) as tfType.Tensor3D)).norm());
        stats = [all, lNz, lZ, ...norms].map((t) => tf.keep(t.clone())); // kept: variableGrads tidies what the objective makes
        if (balance === 'single') return all;
        return lNz.mul(weights[0]).add(lZ.mul(weights[1])) as tfType.Scalar;
      };
      const { grads } = tf.variableGrads(objective, model.variables);
      return { kept: tf.stack(stats), grads };
    });
    tf.dispose(stats);
    if (adam) adam.applyGradients(grads as Parameters<typeof adam.applyGradients>[0]);
    else shampoo!.applyGradients(grads);
    tf.dispose(Object.values(grads));
    const values = await kept.data();
    kept.dispose();
    return { all: values[0], nonzero: values[1], zero: values[2], gradNorms: [values[3], values[4]] };
  };

  if (base && !resume) {
    best = await validate();
    bestWeights = await snapshot(model);
  }

  outer: while (epoch < maxEpochs) {
    // A batch shrunk to the step budget makes an epoch's steps more (the epoch still covers the training rows).
    stepsPerEpoch = epochSteps();
    for (let s = 0; s < stepsPerEpoch; s++) {
      if (step >= maxSteps) {
        stopped = 'max-steps';
        break outer;
      }
      if (elapsed() >= maxSeconds) {
        stopped = 'max-seconds';
        break outer;
      }
      const request = options.shouldStop?.();
      if (request) {
        stopped = request === 'pause' ? 'paused' : 'cancelled';
        break outer;
      }
      const rng = seededRng(seed * 1_000_003 + step + 1);
      const batch = makeBatch(data, norm, randomStarts(batchSize, rng), steps, { rng, corruption, base: base?.train, hideable: base?.hidden });
      options.onBatch?.(batch);
      const weights: [number, number] = balance === 'gradnorm' ? [gradnorm.weights[0], gradnorm.weights[1]] : balance === 'fixed' ? fixed : [1, 1];
      const stepStarted = Date.now();
      const r = await trainStep(batch, weights);
      const stepSeconds = (Date.now() - stepStarted) / 1000;
      if (sessionSteps++ > 0 && stepSeconds > stepBudget && batchSize > 1) {
        batchSize = Math.max(1, Math.floor((batchSize * stepBudget) / stepSeconds));
        options.onBatchSize?.(batchSize, stepSeconds);
      }
      if (!Number.isFinite(r.all)) throw new Error(`training diverged at step ${step} (loss ${r.all}); try a lower learning rate`);
      updateAverage(step);
      // GradNorm needs both losses present in the batch; otherwise the weights carry over.
      if (balance === 'gradnorm' && r.nonzero > 0 && r.zero > 0) gradnorm.update([r.nonzero, r.zero], r.gradNorms);
      const progress: TrainProgress = { step, epoch, seconds: elapsed(), loss: r.all, lossNonzero: r.nonzero, lossZero: r.zero, weights };
      step++;
      const epochEnd = s === stepsPerEpoch - 1;
      if (epochEnd) {
        const v = await withAverage(async () => {
          const value = await validate();
          if (value < best) bestWeights = await snapshot(model);
          return value;
        });
        progress.validation = v;
        if (v < best) {
          best = v;
          sinceBest = 0;
        } else sinceBest++;
      }
      history.push(progress);
      options.onProgress?.(progress);
      if (epochEnd) {
        epoch++;
        if (options.onEpoch) {
          const c = await checkpoint();
          await withAverage(async () => options.onEpoch!(c, model, norm));
        }
        if (sinceBest >= patience) {
          stopped = 'early-stop';
          break outer;
        }
      }
      // Yield so a UI (or a cancel) can run between steps.
      if (step % (options.yieldEvery ?? 5) === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  const final = await checkpoint();
  if (bestWeights && stopped !== 'paused') restoreWeights(tf, model, bestWeights);
  adam?.dispose();
  shampoo?.dispose();
  if (shadow) tf.dispose(shadow);
  return { model, norm, history, bestValidation: best, steps: step, epochs: epoch, seconds: elapsed(), stopped, checkpoint: final };
}

/**
 * Predicts every entry of rows [from, to) of `data` from what it observes, with sliding
 * windows (stride a quarter window), averaging where windows overlap. Returns de-normalised
 * predictions for every entry (observed ones too), row-major over the rows asked for.
 */
export async function predictRows(tf: Tf, model: ImputerModel, norm: Normaliser, data: MaskedMatrix, range: [number, number] = [0, data.rows], batchSize = 32, base?: Float64Array): Promise<Float64Array> {
  const steps = model.config.steps;
  const [from, to] = range;
  const starts = coveringStarts(from, to, steps, Math.max(1, Math.floor(steps / 4)));
  const cells = (to - from) * data.cols;
  const sum = new Float64Array(cells);
  const count = new Float64Array(cells);
  for (let s = 0; s < starts.length; s += batchSize) {
    const chunk = starts.slice(s, s + batchSize);
    const batch = makeBatch(data, norm, chunk, steps, { base });
    const pred = await readPrediction(tf, model, batch);
    chunk.forEach((start, w) => {
      for (let i = 0; i < steps; i++) {
        for (let j = 0; j < data.cols; j++) {
          const k = (start - from + i) * data.cols + j;
          sum[k] += pred[(w * steps + i) * data.cols + j];
          count[k]++;
        }
      }
    });
  }
  const out = new Float64Array(cells);
  for (let j = 0; j < data.cols; j++) {
    const [center, scale] = columnUnits(norm, j);
    for (let k = j; k < cells; k += data.cols) out[k] = (sum[k] / count[k]) * scale + center;
  }
  return out;
}

/** The whole matrix with every unobserved entry filled by the model. */
export async function predictMatrix(tf: Tf, trained: { model: ImputerModel; norm: Normaliser }, data: MaskedMatrix, base?: Float64Array): Promise<Float64Array> {
  const out = await predictRows(tf, trained.model, trained.norm, data, [0, data.rows], 32, base);
  for (let k = 0; k < out.length; k++) if (data.observed[k]) out[k] = data.values[k];
  return out;
}

/** With a base imputation, training hides (and learns) exactly the entries the base did not see. */
export const BASE_CORRUPTION: CorruptionOptions = { pointRate: 1, blockRate: 0, maxBlock: 1, among: 'observed', historical: 0 };

/** A range grown (inside [0, rows)) to hold at least a window, for predicting a short validation run. */
export function widen([a, b]: [number, number], steps: number, rows: number): [number, number] {
  if (b - a >= steps) return [a, b];
  const from = Math.max(0, Math.min(a - Math.floor((steps - (b - a)) / 2), rows - steps));
  return [from, from + steps];
}

/** Refuses a validation whose entries lie in the training rows (they would be trained on). */
function checkValidation(v: Validation, trainRows: [number, number][], data: Pick<MaskedMatrix, 'rows' | 'cols'>): void {
  if (v.targets.length !== data.rows * data.cols) throw new RangeError(`the validation mask holds ${v.targets.length} entries; the matrix has ${data.rows * data.cols}`);
  for (const [a, b] of trainRows) {
    for (let k = a * data.cols; k < b * data.cols; k++) {
      if (v.targets[k]) throw new Error(`validation entry at row ${Math.floor(k / data.cols) + 1}, column ${(k % data.cols) + 1} lies in the training rows ${a + 1}..${b}`);
    }
  }
}

/**
 * The trainer's own validation when the caller gives none: the last rows of the training rows
 * (15%, at least a window, leaving at least a window to train on) are taken out of training, and
 * a seeded quarter of their observed entries is hidden and scored.
 */
export function selfValidation(data: MaskedMatrix, trainRows: [number, number][], steps: number, seed: number): { trainRows: [number, number][]; validation: Validation; input: MaskedMatrix } {
  const total = trainRows.reduce((n, [a, b]) => n + b - a, 0);
  const want = Math.max(steps, Math.round(total * 0.15));
  const last = trainRows[trainRows.length - 1];
  if (last[1] - last[0] < want + steps) throw new Error(`the training rows (${last[1] - last[0]}) are too few to hold out validation rows and still train on a window of ${steps} steps`);
  const cut = last[1] - want;
  const ranges: [number, number][] = [...trainRows.slice(0, -1), [last[0], cut]];
  const targets = new Uint8Array(data.rows * data.cols);
  const observed = data.observed.slice();
  const rng = seededRng(((seed + 1) * 0x9e3779b1) >>> 0);
  for (let k = cut * data.cols; k < last[1] * data.cols; k++) {
    if (data.observed[k] && rng() < 0.25) {
      targets[k] = 1;
      observed[k] = 0;
    }
  }
  return { trainRows: ranges, validation: { ranges: [[cut, last[1]]], targets, truth: data.values }, input: withMask(data, observed) };
}

// `lacuna impute --method kron|vit|unet`: the learned imputers in Node, on the wasm backend by
// default, with the same training loop, protocol and saved-model format as the panel.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/io/node';
import { runDeepImputation, type DeepJobResult } from '../core/impute/deepJob';
import { decodeCheckpoint, encodeCheckpoint, WEIGHTS_FILE } from '../core/impute/modelFormat';
import { MODEL_DEFAULTS, type DeepMethod } from '../core/impute/models';
import type { Balance, Checkpoint, LossKind, OptimizerKind, TrainOptions, TrainProgress } from '../core/impute/train';
import type { MaskedMatrix } from '../core/matrix/masked';
import { backendOrder, nodeTf } from './nodeTf';
import { oneOf, parseNumberFlag, UsageError } from './common';

export const DEEP_USAGE = `  Learned imputers (--method kron|vit|unet), trained on the wasm backend:
                     [--window P] [--patch TxN] [--depth D] [--width C] [--heads H]
                     [--lr 0.002] [--batch B] [--epochs E] [--patience 20] [--max-minutes 25] [--max-steps N]
                     [--optimizer adam|shampoo] [--balance gradnorm|fixed|single] [--loss mae|mse] [--alpha 1.5] [--average 0.995] (weights averaged with this decay per step, 0 = off)
                     (single: one masked loss over all entries; --balance mse is single with --loss mse)
                     [--inductive] (train only on rows without targets: the non-test months)
                     [--spatial-bias] (kron: −β·grid distance in the spatial attention; needs --locations)
                     [--backend wasm|cpu|webgpu] [--save-model DIR] [--load-model DIR [--resume]]`;

/** Training stops here unless validation stops improving first (so a run fits a coffee break). */
export const DEFAULT_MAX_MINUTES = 25;

/**
 * Early stopping waits this many epochs without a better validation MAE, and validation sees the
 * weights averaged with this decay per step. Chosen on AQI-36 VALIDATION MAE (seeds 0, 1, 2: 18.82,
 * 11.70, 17.05 against 20.45, 13.41, 17.57 with patience 8 and no averaging); the test months
 * were not looked at to choose them.
 */
export const DEFAULT_PATIENCE = 20;
export const DEFAULT_AVERAGE_DECAY = 0.995;

export const DEEP_OPTIONS = {
  window: { type: 'string' },
  patch: { type: 'string' },
  depth: { type: 'string' },
  width: { type: 'string' },
  heads: { type: 'string' },
  lr: { type: 'string' },
  batch: { type: 'string' },
  epochs: { type: 'string' },
  patience: { type: 'string' },
  'max-minutes': { type: 'string' },
  'max-steps': { type: 'string' },
  optimizer: { type: 'string' },
  balance: { type: 'string' },
  loss: { type: 'string' },
  alpha: { type: 'string' },
  average: { type: 'string' },
  backend: { type: 'string' },
  'save-model': { type: 'string' },
  'load-model': { type: 'string' },
  resume: { type: 'boolean', default: false },
  inductive: { type: 'boolean' },
  'spatial-bias': { type: 'boolean' },
} as const;

type DeepValues = { [K in keyof typeof DEEP_OPTIONS]?: (typeof DEEP_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

const positiveInt = (v: number) => Number.isInteger(v) && v > 0;

/** Architecture settings from the flags, checked against what the method has. */
function modelSettings(method: DeepMethod, v: DeepValues): Record<string, number> {
  const defaults = MODEL_DEFAULTS[method];
  const settings: Record<string, number> = {};
  const set = (flag: string, key: string, value: number | undefined) => {
    if (value === undefined) return;
    if (!(key in defaults)) throw new UsageError(`--${flag} does not apply to the ${method} model`);
    settings[key] = value;
  };
  set('window', 'steps', parseNumberFlag('window', v.window, (x) => Number.isInteger(x) && x >= 4, 'an integer of at least 4'));
  set('depth', 'depth', parseNumberFlag('depth', v.depth, positiveInt, 'a positive integer'));
  set('width', 'width' in defaults ? 'width' : 'channels', parseNumberFlag('width', v.width, positiveInt, 'a positive integer'));
  set('heads', 'heads', parseNumberFlag('heads', v.heads, positiveInt, 'a positive integer'));
  if (v['spatial-bias']) set('spatial-bias', 'spatialBias', 1);
  if (v.patch !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(v.patch);
    if (!m || +m[1] < 1 || +m[2] < 1) throw new UsageError(`--patch expects TxN (steps x columns), e.g. 4x4, found "${v.patch}"`);
    set('patch', 'patchT', +m[1]);
    set('patch', 'patchN', +m[2]);
  }
  return settings;
}

export function deepTrainOptions(method: DeepMethod, v: DeepValues): TrainOptions {
  const balanceFlag = oneOf('balance', v.balance, ['gradnorm', 'fixed', 'single', 'mse'] as const);
  const balance: Balance | undefined = balanceFlag === 'mse' ? 'single' : balanceFlag;
  const lossFlag = oneOf<LossKind>('loss', v.loss, ['mae', 'mse']);
  if (balanceFlag === 'mse' && lossFlag === 'mae') throw new UsageError('--balance mse is a single MSE loss; it cannot take --loss mae');
  const maxMinutes = parseNumberFlag('max-minutes', v['max-minutes'], (x) => x > 0, 'a positive number');
  // A budget in steps does not depend on the machine's load: with --max-steps alone there is no time cap.
  const maxSteps = parseNumberFlag('max-steps', v['max-steps'], positiveInt, 'a positive integer');
  return {
    method,
    model: modelSettings(method, v),
    learningRate: parseNumberFlag('lr', v.lr, (x) => x > 0 && x < 1, 'a learning rate in (0, 1)'),
    batchSize: parseNumberFlag('batch', v.batch, positiveInt, 'a positive integer'),
    maxEpochs: parseNumberFlag('epochs', v.epochs, (x) => Number.isInteger(x) && x >= 0, 'a non-negative integer'),
    patience: parseNumberFlag('patience', v.patience, positiveInt, 'a positive integer') ?? DEFAULT_PATIENCE,
    maxSeconds: maxMinutes !== undefined ? maxMinutes * 60 : maxSteps !== undefined ? undefined : DEFAULT_MAX_MINUTES * 60,
    maxSteps,
    optimizer: oneOf<OptimizerKind>('optimizer', v.optimizer, ['adam', 'shampoo']),
    balance,
    loss: balanceFlag === 'mse' ? 'mse' : lossFlag,
    alpha: parseNumberFlag('alpha', v.alpha, (x) => x >= 0, 'a non-negative number'),
    average: parseNumberFlag('average', v.average, (x) => x >= 0 && x < 1, 'a decay in [0, 1)') ?? DEFAULT_AVERAGE_DECAY,
  };
}

export async function saveModel(dir: string, checkpoint: Checkpoint, protect: string[] = []): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { json, weights } = encodeCheckpoint(checkpoint);
  // The weights first: a model.json only ever points at complete weights.
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights, protect);
  await writeFileAtomic(join(dir, 'model.json'), json, protect);
}

export async function loadModel(dir: string): Promise<Checkpoint> {
  const jsonPath = join(dir, 'model.json');
  const weightsPath = join(dir, WEIGHTS_FILE);
  let json: string;
  let weights: Uint8Array;
  try {
    json = await readFile(jsonPath, 'utf8');
    weights = await readFile(weightsPath);
  } catch (err) {
    throw new Error(`cannot read the saved model in ${dir}: ${(err as Error).message}`);
  }
  return decodeCheckpoint(json, weights, jsonPath, weightsPath);
}

export interface DeepRun {
  job: DeepJobResult;
  backend: string;
  method: DeepMethod;
  loaded: boolean;
}

export async function runDeep(
  method: DeepMethod,
  v: DeepValues,
  data: MaskedMatrix,
  protocol: { truth?: MaskedMatrix; testMonths?: number[]; maskRatio?: number; seed?: number },
  onProgress: (p: TrainProgress, total: { epochs: number }) => void,
): Promise<DeepRun> {
  const backendFlag = oneOf('backend', v.backend, ['wasm', 'cpu', 'webgpu'] as const);
  const train = deepTrainOptions(method, v);
  let loaded = false;
  if (v['load-model'] !== undefined) {
    const checkpoint = await loadModel(v['load-model']);
    if (checkpoint.method !== method && v.resume) throw new UsageError(`the saved model in ${v['load-model']} is a ${checkpoint.method} model, not ${method}`);
    if (checkpoint.config.cols !== data.cols) throw new Error(`the saved model in ${v['load-model']} expects ${checkpoint.config.cols} columns; this matrix has ${data.cols}`);
    train.resume = checkpoint;
    train.method = checkpoint.method;
    // Without --resume, evaluate the saved model as it is: no further training.
    if (!v.resume) train.maxEpochs = checkpoint.epoch;
    loaded = true;
  } else if (v.resume) throw new UsageError('--resume continues a saved model; give --load-model DIR');
  const { tf, backend } = await nodeTf(backendOrder(backendFlag));
  const epochs = train.maxEpochs ?? 200;
  const save = v['save-model'];
  const job = await runDeepImputation(tf, data, {
    ...protocol,
    inductive: v.inductive,
    train: {
      ...train,
      onProgress: (p) => onProgress(p, { epochs }),
      // A checkpoint at every epoch end, so an interrupted run keeps what it learned.
      onEpoch: save ? (c) => saveModel(save, c) : undefined,
    },
  });
  if (save) await saveModel(save, job.trained.checkpoint);
  job.trained.model.dispose();
  return { job, backend, method: job.trained.checkpoint.method, loaded };
}

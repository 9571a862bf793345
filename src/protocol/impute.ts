// The impute panel's messages, host <-> webview (the panel VS Code knows as `lacuna.training`). One discriminated union per direction; no
// `any`. Matrices travel as typed arrays. The host sends nothing before the webview's `ready`.
import type { Metrics } from '../core/impute/metrics';
import type { TrainProgress } from '../core/impute/train';
import { DEEP_METHODS, type DeepMethod } from '../core/impute/models/types';
import { isBackendReport, isCount, isNumberNotNaN as isNumber, isObject, isRecordId, parseExport, type BackendReport, type ExportMessage } from './common';
import { parsePlacementMessage, type PlacementToHost, type PlacementToPage } from './placement';
import { parsePreviewChoice, type PreviewChoice, type PreviewPayload } from './preview';

export type { BackendReport };

export type BaselineMethod = 'neighbor' | 'mean' | 'linear';
/** `auto`: the CLI's default (core/impute/auto.ts): validation-scored candidates, their blend, and learned candidates. */
export type MethodName = 'auto' | BaselineMethod | DeepMethod;

/** The settings of `auto` (the CLI's --budget and --learned). */
export interface AutoSettings {
  /** Wall-clock budget for the candidates, in seconds. */
  budgetSeconds: number;
  /** The learned candidates (none: classical only). */
  learned: DeepMethod[];
}

/** The training settings of a learned imputer (Kron, ViT, UNet). */
export interface DeepSettings {
  /** Architecture numbers over the method's defaults (window `steps`, `channels`, `depth`, `patch`, `heads`, ...). */
  model: Record<string, number>;
  learningRate: number;
  /** GradNorm's α. */
  alpha: number;
  maxEpochs: number;
  batchSize: number;
  optimizer: 'adam' | 'shampoo';
  /** GradNorm, fixed weights, or one plain loss over every target. */
  balance: 'gradnorm' | 'fixed' | 'single';
}

export interface RunConfig {
  method: MethodName;
  maskRatio: number;
  seed: number;
  /** Present for the learned methods. */
  deep?: DeepSettings;
  /** Present for `auto`. */
  auto?: AutoSettings;
}

export const RUN_STATUSES = ['created', 'running', 'paused', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** One training step as the panel charts it and the run keeps it: the trainer's own record. */
export type TrainPoint = TrainProgress;

/** One row of the mask-ratio table: the trained model scored with r of the observed nonzero entries hidden. */
export interface MaskRatioRow {
  ratio: number;
  targets: number;
  mae: number;
  rmse: number;
  mse: number;
  mre: number;
  maeNonzero: number;
  maeZero: number;
}

/** A saved checkpoint as it travels: the tfjs model format's model.json and weights.bin. */
export interface CheckpointFiles {
  json: string;
  weights: Uint8Array;
  epoch: number;
  step: number;
}

/** Another run, for the compare picker and the runs table. */
export interface RunListEntry {
  id: string;
  label: string;
  description: string;
  /** The row of the runs table (every run on the panel's file, this one included). */
  row?: RunTableRow;
}

/** One run as the runs table shows it. */
export interface RunTableRow {
  /** Whether it read the same file as the panel's run. */
  sameFile: boolean;
  /** The panel's own run. */
  current: boolean;
  method: string;
  status: RunStatus;
  createdAt: string;
  /** The settings in words: mask ratio, seed, and a learned model's architecture and training. */
  settings: string;
  /** MAE on the validation entries (held-out observed entries, never the targets), when known. */
  validationMae: number | null;
  /** The test targets' MAE and RMSE, when the run finished. */
  mae: number | null;
  rmse: number | null;
  seconds: number | null;
  backend: string | null;
  /** `auto`'s leaderboard (each candidate's validation MAE, the winner marked), when the run was `auto`. */
  leaderboard?: LeaderboardRow[];
}

/** What the compare view overlays. */
export interface CompareRun {
  id: string;
  label: string;
  config: RunConfig;
  status: RunStatus;
  metrics: RunMetrics | null;
  evaluation: MaskRatioRow[] | null;
  history: TrainPoint[];
}

/** One candidate of `auto`, as its leaderboard shows it. */
export interface LeaderboardRow {
  method: string;
  kind: 'classical' | 'learned' | 'blend';
  /** MAE on the validation entries; null when the candidate was skipped. */
  validationMae: number | null;
  seconds: number;
  /** The setting chosen on validation, in words. */
  setting: string;
  /** The winner (refitted on everything observed and scored once on the targets). */
  chosen: boolean;
  /** Why the candidate did not run. */
  skipped?: string;
}

/** A matrix as the webview receives it. */
export interface MatrixPayload {
  rows: number;
  cols: number;
  values: Float64Array;
  observed: Uint8Array;
  rowLabels: string[];
  times: Float64Array | null;
  colIds: string[];
  /** H3 cell per column (null where unknown), when places are known. */
  cells: (string | null)[] | null;
  h3Resolution: number | null;
  /** Each column's place [lat, lng] (null where unknown), when places are known: the map's sensor points. */
  latLng?: ([number, number] | null)[] | null;
}

/** Headline metrics, as stored in a run and shown in the table. */
export type RunMetrics = Omit<Metrics, 'perColumn'> & { perColumn: { column: number; count: number; mae: number; rmse: number }[] };

export interface RunResultPayload {
  config: RunConfig;
  targets: number;
  metrics: RunMetrics;
  seconds: number;
  backend: string;
  /** MAE on the validation entries (the run's held-out observed entries), when the method had them. */
  validationMae?: number;
  /** `auto`'s leaderboard: each candidate's validation MAE (and its test MAE, scored once at the end). */
  leaderboard?: LeaderboardRow[];
  /** The run wrote its result from a checkpoint (paused or cancelled), not from a finished training. */
  fromCheckpoint?: boolean;
  /** The full imputed matrix (every entry filled). */
  imputed: Float64Array;
  /** 1 where an entry was hidden from the method and scored. */
  targetMask: Uint8Array;
}

export type HostToWebview =
  | {
      type: 'init';
      runId: string;
      fileName: string;
      format: string;
      matrix: MatrixPayload;
      config: RunConfig;
      status: RunStatus;
      /** A finished run's result, when reopening it. */
      result: Omit<RunResultPayload, 'imputed' | 'targetMask'> | null;
      trusted: boolean;
      /** The run's newest good checkpoint (learned methods), so it can resume or be evaluated. */
      checkpoint?: CheckpointFiles | null;
      /** The training steps recorded so far. */
      history?: TrainPoint[];
      evaluation?: MaskRatioRow[] | null;
      /** The file's first rows and what was inferred about its shape (null for formats with no text columns). */
      preview?: PreviewPayload | null;
    }
  | { type: 'status'; status: RunStatus; message?: string }
  /** The reply to a `checkpoint` request (a failure is an error reply). */
  | { type: 'checkpointSaved'; epoch: number; step: number; path: string }
  | { type: 'runs'; runs: RunListEntry[] }
  /** A Run after the first made a new record: the panel now shows that run. */
  | { type: 'newRun'; runId: string }
  | { type: 'compareData'; run: CompareRun }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string }
  /** The "Sensor placement" tab (protocol/placement.ts). */
  | PlacementToPage;

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'backend'; report: BackendReport }
  | { type: 'run'; config: RunConfig; resume?: boolean }
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'trainProgress'; points: TrainPoint[] }
  /** A request: the host replies checkpointSaved once both files are complete. */
  | ({ type: 'checkpoint' } & CheckpointFiles)
  | { type: 'paused'; step: number; epoch: number }
  | { type: 'evaluation'; rows: MaskRatioRow[] }
  | { type: 'listRuns' }
  | { type: 'compare'; runId: string }
  /** Read the panel's file again with these columns and this orientation (the data preview; the CLI's --label-columns, --columns, --transpose). */
  | { type: 'shape'; choice: PreviewChoice }
  | { type: 'result'; result: RunResultPayload }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' }
  | ExportMessage
  /** The "Sensor placement" tab (protocol/placement.ts). */
  | PlacementToHost;

/** State the webview persists (UI only; data is refetched from the host). */
export interface TrainingPanelState {
  runId: string;
}

/** The baselines; the learned methods are DEEP_METHODS (the panel offers those whose model is registered). */
export const METHODS: readonly BaselineMethod[] = ['neighbor', 'mean', 'linear'];
export const ALL_METHODS: readonly MethodName[] = ['auto', ...METHODS, ...DEEP_METHODS];
/** The most seconds a panel's `auto` may be given (a day). */
export const MAX_AUTO_BUDGET_SECONDS = 86_400;

export function isAutoSettings(v: unknown): v is AutoSettings {
  return (
    isObject(v) &&
    isNumber(v.budgetSeconds) &&
    v.budgetSeconds > 0 &&
    v.budgetSeconds <= MAX_AUTO_BUDGET_SECONDS &&
    Array.isArray(v.learned) &&
    v.learned.length <= DEEP_METHODS.length &&
    v.learned.every((m) => isDeepMethod(String(m))) &&
    new Set(v.learned).size === v.learned.length
  );
}

export function isLeaderboardRow(v: unknown): v is LeaderboardRow {
  return (
    isObject(v) &&
    typeof v.method === 'string' &&
    v.method.length <= 64 &&
    (v.kind === 'classical' || v.kind === 'learned' || v.kind === 'blend') &&
    (v.validationMae === null || (typeof v.validationMae === 'number' && Number.isFinite(v.validationMae) && v.validationMae >= 0)) &&
    isNumber(v.seconds) &&
    typeof v.setting === 'string' &&
    typeof v.chosen === 'boolean' &&
    (v.skipped === undefined || typeof v.skipped === 'string')
  );
}

export const isLeaderboard = (v: unknown): v is LeaderboardRow[] => Array.isArray(v) && v.length <= 64 && v.every(isLeaderboardRow) && v.filter((r) => (r as LeaderboardRow).chosen).length === 1;

export function isDeepMethod(method: string): method is DeepMethod {
  return (DEEP_METHODS as readonly string[]).includes(method);
}

/** Validates a message from the webview: the host trusts nothing it did not check. */
export function parseImputeMessage(raw: unknown): WebviewToHost | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  switch (raw.type) {
    case 'ready':
    case 'cancelled':
    case 'listRuns':
      return { type: raw.type };
    case 'trainProgress':
      return Array.isArray(raw.points) && raw.points.length <= 100_000 && raw.points.every(isTrainPoint) ? { type: 'trainProgress', points: raw.points } : null;
    case 'checkpoint':
      if (!isCount(raw.epoch) || !isCount(raw.step) || typeof raw.json !== 'string' || !(raw.weights instanceof Uint8Array)) return null;
      return { type: 'checkpoint', epoch: raw.epoch, step: raw.step, json: raw.json, weights: raw.weights };
    case 'paused':
      return isCount(raw.step) && isCount(raw.epoch) ? { type: 'paused', step: raw.step, epoch: raw.epoch } : null;
    case 'evaluation':
      return Array.isArray(raw.rows) && raw.rows.length <= 100 && raw.rows.every(isMaskRatioRow) ? { type: 'evaluation', rows: raw.rows } : null;
    case 'shape': {
      const choice = parsePreviewChoice(raw.choice);
      return choice ? { type: 'shape', choice } : null;
    }
    case 'compare':
      return isRecordId(raw.runId) ? { type: 'compare', runId: raw.runId } : null;
    case 'backend':
      return isBackendReport(raw.report) ? { type: 'backend', report: raw.report } : null;
    case 'run':
      if (!isRunConfig(raw.config) || (raw.resume !== undefined && typeof raw.resume !== 'boolean')) return null;
      return raw.resume === undefined ? { type: 'run', config: raw.config } : { type: 'run', config: raw.config, resume: raw.resume };
    case 'progress':
      return typeof raw.phase === 'string' && typeof raw.fraction === 'number' ? { type: 'progress', phase: raw.phase, fraction: raw.fraction } : null;
    case 'result': {
      const r = raw.result;
      if (!isObject(r) || !isRunConfig(r.config) || typeof r.targets !== 'number' || !isObject(r.metrics) || typeof r.seconds !== 'number') return null;
      if (!(r.imputed instanceof Float64Array) || !(r.targetMask instanceof Uint8Array) || typeof r.backend !== 'string') return null;
      if (r.leaderboard !== undefined && !isLeaderboard(r.leaderboard)) return null;
      return raw as WebviewToHost;
    }
    case 'failed':
      return typeof raw.message === 'string' ? { type: 'failed', message: raw.message } : null;
    case 'export':
      return parseExport(raw);
    default:
      return parsePlacementMessage(raw);
  }
}

export function isTrainPoint(v: unknown): v is TrainPoint {
  return (
    isObject(v) &&
    isCount(v.step) &&
    isCount(v.epoch) &&
    isNumber(v.seconds) &&
    isNumber(v.loss) &&
    isNumber(v.lossNonzero) &&
    isNumber(v.lossZero) &&
    Array.isArray(v.weights) &&
    v.weights.length === 2 &&
    v.weights.every(isNumber) &&
    (v.validation === undefined || isNumber(v.validation))
  );
}

export function isMaskRatioRow(v: unknown): v is MaskRatioRow {
  return isObject(v) && isNumber(v.ratio) && v.ratio > 0 && v.ratio <= 1 && isCount(v.targets) && ['mae', 'rmse', 'mse', 'mre', 'maeNonzero', 'maeZero'].every((k) => isNumber(v[k]));
}

export function isDeepSettings(v: unknown): v is DeepSettings {
  if (!isObject(v) || !isObject(v.model)) return false;
  const model = Object.entries(v.model);
  return (
    model.length <= 32 &&
    model.every(([k, x]) => /^\w+$/.test(k) && typeof x === 'number' && Number.isFinite(x)) &&
    isNumber(v.learningRate) &&
    v.learningRate > 0 &&
    v.learningRate < 10 &&
    isNumber(v.alpha) &&
    v.alpha >= 0 &&
    Number.isFinite(v.alpha) &&
    isCount(v.maxEpochs) &&
    v.maxEpochs >= 1 &&
    isCount(v.batchSize) &&
    v.batchSize >= 1 &&
    (v.optimizer === 'adam' || v.optimizer === 'shampoo') &&
    (v.balance === 'gradnorm' || v.balance === 'fixed' || v.balance === 'single')
  );
}

export function isRunConfig(v: unknown): v is RunConfig {
  return (
    isObject(v) &&
    ALL_METHODS.includes(v.method as MethodName) &&
    (isDeepMethod(v.method as string) ? isDeepSettings(v.deep) : v.deep === undefined) &&
    (v.method === 'auto' ? isAutoSettings(v.auto) : v.auto === undefined) &&
    typeof v.maskRatio === 'number' &&
    v.maskRatio > 0 &&
    v.maskRatio <= 1 &&
    typeof v.seed === 'number' &&
    Number.isInteger(v.seed) &&
    v.seed >= 0
  );
}

// The "Inspect weighting vectors" panel's messages, host <-> webview. The host reads the points
// (a file, a selection of rows in an editor, or a sample) and sends them as typed arrays; the
// webview solves (on the GPU when it has one), draws, and reports each solve back, so the host
// keeps the record and can reveal a point's row in the editor.
import type { TrainingStep } from '../core/magnitude/autoencoder/train';
import type { MetricName } from '../core/magnitude/metrics';
import type { Normalisation } from '../core/points/readPoints';
import type { BackendReport } from './impute';

export type { BackendReport };

export const MAGNITUDE_SAMPLE_NAMES = ['swissroll', 'sphere', 'ball', 'disk', 'mnist'] as const;
export type MagnitudeSample = (typeof MAGNITUDE_SAMPLE_NAMES)[number];

export const SAMPLE_TITLES: Record<MagnitudeSample, string> = {
  swissroll: 'Swiss roll',
  sphere: 'sphere',
  ball: 'ball',
  disk: 'disk',
  mnist: 'MNIST digits',
};

/** Where the points come from. */
export type MagnitudeSource =
  | { kind: 'file'; path: string }
  /** Lines first..last (1-based, inclusive) of a file open in an editor. */
  | { kind: 'selection'; path: string; first: number; last: number }
  | { kind: 'sample'; sample: MagnitudeSample; size: number };

/** The panel's solver choice: 'gpu' is the tfjs CG on the chosen backend; the rest are Float64. */
export const PANEL_SOLVERS = ['auto', 'gpu', 'cholesky', 'cg', 'sparse'] as const;
export type PanelSolver = (typeof PANEL_SOLVERS)[number];

/**
 * Points each solver handles interactively (a solve in about a second or less on two cores, so
 * the t slider stays live). Above it the panel subsamples, with a warning.
 */
export const INTERACTIVE_LIMITS: Record<Exclude<PanelSolver, 'auto'>, number> = {
  cholesky: 2500,
  cg: 3000,
  gpu: 4000,
  sparse: 20000,
};

export const NORMALISATIONS: readonly Normalisation[] = ['none', 'zscore', 'minmax'];
export const PANEL_METRICS: readonly MetricName[] = ['euclidean', 'manhattan', 'cosine'];

/** What to read, as the webview asks for it. */
export interface PointsRequest {
  /** Which source: the panel's input, or a sample instead. */
  source: 'input' | MagnitudeSample;
  /** Columns by name; empty for the default (every numeric column that is not a label). */
  columns: string[];
  normalise: Normalisation;
  /** Subsample (seeded) to at most this many points. */
  maxPoints: number;
}

export interface PointsPayload {
  request: number;
  source: MagnitudeSource;
  /** A one-line description of what was read. */
  label: string;
  n: number;
  dim: number;
  /** Row-major n × dim coordinates, after normalisation. */
  points: Float64Array;
  columns: string[];
  /** Every column that can be chosen (numeric columns of the input), in order. */
  availableColumns: string[];
  /** 0-based input row of each point (rows of the file's data, the selection's or the sample's). */
  rows: Int32Array;
  /** 1-based line of each point in its file; null for samples. */
  lines: Int32Array | null;
  /** Rows the input holds in all, before subsampling. */
  totalRows: number;
  /** Class per point and the class names (MNIST's digit, a label column), for hover text. */
  labels: Int32Array | null;
  labelNames: string[] | null;
  normalise: Normalisation;
  notes: string[];
}

/** One solve's headline numbers, as shown in the solver report and kept in the record. */
export interface SolveSummary {
  t: number;
  n: number;
  magnitude: number;
  residual: number;
  solver: string;
  backend: string;
  seconds: number;
  iterations: number | null;
  converged: boolean;
  notes: string[];
}

export interface SweepSummary {
  ts: Float64Array;
  magnitudes: Float64Array;
  tConv: number | null;
  scatteredScale: number;
  suggestedScale: number;
  suggestedReason: string;
}

/** The state the webview restores after a reload: the record and the UI's choices. */
export interface MagnitudePanelState {
  recordId: string;
  t?: number;
  solver?: PanelSolver;
  metric?: MetricName;
  /** The tab in front. */
  tab?: PanelTab;
}

export type PanelTab = 'weights' | 'autoencoder';


// ---------------------------------------------------------------------------------------------
// The Autoencoder tab: the webview trains the magnitude autoencoder (core/magnitude/autoencoder)
// on its tfjs backend and streams the losses and codes to the host, which keeps each training as
// a run beside the session's record (.lacuna/magnitude/<id>/autoencoder/<run>/).

/** The data the autoencoder trains on: the panel's current points, or a sample. */
export const AE_DATASETS = ['current', 'swissroll', 'sphere', 'ball', 'mnist'] as const;
export type AeDataset = (typeof AE_DATASETS)[number];
export type AeSample = Exclude<AeDataset, 'current'>;
export const AE_ARCHITECTURES = ['linear', 'conv'] as const;
export type AeArchitecture = (typeof AE_ARCHITECTURES)[number];

/** What the user chose in the tab. */
export interface AeSettings {
  dataset: AeDataset;
  /** Points to train on (a sample's size, or a cap on the current points). */
  n: number;
  t: number;
  lambda: number;
  epochs: number;
  burnIn: number;
  architecture: AeArchitecture;
  seed: number;
}

/** One optimisation step: core's TrainingStep as it is; NaN where a value is not computed (L_weight and ρ in burn-in). */
export type AeStep = TrainingStep;

/** A map's codes and its weighting vector at t, with ρ(w_X, w_code). */
export interface AeMap {
  codes: Float64Array;
  weights: Float64Array;
  rho: number;
  seconds: number;
}

export interface AeOutcome {
  status: 'completed' | 'cancelled' | 'failed';
  error: string | null;
  /** The autoencoder's final codes (after the last update), unless it failed before any. */
  autoencoder: AeMap | null;
  final: { recons: number; weight: number; total: number } | null;
  seconds: { total: number; perBurnInEpoch: number; perJointEpoch: number } | null;
  parameterCount: number | null;
  /** Tensors alive after the training minus before it (0: nothing leaked). */
  tensorGrowth: number | null;
}

export type HostToWebview =
  | {
      type: 'init';
      recordId: string;
      source: MagnitudeSource;
      title: string;
      /** Whether clicking a point can reveal its row (a text file). */
      canReveal: boolean;
      trusted: boolean;
      /** What the record holds from an earlier session, to resume at. */
      resume: { t: number; solver: PanelSolver; metric: MetricName; request: PointsRequest } | null;
    }
  | ({ type: 'points' } & PointsPayload)
  | { type: 'loadFailed'; request: number; message: string }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string }
  /** The reply to an aeLoad request (a failure is an error reply). */
  | { type: 'aePoints'; label: string; n: number; dim: number; points: Float64Array; labels: Int32Array | null; labelNames: string[] | null }
  /** The reply to an aeStart request: the run the host keeps (a refusal is an error reply). */
  | { type: 'aeStarted'; runId: string; path: string | null };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'backend'; report: BackendReport }
  | { type: 'load'; request: number; points: PointsRequest }
  | { type: 'solved'; summary: SolveSummary; weights: Float64Array; settings: { solver: PanelSolver; metric: MetricName } }
  | { type: 'sweep'; sweep: SweepSummary }
  | { type: 'reveal'; index: number }
  | { type: 'export'; fileName: string; mime: 'text/csv' | 'image/png' | 'image/svg+xml'; data: Uint8Array | string }
  /** A request: the host replies aePoints. */
  | { type: 'aeLoad'; sample: AeSample; n: number }
  /** Training is about to start: w_X, PCA and t-SNE are known. The host answers aeStarted (a run) or aeRefused. */
  | {
      type: 'aeStart';
      settings: AeSettings;
      dataset: { label: string; n: number; dim: number; labels: Int32Array | null };
      backend: string;
      inputWeights: Float64Array;
      pca: AeMap;
      tsne: AeMap;
    }
  | { type: 'aeProgress'; runId: string; steps: AeStep[]; snapshot: { phase: 'burn-in' | 'joint'; epoch: number; rho: number; codes: Float64Array } | null }
  | { type: 'aeDone'; runId: string; outcome: AeOutcome };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isPointsRequest(v: unknown): v is PointsRequest {
  return (
    isObject(v) &&
    (v.source === 'input' || (MAGNITUDE_SAMPLE_NAMES as readonly unknown[]).includes(v.source)) &&
    Array.isArray(v.columns) &&
    v.columns.every((c) => typeof c === 'string') &&
    (NORMALISATIONS as readonly unknown[]).includes(v.normalise) &&
    isFiniteNumber(v.maxPoints) &&
    Number.isInteger(v.maxPoints) &&
    v.maxPoints >= 1
  );
}

function isSolveSummary(v: unknown): v is SolveSummary {
  return (
    isObject(v) &&
    isFiniteNumber(v.t) && v.t > 0 &&
    isFiniteNumber(v.n) &&
    typeof v.magnitude === 'number' &&
    typeof v.residual === 'number' &&
    typeof v.solver === 'string' &&
    typeof v.backend === 'string' &&
    typeof v.seconds === 'number' &&
    (v.iterations === null || typeof v.iterations === 'number') &&
    typeof v.converged === 'boolean' &&
    Array.isArray(v.notes) && v.notes.every((n) => typeof n === 'string')
  );
}

const isSample = (v: unknown): v is AeSample => v !== 'current' && (AE_DATASETS as readonly unknown[]).includes(v);
const isPositiveInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
const isNonNegativeInteger = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isRunId = (v: unknown): v is string => typeof v === 'string' && /^[\w-]+$/.test(v);
/**
 * A number as it arrives: VS Code serialises webview messages as JSON (typed arrays aside), so a
 * NaN (L_weight and ρ during burn-in, say) arrives as null. Validation accepts both; `revive`
 * turns the nulls back into NaN, so the host sees the numbers the webview sent.
 */
const isNumber = (v: unknown): v is number => typeof v === 'number' || v === null;

/** A copy of a plain message tree with every null in a numeric field (`keys`) turned back into NaN. */
function revive<T>(value: T, keys: ReadonlySet<string>): T {
  if (Array.isArray(value)) return value.map((v) => revive(v, keys)) as T;
  if (!isObject(value) || ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = v === null && keys.has(k) ? NaN : revive(v, keys);
  return out as T;
}

const AE_NUMBER_KEYS: ReadonlySet<string> = new Set(['recons', 'weight', 'total', 'rho', 'perBurnInEpoch', 'perJointEpoch']);

export function isAeSettings(v: unknown): v is AeSettings {
  return (
    isObject(v) &&
    (AE_DATASETS as readonly unknown[]).includes(v.dataset) &&
    isPositiveInteger(v.n) && (v.n as number) >= 3 &&
    isFiniteNumber(v.t) && v.t > 0 &&
    isFiniteNumber(v.lambda) && v.lambda >= 0 &&
    isNonNegativeInteger(v.epochs) &&
    isNonNegativeInteger(v.burnIn) &&
    (AE_ARCHITECTURES as readonly unknown[]).includes(v.architecture) &&
    isNonNegativeInteger(v.seed)
  );
}

function isAeStep(v: unknown): v is AeStep {
  return (
    isObject(v) && (v.phase === 'burn-in' || v.phase === 'joint') &&
    isPositiveInteger(v.epoch) && isPositiveInteger(v.step) &&
    isNumber(v.recons) && isNumber(v.weight) && isNumber(v.total) && isNumber(v.rho) && isNumber(v.seconds)
  );
}

function isAeMap(v: unknown, n: number): v is AeMap {
  return (
    isObject(v) && v.codes instanceof Float64Array && v.codes.length === 2 * n &&
    v.weights instanceof Float64Array && v.weights.length === n && isNumber(v.rho) && isNumber(v.seconds)
  );
}

function isAeOutcome(v: unknown): v is AeOutcome {
  if (!isObject(v) || !['completed', 'cancelled', 'failed'].includes(v.status as string)) return false;
  if (!(v.error === null || typeof v.error === 'string')) return false;
  const n = isObject(v.autoencoder) && v.autoencoder.weights instanceof Float64Array ? v.autoencoder.weights.length : 0;
  if (!(v.autoencoder === null || isAeMap(v.autoencoder, n))) return false;
  const f = v.final;
  if (!(f === null || (isObject(f) && isNumber(f.recons) && isNumber(f.weight) && isNumber(f.total)))) return false;
  const s = v.seconds;
  if (!(s === null || (isObject(s) && isNumber(s.total) && isNumber(s.perBurnInEpoch) && isNumber(s.perJointEpoch)))) return false;
  return (v.parameterCount === null || isNumber(v.parameterCount)) && (v.tensorGrowth === null || isNumber(v.tensorGrowth));
}

/** Validates a message from the webview: the host trusts nothing it did not check. */
export function parseMagnitudeMessage(raw: unknown): WebviewToHost | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'backend':
      return isObject(raw.report) && typeof raw.report.name === 'string' && Array.isArray(raw.report.attempts) ? (raw as WebviewToHost) : null;
    case 'load':
      return isFiniteNumber(raw.request) && isPointsRequest(raw.points) ? { type: 'load', request: raw.request, points: raw.points } : null;
    case 'solved': {
      if (!isSolveSummary(raw.summary) || !(raw.weights instanceof Float64Array) || raw.weights.length !== raw.summary.n) return null;
      const s = raw.settings;
      if (!isObject(s) || !(PANEL_SOLVERS as readonly unknown[]).includes(s.solver) || !(PANEL_METRICS as readonly unknown[]).includes(s.metric)) return null;
      return raw as WebviewToHost;
    }
    case 'sweep': {
      const s = raw.sweep;
      if (!isObject(s) || !(s.ts instanceof Float64Array) || !(s.magnitudes instanceof Float64Array) || s.ts.length !== s.magnitudes.length) return null;
      if (!(s.tConv === null || typeof s.tConv === 'number') || typeof s.scatteredScale !== 'number' || typeof s.suggestedScale !== 'number' || typeof s.suggestedReason !== 'string') return null;
      return raw as WebviewToHost;
    }
    case 'reveal':
      return Number.isInteger(raw.index) && (raw.index as number) >= 0 ? { type: 'reveal', index: raw.index as number } : null;
    case 'export':
      if (typeof raw.fileName !== 'string' || !['text/csv', 'image/png', 'image/svg+xml'].includes(raw.mime as string)) return null;
      if (!(raw.data instanceof Uint8Array) && typeof raw.data !== 'string') return null;
      return raw as WebviewToHost;
    case 'aeLoad':
      return isSample(raw.sample) && isPositiveInteger(raw.n) && (raw.n as number) >= 3
        ? { type: 'aeLoad', sample: raw.sample, n: raw.n as number }
        : null;
    case 'aeStart': {
      if (!isAeSettings(raw.settings) || typeof raw.backend !== 'string') return null;
      const d = raw.dataset;
      if (!isObject(d) || typeof d.label !== 'string' || !isPositiveInteger(d.n) || !isPositiveInteger(d.dim)) return null;
      if (!(d.labels === null || (d.labels instanceof Int32Array && d.labels.length === d.n))) return null;
      if (!(raw.inputWeights instanceof Float64Array) || raw.inputWeights.length !== d.n || !isAeMap(raw.pca, d.n as number) || !isAeMap(raw.tsne, d.n as number)) return null;
      return revive(raw, AE_NUMBER_KEYS) as WebviewToHost;
    }
    case 'aeProgress': {
      if (!isRunId(raw.runId) || !Array.isArray(raw.steps) || !raw.steps.every(isAeStep)) return null;
      const s = raw.snapshot;
      if (!(s === null || (isObject(s) && (s.phase === 'burn-in' || s.phase === 'joint') && isPositiveInteger(s.epoch) && isNumber(s.rho) && s.codes instanceof Float64Array))) return null;
      return revive(raw, AE_NUMBER_KEYS) as WebviewToHost;
    }
    case 'aeDone':
      return isRunId(raw.runId) && isAeOutcome(raw.outcome) ? (revive(raw, AE_NUMBER_KEYS) as WebviewToHost) : null;
    default:
      return null;
  }
}

/** The boundary/outlier list as CSV: rank, input row, file line, weight, coordinates. */
export function boundaryCsv(
  ranked: { index: number; weight: number }[],
  payload: Pick<PointsPayload, 'rows' | 'lines' | 'columns' | 'dim' | 'points'>,
): string {
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['rank', 'row', ...(payload.lines ? ['line'] : []), 'weight', ...payload.columns.map(quote)];
  const body = ranked.map((r, k) => {
    const coords = Array.from(payload.points.subarray(r.index * payload.dim, (r.index + 1) * payload.dim), (v) => String(v));
    return [String(k + 1), String(payload.rows[r.index] + 1), ...(payload.lines ? [String(payload.lines[r.index])] : []), String(r.weight), ...coords].join(',');
  });
  return [head.join(','), ...body].join('\n') + '\n';
}

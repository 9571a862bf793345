// The "Inspect weighting vectors" panel's messages, host <-> webview. The host reads the points
// (a file, a selection of rows in an editor, or a sample) and sends them as typed arrays; the
// webview solves (on the GPU when it has one), draws, and reports each solve back, so the host
// keeps the record and can reveal a point's row in the editor.
import type { MetricName } from '../core/magnitude/metrics';
import type { Normalisation } from '../core/points/readPoints';
import type { BackendReport } from './training';

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
  | { type: 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'backend'; report: BackendReport }
  | { type: 'load'; request: number; points: PointsRequest }
  | { type: 'solved'; summary: SolveSummary; weights: Float64Array; settings: { solver: PanelSolver; metric: MetricName } }
  | { type: 'sweep'; sweep: SweepSummary }
  | { type: 'reveal'; index: number }
  | { type: 'export'; fileName: string; mime: 'text/csv' | 'image/png' | 'image/svg+xml'; data: Uint8Array | string };

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

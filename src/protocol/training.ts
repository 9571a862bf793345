// The training panel's messages, host <-> webview. One discriminated union per direction; no
// `any`. Matrices travel as typed arrays. The host sends nothing before the webview's `ready`.
import type { Metrics } from '../core/impute/metrics';

export type MethodName = 'neighbor' | 'mean' | 'linear';

export interface RunConfig {
  method: MethodName;
  maskRatio: number;
  seed: number;
}

export type RunStatus = 'created' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

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
}

/** Headline metrics, as stored in a run and shown in the table. */
export type RunMetrics = Omit<Metrics, 'perColumn'> & { perColumn: { column: number; count: number; mae: number; rmse: number }[] };

export interface RunResultPayload {
  config: RunConfig;
  targets: number;
  metrics: RunMetrics;
  seconds: number;
  backend: string;
  /** The full imputed matrix (every entry filled). */
  imputed: Float64Array;
  /** 1 where an entry was hidden from the method and scored. */
  targetMask: Uint8Array;
}

export interface BackendReport {
  /** The backend in use. */
  name: string;
  /** Why each better backend was not used. */
  attempts: { name: string; ok: boolean; reason: string }[];
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
    }
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string };

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'backend'; report: BackendReport }
  | { type: 'run'; config: RunConfig }
  | { type: 'progress'; phase: string; fraction: number }
  | { type: 'result'; result: RunResultPayload }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' }
  | { type: 'export'; fileName: string; mime: 'image/png' | 'image/svg+xml' | 'text/csv'; data: Uint8Array | string };

/** State the webview persists (UI only; data is refetched from the host). */
export interface TrainingPanelState {
  runId: string;
}

export const METHODS: readonly MethodName[] = ['neighbor', 'mean', 'linear'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Validates a message from the webview: the host trusts nothing it did not check. */
export function parseWebviewMessage(raw: unknown): WebviewToHost | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  switch (raw.type) {
    case 'ready':
    case 'cancelled':
      return { type: raw.type };
    case 'backend':
      return isObject(raw.report) && typeof raw.report.name === 'string' && Array.isArray(raw.report.attempts) ? (raw as WebviewToHost) : null;
    case 'run':
      return isRunConfig(raw.config) ? { type: 'run', config: raw.config } : null;
    case 'progress':
      return typeof raw.phase === 'string' && typeof raw.fraction === 'number' ? { type: 'progress', phase: raw.phase, fraction: raw.fraction } : null;
    case 'result': {
      const r = raw.result;
      if (!isObject(r) || !isRunConfig(r.config) || typeof r.targets !== 'number' || !isObject(r.metrics) || typeof r.seconds !== 'number') return null;
      if (!(r.imputed instanceof Float64Array) || !(r.targetMask instanceof Uint8Array) || typeof r.backend !== 'string') return null;
      return raw as WebviewToHost;
    }
    case 'failed':
      return typeof raw.message === 'string' ? { type: 'failed', message: raw.message } : null;
    case 'export':
      if (typeof raw.fileName !== 'string' || !['image/png', 'image/svg+xml', 'text/csv'].includes(raw.mime as string)) return null;
      if (!(raw.data instanceof Uint8Array) && typeof raw.data !== 'string') return null;
      return raw as WebviewToHost;
    default:
      return null;
  }
}

export function isRunConfig(v: unknown): v is RunConfig {
  return (
    isObject(v) &&
    METHODS.includes(v.method as MethodName) &&
    typeof v.maskRatio === 'number' &&
    v.maskRatio > 0 &&
    v.maskRatio <= 1 &&
    typeof v.seed === 'number' &&
    Number.isInteger(v.seed) &&
    v.seed >= 0
  );
}

// The Factorize panel's messages, host <-> webview. One discriminated union per direction; no
// `any`. Matrices travel as typed arrays. The host sends nothing before the webview's `ready`,
// and checks every message from the webview before acting on it.
import { FACTORIZE_LOSSES, type FactorizeConfig, type FactorizeResult, type GridSpec } from '../core/factorize/job';
import { FACTORIZE_SAMPLES, type FactorizeSampleName } from '../core/factorize/input';
import { parsePreviewChoice, type PreviewChoice, type PreviewPayload } from './preview';

export type { FactorizeConfig, GridSpec, FactorizeSampleName };

/** What the panel factorises: the file it was opened on, or a built-in sample. */
export type FactorizeSource =
  | { kind: 'file'; path: string; fileName: string; format: string; /** How the file's columns and orientation were chosen in the preview (absent: inferred). */ shape?: PreviewChoice }
  | { kind: 'sample'; name: FactorizeSampleName };

/** The data as the webview receives it: bins × observations, complete and non-negative. */
export interface FactorizeDataPayload {
  rows: number;
  cols: number;
  values: Float64Array;
  /** One id per observation. */
  colIds: string[];
  /** The grid the data comes with (a sample's own, or inferred from the row count). */
  grid: GridSpec;
}

export type FactorizeRunStatus = 'idle' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** core's FactorizeResult as it travels: the factors' values only, without the dual steps, with the time. */
export interface FactorizeResultPayload extends Omit<FactorizeResult, 'D' | 'Lambda' | 'steps'> {
  /** rows × k atoms, row-major. */
  D: Float64Array;
  /** k × cols weights, row-major. */
  Lambda: Float64Array;
  seconds: number;
  /** Where it ran: `cpu-float64` (the Float64 core on the webview's thread) or `tfjs-<backend>-float32`. */
  backend: string;
}

/** An input the webview may ask for: the panel's own file, or a sample. */
export type FactorizeInputChoice = 'file' | FactorizeSampleName;

export type FactorizeHostToWebview =
  | {
      /** The data to show (sent on `ready`, and again after a `load`). */
      type: 'data';
      source: FactorizeSource;
      data: FactorizeDataPayload;
      config: FactorizeConfig;
      /** The inputs the panel can switch to. */
      inputs: { choice: FactorizeInputChoice; label: string }[];
      trusted: boolean;
      /** The file's first rows and what was inferred about its shape (null for a sample or a file with no text columns). */
      preview?: PreviewPayload | null;
    }
  | { type: 'status'; status: FactorizeRunStatus; runId?: string; message?: string }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string };

export type FactorizeWebviewToHost =
  | { type: 'ready' }
  | { type: 'load'; input: FactorizeInputChoice }
  /** Read the panel's file again with these columns and this orientation (the data preview). */
  | { type: 'shape'; choice: PreviewChoice }
  | { type: 'run'; config: FactorizeConfig }
  | { type: 'progress'; iteration: number; total: number; fraction: number; objective: number | null }
  | { type: 'result'; result: FactorizeResultPayload }
  | { type: 'failed'; message: string }
  | { type: 'cancelled' }
  | { type: 'export'; fileName: string; mime: 'image/png' | 'image/svg+xml' | 'text/csv'; data: Uint8Array | string }
  /** Save the latest result's atoms or weights as CSV (written by the host, as the CLI writes them). */
  | { type: 'exportTable'; table: 'atoms' | 'weights' };

/** UI state the webview persists across reloads: which input it showed. */
export interface FactorizePanelState {
  source: FactorizeSource;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

const isPositiveNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export function isGridSpec(v: unknown): v is GridSpec {
  if (!isObject(v)) return false;
  if (v.kind === 'line') return isFiniteNumber(v.lo) && isFiniteNumber(v.hi) && v.hi > v.lo;
  if (v.kind === 'image') return isPositiveInteger(v.width) && isPositiveInteger(v.height);
  return false;
}

/** Caps that keep one message from asking the webview (or the host's records) for absurd work. */
export const FACTORIZE_LIMITS = { k: 1000, iterations: 100_000, innerIterations: 100_000 } as const;

export function isFactorizeConfig(v: unknown): v is FactorizeConfig {
  return (
    isObject(v) &&
    (FACTORIZE_LOSSES as readonly unknown[]).includes(v.loss) &&
    isPositiveInteger(v.k) &&
    (v.k as number) <= FACTORIZE_LIMITS.k &&
    isPositiveNumber(v.epsilon) &&
    isPositiveNumber(v.rho1) &&
    isPositiveNumber(v.rho2) &&
    isPositiveInteger(v.iterations) &&
    (v.iterations as number) <= FACTORIZE_LIMITS.iterations &&
    isPositiveInteger(v.innerIterations) &&
    (v.innerIterations as number) <= FACTORIZE_LIMITS.innerIterations &&
    isPositiveNumber(v.gradTol) &&
    isFiniteNumber(v.tolerance) &&
    (v.tolerance as number) >= 0 &&
    typeof v.seed === 'number' &&
    Number.isInteger(v.seed) &&
    (v.seed as number) >= 0 &&
    isGridSpec(v.grid)
  );
}

function isResult(v: unknown): v is FactorizeResultPayload {
  return (
    isObject(v) &&
    isFactorizeConfig(v.config) &&
    v.D instanceof Float64Array &&
    v.Lambda instanceof Float64Array &&
    Array.isArray(v.history) &&
    v.history.every((h) => typeof h === 'number') &&
    typeof v.objective === 'number' &&
    isPositiveInteger(v.iterations) &&
    typeof v.converged === 'boolean' &&
    typeof v.reason === 'string' &&
    typeof v.reconstructionError === 'number' &&
    typeof v.seconds === 'number' &&
    v.seconds >= 0 &&
    typeof v.backend === 'string'
  );
}

/** Validates a message from the webview: the host trusts nothing it did not check. */
export function parseFactorizeMessage(raw: unknown): FactorizeWebviewToHost | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  switch (raw.type) {
    case 'ready':
    case 'cancelled':
      return { type: raw.type };
    case 'load':
      return raw.input === 'file' || (FACTORIZE_SAMPLES as readonly unknown[]).includes(raw.input)
        ? { type: 'load', input: raw.input as FactorizeInputChoice }
        : null;
    case 'shape': {
      const choice = parsePreviewChoice(raw.choice);
      return choice ? { type: 'shape', choice } : null;
    }
    case 'run':
      return isFactorizeConfig(raw.config) ? { type: 'run', config: raw.config } : null;
    case 'progress':
      if (!isPositiveInteger(raw.iteration) || !isPositiveInteger(raw.total) || !isFiniteNumber(raw.fraction) || raw.fraction < 0 || raw.fraction > 1) return null;
      if (raw.objective !== null && typeof raw.objective !== 'number') return null;
      return { type: 'progress', iteration: raw.iteration, total: raw.total, fraction: raw.fraction, objective: raw.objective as number | null };
    case 'result':
      return isResult(raw.result) ? { type: 'result', result: raw.result } : null;
    case 'failed':
      return typeof raw.message === 'string' ? { type: 'failed', message: raw.message } : null;
    case 'export':
      if (typeof raw.fileName !== 'string' || !['image/png', 'image/svg+xml', 'text/csv'].includes(raw.mime as string)) return null;
      if (!(raw.data instanceof Uint8Array) && typeof raw.data !== 'string') return null;
      return { type: 'export', fileName: raw.fileName, mime: raw.mime as 'image/png' | 'image/svg+xml' | 'text/csv', data: raw.data };
    case 'exportTable':
      return raw.table === 'atoms' || raw.table === 'weights' ? { type: 'exportTable', table: raw.table } : null;
    default:
      return null;
  }
}

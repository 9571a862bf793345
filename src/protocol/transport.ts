// The Transport panel's messages, host <-> page. The host reads the two clouds (two files, or a
// built-in sample pair) and sends them; the page runs Sinkhorn and trains the map with the same
// core code as `lacuna transport`, and reports the Sinkhorn figures, the training curve and the
// result, which the host keeps as a run record. Every message from the page is checked here.
import type { TransportJobConfig, TransportJobResult } from '../core/transport/job';
import { SPARSITY_KINDS, type SparsityKind } from '../core/transport/sparsity';
import { TRANSPORT_SAMPLES, type TransportSampleName } from '../core/transport/points';
import { isArrayOf, isBackendReport, isCount, isFiniteNumber, isNullOr, isNumberNotNaN, isObject, isOneOf, isPositiveInteger, isString, parseExport, type BackendReport, type ExportMessage } from './common';

export type { SparsityKind, TransportSampleName };

export const TRANSPORT_METHODS = ['sinkhorn', 'icnn', 'monge-gap'] as const;
export type TransportMethod = (typeof TRANSPORT_METHODS)[number];

/** What the panel transports: A to B from two files, or a built-in sample pair. */
export type TransportSource = { kind: 'files'; a: string; b: string } | { kind: 'sample'; name: TransportSampleName };

/** One cloud as the page receives it: n points × dim coordinates, row-major. */
export interface CloudPayload {
  name: string;
  n: number;
  dim: number;
  data: Float64Array;
}

/** A run's settings: the job's (core/transport/job.ts). */
export type TransportConfig = TransportJobConfig;

export const TRANSPORT_LIMITS = { iterations: 100_000, points: 5_000 } as const;

export function defaultTransportConfig(sample: TransportSampleName | null): TransportConfig {
  return sample === 'sparse-shift'
    ? { method: 'icnn', epsilon: null, sparsity: 'l0', lambda: 0.05, targetDim: 5, iterations: 200, seed: 0 }
    : { method: 'sinkhorn', epsilon: null, sparsity: 'none', lambda: 0.05, targetDim: null, iterations: 200, seed: 0 };
}

/** Sinkhorn between the two clouds, as the page reports it. */
export interface SinkhornSummary {
  epsilon: number;
  cost: number;
  divergence: number;
  marginalError: number;
  iterations: number;
  converged: boolean;
  warnings: string[];
  seconds: number;
  /** Points per side that Sinkhorn used (the first ones when a side was larger). */
  points: [number, number];
}

/** One point of a learned map's training curve. */
export interface TransportTrainPoint {
  step: number;
  loss: number;
  divergence: number | null;
  mongeGap: number | null;
  lambda: number;
  displacementDim: number;
}

/** A finished run as the page reports it: the job's result (core/transport/job.ts), its config and backend. */
export type TransportResultPayload = Omit<TransportJobResult, 'cancelled' | 'sinkhorn'> & {
  config: TransportConfig;
  sinkhorn: SinkhornSummary;
  backend: string;
};

export type TransportRunStatus = 'idle' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

export type TransportHostToPage =
  | {
      type: 'data';
      source: TransportSource;
      title: string;
      a: CloudPayload;
      b: CloudPayload;
      columns: string[];
      /** The coordinates the true map moves, for a sample whose map is known. */
      support: number[] | null;
      config: TransportConfig;
      trusted: boolean;
    }
  | { type: 'status'; status: TransportRunStatus; runId?: string; message?: string }
  | { type: 'saved'; path: string }
  | { type: 'error'; message: string };

export type TransportPageToHost =
  | { type: 'ready' }
  | { type: 'cancelled' }
  | { type: 'backend'; report: BackendReport }
  | { type: 'run'; config: TransportConfig }
  | { type: 'sinkhorn'; summary: SinkhornSummary }
  | { type: 'progress'; point: TransportTrainPoint }
  | { type: 'result'; result: TransportResultPayload }
  | { type: 'failed'; message: string }
  | ExportMessage;

/** UI state the page keeps across reloads. */
export interface TransportPanelState {
  source: TransportSource;
}

export function isTransportSource(v: unknown): v is TransportSource {
  return isObject(v) && (v.kind === 'files' ? isString(v.a) && isString(v.b) : v.kind === 'sample' && isOneOf(TRANSPORT_SAMPLES)(v.name));
}

export function isTransportConfig(v: unknown): v is TransportConfig {
  return (
    isObject(v) &&
    isOneOf(TRANSPORT_METHODS)(v.method) &&
    isNullOr((e: unknown): e is number => isFiniteNumber(e) && e > 0)(v.epsilon) &&
    isOneOf(SPARSITY_KINDS)(v.sparsity) &&
    isFiniteNumber(v.lambda) &&
    v.lambda >= 0 &&
    isNullOr((l: unknown): l is number => isFiniteNumber(l) && l > 0)(v.targetDim) &&
    isPositiveInteger(v.iterations) &&
    v.iterations <= TRANSPORT_LIMITS.iterations &&
    isCount(v.seed)
  );
}

export function isSinkhornSummary(v: unknown): v is SinkhornSummary {
  return (
    isObject(v) &&
    isFiniteNumber(v.epsilon) &&
    isNumberNotNaN(v.cost) &&
    isNumberNotNaN(v.divergence) &&
    isNumberNotNaN(v.marginalError) &&
    isCount(v.iterations) &&
    typeof v.converged === 'boolean' &&
    isArrayOf(isString, 100)(v.warnings) &&
    isFiniteNumber(v.seconds) &&
    Array.isArray(v.points) &&
    v.points.length === 2 &&
    v.points.every(isPositiveInteger)
  );
}

const isNumberOrNull = isNullOr(isNumberNotNaN);

export function isTrainPoint(v: unknown): v is TransportTrainPoint {
  return isObject(v) && isPositiveInteger(v.step) && isNumberNotNaN(v.loss) && isNumberOrNull(v.divergence) && isNumberOrNull(v.mongeGap) && isFiniteNumber(v.lambda) && isFiniteNumber(v.displacementDim);
}

function isPlan(v: unknown): v is NonNullable<TransportResultPayload['plan']> {
  return isObject(v) && v.source instanceof Int32Array && v.target instanceof Int32Array && v.mass instanceof Float64Array && v.source.length === v.mass.length && v.target.length === v.mass.length && v.mass.length <= 250_000;
}

export function isTransportResult(v: unknown): v is TransportResultPayload {
  if (!isObject(v) || !isTransportConfig(v.config) || !isSinkhornSummary(v.sinkhorn) || !(v.mapped instanceof Float64Array)) return false;
  if (!isArrayOf(isFiniteNumber)(v.perCoordinate) || !isFiniteNumber(v.meanDimension) || !isFiniteNumber(v.seconds) || !isString(v.backend)) return false;
  if (v.plan !== null && !isPlan(v.plan)) return false;
  const m = v.map;
  return m === null || (isObject(m) && isString(m.network) && isCount(m.steps) && isNumberOrNull(m.divergenceAfter) && isNumberOrNull(m.mongeGap));
}

/** Validates a message from the page: the host trusts nothing it did not check. */
export function parseTransportMessage(raw: unknown): TransportPageToHost | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  switch (raw.type) {
    case 'ready':
    case 'cancelled':
      return { type: raw.type };
    case 'backend':
      return isBackendReport(raw.report) ? { type: 'backend', report: raw.report } : null;
    case 'run':
      return isTransportConfig(raw.config) ? { type: 'run', config: raw.config } : null;
    case 'sinkhorn':
      return isSinkhornSummary(raw.summary) ? { type: 'sinkhorn', summary: raw.summary } : null;
    case 'progress':
      return isTrainPoint(raw.point) ? { type: 'progress', point: raw.point } : null;
    case 'result':
      return isTransportResult(raw.result) ? { type: 'result', result: raw.result } : null;
    case 'failed':
      return isString(raw.message) ? { type: 'failed', message: raw.message } : null;
    case 'export':
      return parseExport(raw);
    default:
      return null;
  }
}

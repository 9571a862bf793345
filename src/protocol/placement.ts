// The "Sensor placement" tab's messages (a tab of the impute panel, `lacuna.training`). The search
// runs in the host, on core/sampling (the same runPlacement as `lacuna place` and the bench); the
// page asks for a search, can cancel it, draws what the host reports, and asks for the CSV export.
import type { PlacementMethod, PlacementResult } from '../core/sampling/placement';
import { PLACEMENT_METHODS } from '../core/sampling/placement';
import { isArrayOf, isCount, isNullOr, isNumberNotNaN, isObject, isOneOf, isPositiveInteger, isRecordId, isString } from './common';

export { PLACEMENT_METHODS, type PlacementMethod };

/** The imputers the tab offers: the classical registry and the low-rank proxy (the host never loads tfjs, so no frozen learned model here; `lacuna place --load-model` scores with one). */
export const PANEL_PLACEMENT_IMPUTERS = ['neighbor', 'mean', 'linear', 'softimpute', 'knn', 'seasonal', 'lowrank'] as const;
export type PanelPlacementImputer = (typeof PANEL_PLACEMENT_IMPUTERS)[number];

export const PLACEMENT_STATUSES = ['running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export type PlacementStatus = (typeof PLACEMENT_STATUSES)[number];

/** The bounds of the tab's genetic settings (population and generations). */
export const MAX_POPULATION = 1000;
export const MAX_GENERATIONS = 10_000;

export interface PlacementSettings {
  /** Columns to keep. */
  budget: number;
  imputer: PanelPlacementImputer;
  /** The methods to run, in order; each one's result is kept as it finishes. */
  methods: PlacementMethod[];
  seed: number;
  population: number;
  generations: number;
}

/** One method's result as it travels and is kept (JSON: a non-finite number is null). */
export type PlacementMethodResult = Omit<PlacementResult, 'proxy'>;

/** A column's place, for the map. */
export interface PlacementPlace {
  lat: number;
  lng: number;
  cell: string;
}

/** A search as the tab shows it: its settings, status and the results so far. */
export interface PlacementRunPayload {
  id: string;
  settings: PlacementSettings;
  status: PlacementStatus;
  message: string | null;
  results: PlacementMethodResult[];
}

export type PlacementToPage =
  | {
      type: 'placementInit';
      cols: number;
      colIds: string[];
      places: (PlacementPlace | null)[] | null;
      trusted: boolean;
      /** The newest search on this file, when there is one. */
      run: PlacementRunPayload | null;
    }
  | { type: 'placementProgress'; method: PlacementMethod; message: string; fraction: number | null }
  | { type: 'placementRun'; run: PlacementRunPayload }
  | { type: 'placementSaved'; path: string };

export type PlacementToHost =
  | { type: 'placementStart'; settings: PlacementSettings }
  | { type: 'placementCancel' }
  /** Save the chosen columns of one method of a search as CSV (through a save dialog). */
  | { type: 'placementExport'; runId: string; method: PlacementMethod };

const PLACEMENT_TYPES: readonly string[] = ['placementStart', 'placementCancel', 'placementExport'];

export function isPlacementToHost(m: { type: string }): m is PlacementToHost {
  return PLACEMENT_TYPES.includes(m.type);
}

export function isPlacementSettings(v: unknown): v is PlacementSettings {
  return (
    isObject(v) &&
    isPositiveInteger(v.budget) &&
    isOneOf(PANEL_PLACEMENT_IMPUTERS)(v.imputer) &&
    isArrayOf(isOneOf(PLACEMENT_METHODS), PLACEMENT_METHODS.length)(v.methods) &&
    v.methods.length >= 1 &&
    new Set(v.methods).size === v.methods.length &&
    isCount(v.seed) &&
    isPositiveInteger(v.population) &&
    v.population >= 2 &&
    v.population <= MAX_POPULATION &&
    isCount(v.generations) &&
    v.generations <= MAX_GENERATIONS
  );
}

const isFigure = isNullOr(isNumberNotNaN);
const isError = (v: unknown) => isObject(v) && isFigure(v.value) && isFigure(v.mse) && isFigure(v.mae) && isCount(v.count);

/** A kept method result: the fields the tab and the export read, checked. */
export function isPlacementMethodResult(v: unknown): v is PlacementMethodResult {
  if (!isObject(v) || !isOneOf(PLACEMENT_METHODS)(v.method) || !isString(v.imputer) || !isOneOf(['mse', 'mae'] as const)(v.metric)) return false;
  if (!isPositiveInteger(v.budget) || !isPositiveInteger(v.cols) || !isError(v.validation) || !isError(v.test)) return false;
  const chosen = isArrayOf((c: unknown): c is object => isObject(c) && isPositiveInteger(c.rank) && isCount(c.column) && isString(c.id) && isFigure(c.gain), 100_000)(v.chosen);
  const curve = isArrayOf((p: unknown): p is object => isObject(p) && isPositiveInteger(p.kept) && isFigure(p.validation) && isFigure(p.test), 100_000)(v.curve);
  return chosen && curve && isObject(v.search) && isFigure(v.seconds);
}

export function isPlacementRunPayload(v: unknown): v is PlacementRunPayload {
  return isObject(v) && isRecordId(v.id) && isPlacementSettings(v.settings) && isOneOf(PLACEMENT_STATUSES)(v.status) && isNullOr(isString)(v.message) && isArrayOf(isPlacementMethodResult, PLACEMENT_METHODS.length)(v.results);
}

/** Validates a placement message from the page (the impute parser hands these over). */
export function parsePlacementMessage(raw: Record<string, unknown>): PlacementToHost | null {
  switch (raw.type) {
    case 'placementStart':
      return isPlacementSettings(raw.settings) ? { type: 'placementStart', settings: { ...raw.settings, methods: [...raw.settings.methods] } } : null;
    case 'placementCancel':
      return { type: 'placementCancel' };
    case 'placementExport':
      return isRecordId(raw.runId) && isOneOf(PLACEMENT_METHODS)(raw.method) ? { type: 'placementExport', runId: raw.runId, method: raw.method } : null;
    default:
      return null;
  }
}

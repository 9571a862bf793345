// The records of sensor-placement searches (the impute panel's "Sensor placement" tab): one
// folder per search under `<root>/<id>/`, the record in `placement.json`. A thin typed layer over
// RunRecords (validation on every read and save, atomic serialised writes, interruption, damaged
// records listed, no links followed). The Runs view lists them beside the imputation runs.
import { isArrayOf, isCount, isNullOr, isObject, isOneOf, isString, isTimestamp } from '../../protocol/common';
import { isPlacementMethodResult, isPlacementSettings, PLACEMENT_STATUSES, type PlacementMethodResult, type PlacementRunPayload, type PlacementSettings, type PlacementStatus } from '../../protocol/placement';
import { basename } from 'node:path';
import { formatFigure } from '../../core/format';
import type { BaseRecord, RecordKind } from '../records/recordStore';
import { code, md } from '../runs/markdown';
import { RunRecords } from '../records/runRecords';

export const PLACEMENT_RECORD = 'placement.json';

export interface PlacementRecord extends BaseRecord {
  kind: 'placement';
  status: PlacementStatus;
  /** The data file (with its hash, so a changed input is noticed) and its locations. */
  input: { path: string; sha256: string; bytes: number; locations: string | null; shape: [number, number] };
  settings: PlacementSettings;
  /** Each method's result, in the order they finished. */
  results: PlacementMethodResult[];
  /** One entry per finished method. */
  history: { at: string; method: string; seconds: number }[];
  message: string | null;
}

function checkPlacement(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1 || v.kind !== 'placement') return 'not a version-1 placement record';
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isOneOf(PLACEMENT_STATUSES)(v.status)) return `unknown status ${JSON.stringify(v.status)}`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  const i = v.input;
  if (!isObject(i) || !isString(i.path) || !isString(i.sha256) || !isCount(i.bytes) || !isNullOr(isString)(i.locations)) return 'input lacks its path, hash, size or locations';
  if (!Array.isArray(i.shape) || i.shape.length !== 2 || !i.shape.every(isCount)) return 'input lacks its shape';
  if (!isPlacementSettings(v.settings)) return 'settings are not valid placement settings';
  if (!isArrayOf(isPlacementMethodResult, 16)(v.results)) return 'results are not placement results';
  if (!isArrayOf((h: unknown): h is object => isObject(h) && isTimestamp(h.at) && isString(h.method))(v.history)) return 'history is not a list of finished methods';
  if (!isNullOr(isString)(v.message)) return 'message is not text';
  return null;
}

export const PLACEMENT_KIND: RecordKind<PlacementRecord> = {
  file: PLACEMENT_RECORD,
  noun: 'placement search',
  check: checkPlacement,
  layout: { files: /^$/ },
  isActive: (r) => r.status === 'running',
  interrupt: (r, reason) => {
    r.status = 'interrupted';
    r.message = reason;
  },
};

export class PlacementRecords extends RunRecords<PlacementRecord> {
  constructor(root: string, clock: () => Date = () => new Date(), base: string | null = null) {
    super(root, PLACEMENT_KIND, clock, base);
  }

  create(input: PlacementRecord['input'], settings: PlacementSettings): Promise<PlacementRecord> {
    return this.records.create((base) => ({ ...base, kind: 'placement', status: 'running', input, settings, results: [], history: [], message: null }));
  }

  /** Keeps one method's result as soon as it finishes (a later cancel or crash keeps it). */
  addResult(id: string, result: PlacementMethodResult): Promise<PlacementRecord> {
    return this.update(id, (r) => {
      r.results = [...r.results.filter((x) => x.method !== result.method), result];
      r.history.push({ at: this.records.now(), method: result.method, seconds: result.seconds });
    });
  }

  /** The newest search on a data file, or null. */
  async latestFor(path: string): Promise<PlacementRecord | null> {
    return (await this.list()).find((r) => r.input.path === path) ?? null;
  }
}

export function toPayload(r: PlacementRecord): PlacementRunPayload {
  return { id: r.id, settings: r.settings, status: r.status, message: r.message, results: r.results };
}

/** The Runs view's row of a search: the label, the headline figure and an escaped tooltip. */
export function describePlacement(r: PlacementRecord, icon: string): { label: string; description: string; icon: string; tooltip: string } {
  const s = r.settings;
  const metric = (r.results[0]?.metric ?? 'mse').toUpperCase();
  const figure = (v: number | null) => formatFigure(v, { digits: 4, style: 'short' });
  const best = [...r.results].sort((a, b) => (a.test.value ?? Infinity) - (b.test.value ?? Infinity))[0];
  const lines = [
    md`**Sensor placement** on ${code(basename(r.input.path))}, ${r.input.shape[0]} × ${r.input.shape[1]}: keep ${s.budget} columns, scored with ${s.imputer}`,
    md`status: ${r.status}${r.message ? ` (${r.message})` : ''}`,
    md`methods ${s.methods.join(', ')}; seed ${s.seed}`,
    ...r.results.map((x) => md`${x.method}: test ${metric} ${figure(x.test.value)}${x.random ? ` (mean of ${x.random.draws} draws ${figure(x.random.test.mean)} ± ${figure(x.random.test.std)})` : ''}; kept ${x.chosen.map((c) => c.id).join(', ')}`),
    md`search ${r.id}`,
  ];
  return {
    label: `Placement: keep ${s.budget}, ${s.imputer} · ${r.status}`,
    description: [best && `best ${best.method} ${metric} ${figure(best.test.value)}`, r.createdAt.slice(0, 16).replace('T', ' ')].filter(Boolean).join(' · '),
    icon,
    tooltip: lines.join('\n\n'),
  };
}

// Records of "Inspect weighting vectors" sessions: `<root>/<id>/record.json` (the source, the
// panel's settings, the latest solve and the magnitude function) with the latest weights in
// `weights.csv` beside it. Kept apart from the imputation RunStore, whose records are typed for
// imputation runs (config, metrics, the Runs view and compare): a weighting-vector session has
// no metrics to compare and is updated on every move of the t slider. Plain Node, tested directly.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/io/node';
import { formatNumber } from '../core/io/read';
import type { MetricName } from '../core/magnitude/metrics';
import type { MagnitudeSource, PanelSolver, PointsRequest, SolveSummary, SweepSummary } from '../protocol/magnitude';
import { KeyedQueue } from './keyedQueue';

export interface MagnitudeRecord {
  version: 1;
  kind: 'magnitude';
  id: string;
  createdAt: string;
  updatedAt: string;
  source: MagnitudeSource;
  /** The points as last requested (columns, normalisation, subsample size). */
  request: PointsRequest | null;
  settings: { solver: PanelSolver; metric: MetricName } | null;
  backend: string | null;
  last: SolveSummary | null;
  sweep: { ts: number[]; magnitudes: number[]; tConv: number | null; scatteredScale: number | null; suggestedScale: number; suggestedReason: string } | null;
  /** Input row (0-based) of each weight in weights.csv. */
  rows: number[] | null;
}

function newId(now: Date): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
}

export class MagnitudeRecords {
  private readonly queue = new KeyedQueue();

  constructor(
    readonly root: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  dir(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new Error(`not a record id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  private async save(record: MagnitudeRecord): Promise<MagnitudeRecord> {
    await fsp.mkdir(this.dir(record.id), { recursive: true });
    await writeFileAtomic(join(this.dir(record.id), 'record.json'), JSON.stringify(record, null, 2) + '\n');
    return record;
  }

  async create(source: MagnitudeSource): Promise<MagnitudeRecord> {
    const now = this.clock();
    return this.save({
      version: 1, kind: 'magnitude', id: newId(now), createdAt: now.toISOString(), updatedAt: now.toISOString(),
      source, request: null, settings: null, backend: null, last: null, sweep: null, rows: null,
    });
  }

  async get(id: string): Promise<MagnitudeRecord | null> {
    try {
      const record = JSON.parse(await fsp.readFile(join(this.dir(id), 'record.json'), 'utf8')) as MagnitudeRecord;
      return record.version === 1 && record.kind === 'magnitude' && record.id === id ? record : null;
    } catch {
      return null;
    }
  }

  async list(): Promise<MagnitudeRecord[]> {
    if (!existsSync(this.root)) return [];
    const names = (await fsp.readdir(this.root)).filter((n) => /^[\w-]+$/.test(n));
    const records = (await Promise.all(names.map((n) => this.get(n)))).filter((r): r is MagnitudeRecord => r !== null);
    return records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  }

  /** Read-modify-write, serialised per record. */
  update(id: string, change: (record: MagnitudeRecord) => void): Promise<MagnitudeRecord> {
    return this.queue.run(id, async () => {
      const record = await this.get(id);
      if (!record) throw new Error(`no weighting-vector record ${id} in ${this.root}`);
      change(record);
      record.updatedAt = this.clock().toISOString();
      return this.save(record);
    });
  }

  /** Keeps a solve: its summary in the record and its weights (one per line, in point order) in weights.csv. */
  async recordSolve(id: string, summary: SolveSummary, weights: Float64Array, rows: Int32Array, settings: MagnitudeRecord['settings']): Promise<MagnitudeRecord> {
    await writeFileAtomic(join(this.dir(id), 'weights.csv'), Array.from(weights, (w) => formatNumber(w) + '\n').join(''));
    return this.update(id, (r) => {
      r.last = summary;
      r.settings = settings;
      r.rows = Array.from(rows);
    });
  }

  recordSweep(id: string, sweep: SweepSummary): Promise<MagnitudeRecord> {
    return this.update(id, (r) => {
      r.sweep = {
        ts: Array.from(sweep.ts),
        magnitudes: Array.from(sweep.magnitudes),
        tConv: sweep.tConv,
        scatteredScale: Number.isFinite(sweep.scatteredScale) ? sweep.scatteredScale : null,
        suggestedScale: sweep.suggestedScale,
        suggestedReason: sweep.suggestedReason,
      };
    });
  }

  async delete(id: string): Promise<void> {
    await fsp.rm(this.dir(id), { recursive: true, force: true });
  }
}

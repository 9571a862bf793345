// Records of "Inspect weighting vectors" sessions: `<root>/<id>/record.json` (the source, the
// panel's settings, the latest solve and the magnitude function) with the latest weights in
// `weights.csv` beside it. Kept apart from the imputation RunStore, whose records are typed for
// imputation runs (config, metrics, the Runs view and compare): a weighting-vector session has
// no metrics to compare and is updated on every move of the t slider. Plain Node, tested directly.
//
// Each training of the magnitude autoencoder (the panel's Autoencoder tab) is a run of its
// session: `<root>/<id>/autoencoder/<run>/run.json` (settings, status, the loss history, ρ of the
// autoencoder, PCA and t-SNE) with the latest codes in `codes.csv` beside it. Both are written
// atomically as the training reports, so a cancelled or interrupted run keeps what it reported.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../core/io/node';
import { formatNumber } from '../../core/io/read';
import type { MetricName } from '../../core/magnitude/metrics';
import { codesCsv, type CodeColumns } from '../../core/magnitude/autoencoder/codesCsv';
import type { AeMap, AeOutcome, AeSettings, AeStep, MagnitudeSource, PanelSolver, PointsRequest, SolveSummary, SweepSummary } from '../../protocol/magnitude';
import { KeyedQueue } from '../records/keyedQueue';

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

export type AutoencoderRunStatus = 'running' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

/** A number as JSON keeps it: NaN and ±∞ become null. */
type Stored<T> = { [K in keyof T]: T[K] extends number ? number | null : T[K] };

export interface AutoencoderRun {
  version: 1;
  kind: 'autoencoder';
  id: string;
  /** The weighting-vector session (record) the run belongs to. */
  session: string;
  createdAt: string;
  updatedAt: string;
  status: AutoencoderRunStatus;
  settings: AeSettings;
  dataset: { label: string; n: number; dim: number };
  backend: string;
  /** Every optimisation step reported, in order. */
  history: Stored<AeStep>[];
  /** The newest codes kept in codes.csv. */
  latest: { phase: AeStep['phase']; epoch: number; rho: number | null; final: boolean } | null;
  rho: { autoencoder: number | null; pca: number | null; tsne: number | null };
  seconds: { pca: number; tsne: number; total: number | null; perBurnInEpoch: number | null; perJointEpoch: number | null };
  final: { recons: number | null; weight: number | null; total: number | null } | null;
  parameterCount: number | null;
  tensorGrowth: number | null;
  error: string | null;
}

const stored = (v: number): number | null => (Number.isFinite(v) ? v : null);

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

  // -------------------------------------------------------------------------------------------
  // Autoencoder runs

  autoencoderDir(session: string, run: string): string {
    if (!/^[\w-]+$/.test(run)) throw new Error(`not a run id: ${JSON.stringify(run)}`);
    return join(this.dir(session), 'autoencoder', run);
  }

  private async saveAutoencoder(run: AutoencoderRun): Promise<AutoencoderRun> {
    const dir = this.autoencoderDir(run.session, run.id);
    await fsp.mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'run.json'), JSON.stringify(run, null, 2) + '\n');
    return run;
  }

  /**
   * Starts a run: the settings, the dataset, and the input's weights with the PCA and t-SNE codes
   * in codes.csv (both are computed before the training starts).
   */
  async createAutoencoderRun(
    session: string,
    init: { settings: AeSettings; dataset: { label: string; n: number; dim: number; labels: Int32Array | null }; backend: string; inputWeights: Float64Array; pca: AeMap; tsne: AeMap },
  ): Promise<AutoencoderRun> {
    if (!(await this.get(session))) throw new Error(`no weighting-vector record ${session} in ${this.root}`);
    const now = this.clock();
    const run: AutoencoderRun = {
      version: 1, kind: 'autoencoder', id: newId(now), session, createdAt: now.toISOString(), updatedAt: now.toISOString(),
      status: 'running', settings: init.settings, dataset: { label: init.dataset.label, n: init.dataset.n, dim: init.dataset.dim }, backend: init.backend,
      history: [], latest: null,
      rho: { autoencoder: null, pca: stored(init.pca.rho), tsne: stored(init.tsne.rho) },
      seconds: { pca: init.pca.seconds, tsne: init.tsne.seconds, total: null, perBurnInEpoch: null, perJointEpoch: null },
      final: null, parameterCount: null, tensorGrowth: null, error: null,
    };
    this.codes.set(this.codesKey(session, run.id), { inputWeights: init.inputWeights, labels: init.dataset.labels, pca: init.pca, tsne: init.tsne, autoencoder: null });
    await this.saveAutoencoder(run);
    await this.writeCodes(session, run.id);
    return run;
  }

  async getAutoencoderRun(session: string, run: string): Promise<AutoencoderRun | null> {
    try {
      const r = JSON.parse(await fsp.readFile(join(this.autoencoderDir(session, run), 'run.json'), 'utf8')) as AutoencoderRun;
      return r.version === 1 && r.kind === 'autoencoder' && r.id === run && r.session === session ? r : null;
    } catch {
      return null;
    }
  }

  async listAutoencoderRuns(session: string): Promise<AutoencoderRun[]> {
    const dir = join(this.dir(session), 'autoencoder');
    if (!existsSync(dir)) return [];
    const names = (await fsp.readdir(dir)).filter((n) => /^[\w-]+$/.test(n));
    const runs = (await Promise.all(names.map((n) => this.getAutoencoderRun(session, n)))).filter((r): r is AutoencoderRun => r !== null);
    return runs.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id.localeCompare(b.id)));
  }

  /** Read-modify-write of a run, serialised per run. */
  updateAutoencoderRun(session: string, id: string, change: (run: AutoencoderRun) => void): Promise<AutoencoderRun> {
    return this.queue.run(`${session}/autoencoder/${id}`, async () => {
      const run = await this.getAutoencoderRun(session, id);
      if (!run) throw new Error(`no autoencoder run ${id} in session ${session}`);
      change(run);
      run.updatedAt = this.clock().toISOString();
      return this.saveAutoencoder(run);
    });
  }

  /** Appends reported steps and, with a snapshot, keeps its codes as the newest in codes.csv. */
  async recordAutoencoderProgress(session: string, id: string, steps: AeStep[], snapshot: { phase: AeStep['phase']; epoch: number; rho: number; codes: Float64Array } | null): Promise<AutoencoderRun> {
    const run = await this.updateAutoencoderRun(session, id, (r) => {
      if (r.status !== 'running') throw new Error(`autoencoder run ${id} is ${r.status}, not running`);
      for (const s of steps) r.history.push({ ...s, recons: stored(s.recons), weight: stored(s.weight), total: stored(s.total), rho: stored(s.rho), seconds: stored(s.seconds) });
      if (snapshot) r.latest = { phase: snapshot.phase, epoch: snapshot.epoch, rho: stored(snapshot.rho), final: false };
    });
    const codes = this.codes.get(this.codesKey(session, id));
    if (snapshot && codes && snapshot.codes.length === 2 * codes.inputWeights.length) {
      codes.autoencoder = { codes: snapshot.codes, weights: null };
      await this.writeCodes(session, id);
    }
    return run;
  }

  /** The end of a run (completed, cancelled or failed): the final codes and their ρ, losses, timings. */
  async finishAutoencoderRun(session: string, id: string, outcome: AeOutcome): Promise<AutoencoderRun> {
    const codes = this.codes.get(this.codesKey(session, id));
    const run = await this.updateAutoencoderRun(session, id, (r) => {
      r.status = outcome.status;
      r.error = outcome.error;
      if (outcome.autoencoder) {
        r.rho.autoencoder = stored(outcome.autoencoder.rho);
        const last = r.history.at(-1);
        r.latest = { phase: last?.phase ?? 'joint', epoch: last?.epoch ?? 0, rho: stored(outcome.autoencoder.rho), final: true };
      }
      if (outcome.seconds) Object.assign(r.seconds, outcome.seconds);
      r.final = outcome.final ? { recons: stored(outcome.final.recons), weight: stored(outcome.final.weight), total: stored(outcome.final.total) } : null;
      r.parameterCount = outcome.parameterCount;
      r.tensorGrowth = outcome.tensorGrowth;
    });
    if (codes) {
      const n = codes.inputWeights.length;
      if (outcome.autoencoder && outcome.autoencoder.codes.length === 2 * n) codes.autoencoder = { codes: outcome.autoencoder.codes, weights: outcome.autoencoder.weights };
      await this.writeCodes(session, id);
      this.codes.delete(this.codesKey(session, id));
    }
    return run;
  }

  /** Marks a session's running runs as interrupted (the panel closed under them); what they reported stays. */
  async interruptAutoencoderRuns(session: string): Promise<number> {
    let count = 0;
    for (const run of await this.listAutoencoderRuns(session)) {
      if (run.status !== 'running') continue;
      await this.updateAutoencoderRun(session, run.id, (r) => {
        if (r.status === 'running') r.status = 'interrupted';
      });
      this.codes.delete(this.codesKey(session, run.id));
      count++;
    }
    return count;
  }

  /** The codes of the runs in progress: the input's weights and PCA arrive once, at the start. */
  private readonly codes = new Map<string, { inputWeights: Float64Array; labels: Int32Array | null; pca: AeMap; tsne: AeMap; autoencoder: Omit<CodeColumns, 'name'> | null }>();

  private codesKey(session: string, id: string): string {
    return `${session}/${id}`;
  }

  private writeCodes(session: string, id: string): Promise<void> {
    const key = this.codesKey(session, id);
    return this.queue.run(`${key}/codes`, async () => {
      const c = this.codes.get(key);
      if (!c) return;
      const columns: CodeColumns[] = [
        ...(c.autoencoder ? [{ name: 'autoencoder', ...c.autoencoder }] : []),
        { name: 'pca', codes: c.pca.codes, weights: c.pca.weights },
        { name: 'tsne', codes: c.tsne.codes, weights: c.tsne.weights },
      ];
      await writeFileAtomic(join(this.autoencoderDir(session, id), 'codes.csv'), codesCsv(c.inputWeights, columns, c.labels));
    });
  }

  async delete(id: string): Promise<void> {
    await fsp.rm(this.dir(id), { recursive: true, force: true });
  }
}

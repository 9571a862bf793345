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
// Both are thin typed layers over RecordStore: validated reads (a damaged record is listed with
// its reason), atomic serialised writes, no link ever followed, deletion by name only.
import { join } from 'node:path';
import { formatNumber } from '../../core/io/read';
import type { MetricName } from '../../core/magnitude/metrics';
import { codesCsv, type CodeColumns } from '../../core/magnitude/autoencoder/codesCsv';
import { isArrayOf, isNullOr, isObject, isOneOf, isString, isTimestamp, storedNumber as stored } from '../../protocol/common';
import { isAeSettings, type AeMap, type AeOutcome, type AeSettings, type AeStep, type MagnitudeSource, type PanelSolver, type PointsRequest, type SolveSummary, type SweepSummary } from '../../protocol/magnitude';
import { RecordStore, type BaseRecord, type Entry, type RecordKind } from '../records/recordStore';

export interface MagnitudeRecord extends BaseRecord {
  kind: 'magnitude';
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

export interface AutoencoderRun extends BaseRecord {
  kind: 'autoencoder';
  /** The weighting-vector session (record) the run belongs to. */
  session: string;
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

const SOURCE_KINDS = ['file', 'selection', 'sample'] as const;

function checkSession(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1 || v.kind !== 'magnitude') return 'not a version-1 weighting-vector record';
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  const src = v.source;
  if (!isObject(src) || !isOneOf(SOURCE_KINDS)(src.kind) || (src.kind === 'sample' ? !isString(src.sample) : !isString(src.path))) return 'source is not a file, selection or sample';
  if (v.last !== null && !(isObject(v.last) && typeof v.last.t === 'number' && typeof v.last.n === 'number')) return 'last is not a solve summary';
  if (v.rows !== null && !isArrayOf((x: unknown): x is number => typeof x === 'number')(v.rows)) return 'rows is not a list of numbers';
  if (!isNullOr(isString)(v.backend)) return 'backend is not text';
  return null;
}

const AE_STATUSES: readonly AutoencoderRunStatus[] = ['running', 'completed', 'cancelled', 'failed', 'interrupted'];

function checkAutoencoderRun(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1 || v.kind !== 'autoencoder') return 'not a version-1 autoencoder run';
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isString(v.session) || !isOneOf(AE_STATUSES)(v.status)) return `unknown status ${JSON.stringify(v.status)}`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  if (!isAeSettings(v.settings)) return 'settings are not autoencoder settings';
  if (!isObject(v.dataset) || !isString(v.dataset.label) || typeof v.dataset.n !== 'number' || typeof v.dataset.dim !== 'number') return 'dataset lacks label, n or dim';
  if (!Array.isArray(v.history) || !isObject(v.rho) || !isObject(v.seconds) || !isString(v.backend)) return 'history, rho, seconds or backend missing';
  return null;
}

export const MAGNITUDE_SESSION_KIND: RecordKind<MagnitudeRecord> = {
  file: 'record.json',
  noun: 'weighting-vector record',
  check: checkSession,
  layout: { files: /^weights\.csv$/, folders: [{ name: /^autoencoder$/, layout: { files: /^$/, folders: [{ name: /^[\w-]+$/, layout: { files: /^(run\.json|codes\.csv)$/ } }] } }] },
};

export const AUTOENCODER_RUN_KIND: RecordKind<AutoencoderRun> = {
  file: 'run.json',
  noun: 'autoencoder run',
  check: checkAutoencoderRun,
  layout: { files: /^codes\.csv$/ },
  isActive: (r) => r.status === 'running',
  interrupt: (r) => void (r.status = 'interrupted'),
};

export class MagnitudeRecords {
  readonly sessions: RecordStore<MagnitudeRecord>;
  /** One store per session's autoencoder folder, kept so its queue serialises every update. */
  private readonly aeStores = new Map<string, RecordStore<AutoencoderRun>>();

  constructor(
    readonly root: string,
    private readonly clock: () => Date = () => new Date(),
    private readonly base: string | null = null,
  ) {
    this.sessions = new RecordStore(root, MAGNITUDE_SESSION_KIND, clock, base);
  }

  dir(id: string): string {
    return this.sessions.dir(id);
  }

  create(source: MagnitudeSource): Promise<MagnitudeRecord> {
    return this.sessions.create((base) => ({ ...base, kind: 'magnitude', source, request: null, settings: null, backend: null, last: null, sweep: null, rows: null }));
  }

  get(id: string): Promise<MagnitudeRecord | null> {
    return this.sessions.get(id);
  }

  list(): Promise<MagnitudeRecord[]> {
    return this.sessions.records();
  }

  /** Read-modify-write, serialised per record. */
  update(id: string, change: (record: MagnitudeRecord) => void): Promise<MagnitudeRecord> {
    return this.sessions.update(id, change);
  }

  /** Keeps a solve: its summary in the record and its weights (one per line, in point order) in weights.csv. */
  async recordSolve(id: string, summary: SolveSummary, weights: Float64Array, rows: Int32Array, settings: MagnitudeRecord['settings']): Promise<MagnitudeRecord> {
    await this.sessions.writeFile(id, 'weights.csv', Array.from(weights, (w) => formatNumber(w) + '\n').join(''));
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

  /** The store of a session's autoencoder runs (`<session>/autoencoder/<run>/run.json`). */
  autoencoderRuns(session: string): RecordStore<AutoencoderRun> {
    let store = this.aeStores.get(session);
    if (!store) {
      store = new RecordStore(join(this.dir(session), 'autoencoder'), AUTOENCODER_RUN_KIND, this.clock, this.base ?? this.root);
      this.aeStores.set(session, store);
    }
    return store;
  }

  autoencoderDir(session: string, run: string): string {
    return this.autoencoderRuns(session).dir(run);
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
    const run = await this.autoencoderRuns(session).create((base) => ({
      ...base, kind: 'autoencoder', session,
      status: 'running', settings: init.settings, dataset: { label: init.dataset.label, n: init.dataset.n, dim: init.dataset.dim }, backend: init.backend,
      history: [], latest: null,
      rho: { autoencoder: null, pca: stored(init.pca.rho), tsne: stored(init.tsne.rho) },
      seconds: { pca: init.pca.seconds, tsne: init.tsne.seconds, total: null, perBurnInEpoch: null, perJointEpoch: null },
      final: null, parameterCount: null, tensorGrowth: null, error: null,
    }));
    this.codes.set(this.codesKey(session, run.id), { inputWeights: init.inputWeights, labels: init.dataset.labels, pca: init.pca, tsne: init.tsne, autoencoder: null });
    await this.writeCodes(session, run.id);
    return run;
  }

  getAutoencoderRun(session: string, run: string): Promise<AutoencoderRun | null> {
    return this.autoencoderRuns(session).get(run);
  }

  /** A session's runs, oldest first, damaged ones included (with their reason). */
  async autoencoderEntries(session: string): Promise<Entry<AutoencoderRun>[]> {
    return (await this.autoencoderRuns(session).list()).reverse();
  }

  async listAutoencoderRuns(session: string): Promise<AutoencoderRun[]> {
    return (await this.autoencoderRuns(session).records()).reverse();
  }

  /** Read-modify-write of a run, serialised per run. */
  updateAutoencoderRun(session: string, id: string, change: (run: AutoencoderRun) => void): Promise<AutoencoderRun> {
    return this.autoencoderRuns(session).update(id, change);
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
    return this.autoencoderRuns(session).serial(`${id}/codes`, async () => {
      const c = this.codes.get(key);
      if (!c) return;
      const columns: CodeColumns[] = [
        ...(c.autoencoder ? [{ name: 'autoencoder', ...c.autoencoder }] : []),
        { name: 'pca', codes: c.pca.codes, weights: c.pca.weights },
        { name: 'tsne', codes: c.tsne.codes, weights: c.tsne.weights },
      ];
      await this.autoencoderRuns(session).writeFile(id, 'codes.csv', codesCsv(c.inputWeights, columns, c.labels));
    });
  }

  async delete(id: string): Promise<void> {
    for (const run of await this.autoencoderRuns(id).list()) await this.autoencoderRuns(id).delete(run.id).catch(() => undefined);
    await this.sessions.delete(id);
  }
}

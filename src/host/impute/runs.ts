// The imputation runs: each lives in `<root>/<id>/run.json` (config, input file and hash,
// status, timestamps, progress history) with its outputs beside it: metrics.json,
// evaluation.json, training.json (the learned model's steps) and checkpoints/<name>/. A thin
// typed layer over the RecordStore, which validates, serialises, writes atomically, marks
// interrupted runs and never follows a link. Plain Node (no `vscode`), tested directly.
import { randomBytes } from 'node:crypto';
import { decodeCheckpoint, WEIGHTS_FILE } from '../../core/impute/modelFormat';
import { isArrayOf, isCount, isFiniteNumber, isNullOr, isObject, isOneOf, isString, isTimestamp } from '../../protocol/common';
import { isLeaderboard, isMaskRatioRow, isRunConfig, isTrainPoint, RUN_STATUSES, type CheckpointFiles, type RunTableRow, type MaskRatioRow, type RunConfig, type RunMetrics, type RunResultPayload, type RunStatus, type TrainPoint } from '../../protocol/impute';
import { parsePreviewChoice, type PreviewChoice } from '../../protocol/preview';
import type { BaseRecord, RecordKind } from '../records/recordStore';
import { RunRecords } from '../records/runRecords';

/** A run's result as kept: the result payload without the matrices, plus the files written. */
export type ImputeRunResult = Omit<RunResultPayload, 'config' | 'imputed' | 'targetMask'> & {
  /** Absolute paths of the files this run wrote. */
  outputs: string[];
};

export interface ImputeRunRecord extends BaseRecord {
  status: RunStatus;
  input: {
    path: string;
    sha256: string;
    bytes: number;
    format: string;
    locations: string | null;
    /** The columns and orientation chosen in the data preview (the CLI's --label-columns, --columns, --transpose); absent: inferred. */
    shape?: PreviewChoice;
  };
  config: RunConfig;
  /** Snapshots reported while running (phase and fraction), newest last. */
  history: { at: string; phase: string; fraction: number; metrics?: Partial<Pick<RunMetrics, 'mae' | 'rmse' | 'mse'>> }[];
  result: ImputeRunResult | null;
  backend: string | null;
  message: string | null;
  /**
   * The newest good checkpoint of a learned model: a folder under `checkpoints/` holding
   * model.json and weights.bin. This pointer moves only after both files are complete.
   */
  checkpoint?: { dir: string; epoch: number; step: number; savedAt: string } | null;
  /** The trained model scored across mask ratios. */
  evaluation?: MaskRatioRow[] | null;
}

export const CHECKPOINTS = 'checkpoints';
export const MODEL_JSON = 'model.json';
export const TRAINING_FILE = 'training.json';
const CHECKPOINT_NAME = /^epoch-\d{4,}-step-\d{6,}-[a-z0-9]+$/;
const CHECKPOINT_LAYOUT = { name: CHECKPOINT_NAME, layout: { files: new RegExp(`^(${MODEL_JSON}|${WEIGHTS_FILE.replace('.', '\\.')})$`) } };

/** A metric as JSON keeps it: NaN (no targets of that kind) becomes null. */
const isMetric = (v: unknown) => v === null || typeof v === 'number';
const isStats = (v: unknown) => isObject(v) && isMetric(v.mae) && isMetric(v.rmse) && isMetric(v.mse);

function checkResult(v: unknown): string | null {
  if (!isObject(v)) return 'result is not an object';
  if (!isCount(v.targets)) return 'result.targets is not a count';
  const m = v.metrics;
  if (!isObject(m) || !isStats(m) || !isMetric(m.mre) || !isStats(m.nonzero) || !isStats(m.zero)) return 'result.metrics lacks mae, rmse, mse, mre, nonzero or zero';
  if (!Array.isArray(m.perColumn)) return 'result.metrics.perColumn is not a list';
  if (!isFiniteNumber(v.seconds) || !isString(v.backend) || !isArrayOf(isString)(v.outputs)) return 'result lacks seconds, backend or outputs';
  if (v.validationMae !== undefined && !isMetric(v.validationMae)) return 'result.validationMae is not a number';
  if (v.leaderboard !== undefined && !isLeaderboard(v.leaderboard)) return 'result.leaderboard is not a leaderboard (candidates with validation MAE, one chosen)';
  return null;
}

export function checkImputeRun(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1) return `unknown version ${JSON.stringify(v.version)}`;
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isOneOf(RUN_STATUSES)(v.status)) return `unknown status ${JSON.stringify(v.status)}`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  const i = v.input;
  if (!isObject(i) || !isString(i.path) || !isString(i.sha256) || !isCount(i.bytes) || !isString(i.format) || !isNullOr(isString)(i.locations)) return 'input lacks path, sha256, bytes, format or locations';
  if (i.shape !== undefined && !parsePreviewChoice(i.shape)) return 'input.shape is not a choice of columns and orientation';
  if (!isRunConfig(v.config)) return 'config is not a valid imputation config';
  if (!isArrayOf((h: unknown): h is object => isObject(h) && isString(h.phase) && typeof h.fraction === 'number')(v.history)) return 'history is not a list of snapshots';
  if (v.result !== null) {
    const problem = checkResult(v.result);
    if (problem) return problem;
  }
  if (!isNullOr(isString)(v.backend) || !isNullOr(isString)(v.message)) return 'backend or message is not text';
  const c = v.checkpoint;
  if (c !== undefined && c !== null && !(isObject(c) && isString(c.dir) && CHECKPOINT_NAME.test(c.dir) && isCount(c.epoch) && isCount(c.step))) return 'checkpoint is not a checkpoint pointer';
  if (v.evaluation !== undefined && v.evaluation !== null && !isArrayOf(isMaskRatioRow)(v.evaluation)) return 'evaluation is not a list of mask-ratio rows';
  return null;
}

const ACTIVE: RunStatus[] = ['created', 'running'];

export const IMPUTE_RUN_KIND: RecordKind<ImputeRunRecord> = {
  file: 'run.json',
  noun: 'imputation run',
  check: checkImputeRun,
  layout: { files: /^(metrics\.json|evaluation\.json|training\.json)$/, folders: [{ name: new RegExp(`^${CHECKPOINTS}$`), layout: { files: /^$/, folders: [CHECKPOINT_LAYOUT] } }] },
  isActive: (r) => ACTIVE.includes(r.status),
  interrupt: (r, reason) => {
    r.status = 'interrupted';
    r.message = reason;
  },
};

/** The input as read: its hash and size come from the one pass that parsed it. */
export interface ImputeInput {
  path: string;
  format: string;
  sha256: string;
  bytes: number;
  locations?: string | null;
  shape?: PreviewChoice;
}

export class ImputeRuns extends RunRecords<ImputeRunRecord> {
  constructor(root: string, clock: () => Date = () => new Date(), base: string | null = null) {
    super(root, IMPUTE_RUN_KIND, clock, base);
  }

  create(input: ImputeInput, config: RunConfig): Promise<ImputeRunRecord> {
    return this.records.create((base) => ({
      ...base,
      status: 'created',
      input: { path: input.path, sha256: input.sha256, bytes: input.bytes, format: input.format, locations: input.locations ?? null, ...(input.shape && Object.keys(input.shape).length ? { shape: input.shape } : {}) },
      config,
      history: [],
      result: null,
      backend: null,
      message: null,
    }));
  }

  /**
   * Saves a checkpoint (the tfjs model format) so that no crash loses the previous good one:
   * both files go into a staged folder renamed into place whole; then run.json's pointer moves
   * to it; then older checkpoint folders are pruned by name, keeping the one before as well.
   * A linked checkpoints folder is refused: nothing outside the run is touched.
   */
  async writeCheckpoint(id: string, files: CheckpointFiles): Promise<string> {
    decodeCheckpoint(files.json, files.weights); // refuse what could not be read back
    const name = `epoch-${String(files.epoch).padStart(4, '0')}-step-${String(files.step).padStart(6, '0')}-${this.records.clock().getTime().toString(36)}${randomBytes(2).toString('hex')}`;
    const path = await this.records.writeFolder(id, CHECKPOINTS, name, { [MODEL_JSON]: files.json, [WEIGHTS_FILE]: files.weights });
    let previous: string | null = null;
    await this.update(id, (r) => {
      previous = r.checkpoint?.dir ?? null;
      r.checkpoint = { dir: name, epoch: files.epoch, step: files.step, savedAt: this.records.now() };
    });
    await this.records.prune(id, CHECKPOINTS, CHECKPOINT_LAYOUT, new Set([name, previous ?? name]));
    return path;
  }

  /**
   * The run's newest good checkpoint, or null when it has none. A damaged one is an error
   * naming the file; the folders before it are tried first, so one bad write never strands a run.
   */
  async readCheckpoint(id: string): Promise<CheckpointFiles | null> {
    const record = await this.get(id);
    if (!record?.checkpoint) return null;
    const read = async (dir: string) => {
      const json = await this.records.readFile(id, CHECKPOINTS, dir, MODEL_JSON);
      const weights = await this.records.readFile(id, CHECKPOINTS, dir, WEIGHTS_FILE);
      const jsonPath = `${this.dir(id)}/${CHECKPOINTS}/${dir}/${MODEL_JSON}`;
      if (!json || !weights) throw Object.assign(new Error(`missing ${!json ? MODEL_JSON : WEIGHTS_FILE}`), { code: 'ENOENT', path: `${this.dir(id)}/${CHECKPOINTS}/${dir}/${!json ? MODEL_JSON : WEIGHTS_FILE}` });
      const c = decodeCheckpoint(json.toString('utf8'), new Uint8Array(weights), jsonPath, `${this.dir(id)}/${CHECKPOINTS}/${dir}/${WEIGHTS_FILE}`);
      return { json: json.toString('utf8'), weights: new Uint8Array(weights), epoch: c.epoch, step: c.step };
    };
    try {
      return await read(record.checkpoint.dir);
    } catch (err) {
      const older = (await this.records.folders(id, CHECKPOINTS).catch(() => [] as string[])).filter((d) => CHECKPOINT_NAME.test(d) && d !== record.checkpoint!.dir).sort().reverse();
      for (const dir of older) {
        try {
          return await read(dir);
        } catch {
          /* try the next */
        }
      }
      const e = err as NodeJS.ErrnoException;
      throw new Error(e.code === 'ENOENT' ? `the checkpoint of run ${id} is missing: ${e.path ?? record.checkpoint.dir}` : e.message);
    }
  }

  /** Saves the training steps recorded so far (atomic). */
  async writeTraining(id: string, points: TrainPoint[]): Promise<void> {
    await this.writeOutput(id, TRAINING_FILE, JSON.stringify(points));
  }

  /** The recorded training steps ([] when none); a damaged file is an error naming it. */
  async readTraining(id: string): Promise<TrainPoint[]> {
    const path = `${this.dir(id)}/${TRAINING_FILE}`;
    const bytes = await this.records.readFile(id, TRAINING_FILE).catch((err: Error) => {
      throw new Error(`${path}: ${err.message}`);
    });
    if (!bytes) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new Error(`${path}: expected JSON, ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${path}: expected a list of training steps`);
    const bad = parsed.findIndex((p) => !isTrainPoint(p));
    if (bad >= 0) throw new Error(`${path}: entry ${bad} is not a training step`);
    return parsed as TrainPoint[];
  }

}


/** The settings of a run in words, as the runs table shows them. */
export function settingsText(config: RunConfig): string {
  const parts = [`mask ${config.maskRatio}`, `seed ${config.seed}`];
  if (config.auto) parts.push(`budget ${config.auto.budgetSeconds} s, learned ${config.auto.learned.join(', ') || 'none'}`);
  const d = config.deep;
  if (d) {
    parts.push(Object.entries(d.model).map(([k, v]) => `${k} ${v}`).join(', '));
    parts.push(`lr ${d.learningRate}, α ${d.alpha}, ${d.maxEpochs} epochs, batch ${d.batchSize}, ${d.optimizer}, ${d.balance}`);
  }
  return parts.filter((p) => p).join(' · ');
}

/** A run as a row of the runs table of the panel showing `current`. */
export function runTableRow(r: ImputeRunRecord, current: Pick<ImputeRunRecord, 'id' | 'input'>): RunTableRow {
  const finite = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  return {
    sameFile: r.input.path === current.input.path,
    current: r.id === current.id,
    method: r.config.method,
    status: r.status,
    createdAt: r.createdAt,
    settings: settingsText(r.config),
    validationMae: finite(r.result?.validationMae),
    mae: finite(r.result?.metrics.mae),
    rmse: finite(r.result?.metrics.rmse),
    seconds: finite(r.result?.seconds),
    backend: r.result?.backend ?? r.backend,
    ...(r.result?.leaderboard ? { leaderboard: r.result.leaderboard } : {}),
  };
}

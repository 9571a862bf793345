// The run store: every run lives in `<root>/<id>/` with a `run.json` (config, input file and
// hash, status, timestamps, metric history) and its outputs. The host is the source of truth
// for runs. Writes are atomic, so a crash leaves the last complete record; a run that was
// running when the window went away is marked `interrupted` on the next start, not lost.
// Plain Node (no `vscode`), so it is tested directly.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeCheckpoint, WEIGHTS_FILE } from '../../core/impute/modelFormat';
import { writeFileAtomic } from '../../core/io/node';
import { isTrainPoint, type CheckpointFiles, type MaskRatioRow, type RunConfig, type RunMetrics, type RunStatus, type TrainPoint } from '../../protocol/training';
import { KeyedQueue } from '../records/keyedQueue';

export interface RunRecord {
  version: 1;
  id: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  input: {
    path: string;
    sha256: string;
    bytes: number;
    format: string;
    locations: string | null;
  };
  config: RunConfig;
  /** Snapshots reported while running (phase and fraction), newest last. */
  history: { at: string; phase: string; fraction: number; metrics?: Partial<Pick<RunMetrics, 'mae' | 'rmse' | 'mse'>> }[];
  result: {
    targets: number;
    metrics: RunMetrics;
    seconds: number;
    backend: string;
    /** Absolute paths of the files this run wrote. */
    outputs: string[];
  } | null;
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

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

const ACTIVE: RunStatus[] = ['created', 'running'];

export class RunStore {
  private readonly queue = new KeyedQueue();

  constructor(
    readonly root: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  dir(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  private async save(record: RunRecord): Promise<RunRecord> {
    await fsp.mkdir(this.dir(record.id), { recursive: true });
    await writeFileAtomic(join(this.dir(record.id), 'run.json'), JSON.stringify(record, null, 2) + '\n');
    return record;
  }

  async create(input: { path: string; format: string; locations?: string | null }, config: RunConfig): Promise<RunRecord> {
    const stat = await fsp.stat(input.path);
    const now = this.clock().toISOString();
    const record: RunRecord = {
      version: 1,
      id: newRunId(this.clock()),
      status: 'created',
      createdAt: now,
      updatedAt: now,
      input: { path: input.path, sha256: await sha256File(input.path), bytes: stat.size, format: input.format, locations: input.locations ?? null },
      config,
      history: [],
      result: null,
      backend: null,
      message: null,
    };
    return this.save(record);
  }

  async get(id: string): Promise<RunRecord | null> {
    try {
      const record = JSON.parse(await fsp.readFile(join(this.dir(id), 'run.json'), 'utf8')) as RunRecord;
      return record.version === 1 && record.id === id ? record : null;
    } catch {
      return null;
    }
  }

  /** Every readable run, newest first. Unreadable folders are skipped, never deleted. */
  async list(): Promise<RunRecord[]> {
    if (!existsSync(this.root)) return [];
    const names = await fsp.readdir(this.root);
    const records = await Promise.all(names.filter((n) => /^[\w-]+$/.test(n)).map((n) => this.get(n)));
    return records.filter((r): r is RunRecord => r !== null).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  }

  /** Read-modify-write, serialised per run so concurrent updates never lose each other. */
  update(id: string, change: (record: RunRecord) => void): Promise<RunRecord> {
    return this.queue.run(id, async () => {
      const record = await this.get(id);
      if (!record) throw new Error(`no run ${id} in ${this.root}`);
      change(record);
      record.updatedAt = this.clock().toISOString();
      return this.save(record);
    });
  }

  setStatus(id: string, status: RunStatus, message: string | null = null): Promise<RunRecord> {
    return this.update(id, (r) => {
      r.status = status;
      r.message = message;
    });
  }

  /** Records a progress snapshot; keeps the newest `keep` of them. */
  appendHistory(id: string, entry: Omit<RunRecord['history'][number], 'at'>, keep = 1000): Promise<RunRecord> {
    return this.update(id, (r) => {
      r.history.push({ at: this.clock().toISOString(), ...entry });
      if (r.history.length > keep) r.history.splice(0, r.history.length - keep);
    });
  }

  /** On start-up: runs left `created` or `running` by a crash or a reload become `interrupted`. */
  async markInterrupted(): Promise<string[]> {
    const changed: string[] = [];
    for (const r of await this.list()) {
      if (ACTIVE.includes(r.status)) {
        await this.setStatus(r.id, 'interrupted', 'the window closed or reloaded while this run was active');
        changed.push(r.id);
      }
    }
    return changed;
  }

  /** Writes a file into the run's folder atomically; returns its path. */
  async writeOutput(id: string, name: string, data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<string> {
    const safe = basename(name);
    const path = join(this.dir(id), safe);
    await fsp.mkdir(this.dir(id), { recursive: true });
    await writeFileAtomic(path, data);
    return path;
  }

  /**
   * Saves a checkpoint (the tfjs model format) so that no crash loses the previous good one:
   * both files go into a fresh folder, which is renamed into place whole; then run.json's
   * pointer moves to it (an atomic write); then older folders are pruned, keeping the one
   * before as well. Returns the folder.
   */
  async writeCheckpoint(id: string, files: CheckpointFiles): Promise<string> {
    // Refuse what could not be read back, before touching the disk.
    decodeCheckpoint(files.json, files.weights);
    const root = join(this.dir(id), CHECKPOINTS);
    await fsp.mkdir(root, { recursive: true });
    const name = `epoch-${String(files.epoch).padStart(4, '0')}-step-${String(files.step).padStart(6, '0')}-${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const tmp = join(root, `.${name}.tmp`);
    await fsp.mkdir(tmp);
    try {
      await writeFileAtomic(join(tmp, MODEL_JSON), files.json);
      await writeFileAtomic(join(tmp, WEIGHTS_FILE), files.weights);
      await fsp.rename(tmp, join(root, name));
    } catch (err) {
      await fsp.rm(tmp, { recursive: true, force: true });
      throw err;
    }
    let previous: string | null = null;
    await this.update(id, (r) => {
      previous = r.checkpoint?.dir ?? null;
      r.checkpoint = { dir: name, epoch: files.epoch, step: files.step, savedAt: this.clock().toISOString() };
    });
    const keep = new Set([name, previous]);
    for (const entry of await fsp.readdir(root)) {
      if (!keep.has(entry)) await fsp.rm(join(root, entry), { recursive: true, force: true });
    }
    return join(root, name);
  }

  /**
   * The run's newest good checkpoint, or null when it has none. A damaged one is an error
   * naming the file; the folder before it is tried first, so one bad write never strands a run.
   */
  async readCheckpoint(id: string): Promise<CheckpointFiles | null> {
    const record = await this.get(id);
    if (!record?.checkpoint) return null;
    const root = join(this.dir(id), CHECKPOINTS);
    const read = async (dir: string) => {
      const jsonPath = join(root, dir, MODEL_JSON);
      const weightsPath = join(root, dir, WEIGHTS_FILE);
      const json = await fsp.readFile(jsonPath, 'utf8');
      const weights = new Uint8Array(await fsp.readFile(weightsPath));
      const c = decodeCheckpoint(json, weights, jsonPath, weightsPath);
      return { json, weights, epoch: c.epoch, step: c.step };
    };
    try {
      return await read(record.checkpoint.dir);
    } catch (err) {
      const older = existsSync(root) ? (await fsp.readdir(root)).filter((d) => !d.startsWith('.') && d !== record.checkpoint!.dir).sort().reverse() : [];
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
    const path = join(this.dir(id), TRAINING_FILE);
    let text: string;
    try {
      text = await fsp.readFile(path, 'utf8');
    } catch {
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new Error(`${path}: expected JSON, ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new Error(`${path}: expected a list of training steps`);
    const bad = parsed.findIndex((p) => !isTrainPoint(p));
    if (bad >= 0) throw new Error(`${path}: entry ${bad} is not a training step`);
    return parsed as TrainPoint[];
  }

  async delete(id: string): Promise<void> {
    await fsp.rm(this.dir(id), { recursive: true, force: true });
  }
}

// The run store: every run lives in `<root>/<id>/` with a `run.json` (config, input file and
// hash, status, timestamps, metric history) and its outputs. The host is the source of truth
// for runs. Writes are atomic, so a crash leaves the last complete record; a run that was
// running when the window went away is marked `interrupted` on the next start, not lost.
// Plain Node (no `vscode`), so it is tested directly.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../core/io/node';
import type { RunConfig, RunMetrics, RunStatus } from '../protocol/training';
import { KeyedQueue } from './keyedQueue';

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
}

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

  async delete(id: string): Promise<void> {
    await fsp.rm(this.dir(id), { recursive: true, force: true });
  }
}

// The records of factorisation runs. They live beside the imputation runs, in the same
// `<root>/<id>/` layout, but in `factorization.json` with `kind: "factorize"`: the imputation
// RunStore reads only `run.json` (typed for imputation), so it skips these folders, and neither
// store can misread the other's records. Writes are atomic and serialised per run; a run left
// `running` by a closed window becomes `interrupted`. Plain Node (no `vscode`), tested directly.
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import { writeFileAtomic } from '../../core/io/node';
import type { FactorizeConfig, FactorizeRunStatus, FactorizeSource } from '../../protocol/factorize';
import { sha256File } from '../impute/runs';
import { KeyedQueue } from '../records/keyedQueue';

export const FACTORIZE_RECORD = 'factorization.json';

export type FactorizeRecordStatus = Exclude<FactorizeRunStatus, 'idle'>;

export interface FactorizeRunRecord {
  version: 1;
  kind: 'factorize';
  id: string;
  status: FactorizeRecordStatus;
  createdAt: string;
  updatedAt: string;
  /** A file (with its hash, so a changed input is noticed) or a built-in sample. */
  input: ({ kind: 'file'; path: string; sha256: string; bytes: number; format: string } | { kind: 'sample'; name: string }) & { shape: [number, number] };
  config: FactorizeConfig;
  /** The objective after each finished iteration, newest last. */
  history: { at: string; iteration: number; objective: number | null; fraction: number }[];
  result: {
    objective: number;
    iterations: number;
    converged: boolean;
    reason: string;
    reconstructionError: number;
    seconds: number;
    backend: string;
    /** Absolute paths of the files this run wrote (atoms.csv, weights.csv, history.json). */
    outputs: string[];
  } | null;
  message: string | null;
}

function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export class FactorizeRunStore {
  private readonly queue = new KeyedQueue();

  constructor(
    readonly root: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  dir(id: string): string {
    if (!/^[\w-]+$/.test(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  private async save(record: FactorizeRunRecord): Promise<FactorizeRunRecord> {
    await fsp.mkdir(this.dir(record.id), { recursive: true });
    await writeFileAtomic(join(this.dir(record.id), FACTORIZE_RECORD), JSON.stringify(record, null, 2) + '\n');
    return record;
  }

  async create(source: FactorizeSource, shape: [number, number], config: FactorizeConfig): Promise<FactorizeRunRecord> {
    const now = this.clock();
    let input: FactorizeRunRecord['input'];
    if (source.kind === 'file') {
      const stat = await fsp.stat(source.path);
      input = { kind: 'file', path: source.path, sha256: await sha256File(source.path), bytes: stat.size, format: source.format, shape };
    } else {
      input = { kind: 'sample', name: source.name, shape };
    }
    const record: FactorizeRunRecord = {
      version: 1,
      kind: 'factorize',
      id: newRunId(now),
      status: 'running',
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
      input,
      config,
      history: [],
      result: null,
      message: null,
    };
    return this.save(record);
  }

  async get(id: string): Promise<FactorizeRunRecord | null> {
    try {
      const record = JSON.parse(await fsp.readFile(join(this.dir(id), FACTORIZE_RECORD), 'utf8')) as FactorizeRunRecord;
      return record.version === 1 && record.kind === 'factorize' && record.id === id ? record : null;
    } catch {
      return null;
    }
  }

  /** Every readable factorisation run, newest first; other folders (imputation runs) are skipped. */
  async list(): Promise<FactorizeRunRecord[]> {
    if (!existsSync(this.root)) return [];
    const names = await fsp.readdir(this.root);
    const records = await Promise.all(names.filter((n) => /^[\w-]+$/.test(n)).map((n) => this.get(n)));
    return records
      .filter((r): r is FactorizeRunRecord => r !== null)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.id.localeCompare(a.id)));
  }

  /** Read-modify-write, serialised per run so concurrent updates never lose each other. */
  update(id: string, change: (record: FactorizeRunRecord) => void): Promise<FactorizeRunRecord> {
    return this.queue.run(id, async () => {
      const record = await this.get(id);
      if (!record) throw new Error(`no factorisation run ${id} in ${this.root}`);
      change(record);
      record.updatedAt = this.clock().toISOString();
      return this.save(record);
    });
  }

  setStatus(id: string, status: FactorizeRecordStatus, message: string | null = null): Promise<FactorizeRunRecord> {
    return this.update(id, (r) => {
      r.status = status;
      r.message = message;
    });
  }

  /** Records a progress snapshot; keeps the newest `keep` of them. */
  appendHistory(id: string, entry: Omit<FactorizeRunRecord['history'][number], 'at'>, keep = 2000): Promise<FactorizeRunRecord> {
    return this.update(id, (r) => {
      r.history.push({ at: this.clock().toISOString(), ...entry });
      if (r.history.length > keep) r.history.splice(0, r.history.length - keep);
    });
  }

  /** On start-up: runs left `running` by a crash or a reload become `interrupted`. */
  async markInterrupted(): Promise<string[]> {
    const changed: string[] = [];
    for (const r of await this.list()) {
      if (r.status === 'running') {
        await this.setStatus(r.id, 'interrupted', 'the window closed or reloaded while this run was active');
        changed.push(r.id);
      }
    }
    return changed;
  }

  /** Writes a file into the run's folder atomically; returns its path. */
  async writeOutput(id: string, name: string, data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<string> {
    const path = join(this.dir(id), basename(name));
    await fsp.mkdir(this.dir(id), { recursive: true });
    await writeFileAtomic(path, data);
    return path;
  }

  async delete(id: string): Promise<void> {
    if (await this.get(id)) await fsp.rm(this.dir(id), { recursive: true, force: true });
  }
}

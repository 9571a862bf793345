// One record store under every kind of run: a folder `<root>/<id>/` per record, with the record
// as JSON in a file named by the kind (`run.json`, `factorization.json`, `record.json`). The typed
// stores (imputation, factorisation, weighting vectors, and the panels to come) are thin layers
// over it, so each rule is kept in one place:
// - a record is validated on every read, and one that cannot be read comes back as `damaged`
//   with the reason: never dropped silently, never thrown from a listing;
// - writes are atomic, and read-modify-write updates are serialised per record (KeyedQueue);
// - the clock is injected, so tests fix time;
// - nothing follows a symbolic link: a linked run folder, record file or sub-folder is refused,
//   and deletion removes only the names the store writes (its `layout`), never whole trees.
// Plain Node (no `vscode`), so it is tested directly.
import { randomBytes } from 'node:crypto';
import { promises as fsp, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { writeFileAtomic } from '../../core/io/node';
import { KeyedQueue } from './keyedQueue';

/** What every record carries. */
export interface BaseRecord {
  version: 1;
  id: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The names a store writes inside a record's folder, by pattern: the files, and the folders
 * with their own layout (checkpoints, sub-runs). Deletion and pruning touch nothing else.
 */
export interface Layout {
  files: RegExp;
  folders?: { name: RegExp; layout: Layout }[];
}

export interface RecordKind<R extends BaseRecord> {
  /** The record's file in its folder, e.g. `run.json`. */
  file: string;
  /** Words for messages: "imputation run", "factorisation run". */
  noun: string;
  /** Why a parsed value is not a good record, or null when it is one. */
  check(value: unknown, id: string): string | null;
  /** The names this store writes in a record's folder (besides the record file). */
  layout: Layout;
  /** Is the record still active (a window that went away left it running)? */
  isActive?(record: R): boolean;
  /** Marks an active record interrupted, with the reason. */
  interrupt?(record: R, reason: string): void;
}

/** One entry of a listing: a good record, or a damaged one with the reason. */
export type Entry<R> = { ok: true; id: string; record: R } | { ok: false; id: string; dir: string; file: string; reason: string };

/** The outcome of reading one record: never throws. */
export type ReadOutcome<R> = Entry<R> | { ok: false; id: string; missing: true };

export const RECORD_ID = /^[\w-]+$/;
/** Temporary files of atomic writes (`.<name>.<pid>.<time>.tmp`) and staged folders. */
const TEMPORARY = /^\.[\w.-]+\.tmp$/;

export function newRecordId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export const isoNow = (clock: () => Date): string => clock().toISOString();

/** A plain name inside a folder: no separators, no `..`, not hidden. */
export function checkName(name: string): string {
  if (!/^[\w][\w.-]*$/.test(name) || name.includes('..')) throw new Error(`not a file name Lacuna writes: ${JSON.stringify(name)}`);
  return name;
}

async function lstatOrNull(path: string) {
  try {
    return await fsp.lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Refuses a path that is a symbolic link (or not a folder); creates it when missing. */
async function realFolder(path: string, create: boolean): Promise<boolean> {
  const stat = await lstatOrNull(path);
  if (!stat) {
    if (!create) return false;
    await fsp.mkdir(path, { recursive: true });
    return realFolder(path, false);
  }
  if (stat.isSymbolicLink()) throw new Error(`${path} is a symbolic link; Lacuna does not follow links out of its folders`);
  if (!stat.isDirectory()) throw new Error(`${path} is not a folder`);
  return true;
}

/** Removes the names of `layout` under `dir` (never following a link); then the folder if empty. */
export async function removeOwned(dir: string, layout: Layout, extraFiles: RegExp | null = null): Promise<void> {
  const stat = await lstatOrNull(dir);
  if (!stat || !stat.isDirectory()) return; // missing, a link or a file: not ours to remove
  let entries: Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    // Dirent types come from lstat: a link is neither a file nor a folder here.
    if (e.isFile() && (layout.files.test(e.name) || TEMPORARY.test(e.name) || extraFiles?.test(e.name))) await fsp.rm(join(dir, e.name), { force: true });
    else if (e.isDirectory()) {
      const sub = layout.folders?.find((f) => f.name.test(e.name));
      if (sub) await removeOwned(join(dir, e.name), sub.layout);
      else if (TEMPORARY.test(e.name)) await removeOwned(join(dir, e.name), { files: /./ });
    }
  }
  await fsp.rmdir(dir).catch(() => undefined); // left in place when something not ours remains
}

export class RecordStore<R extends BaseRecord> {
  private readonly queue = new KeyedQueue();

  /**
   * `base` is where the store's own folders start (the workspace folder for `.lacuna/runs`):
   * every folder from it down to `root` must be real, not a link. By default only `root` is checked.
   */
  constructor(
    readonly root: string,
    readonly kind: RecordKind<R>,
    readonly clock: () => Date = () => new Date(),
    readonly base: string | null = null,
  ) {}

  /** The store's own folders from `base` to `root`, each checked (created when `create`). */
  private async rootFolder(create: boolean): Promise<boolean> {
    const rel = this.base ? relative(this.base, this.root) : '';
    const parts = rel && !rel.startsWith('..') ? rel.split(sep) : [];
    let path = this.base && parts.length ? this.base : this.root;
    for (const part of parts) {
      path = join(path, part);
      if (!(await realFolder(path, create))) return false;
    }
    return parts.length ? true : realFolder(this.root, create);
  }

  dir(id: string): string {
    if (!RECORD_ID.test(id)) throw new Error(`not a run id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  now(): string {
    return this.clock().toISOString();
  }

  /** The record's folder, refused when it (or the root) is a link; created when `create`. */
  async folder(id: string, create = true): Promise<string> {
    await this.rootFolder(create);
    const dir = this.dir(id);
    await realFolder(dir, create);
    return dir;
  }

  /** A sub-folder of a record's folder (checkpoints, sub-runs), refused when it is a link. */
  async subfolder(id: string, ...names: string[]): Promise<string> {
    let path = await this.folder(id);
    for (const name of names) {
      path = join(path, checkName(name));
      await realFolder(path, true);
    }
    return path;
  }

  /** Creates a record: `build` gets the id and timestamps and returns the rest. */
  async create(build: (base: BaseRecord) => R): Promise<R> {
    const now = this.clock();
    const record = build({ version: 1, id: newRecordId(now), createdAt: now.toISOString(), updatedAt: now.toISOString() });
    return this.save(record);
  }

  private async save(record: R): Promise<R> {
    const problem = this.kind.check(JSON.parse(JSON.stringify(record)), record.id);
    if (problem) throw new Error(`refusing to save a ${this.kind.noun} that would not read back: ${problem}`);
    const dir = await this.folder(record.id);
    await writeFileAtomic(join(dir, this.kind.file), JSON.stringify(record, null, 2) + '\n');
    return record;
  }

  /** Reads one record: good, missing, or damaged with the reason. Never throws. */
  async read(id: string): Promise<ReadOutcome<R>> {
    if (!RECORD_ID.test(id)) return { ok: false, id, missing: true };
    const dir = join(this.root, id);
    const file = join(dir, this.kind.file);
    try {
      const folder = await lstatOrNull(dir);
      if (!folder) return { ok: false, id, missing: true };
      if (folder.isSymbolicLink()) return { ok: false, id, dir, file, reason: 'the run folder is a symbolic link, which Lacuna does not follow' };
      const stat = await lstatOrNull(file);
      if (!stat) return { ok: false, id, missing: true };
      if (!stat.isFile()) return { ok: false, id, dir, file, reason: `${this.kind.file} is ${stat.isSymbolicLink() ? 'a symbolic link' : 'not a file'}` };
      let value: unknown;
      try {
        value = JSON.parse(await fsp.readFile(file, 'utf8'));
      } catch (err) {
        return { ok: false, id, dir, file, reason: `${this.kind.file} is not valid JSON: ${(err as Error).message}` };
      }
      const problem = this.kind.check(value, id);
      return problem ? { ok: false, id, dir, file, reason: problem } : { ok: true, id, record: value as R };
    } catch (err) {
      return { ok: false, id, dir, file, reason: (err as Error).message };
    }
  }

  /** The record, or null when there is none or it is damaged (`read` says which). */
  async get(id: string): Promise<R | null> {
    const r = await this.read(id);
    return r.ok ? r.record : null;
  }

  /** Every record of this kind, good or damaged, newest first; other kinds' folders are skipped. */
  async list(): Promise<Entry<R>[]> {
    let names: string[];
    try {
      if (!(await this.rootFolder(false))) return [];
      names = (await fsp.readdir(this.root)).filter((n) => RECORD_ID.test(n));
    } catch (err) {
      return [{ ok: false, id: '', dir: this.root, file: this.root, reason: (err as Error).message }];
    }
    const read = await Promise.all(names.map((n) => this.read(n)));
    const entries = read.filter((e): e is Entry<R> => !('missing' in e));
    const key = (e: Entry<R>) => (e.ok ? e.record.createdAt : '');
    return entries.sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.id.localeCompare(a.id)));
  }

  /** The good records only, newest first. */
  async records(): Promise<R[]> {
    return (await this.list()).flatMap((e) => (e.ok ? [e.record] : []));
  }

  /** Read-modify-write, serialised per record, so concurrent updates never lose each other. */
  update(id: string, change: (record: R) => void): Promise<R> {
    return this.queue.run(id, async () => {
      const r = await this.read(id);
      if (!r.ok) throw new Error('missing' in r ? `no ${this.kind.noun} ${id} in ${this.root}` : `the ${this.kind.noun} ${id} is damaged: ${r.reason}`);
      change(r.record);
      r.record.updatedAt = this.now();
      return this.save(r.record);
    });
  }

  /** Runs a task in a record's queue (for writes that must not interleave with its updates). */
  serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    return this.queue.run(key, task);
  }

  /** On start-up: records a closed window left active become interrupted. Returns their ids. */
  async markInterrupted(reason = 'the window closed or reloaded while this run was active'): Promise<string[]> {
    const { isActive, interrupt } = this.kind;
    if (!isActive || !interrupt) return [];
    const changed: string[] = [];
    for (const r of await this.records()) {
      if (!isActive(r)) continue;
      await this.update(r.id, (rec) => {
        if (isActive(rec)) interrupt(rec, reason);
      });
      changed.push(r.id);
    }
    return changed;
  }

  /** Writes a file (a plain name) into a record's folder, or a sub-folder of it, atomically. */
  async writeFile(id: string, name: string | string[], data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<string> {
    const parts = Array.isArray(name) ? name : [name];
    const dir = await this.subfolder(id, ...parts.slice(0, -1));
    const path = join(dir, checkName(parts[parts.length - 1]));
    const stat = await lstatOrNull(path);
    if (stat?.isSymbolicLink()) throw new Error(`${path} is a symbolic link; Lacuna does not write through links`);
    await writeFileAtomic(path, data);
    return path;
  }

  /** Reads a file of a record's folder (never through a link); null when it is missing. */
  async readFile(id: string, ...name: string[]): Promise<Buffer | null> {
    // Every component from the record's folder down must be real.
    let path = this.dir(id);
    for (const part of ['', ...name.map(checkName)]) {
      path = part ? join(path, part) : path;
      const stat = await lstatOrNull(path);
      if (!stat) return null;
      if (stat.isSymbolicLink()) throw new Error(`${path} is a symbolic link; Lacuna does not follow links out of its folders`);
    }
    return fsp.readFile(path);
  }

  /**
   * Writes a folder of files whole: into a hidden staging folder, then renamed into place, so a
   * crash leaves either no folder or a complete one. Returns its path.
   */
  async writeFolder(id: string, parent: string, name: string, files: Record<string, string | Uint8Array>): Promise<string> {
    const root = await this.subfolder(id, parent);
    const target = join(root, checkName(name));
    const staging = join(root, `.${name}.tmp`);
    await fsp.mkdir(staging);
    try {
      for (const [file, data] of Object.entries(files)) await writeFileAtomic(join(staging, checkName(file)), data);
      await fsp.rename(staging, target);
    } catch (err) {
      await removeOwned(staging, { files: /./ });
      throw err;
    }
    return target;
  }

  /** The real sub-folders of a folder in the record (links skipped), by name. */
  async folders(id: string, parent: string): Promise<string[]> {
    const root = join(this.dir(id), checkName(parent));
    const stat = await lstatOrNull(root);
    if (!stat || !stat.isDirectory()) return [];
    return (await fsp.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  }

  /**
   * Removes folders under `parent` written by this store (`layout` names them and their files),
   * keeping `keep`. A linked `parent` is refused: nothing outside the record is touched.
   */
  async prune(id: string, parent: string, layout: { name: RegExp; layout: Layout }, keep: Set<string>): Promise<void> {
    const root = await this.subfolder(id, parent);
    for (const e of await fsp.readdir(root, { withFileTypes: true })) {
      if (!e.isDirectory() || keep.has(e.name)) continue;
      if (layout.name.test(e.name)) await removeOwned(join(root, e.name), layout.layout);
      else if (TEMPORARY.test(e.name)) await removeOwned(join(root, e.name), { files: /./ });
    }
  }

  /** Deletes a record: only the names the store writes; a folder holding anything else stays. */
  async delete(id: string): Promise<void> {
    const outcome = await this.read(id);
    if ('missing' in outcome) return;
    if (!outcome.ok && outcome.reason.includes('symbolic link')) throw new Error(`${this.dir(id)}: ${outcome.reason}; delete it by hand`);
    await this.queue.run(id, () => removeOwned(this.dir(id), this.kind.layout, new RegExp(`^${this.kind.file.replace(/\./g, '\\.')}$`)));
  }
}

// Node-only file access: chunked reads and atomic writes. Used by the CLI and the host,
// never bundled into a webview.
import { createReadStream, promises as fsp, realpathSync, rmSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ByteSource } from './source';

/** Why a path cannot be read or written: the message names the user's path, never a temp file. */
export class FileError extends Error {
  override readonly name = 'FileError';
  constructor(
    readonly path: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const CODE_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory, not a file',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
  EXDEV: 'the temporary file and the target are on different devices',
};

/** An fs error re-stated about `path` (the user's), whatever path the system call used. */
function restate(err: unknown, path: string, verb: 'read' | 'write'): FileError {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof FileError) return err;
  const why = (e.code && CODE_TEXT[e.code]) ?? (e.code ? e.code : (e.message ?? String(err)));
  return new FileError(path, `cannot ${verb} ${path}: ${why}`, e.code);
}

function describeKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A file to read, in chunks. A directory is refused by name before any read; a missing file
 * names its path. Pipes and devices are read as streams (the readers cap line lengths).
 */
export function fileSource(path: string, highWaterMark = 1 << 20): ByteSource {
  return {
    name: path,
    async *chunks() {
      let st: Stats;
      try {
        st = await fsp.stat(path);
      } catch (err) {
        throw restate(err, path, 'read');
      }
      if (st.isDirectory()) throw new FileError(path, `cannot read ${path}: it is a directory; give a data file`, 'EISDIR');
      const stream = createReadStream(path, { highWaterMark });
      try {
        for await (const chunk of stream) yield chunk as Uint8Array;
      } catch (err) {
        throw restate(err, path, 'read');
      } finally {
        stream.destroy();
      }
    },
  };
}

function sameFile(a: string, b: string): boolean {
  const canon = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return canon(a) === canon(b);
}

/**
 * Where an output goes when the user names `out`: a path that ends in a separator or names an
 * existing directory gets `defaultName` inside it (`--out dir/` writes `dir/<name>.imputed.<ext>`);
 * anything else is the file itself.
 */
export function resolveOutputPath(out: string, defaultName: string): string {
  const full = resolve(out);
  let isDir = /[\\/]$/.test(out);
  if (!isDir) {
    try {
      isDir = statSync(full).isDirectory();
    } catch {
      isDir = false;
    }
  }
  return isDir ? join(full, basename(defaultName)) : full;
}

/**
 * resolveOutputPath, creating the folder when the user asked for one (`--out newdir/`):
 * a trailing separator says it is a folder, so it is made if missing.
 */
export async function prepareOutputPath(out: string, defaultName: string): Promise<string> {
  const target = resolveOutputPath(out, defaultName);
  if (/[\\/]$/.test(out)) {
    try {
      await fsp.mkdir(dirname(target), { recursive: true });
    } catch (err) {
      throw restate(err, dirname(target), 'write');
    }
  }
  return target;
}

/** Names of the temp files writeFileAtomic makes: `.<target>.<pid>.<time36>.tmp`. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-z]+\.tmp$/;
/** Temp files older than this are left-overs of a killed write, swept on the next write beside them. */
export const STALE_TEMP_MS = 24 * 3600 * 1000;

/** Temp files of writes in flight, removed by the exit and signal handlers. */
const inFlight = new Set<string>();
let handlersInstalled = false;

function removeInFlight(): void {
  for (const tmp of inFlight) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing more can be done on the way out
    }
  }
  inFlight.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeInFlight();
  uninstallHandlers();
  // With our handler gone, the signal's default action (termination) applies, unless someone
  // else also listens: then it is theirs to decide, as it was before this write began.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', removeInFlight);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  handlersInstalled = false;
  process.off('exit', removeInFlight);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

/** Removes writeFileAtomic's temp files in `dir` older than `maxAgeMs` (left by a killed write). */
export async function sweepStaleTemps(dir: string, maxAgeMs = STALE_TEMP_MS, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!TEMP_NAME.test(name)) continue;
    const p = join(dir, name);
    try {
      const st = await fsp.lstat(p);
      if (st.isFile() && now - st.mtimeMs > maxAgeMs) {
        await fsp.rm(p, { force: true });
        removed.push(p);
      }
    } catch {
      // another process got there first
    }
  }
  return removed;
}

/**
 * Checks that `path` may be written: a regular file the user can write, or a new name in an
 * existing directory. Special files (devices, FIFOs, sockets, /proc links to them) and
 * directories are refused, as are read-only files.
 */
export async function checkWritable(path: string): Promise<void> {
  let st: Stats | null = null;
  try {
    st = await fsp.stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw restate(err, path, 'write');
  }
  if (st) {
    if (st.isDirectory()) throw new FileError(path, `cannot write ${path}: it is a directory; name a file, or end the path with / to write inside it`, 'EISDIR');
    if (!st.isFile()) throw new FileError(path, `refusing to write ${path}: it is ${describeKind(st)}, not a regular file`, 'ESPECIAL');
    if ((st.mode & 0o222) === 0) throw new FileError(path, `refusing to write ${path}: the file is read-only; make it writable or choose another output path`, 'EREADONLY');
    try {
      await fsp.access(path, 2 /* W_OK */);
    } catch (err) {
      throw restate(err, path, 'write');
    }
  }
  const dir = dirname(path);
  let dst: Stats;
  try {
    dst = await fsp.stat(dir);
  } catch (err) {
    throw new FileError(path, `cannot write ${path}: the folder ${dir} does not exist (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`, 'ENOFOLDER');
  }
  if (!dst.isDirectory()) throw new FileError(path, `cannot write ${path}: ${dir} is not a folder`, 'ENOTDIR');
}

/**
 * Writes `data` to `path` atomically: into a temporary file beside it, flushed, then renamed
 * over the target. A crash leaves either the old file or the new one, never half of one; the
 * temp file is removed on every exit path (errors, exit, SIGINT, SIGTERM), and temp files a
 * killed process left more than a day ago are swept from the folder first. Refuses to write
 * over any of `protect` (the user's inputs), over special files, directories and read-only
 * files. Errors name `path`, never the temp file.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | Iterable<Uint8Array | string>,
  protect: string[] = [],
): Promise<void> {
  for (const p of protect) {
    if (sameFile(p, path)) throw new FileError(path, `refusing to write over the input file ${p}; choose another output path`, 'EINPUT');
  }
  await checkWritable(path);
  const dir = dirname(path);
  await sweepStaleTemps(dir);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(tmp, 'wx');
  } catch (err) {
    throw restate(err, path, 'write');
  }
  inFlight.add(tmp);
  installHandlers();
  try {
    try {
      const parts = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
      for (const part of parts) {
        if (typeof part === 'string') await handle.write(part);
        else await handle.write(part);
      }
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
    }
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw restate(err, path, 'write');
  } finally {
    inFlight.delete(tmp);
    if (inFlight.size === 0) uninstallHandlers();
  }
}

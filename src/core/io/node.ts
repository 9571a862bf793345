// Node-only file access: chunked reads and atomic writes. Used by the CLI and the host,
// never bundled into a webview.
import { createReadStream, promises as fsp, realpathSync } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import type { ByteSource } from './source';

export function fileSource(path: string, highWaterMark = 1 << 20): ByteSource {
  return {
    name: path,
    async *chunks() {
      for await (const chunk of createReadStream(path, { highWaterMark })) yield chunk as Uint8Array;
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
 * Writes `data` to `path` atomically: into a temporary file beside it, flushed, then renamed
 * over the target. A crash leaves either the old file or the new one, never half of one.
 * Refuses to write over any of `protect` (the user's inputs).
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | string | Iterable<Uint8Array | string>,
  protect: string[] = [],
): Promise<void> {
  for (const p of protect) {
    if (sameFile(p, path)) throw new Error(`refusing to write over the input file ${p}; choose another output path`);
  }
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const handle = await fsp.open(tmp, 'wx');
  try {
    const parts = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    for (const part of parts) {
      if (typeof part === 'string') await handle.write(part);
      else await handle.write(part);
    }
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fsp.rename(tmp, path);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

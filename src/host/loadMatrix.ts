// Reading a data file in the host: the same core readers as the CLI, with progress reported
// by bytes and a cancellation check between chunks. The file is read once: its SHA-256 and size
// are computed from the same chunks the parser reads, and a format detected earlier is passed
// on, not detected again. No `vscode` here, so it is tested in Node.
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { fileSource } from '../core/io/node';
import type { Delimiter } from '../core/io/delimited';
import { readMatrix, sniffFormat, type MatrixFormat, type ReadResult, type Sniffed } from '../core/io/read';
import type { ByteSource } from '../core/io/source';
import type { ShapeChoice, ShapePurpose } from '../core/io/shape';
import type { MatrixPayload } from '../protocol/impute';

export class LoadCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface LoadOptions {
  locations?: string | null;
  /** The format, when the caller already detected it. */
  format?: MatrixFormat;
  /** A table's delimiter, when the caller already detected it (sniffFormat) with the format. */
  delimiter?: Delimiter;
  /** Called with the fraction of the file read so far. */
  onProgress?: (fraction: number) => void;
  isCancelled?: () => boolean;
  /** The columns and orientation the user chose (the data preview); the rest is inferred. */
  shape?: ShapeChoice;
  /** What the data is read for (a factorisation reads named rows as observations). */
  purpose?: ShapePurpose;
}

/** What was read, with the file's hash and size from the same pass. */
export type LoadedMatrix = ReadResult & { sha256: string; bytes: number };

/**
 * The file's chunks, counted and hashed as the parser reads them. Each pass starts the hash
 * afresh, so the digest is that of the last whole pass (a reader that looks at the head first
 * still gets the right hash).
 */
function watchedSource(path: string, options: LoadOptions, digest: { hash: ReturnType<typeof createHash>; bytes: number }): ByteSource {
  const inner = fileSource(path);
  const total = statSync(path).size;
  return {
    name: path,
    async *chunks() {
      digest.hash = createHash('sha256');
      digest.bytes = 0;
      for await (const chunk of inner.chunks()) {
        if (options.isCancelled?.()) throw new LoadCancelled();
        digest.hash.update(chunk);
        digest.bytes += chunk.length;
        options.onProgress?.(total ? digest.bytes / total : 1);
        yield chunk;
      }
    },
  };
}

/**
 * A file as a ByteSource whose chunks are hashed as a reader reads them (for readers other than
 * readMatrix, e.g. point tables): `digest()` after the read gives its SHA-256 and size.
 */
export function hashedFileSource(path: string, options: LoadOptions = {}): { source: ByteSource; digest(): { sha256: string; bytes: number } } {
  const digest = { hash: createHash('sha256'), bytes: 0 };
  return { source: watchedSource(path, options, digest), digest: () => ({ sha256: digest.hash.digest('hex'), bytes: digest.bytes }) };
}

export async function loadMatrix(path: string, options: LoadOptions = {}): Promise<LoadedMatrix> {
  const digest = { hash: createHash('sha256'), bytes: 0 };
  const sniffed: Sniffed = options.format ? { format: options.format, delimiter: options.delimiter } : await sniffFormat(fileSource(path));
  const read = await readMatrix(watchedSource(path, options, digest), { format: sniffed.format, delimiter: sniffed.delimiter, locations: options.locations ? fileSource(options.locations) : undefined, shape: options.shape, purpose: options.purpose });
  const bytes = statSync(path).size;
  // A reader that stopped before the end (it never does today) costs one more pass for the hash.
  if (digest.bytes !== bytes) return { ...read, sha256: await sha256File(path), bytes };
  return { ...read, sha256: digest.hash.digest('hex'), bytes };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fileSource(path).chunks()) hash.update(chunk);
  return hash.digest('hex');
}

export function toPayload(result: ReadResult): MatrixPayload {
  const m = result.matrix;
  return {
    rows: m.rows,
    cols: m.cols,
    values: m.values,
    observed: m.observed,
    rowLabels: m.rowLabels,
    times: m.times,
    colIds: m.colIds,
    cells: m.places ? m.places.map((p) => p?.cell ?? null) : null,
    h3Resolution: m.h3Resolution ?? null,
    latLng: m.places ? m.places.map((p) => (p && Number.isFinite(p.lat) && Number.isFinite(p.lng) ? [p.lat, p.lng] : null)) : null,
  };
}

// Reading a data file in the host: the same core readers as the CLI, with progress reported
// by bytes and a cancellation check between chunks. No `vscode` here, so it is tested in Node.
import { statSync } from 'node:fs';
import { fileSource } from '../core/io/node';
import { readMatrix, type ReadResult } from '../core/io/read';
import type { ByteSource } from '../core/io/source';
import type { MatrixPayload } from '../protocol/training';

export class LoadCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

export interface LoadOptions {
  locations?: string | null;
  /** Called with the fraction of the file read so far. */
  onProgress?: (fraction: number) => void;
  isCancelled?: () => boolean;
}

function watchedSource(path: string, options: LoadOptions): ByteSource {
  const inner = fileSource(path);
  const total = statSync(path).size;
  return {
    name: path,
    async *chunks() {
      let read = 0;
      for await (const chunk of inner.chunks()) {
        if (options.isCancelled?.()) throw new LoadCancelled();
        read += chunk.length;
        options.onProgress?.(total ? read / total : 1);
        yield chunk;
      }
    },
  };
}

export async function loadMatrix(path: string, options: LoadOptions = {}): Promise<ReadResult> {
  return readMatrix(watchedSource(path, options), { locations: options.locations ? fileSource(options.locations) : undefined });
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
  };
}

// The Transport panel's two clouds, read on the host: two point files (the same reader as the
// CLI, hashed on the pass that reads them) or a built-in sample pair; checked with the CLI's
// checkClouds, so a bad input gets the same clear error (file, line, column, what was expected).
// No `vscode` here, so it is tested in Node.
import { basename } from 'node:path';
import { readPointTable } from '../../core/points/readPointTable';
import { checkClouds, transportSample, type Cloud, type CloudOrigin, type TransportSampleName } from '../../core/transport/points';
import { defaultTransportConfig, type CloudPayload, type TransportHostToPage, type TransportSource } from '../../protocol/transport';
import { hashedFileSource, type LoadOptions } from '../loadMatrix';

/** The samples the panel offers, in words, and the size it draws them at. */
export const TRANSPORT_SAMPLE_INFO: Record<TransportSampleName, { title: string; detail: string; n: number; dim: number }> = {
  gaussians: { title: 'Gaussian to Gaussian (2-D)', detail: '500 points each; the optimal map is affine and known', n: 500, dim: 2 },
  'two-moons': { title: 'Two moons', detail: '500 points each: one moon onto the other', n: 500, dim: 2 },
  'sparse-shift': { title: 'Sparse shift (20-D)', detail: '600 points each; the target moves 5 of the 20 coordinates', n: 600, dim: 20 },
};

/** A loaded transport: what the page is sent (protocol/transport.ts's data message), and each file's hash and size (null for a sample). */
export type LoadedTransport = Omit<Extract<TransportHostToPage, { type: 'data' }>, 'type' | 'trusted'> & {
  digests: { a: { sha256: string; bytes: number }; b: { sha256: string; bytes: number } } | null;
};

export function transportTitle(source: TransportSource): string {
  return source.kind === 'sample' ? `Transport: ${TRANSPORT_SAMPLE_INFO[source.name].title}` : `Transport: ${basename(source.a)} → ${basename(source.b)}`;
}

const payload = (name: string, c: Cloud): CloudPayload => ({ name, n: c.n, dim: c.dim, data: c.data });

/** Reads and checks two point files; throws the reader's ParseError or a TransportInputError. */
export async function loadTransportFiles(pathA: string, pathB: string, options: LoadOptions = {}): Promise<LoadedTransport> {
  const read = async (path: string) => {
    const hashed = hashedFileSource(path, options);
    const table = await readPointTable(hashed.source);
    return { table, digest: hashed.digest(), origin: { name: basename(path), lines: table.lines, columns: table.columns } satisfies CloudOrigin };
  };
  const a = await read(pathA);
  const b = await read(pathB);
  checkClouds(a.table, b.table, a.origin, b.origin);
  const source: TransportSource = { kind: 'files', a: pathA, b: pathB };
  return {
    source,
    title: transportTitle(source),
    a: payload(basename(pathA), a.table),
    b: payload(basename(pathB), b.table),
    columns: [...a.table.columns],
    support: null,
    config: defaultTransportConfig(null),
    digests: { a: a.digest, b: b.digest },
  };
}

export function loadTransportSample(name: TransportSampleName): LoadedTransport {
  const info = TRANSPORT_SAMPLE_INFO[name];
  const sample = transportSample(name, info.n, info.dim, 0);
  const source: TransportSource = { kind: 'sample', name };
  return {
    source,
    title: transportTitle(source),
    a: payload(`${name} source`, sample.source),
    b: payload(`${name} target`, sample.target),
    columns: Array.from({ length: sample.source.dim }, (_, k) => `x${k + 1}`),
    support: sample.support ?? null,
    config: defaultTransportConfig(name),
    digests: null,
  };
}

export function loadTransportSource(source: TransportSource): Promise<LoadedTransport> {
  return source.kind === 'files' ? loadTransportFiles(source.a, source.b) : Promise.resolve(loadTransportSample(source.name));
}

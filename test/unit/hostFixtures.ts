// Test helpers for the host's stores: a file's hash and size, as the host's one read computes them.
import { statSync } from 'node:fs';
import { sha256File } from '../../src/host/loadMatrix';

export async function fileDigest(path: string): Promise<{ sha256: string; bytes: number }> {
  return { sha256: await sha256File(path), bytes: statSync(path).size };
}

// The walk from "Impute matrix" to the data (ARCHITECTURE.md, "How the data flows"): the format
// is detected from the file's head, then the file is read once, hashed on the same chunks.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileSource } from '../../src/core/io/node';
import { detectFormat, readMatrix, serializeMatrix, sniffFormat, type MatrixFormat } from '../../src/core/io/read';
import type { ByteSource } from '../../src/core/io/source';
import { createMaskedMatrix } from '../../src/core/matrix/masked';
import { loadMatrix, sha256File } from '../../src/host/loadMatrix';

/** A source that counts its passes and the bytes each one read. */
function counted(inner: ByteSource): ByteSource & { passes: number[] } {
  const passes: number[] = [];
  return {
    name: inner.name,
    passes,
    async *chunks() {
      passes.push(0);
      for await (const chunk of inner.chunks()) {
        passes[passes.length - 1] += chunk.length;
        yield chunk;
      }
    },
  };
}

function writeSample(dir: string, format: MatrixFormat, name: string): string {
  const rows = 3000;
  const cols = 12;
  const m = createMaskedMatrix(rows, cols, { rowLabels: Array.from({ length: rows }, (_, i) => `2024-01-01T${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z#${i}`), colIds: Array.from({ length: cols }, (_, j) => `s${j}`) });
  for (let k = 0; k < rows * cols; k++) {
    m.values[k] = (k * 7) % 13;
    m.observed[k] = k % 5 === 0 ? 0 : 1;
  }
  const path = join(dir, name);
  const parts = [...serializeMatrix(m, format, name.endsWith('.tsv') ? { delimiter: '\t' } : {})];
  writeFileSync(path, parts.every((p) => typeof p === 'string') ? parts.join('') : Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))));
  return path;
}

test('each format: the head tells the format, then one pass reads the file, and its hash comes from that pass', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-walk-'));
  try {
    for (const [format, name] of [['wide', 'm.csv'], ['wide', 'm.tsv'], ['mtx', 'm.mtx'], ['npy', 'm.npy']] as const) {
      const path = writeSample(dir, format, name);
      const head = counted(fileSource(path));
      const detected = await detectFormat(head);
      assert.equal(detected, format);
      // Detection reads no more than the first chunk (nothing at all where the extension says it).
      assert.ok(head.passes.length <= 1, `${format}: detection made ${head.passes.length} passes`);
      const headOnly = counted(fileSource(path, 4096));
      await detectFormat(headOnly);
      assert.ok((headOnly.passes[0] ?? 0) <= 4096, `${format}: detection read ${headOnly.passes.join(', ')} bytes of 4 KiB chunks`);
      // What the head told (the format, a table's delimiter) is passed on: the reader makes one pass.
      const sniffed = await sniffFormat(fileSource(path));
      const source = counted(fileSource(path));
      await readMatrix(source, sniffed);
      assert.equal(source.passes.length, 1, `${format}: the reader made ${source.passes.length} passes (${source.passes.join(', ')} bytes)`);
      // Without it, readMatrix looks at the head once itself, then reads once.
      const alone = counted(fileSource(path, 4096));
      await readMatrix(alone);
      assert.ok(alone.passes.length <= 2 && alone.passes.slice(0, -1).every((b) => b <= 4096), `${format}: ${alone.passes.join(', ')} bytes`);
      const loaded = await loadMatrix(path, sniffed);
      assert.equal(loaded.sha256, await sha256File(path));
      assert.equal(loaded.matrix.rows, 3000);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

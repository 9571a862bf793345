// A table of points from any file Lacuna reads as points: delimited text (readPoints) or a 2-D
// .npy array (one point per row; columns named 1..d, chosen by number). Same options and result.
import { ParseError } from '../io/errors';
import { readNpy } from '../io/npy';
import type { ByteSource } from '../io/source';
import { extensionOf } from '../io/source';
import { normalisePoints, readPoints, type PointTable, type ReadPointsOptions } from './readPoints';

export async function readPointTable(source: ByteSource, options: ReadPointsOptions = {}): Promise<PointTable> {
  if (extensionOf(source.name) !== '.npy') return readPoints(source, options);
  const m = await readNpy(source);
  if (m.rows === 0 || m.cols === 0) throw new ParseError(source.name, 1, 1, 'a non-empty 2-D array of points', `shape (${m.rows}, ${m.cols})`);
  const names = Array.from({ length: m.cols }, (_, j) => String(j + 1));
  const chosen = options.columns && options.columns.length > 0
    ? options.columns.map((c) => {
        const j = typeof c === 'number' ? c - 1 : names.indexOf(c);
        if (j < 0 || j >= m.cols) throw new Error(`${source.name}: no column ${JSON.stringify(c)}; a .npy array has columns 1 to ${m.cols}`);
        return j;
      })
    : names.map((_, j) => j);
  const dim = chosen.length;
  const data = new Float64Array(m.rows * dim);
  for (let i = 0; i < m.rows; i++) {
    for (let k = 0; k < dim; k++) {
      const at = i * m.cols + chosen[k];
      if (!m.observed[at]) throw new Error(`${source.name}: entry (${i + 1}, ${chosen[k] + 1}) is NaN; points cannot have missing coordinates`);
      data[i * dim + k] = m.values[at];
    }
  }
  const table: PointTable = { n: m.rows, dim, data, columns: chosen.map((j) => names[j]), lines: Int32Array.from({ length: m.rows }, (_, i) => i + 1), labelNames: null };
  normalisePoints(table, options.normalise ?? 'none');
  return table;
}

// The tables a transport run writes, the same from the CLI and the panel: the mapped points
// (T(x) for every row of A, with A's header), the per-coordinate displacement, and the plan as
// (source, target, mass) triplets. Lines as strings, for writeFileAtomic.
import { formatNumber } from '../io/read';

/** Mapped points: a header of column names, then one row per point. */
export function pointsCsv(columns: readonly string[], data: ArrayLike<number>, dim: number): string[] {
  const lines = [columns.join(',') + '\n'];
  for (let i = 0; i < data.length / dim; i++) {
    const row: string[] = [];
    for (let k = 0; k < dim; k++) row.push(formatNumber(data[i * dim + k]));
    lines.push(row.join(',') + '\n');
  }
  return lines;
}

/** One row per column: its name and mean |T(x)_j − x_j|. */
export function displacementCsv(columns: readonly string[], perCoordinate: ArrayLike<number>): string[] {
  return ['column,mean_abs_displacement\n', ...Array.from(perCoordinate, (v, k) => `${columns[k]},${formatNumber(v)}\n`)];
}

/** The plan's entries as source,target,mass (0-based point indices). */
export function planCsv(entries: Iterable<[number, number, number]>): string[] {
  const lines = ['source,target,mass\n'];
  for (const [i, j, mass] of entries) lines.push(`${i},${j},${formatNumber(mass)}\n`);
  return lines;
}

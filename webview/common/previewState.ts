// The data preview's state, pure (no DOM, tested in Node): each column's role, what a change of
// role or orientation asks the host to read, the grids the bins can form, and the summary lines.
import type { GridSpec } from '../../src/core/factorize/job';
import type { PreviewChoice, PreviewPayload } from '../../src/protocol/preview';

export type ColumnRole = 'time' | 'label' | 'value' | 'skip';

export function roleOf(p: PreviewPayload, j: number): ColumnRole {
  if (p.timeColumn === j) return 'time';
  if (p.labelColumns.includes(j)) return 'label';
  if (p.valueColumns.includes(j)) return 'value';
  return 'skip';
}

/** The choice that gives column j another role, the others keeping theirs (and the orientation, when chosen). */
export function withRole(p: PreviewPayload, j: number, role: Exclude<ColumnRole, 'time'>): PreviewChoice {
  const labels = p.labelColumns.filter((c) => c !== j);
  const values = p.valueColumns.filter((c) => c !== j);
  if (role === 'label') labels.push(j);
  if (role === 'value') values.push(j);
  // The row labels come from the first label column: a column made a label goes after the others.
  return { labelColumns: labels, valueColumns: values.sort((a, b) => a - b), ...(p.chosen.orientation ? { transpose: p.transpose } : {}) };
}

/** The choice that flips the orientation, keeping the columns as they are shown. */
export function withTranspose(p: PreviewPayload, transpose: boolean): PreviewChoice {
  return { ...(p.chosen.columns ? { labelColumns: p.labelColumns, valueColumns: p.valueColumns } : {}), transpose };
}

/** The grids `bins` can form: the line, then images W × H (the squarest first), at most `max`. */
export function gridOptions(bins: number, line: GridSpec | null, max = 6): { value: string; label: string; grid: GridSpec }[] {
  const lineGrid: GridSpec = line && line.kind === 'line' ? line : { kind: 'line', lo: 0, hi: Math.max(1, bins - 1) };
  const out: { value: string; label: string; grid: GridSpec }[] = [{ value: 'line', label: `line (${bins} bins)`, grid: lineGrid }];
  const pairs: [number, number][] = [];
  for (let h = 2; h * h <= bins; h++) if (bins % h === 0) pairs.push([bins / h, h]);
  pairs.sort((a, b) => a[0] / a[1] - b[0] / b[1]);
  for (const [w, h] of pairs.slice(0, max - 1)) {
    out.push({ value: `image:${w}x${h}`, label: `image ${w} × ${h}`, grid: { kind: 'image', width: w, height: h } });
    if (w !== h) out.push({ value: `image:${h}x${w}`, label: `image ${h} × ${w}`, grid: { kind: 'image', width: h, height: w } });
  }
  return out.slice(0, max);
}

export function gridValue(grid: GridSpec): string {
  return grid.kind === 'line' ? 'line' : `image:${grid.width}x${grid.height}`;
}

function names(p: PreviewPayload, cols: number[], max = 4): string {
  const shown = cols.slice(0, max).map((j) => `“${p.names[j]}”`);
  return cols.length > max ? `${shown.join(', ')} and ${cols.length - max} more` : shown.join(', ') || 'none';
}

/** One line per inference: what was decided, and why. */
export function summaryLines(p: PreviewPayload): { key: 'labels' | 'time' | 'values' | 'orientation' | 'grid'; text: string }[] {
  const lines: { key: 'labels' | 'time' | 'values' | 'orientation' | 'grid'; text: string }[] = [
    { key: 'labels', text: `Labels: ${names(p, p.labelColumns)}. ${p.reasons.labels}.` },
    { key: 'time', text: `Time: ${p.reasons.time}.` },
    { key: 'values', text: `Values: ${p.valueColumns.length} column${p.valueColumns.length === 1 ? '' : 's'}${p.skipped.length ? `; left out: ${names(p, p.skipped)}` : ''}.` },
    { key: 'orientation', text: `Orientation: ${p.reasons.orientation}. Read as ${p.rows} × ${p.cols}.` },
  ];
  if (p.reasons.grid) lines.push({ key: 'grid', text: `Grid: ${p.reasons.grid}.` });
  return lines;
}

// The time axis of a table, checked once, in the reader: whether the first column holds
// timestamps (decided by its header and the majority of its cells, never by one row), what to
// do with duplicate timestamps, rows out of order, and irregular steps. Every algorithm then
// sees strictly increasing times.
import { ParseError, quoteFound } from './errors';
import { parseTimestamp } from './delimited';

/** What duplicate timestamps become: an error naming both lines, or one row aggregating them. */
export type DuplicatePolicy = 'error' | 'mean' | 'sum' | 'first';
export const DUPLICATE_POLICIES: readonly DuplicatePolicy[] = ['error', 'mean', 'sum', 'first'];

const TIME_HEADER = /time|date|^ts$/i;

/** Whether a header cell names a time column. */
export function isTimeHeader(name: string): boolean {
  return TIME_HEADER.test(name.trim());
}

export interface TimeAxisInput {
  file: string;
  /** The header's first cell ('' when the file has no header). */
  indexName: string;
  labels: string[];
  /** 1-based line of each row's first field. */
  lines: ArrayLike<number>;
  /** 1-based character column of each row's label (1 when not given). */
  columns?: ArrayLike<number>;
  cols: number;
  values: Float64Array;
  observed: Uint8Array;
  duplicates?: DuplicatePolicy;
}

export interface TimeAxis {
  rows: number;
  times: Float64Array | null;
  rowLabels: string[];
  values: Float64Array;
  observed: Uint8Array;
  notes: string[];
}

function formatStep(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [u, name] of units) if (ms >= u && ms % u === 0) return `${ms / u} ${name}`;
  return `${ms} ms`;
}

/**
 * Decides and checks the time axis. With timestamps: a cell that is not one is an error at its
 * line and column; rows are sorted by time (with a note); duplicates are an error naming both
 * lines, unless `duplicates` says how to merge them; steps that differ from the usual one are
 * reported in a note.
 */
export function checkTimeAxis(input: TimeAxisInput): TimeAxis {
  const { labels, lines, cols, file } = input;
  const columnOf = (i: number) => input.columns?.[i] ?? 1;
  const n = labels.length;
  const parsed = new Float64Array(n);
  let ok = 0;
  for (let i = 0; i < n; i++) {
    parsed[i] = parseTimestamp(labels[i]);
    if (!Number.isNaN(parsed[i])) ok++;
  }
  const headerSaysTime = input.indexName !== '' && isTimeHeader(input.indexName);
  const isTime = ok * 2 > n || (headerSaysTime && ok > 0);
  if (!isTime) return { rows: n, times: null, rowLabels: labels, values: input.values, observed: input.observed, notes: [] };
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(parsed[i])) {
      const why = headerSaysTime ? `the header ${quoteFound(input.indexName)} and ${ok} of ${n} rows` : `${ok} of ${n} rows`;
      throw new ParseError(file, lines[i], columnOf(i), `a timestamp such as 2024-04-01 08:15:00 (${why} have one)`, quoteFound(labels[i]));
    }
  }
  const notes: string[] = [];
  // A stable sort by time, needed only when the file is not already in order.
  let order: Int32Array | null = null;
  let outOfOrder = 0;
  for (let i = 1; i < n; i++) if (parsed[i] < parsed[i - 1]) outOfOrder++;
  if (outOfOrder > 0) {
    const idx = Array.from({ length: n }, (_, i) => i);
    idx.sort((a, b) => parsed[a] - parsed[b] || a - b);
    order = Int32Array.from(idx);
    notes.push(`rows sorted by time: ${outOfOrder} row${outOfOrder === 1 ? ' was' : 's were'} earlier than the row above`);
  }
  const at = (r: number) => (order ? order[r] : r);
  // Groups of equal timestamps, in time order.
  const groupStart: number[] = [];
  for (let r = 0; r < n; r++) {
    if (r > 0 && parsed[at(r)] === parsed[at(r - 1)]) {
      if ((input.duplicates ?? 'error') === 'error') {
        const a = Math.min(at(r - 1), at(r));
        const b = Math.max(at(r - 1), at(r));
        throw new ParseError(
          file,
          lines[b],
          columnOf(b),
          `a timestamp not seen before (line ${lines[a]} has the same time ${quoteFound(labels[a])}; merge them with --duplicates mean|sum|first)`,
          `a duplicate ${quoteFound(labels[b])}`,
        );
      }
      continue;
    }
    groupStart.push(r);
  }
  const rows = groupStart.length;
  if (rows < n) notes.push(`${n - rows} duplicate timestamp row${n - rows === 1 ? '' : 's'} merged (${input.duplicates})`);
  let values = input.values;
  let observed = input.observed;
  let rowLabels = labels;
  const times = new Float64Array(rows);
  if (order || rows < n) {
    values = new Float64Array(rows * cols);
    observed = new Uint8Array(rows * cols);
    rowLabels = new Array<string>(rows);
    const counts = new Float64Array(cols);
    for (let g = 0; g < rows; g++) {
      const start = groupStart[g];
      const end = g + 1 < rows ? groupStart[g + 1] : n;
      const first = at(start);
      rowLabels[g] = labels[first];
      times[g] = parsed[first];
      const o = g * cols;
      counts.fill(0);
      for (let r = start; r < end; r++) {
        const src = at(r) * cols;
        for (let j = 0; j < cols; j++) {
          if (!input.observed[src + j]) continue;
          const x = input.values[src + j];
          const c = ++counts[j];
          if (c === 1) values[o + j] = x;
          else if (input.duplicates === 'sum') {
            values[o + j] += x;
            if (!Number.isFinite(values[o + j])) {
              throw new ParseError(file, lines[at(r)], columnOf(at(r)), 'duplicate rows whose sum fits in a double (use --duplicates mean)', `a sum past ±1.8e308 at ${quoteFound(labels[at(r)])}`);
            }
          } else if (input.duplicates === 'mean') values[o + j] += x / c - values[o + j] / c; // a running mean that cannot overflow
          observed[o + j] = 1;
        }
      }
    }
  } else {
    for (let i = 0; i < n; i++) times[i] = parsed[i];
  }
  // Irregular steps: compared with the most common one.
  if (rows >= 3) {
    const freq = new Map<number, number>();
    for (let i = 1; i < rows; i++) {
      const d = times[i] - times[i - 1];
      freq.set(d, (freq.get(d) ?? 0) + 1);
    }
    let step = 0;
    let best = 0;
    for (const [d, c] of freq) if (c > best || (c === best && d < step)) [step, best] = [d, c];
    const irregular = rows - 1 - best;
    if (irregular > 0) {
      let largest = 0;
      let largestAt = 0;
      for (let i = 1; i < rows; i++) {
        const d = times[i] - times[i - 1];
        if (d !== step && d > largest) [largest, largestAt] = [d, i];
      }
      notes.push(
        `irregular time steps: the usual step is ${formatStep(step)}, ${irregular} of ${rows - 1} differ${largest > 0 ? ` (the largest, ${formatStep(largest)}, before ${rowLabels[largestAt]})` : ''}; methods that use time treat the gaps by their length`,
      );
    }
  }
  return { rows, times, rowLabels, values, observed, notes };
}

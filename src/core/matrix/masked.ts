// A dense matrix with an explicit observed-mask. Missing and zero are never confused:
// `observed[i] === 0` means missing, whatever `values[i]` holds (kept at 0 by convention).

/** Where a column lives on the map, when known. */
export interface Place {
  readonly lat: number;
  readonly lng: number;
  /** The H3 cell index at the matrix's resolution. */
  readonly cell: string;
}

export interface MaskedMatrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major values, rows * cols. */
  readonly values: Float64Array;
  /** Row-major mask, 1 where the entry was observed, 0 where it is missing. */
  readonly observed: Uint8Array;
  /** One label per row: the first column's text (timestamp or index), or the row number. */
  readonly rowLabels: string[];
  /** Epoch milliseconds per row, when the row labels are timestamps; otherwise null. */
  readonly times: Float64Array | null;
  /** One id per column: the header's column ids, or 1-based column numbers. */
  readonly colIds: string[];
  /** A place per column when locations are known (null for a column without one). */
  places: (Place | null)[] | null;
  /** The H3 resolution of `places`, when known. */
  h3Resolution?: number;
}

export function createMaskedMatrix(
  rows: number,
  cols: number,
  init: Partial<Pick<MaskedMatrix, 'rowLabels' | 'times' | 'colIds' | 'places'>> = {},
): MaskedMatrix {
  return {
    rows,
    cols,
    values: new Float64Array(rows * cols),
    observed: new Uint8Array(rows * cols),
    rowLabels: init.rowLabels ?? Array.from({ length: rows }, (_, i) => String(i + 1)),
    times: init.times ?? null,
    colIds: init.colIds ?? Array.from({ length: cols }, (_, j) => String(j + 1)),
    places: init.places ?? null,
  };
}

/** A deep copy of values and mask; labels and places are shared (they are never mutated). */
export function cloneMatrix(m: MaskedMatrix): MaskedMatrix {
  return { ...m, values: m.values.slice(), observed: m.observed.slice() };
}

/** The same matrix with another mask (values where the new mask is 0 are zeroed). */
export function withMask(m: MaskedMatrix, observed: Uint8Array): MaskedMatrix {
  if (observed.length !== m.rows * m.cols) throw new Error(`mask has ${observed.length} entries, expected ${m.rows * m.cols}`);
  const values = m.values.slice();
  for (let i = 0; i < values.length; i++) if (!observed[i]) values[i] = 0;
  return { ...m, values, observed };
}

export interface MatrixSummary {
  rows: number;
  cols: number;
  observed: number;
  zeros: number;
  missing: number;
  /** Fractions in [0, 1]. */
  observedFraction: number;
  zeroFractionOfObserved: number;
  missingFraction: number;
  min: number;
  max: number;
  timeRange: [string, string] | null;
}

export function summarize(m: MaskedMatrix): MatrixSummary {
  let observed = 0;
  let zeros = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < m.values.length; i++) {
    if (!m.observed[i]) continue;
    observed++;
    const v = m.values[i];
    if (v === 0) zeros++;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const total = m.rows * m.cols;
  return {
    rows: m.rows,
    cols: m.cols,
    observed,
    zeros,
    missing: total - observed,
    observedFraction: total ? observed / total : 0,
    zeroFractionOfObserved: observed ? zeros / observed : 0,
    missingFraction: total ? (total - observed) / total : 0,
    min: observed ? min : NaN,
    max: observed ? max : NaN,
    timeRange: m.rows > 0 && m.times ? [m.rowLabels[0], m.rowLabels[m.rows - 1]] : null,
  };
}

// The dense matrices factorisation works on: row-major Float64, one observation per column.

export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  /** values[i * cols + j] is entry (i, j). */
  readonly values: Float64Array;
}

export function denseMatrix(rows: number, cols: number, values?: ArrayLike<number>): DenseMatrix {
  if (values !== undefined && values.length !== rows * cols) {
    throw new RangeError(`a ${rows} × ${cols} matrix needs ${rows * cols} values, got ${values.length}`);
  }
  return { rows, cols, values: values === undefined ? new Float64Array(rows * cols) : Float64Array.from(values) };
}

export function cloneMatrix(matrix: DenseMatrix): DenseMatrix {
  return { rows: matrix.rows, cols: matrix.cols, values: matrix.values.slice() };
}

/** A · B */
export function multiply(a: DenseMatrix, b: DenseMatrix): DenseMatrix {
  if (a.cols !== b.rows) throw new RangeError(`cannot multiply ${a.rows} × ${a.cols} by ${b.rows} × ${b.cols}`);
  const out = new Float64Array(a.rows * b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let p = 0; p < a.cols; p++) {
      const aip = a.values[i * a.cols + p];
      if (aip === 0) continue;
      const bRow = p * n;
      const outRow = i * n;
      for (let j = 0; j < n; j++) out[outRow + j] += aip * b.values[bRow + j];
    }
  }
  return { rows: a.rows, cols: b.cols, values: out };
}

/** Scales each column in place to sum to 1 (an all-zero column is left as it is). */
export function normalizeColumns(matrix: DenseMatrix): DenseMatrix {
  const { rows, cols, values } = matrix;
  const sums = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sums[j] += values[i * cols + j];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) if (sums[j] > 0) values[i * cols + j] /= sums[j];
  }
  return matrix;
}

/** Column j as a new array. */
export function column(matrix: DenseMatrix, j: number): Float64Array {
  const out = new Float64Array(matrix.rows);
  for (let i = 0; i < matrix.rows; i++) out[i] = matrix.values[i * matrix.cols + j];
  return out;
}

/** Throws unless every entry is finite and ≥ 0. */
export function assertNonNegative(matrix: DenseMatrix, name: string): void {
  if (matrix.values.length !== matrix.rows * matrix.cols) {
    throw new RangeError(`${name}: ${matrix.values.length} values for a ${matrix.rows} × ${matrix.cols} matrix`);
  }
  for (let t = 0; t < matrix.values.length; t++) {
    const v = matrix.values[t];
    if (!(v >= 0) || !Number.isFinite(v)) {
      const where = `(${Math.floor(t / matrix.cols) + 1}, ${(t % matrix.cols) + 1})`;
      throw new RangeError(`${name}${where} is ${v}; entries must be finite and ≥ 0`);
    }
  }
}

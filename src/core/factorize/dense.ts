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

/**
 * out[outOffset + t] += alpha · Σ_j c_j · rows[rowsOffset + j·length + t] for t < length, where
 * c_j = coefficients[coefOffset + j·coefStride], j < count: a combination of `count` contiguous
 * rows. Four rows at a time, so each output is loaded and stored once per four products (about
 * 3× faster in V8 than one axpy per row).
 */
export function addRowCombination(
  out: Float64Array,
  outOffset: number,
  alpha: number,
  coefficients: Float64Array,
  coefOffset: number,
  coefStride: number,
  rows: Float64Array,
  rowsOffset: number,
  count: number,
  length: number,
): void {
  let j = 0;
  for (; j + 3 < count; j += 4) {
    const c = coefOffset + j * coefStride;
    const c0 = alpha * coefficients[c];
    const c1 = alpha * coefficients[c + coefStride];
    const c2 = alpha * coefficients[c + 2 * coefStride];
    const c3 = alpha * coefficients[c + 3 * coefStride];
    if (c0 === 0 && c1 === 0 && c2 === 0 && c3 === 0) continue;
    const r0 = rowsOffset + j * length;
    const r1 = r0 + length;
    const r2 = r1 + length;
    const r3 = r2 + length;
    for (let t = 0; t < length; t++) {
      out[outOffset + t] += c0 * rows[r0 + t] + c1 * rows[r1 + t] + (c2 * rows[r2 + t] + c3 * rows[r3 + t]);
    }
  }
  for (; j < count; j++) {
    const c0 = alpha * coefficients[coefOffset + j * coefStride];
    if (c0 === 0) continue;
    const r0 = rowsOffset + j * length;
    for (let t = 0; t < length; t++) out[outOffset + t] += c0 * rows[r0 + t];
  }
}

/**
 * out = alpha · A Bᵀ for row-major A (aRows × inner) and B (bRows × inner): out is aRows × bRows.
 * Each row of A meets four rows of B at once (four dot products sharing A's loads).
 */
export function multiplyTransposedInto(
  a: Float64Array,
  aRows: number,
  b: Float64Array,
  bRows: number,
  inner: number,
  out: Float64Array,
  alpha = 1,
): void {
  for (let i = 0; i < aRows; i++) {
    const ai = i * inner;
    const outRow = i * bRows;
    let r = 0;
    for (; r + 3 < bRows; r += 4) {
      const b0 = r * inner;
      const b1 = b0 + inner;
      const b2 = b1 + inner;
      const b3 = b2 + inner;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < inner; t++) {
        const x = a[ai + t];
        s0 += x * b[b0 + t];
        s1 += x * b[b1 + t];
        s2 += x * b[b2 + t];
        s3 += x * b[b3 + t];
      }
      out[outRow + r] = alpha * s0;
      out[outRow + r + 1] = alpha * s1;
      out[outRow + r + 2] = alpha * s2;
      out[outRow + r + 3] = alpha * s3;
    }
    for (; r < bRows; r++) {
      const b0 = r * inner;
      let s = 0;
      for (let t = 0; t < inner; t++) s += a[ai + t] * b[b0 + t];
      out[outRow + r] = alpha * s;
    }
  }
}

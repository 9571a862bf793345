// Unblocked Cholesky for the small dense blocks of the preconditioners (a few hundred rows at
// most, where blocking buys nothing).

/**
 * In-place Cholesky of the row-major m×m SPD matrix a (lower triangle used and overwritten).
 * When a pivot fails, retries with diagonal jitter growing ×100 from firstJitter·mean(diag);
 * returns the jitter used (0 if none), or NaN when even a large jitter fails. Preconditioners
 * pass a large firstJitter: a barely regularised block would amplify rounding by 1/jitter.
 */
export function choleskySmall(a: Float64Array, m: number, firstJitter = 1e-14): number {
  const original = a.slice(0, m * m);
  let meanDiagonal = 0;
  for (let i = 0; i < m; i++) meanDiagonal += a[i * m + i];
  meanDiagonal = m > 0 ? meanDiagonal / m : 1;
  let jitter = 0;
  for (let attempt = 0; attempt < 8; attempt++) {
    if (attempt > 0) {
      a.set(original);
      jitter = jitter === 0 ? firstJitter * meanDiagonal : jitter * 100;
      for (let i = 0; i < m; i++) a[i * m + i] += jitter;
    }
    if (factorInPlace(a, m, 1e-15 * meanDiagonal)) return jitter;
  }
  return NaN;
}

function factorInPlace(a: Float64Array, m: number, minPivot: number): boolean {
  for (let i = 0; i < m; i++) {
    const rowI = i * m;
    for (let j = 0; j <= i; j++) {
      const rowJ = j * m;
      let s = a[rowI + j];
      for (let k = 0; k < j; k++) s -= a[rowI + k] * a[rowJ + k];
      if (j === i) {
        if (!(s > minPivot)) return false;
        a[rowI + i] = Math.sqrt(s);
      } else {
        a[rowI + j] = s / a[rowJ + j];
      }
    }
  }
  return true;
}

/** Solves L Lᵀ x = x in place, L the factor left by choleskySmall (offset: where L starts in `l`). */
export function solveSmall(l: Float64Array, m: number, x: Float64Array, lOffset = 0): void {
  for (let i = 0; i < m; i++) {
    const row = lOffset + i * m;
    let s = x[i];
    for (let k = 0; k < i; k++) s -= l[row + k] * x[k];
    x[i] = s / l[row + i];
  }
  for (let i = m - 1; i >= 0; i--) {
    const row = lOffset + i * m;
    const xi = x[i] / l[row + i];
    x[i] = xi;
    for (let k = 0; k < i; k++) x[k] -= l[row + k] * xi;
  }
}

/** Overwrites the factor L (row-major lower) with L⁻¹ (lower); used to precondition in float32. */
export function invertLowerInPlace(l: Float64Array, m: number): void {
  // Column by column: solve L x = e_j, storing x in column j (only rows ≥ j are non-zero).
  const inv = new Float64Array(m * m);
  const x = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    x.fill(0);
    x[j] = 1 / l[j * m + j];
    for (let i = j + 1; i < m; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= l[i * m + k] * x[k];
      x[i] = s / l[i * m + i];
    }
    for (let i = j; i < m; i++) inv[i * m + j] = x[i];
  }
  l.set(inv);
}

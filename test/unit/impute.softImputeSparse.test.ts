import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filledTimes, filledTransposeTimes, observedResidual, type LowRank, type ObservedEntries } from '../../src/core/impute/softImpute';
import { normal, seededRng } from '../../src/core/random';

// The filled matrix P_Ω(X) + P_Ω⊥(UDVᵀ) is never formed in softImpute: its products run as the
// sparse residual P_Ω(X − UDVᵀ) plus the low-rank part. Check them against the dense matrix.
test('softImpute: sparse-plus-low-rank products equal the dense filled matrix products', () => {
  const rng = seededRng(3);
  const [rows, cols, r, k] = [23, 17, 4, 5];
  const observed = Uint8Array.from({ length: rows * cols }, () => (rng() < 0.4 ? 1 : 0));
  const values = Float64Array.from({ length: rows * cols }, () => normal(rng));
  const rowPtr = new Int32Array(rows + 1);
  const colIdx: number[] = [];
  const xs: number[] = [];
  for (let i = 0; i < rows; i++) {
    rowPtr[i] = colIdx.length;
    for (let j = 0; j < cols; j++) {
      if (!observed[i * cols + j]) continue;
      colIdx.push(j);
      xs.push(values[i * cols + j]);
    }
  }
  rowPtr[rows] = colIdx.length;
  const obs: ObservedEntries = { rows, cols, rowPtr, col: Int32Array.from(colIdx), x: Float64Array.from(xs) };
  const fit: LowRank = {
    u: Float64Array.from({ length: rows * r }, () => normal(rng)),
    d: Float64Array.from({ length: r }, () => 1 + rng()),
    v: Float64Array.from({ length: cols * r }, () => normal(rng)),
    rank: r,
  };
  for (const f of [null, fit]) {
    // Dense filled matrix: observed values where observed, the fit elsewhere.
    const dense = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        let z = 0;
        if (f) for (let t = 0; t < r; t++) z += f.u[i * r + t] * f.d[t] * f.v[j * r + t];
        dense[i * cols + j] = observed[i * cols + j] ? values[i * cols + j] : z;
      }
    }
    const residual = new Float64Array(obs.x.length);
    observedResidual(obs, f, residual);
    const w = Float64Array.from({ length: cols * k }, () => normal(rng));
    const a = Float64Array.from({ length: rows * k }, () => normal(rng));
    const y = filledTimes(obs, residual, f, w, k);
    const c = filledTransposeTimes(obs, residual, f, a, k);
    for (let i = 0; i < rows; i++) {
      for (let t = 0; t < k; t++) {
        let want = 0;
        for (let j = 0; j < cols; j++) want += dense[i * cols + j] * w[j * k + t];
        assert.ok(Math.abs(y[i * k + t] - want) <= 1e-10 * (1 + Math.abs(want)), `X̃W[${i},${t}] ${y[i * k + t]} ≠ ${want}`);
      }
    }
    for (let j = 0; j < cols; j++) {
      for (let t = 0; t < k; t++) {
        let want = 0;
        for (let i = 0; i < rows; i++) want += dense[i * cols + j] * a[i * k + t];
        assert.ok(Math.abs(c[j * k + t] - want) <= 1e-10 * (1 + Math.abs(want)), `X̃ᵀA[${j},${t}] ${c[j * k + t]} ≠ ${want}`);
      }
    }
  }
});

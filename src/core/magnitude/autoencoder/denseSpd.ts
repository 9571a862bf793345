// The similarity matrix of a small point set (a 2-D code), factored once in Float64 and then
// solved against any number of right-hand sides: the forward weighting vector Z⁻¹1 and the
// adjoint Z⁻¹g of the differentiable weighting vector both come from one factorization.
//
// Why on the host and in Float64: the gradient of w = Z⁻¹1 goes through a second solve with the
// same Z, and a code that is collapsing (points drawing together) makes Z ill-conditioned; in
// float32 the adjoint then loses every digit, which shows up as a training loss that jumps. A
// Float64 factorization with refinement keeps both solves exact to ~1e-12 at the cost of reading
// the code (n × 2 numbers) back from the device once per step, which is nothing beside n³/3.
//
// The factorization is the blocked right-looking Cholesky of `../cholesky.ts` (whose factor is
// private to it): the O(n³) work goes through the packed-panel kernel C −= A·Bᵀ of
// `../wasmKernel.ts` (WebAssembly SIMD, ~17 GFlop/s), strips of 8 columns by scalar code. The
// workspace is kept between calls of the same size, so a training run allocates it once.

import { createWasmWorkspace, type GemmNt, type WasmWorkspace } from '../wasmKernel';
import { KernelOperator } from '../operator';
import { pointSpace } from '../metrics';

const EPS = 2.220446049250313e-16;
const STRIP = 8;
const PANEL = 256;
const COLUMN_CHUNK = 128;

function jsGemm(f: Float64Array): GemmNt {
  return (c, ldc, a, aStride, b, bStride, rowBlocks, colBlocks, depth, colLimitOffset) => {
    for (let ib = 0; ib < rowBlocks; ib++) {
      const jEnd = Math.min(colBlocks, ib + colLimitOffset);
      for (let jb = 0; jb < jEnd; jb++) {
        const acc = new Float64Array(16);
        const pa0 = a + ib * aStride;
        const pb0 = b + jb * bStride;
        for (let k = 0; k < depth; k++) {
          for (let r = 0; r < 4; r++) {
            const av = f[pa0 + 4 * k + r];
            for (let s = 0; s < 4; s++) acc[r * 4 + s] += av * f[pb0 + 4 * k + s];
          }
        }
        const pc = c + 4 * ib * ldc + 4 * jb;
        for (let r = 0; r < 4; r++) for (let s = 0; s < 4; s++) f[pc + r * ldc + s] -= acc[r * 4 + s];
      }
    }
  };
}

export interface SpdFactorReport {
  /** Diagonal jitter added to make the factorization succeed (0 when none was needed). */
  jitter: number;
  /** ‖Zw − 1‖/√n of the last forward solve, after refinement. */
  residual: number;
}

/**
 * Z = exp(−t·‖x_i − x_j‖) of n points in `dim` dimensions, factored as L·Lᵀ in Float64. Call
 * `factor` with new coordinates each training step; `solve` then costs O(n²) per right-hand side.
 */
export class SimilarityFactor {
  private workspace: WasmWorkspace | null = null;
  private f: Float64Array = new Float64Array(0);
  private gemm: GemmNt = jsGemm(this.f);
  private np = 0;
  private packOff = 0;
  private n = 0;
  private operator: KernelOperator | null = null;
  jitter = 0;

  constructor(private readonly useWasm = true) {}

  private ensure(n: number): void {
    const np = (n + 3) & ~3;
    if (np === this.np && this.f.length > 0) return;
    const total = np * np + np * PANEL;
    this.workspace = this.useWasm ? createWasmWorkspace(total) : null;
    this.f = this.workspace ? this.workspace.f64 : new Float64Array(total);
    this.gemm = this.workspace ? this.workspace.gemmNt : jsGemm(this.f);
    this.np = np;
    this.packOff = np * np;
  }

  /** Factors Z of the points (row-major n × dim) at scale t. Returns the jitter used. */
  factor(coords: Float64Array, n: number, dim: number, t: number): number {
    if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
    this.ensure(n);
    this.n = n;
    this.operator = new KernelOperator(pointSpace({ n, dim, data: coords }), t, this.useWasm);
    let jitter = 0;
    for (let attempt = 0; attempt < 8; attempt++) {
      this.fill(coords, n, dim, t);
      if (jitter > 0) for (let i = 0; i < n; i++) this.f[i * this.np + i] += jitter;
      if (this.factorBlocked(8 * EPS)) {
        this.jitter = jitter;
        return jitter;
      }
      jitter = jitter === 0 ? 64 * EPS : jitter * 100;
    }
    throw new Error(`the similarity matrix could not be factored even with diagonal jitter ${jitter.toExponential(1)}: the points coincide`);
  }

  /** Solves Z x = b: returns x, refined against the exact Z (the factor may carry jitter). */
  solve(b: Float64Array, maxRefinements = 2): { x: Float64Array; residual: number } {
    const n = this.n;
    const x = Float64Array.from(b);
    this.solveFactored(x);
    const zx = new Float64Array(n);
    const op = this.operator!;
    let bNorm = 0;
    for (let i = 0; i < n; i++) bNorm += b[i] * b[i];
    bNorm = Math.sqrt(bNorm / Math.max(1, n)) || 1;
    const residualOf = (): number => {
      op.apply(x, zx);
      let s = 0;
      for (let i = 0; i < n; i++) s += (b[i] - zx[i]) ** 2;
      return Math.sqrt(s / Math.max(1, n)) / bNorm;
    };
    let residual = residualOf();
    const correction = new Float64Array(n);
    for (let step = 0; step < maxRefinements && residual > 1e-12; step++) {
      for (let i = 0; i < n; i++) correction[i] = b[i] - zx[i];
      this.solveFactored(correction);
      const previous = Float64Array.from(x);
      for (let i = 0; i < n; i++) x[i] += correction[i];
      const next = residualOf();
      if (!(next < residual)) {
        x.set(previous);
        op.apply(x, zx);
        break;
      }
      residual = next;
    }
    return { x, residual };
  }

  /** Writes Z's lower triangle (and the identity on the padding rows). */
  private fill(coords: Float64Array, n: number, dim: number, t: number): void {
    const { f, np, workspace } = this;
    for (let i = 0; i < n; i++) {
      const row = i * np;
      const xi = i * dim;
      for (let j = 0; j < i; j++) {
        const xj = j * dim;
        let s = 0;
        for (let k = 0; k < dim; k++) {
          const d = coords[xi + k] - coords[xj + k];
          s += d * d;
        }
        f[row + j] = Math.sqrt(s);
      }
      let j = row;
      if (workspace) {
        workspace.expScaled(row, i >> 1, -t);
        j += i & ~1;
      }
      for (; j < row + i; j++) f[j] = Math.exp(-t * f[j]);
      f[row + i] = 1;
    }
    for (let i = n; i < np; i++) {
      f.fill(0, i * np, i * np + i);
      f[i * np + i] = 1;
    }
  }

  /** Blocked in-place Cholesky of the lower triangle; false when a pivot fails. */
  private factorBlocked(minPivot: number): boolean {
    const { np, packOff, gemm } = this;
    const ld = np;
    const packStride = PANEL * 4;
    const invDiag = new Float64Array(STRIP);
    for (let k0 = 0; k0 < np; k0 += PANEL) {
      const kb = Math.min(PANEL, np - k0);
      for (let j0 = k0; j0 < k0 + kb; j0 += STRIP) {
        const width = Math.min(STRIP, k0 + kb - j0);
        if (j0 > k0) {
          // Columns k0 … j0 of this panel, already factored and packed, applied to the strip.
          const pa = packOff + ((j0 - k0) >> 2) * packStride;
          gemm(j0 * ld + j0, ld, pa, packStride, pa, packStride, (np - j0) >> 2, width >> 2, j0 - k0, 1);
        }
        if (!this.factorStrip(k0, j0, width, minPivot, invDiag)) return false;
      }
      // The trailing update by the whole panel, in column chunks that stay in cache.
      for (let jc = k0 + kb; jc < np; jc += COLUMN_CHUNK) {
        const cb = Math.min(COLUMN_CHUNK, np - jc);
        const pa = packOff + ((jc - k0) >> 2) * packStride;
        gemm(jc * ld + jc, ld, pa, packStride, pa, packStride, (np - jc) >> 2, cb >> 2, kb, 1);
      }
    }
    return true;
  }

  /** Columns [j0, j0 + width) of rows [j0, np), left-looking inside the strip, then packed. */
  private factorStrip(k0: number, j0: number, width: number, minPivot: number, invDiag: Float64Array): boolean {
    const { f, np, packOff } = this;
    const ld = np;
    const jLast = j0 + width;
    for (let i = j0; i < np; i++) {
      const row = i * ld;
      const jEnd = Math.min(i + 1, jLast);
      for (let j = j0; j < jEnd; j++) {
        let s = f[row + j];
        const rowJ = j * ld;
        for (let k = j0; k < j; k++) s -= f[row + k] * f[rowJ + k];
        if (j === i) {
          if (!(s > minPivot)) return false;
          const d = Math.sqrt(s);
          f[row + j] = d;
          invDiag[j - j0] = 1 / d;
        } else {
          f[row + j] = s * invDiag[j - j0];
        }
      }
      const packed = packOff + ((i - k0) >> 2) * PANEL * 4 + (i & 3);
      for (let j = j0; j < jLast; j++) f[packed + 4 * (j - k0)] = j <= i ? f[row + j] : 0;
    }
    return true;
  }

  /** L Lᵀ x = b in place. */
  private solveFactored(x: Float64Array): void {
    const { f, np, n } = this;
    for (let i = 0; i < n; i++) {
      const row = i * np;
      let s = x[i];
      for (let k = 0; k < i; k++) s -= f[row + k] * x[k];
      x[i] = s / f[row + i];
    }
    for (let i = n - 1; i >= 0; i--) {
      const row = i * np;
      const xi = x[i] / f[row + i];
      x[i] = xi;
      for (let k = 0; k < i; k++) x[k] -= f[row + k] * xi;
    }
  }
}

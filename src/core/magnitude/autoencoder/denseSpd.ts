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
// The factorization is `DenseCholesky` of `../cholesky.ts` (blocked, WebAssembly SIMD, threaded
// in Node for large n), with its jitter schedule. The workspace is kept between calls of the same
// size, so a training run allocates it once.

import { DenseCholesky } from '../cholesky';
import { KernelOperator } from '../operator';
import { distanceOracle, pointSpace } from '../metrics';

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
  private dense: DenseCholesky | null = null;
  private n = 0;
  private operator: KernelOperator | null = null;
  jitter = 0;

  constructor(private readonly useWasm = true) {}

  /** Threads the last factorization ran on (worker threads in Node for large n). */
  get threads(): number {
    return this.dense?.threadsUsed ?? 1;
  }

  /** Factors Z of the points (row-major n × dim) at scale t. Returns the jitter used. */
  factor(coords: Float64Array, n: number, dim: number, t: number): number {
    if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
    if (!this.dense || this.dense.n !== n) this.dense = new DenseCholesky(n, { useWasm: this.useWasm });
    this.n = n;
    const space = pointSpace({ n, dim, data: coords });
    this.operator = new KernelOperator(space, t, this.useWasm);
    const report = this.dense.factorKernel(distanceOracle(space), t, 8);
    if (report.indefinite) throw new Error('the similarity matrix could not be factored even with diagonal jitter: the points coincide');
    this.jitter = report.jitter;
    return report.jitter;
  }

  /** Solves Z x = b: returns x, refined against the exact Z (the factor may carry jitter). */
  solve(b: Float64Array, maxRefinements = 2): { x: Float64Array; residual: number } {
    const n = this.n;
    const x = Float64Array.from(b);
    this.dense!.solve(x);
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
      this.dense!.solve(correction);
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
}

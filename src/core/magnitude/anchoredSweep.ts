// Dense solves along a sweep over t: Z is factored at a few anchor scales only, and the scales
// between are solved by CG preconditioned with the latest anchor's Cholesky factor, warm-started
// from the previous weights.
//
// Why it works: Z(t) and Z(t') of nearby scales are spectrally close. For the exponential kernel
// in d dimensions the ratio of their spectra lies between (t'/t)^((d+1)/2)·… and t/t' (Fourier
// transform ∝ t/(t² + |ω|²)^((d+1)/2)), so L⁻¹Z(t)L⁻ᵀ with L Lᵀ = Z(t') has a condition number
// of a few when t/t' is within ~2, and CG gains its digits in a handful of iterations. Each
// iteration is one matrix-free product with Z(t) (n²/2 exponentials) and two triangular solves
// (n² multiply-adds), against n³/3 for a factorization.
//
// Adaptive anchors: the iteration budget is what makes PCG cheaper than refactoring (from n, see
// `iterationBudget`); when the convergence rate measured over the first iterations projects past
// it, or PCG misses the tolerance within it, the scale is factored and becomes the new anchor.
// Every result meets the requested tolerance on ‖Zw − 1‖/√n against the exact Z, or is an exact
// factorization (refined to rounding).

import { DenseCholesky, weightingFromFactor, type CholeskyOptions } from './cholesky';
import { distanceOracle, spaceSize, type MetricSpace } from './metrics';
import { KernelOperator } from './operator';
import { pcgOnes, type LinearOperator, type Preconditioner } from './pcg';
import { now, sum, type WeightingResult } from './types';

export interface AnchoredSolveOptions {
  /** ‖Zw − 1‖/√n the preconditioned solves must reach. Default 1e-10. */
  tol?: number;
  /** PCG iterations allowed before refactoring (default from n: see iterationBudget). */
  maxIterations?: number;
  cholesky?: CholeskyOptions;
}

/** How one scale of the sweep was served. */
export type AnchoredResult = WeightingResult & {
  /** 'factor': Z(t) factored (a new anchor); 'pcg': CG preconditioned by the anchor's factor. */
  method: 'factor' | 'pcg';
  /** The anchor scale whose factor served (t itself for 'factor'). */
  anchor: number;
  /** PCG iterations spent and then abandoned before refactoring at this scale. */
  abandonedIterations: number;
};

/**
 * PCG iterations that cost about half a factorization: a factorization is ~n³/3 multiply-adds at
 * the SIMD kernel's rate, an iteration ~n²/2 exponentials plus n² scalar multiply-adds; on the
 * reference machine one iteration is worth ~n/60 of the factorization's multiply-adds per row.
 */
export function iterationBudget(n: number): number {
  return Math.max(6, Math.min(60, Math.round(n / 120)));
}

/** Largest n for which Z(t) is stored beside the factor (two n² buffers: 1 GiB at 8000). */
const STORED_Z_MAX_N = 8000;

/** Iterations seen before the convergence rate is trusted for the abandon decision. */
const RATE_WINDOW = 3;

export class AnchoredDenseSolver {
  private dense: DenseCholesky | null = null;
  private stored: DenseCholesky | null = null;
  private anchor: number | null = null;
  readonly n: number;
  private readonly tol: number;
  private readonly budget: number;
  /** Scales factored so far. */
  factorizations = 0;

  constructor(private readonly space: MetricSpace, private readonly options: AnchoredSolveOptions = {}) {
    this.n = spaceSize(space);
    this.tol = options.tol ?? 1e-10;
    this.budget = options.maxIterations ?? iterationBudget(this.n);
  }

  /**
   * Z(t) for the products: stored once per scale (n²/2 exponentials, then each product is a
   * SIMD pass over memory) while a second n² buffer fits, else matrix-free.
   */
  private operatorAt(t: number): LinearOperator {
    if (this.n <= STORED_Z_MAX_N) {
      this.stored ??= new DenseCholesky(this.n, { ...this.options.cholesky, threads: 1, blockSize: 8 });
      const stored = this.stored;
      stored.fillKernel(distanceOracle(this.space), t);
      return { n: this.n, apply: (v, out) => stored.symmetricProduct(v, out) };
    }
    return new KernelOperator(this.space, t, this.options.cholesky?.useWasm !== false);
  }

  solve(t: number, initial?: Float64Array): AnchoredResult {
    const start = now();
    let abandoned = 0;
    let abandonNote = '';
    if (this.anchor !== null && this.dense) {
      const dense = this.dense;
      const anchor = this.anchor;
      const preconditioner: Preconditioner = {
        name: `Cholesky factor at t = ${anchor.toPrecision(4)}`,
        apply: (r, z) => {
          z.set(r);
          dense.solve(z);
        },
      };
      let first = 0;
      let projectedPastBudget = false;
      const result = pcgOnes(this.operatorAt(t), preconditioner, {
        tol: this.tol,
        maxIterations: this.budget,
        initial,
        onIteration: (iteration, residual) => {
          if (iteration === 1) first = residual;
          if (iteration > RATE_WINDOW && residual > this.tol && first > 0) {
            const rate = (residual / first) ** (1 / (iteration - 1));
            const projected = rate < 1 ? iteration + Math.log(this.tol / residual) / Math.log(rate) : Infinity;
            if (projected > this.budget) {
              projectedPastBudget = true;
              return false;
            }
          }
          return true;
        },
      });
      if (result.converged) {
        return {
          weights: result.x,
          magnitude: sum(result.x),
          magnitudeEstimate: result.galerkinMagnitude,
          residual: result.residual,
          solver: 'cholesky',
          iterations: result.iterations,
          converged: true,
          seconds: now() - start,
          notes: [`solved by CG preconditioned with the Cholesky factor at t = ${anchor.toPrecision(4)} (${result.iterations} iterations)`],
          method: 'pcg',
          anchor,
          abandonedIterations: 0,
        };
      }
      abandoned = result.iterations;
      abandonNote = `CG preconditioned with the factor at t = ${anchor.toPrecision(4)} ${projectedPastBudget ? 'was projected to need' : 'did not converge in'} more than ${this.budget} iterations (stopped after ${abandoned}), so Z was factored here`;
    }
    this.dense ??= new DenseCholesky(this.n, this.options.cholesky);
    const report = this.dense.factorKernel(distanceOracle(this.space), t);
    this.factorizations++;
    const result = weightingFromFactor(this.space, t, this.dense, report, this.options.cholesky, start);
    // An indefinite Z was solved by LU in the same memory: no factor to precondition with.
    this.anchor = report.indefinite ? null : t;
    if (abandonNote) result.notes.unshift(abandonNote);
    return { ...result, iterations: abandoned > 0 ? abandoned : undefined, method: 'factor', anchor: t, abandonedIterations: abandoned };
  }
}

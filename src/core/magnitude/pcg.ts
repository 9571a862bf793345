// Preconditioned conjugate gradient for Z w = 1, shared by the matrix-free and sparse solvers.
// Convergence is judged on ‖Zw − 1‖/√n, the residual every solver reports, and confirmed on a
// freshly computed residual (the recurrence drifts in finite precision): if the true residual
// misses the tolerance, CG restarts from the current iterate.

export interface LinearOperator {
  readonly n: number;
  apply(v: Float64Array, out: Float64Array): void;
}

export interface Preconditioner {
  readonly name: string;
  /** z = M⁻¹ r. */
  apply(r: Float64Array, z: Float64Array): void;
}

export const identityPreconditioner: Preconditioner = {
  name: 'none',
  apply: (r, z) => z.set(r),
};

export interface PcgOptions {
  tol: number;
  maxIterations: number;
  initial?: Float64Array;
  /** Called after each iteration with the recurrence residual; return false to stop early. */
  onIteration?: (iteration: number, residual: number) => boolean | void;
}

export interface PcgResult {
  x: Float64Array;
  iterations: number;
  converged: boolean;
  /** True residual ‖A x − 1‖/√n, computed afresh at the end. */
  residual: number;
  /** A·x, from the final residual check (callers reuse it). */
  ax: Float64Array;
  /**
   * 2·Σx − xᵀAx, the Galerkin (energy) estimate of 1ᵀA⁻¹1: its error is exactly ‖x − x*‖²_A ≥ 0,
   * second order in the residual, where Σx errs to first order (after a warm start, which breaks
   * CG's orthogonality xᵀr = 0). A sweep that needs Mag rather than w can stop CG earlier.
   */
  galerkinMagnitude: number;
  notes: string[];
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

const MAX_RESTARTS = 3;

/** Solves A x = 1 (the all-ones right-hand side of the weighting equation). */
export function pcgOnes(op: LinearOperator, preconditioner: Preconditioner, options: PcgOptions): PcgResult {
  const n = op.n;
  const notes: string[] = [];
  const x = new Float64Array(n);
  if (options.initial && options.initial.length === n) x.set(options.initial);
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const ax = new Float64Array(n);
  const sqrtN = Math.sqrt(Math.max(1, n));
  let iterations = 0;
  let residual = Infinity;
  let converged = false;

  const trueResidual = (): number => {
    op.apply(x, ax);
    let s = 0;
    for (let i = 0; i < n; i++) {
      r[i] = 1 - ax[i];
      s += r[i] * r[i];
    }
    return Math.sqrt(s) / sqrtN;
  };

  let fresh = false;
  for (let restart = 0; restart <= MAX_RESTARTS; restart++) {
    residual = trueResidual();
    fresh = true;
    if (restart === 0 && options.initial) {
      // Rescale a warm start to its Galerkin-optimal multiple α = xᵀ1 / xᵀZx (free: Zx is at
      // hand). Weights at a neighbouring scale have roughly the right shape but the wrong size.
      let xb = 0;
      let xax = 0;
      for (let i = 0; i < n; i++) {
        xb += x[i];
        xax += x[i] * ax[i];
      }
      if (xax > 0 && Number.isFinite(xb / xax)) {
        const alpha = xb / xax;
        let s = 0;
        for (let i = 0; i < n; i++) {
          x[i] *= alpha;
          ax[i] *= alpha;
          r[i] = 1 - ax[i];
          s += r[i] * r[i];
        }
        residual = Math.sqrt(s) / sqrtN;
      }
    }
    if (residual <= options.tol) {
      converged = true;
      break;
    }
    if (iterations >= options.maxIterations) break;
    preconditioner.apply(r, z);
    p.set(z);
    let rz = dot(r, z);
    let recurrenceConverged = false;
    let stop = false;
    while (iterations < options.maxIterations) {
      op.apply(p, q);
      const pq = dot(p, q);
      if (!(pq > 0) || !(rz > 0)) {
        notes.push(`CG broke down at iteration ${iterations} (pᵀZp = ${pq.toExponential(2)}): Z is not numerically positive definite here.`);
        stop = true;
        break;
      }
      const alpha = rz / pq;
      let rr = 0;
      for (let i = 0; i < n; i++) {
        x[i] += alpha * p[i];
        r[i] -= alpha * q[i];
        rr += r[i] * r[i];
      }
      fresh = false;
      iterations++;
      const recurrence = Math.sqrt(rr) / sqrtN;
      if (options.onIteration?.(iterations, recurrence) === false) {
        notes.push(`CG stopped by the caller after ${iterations} iterations.`);
        stop = true;
        break;
      }
      if (recurrence <= options.tol) {
        recurrenceConverged = true;
        break;
      }
      preconditioner.apply(r, z);
      const rzNext = dot(r, z);
      const beta = rzNext / rz;
      rz = rzNext;
      for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
    }
    if (stop || !recurrenceConverged) break;
  }
  if (!fresh) {
    residual = trueResidual();
    converged = residual <= options.tol;
  }
  if (!converged && notes.length === 0) {
    notes.push(`CG did not converge: after ${iterations} iterations the residual ‖Zw − 1‖/√n is ${residual.toExponential(2)}, above the tolerance ${options.tol.toExponential(1)}.`);
  }
  let sx = 0;
  let xax = 0;
  for (let i = 0; i < n; i++) {
    sx += x[i];
    xax += x[i] * ax[i];
  }
  return { x, iterations, converged, residual, ax, notes, galerkinMagnitude: 2 * sx - xax };
}

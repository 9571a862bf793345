// The entropic semi-dual of optimal transport (Cuturi & Peyré 2016), the Legendre transform
// of b ↦ OT_ε(a, b) where OT_ε(a, b) = min_P ⟨P, C⟩ + ε Σ P (log P − 1) over plans with
// marginals a and b:
//
//   OT*_ε(a, g) = −ε ⟨a, log(a / (K e^{g/ε})) − 1⟩,   ∇_g OT*_ε = e^{g/ε} ⊙ Kᵀ(a / (K e^{g/ε})).
//
// The gradient is the b that attains the maximum in max_b ⟨g, b⟩ − OT_ε(a, b): a histogram
// with the mass of a. Both are computed in the log domain, since e^{g/ε} overflows for small ε.

import type { GibbsKernel } from './kernel';
import { TRUSTED_SUM } from './kernel';

/** Value and gradient of the semi-dual, with reusable scratch storage for one kernel. */
export class EntropicSemiDual {
  private shifted = new Float64Array(0);
  private sums = new Float64Array(0);
  private ratios = new Float64Array(0);
  private back = new Float64Array(0);
  private shifts = new Float64Array(0);
  private columnA = new Float64Array(0);
  private columnG = new Float64Array(0);
  private columnLogKg = new Float64Array(0);
  private columnWork = new Float64Array(0);

  /** Σ_i a_i (1 − log a_i) and Σ_i a_i per column of a marginal given to `fixMarginal`. */
  private fixed: { a: Float64Array; columns: number; entropy: Float64Array; mass: Float64Array } | null = null;

  constructor(readonly kernel: GibbsKernel) {}

  /**
   * Declares that the following evaluations take this very `a` (same array, same columns, never
   * modified): its entropy terms are then computed once here instead of at every evaluation.
   */
  fixMarginal(a: Float64Array, columns = 1): void {
    const m = this.kernel.size;
    if (a.length < m * columns) throw new RangeError(`a must hold ${m} × ${columns} numbers`);
    const entropy = new Float64Array(columns);
    const mass = new Float64Array(columns);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < columns; c++) {
        const v = a[i * columns + c];
        if (v > 0) {
          entropy[c] += v * (1 - Math.log(v));
          mass[c] += v;
        }
      }
    }
    this.fixed = { a, columns, entropy, mass };
  }

  /**
   * Σ over columns of OT*_ε(a_c, g_c), for size × columns matrices a (histograms, zeros
   * allowed) and g (potentials), row-major. Writes the gradient into `grad` when given.
   *
   * log(K e^{g/ε}) is a log-sum-exp computed as log(K e^{g/ε − s}) + s with s the column's
   * largest g/ε, so nothing overflows, and the gradient follows as
   * e^{g/ε − s} ⊙ Kᵀ(a / K e^{g/ε − s}) with no further exponentials. A column whose shifted
   * sums are too small to trust where a > 0 (below `TRUSTED_SUM`: terms may have underflowed)
   * is redone with the kernel's log-domain methods.
   */
  evaluate(a: Float64Array, g: Float64Array, grad: Float64Array | null, columns = 1): number {
    const { kernel } = this;
    const epsilon = kernel.epsilon;
    const m = kernel.size;
    const n = m * columns;
    if (a.length < n || g.length < n) throw new RangeError(`a and g must hold ${m} × ${columns} numbers`);
    this.reserve(m, columns);
    const { shifted, sums, ratios, back, shifts } = this;

    const inverseEpsilon = 1 / epsilon;
    shifts.fill(-Infinity, 0, columns);
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < columns; c++) {
        const v = g[i * columns + c] * inverseEpsilon;
        if (v > shifts[c]) shifts[c] = v;
      }
    }
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < columns; c++) {
        // An all −Infinity column gets zeros here, and the log-domain fallback below.
        const shift = shifts[c];
        shifted[i * columns + c] = shift === -Infinity ? 0 : Math.exp(g[i * columns + c] * inverseEpsilon - shift);
      }
    }
    kernel.apply(shifted, sums, columns);

    // ε Σ a (log(K e^{g/ε}) − log a + 1), with 0 · log 0 = 0; and a / (K e^{g/ε − s}).
    const perColumn = new Float64Array(columns);
    const trusted = new Uint8Array(columns).fill(1);
    const fixed = this.fixed !== null && this.fixed.a === a && this.fixed.columns === columns ? this.fixed : null;
    if (fixed) {
      // The terms in a alone were summed once, in fixMarginal: only log(K e^{g/ε − s}) remains.
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < columns; c++) {
          const t = i * columns + c;
          const mass = a[t];
          if (mass > 0) {
            const sum = sums[t];
            if (!(sum >= TRUSTED_SUM)) trusted[c] = 0;
            perColumn[c] += mass * Math.log(sum);
            ratios[t] = mass / sum;
          } else {
            ratios[t] = 0;
          }
        }
      }
      for (let c = 0; c < columns; c++) perColumn[c] += fixed.entropy[c] + fixed.mass[c] * shifts[c];
    } else {
      for (let i = 0; i < m; i++) {
        for (let c = 0; c < columns; c++) {
          const t = i * columns + c;
          const mass = a[t];
          if (mass > 0) {
            const sum = sums[t];
            if (!(sum >= TRUSTED_SUM)) trusted[c] = 0;
            perColumn[c] += mass * (Math.log(sum) - Math.log(mass) + shifts[c] + 1);
            ratios[t] = mass / sum;
          } else {
            ratios[t] = 0;
          }
        }
      }
    }
    if (grad !== null) {
      kernel.applyT(ratios, back, columns);
      for (let t = 0; t < n; t++) grad[t] = shifted[t] * back[t];
    }
    let value = 0;
    for (let c = 0; c < columns; c++) {
      value += trusted[c] === 1 ? perColumn[c] : this.evaluateColumnInLogDomain(a, g, grad, c, columns);
    }
    return epsilon * value;
  }

  /** Column c of the semi-dual (divided by ε) by the kernel's log-domain methods. */
  private evaluateColumnInLogDomain(
    a: Float64Array,
    g: Float64Array,
    grad: Float64Array | null,
    c: number,
    columns: number,
  ): number {
    const { kernel, columnA, columnG, columnLogKg, columnWork } = this;
    const epsilon = kernel.epsilon;
    const m = kernel.size;
    for (let i = 0; i < m; i++) {
      columnA[i] = a[i * columns + c];
      columnG[i] = g[i * columns + c] / epsilon;
    }
    kernel.logApply(columnG, columnLogKg);
    let value = 0;
    for (let i = 0; i < m; i++) {
      const mass = columnA[i];
      if (mass > 0) value += mass * (columnLogKg[i] - Math.log(mass) + 1);
    }
    if (grad !== null) {
      // log ∇_j = g_j/ε + log Σ_i K_ij exp(log a_i − log(K e^{g/ε})_i)
      for (let i = 0; i < m; i++) columnLogKg[i] = columnA[i] > 0 ? Math.log(columnA[i]) - columnLogKg[i] : -Infinity;
      kernel.logApplyT(columnLogKg, columnWork);
      for (let i = 0; i < m; i++) grad[i * columns + c] = Math.exp(columnG[i] + columnWork[i]);
    }
    return value;
  }

  private reserve(m: number, columns: number): void {
    const n = m * columns;
    if (this.shifted.length < n) {
      this.shifted = new Float64Array(n);
      this.sums = new Float64Array(n);
      this.ratios = new Float64Array(n);
      this.back = new Float64Array(n);
    }
    if (this.shifts.length < columns) this.shifts = new Float64Array(columns);
    if (this.columnA.length < m) {
      this.columnA = new Float64Array(m);
      this.columnG = new Float64Array(m);
      this.columnLogKg = new Float64Array(m);
      this.columnWork = new Float64Array(m);
    }
  }
}

/** OT*_ε(a, g) summed over columns; writes ∇_g into `grad` when given. */
export function entropicSemiDual(
  kernel: GibbsKernel,
  a: Float64Array,
  g: Float64Array,
  grad: Float64Array | null = null,
  columns = 1,
): number {
  return new EntropicSemiDual(kernel).evaluate(a, g, grad, columns);
}

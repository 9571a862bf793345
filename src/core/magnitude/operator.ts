// Z·v without storing Z: each product recomputes the entries exp(−t·d(i, j)) row by row.
// Symmetry halves the work (each pair is evaluated once and used for both rows); memory is
// O(n). For points, a WebAssembly SIMD kernel does a whole row (distances, exponentials, both
// halves of the update); otherwise JavaScript computes a row of distances and the SIMD exp runs
// on it in place.

import { createWasmWorkspace, type SymmetricRow, type WasmWorkspace } from './wasmKernel';
import { distanceOracle, unitRows, type DistanceOracle, type MetricSpace } from './metrics';

/** The points coordinate-major inside wasm memory, with the row kernel that reads them. */
interface PointKernel {
  row: SymmetricRow;
  dim: number;
  xOffset: number;
  vOffset: number;
  outOffset: number;
}

export class KernelOperator {
  readonly n: number;
  private readonly oracle: DistanceOracle;
  private readonly workspace: WasmWorkspace | null;
  private readonly row: Float64Array;
  private readonly pointKernel: PointKernel | null = null;
  /** Products computed so far (the cost measure of matrix-free solvers). */
  products = 0;

  constructor(space: MetricSpace, readonly t: number, useWasm = true) {
    this.oracle = distanceOracle(space);
    const n = (this.n = this.oracle.n);
    const kernelPoints = space.kind === 'points' ? (space.metric === 'cosine' ? unitRows(space.points) : space.points) : null;
    // Cosine's zero vectors are at distance 0 from each other, which the kernel's 1 − u·v misses.
    const kernelUsable = kernelPoints !== null && !(space.kind === 'points' && space.metric === 'cosine' && hasZeroRow(kernelPoints.data, n, kernelPoints.dim));
    const dim = kernelPoints?.dim ?? 0;
    const xOffset = n + 2;
    const vOffset = xOffset + (kernelUsable ? n * dim : 0);
    const outOffset = vOffset + n;
    this.workspace = useWasm ? createWasmWorkspace(kernelUsable ? outOffset + n : n + 2) : null;
    this.row = this.workspace ? this.workspace.f64.subarray(0, n + 2) : new Float64Array(n + 2);
    if (this.workspace && kernelUsable && kernelPoints && space.kind === 'points') {
      const x = this.workspace.f64;
      for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) x[xOffset + k * n + i] = kernelPoints.data[i * dim + k];
      this.pointKernel = { row: this.workspace.symmetricRow(space.metric, dim), dim, xOffset, vOffset, outOffset };
    }
  }

  /** Writes Z[i, j] for j in [0, i) into the row buffer and returns it. */
  private lowerRow(i: number): Float64Array {
    const row = this.row;
    this.oracle.row(i, 0, i, row, 0);
    let j = 0;
    if (this.workspace) {
      this.workspace.expScaled(0, i >> 1, -this.t);
      j = i & ~1;
    }
    const negT = -this.t;
    for (; j < i; j++) row[j] = Math.exp(negT * row[j]);
    return row;
  }

  /** out = Z·v. */
  apply(v: Float64Array, out: Float64Array): void {
    if (this.pointKernel && this.workspace) {
      this.applyWithPointKernel(v, out, this.pointKernel, this.workspace.f64);
      return;
    }
    const n = this.n;
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const row = this.lowerRow(i);
      const vi = v[i];
      let s = 0;
      for (let j = 0; j < i; j++) {
        const z = row[j];
        s += z * v[j];
        out[j] += z * vi;
      }
      out[i] += s + Math.exp(-this.t * this.oracle.distance(i, i)) * vi;
    }
    this.products++;
  }

  private applyWithPointKernel(v: Float64Array, out: Float64Array, kernel: PointKernel, memory: Float64Array): void {
    const n = this.n;
    const { row, dim, xOffset, vOffset, outOffset } = kernel;
    memory.set(v, vOffset);
    memory.fill(0, outOffset, outOffset + n);
    const negT = -this.t;
    for (let i = 0; i < n; i++) {
      let s = i >= 2 ? row(xOffset, n, dim, i, vOffset, outOffset, negT) : 0;
      if (i & 1) {
        // The kernel handles pairs of columns; an odd row leaves column i − 1 to do here.
        const z = Math.exp(negT * this.oracle.distance(i, i - 1));
        s += z * v[i - 1];
        memory[outOffset + i - 1] += z * v[i];
      }
      memory[outOffset + i] += s + Math.exp(negT * this.oracle.distance(i, i)) * v[i];
    }
    out.set(memory.subarray(outOffset, outOffset + n));
    this.products++;
  }

  /** Column j of Z (used by the pivoted-Cholesky preconditioner). */
  column(j: number, out: Float64Array): void {
    this.oracle.row(j, 0, this.n, out, 0);
    for (let i = 0; i < this.n; i++) out[i] = Math.exp(-this.t * out[i]);
  }

  /** The dense block Z[idx, idx] (row-major, |idx|² entries). */
  block(indices: ArrayLike<number>, out: Float64Array): void {
    const m = indices.length;
    for (let a = 0; a < m; a++) {
      out[a * m + a] = Math.exp(-this.t * this.oracle.distance(indices[a], indices[a]));
      for (let b = 0; b < a; b++) {
        const z = Math.exp(-this.t * this.oracle.distance(indices[a], indices[b]));
        out[a * m + b] = z;
        out[b * m + a] = z;
      }
    }
  }
}

/** ‖r‖₂/√n for r = Z·w − 1, given Z·w. */
export function rmsResidualOf(zw: Float64Array): number {
  let s = 0;
  for (let i = 0; i < zw.length; i++) s += (zw[i] - 1) ** 2;
  return zw.length === 0 ? 0 : Math.sqrt(s / zw.length);
}

function hasZeroRow(data: Float64Array, n: number, dim: number): boolean {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < dim; k++) s += data[i * dim + k] ** 2;
    if (s === 0) return true;
  }
  return false;
}

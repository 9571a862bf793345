// Gibbs kernels K = exp(−C/ε), applied to vectors or to the columns of a matrix.
//
// Every method takes `columns` (default 1): its input and output are then size × columns
// matrices, row-major, and the kernel acts on each column. One vector is the 1-column case.
//
// The log-domain methods compute log(K e^v) exactly to double precision without a log-sum-exp
// per entry on the common path: they shift each column by its maximum, multiply by the stored
// K, and fall back to an exact log-sum-exp only for outputs too small to trust (see
// `TRUSTED_SUM`). Outputs never alias inputs.

import type { CostMatrix } from './cost';
import { imageGridMeanCost } from './cost';
import { createWasmWorkspace, type WasmWorkspace } from '../magnitude/wasmKernel';

export interface GibbsKernel {
  /** The number of bins (K is size × size). */
  readonly size: number;
  readonly epsilon: number;
  /** out = K v */
  apply(v: Float64Array, out: Float64Array, columns?: number): Float64Array;
  /** out = Kᵀ v */
  applyT(v: Float64Array, out: Float64Array, columns?: number): Float64Array;
  /** out = log(K e^{logV}), that is out_i = log Σ_j exp(−C_ij/ε + logV_j). */
  logApply(logV: Float64Array, out: Float64Array, columns?: number): Float64Array;
  /** out = log(Kᵀ e^{logV}) */
  logApplyT(logV: Float64Array, out: Float64Array, columns?: number): Float64Array;
  /**
   * ⟨P, C⟩ for the plan P_ij = exp(logU_i − C_ij/ε + logV_j), one value per column.
   * The plan itself is never formed.
   */
  planCost(logU: Float64Array, logV: Float64Array, columns?: number): Float64Array;
}

/**
 * Below this a shifted sum may have lost terms to underflow (each dropped term is below the
 * smallest normal double, 2.2e-308), so the exact log-sum-exp is used instead. Above it the
 * dropped terms change the result by less than 1e-58 relatively.
 */
export const TRUSTED_SUM = 1e-250;

/** Per-column maxima of a size × columns matrix (−Infinity for an all −Infinity column). */
function columnMaxima(logV: Float64Array, size: number, columns: number, out: Float64Array): void {
  out.fill(-Infinity, 0, columns);
  for (let i = 0; i < size; i++) {
    const row = i * columns;
    for (let c = 0; c < columns; c++) {
      const v = logV[row + c];
      if (v > out[c]) out[c] = v;
    }
  }
}

/** e^{logV − shift}, column by column, into `out`; columns with shift −Infinity become 0. */
function shiftedExp(logV: Float64Array, shift: Float64Array, size: number, columns: number, out: Float64Array): void {
  for (let i = 0; i < size; i++) {
    const row = i * columns;
    for (let c = 0; c < columns; c++) {
      const s = shift[c];
      out[row + c] = s === -Infinity ? 0 : Math.exp(logV[row + c] - s);
    }
  }
}

function checkShape(name: string, array: Float64Array, size: number, columns: number): void {
  if (!Number.isInteger(columns) || columns < 1) throw new RangeError(`columns must be a positive integer, got ${columns}`);
  if (array.length < size * columns) {
    throw new RangeError(`${name} holds ${array.length} numbers; ${size} × ${columns} needed`);
  }
}

/** Grows-only scratch storage, so repeated calls do not allocate. */
class Scratch {
  private buffers: Float64Array[] = [];
  get(index: number, length: number): Float64Array {
    const existing = this.buffers[index];
    if (existing !== undefined && existing.length >= length) return existing;
    const fresh = new Float64Array(length);
    this.buffers[index] = fresh;
    return fresh;
  }
}

/** Largest dense kernel given the SIMD product (two packed copies of K, 8·size² bytes each). */
const WASM_PRODUCT_MAX_SIZE = 2048;

/** A kernel stored as a dense size × size matrix: for any cost, small or medium grids. */
export class DenseGibbsKernel implements GibbsKernel {
  readonly size: number;
  readonly epsilon: number;
  private readonly cost: Float64Array;
  /** −C/ε, for the exact fallback. */
  private readonly logKernel: Float64Array;
  private readonly kernel: Float64Array;
  private readonly scratch = new Scratch();
  /** The SIMD product's memory (see `wasmProduct`); null until first used, false where unavailable. */
  private simd: { ws: WasmWorkspace; columns: number; packed: [boolean, boolean] } | null | false = null;

  constructor(cost: CostMatrix, epsilon: number) {
    if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
    this.size = cost.size;
    this.epsilon = epsilon;
    this.cost = cost.values;
    const n = cost.values.length;
    this.logKernel = new Float64Array(n);
    this.kernel = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      this.logKernel[i] = -cost.values[i] / epsilon;
      this.kernel[i] = Math.exp(this.logKernel[i]);
    }
  }

  apply(v: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.multiply(v, out, columns, false);
  }

  applyT(v: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.multiply(v, out, columns, true);
  }

  logApply(logV: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.logMultiply(logV, out, columns, false);
  }

  logApplyT(logV: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.logMultiply(logV, out, columns, true);
  }

  planCost(logU: Float64Array, logV: Float64Array, columns = 1): Float64Array {
    const m = this.size;
    checkShape('logU', logU, m, columns);
    checkShape('logV', logV, m, columns);
    const totals = new Float64Array(columns);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < m; j++) {
        const cost = this.cost[i * m + j];
        if (cost === 0) continue;
        const logK = this.logKernel[i * m + j];
        for (let c = 0; c < columns; c++) {
          totals[c] += cost * Math.exp(logU[i * columns + c] + logK + logV[j * columns + c]);
        }
      }
    }
    return totals;
  }

  private multiply(v: Float64Array, out: Float64Array, columns: number, transpose: boolean): Float64Array {
    const m = this.size;
    checkShape('v', v, m, columns);
    checkShape('out', out, m, columns);
    if (!this.wasmProduct(v, out, columns, transpose)) kernelProduct(this.kernel, m, v, columns, out, transpose, this.scratch.get(3, m * columns));
    return out;
  }

  /**
   * out = K v (or Kᵀ v) by the magnitude solvers' WebAssembly SIMD kernel (C −= A·Bᵀ on packed
   * 4-row panels, ~5× faster than kernelProduct in V8). Each output entry is the same sum over j
   * in the same order as kernelProduct's (two lanes hold two columns, not two halves of one sum;
   * no fused multiply-add), negated twice: the result is bitwise the same. K is packed once per
   * direction; v is packed per call. Returns false where WebAssembly SIMD is unavailable or K is
   * too large to keep a packed copy of.
   */
  private wasmProduct(v: Float64Array, out: Float64Array, columns: number, transpose: boolean): boolean {
    const m = this.size;
    if (this.simd === false || m > WASM_PRODUCT_MAX_SIZE) return false;
    const mp = 4 * Math.ceil(m / 4);
    const cp = 4 * Math.ceil(columns / 4);
    if (this.simd === null || this.simd.columns < cp) {
      const ws = createWasmWorkspace(2 * mp * m + cp * m + mp * cp);
      if (!ws) {
        this.simd = false;
        return false;
      }
      this.simd = { ws, columns: cp, packed: [false, false] };
    }
    const { ws, packed } = this.simd;
    const f = ws.f64;
    const kOffset = transpose ? mp * m : 0;
    const vOffset = 2 * mp * m;
    const cOffset = vOffset + this.simd.columns * m;
    const side = transpose ? 1 : 0;
    if (!packed[side]) {
      // Block b holds entry (row 4b + r, j) at 4m·b + 4j + r; rows past m are zero.
      const kernel = this.kernel;
      for (let row = 0; row < mp; row++) {
        const base = kOffset + (row >> 2) * 4 * m + (row & 3);
        for (let j = 0; j < m; j++) f[base + 4 * j] = row < m ? kernel[transpose ? j * m + row : row * m + j] : 0;
      }
      packed[side] = true;
    }
    for (let col = 0; col < cp; col++) {
      const base = vOffset + (col >> 2) * 4 * m + (col & 3);
      if (col < columns) for (let j = 0; j < m; j++) f[base + 4 * j] = v[j * columns + col];
      else for (let j = 0; j < m; j++) f[base + 4 * j] = 0;
    }
    f.fill(0, cOffset, cOffset + mp * cp);
    ws.gemmNt(cOffset, cp, kOffset, 4 * m, vOffset, 4 * m, mp >> 2, cp >> 2, m, cp >> 2);
    // C = 0 − Σ, so 0 − C is Σ exactly (and +0, never −0, for an empty sum).
    for (let r = 0; r < m; r++) {
      const row = cOffset + r * cp;
      const o = r * columns;
      for (let c = 0; c < columns; c++) out[o + c] = 0 - f[row + c];
    }
    return true;
  }

  private logMultiply(logV: Float64Array, out: Float64Array, columns: number, transpose: boolean): Float64Array {
    const m = this.size;
    checkShape('logV', logV, m, columns);
    checkShape('out', out, m, columns);
    const shift = this.scratch.get(0, columns);
    const shifted = this.scratch.get(1, m * columns);
    const sums = this.scratch.get(2, m * columns);
    columnMaxima(logV, m, columns, shift);
    shiftedExp(logV, shift, m, columns, shifted);
    if (!this.wasmProduct(shifted, sums, columns, transpose)) kernelProduct(this.kernel, m, shifted, columns, sums, transpose, this.scratch.get(3, m * columns));
    for (let i = 0; i < m; i++) {
      for (let c = 0; c < columns; c++) {
        const k = i * columns + c;
        const s = sums[k];
        if (s >= TRUSTED_SUM) out[k] = Math.log(s) + shift[c];
        else if (shift[c] === -Infinity) out[k] = -Infinity;
        else out[k] = this.exactLogEntry(logV, i, c, columns, transpose);
      }
    }
    return out;
  }

  /** log Σ_j exp(logK_ij + logV_j) (or with logK_ji), by a plain two-pass log-sum-exp. */
  private exactLogEntry(logV: Float64Array, i: number, c: number, columns: number, transpose: boolean): number {
    const m = this.size;
    const stride = transpose ? m : 1;
    const start = transpose ? i : i * m;
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      const t = this.logKernel[start + j * stride] + logV[j * columns + c];
      if (t > max) max = t;
    }
    if (max === -Infinity) return -Infinity;
    let sum = 0;
    for (let j = 0; j < m; j++) sum += Math.exp(this.logKernel[start + j * stride] + logV[j * columns + c] - max);
    return max + Math.log(sum);
  }
}

/**
 * out = K v (or Kᵀ v) for a size × size row-major K and size × columns v. v is first copied
 * column-major into `vByColumn`, so each 4-row × 2-column tile of the output is eight dot
 * products held in registers: about 1.6× faster in V8 than updating rows of out in place.
 */
function kernelProduct(
  kernel: Float64Array,
  m: number,
  v: Float64Array,
  columns: number,
  out: Float64Array,
  transpose: boolean,
  vByColumn: Float64Array,
): void {
  for (let j = 0; j < m; j++) {
    for (let c = 0; c < columns; c++) vByColumn[c * m + j] = v[j * columns + c];
  }
  // Entry (r, j) of the matrix being applied is kernel[r * rowStride + j * entryStride].
  const rowStride = transpose ? 1 : m;
  const entryStride = transpose ? m : 1;
  let r = 0;
  for (; r + 3 < m; r += 4) {
    const b0 = r * rowStride;
    const b1 = b0 + rowStride;
    const b2 = b1 + rowStride;
    const b3 = b2 + rowStride;
    const o0 = r * columns;
    const o1 = o0 + columns;
    const o2 = o1 + columns;
    const o3 = o2 + columns;
    let c = 0;
    for (; c + 1 < columns; c += 2) {
      const e0 = c * m;
      const e1 = e0 + m;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let j = 0; j < m; j++) {
        const x0 = vByColumn[e0 + j];
        const x1 = vByColumn[e1 + j];
        const offset = j * entryStride;
        const k0 = kernel[b0 + offset];
        const k1 = kernel[b1 + offset];
        const k2 = kernel[b2 + offset];
        const k3 = kernel[b3 + offset];
        s00 += k0 * x0;
        s01 += k0 * x1;
        s10 += k1 * x0;
        s11 += k1 * x1;
        s20 += k2 * x0;
        s21 += k2 * x1;
        s30 += k3 * x0;
        s31 += k3 * x1;
      }
      out[o0 + c] = s00;
      out[o0 + c + 1] = s01;
      out[o1 + c] = s10;
      out[o1 + c + 1] = s11;
      out[o2 + c] = s20;
      out[o2 + c + 1] = s21;
      out[o3 + c] = s30;
      out[o3 + c + 1] = s31;
    }
    if (c < columns) {
      const e0 = c * m;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < m; j++) {
        const x = vByColumn[e0 + j];
        const offset = j * entryStride;
        s0 += kernel[b0 + offset] * x;
        s1 += kernel[b1 + offset] * x;
        s2 += kernel[b2 + offset] * x;
        s3 += kernel[b3 + offset] * x;
      }
      out[o0 + c] = s0;
      out[o1 + c] = s1;
      out[o2 + c] = s2;
      out[o3 + c] = s3;
    }
  }
  for (; r < m; r++) {
    const base = r * rowStride;
    for (let c = 0; c < columns; c++) {
      const e = c * m;
      let sum = 0;
      for (let j = 0; j < m; j++) sum += kernel[base + j * entryStride] * vByColumn[e + j];
      out[r * columns + c] = sum;
    }
  }
}

/**
 * out[o] = Σ_i K[o, i] · input[i] for o, i < size, where row i is the `length` numbers at
 * base + i · length (of input, and of out for o). Two outputs meet four inputs at a time, so
 * each loaded input serves two outputs and each output is stored once per four products: in V8
 * about 1.3× faster than a 4 × 2 tiled product of a transposed copy, and no copy.
 */
function combineRows(kernel: Float64Array, size: number, input: Float64Array, out: Float64Array, base: number, length: number): void {
  let o = 0;
  for (; o + 1 < size; o += 2) {
    const d0 = base + o * length;
    const d1 = d0 + length;
    const k0 = o * size;
    const k1 = k0 + size;
    out.fill(0, d0, d1 + length);
    let i = 0;
    for (; i + 3 < size; i += 4) {
      const a0 = kernel[k0 + i];
      const a1 = kernel[k0 + i + 1];
      const a2 = kernel[k0 + i + 2];
      const a3 = kernel[k0 + i + 3];
      const b0 = kernel[k1 + i];
      const b1 = kernel[k1 + i + 1];
      const b2 = kernel[k1 + i + 2];
      const b3 = kernel[k1 + i + 3];
      const s0 = base + i * length;
      const s1 = s0 + length;
      const s2 = s1 + length;
      const s3 = s2 + length;
      for (let t = 0; t < length; t++) {
        const x0 = input[s0 + t];
        const x1 = input[s1 + t];
        const x2 = input[s2 + t];
        const x3 = input[s3 + t];
        out[d0 + t] += a0 * x0 + a1 * x1 + (a2 * x2 + a3 * x3);
        out[d1 + t] += b0 * x0 + b1 * x1 + (b2 * x2 + b3 * x3);
      }
    }
    for (; i < size; i++) {
      const a0 = kernel[k0 + i];
      const b0 = kernel[k1 + i];
      const s0 = base + i * length;
      for (let t = 0; t < length; t++) {
        const x = input[s0 + t];
        out[d0 + t] += a0 * x;
        out[d1 + t] += b0 * x;
      }
    }
  }
  for (; o < size; o++) {
    const d0 = base + o * length;
    const k0 = o * size;
    out.fill(0, d0, d0 + length);
    for (let i = 0; i < size; i++) {
      const a0 = kernel[k0 + i];
      const s0 = base + i * length;
      for (let t = 0; t < length; t++) out[d0 + t] += a0 * input[s0 + t];
    }
  }
}

export interface SeparableKernelOptions {
  /**
   * The cost is ((r − r')² + (c − c')²) / costScale in pixel units. Default: the mean of that
   * numerator over all pixel pairs, so the cost has mean 1 (as `imageGridCost` scaled).
   */
  costScale?: number;
}

/**
 * The kernel of the squared Euclidean cost on a width × height pixel grid, applied as two small
 * 1-D kernels (along rows, then along columns): exp(−((r−r')² + (c−c')²)/(sε)) factors into
 * exp(−(r−r')²/(sε)) · exp(−(c−c')²/(sε)). Memory is O(width² + height²), time per vector
 * O(size · (width + height)); the size × size matrix is never formed. Pixel (r, c) is bin
 * r * width + c. The kernel is symmetric, so the transposed methods equal the plain ones.
 */
export class SeparableGibbsKernel implements GibbsKernel {
  readonly size: number;
  readonly epsilon: number;
  readonly width: number;
  readonly height: number;
  readonly costScale: number;
  private readonly alongWidth: OneDimensionalKernel;
  private readonly alongHeight: OneDimensionalKernel;
  private readonly scratch = new Scratch();

  constructor(width: number, height: number, epsilon: number, options: SeparableKernelOptions = {}) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`image grid must be positive integers, got ${width} × ${height}`);
    }
    if (!(epsilon > 0)) throw new RangeError(`epsilon must be positive, got ${epsilon}`);
    this.width = width;
    this.height = height;
    this.size = width * height;
    this.epsilon = epsilon;
    const meanCost = imageGridMeanCost(width, height);
    this.costScale = options.costScale ?? (meanCost > 0 ? meanCost : 1);
    this.alongWidth = oneDimensionalKernel(width, this.costScale * epsilon);
    this.alongHeight = oneDimensionalKernel(height, this.costScale * epsilon);
  }

  apply(v: Float64Array, out: Float64Array, columns = 1): Float64Array {
    checkShape('v', v, this.size, columns);
    checkShape('out', out, this.size, columns);
    const between = this.scratch.get(0, this.size * columns);
    this.separableProduct(this.alongHeight.kernel, this.alongWidth.kernel, v, between, out, columns);
    return out;
  }

  applyT(v: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.apply(v, out, columns);
  }

  logApply(logV: Float64Array, out: Float64Array, columns = 1): Float64Array {
    const m = this.size;
    checkShape('logV', logV, m, columns);
    checkShape('out', out, m, columns);
    const shift = this.scratch.get(1, columns);
    const shifted = this.scratch.get(2, m * columns);
    const between = this.scratch.get(0, m * columns);
    columnMaxima(logV, m, columns, shift);
    shiftedExp(logV, shift, m, columns, shifted);
    this.separableProduct(this.alongHeight.kernel, this.alongWidth.kernel, shifted, between, out, columns);
    for (let c = 0; c < columns; c++) {
      let trusted = true;
      for (let i = 0; i < m; i++) {
        const k = i * columns + c;
        if (out[k] >= TRUSTED_SUM) out[k] = Math.log(out[k]) + shift[c];
        else if (shift[c] === -Infinity) out[k] = -Infinity;
        else trusted = false;
      }
      if (!trusted) this.exactLogColumn(this.alongHeight.logKernel, this.alongWidth.logKernel, logV, out, c, columns);
    }
    return out;
  }

  logApplyT(logV: Float64Array, out: Float64Array, columns = 1): Float64Array {
    return this.logApply(logV, out, columns);
  }

  planCost(logU: Float64Array, logV: Float64Array, columns = 1): Float64Array {
    // C = (Δr² + Δc²)/s, so ⟨P, C⟩ splits into two separable sums, each with one 1-D kernel
    // multiplied by its squared gaps (in the log domain: log K + log Δ²).
    const m = this.size;
    checkShape('logU', logU, m, columns);
    checkShape('logV', logV, m, columns);
    const totals = new Float64Array(columns);
    const applied = this.scratch.get(3, m * columns);
    const terms: [Float64Array, Float64Array][] = [
      [this.alongHeight.logKernelTimesGap, this.alongWidth.logKernel],
      [this.alongHeight.logKernel, this.alongWidth.logKernelTimesGap],
    ];
    for (const [logRows, logCols] of terms) {
      for (let c = 0; c < columns; c++) {
        this.exactLogColumn(logRows, logCols, logV, applied, c, columns);
        let max = -Infinity;
        for (let i = 0; i < m; i++) max = Math.max(max, logU[i * columns + c] + applied[i * columns + c]);
        if (max === -Infinity) continue;
        let sum = 0;
        for (let i = 0; i < m; i++) sum += Math.exp(logU[i * columns + c] + applied[i * columns + c] - max);
        totals[c] += Math.exp(max + Math.log(sum)) / this.costScale;
      }
    }
    return totals;
  }

  /**
   * out = (Kh ⊗ Kw) v: first along each image row (Kw combining the w rows of that image row's
   * w × columns block), then along the height (Kh combining the h blocks of w · columns).
   */
  private separableProduct(
    rowsKernel: Float64Array,
    colsKernel: Float64Array,
    v: Float64Array,
    between: Float64Array,
    out: Float64Array,
    columns: number,
  ): void {
    const w = this.width;
    const h = this.height;
    const block = w * columns;
    for (let r = 0; r < h; r++) combineRows(colsKernel, w, v, between, r * block, columns);
    combineRows(rowsKernel, h, between, out, 0, block);
  }

  /** Column `c` of out = log((Kh ⊗ Kw) e^{logV}) by exact log-sum-exps, one axis at a time. */
  private exactLogColumn(
    logRowsKernel: Float64Array,
    logColsKernel: Float64Array,
    logV: Float64Array,
    out: Float64Array,
    c: number,
    columns: number,
  ): void {
    const w = this.width;
    const h = this.height;
    const between = this.scratch.get(4, this.size);
    const terms = this.scratch.get(5, Math.max(w, h));
    for (let r = 0; r < h; r++) {
      for (let cOut = 0; cOut < w; cOut++) {
        for (let cIn = 0; cIn < w; cIn++) terms[cIn] = logColsKernel[cOut * w + cIn] + logV[(r * w + cIn) * columns + c];
        between[r * w + cOut] = logSumExp(terms, w);
      }
    }
    for (let rOut = 0; rOut < h; rOut++) {
      for (let col = 0; col < w; col++) {
        for (let rIn = 0; rIn < h; rIn++) terms[rIn] = logRowsKernel[rOut * h + rIn] + between[rIn * w + col];
        out[(rOut * w + col) * columns + c] = logSumExp(terms, h);
      }
    }
  }
}

interface OneDimensionalKernel {
  kernel: Float64Array;
  logKernel: Float64Array;
  /** log(K_ij (i − j)²): −Infinity on the diagonal. */
  logKernelTimesGap: Float64Array;
}

/** The n × n kernel exp(−(i − j)²/scale) of a 1-D pixel axis, and its logs. */
function oneDimensionalKernel(n: number, scale: number): OneDimensionalKernel {
  const kernel = new Float64Array(n * n);
  const logKernel = new Float64Array(n * n);
  const logKernelTimesGap = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const gap = (i - j) * (i - j);
      logKernel[i * n + j] = -gap / scale;
      kernel[i * n + j] = Math.exp(-gap / scale);
      logKernelTimesGap[i * n + j] = gap === 0 ? -Infinity : Math.log(gap) - gap / scale;
    }
  }
  return { kernel, logKernel, logKernelTimesGap };
}

/** log Σ_i e^{values_i} over the first `length` values, stable for any magnitudes. */
export function logSumExp(values: ArrayLike<number>, length = values.length): number {
  let max = -Infinity;
  for (let i = 0; i < length; i++) if (values[i] > max) max = values[i];
  if (max === -Infinity || max === Infinity) return max;
  let sum = 0;
  for (let i = 0; i < length; i++) sum += Math.exp(values[i] - max);
  return max + Math.log(sum);
}

/** The dense kernel exp(−C/ε) of any cost matrix. */
export function denseGibbsKernel(cost: CostMatrix, epsilon: number): DenseGibbsKernel {
  return new DenseGibbsKernel(cost, epsilon);
}

/** The separable kernel of a width × height image grid (cost scaled to mean 1 by default). */
export function separableGibbsKernel(
  width: number,
  height: number,
  epsilon: number,
  options: SeparableKernelOptions = {},
): SeparableGibbsKernel {
  return new SeparableGibbsKernel(width, height, epsilon, options);
}

// WebAssembly SIMD (f64x2) kernels for the hot loops of the magnitude solvers:
//   - gemmNt: C −= A·Bᵀ on packed panels, the one O(n³) kernel of the dense Cholesky. Plain
//     JavaScript tops out near 2.4 GFlop/s on it on the reference machine (n = 5000 would take
//     ~17 s); two-lane SIMD with a 4×4 register tile reaches ~17 GFlop/s.
//   - expScaled: x ← exp(s·x) over an array (filling Z), ~4× faster than Math.exp per element.
//   - symmetric row kernels: one row of the matrix-free product Z·v straight from the points
//     (distance, exponential, both halves of the symmetric update) for the CG solver.
// The module is emitted byte by byte here (no toolchain, no .wasm asset to ship), compiles
// synchronously (it stays under the 4 KB limit browsers put on synchronous compilation), and
// imports its memory so each solve owns a memory the GC can reclaim afterwards. Everything falls
// back to JavaScript where WebAssembly SIMD is missing.
//
// Packed panel layout (shared by A and B): rows are grouped in blocks of 4; block b holds
// entry (row 4b+r, column k) at element b·blockStride + 4k + r, so one k step reads 4 values
// contiguously from each operand.

// --- a minimal binary emitter -------------------------------------------------------------

export function uleb(value: number, out: number[]): void {
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

export function sleb(value: number, out: number[]): void {
  let v = value | 0;
  while (true) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return;
  }
}

export function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

export function name(text: string, out: number[]): void {
  uleb(text.length, out);
  for (let i = 0; i < text.length; i++) out.push(text.charCodeAt(i));
}

export const I32 = 0x7f;
const F64 = 0x7c;
export const V128 = 0x7b;

/** Instruction builder for one function body. */
export class Body {
  readonly code: number[] = [];
  get(local: number): this { this.code.push(0x20); uleb(local, this.code); return this; }
  set(local: number): this { this.code.push(0x21); uleb(local, this.code); return this; }
  i32(value: number): this { this.code.push(0x41); sleb(value, this.code); return this; }
  op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  simd(opcode: number, ...immediates: number[]): this {
    this.code.push(0xfd);
    uleb(opcode, this.code);
    this.code.push(...immediates);
    return this;
  }
  /** A memory argument: alignment exponent, then offset. */
  mem(alignLog2: number, offset: number): this { this.code.push(alignLog2); uleb(offset, this.code); return this; }
}

export const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, select: 0x1b, void: 0x40,
  i32Add: 0x6a, i32Mul: 0x6c, i32And: 0x71, i32LtU: 0x49, i32GeU: 0x4f, i32GeS: 0x4e, i32LtS: 0x48, f64Add: 0xa0,
} as const;
export const simd = {
  load: 0x00, load64Splat: 0x0a, store: 0x0b, f64x2Splat: 0x14, f64x2Lt: 0x49, v128Andnot: 0x4f,
  f64x2Nearest: 0x94, i64x2ExtendLowI32x4S: 0xc7, i64x2Shl: 0xcb, i64x2Add: 0xce,
  f64x2ExtractLane: 0x21, f64x2Abs: 0xec, f64x2Sqrt: 0xef, f64x2Max: 0xf5,
  f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, i32x4TruncSatF64x2SZero: 0xfc,
} as const;

// The k loop is not unrolled: unrolling by 2 or 4 measured slower in V8 (Node 20).
function gemmNtBody(): number[] {
  // Parameters 0..9 as in GemmNt, but pointers and strides in bytes; then locals.
  const [c, ldc, a, aStride, b, bStride, rowBlocks, colBlocks, depth, colLimitOffset] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const ib = 10, jb = 11, jEnd = 12, pa = 13, pb = 14, paEnd = 15, pc = 16;
  const acc0 = 17; // 8 accumulators: row r, column pair h → acc0 + 2r + h
  const bLo = 25, bHi = 26, aSplat = 27;
  const f = new Body();

  f.i32(0).set(ib);
  f.op(op.block, op.void, op.loop, op.void);
  f.get(ib).get(rowBlocks).op(op.i32GeS, op.brIf, 1);
  // jEnd = min(colBlocks, ib + colLimitOffset)
  f.get(colBlocks).get(ib).get(colLimitOffset).op(op.i32Add);
  f.get(colBlocks).get(ib).get(colLimitOffset).op(op.i32Add, op.i32LtS, op.select).set(jEnd);
  f.i32(0).set(jb);
  f.op(op.block, op.void, op.loop, op.void);
  f.get(jb).get(jEnd).op(op.i32GeS, op.brIf, 1);
  f.get(a).get(ib).get(aStride).op(op.i32Mul, op.i32Add).set(pa);
  f.get(b).get(jb).get(bStride).op(op.i32Mul, op.i32Add).set(pb);
  f.get(pa).get(depth).i32(32).op(op.i32Mul, op.i32Add).set(paEnd);
  for (let k = 0; k < 8; k++) {
    f64x2Const(f, 0);
    f.set(acc0 + k);
  }
  f.op(op.block, op.void);
  f.get(pa).get(paEnd).op(op.i32GeU, op.brIf, 0);
  f.op(op.loop, op.void);
  f.get(pb).simd(simd.load).mem(3, 0).set(bLo);
  f.get(pb).simd(simd.load).mem(3, 16).set(bHi);
  for (let r = 0; r < 4; r++) {
    f.get(pa).simd(simd.load64Splat).mem(3, 8 * r).set(aSplat);
    f.get(acc0 + 2 * r).get(aSplat).get(bLo).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(acc0 + 2 * r);
    f.get(acc0 + 2 * r + 1).get(aSplat).get(bHi).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(acc0 + 2 * r + 1);
  }
  f.get(pa).i32(32).op(op.i32Add).set(pa);
  f.get(pb).i32(32).op(op.i32Add).set(pb);
  f.get(pa).get(paEnd).op(op.i32LtU, op.brIf, 0);
  f.op(op.end, op.end);
  // C tile −= accumulators
  f.get(c).get(ib).i32(4).op(op.i32Mul).get(ldc).op(op.i32Mul, op.i32Add).get(jb).i32(32).op(op.i32Mul, op.i32Add).set(pc);
  for (let r = 0; r < 4; r++) {
    for (let h = 0; h < 2; h++) {
      f.get(pc).get(pc).simd(simd.load).mem(3, 16 * h).get(acc0 + 2 * r + h).simd(simd.f64x2Sub).simd(simd.store).mem(3, 16 * h);
    }
    if (r < 3) f.get(pc).get(ldc).op(op.i32Add).set(pc);
  }
  f.get(jb).i32(1).op(op.i32Add).set(jb);
  f.op(op.br, 0, op.end, op.end);
  f.get(ib).i32(1).op(op.i32Add).set(ib);
  f.op(op.br, 0, op.end, op.end);
  f.op(op.end);

  return functionBody([[7, I32], [11, V128]], f.code);
}

/** A code-section entry: size, local declarations, instructions. */
export function functionBody(locals: Array<[count: number, type: number]>, code: number[]): number[] {
  const body: number[] = [];
  uleb(locals.length, body);
  for (const [count, type] of locals) {
    uleb(count, body);
    body.push(type);
  }
  body.push(...code);
  const sized: number[] = [];
  uleb(body.length, sized);
  return sized.concat(body);
}

// exp on the reduced argument r ∈ [−ln2/2, ln2/2]: Taylor to degree 13 leaves < 1e-17 relative error.
const EXP_TAYLOR_DEGREE = 13;

// Constants live in a small table at the start of memory: a splat-load is 6 bytes of code where
// a v128.const is 18, which keeps the module under 4 KB.
const CONSTANT_VALUES: number[] = [1 / Math.LN2, 6.93147180369123816490e-01, 1.90821492927058770002e-10, -708, 1, 0];
for (let d = 0, factorial = 1; d <= EXP_TAYLOR_DEGREE; d++, factorial *= d) CONSTANT_VALUES.push(1 / factorial);
/** Bytes reserved for the table; the caller's data starts here. */
const CONSTANT_BYTES = 256;

/** Pushes a constant (a value of CONSTANT_VALUES) splatted to both lanes. */
function f64x2Const(f: Body, value: number): void {
  const index = CONSTANT_VALUES.indexOf(value);
  if (index < 0) throw new Error(`no table entry for ${value}`);
  f.i32(0).simd(simd.load64Splat).mem(3, 8 * index);
}

/**
 * Pushes exp(arg) for the v128 local `arg` (arg ≤ 0 in every use here), using k, r, p, r2, r4 as
 * scratch locals. Lanes below −708 (where 2^k would leave the normal range) flush to 0; such
 * entries are < 1e-307 anyway.
 */
function emitExp(f: Body, arg: number, k: number, r: number, p: number, r2: number, r4: number): void {
  f.get(arg);
  f64x2Const(f, 1 / Math.LN2);
  f.simd(simd.f64x2Mul).simd(simd.f64x2Nearest).set(k);
  // r = (arg − k·ln2_hi) − k·ln2_lo: the split keeps k·ln2 exact to double precision.
  f.get(arg).get(k);
  f64x2Const(f, 6.93147180369123816490e-01);
  f.simd(simd.f64x2Mul).simd(simd.f64x2Sub).get(k);
  f64x2Const(f, 1.90821492927058770002e-10);
  f.simd(simd.f64x2Mul).simd(simd.f64x2Sub).set(r);
  // Estrin's scheme: the polynomial's dependency chain is ~4 multiply-adds deep instead of 13
  // (Horner), which is what limits throughput when every lane needs its own exp.
  const c = (d: number): void => f64x2Const(f, CONSTANT_VALUES[CONSTANT_VALUES.length - 1 - EXP_TAYLOR_DEGREE + d]);
  const linear = (d: number): void => {
    // c_d + c_{d+1}·r
    c(d);
    c(d + 1);
    f.get(r).simd(simd.f64x2Mul).simd(simd.f64x2Add);
  };
  const mulAdd = (power: number): void => {
    // [a, b] on the stack → a + b·power
    f.get(power).simd(simd.f64x2Mul).simd(simd.f64x2Add);
  };
  f.get(r).get(r).simd(simd.f64x2Mul).set(r2);
  f.get(r2).get(r2).simd(simd.f64x2Mul).set(r4);
  // degree 13 = coefficients 0..13: blocks of 2, 4, 8 combined with r², r⁴, r⁸
  linear(0); linear(2); mulAdd(r2);
  linear(4); linear(6); mulAdd(r2);
  mulAdd(r4);
  linear(8); linear(10); mulAdd(r2);
  linear(12);
  mulAdd(r4);
  f.get(r4).get(r4).simd(simd.f64x2Mul);
  f.simd(simd.f64x2Mul).simd(simd.f64x2Add).set(p);
  // p·2^k by adding k to the exponent field.
  f.get(p).get(k).simd(simd.i32x4TruncSatF64x2SZero).simd(simd.i64x2ExtendLowI32x4S).i32(52).simd(simd.i64x2Shl).simd(simd.i64x2Add);
  f.get(arg);
  f64x2Const(f, -708);
  f.simd(simd.f64x2Lt).simd(simd.v128Andnot);
}

function expScaledBody(): number[] {
  // (ptr, pairs, scale): x ← exp(scale·x) for 2·pairs doubles at ptr.
  const ptr = 0, pairs = 1, scale = 2;
  const end = 3, arg = 4, k = 5, r = 6, p = 7, r2 = 8, r4 = 9;
  const f = new Body();
  f.get(ptr).get(pairs).i32(16).op(op.i32Mul, op.i32Add).set(end);
  f.op(op.block, op.void);
  f.get(ptr).get(end).op(op.i32GeU, op.brIf, 0);
  f.op(op.loop, op.void);
  f.get(ptr).simd(simd.load).mem(3, 0).get(scale).simd(simd.f64x2Splat).simd(simd.f64x2Mul).set(arg);
  f.get(ptr);
  emitExp(f, arg, k, r, p, r2, r4);
  f.simd(simd.store).mem(3, 0);
  f.get(ptr).i32(16).op(op.i32Add).set(ptr);
  f.get(ptr).get(end).op(op.i32LtU, op.brIf, 0);
  f.op(op.end, op.end, op.end);
  return functionBody([[1, I32], [6, V128]], f.code);
}

/** (a, x, pairs) → Σ a[k]·x[k] over 2·pairs doubles: the row dot product of triangular solves and stored-Z products. */
function dotBody(): number[] {
  const a = 0, x = 1, pairs = 2, end = 3, acc = 4;
  const f = new Body();
  f.get(a).get(pairs).i32(16).op(op.i32Mul, op.i32Add).set(end);
  f64x2Const(f, 0);
  f.set(acc);
  f.op(op.block, op.void);
  f.get(a).get(end).op(op.i32GeU, op.brIf, 0);
  f.op(op.loop, op.void);
  f.get(acc).get(a).simd(simd.load).mem(3, 0).get(x).simd(simd.load).mem(3, 0).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(acc);
  f.get(a).i32(16).op(op.i32Add).set(a);
  f.get(x).i32(16).op(op.i32Add).set(x);
  f.get(a).get(end).op(op.i32LtU, op.brIf, 0);
  f.op(op.end, op.end);
  f.get(acc).simd(simd.f64x2ExtractLane, 0).get(acc).simd(simd.f64x2ExtractLane, 1).op(op.f64Add);
  f.op(op.end);
  return functionBody([[1, I32], [1, V128]], f.code);
}

/** (y, a, alpha, pairs): y[k] += alpha·a[k] over 2·pairs doubles. */
function axpyBody(): number[] {
  const y = 0, a = 1, alpha = 2, pairs = 3, end = 4, alphas = 5;
  const f = new Body();
  f.get(a).get(pairs).i32(16).op(op.i32Mul, op.i32Add).set(end);
  f.get(alpha).simd(simd.f64x2Splat).set(alphas);
  f.op(op.block, op.void);
  f.get(a).get(end).op(op.i32GeU, op.brIf, 0);
  f.op(op.loop, op.void);
  f.get(y).get(y).simd(simd.load).mem(3, 0).get(a).simd(simd.load).mem(3, 0).get(alphas).simd(simd.f64x2Mul).simd(simd.f64x2Add).simd(simd.store).mem(3, 0);
  f.get(a).i32(16).op(op.i32Add).set(a);
  f.get(y).i32(16).op(op.i32Add).set(y);
  f.get(a).get(end).op(op.i32LtU, op.brIf, 0);
  f.op(op.end, op.end, op.end);
  return functionBody([[1, I32], [1, V128]], f.code);
}

export type RowMetric = 'euclidean' | 'manhattan' | 'cosine';

/**
 * One row of a symmetric product with Z: for the pairs j < (i & ~1),
 *   z = exp(negT · d(i, j)),  out[j] += z·v[i],  and returns Σ z·v[j].
 * Points are stored coordinate-major (coordinate k of point j at x + (k·n + j)·8) so two
 * consecutive j share one vector load. Cosine expects unit rows (d = max(0, 1 − u·v)).
 * `fixedDim` unrolls the coordinate loop and hoists point i's coordinates into registers.
 */
function symmetricRowBody(metric: RowMetric, fixedDim: number | null): number[] {
  const x = 0, n = 1, dim = 2, i = 3, v = 4, out = 5, negT = 6;
  const jOff = 7, jEnd = 8, stride = 9, cp = 10, cpEnd = 11, ci = 12;
  const D = fixedDim ?? 0;
  const coordBase = 13; // D i32 locals: x + k·stride, for the unrolled loop
  const V = 13 + D; // first v128 local
  const acc = V, diff = V + 1, arg = V + 2, k = V + 3, r = V + 4, p = V + 5, viSplat = V + 6, sAcc = V + 7, negTs = V + 8;
  const r2 = V + 9, r4 = V + 10;
  const xiSplat = V + 11; // D v128 locals: point i's coordinates
  const f = new Body();
  f.get(n).i32(8).op(op.i32Mul).set(stride);
  f.get(v).get(i).i32(8).op(op.i32Mul, op.i32Add).simd(simd.load64Splat).mem(3, 0).set(viSplat);
  f.get(negT).simd(simd.f64x2Splat).set(negTs);
  f64x2Const(f, 0);
  f.set(sAcc);
  f.get(i).i32(-2).op(op.i32And).i32(8).op(op.i32Mul).set(jEnd);
  for (let c = 0; c < D; c++) {
    f.get(x).get(stride).i32(c).op(op.i32Mul, op.i32Add).set(coordBase + c);
    f.get(coordBase + c).get(i).i32(8).op(op.i32Mul, op.i32Add).simd(simd.load64Splat).mem(3, 0).set(xiSplat + c);
  }
  f.i32(0).set(jOff);
  f.op(op.block, op.void);
  f.get(jOff).get(jEnd).op(op.i32GeU, op.brIf, 0);
  f.op(op.loop, op.void);
  const accumulate = (xi: () => void, xjAddress: () => void): void => {
    // acc ⊕= term(x_i, x_j) for one coordinate.
    if (metric === 'cosine') {
      f.get(acc);
      xi();
      xjAddress();
      f.simd(simd.load).mem(3, 0).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(acc);
      return;
    }
    xi();
    xjAddress();
    f.simd(simd.load).mem(3, 0).simd(simd.f64x2Sub).set(diff);
    f.get(acc);
    if (metric === 'euclidean') f.get(diff).get(diff).simd(simd.f64x2Mul);
    else f.get(diff).simd(simd.f64x2Abs);
    f.simd(simd.f64x2Add).set(acc);
  };
  f64x2Const(f, 0);
  f.set(acc);
  if (D > 0) {
    for (let c = 0; c < D; c++) accumulate(() => f.get(xiSplat + c), () => f.get(coordBase + c).get(jOff).op(op.i32Add));
  } else {
    // Generic dimension: walk the coordinates with two pointers.
    f.get(x).get(jOff).op(op.i32Add).set(cp);
    f.get(cp).get(stride).get(dim).op(op.i32Mul, op.i32Add).set(cpEnd);
    f.get(x).get(i).i32(8).op(op.i32Mul, op.i32Add).set(ci);
    f.op(op.block, op.void);
    f.get(cp).get(cpEnd).op(op.i32GeU, op.brIf, 0);
    f.op(op.loop, op.void);
    accumulate(() => f.get(ci).simd(simd.load64Splat).mem(3, 0), () => f.get(cp));
    f.get(cp).get(stride).op(op.i32Add).set(cp);
    f.get(ci).get(stride).op(op.i32Add).set(ci);
    f.get(cp).get(cpEnd).op(op.i32LtU, op.brIf, 0);
    f.op(op.end, op.end);
  }
  // distance → argument −t·d
  if (metric === 'euclidean') f.get(acc).simd(simd.f64x2Sqrt);
  else if (metric === 'manhattan') f.get(acc);
  else {
    f64x2Const(f, 1);
    f.get(acc).simd(simd.f64x2Sub);
    f64x2Const(f, 0);
    f.simd(simd.f64x2Max);
  }
  f.get(negTs).simd(simd.f64x2Mul).set(arg);
  emitExp(f, arg, k, r, p, r2, r4);
  f.set(arg); // arg now holds z
  f.get(sAcc).get(arg).get(v).get(jOff).op(op.i32Add).simd(simd.load).mem(3, 0).simd(simd.f64x2Mul).simd(simd.f64x2Add).set(sAcc);
  f.get(out).get(jOff).op(op.i32Add).set(cp);
  f.get(cp).get(cp).simd(simd.load).mem(3, 0).get(arg).get(viSplat).simd(simd.f64x2Mul).simd(simd.f64x2Add).simd(simd.store).mem(3, 0);
  f.get(jOff).i32(16).op(op.i32Add).set(jOff);
  f.get(jOff).get(jEnd).op(op.i32LtU, op.brIf, 0);
  f.op(op.end, op.end);
  f.get(sAcc).simd(simd.f64x2ExtractLane, 0).get(sAcc).simd(simd.f64x2ExtractLane, 1).op(op.f64Add);
  f.op(op.end);
  const locals: Array<[number, number]> = [[6 + D, I32], [11 + D, V128]];
  return functionBody(locals, f.code);
}

/** The row kernels compiled into the module: [export name, metric, fixed dimension]. */
const ROW_KERNELS: Array<[string, RowMetric, number | null]> = [
  ['rowEuclidean2', 'euclidean', 2],
  ['rowEuclidean', 'euclidean', null],
  ['rowManhattan', 'manhattan', null],
  ['rowCosine', 'cosine', null],
];

/**
 * The module binary (exported for tests: it must validate and stay under the 4 KB sync-compile
 * limit). The `shared` variant imports a shared memory (for the threaded Cholesky: Node workers
 * run the same kernels on the same memory); the code is identical.
 */
export function kernelModuleBytes(shared = false): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(5, types);
  types.push(0x60);
  uleb(10, types);
  for (let i = 0; i < 10; i++) types.push(I32);
  uleb(0, types);
  types.push(0x60, 3, I32, I32, F64, 0);
  types.push(0x60, 7, I32, I32, I32, I32, I32, I32, F64, 1, F64);
  types.push(0x60, 3, I32, I32, I32, 1, F64);
  types.push(0x60, 4, I32, I32, F64, I32, 0);
  section(1, types, out);

  const imports: number[] = [];
  uleb(1, imports);
  name('env', imports);
  name('mem', imports);
  if (shared) {
    imports.push(0x02, 0x03); // memory, shared, with a maximum (required for shared memories)
    uleb(1, imports);
    uleb(MAX_PAGES, imports);
  } else {
    imports.push(0x02, 0x00); // memory, limits without maximum
    uleb(1, imports);
  }
  section(2, imports, out);

  const functionTypes = [0, 1, ...ROW_KERNELS.map(() => 2), 3, 4];
  const funcs: number[] = [];
  uleb(functionTypes.length, funcs);
  funcs.push(...functionTypes);
  section(3, funcs, out);

  const exportNames = ['gemmNt', 'expScaled', ...ROW_KERNELS.map(([exportName]) => exportName), 'dot', 'axpy'];
  const exports: number[] = [];
  uleb(exportNames.length, exports);
  exportNames.forEach((exportName, index) => {
    name(exportName, exports);
    exports.push(0x00);
    uleb(index, exports);
  });
  section(7, exports, out);

  const code: number[] = [];
  uleb(functionTypes.length, code);
  code.push(...gemmNtBody(), ...expScaledBody());
  for (const [, metric, fixedDim] of ROW_KERNELS) code.push(...symmetricRowBody(metric, fixedDim));
  code.push(...dotBody(), ...axpyBody());
  section(10, code, out);
  return new Uint8Array(out);
}

// The slice of the WebAssembly JS API used here, typed locally: the project's TypeScript lib
// (ES2022 + Node types) does not declare WebAssembly as a value, and src/core must not pull in DOM
// typings.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
}

let compiled: object | null | undefined;
let compiledShared: object | null | undefined;
let disabled = false;

/** The compiled module, or null where WebAssembly or its SIMD extension is unavailable. */
function kernelModule(shared = false): object | null {
  if (disabled) return null;
  if ((shared ? compiledShared : compiled) !== undefined) return (shared ? compiledShared : compiled) ?? null;
  let module: object | null = null;
  try {
    const api = wasmApi();
    const bytes = kernelModuleBytes(shared);
    if (api && api.validate(bytes)) module = new api.Module(bytes);
  } catch {
    module = null;
  }
  if (shared) compiledShared = module;
  else compiled = module;
  return module;
}

function wasmApi(): WasmApi | undefined {
  return (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
}

/** C −= A·Bᵀ on packed panels; offsets and strides in elements of the workspace view. */
export type GemmNt = (
  c: number, ldc: number, a: number, aBlockStride: number, b: number, bBlockStride: number,
  rowBlocks: number, colBlocks: number, depth: number,
  /** Column block jb is visited only while jb < ib + colLimitOffset (lower-triangular tiles). */
  colLimitOffset: number,
) => void;

/**
 * One row i of a symmetric product with Z over coordinate-major points at element xOffset
 * (coordinate k of point j at xOffset + k·n + j): for j < (i & ~1) adds z_ij·v[i] to out[j]
 * and returns Σ z_ij·v[j], where z_ij = exp(negT·d(i, j)). Offsets in elements.
 */
export type SymmetricRow = (xOffset: number, n: number, dim: number, i: number, vOffset: number, outOffset: number, negT: number) => number;

export interface WasmWorkspace {
  memory: WasmMemory;
  /** The compiled module the kernels come from (a worker instantiates it on a shared memory). */
  module: object;
  /** Whether `memory` is shared (its buffer a SharedArrayBuffer that workers can use too). */
  shared: boolean;
  /** The caller's doubles; kernel offsets below index this view. */
  f64: Float64Array;
  gemmNt: GemmNt;
  /** f64[offset + j] ← exp(scale · f64[offset + j]) for j < 2·pairs. */
  expScaled: (offset: number, pairs: number, scale: number) => void;
  /** The row kernel for a metric (cosine expects unit rows), or the generic one for `dim`. */
  symmetricRow: (metric: RowMetric, dim: number) => SymmetricRow;
  /** Σ f64[a + k]·f64[x + k] for k < length (offsets even: the pairs are 16-byte aligned). */
  dot: (a: number, x: number, length: number) => number;
  /** f64[y + k] += alpha·f64[a + k] for k < length (offsets even). */
  axpy: (y: number, a: number, alpha: number, length: number) => void;
}

const PAGE_BYTES = 65536;
/** The 4 GiB a 32-bit memory can address. */
const MAX_PAGES = 65536;
/**
 * Bytes of the constant table's page reserved for the threaded Cholesky's control words (16
 * Int32 slots, see parallel.ts); the table itself ends well before.
 */
export const CONTROL_BYTE_OFFSET = 192;
if (CONSTANT_VALUES.length * 8 > CONTROL_BYTE_OFFSET || CONTROL_BYTE_OFFSET + 64 > CONSTANT_BYTES) throw new Error('wasm kernel: constant table overlaps the control words');
/** Byte address of element 0 of a workspace's `f64` view. */
export const WORKSPACE_BASE_BYTES = CONSTANT_BYTES;

type RawGemm = (...args: number[]) => void;
type RawExp = (ptr: number, pairs: number, scale: number) => void;
type RawRow = (x: number, n: number, dim: number, i: number, v: number, out: number, negT: number) => number;

/**
 * A fresh memory of at least `doubles` Float64 slots with the kernels bound to it, or null when
 * SIMD WebAssembly is unavailable or the memory cannot be allocated (callers then fall back
 * to JavaScript). `shared` asks for a shared memory (null where shared memories are unavailable,
 * e.g. a page that is not cross-origin isolated).
 */
export function createWasmWorkspace(doubles: number, shared = false): WasmWorkspace | null {
  const module = kernelModule(shared);
  const api = wasmApi();
  if (!module || !api) return null;
  const pages = Math.ceil((CONSTANT_BYTES + doubles * 8) / PAGE_BYTES);
  if (pages > MAX_PAGES) return null;
  try {
    const initial = Math.max(1, pages);
    const memory = new api.Memory(shared ? { initial, maximum: initial, shared: true } : { initial });
    new Float64Array(memory.buffer, 0, CONSTANT_VALUES.length).set(CONSTANT_VALUES);
    const instance = new api.Instance(module, { env: { mem: memory } });
    const rawGemm = instance.exports.gemmNt as RawGemm;
    const rawExp = instance.exports.expScaled as RawExp;
    // Byte address of element e of the view; `>>> 0` is unnecessary, wasm reads i32 as unsigned.
    const at = (e: number): number => CONSTANT_BYTES + 8 * e;
    const gemmNt: GemmNt = (c, ldc, a, aStride, b, bStride, rowBlocks, colBlocks, depth, colLimitOffset) =>
      rawGemm(at(c), 8 * ldc, at(a), 8 * aStride, at(b), 8 * bStride, rowBlocks, colBlocks, depth, colLimitOffset);
    const expScaled = (offset: number, pairs: number, scale: number): void => rawExp(at(offset), pairs, scale);
    const symmetricRow = (metric: RowMetric, dim: number): SymmetricRow => {
      const exportName = metric === 'euclidean' && dim === 2 ? 'rowEuclidean2' : `row${metric[0].toUpperCase()}${metric.slice(1)}`;
      const raw = instance.exports[exportName] as RawRow;
      return (xOffset, n, d, i, vOffset, outOffset, negT) => raw(at(xOffset), n, d, i, at(vOffset), at(outOffset), negT);
    };
    const f64 = new Float64Array(memory.buffer, CONSTANT_BYTES, doubles);
    const rawDot = instance.exports.dot as (a: number, x: number, pairs: number) => number;
    const rawAxpy = instance.exports.axpy as (y: number, a: number, alpha: number, pairs: number) => void;
    const dot = (a: number, x: number, length: number): number => {
      const even = length & ~1;
      const s = rawDot(at(a), at(x), even >> 1);
      return even < length ? s + f64[a + even] * f64[x + even] : s;
    };
    const axpy = (y: number, a: number, alpha: number, length: number): void => {
      const even = length & ~1;
      rawAxpy(at(y), at(a), alpha, even >> 1);
      if (even < length) f64[y + even] += alpha * f64[a + even];
    };
    return { memory, module, shared, f64, gemmNt, expScaled, symmetricRow, dot, axpy };
  } catch {
    return null;
  }
}

/** Disables the WebAssembly kernels (for tests of the JavaScript fallback). */
export function setWasmKernelEnabled(enabled: boolean): void {
  disabled = !enabled;
}

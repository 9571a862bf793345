// A batched float32 matrix product in WebAssembly SIMD (f32x4) for the wasm backend's small
// batched products, the attention's ([B·H, T, T] · [B·H, T, dh] and the like).
//
// Why: tfjs-backend-wasm sends every BatchMatMul whose batch is above 1 (and every one with
// transposeA) to a scalar loop; on [64, 54, 54] · [64, 54, 16] it ran at about 1 GFlop/s, where
// the same arithmetic as one 2-D product ran ~10× faster. This kernel keeps a 1 × 16 tile of the
// output in four f32x4 registers and walks the shared dimension once per tile: ~4× faster than
// tfjs's batched path on those shapes, transposed operands included (A is read with strides, B
// is transposed while it is copied in). The products sum in the same order as a plain loop, so
// they agree with tf.matMul to float32 rounding.
//
// The operands are copied from the wasm backend's heap into this module's own memory (one
// memcpy each, B transposed when asked) and the product copied back as a new tensor; the
// module is emitted byte by byte like the magnitude kernels (core/magnitude/wasmKernel.ts).
import type * as tfjs from '@tensorflow/tfjs';
import type { TfNamespace } from './backend';
import { Body, I32, V128, functionBody, name, op, section, simd, uleb } from '../magnitude/wasmKernel';

const f32x4 = { add: 0xe4, mul: 0xe6 } as const;
const LOAD32_SPLAT = 0x09;
const I32X4_SPLAT = 0x11;
const I32_GT_S = 0x4a;

/**
 * bmm(a, b, c, batch, m, k, nv, aRow, aStep, aBatch): for every batch bi, row i < m and column
 * vector jv < nv (4 floats each), C'[bi, i, jv] = Σ_p A(bi, i, p) · B'[bi, p, jv], where
 * A(bi, i, p) is the float at a + bi·aBatch + i·aRow + p·aStep (bytes) and B', C' are row-major
 * [batch, k, 4·nv] and [batch, m, 4·nv] from b and c.
 */
function bmmBody(): number[] {
  const a = 0, b = 1, c = 2, batch = 3, m = 4, k = 5, nv = 6, aRow = 7, aStep = 8, aBatch = 9;
  const bi = 10, i = 11, jv = 12, pa = 13, pb = 14, p = 15, rowBytes = 16, aB = 17, bB = 18, cB = 19, aRowPtr = 20, cRowPtr = 21;
  const acc0 = 22, s = 26;
  const f = new Body();
  const zero = (local: number) => f.i32(0).simd(I32X4_SPLAT).set(local);
  // One column tile of `width` vectors: acc_q = Σ_p A(i, p) · B'[p, jv + q], then stored.
  const tile = (width: number) => {
    for (let q = 0; q < width; q++) zero(acc0 + q);
    f.get(aRowPtr).set(pa);
    f.get(bB).get(jv).i32(16).op(op.i32Mul, op.i32Add).set(pb);
    f.i32(0).set(p);
    f.op(op.block, op.void, op.loop, op.void);
    f.get(p).get(k).op(op.i32GeS, op.brIf, 1);
    f.get(pa).simd(LOAD32_SPLAT).mem(2, 0).set(s);
    for (let q = 0; q < width; q++) {
      f.get(acc0 + q).get(s).get(pb).simd(simd.load).mem(4, 16 * q).simd(f32x4.mul).simd(f32x4.add).set(acc0 + q);
    }
    f.get(pa).get(aStep).op(op.i32Add).set(pa);
    f.get(pb).get(rowBytes).op(op.i32Add).set(pb);
    f.get(p).i32(1).op(op.i32Add).set(p);
    f.op(op.br, 0, op.end, op.end);
    for (let q = 0; q < width; q++) {
      f.get(cRowPtr).get(jv).i32(16).op(op.i32Mul, op.i32Add).get(acc0 + q).simd(simd.store).mem(4, 16 * q);
    }
    f.get(jv).i32(width).op(op.i32Add).set(jv);
  };
  f.get(nv).i32(16).op(op.i32Mul).set(rowBytes);
  f.i32(0).set(bi);
  f.op(op.block, op.void, op.loop, op.void);
  f.get(bi).get(batch).op(op.i32GeS, op.brIf, 1);
  f.get(a).get(bi).get(aBatch).op(op.i32Mul, op.i32Add).set(aB);
  f.get(b).get(bi).get(k).op(op.i32Mul).get(rowBytes).op(op.i32Mul, op.i32Add).set(bB);
  f.get(c).get(bi).get(m).op(op.i32Mul).get(rowBytes).op(op.i32Mul, op.i32Add).set(cB);
  f.i32(0).set(i);
  f.op(op.block, op.void, op.loop, op.void);
  f.get(i).get(m).op(op.i32GeS, op.brIf, 1);
  f.get(aB).get(i).get(aRow).op(op.i32Mul, op.i32Add).set(aRowPtr);
  f.get(cB).get(i).get(rowBytes).op(op.i32Mul, op.i32Add).set(cRowPtr);
  f.i32(0).set(jv);
  // Tiles of 4 vectors (16 columns) while they fit, then single vectors.
  f.op(op.block, op.void, op.loop, op.void);
  f.get(jv).i32(4).op(op.i32Add).get(nv).op(I32_GT_S, op.brIf, 1);
  tile(4);
  f.op(op.br, 0, op.end, op.end);
  f.op(op.block, op.void, op.loop, op.void);
  f.get(jv).get(nv).op(op.i32GeS, op.brIf, 1);
  tile(1);
  f.op(op.br, 0, op.end, op.end);
  f.get(i).i32(1).op(op.i32Add).set(i);
  f.op(op.br, 0, op.end, op.end);
  f.get(bi).i32(1).op(op.i32Add).set(bi);
  f.op(op.br, 0, op.end, op.end);
  f.op(op.end);
  return functionBody([[12, I32], [5, V128]], f.code);
}

/** The module binary (exported for tests: it must validate and stay under the 4 KB sync-compile limit). */
export function bmmModuleBytes(): Uint8Array {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const types: number[] = [];
  uleb(1, types);
  types.push(0x60);
  uleb(10, types);
  for (let t = 0; t < 10; t++) types.push(I32);
  uleb(0, types);
  section(1, types, out);
  const imports: number[] = [];
  uleb(1, imports);
  name('env', imports);
  name('mem', imports);
  imports.push(0x02, 0x00);
  uleb(1, imports);
  section(2, imports, out);
  section(3, [1, 0], out);
  const exports: number[] = [];
  uleb(1, exports);
  name('bmm', exports);
  exports.push(0x00, 0x00);
  section(7, exports, out);
  const code: number[] = [];
  uleb(1, code);
  code.push(...bmmBody());
  section(10, code, out);
  return new Uint8Array(out);
}

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}

type RawBmm = (a: number, b: number, c: number, batch: number, m: number, k: number, nv: number, aRow: number, aStep: number, aBatch: number) => void;

interface Kernel {
  memory: WasmMemory;
  bmm: RawBmm;
}

const PAGE_BYTES = 65536;
let kernel: Kernel | null | undefined;
let enabled = true;

/** The instantiated kernel, or null where WebAssembly SIMD is unavailable. */
function bmmKernel(): Kernel | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = bmmModuleBytes();
    if (api && api.validate(bytes)) {
      const memory = new api.Memory({ initial: 16 });
      const instance = new api.Instance(new api.Module(bytes), { env: { mem: memory } });
      kernel = { memory, bmm: instance.exports.bmm as RawBmm };
    }
  } catch {
    kernel = null;
  }
  return kernel;
}

/** Turns the kernel off (tests compare it with tf.matMul) or back on. */
export function setBatchMatMulKernelEnabled(on: boolean): void {
  enabled = on;
}

/** Whether batched products on the current backend go through this kernel: wasm with SIMD. */
export function usesBatchMatMulKernel(tf: TfNamespace): boolean {
  return enabled && tf.getBackend() === 'wasm' && bmmKernel() !== null;
}

interface HeapBackend {
  typedArrayFromHeap?(t: tfjs.Tensor): Float32Array;
}

/** The tensor's floats: a view of the wasm heap where the backend offers one, else a copy. */
function floats(tf: TfNamespace, t: tfjs.Tensor): Float32Array {
  const backend = tf.backend() as unknown as HeapBackend;
  return backend.typedArrayFromHeap ? backend.typedArrayFromHeap(t) : (t.dataSync() as Float32Array);
}

/**
 * op(a) · op(b) for 3-D float32 tensors of the same batch on the wasm backend, op transposing
 * the last two axes when asked; no gradient of its own (callers wrap it in customGrad).
 */
export function batchMatMulKernel(tf: TfNamespace, a: tfjs.Tensor3D, b: tfjs.Tensor3D, transposeA: boolean, transposeB: boolean): tfjs.Tensor3D {
  const kern = bmmKernel();
  if (!kern) throw new Error('the batched matMul kernel needs WebAssembly SIMD');
  const [batch, a1, a2] = a.shape;
  const [bBatch, b1, b2] = b.shape;
  const m = transposeA ? a2 : a1;
  const k = transposeA ? a1 : a2;
  const n = transposeB ? b1 : b2;
  if (bBatch !== batch || (transposeB ? b2 : b1) !== k) throw new Error(`batched matMul: shapes [${a.shape}] and [${b.shape}] (transposeA ${transposeA}, transposeB ${transposeB}) do not match`);
  const nv = Math.ceil(n / 4);
  const np = 4 * nv;
  const aFloats = batch * m * k;
  const bOffset = 4 * Math.ceil(aFloats / 4);
  const cOffset = bOffset + batch * k * np;
  const total = cOffset + batch * m * np;
  const needed = Math.ceil((total * 4) / PAGE_BYTES);
  const have = kern.memory.buffer.byteLength / PAGE_BYTES;
  if (needed > have) kern.memory.grow(needed - have);
  const mem = new Float32Array(kern.memory.buffer);
  mem.set(floats(tf, a), 0);
  const bSrc = floats(tf, b);
  if (!transposeB && np === n) mem.set(bSrc, bOffset);
  else {
    for (let bi = 0; bi < batch; bi++) {
      const src = bi * k * n;
      const dst = bOffset + bi * k * np;
      for (let p = 0; p < k; p++) {
        const row = dst + p * np;
        if (transposeB) for (let j = 0; j < n; j++) mem[row + j] = bSrc[src + j * k + p];
        else for (let j = 0; j < n; j++) mem[row + j] = bSrc[src + p * n + j];
        for (let j = n; j < np; j++) mem[row + j] = 0;
      }
    }
  }
  // A(bi, i, p): [batch, m, k] row-major, or [batch, k, m] read transposed.
  const aRow = transposeA ? 4 : 4 * k;
  const aStep = transposeA ? 4 * m : 4;
  kern.bmm(0, 4 * bOffset, 4 * cOffset, batch, m, k, nv, aRow, aStep, 4 * m * k);
  const out = new Float32Array(batch * m * n);
  if (np === n) out.set(mem.subarray(cOffset, cOffset + batch * m * n));
  else for (let r = 0; r < batch * m; r++) out.set(mem.subarray(cOffset + r * np, cOffset + r * np + n), r * n);
  return tf.tensor3d(out, [batch, m, n]);
}

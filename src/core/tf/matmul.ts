// A 2-D matrix product whose gradient transposes explicitly instead of using matMul's
// transpose flags.
//
// Why: tfjs's own matMul gradient computes dA = dy · Bᵀ and dB = Aᵀ · dy with transposeA /
// transposeB, and on the wasm backend BatchMatMul with either flag set takes a slow path:
// for [864, 64] × [64, 192] (a ViT layer at batch 16) it was about 13× slower than an
// explicit Transpose followed by a plain product. The values are the same on every backend.
import type * as tfjs from '@tensorflow/tfjs';
import type { TfNamespace } from './backend';
import { batchMatMulKernel, usesBatchMatMulKernel } from './batchMatMulWasm';

type T2 = tfjs.Tensor2D;

/** a · b for a [m, k] and b [k, n], with a gradient made of plain products and transposes. */
export function matMul2d(tf: TfNamespace, a: T2, b: T2): T2 {
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [a2, b2, save] = args as [T2, T2, tfjs.GradSaveFunc];
    save([a2, b2]);
    return {
      value: tf.matMul(a2, b2),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [as, bs] = saved as T2[];
        const g = dy as T2;
        return [tf.matMul(g, tf.transpose(bs)), tf.matMul(tf.transpose(as), g)];
      },
    };
  });
  return op(a, b) as T2;
}

type T3 = tfjs.Tensor3D;

/**
 * Batched a · b for a [B, m, k] and b [B, k, n], with the same explicit-transpose gradient; on
 * the wasm backend the product and its gradient run in core/tf/batchMatMulWasm's SIMD kernel.
 */
export function matMul3d(tf: TfNamespace, a: T3, b: T3): T3 {
  if (usesBatchMatMulKernel(tf)) return kernelMatMul(tf, a, b, false);
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [a3, b3, save] = args as [T3, T3, tfjs.GradSaveFunc];
    save([a3, b3]);
    return {
      value: tf.matMul(a3, b3),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [as, bs] = saved as T3[];
        const g = dy as T3;
        return [tf.matMul(g, tf.transpose(bs, [0, 2, 1])), tf.matMul(tf.transpose(as, [0, 2, 1]), g)];
      },
    };
  });
  return op(a, b) as T3;
}

/**
 * Batched a · b, or a · bᵀ with `transposeB` (b [B, n, k]): the attention's products. On the
 * wasm backend the product and its gradient run in the SIMD kernel of core/tf/batchMatMulWasm
 * (tfjs-backend-wasm runs batched products in a scalar loop); elsewhere this is tf.matMul with
 * its own gradient.
 */
export function batchMatMul(tf: TfNamespace, a: T3, b: T3, transposeB = false): T3 {
  return usesBatchMatMulKernel(tf) ? kernelMatMul(tf, a, b, transposeB) : tf.matMul(a, b, false, transposeB);
}

/** a · b (or a · bᵀ) through the wasm kernel, with its gradient through the same kernel. */
function kernelMatMul(tf: TfNamespace, a: T3, b: T3, transposeB: boolean): T3 {
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [a3, b3, save] = args as [T3, T3, tfjs.GradSaveFunc];
    save([a3, b3]);
    return {
      value: batchMatMulKernel(tf, a3, b3, false, transposeB),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [as, bs] = saved as T3[];
        const g = dy as T3;
        // c = a·b: da = g·bᵀ, db = aᵀ·g. c = a·bᵀ: da = g·b, db = gᵀ·a.
        return transposeB
          ? [batchMatMulKernel(tf, g, bs, false, false), batchMatMulKernel(tf, g, as, true, false)]
          : [batchMatMulKernel(tf, g, bs, false, true), batchMatMulKernel(tf, as, g, true, false)];
      },
    };
  });
  return op(a, b) as T3;
}

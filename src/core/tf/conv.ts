// Stride-1 'valid' convolutions (NHWC) whose gradients use only forward convolutions and
// transposes, so they train on every tfjs backend.
//
// Why: tfjs's own gradient of conv2d (and of conv2dTranspose) computes the filter gradient with
// the Conv2DBackpropFilter kernel, which the wasm backend does not have ("Kernel
// 'Conv2DBackpropFilter' not registered for backend 'wasm'"). The filter gradient of a stride-1
// valid convolution is itself a valid convolution, with the batch as the contracted channel:
//
//   dW[a, b, i, o] = Σ_{n,y,x} X[n, y+a, x+b, i] · G[n, y, x, o]
//                  = conv2d(Xᵀ, Gᵀ)[i, a, b, o],  Xᵀ = X as [i, y, x, n], Gᵀ = G as [y, x, n, o],
//
// which needs Conv2D and Transpose only (both on wasm, webgl, webgpu and cpu). The input
// gradients are the usual pair: conv2d's is a transposed convolution with the same filter,
// conv2dTranspose's is a plain conv2d. The transposed convolution is computed as a forward
// 'full' correlation (zero-pad by k−1, flip the filter, swap its channels) rather than with
// wasm's Conv2DBackpropInput kernel, which is about 10× slower than its Conv2D.

import type * as tfjs from '@tensorflow/tfjs';
import type { TfNamespace } from './backend';
import { matMul2d } from './matmul';

type T4 = tfjs.Tensor4D;

/**
 * The filter gradient [k, k, C1, C2] of a stride-1 valid correlation of `input` [N, H, W, C1]
 * producing `outputGrad` [N, H−k+1, W−k+1, C2].
 */
export function filterGradient(tf: TfNamespace, input: T4, outputGrad: T4): T4 {
  return tf.tidy(() => {
    const x = tf.transpose(input, [3, 1, 2, 0]) as T4; // [C1, H, W, N]
    const g = tf.transpose(outputGrad, [1, 2, 0, 3]) as T4; // [Ho, Wo, N, C2]
    const dw = tf.conv2d(x, g, 1, 'valid'); // [C1, k, k, C2]
    return tf.transpose(dw, [1, 2, 0, 3]) as T4;
  });
}

/**
 * The transposed stride-1 valid convolution of `x` [N, H, W, Cout] with the filter `w`
 * [k, k, Cin, Cout] (conv2d's layout): [N, H+k−1, W+k−1, Cin], the input gradient of
 * conv2d(·, w). Computed as a valid correlation of x zero-padded by k−1 with w flipped in
 * space and with its channels swapped: dx[y, x, i] = Σ_{a,b,o} dy[y−a, x−b, o] · w[a, b, i, o].
 */
export function transposedConv(tf: TfNamespace, x: T4, w: T4): T4 {
  return tf.tidy(() => {
    const k = w.shape[0];
    const padded = tf.pad(x, [
      [0, 0],
      [k - 1, k - 1],
      [k - 1, k - 1],
      [0, 0],
    ]) as T4;
    const flipped = tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]) as T4;
    return tf.conv2d(padded, flipped, 1, 'valid');
  });
}

/** y = conv2d(x, w), w of shape [k, k, Cin, Cout], stride 1, no padding. */
export function conv2dValid(tf: TfNamespace, x: T4, w: T4): T4 {
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [x4, w4, save] = args as [T4, T4, tfjs.GradSaveFunc];
    save([x4, w4]);
    return {
      value: tf.conv2d(x4, w4, 1, 'valid'),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [xs, ws] = saved as T4[];
        const g = dy as T4;
        return [transposedConv(tf, g, ws), filterGradient(tf, xs, g)];
      },
    };
  });
  return op(x, w) as T4;
}

/**
 * y = conv2dTranspose(x, w): x [N, H, W, Cin], w [k, k, Cout, Cin] (tfjs's layout), stride 1,
 * no padding, so y is [N, H+k−1, W+k−1, Cout]: PyTorch's ConvTranspose2d(Cin, Cout, k).
 */
export function conv2dTransposeValid(tf: TfNamespace, x: T4, w: T4): T4 {
  if (x.shape[1] === 1 && x.shape[2] === 1) return transposeFromPoint(tf, x, w);
  const op = tf.customGrad((...args: Array<tfjs.Tensor | tfjs.GradSaveFunc>) => {
    const [x4, w4, save] = args as [T4, T4, tfjs.GradSaveFunc];
    save([x4, w4]);
    return {
      value: transposedConv(tf, x4, w4),
      gradFunc: (dy: tfjs.Tensor | tfjs.Tensor[], saved: tfjs.Tensor[]) => {
        const [xs, ws] = saved as T4[];
        const g = dy as T4;
        // y is the correlation's input gradient, so dy flows back as a correlation, and the
        // filter gradient is the correlation of dy (as input) with x (as output gradient).
        const dx = tf.conv2d(g, ws, 1, 'valid');
        return [dx, filterGradient(tf, g, xs)];
      },
    };
  });
  return op(x, w) as T4;
}

/**
 * conv2dTranspose of a 1×1 input: every output pixel is a linear map of the input's channels,
 * y[n, a, b, o] = Σ_i x[n, 0, 0, i] · w[a, b, o, i], so the whole layer is one matrix product
 * [N, Cin] · [Cin, k·k·Cout]. The padded correlation above would instead slide a k×k×Cin filter
 * over a (2k−1)² image that is zero but for one pixel: for the magnitude autoencoder's first
 * decoder layer (Cin 1000, k 12) that is k² = 144 times the arithmetic, and a (2k−1)²·Cin
 * padded buffer per image, which ran the wasm heap out of memory at 3,000 MNIST digits.
 */
function transposeFromPoint(tf: TfNamespace, x: T4, w: T4): T4 {
  return tf.tidy(() => {
    const [n, , , cin] = x.shape;
    const [k, , cout] = w.shape;
    const wT = tf.transpose(tf.reshape(w, [k * k * cout, cin])) as tfjs.Tensor2D; // [Cin, k·k·Cout]
    const y = matMul2d(tf, tf.reshape(x, [n, cin]) as tfjs.Tensor2D, wT);
    return tf.reshape(y, [n, k, k, cout]) as T4;
  });
}

// L-BFGS on tfjs tensors, so a large problem's vectors stay on the GPU: the same algorithm as
// the Float64 one (src/core/optim/lbfgs.ts), with vectors held in variables updated in place.
// Each inner product is read back to drive the line search; everything else stays on device.
import type * as tfType from '@tensorflow/tfjs';
import type { AsyncObjective, AsyncVectorOps, Objective, VectorOps } from './lbfgs';

type Tf = typeof tfType;

export function tfVectorOps(tf: Tf): VectorOps<tfType.Variable> {
  return {
    // Inside a tidy, so only the variable survives (not the zeros it was made from).
    zerosLike: (like) => tf.tidy(() => tf.variable(tf.zerosLike(like), false)),
    copy: (source, target) => {
      target.assign(source);
    },
    dot: (a, b) => tf.tidy(() => a.mul(b).sum().dataSync()[0]),
    axpy: (alpha, x, y) => {
      tf.tidy(() => y.assign(y.add(x.mul(alpha))));
    },
    scale: (alpha, x) => {
      tf.tidy(() => x.assign(x.mul(alpha)));
    },
    normInf: (x) => tf.tidy(() => x.abs().max().dataSync()[0]),
    axpyDot: (alpha, x, y, z) =>
      tf.tidy(() => {
        y.assign(y.add(x.mul(alpha)));
        return z.mul(y).sum().dataSync()[0];
      }),
    dispose: (x) => x.dispose(),
  };
}

/** A scalar tfjs loss of x as an L-BFGS objective that writes its gradient in place. */
export function tfObjective(tf: Tf, loss: (x: tfType.Tensor) => tfType.Scalar): Objective<tfType.Variable> {
  const valueAndGrad = tf.valueAndGrad(loss);
  return (x, grad) =>
    tf.tidy(() => {
      const { value, grad: g } = valueAndGrad(x);
      grad.assign(g);
      return value.dataSync()[0];
    });
}

/** Reads a scalar tensor asynchronously, then frees it. */
async function readScalar(t: tfType.Tensor): Promise<number> {
  try {
    return (await t.data())[0];
  } finally {
    t.dispose();
  }
}

/**
 * The same operations with asynchronous reads (`data()`, not `dataSync()`): what WebGPU in a
 * browser needs, since its synchronous read goes through a canvas and is not reliable (it reads
 * zeros in headless Chromium). For `lbfgsIterationsAsync`.
 */
export function tfVectorOpsAsync(tf: Tf): AsyncVectorOps<tfType.Variable> {
  const sync = tfVectorOps(tf);
  return {
    zerosLike: sync.zerosLike,
    copy: sync.copy,
    axpy: sync.axpy,
    scale: sync.scale,
    dispose: sync.dispose,
    dot: (a, b) => readScalar(tf.tidy(() => a.mul(b).sum())),
    normInf: (x) => readScalar(tf.tidy(() => x.abs().max())),
    axpyDot: (alpha, x, y, z) =>
      readScalar(
        tf.tidy(() => {
          y.assign(y.add(x.mul(alpha)));
          return z.mul(y).sum();
        }),
      ),
  };
}

/** A scalar tfjs loss of x as an asynchronous L-BFGS objective that writes its gradient in place. */
export function tfObjectiveAsync(tf: Tf, loss: (x: tfType.Tensor) => tfType.Scalar): AsyncObjective<tfType.Variable> {
  const valueAndGrad = tf.valueAndGrad(loss);
  return (x, grad) =>
    readScalar(
      tf.tidy(() => {
        const { value, grad: g } = valueAndGrad(x);
        grad.assign(g);
        return value;
      }),
    );
}

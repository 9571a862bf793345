// Kronecker-factored spatio-temporal attention. Tokens are (time step, column) pairs: full
// attention over all P·N of them costs O(P²N²). Instead one P×P temporal map Θ_T and one N×N
// spatial map Θ_S pass messages as Θ_S · X · Θ_Tᵀ per channel, which is (Θ_T ⊗ Θ_S) vec(X)
// at O(P²N + N²P).
import type * as tfType from '@tensorflow/tfjs';
import { matMul2d, matMul3d } from '../../tf/matmul';

type Tf = typeof tfType;

/**
 * Applies the factorised message passing to X of shape [B, P, N, C] with Θ_T [B, P, P] and
 * Θ_S [B, N, N]: out[b, p, n, c] = Σ_{p', n'} Θ_T[b, p, p'] Θ_S[b, n, n'] X[b, p', n', c].
 */
export function kronMessage(tf: Tf, x: tfType.Tensor4D, thetaT: tfType.Tensor3D, thetaS: tfType.Tensor3D): tfType.Tensor4D {
  return tf.tidy(() => {
    const [b, p, n, c] = x.shape;
    // Time first: [B, P, P] x [B, P, N*C].
    // matMul3d: plain products with explicit-transpose gradients (wasm's transposed matMul is slow).
    const alongTime = matMul3d(tf, thetaT, x.reshape([b, p, n * c])).reshape([b, p, n, c]);
    // Then space: bring N to the front of each batch, [B, N, N] x [B, N, P*C].
    const nodesFirst = alongTime.transpose([0, 2, 1, 3]).reshape([b, n, p * c]);
    return matMul3d(tf, thetaS, nodesFirst as tfType.Tensor3D).reshape([b, n, p, c]).transpose([0, 2, 1, 3]) as tfType.Tensor4D;
  });
}

/**
 * The attention maps from X [B, P, N, C]: Θ_T from queries and keys of the node-averaged
 * sequence, Θ_S from the time-averaged nodes, each a row-softmax of scaled dot products. An
 * optional spatial bias [N, N] (e.g. −β · H3 grid distance) is added before the softmax.
 */
export function kronMaps(
  tf: Tf,
  x: tfType.Tensor4D,
  weights: { qT: tfType.Tensor2D; kT: tfType.Tensor2D; qS: tfType.Tensor2D; kS: tfType.Tensor2D },
  spatialBias?: tfType.Tensor2D,
): { thetaT: tfType.Tensor3D; thetaS: tfType.Tensor3D } {
  return tf.tidy(() => {
    const [b, p, n, c] = x.shape;
    const d = weights.qT.shape[1];
    const scale = 1 / Math.sqrt(d);
    const seq = x.mean(2) as tfType.Tensor3D; // [B, P, C]
    const nodes = x.mean(1) as tfType.Tensor3D; // [B, N, C]
    const project = (t: tfType.Tensor3D, w: tfType.Tensor2D, rows: number) => matMul2d(tf, t.reshape([b * rows, c]), w).reshape([b, rows, d]) as tfType.Tensor3D;
    const keysT = (t: tfType.Tensor3D) => t.transpose([0, 2, 1]) as tfType.Tensor3D;
    const scoresT = matMul3d(tf, project(seq, weights.qT, p), keysT(project(seq, weights.kT, p))).mul(scale);
    let scoresS = matMul3d(tf, project(nodes, weights.qS, n), keysT(project(nodes, weights.kS, n))).mul(scale);
    if (spatialBias) scoresS = scoresS.add(spatialBias.expandDims(0));
    return { thetaT: tf.softmax(scoresT) as tfType.Tensor3D, thetaS: tf.softmax(scoresS) as tfType.Tensor3D };
  });
}

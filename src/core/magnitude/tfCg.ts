// The matrix-free CG written with tfjs ops, so the expensive part (Z·v, n² kernel evaluations per
// product) runs on whatever backend tf has: WebGPU or WebGL in the webview, wasm or cpu in Node.
// The caller passes its tf namespace (nothing here imports a backend).
//
// Precision: tensors are float32, so the attainable residual is ~1e-6 relative and the default
// tolerance is 1e-5. Scalars and the preconditioner run in float64 on the host: each iteration
// reads back r (n floats) to apply the same preconditioner as the Float64 CG, which costs far
// less than the product itself. Every product runs inside tf.tidy (one nested tidy per tile, so
// memory stays O(tile·n)), and every tensor kept across iterations is disposed explicitly.

import type * as tfjs from '@tensorflow/tfjs';
import { buildCgPreconditioner, type CgPreconditionerName } from './cg';
import { unitRows, spaceSize, type MetricSpace } from './metrics';
import { KernelOperator, rmsResidualOf } from './operator';
import { now, sum, type IterativeOptions, type WeightingResult } from './types';

export type TfNamespace = typeof tfjs;
type Tensor2D = tfjs.Tensor2D;

export interface TfCgOptions extends IterativeOptions {
  preconditioner?: CgPreconditionerName;
  /** Store Z on the device when it has at most this many entries; 0 forces the tiled path. Default 2²⁴. */
  maxStoredEntries?: number;
  /** Bound on the elements of one tile's intermediates (rows·n·dim). Default 2²². */
  tileElements?: number;
  /** Also compute the final residual in float64 on the host (one n² pass). Default: n ≤ 5000. */
  float64Residual?: boolean;
}

/** Z·v on the device: a stored Z, or tiles of rows recomputed from the points. */
interface DeviceKernel {
  apply(v: Tensor2D): Tensor2D;
  dispose(): void;
  description: string;
}

function deviceKernel(tf: TfNamespace, space: MetricSpace, t: number, options: TfCgOptions): DeviceKernel {
  const n = spaceSize(space);
  const maxStored = options.maxStoredEntries ?? 2 ** 24;
  if (space.kind === 'matrix') {
    // The distances are already n² numbers, so Z is stored.
    const z = tf.tidy(() => tf.exp(tf.mul(tf.tensor2d(Float32Array.from(space.distances.data.subarray(0, n * n)), [n, n], 'float32'), -t))) as Tensor2D;
    return { apply: (v) => tf.matMul(z, v), dispose: () => z.dispose(), description: 'stored Z from the distance matrix' };
  }
  const { metric } = space;
  const source = metric === 'cosine' ? unitRows(space.points) : space.points;
  const dim = source.dim;
  // Centre Euclidean/Manhattan points: differences are unchanged, float32 rounding of the
  // coordinates shrinks with their magnitude.
  const coords = new Float32Array(n * dim);
  const mean = new Float64Array(dim);
  if (metric !== 'cosine') {
    for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) mean[k] += source.data[i * dim + k] / n;
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < dim; k++) coords[i * dim + k] = source.data[i * dim + k] - mean[k];
  const x = tf.tensor2d(coords, [n, dim], 'float32');
  // Direct differences are exact to float32 rounding; the Gram expansion ‖a‖² + ‖b‖² − 2a·b
  // cancels badly for close points, so it is used only where (rows × n × dim) would not fit.
  // Manhattan has no Gram form, so it always takes differences (with tiles shrunk by dim).
  const direct = metric === 'manhattan' || (metric === 'euclidean' && dim <= 16);
  const tileElements = options.tileElements ?? 2 ** 22;
  const tileRows = Math.max(1, Math.min(n, Math.floor(tileElements / Math.max(1, n * (direct ? dim : 1)))));
  const squaredNorms = !direct && metric === 'euclidean' ? tf.tidy(() => tf.sum(tf.square(x), 1, true)) : null;

  // Gram-form distances leave rounding noise on the diagonal (√(1e-7) ≈ 3e-4 for Euclidean),
  // which would shift Z_ii away from 1; the mask pins d(i, i) to 0.
  const offDiagonal = (i0: number, rows: number): tfjs.Tensor => tf.sub(1, tf.oneHot(tf.range(i0, i0 + rows, 1, 'int32'), n, 1, 0, 'float32'));
  const distanceTile = (i0: number, rows: number): Tensor2D => {
    const xt = tf.slice(x, [i0, 0], [rows, dim]);
    if (metric === 'cosine') return tf.mul(tf.relu(tf.sub(1, tf.matMul(xt, x, false, true))), offDiagonal(i0, rows)) as Tensor2D;
    if (direct) {
      const diff = tf.sub(tf.expandDims(xt, 1), tf.expandDims(x, 0));
      return (metric === 'manhattan' ? tf.sum(tf.abs(diff), 2) : tf.sqrt(tf.sum(tf.square(diff), 2))) as Tensor2D;
    }
    // Euclidean in high dimension via the Gram expansion.
    const nt = tf.slice(squaredNorms!, [i0, 0], [rows, 1]);
    const d2 = tf.sub(tf.add(nt, tf.transpose(squaredNorms!)), tf.mul(2, tf.matMul(xt, x, false, true)));
    return tf.mul(tf.sqrt(tf.relu(d2)), offDiagonal(i0, rows)) as Tensor2D;
  };
  const kernelTile = (i0: number, rows: number): Tensor2D => tf.exp(tf.mul(distanceTile(i0, rows), -t)) as Tensor2D;

  const disposeInputs = (): void => {
    x.dispose();
    squaredNorms?.dispose();
  };
  if (n * n <= maxStored) {
    const z = tf.tidy(() => {
      const parts: Tensor2D[] = [];
      for (let i0 = 0; i0 < n; i0 += tileRows) parts.push(kernelTile(i0, Math.min(tileRows, n - i0)));
      return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as Tensor2D);
    });
    disposeInputs();
    return { apply: (v) => tf.matMul(z, v), dispose: () => z.dispose(), description: 'Z stored on the device' };
  }
  return {
    apply(v) {
      const parts: Tensor2D[] = [];
      for (let i0 = 0; i0 < n; i0 += tileRows) {
        const rows = Math.min(tileRows, n - i0);
        parts.push(tf.tidy(() => tf.matMul(kernelTile(i0, rows), v)));
      }
      const y = tf.concat(parts, 0) as Tensor2D;
      for (const part of parts) part.dispose();
      return y;
    },
    dispose: disposeInputs,
    description: `Z·v in tiles of ${tileRows} rows`,
  };
}

/**
 * The weighting vector by preconditioned CG with tfjs ops. Resolves with float64 weights (the
 * float32 iterate widened) and the residual ‖Zw − 1‖/√n.
 */
export async function weightingVectorTf(tf: TfNamespace, space: MetricSpace, t: number, options: TfCgOptions = {}): Promise<WeightingResult> {
  const start = now();
  if (!(t > 0) || !Number.isFinite(t)) throw new RangeError(`scale t must be positive and finite, got ${t}`);
  const n = spaceSize(space);
  const notes: string[] = [];
  if (n === 0) return { weights: new Float64Array(0), magnitude: 0, residual: 0, solver: 'cg-tf', iterations: 0, converged: true, seconds: now() - start, notes };
  const tol = options.tol ?? 1e-5;
  if (tol < 1e-6) notes.push(`tolerance ${tol.toExponential(0)} is below what float32 can reach; expect the residual to stall near 1e-6.`);
  const maxIterations = options.maxIterations ?? 500;
  const hostOperator = new KernelOperator(space, t);
  const { preconditioner, reason } = buildCgPreconditioner(space, hostOperator, options.preconditioner ?? 'auto', options);
  const kernel = deviceKernel(tf, space, t, options);
  const sqrtN = Math.sqrt(n);

  const x64 = new Float64Array(n);
  if (options.initial && options.initial.length === n) x64.set(options.initial);
  let x = tf.tensor2d(Float32Array.from(x64), [n, 1]);
  let r: Tensor2D | null = null;
  let p: Tensor2D | null = null;
  const r64 = new Float64Array(n);
  const z64 = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  let residual = Infinity;
  let breakdown = false;
  try {
    const computeResidual = async (): Promise<number> => {
      r?.dispose();
      r = tf.tidy(() => tf.sub(1, kernel.apply(x)) as Tensor2D);
      const values = await r.data();
      let s = 0;
      for (let i = 0; i < n; i++) {
        r64[i] = values[i];
        s += values[i] * values[i];
      }
      return Math.sqrt(s) / sqrtN;
    };
    residual = await computeResidual();
    // Restart once from the true residual if the recurrence claims convergence it lacks.
    for (let restart = 0; restart < 2 && residual > tol && iterations < maxIterations && !breakdown; restart++) {
      preconditioner.apply(r64, z64);
      let rz = 0;
      for (let i = 0; i < n; i++) rz += r64[i] * z64[i];
      p?.dispose();
      p = tf.tensor2d(Float32Array.from(z64), [n, 1]);
      while (iterations < maxIterations) {
        const pCurrent: Tensor2D = p!;
        const q = tf.tidy(() => kernel.apply(pCurrent));
        const pqTensor = tf.tidy(() => tf.sum(tf.mul(pCurrent, q)));
        const pq = (await pqTensor.data())[0];
        pqTensor.dispose();
        if (!(pq > 0) || !(rz > 0)) {
          q.dispose();
          notes.push(`CG broke down at iteration ${iterations} (pᵀZp = ${pq.toExponential(2)} in float32): Z is not numerically positive definite at this precision.`);
          breakdown = true;
          break;
        }
        const alpha = rz / pq;
        const xNext = tf.tidy(() => tf.add(x, tf.mul(pCurrent, alpha)) as Tensor2D);
        const rNext = tf.tidy(() => tf.sub(r!, tf.mul(q, alpha)) as Tensor2D);
        q.dispose();
        x.dispose();
        r!.dispose();
        x = xNext;
        r = rNext;
        iterations++;
        const values = await rNext.data();
        let rr = 0;
        for (let i = 0; i < n; i++) {
          r64[i] = values[i];
          rr += values[i] * values[i];
        }
        if (Math.sqrt(rr) / sqrtN <= tol) break;
        preconditioner.apply(r64, z64);
        let rzNext = 0;
        for (let i = 0; i < n; i++) rzNext += r64[i] * z64[i];
        const beta = rzNext / rz;
        rz = rzNext;
        const zTensor = tf.tensor2d(Float32Array.from(z64), [n, 1]);
        const pNext = tf.tidy(() => tf.add(zTensor, tf.mul(pCurrent, beta)) as Tensor2D);
        zTensor.dispose();
        pCurrent.dispose();
        p = pNext;
      }
      residual = await computeResidual();
    }
    converged = residual <= tol;
    const xValues = await x.data();
    const weights = Float64Array.from(xValues);
    const backend = tf.getBackend();
    notes.unshift(`backend ${backend}, float32; ${kernel.description}; preconditioner ${preconditioner.name} (${reason})`);
    let reported = residual;
    if (options.float64Residual ?? n <= 5000) {
      const zw = new Float64Array(n);
      hostOperator.apply(weights, zw);
      reported = rmsResidualOf(zw);
      notes.push(`residual checked in float64 on the host: ${reported.toExponential(2)} (float32 on the device: ${residual.toExponential(2)})`);
    } else {
      notes.push(`residual computed in float32 on the device`);
    }
    if (!converged && !breakdown) {
      notes.push(`CG did not converge: after ${iterations} iterations the residual is ${residual.toExponential(2)}, above the tolerance ${tol.toExponential(1)}.`);
    }
    return { weights, magnitude: sum(weights), residual: reported, solver: 'cg-tf', iterations, converged, seconds: now() - start, notes };
  } finally {
    x.dispose();
    (r as Tensor2D | null)?.dispose();
    (p as Tensor2D | null)?.dispose();
    kernel.dispose();
  }
}

// The one measure every 2-D map is scored by: the Pearson correlation between the weighting
// vector of the input and the weighting vector of the map, both exact (Float64 Cholesky) and
// both at the same scale t. Computed the same way for the autoencoder, PCA and t-SNE.

import { pointSpace, type MetricName } from '../metrics';
import { weightingVectorCholesky } from '../cholesky';

/** Pearson's r; NaN when either vector is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`pearson needs vectors of one length, got ${n} and ${b.length}`);
  if (n < 2) return NaN;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i] - ma;
    const y = b[i] - mb;
    sab += x * y;
    saa += x * x;
    sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** The exact weighting vector of n points (row-major n × dim) at scale t. */
export function exactWeights(data: Float64Array, n: number, dim: number, t: number, metric: MetricName = 'euclidean'): Float64Array {
  return weightingVectorCholesky(pointSpace({ n, dim, data }, metric), t).weights;
}

/** ρ(w_X, w_code): the input's weights against those of a code (n × dim) at the same t. */
export function codeRho(inputWeights: ArrayLike<number>, codes: Float64Array, dim: number, t: number): { rho: number; weights: Float64Array } {
  const n = inputWeights.length;
  const weights = exactWeights(codes, n, dim, t);
  return { rho: pearson(inputWeights, weights), weights };
}

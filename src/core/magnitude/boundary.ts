// Reading a weighting vector: points with large weight sit on the boundary of the cloud or away
// from it (outliers), interior points share their weight with many neighbours.

export interface RankedPoint {
  /** Row in the input. */
  index: number;
  weight: number;
}

/** The k rows with the largest weights, largest first (ties by row order). */
export function topWeights(weights: ArrayLike<number>, k: number): RankedPoint[] {
  const n = weights.length;
  const count = Math.max(0, Math.min(n, Math.floor(k)));
  if (count === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => weights[b] - weights[a] || a - b);
  return order.slice(0, count).map((index) => ({ index, weight: weights[index] }));
}

export interface WeightSpread {
  n: number;
  min: number;
  max: number;
  mean: number;
  median: number;
  standardDeviation: number;
  /** standardDeviation / |mean|: scale-free spread (NaN when the mean is 0). */
  coefficientOfVariation: number;
  /** 10th and 90th percentiles, and their ratio (the weight contrast between boundary and bulk). */
  p10: number;
  p90: number;
  p90OverP10: number;
  /** Negative weights appear at small t; many of them mean the scale is too coarse to read. */
  negativeCount: number;
  /** Share of Σw carried by the top 10 % of points. */
  top10PercentShare: number;
}

function quantileSorted(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const lo = Math.floor(position);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
}

export function weightSpread(weights: ArrayLike<number>): WeightSpread {
  const n = weights.length;
  const sorted = Float64Array.from(weights).sort();
  let total = 0;
  let negativeCount = 0;
  for (let i = 0; i < n; i++) {
    total += sorted[i];
    if (sorted[i] < 0) negativeCount++;
  }
  const mean = n > 0 ? total / n : NaN;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (sorted[i] - mean) ** 2;
  const standardDeviation = n > 0 ? Math.sqrt(squares / n) : NaN;
  const topCount = Math.max(1, Math.round(0.1 * n));
  let topSum = 0;
  for (let i = n - topCount; i < n; i++) topSum += sorted[i];
  const p10 = quantileSorted(sorted, 0.1);
  const p90 = quantileSorted(sorted, 0.9);
  return {
    n,
    min: n > 0 ? sorted[0] : NaN,
    max: n > 0 ? sorted[n - 1] : NaN,
    mean,
    median: quantileSorted(sorted, 0.5),
    standardDeviation,
    coefficientOfVariation: mean !== 0 ? standardDeviation / Math.abs(mean) : NaN,
    p10,
    p90,
    p90OverP10: p10 !== 0 ? p90 / p10 : NaN,
    negativeCount,
    top10PercentShare: total !== 0 && n > 0 ? topSum / total : NaN,
  };
}

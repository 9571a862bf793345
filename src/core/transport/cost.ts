// Ground costs between bins. Costs are scaled to mean 1 by default, so that one ε means the
// same amount of blur whatever the grid's size or units.

/** A square cost matrix, row-major: values[i * size + j] is the cost of moving bin i to bin j. */
export interface CostMatrix {
  readonly size: number;
  readonly values: Float64Array;
}

export interface CostScaling {
  /** Divide the costs by their mean (default true). */
  scaleToMeanOne?: boolean;
}

/** n evenly spaced points from lo to hi, both included. */
export function linspace(lo: number, hi: number, n: number): Float64Array {
  const points = new Float64Array(n);
  const step = n > 1 ? (hi - lo) / (n - 1) : 0;
  for (let i = 0; i < n; i++) points[i] = lo + i * step;
  return points;
}

/** Squared Euclidean costs between points given row-major, `dimension` coordinates each. */
export function squaredEuclideanCost(points: ArrayLike<number>, dimension = 1, scaling: CostScaling = {}): CostMatrix {
  if (!Number.isInteger(dimension) || dimension < 1 || points.length % dimension !== 0) {
    throw new RangeError(`points (${points.length} numbers) do not split into ${dimension}-D points`);
  }
  const size = points.length / dimension;
  const values = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      let sum = 0;
      for (let d = 0; d < dimension; d++) {
        const diff = points[i * dimension + d] - points[j * dimension + d];
        sum += diff * diff;
      }
      values[i * size + j] = sum;
    }
  }
  const cost = { size, values };
  return scaling.scaleToMeanOne === false ? cost : scaleToMeanOne(cost);
}

/** Squared Euclidean costs between `bins` evenly spaced points on [lo, hi]. */
export function lineGridCost(lo: number, hi: number, bins: number, scaling: CostScaling = {}): CostMatrix {
  return squaredEuclideanCost(linspace(lo, hi, bins), 1, scaling);
}

/**
 * Squared Euclidean costs between the pixels of a width × height image, in pixel units before
 * scaling. Pixel (row r, column c) is bin r * width + c, as in a row-major flattened image.
 */
export function imageGridCost(width: number, height: number, scaling: CostScaling = {}): CostMatrix {
  const points = new Float64Array(width * height * 2);
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      points[2 * (r * width + c)] = r;
      points[2 * (r * width + c) + 1] = c;
    }
  }
  return squaredEuclideanCost(points, 2, scaling);
}

/**
 * The mean of ((r − r')² + (c − c')²) over all pairs of pixels of a width × height image: the
 * divisor that scales the image cost to mean 1, computed without forming the cost matrix.
 */
export function imageGridMeanCost(width: number, height: number): number {
  return meanSquaredGap(width) + meanSquaredGap(height);
}

/** Mean of (i − j)² over all ordered pairs of 0..n−1: (n² − 1) / 6. */
function meanSquaredGap(n: number): number {
  return (n * n - 1) / 6;
}

/** A cost matrix given explicitly (from a file, say): it must be square and finite. */
export function explicitCost(
  values: ArrayLike<number>,
  size: number,
  scaling: CostScaling = { scaleToMeanOne: false },
): CostMatrix {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`cost size must be a positive integer, got ${size}`);
  if (values.length !== size * size) {
    throw new RangeError(`a ${size} × ${size} cost needs ${size * size} values, got ${values.length}`);
  }
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i])) {
      throw new RangeError(`cost entry (${Math.floor(i / size) + 1}, ${(i % size) + 1}) is not a finite number`);
    }
  }
  const cost = { size, values: copy };
  return scaling.scaleToMeanOne ? scaleToMeanOne(cost) : cost;
}

/** The cost divided by its mean entry (unchanged when the mean is 0). */
export function scaleToMeanOne(cost: CostMatrix): CostMatrix {
  let sum = 0;
  for (let i = 0; i < cost.values.length; i++) sum += cost.values[i];
  const mean = sum / cost.values.length;
  if (!(mean > 0)) return cost;
  const values = new Float64Array(cost.values.length);
  for (let i = 0; i < values.length; i++) values[i] = cost.values[i] / mean;
  return { size: cost.size, values };
}

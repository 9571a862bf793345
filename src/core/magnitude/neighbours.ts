// Neighbour search for the sparse solver, the nearest-neighbour scales and the spatial ordering
// the block-Jacobi preconditioner relies on.
//
// A k-d tree with bounding boxes serves Euclidean and Manhattan points (and cosine, as Euclidean
// on unit vectors, since 1 − u·v = ‖u − v‖²/2). It is correct in any dimension, but box pruning
// stops paying off in high dimension, so above MAX_TREE_DIM queries scan all points instead; the
// tree is still built there because its leaf order is a useful spatial sort.

import { distanceOracle, unitRows, type DistanceOracle, type MetricSpace, type PointSet } from './metrics';

const LEAF_SIZE = 16;
const MAX_TREE_DIM = 12;

interface KdTree {
  points: PointSet;
  /** Point indices in tree order: each node covers order[start .. end). */
  order: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** Child node indices, −1 for leaves. */
  left: Int32Array;
  right: Int32Array;
  /** Bounding boxes, node-major: lo[node·dim + k], hi[node·dim + k]. */
  lo: Float64Array;
  hi: Float64Array;
}

function buildKdTree(points: PointSet): KdTree {
  const { n, dim, data } = points;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const maxNodes = Math.max(1, 2 * Math.ceil(n / (LEAF_SIZE / 2)) + 1);
  const start = new Int32Array(maxNodes);
  const end = new Int32Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const lo = new Float64Array(maxNodes * dim);
  const hi = new Float64Array(maxNodes * dim);
  let nodeCount = 0;

  // Quickselect on order[s..e) so that order[mid] has the median coordinate k.
  const select = (s: number, e: number, mid: number, k: number): void => {
    let a = s;
    let b = e - 1;
    while (b > a) {
      const pivot = data[order[(a + b) >> 1] * dim + k];
      let i = a;
      let j = b;
      while (i <= j) {
        while (data[order[i] * dim + k] < pivot) i++;
        while (data[order[j] * dim + k] > pivot) j--;
        if (i <= j) {
          const tmp = order[i];
          order[i] = order[j];
          order[j] = tmp;
          i++;
          j--;
        }
      }
      if (mid <= j) b = j;
      else if (mid >= i) a = i;
      else return;
    }
  };

  const stack: number[] = [];
  const make = (s: number, e: number): number => {
    const node = nodeCount++;
    start[node] = s;
    end[node] = e;
    return node;
  };
  stack.push(make(0, n));
  while (stack.length > 0) {
    const node = stack.pop()!;
    const s = start[node];
    const e = end[node];
    const base = node * dim;
    for (let k = 0; k < dim; k++) {
      lo[base + k] = Infinity;
      hi[base + k] = -Infinity;
    }
    for (let p = s; p < e; p++) {
      const row = order[p] * dim;
      for (let k = 0; k < dim; k++) {
        const v = data[row + k];
        if (v < lo[base + k]) lo[base + k] = v;
        if (v > hi[base + k]) hi[base + k] = v;
      }
    }
    if (e - s <= LEAF_SIZE) continue;
    let splitDim = 0;
    let widest = -1;
    for (let k = 0; k < dim; k++) {
      const width = hi[base + k] - lo[base + k];
      if (width > widest) {
        widest = width;
        splitDim = k;
      }
    }
    if (!(widest > 0)) continue; // all points coincide: keep one (large) leaf
    const mid = (s + e) >> 1;
    select(s, e, mid, splitDim);
    left[node] = make(s, mid);
    right[node] = make(mid, e);
    stack.push(right[node], left[node]);
  }
  return { points, order, start, end, left, right, lo, hi };
}

/** Fixed-radius and nearest-neighbour queries on one metric space. */
export interface NeighbourIndex {
  readonly n: number;
  /** Calls visit(j, d) for every j ≠ i with d(i, j) ≤ radius. */
  withinRadius(i: number, radius: number, visit: (j: number, distance: number) => void): void;
  /** Distance from i to its nearest other point (Infinity when n = 1). */
  nearestDistance(i: number): number;
  /** A permutation of 0..n−1 in which consecutive points are spatially close (identity if unknown). */
  spatialOrder(): Int32Array;
  /** 'kd-tree' or 'scan', for solver reports. */
  readonly method: string;
}

function scanIndex(oracle: DistanceOracle, order: Int32Array | null): NeighbourIndex {
  const n = oracle.n;
  const row = new Float64Array(n);
  return {
    n,
    method: 'scan',
    withinRadius(i, radius, visit) {
      oracle.row(i, 0, n, row, 0);
      for (let j = 0; j < n; j++) if (j !== i && row[j] <= radius) visit(j, row[j]);
    },
    nearestDistance(i) {
      oracle.row(i, 0, n, row, 0);
      let best = Infinity;
      for (let j = 0; j < n; j++) if (j !== i && row[j] < best) best = row[j];
      return best;
    },
    spatialOrder() {
      if (order) return order;
      const identity = new Int32Array(n);
      for (let i = 0; i < n; i++) identity[i] = i;
      return identity;
    },
  };
}

/**
 * A tree index over `points` where the true distance is a monotone function of the tree
 * metric: d = transform(treeDistance). Euclidean and Manhattan use the identity; cosine on unit
 * vectors uses d = e²/2.
 */
function treeIndex(
  tree: KdTree, manhattanTree: boolean, oracle: DistanceOracle,
  toTree: (d: number) => number, fromTree: (e: number) => number,
): NeighbourIndex {
  const { order, start, end, left, right, lo, hi } = tree;
  const { n, dim, data } = tree.points;
  const stack = new Int32Array(256);
  // Lower bound on the tree distance from point q to node's box.
  const boxDistance = (qRow: number, node: number): number => {
    let s = 0;
    const base = node * dim;
    for (let k = 0; k < dim; k++) {
      const v = data[qRow + k];
      const gap = v < lo[base + k] ? lo[base + k] - v : v > hi[base + k] ? v - hi[base + k] : 0;
      s += manhattanTree ? gap : gap * gap;
    }
    return manhattanTree ? s : Math.sqrt(s);
  };
  const pointDistance = (qRow: number, j: number): number => {
    let s = 0;
    const row = j * dim;
    if (manhattanTree) {
      for (let k = 0; k < dim; k++) s += Math.abs(data[qRow + k] - data[row + k]);
      return s;
    }
    for (let k = 0; k < dim; k++) {
      const d = data[qRow + k] - data[row + k];
      s += d * d;
    }
    return Math.sqrt(s);
  };
  return {
    n,
    method: 'kd-tree',
    withinRadius(i, radius, visit) {
      const qRow = i * dim;
      const limit = toTree(radius);
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const node = stack[--top];
        if (boxDistance(qRow, node) > limit) continue;
        if (left[node] < 0) {
          for (let p = start[node]; p < end[node]; p++) {
            const j = order[p];
            if (j === i) continue;
            const e = pointDistance(qRow, j);
            if (e <= limit) {
              // Report the metric's own distance so solvers see exactly what the dense path sees.
              const d = oracle.distance(i, j);
              if (d <= radius) visit(j, d);
            }
          }
        } else {
          stack[top++] = right[node];
          stack[top++] = left[node];
        }
      }
    },
    nearestDistance(i) {
      const qRow = i * dim;
      let best = Infinity;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const node = stack[--top];
        if (boxDistance(qRow, node) >= best) continue;
        if (left[node] < 0) {
          for (let p = start[node]; p < end[node]; p++) {
            const j = order[p];
            if (j === i) continue;
            const e = pointDistance(qRow, j);
            if (e < best) best = e;
          }
        } else {
          // Visit the nearer child first so `best` shrinks early.
          const l = left[node];
          const r = right[node];
          if (boxDistance(qRow, l) <= boxDistance(qRow, r)) {
            stack[top++] = r;
            stack[top++] = l;
          } else {
            stack[top++] = l;
            stack[top++] = r;
          }
        }
      }
      return fromTree(best);
    },
    spatialOrder: () => order,
  };
}

export function neighbourIndex(space: MetricSpace): NeighbourIndex {
  const oracle = distanceOracle(space);
  if (space.kind === 'matrix') return scanIndex(oracle, null);
  const { points, metric } = space;
  if (metric === 'cosine') {
    const unit = unitRows(points);
    let hasZero = false;
    for (let i = 0; i < unit.n && !hasZero; i++) {
      let s = 0;
      for (let k = 0; k < unit.dim; k++) s += unit.data[i * unit.dim + k] ** 2;
      hasZero = s === 0;
    }
    const tree = buildKdTree(unit);
    // A zero vector breaks the d = e²/2 correspondence, so scan in that case.
    if (hasZero || unit.dim > MAX_TREE_DIM) return scanIndex(oracle, tree.order);
    // Slack on the radius absorbs rounding between the two formulas; the exact check follows.
    return treeIndex(tree, false, oracle, (d) => Math.sqrt(2 * d) * (1 + 1e-9) + 1e-12, (e) => (e * e) / 2);
  }
  const tree = buildKdTree(points);
  if (points.dim > MAX_TREE_DIM) return scanIndex(oracle, tree.order);
  return treeIndex(tree, metric === 'manhattan', oracle, (d) => d, (e) => e);
}

/** Distance from every point to its nearest other point. */
export function nearestDistances(space: MetricSpace, index: NeighbourIndex = neighbourIndex(space)): Float64Array {
  const out = new Float64Array(index.n);
  for (let i = 0; i < index.n; i++) out[i] = index.nearestDistance(i);
  return out;
}

// Pure functions behind the weighting-vector scatter: choosing the view's coordinates (columns,
// PCA), rotating a 3-D view, fitting it to the canvas, the colour domain of the weights, and
// finding the point under the cursor. No DOM here, so they are tested in Node.
import { pca, type PcaResult } from '../../src/core/embed/pca';
import type { PointCloud } from '../../src/core/points/samples';

export type ViewMode = 'columns' | 'rotate' | 'pca2';

/** The modes a dimension offers, the default first. */
export function viewModes(dim: number): ViewMode[] {
  if (dim <= 2) return ['columns'];
  if (dim === 3) return ['rotate', 'columns'];
  return ['rotate', 'pca2', 'columns'];
}

export interface ViewCoordinates {
  /** Row-major n × k (k = 2 or 3) coordinates to draw. */
  coords: Float64Array;
  k: 2 | 3;
  /** Axis names, for labels. */
  axes: string[];
  /** For PCA views: the share of variance the axes hold. */
  explained: Float64Array | null;
}

/**
 * The coordinates a view draws: two chosen columns; all three columns of 3-D data, or the first
 * three principal components (rotatable); the first two principal components. One-dimensional
 * data is drawn against the weight (`weights`) on the vertical axis.
 */
export function viewCoordinates(points: PointCloud, columns: string[], mode: ViewMode, pick: [number, number], weights: Float64Array | null, pcaCache?: { value?: PcaResult }): ViewCoordinates {
  const { n, dim, data } = points;
  if (dim === 1) {
    const coords = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      coords[2 * i] = data[i];
      coords[2 * i + 1] = weights ? weights[i] : 0;
    }
    return { coords, k: 2, axes: [columns[0] ?? 'x', 'weight'], explained: null };
  }
  if (mode === 'columns' || dim === 2) {
    const [a, b] = dim === 2 ? [0, 1] : pick;
    const coords = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      coords[2 * i] = data[i * dim + a];
      coords[2 * i + 1] = data[i * dim + b];
    }
    return { coords, k: 2, axes: [columns[a], columns[b]], explained: null };
  }
  if (mode === 'rotate' && dim === 3) return { coords: data.slice(0, 3 * n), k: 3, axes: columns.slice(0, 3), explained: null };
  const p = pcaCache?.value && pcaCache.value.dim === dim ? pcaCache.value : pca(points, { components: 3 });
  if (pcaCache) pcaCache.value = p;
  const k = mode === 'pca2' ? 2 : 3;
  const coords = new Float64Array(k * n);
  for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) coords[i * k + r] = p.codes[i * p.components + r];
  return { coords, k: k as 2 | 3, axes: Array.from({ length: k }, (_, r) => `PC${r + 1}`), explained: p.explained.slice(0, k) };
}

/** Rotation by yaw (about the vertical axis) then pitch (about the horizontal axis): row-major 3 × 3. */
export function rotation(yaw: number, pitch: number): Float64Array {
  const cy = Math.cos(yaw), sy = Math.sin(yaw), cp = Math.cos(pitch), sp = Math.sin(pitch);
  // R = Rx(pitch) · Ry(yaw)
  return Float64Array.from([cy, 0, sy, sp * sy, cp, -sp * cy, -cp * sy, sp, cp * cy]);
}

export interface Projected {
  /** Screen x, y per point (pixels), and depth (larger is nearer) for 3-D views. */
  x: Float32Array;
  y: Float32Array;
  depth: Float32Array | null;
}

/**
 * Screen positions in a width × height box with `margin`: 2-D coordinates are fitted with equal
 * scales on both axes unless `independent`; 3-D ones are centred, rotated and scaled so the cloud's
 * bounding sphere fits whatever the rotation (so the view never jumps while dragging).
 */
export function project(view: Pick<ViewCoordinates, 'coords' | 'k'>, n: number, width: number, height: number, margin: number, rot: Float64Array | null, independent = false): Projected {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  const w = width - 2 * margin;
  const h = height - 2 * margin;
  if (view.k === 2) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < n; i++) {
      const a = view.coords[2 * i], b = view.coords[2 * i + 1];
      if (a < x0) x0 = a;
      if (a > x1) x1 = a;
      if (b < y0) y0 = b;
      if (b > y1) y1 = b;
    }
    const sx0 = w / (x1 - x0 || 1);
    const sy0 = h / (y1 - y0 || 1);
    const sx = independent ? sx0 : Math.min(sx0, sy0);
    const sy = independent ? sy0 : Math.min(sx0, sy0);
    const ox = margin + (w - sx * (x1 - x0)) / 2;
    const oy = margin + (h - sy * (y1 - y0)) / 2;
    for (let i = 0; i < n; i++) {
      x[i] = ox + sx * (view.coords[2 * i] - x0);
      y[i] = height - (oy + sy * (view.coords[2 * i + 1] - y0)); // y up
    }
    return { x, y, depth: null };
  }
  const c = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k] += view.coords[3 * i + k] / n;
  let radius = 0;
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < 3; k++) s += (view.coords[3 * i + k] - c[k]) ** 2;
    radius = Math.max(radius, Math.sqrt(s));
  }
  const scale = Math.min(w, h) / 2 / (radius || 1);
  const r = rot ?? rotation(0, 0);
  const depth = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p0 = view.coords[3 * i] - c[0], p1 = view.coords[3 * i + 1] - c[1], p2 = view.coords[3 * i + 2] - c[2];
    const rx = r[0] * p0 + r[1] * p1 + r[2] * p2;
    const ry = r[3] * p0 + r[4] * p1 + r[5] * p2;
    const rz = r[6] * p0 + r[7] * p1 + r[8] * p2;
    x[i] = width / 2 + scale * rx;
    y[i] = height / 2 - scale * ry;
    depth[i] = rz;
  }
  return { x, y, depth };
}

/** Drawing order: far to near in 3-D; in 2-D by weight, so the large (boundary) weights lie on top. */
export function drawOrder(n: number, depth: Float32Array | null, weights: ArrayLike<number> | null): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  if (depth) return order.sort((a, b) => depth[a] - depth[b]);
  if (weights) return order.sort((a, b) => weights[a] - weights[b]);
  return order;
}

/**
 * The colour domain for the weights: [min, max], or the 1st–99th percentiles when a few extreme
 * weights (outliers, or ± pairs of near-duplicate points at small t) would squash everyone else
 * into one colour. `clamped` says which.
 */
export function weightDomain(weights: ArrayLike<number>): { domain: [number, number]; clamped: boolean } {
  const n = weights.length;
  if (n === 0) return { domain: [0, 1], clamped: false };
  const sorted = Float64Array.from(weights).sort();
  const min = sorted[0], max = sorted[n - 1];
  if (min === max) return { domain: [min - 0.5, max + 0.5], clamped: false };
  if (n < 100) return { domain: [min, max], clamped: false };
  const lo = sorted[Math.floor(0.01 * (n - 1))];
  const hi = sorted[Math.ceil(0.99 * (n - 1))];
  // Clamp only when the tails stretch the range by more than half again.
  if (hi > lo && (max - min) > 1.5 * (hi - lo)) return { domain: [lo, hi], clamped: true };
  return { domain: [min, max], clamped: false };
}

/** Index of the point nearest (px, py) within `radius` pixels, or −1. Ties go to the point drawn last. */
export function nearestPoint(p: Projected, px: number, py: number, radius: number, order?: Int32Array): number {
  let best = -1;
  let bestD = radius * radius;
  const n = p.x.length;
  for (let s = 0; s < n; s++) {
    const i = order ? order[s] : s;
    const d = (p.x[i] - px) ** 2 + (p.y[i] - py) ** 2;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

/** t on a log slider: position in [0, steps] ↔ t in [tMin, tMax]. */
export function sliderToT(position: number, steps: number, tMin: number, tMax: number): number {
  return tMin * (tMax / tMin) ** (position / steps);
}

export function tToSlider(t: number, steps: number, tMin: number, tMax: number): number {
  return Math.round((steps * Math.log(t / tMin)) / Math.log(tMax / tMin));
}

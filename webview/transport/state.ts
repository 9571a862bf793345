// The Transport page's state, pure (no DOM): the clouds as the page holds them, the settings read
// from the form, the 2-D view of the clouds (the first two principal axes of both when d > 2),
// the arrows of the map, the displacement bars and the training curves. Tested in Node
// (test/unit/webview.transport.test.ts).
import { formatFigure } from '../../src/core/format';
import { pca } from '../../src/core/embed/pca';
import type { Cloud } from '../../src/core/transport/points';
import { SPARSITY_KINDS } from '../../src/core/transport/sparsity';
import { TRANSPORT_LIMITS, TRANSPORT_METHODS, type CloudPayload, type TransportConfig, type TransportTrainPoint } from '../../src/protocol/transport';

export const fmt = (v: number | null | undefined, digits = 4): string => formatFigure(v, { digits, style: 'short', exponent: 2 });

export const cloudOf = (p: CloudPayload): Cloud => ({ n: p.n, dim: p.dim, data: p.data });

/** The form's text, as the page reads it. */
export interface ConfigForm {
  method: string;
  epsilon: string;
  sparsity: string;
  lambda: string;
  targetDim: string;
  iterations: string;
  seed: string;
}

/** The run settings from the form, or what is wrong with them (in words). */
export function readTransportConfig(form: ConfigForm): TransportConfig | string {
  const method = TRANSPORT_METHODS.find((m) => m === form.method);
  if (!method) return `Unknown method ${form.method}.`;
  const sparsity = SPARSITY_KINDS.find((s) => s === form.sparsity);
  if (!sparsity) return `Unknown sparsity ${form.sparsity}.`;
  const epsilon = form.epsilon.trim() === '' ? null : Number(form.epsilon);
  if (epsilon !== null && !(epsilon > 0 && Number.isFinite(epsilon))) return 'ε must be a positive number (or empty for 5% of the mean squared distance).';
  const lambda = Number(form.lambda);
  if (form.lambda.trim() === '' || !(lambda >= 0 && Number.isFinite(lambda))) return 'λ must be a number ≥ 0.';
  const targetDim = form.targetDim.trim() === '' ? null : Number(form.targetDim);
  if (targetDim !== null && !(targetDim > 0 && Number.isFinite(targetDim))) return 'The target dimension must be a positive number (or empty for a fixed λ).';
  const iterations = Number(form.iterations);
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > TRANSPORT_LIMITS.iterations) return `The steps must be a whole number from 1 to ${TRANSPORT_LIMITS.iterations}.`;
  const seed = Number(form.seed);
  if (form.seed.trim() === '' || !Number.isInteger(seed) || seed < 0) return 'The seed must be a non-negative integer.';
  return { method, epsilon, sparsity, lambda, targetDim, iterations, seed };
}

/** The 2-D view of both clouds: the coordinates themselves in 2-D, else the first two principal axes of A ∪ B. */
export interface PlaneView {
  axes: [string, string];
  /** Projects n points (row-major, dim each) onto the plane: 2n numbers. */
  project(data: ArrayLike<number>, n: number): Float64Array;
}

export function planeView(a: CloudPayload, b: CloudPayload, columns: readonly string[]): PlaneView {
  const d = a.dim;
  if (d === 1) return { axes: [columns[0] ?? 'x', 'point'], project: (data, n) => Float64Array.from({ length: 2 * n }, (_, t) => (t % 2 === 0 ? data[t / 2] : ((t - 1) / 2) / Math.max(1, n - 1))) };
  if (d === 2) return { axes: [columns[0] ?? 'x1', columns[1] ?? 'x2'], project: (data, n) => Float64Array.from({ length: 2 * n }, (_, t) => data[t]) };
  const both = new Float64Array((a.n + b.n) * d);
  both.set(a.data, 0);
  both.set(b.data, a.n * d);
  const p = pca({ n: a.n + b.n, dim: d, data: both }, { components: 2 });
  const pct = (k: number) => `${Math.round(100 * p.explained[k])}%`;
  return {
    axes: [`PC1 (${pct(0)} of the variance)`, `PC2 (${pct(1)})`],
    project(data, n) {
      const out = new Float64Array(2 * n);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 2; c++) {
          let s = 0;
          for (let k = 0; k < d; k++) s += (data[i * d + k] - p.mean[k]) * p.axes[c * d + k];
          out[2 * i + c] = s;
        }
      }
      return out;
    },
  };
}

/** An arrow from x_i to T(x_i) in the plane, with the full-dimensional length |T(x_i) − x_i|. */
export interface Arrow {
  i: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  length: number;
}

/** The arrows of at most `max` source points (evenly spaced through A), in the plane. */
export function mapArrows(view: PlaneView, a: CloudPayload, mapped: Float64Array, max = 300): Arrow[] {
  if (mapped.length !== a.n * a.dim) return [];
  const step = Math.max(1, Math.ceil(a.n / max));
  const picked: number[] = [];
  for (let i = 0; i < a.n; i += step) picked.push(i);
  const d = a.dim;
  const from = new Float64Array(picked.length * d);
  const to = new Float64Array(picked.length * d);
  picked.forEach((i, r) => {
    from.set(a.data.subarray(i * d, (i + 1) * d), r * d);
    to.set(mapped.subarray(i * d, (i + 1) * d), r * d);
  });
  const p = view.project(from, picked.length);
  const q = view.project(to, picked.length);
  return picked.map((i, r) => {
    let len = 0;
    for (let k = 0; k < d; k++) len += (to[r * d + k] - from[r * d + k]) ** 2;
    return { i, x1: p[2 * r], y1: p[2 * r + 1], x2: q[2 * r], y2: q[2 * r + 1], length: Math.sqrt(len) };
  });
}

/** The per-coordinate displacement as bars, and the columns that move (mean |Δ| > 0.1), largest first. */
export function displacementBars(columns: readonly string[], perCoordinate: readonly number[], threshold = 0.1): { bars: { label: string; value: number }[]; moved: string[] } {
  const bars = perCoordinate.map((value, k) => ({ label: columns[k] ?? String(k + 1), value }));
  const moved = bars.filter((b) => b.value > threshold).sort((p, q) => q.value - p.value).map((b) => b.label);
  return { bars, moved };
}

/** Support recovery against a sample's true support: precision and recall of the moved columns. */
export function supportText(moved: readonly string[], columns: readonly string[], support: readonly number[] | null): string {
  if (!support) return '';
  const truth = new Set(support.map((k) => columns[k]));
  const hits = moved.filter((c) => truth.has(c)).length;
  const precision = moved.length === 0 ? 0 : hits / moved.length;
  const recall = truth.size === 0 ? 1 : hits / truth.size;
  return `The true map moves ${[...truth].join(', ')}: precision ${precision.toFixed(2)}, recall ${recall.toFixed(2)}.`;
}

export interface CurveSeries {
  name: string;
  x: number[];
  y: number[];
  className: string;
}

/** The training curves: the loss, the divergence and the Monge gap; and λ with the displacement dimension. */
export function trainingCurves(points: readonly TransportTrainPoint[]): { loss: CurveSeries[]; sparsity: CurveSeries[] } {
  const x = points.map((p) => p.step);
  const series = (name: string, className: string, pick: (p: TransportTrainPoint) => number | null): CurveSeries | null => {
    const y = points.map((p) => pick(p) ?? NaN);
    return y.some(Number.isFinite) ? { name, x, y, className } : null;
  };
  const keep = (s: (CurveSeries | null)[]) => s.filter((c): c is CurveSeries => c !== null);
  return {
    loss: keep([series('loss', 's0', (p) => p.loss), series('divergence S_ε(T#μ, ν)', 's1', (p) => p.divergence), series('Monge gap', 's2', (p) => p.mongeGap)]),
    sparsity: keep([series('λ', 's3', (p) => p.lambda), series('displacement dimension', 's4', (p) => p.displacementDim)]),
  };
}

/** The Sinkhorn report as label/value rows, with a plain warning when it did not converge. */
export function sinkhornRows(s: { epsilon: number; cost: number; divergence: number; marginalError: number; iterations: number; converged: boolean; warnings: string[]; seconds: number; points: [number, number] }): [string, string][] {
  return [
    ['cost ⟨P, C⟩', fmt(s.cost, 6)],
    ['Sinkhorn divergence S_ε', fmt(s.divergence, 6)],
    ['ε', fmt(s.epsilon)],
    ['iterations at ε', String(s.iterations)],
    ['marginal error (L1)', fmt(s.marginalError, 2)],
    ['converged', s.converged ? 'yes' : `NO: ${s.warnings[0] ?? 'the marginal error is above the tolerance'}`],
    ['points', `${s.points[0]} → ${s.points[1]}`],
    ['seconds', fmt(s.seconds, 3)],
  ];
}

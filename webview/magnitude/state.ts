// The weighting-vectors page's state, pure (no DOM): the points, the sweep and the weights being
// shown, which solver `auto` means on this backend, and the words the page shows for them.
// Tested in Node (test/unit/webview.magnitudeState.test.ts); view.ts draws, main.ts wires.
import type { PcaResult } from '../../src/core/embed/pca';
import { formatFigure } from '../../src/core/format';
import type { MagnitudeFunctionResult, MetricSpace, WeightingResult } from '../../src/core/magnitude/index';
import { weightSpread } from '../../src/core/magnitude/index';
import { fasterPath, type BackendTiming } from '../common/backend';
import { INTERACTIVE_LIMITS, SAMPLE_TITLES, type MagnitudeSource, type PanelSolver, type PanelTab, type PointsPayload, type PointsRequest } from '../../src/protocol/magnitude';

/** Scales in the panel's magnitude-function sweep (the CLI's default is 30). */
export const SWEEP_COUNT = 20;
export const SLIDER_STEPS = 1000;

export const fmt = (v: number, digits = 4): string => formatFigure(v, { digits, style: 'significant', exponent: 2 });

export interface MagnitudeState {
  recordId: string;
  inputSource: MagnitudeSource | null;
  inputTitle: string;
  canReveal: boolean;
  trusted: boolean;
  /** The tfjs backend's name, once picked. */
  backend: string | null;
  /** Both solve paths timed on this backend (what `auto` weighs), once measured. */
  solverProbe: SolverProbe | null;
  /** The newest points request: an older answer is dropped. */
  requestId: number;
  lastRequest: PointsRequest;
  points: PointsPayload | null;
  space: MetricSpace | null;
  pcaCache: { value?: PcaResult };
  weights: Float64Array | null;
  sweep: MagnitudeFunctionResult | null;
  sweepPartial: { ts: number[]; magnitudes: number[] };
  currentT: number;
  tRange: [number, number];
  /** The scale to solve at once the sweep is done (a restored page's), else the suggested one. */
  resumeT: number | null;
  /** Bumped whenever the points or the metric change: older sweeps and solves then stop. */
  generation: number;
  solving: boolean;
  pendingT: number | null;
  activeTab: PanelTab;
  ranked: { index: number; weight: number }[];
}

export function initialState(recordId = ''): MagnitudeState {
  return {
    recordId, inputSource: null, inputTitle: '', canReveal: false, trusted: true, backend: null, solverProbe: null,
    requestId: 0, lastRequest: { source: 'input', columns: [], normalise: 'none', maxPoints: INTERACTIVE_LIMITS.cholesky },
    points: null, space: null, pcaCache: {}, weights: null, sweep: null, sweepPartial: { ts: [], magnitudes: [] },
    currentT: NaN, tRange: [0.1, 100], resumeT: null, generation: 0, solving: false, pendingT: null, activeTab: 'weights', ranked: [],
  };
}

/** Both solve paths timed on one small problem on this page (solverProbe.ts). */
export interface SolverProbe {
  /** The tfjs backend the CG ran on, and whether it emulates a GPU on the CPU. */
  backend: string;
  emulated: boolean;
  /** The probe's number of points. */
  m: number;
  tfjs: BackendTiming;
  float64: BackendTiming;
}

/**
 * What `auto` runs for n points: the tfjs CG only when it is predicted faster than the Float64
 * solve from the probe's timings, each scaled from the probe's m points to n as its work grows
 * (a CG solve ∝ n², the dense Cholesky ∝ n³ up to the 3,000 points where Float64 `auto` still
 * factors, the matrix-free Float64 CG ∝ n² beyond). A GPU's CG grows slower than n² until it is
 * saturated, so this leans to Float64: a choice that is never slower than measured. No probe yet:
 * Float64.
 */
export function autoSolver(probe: SolverProbe | null, n: number): { solver: 'gpu' | 'auto'; reason: string } {
  if (!probe) return { solver: 'auto', reason: 'the solvers are not measured yet: Float64' };
  const r = Math.max(1, n) / probe.m;
  const scale = (t: BackendTiming) => (t === probe.tfjs || n > 3000 ? r * r : r * r * r);
  const c = fasterPath(probe.tfjs, probe.float64, `${probe.m} points, scaled to n = ${n}`, scale);
  return { solver: c.faster === probe.tfjs.name ? 'gpu' : 'auto', reason: c.reason };
}

/** What `auto` means here for n points: the tfjs CG where it measured faster, else the Float64 auto choice. */
export function effectiveSolver(chosen: PanelSolver, probe: SolverProbe | null, n: number): PanelSolver {
  return chosen === 'auto' ? autoSolver(probe, n).solver : chosen;
}

/** Points the solver handles interactively. */
export function interactiveLimit(solver: PanelSolver): number {
  return solver === 'auto' ? INTERACTIVE_LIMITS.cholesky : INTERACTIVE_LIMITS[solver];
}

export function solverName(solver: PanelSolver, backend: string | null): string {
  return solver === 'gpu' ? `tfjs CG on ${backend ?? 'tfjs'}` : solver === 'auto' ? 'automatic (Float64)' : solver;
}

/** The data picker's label for the panel's own input. */
export function inputLabel(source: MagnitudeSource): string {
  return source.kind === 'sample' ? `sample: ${SAMPLE_TITLES[source.sample]}` : source.kind === 'selection' ? `selected lines ${source.first}–${source.last}` : 'the file';
}

/** The page's title for newly read points. */
export function pointsTitle(p: PointsPayload, input: MagnitudeSource | null, inputTitle: string): string {
  return p.source.kind === 'sample' && input?.kind !== 'sample' ? `${SAMPLE_TITLES[p.source.sample]} (sample)` : inputTitle;
}

/** What to warn about the number of points for the solver. */
export function sizeWarnings(p: Pick<PointsPayload, 'n' | 'totalRows'>, limit: number, solver: string): string[] {
  const warnings: string[] = [];
  if (p.totalRows > p.n) warnings.push(`Showing ${p.n} of ${p.totalRows} rows, a seeded subsample: the ${solver} solver handles about ${limit} points interactively. Raise “max points” for more (each solve gets slower).`);
  if (p.n > limit) warnings.push(`${p.n} points is more than the ${solver} solver handles interactively (about ${limit}): each solve may take a while.`);
  return warnings;
}

/** The number of points a new solver wants read, or null when the points in hand suit it. */
export function pointsForSolver(p: Pick<PointsPayload, 'n' | 'totalRows'>, limit: number): number | null {
  const wanted = Math.min(p.totalRows, limit);
  return wanted === p.n ? null : Math.max(2, wanted);
}

/** A point's hover text. */
export function describePoint(p: Pick<PointsPayload, 'rows' | 'lines' | 'labels' | 'labelNames'>, weights: Float64Array | null, i: number): string {
  const parts = [`row ${p.rows[i] + 1}${p.lines ? ` (line ${p.lines[i]})` : ''}`];
  if (weights) parts.push(`weight ${fmt(weights[i], 5)}`);
  if (p.labels && p.labelNames) parts.push(`label ${p.labelNames[p.labels[i]]}`);
  return parts.join(' · ');
}

/** The base of exported file names: the sample, or the file's name without its extension. */
export function baseName(source: MagnitudeSource | null): string {
  if (!source) return 'points';
  if (source.kind === 'sample') return source.sample;
  return (source.path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'points') + (source.kind === 'selection' ? `.lines${source.first}-${source.last}` : '');
}

/** A row of a definition list: term, value, element id, tooltip. */
export type Row = [string, string, string, string?];

export function scaleRows(s: MagnitudeFunctionResult): Row[] {
  return [
    ['t_conv (Mag = 0.95·n)', s.tConv === null ? 'not reached' : fmt(s.tConv), 'tconv'],
    ['scattered scale log(n−1)/min d', Number.isFinite(s.scatteredScale) ? fmt(s.scatteredScale) : '∞', 'scattered'],
    ['suggested scale', fmt(s.suggestedScale.t), 'suggested', s.suggestedScale.reason],
    ['why', s.suggestedScale.reason, 'suggested-reason'],
    ...(s.notes.length ? [['notes', s.notes.join(' '), 'sweep-notes'] as Row] : []),
  ];
}

export function reportRows(r: WeightingResult & { backendLabel: string }, t: number): Row[] {
  const spread = weightSpread(r.weights);
  return [
    ['solver', `${r.solver}${r.iterations !== undefined ? `, ${r.iterations} iterations` : ''}${r.converged ? '' : ' (not converged)'}`, 'report-solver'],
    ['backend', r.backendLabel, 'report-backend'],
    ['residual ‖Zw − 1‖/√n', r.residual.toExponential(2), 'report-residual'],
    ['time', `${(r.seconds * 1000).toFixed(0)} ms`, 'report-time'],
    ['n, t', `${r.weights.length}, ${fmt(t)}`, 'report-nt'],
    ['weights', `min ${fmt(spread.min)}, median ${fmt(spread.median)}, max ${fmt(spread.max)}; ${spread.negativeCount} negative`, 'report-spread'],
  ];
}

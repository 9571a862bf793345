// The "Inspect weighting vectors" webview: asks the host for the points, picks a tfjs backend,
// sweeps the magnitude function, then solves at the chosen t on every move of the slider (warm
// started from the previous weights). On a GPU backend (webgpu, webgl) the solve is the tfjs CG;
// otherwise the Float64 solvers. The same core code as the CLI; the host keeps the record.
import { formatFigure } from '../../src/core/format';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import {
  magnitudeFunctionAsync, pointSpace, topWeights, weightingVector, weightingVectorTf, weightSpread,
  type MagnitudeFunctionResult, type MetricName, type MetricSpace, type SweepRequest, type WeightingResult,
} from '../../src/core/magnitude/index';
import type { PcaResult } from '../../src/core/embed/pca';
import type { BackendChoice } from '../../src/core/tf/backend';
import {
  boundaryCsv, INTERACTIVE_LIMITS, MAGNITUDE_SAMPLE_NAMES, NORMALISATIONS, PANEL_METRICS, PANEL_SOLVERS, SAMPLE_TITLES,
  type HostToWebview, type MagnitudePanelState, type MagnitudeSample, type MagnitudeSource, type PanelSolver, type PanelTab, type PointsPayload, type PointsRequest, type WebviewToHost,
} from '../../src/protocol/magnitude';
import { createMagnitudeChart } from '../charts/magnitudeChart';
import { sliderToT, tToSlider, viewCoordinates, viewModes, weightDomain, type ViewMode } from '../charts/projection';
import { createScatter } from '../charts/scatter';
import { createChannel } from '../common/channel';
import { pickTfBackend, showBackendBadge } from '../common/backend';
import { card, el } from '../common/ui';
import { createAutoencoderTab } from './autoencoderTab';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const vscode = createChannel<WebviewToHost, HostToWebview, MagnitudePanelState>({ onUnhandled: (m) => onHostMessage(m) });
const post = (m: WebviewToHost) => vscode.post(m);

/** Scales in the panel's magnitude-function sweep (the CLI's default is 30). */
const SWEEP_COUNT = 20;
const SLIDER_STEPS = 1000;


const fmt = (v: number, digits = 4): string => formatFigure(v, { digits, style: 'significant', exponent: 2 });

// ---------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app')!;
const statusBadge = el('span', { id: 'status', class: 'badge', 'data-status': 'busy' }, 'starting…');
const backendBadge = el('span', { id: 'backend', class: 'badge' }, 'backend: choosing…');
const title = el('h1', { id: 'title' }, 'Weighting vectors');
const message = el('div', { id: 'message', role: 'status' });


const dataCard = card('data-card', 'Points');
const viewCard = card('view-card', 'Weighting vector');
const functionCard = card('function-card', 'Magnitude function');
const boundaryCard = card('boundary-card', 'Boundary and outliers: the largest weights');
const reportCard = card('report-card', 'Solver report');
const grid = el('div', { class: 'grid' }, el('div', { class: 'column main' }, viewCard.section, functionCard.section), el('div', { class: 'column side' }, dataCard.section, reportCard.section, boundaryCard.section));
// Two tabs: the weighting vectors of the points, and the magnitude autoencoder.
const tabWeights = el('button', { id: 'tab-weights', role: 'tab', class: 'tab', 'aria-selected': 'true', 'aria-controls': 'weights-tab' }, 'Weighting vectors');
const tabAutoencoder = el('button', { id: 'tab-autoencoder', role: 'tab', class: 'tab', 'aria-selected': 'false', 'aria-controls': 'ae-tab' }, 'Autoencoder');
const weightsPanel = el('div', { id: 'weights-tab', role: 'tabpanel' }, grid);
const autoencoderPanel = el('div', { id: 'ae-tab', role: 'tabpanel', hidden: '' });
app.append(el('header', {}, title, backendBadge, statusBadge), el('nav', { class: 'tabs', role: 'tablist' }, tabWeights, tabAutoencoder), message, weightsPanel, autoencoderPanel);

// Data controls
const sourceSelect = el('select', { id: 'source' });
const columnsBox = el('details', { id: 'columns' });
const normaliseSelect = el('select', { id: 'normalise' }, ...NORMALISATIONS.map((v) => el('option', { value: v }, v === 'none' ? 'no normalisation' : v === 'zscore' ? 'z-score' : 'min–max')));
const maxPointsInput = el('input', { id: 'max-points', type: 'number', min: '2', step: '1' });
const applyButton = el('button', { id: 'apply' }, 'Apply');
const dataSummary = el('p', { id: 'data-summary', class: 'hint' });
const subsampleWarning = el('p', { id: 'subsample-warning', class: 'warning', hidden: '' });
dataCard.body.append(
  el('div', { class: 'controls' }, el('label', {}, 'data ', sourceSelect)),
  columnsBox,
  el('div', { class: 'controls' }, normaliseSelect, el('label', {}, 'max points ', maxPointsInput), applyButton),
  dataSummary,
  subsampleWarning,
);

// Solve controls, scatter
const solverSelect = el('select', { id: 'solver' }, ...PANEL_SOLVERS.map((s) => el('option', { value: s }, s === 'auto' ? 'auto' : s === 'gpu' ? 'GPU (tfjs CG)' : s === 'cholesky' ? 'dense Cholesky' : s === 'cg' ? 'CG (matrix-free)' : 'sparse (truncated)')));
const metricSelect = el('select', { id: 'metric' }, ...PANEL_METRICS.map((m) => el('option', { value: m }, m)));
const tSlider = el('input', { id: 't-slider', type: 'range', min: '0', max: String(SLIDER_STEPS), value: '500', disabled: '' });
const tInput = el('input', { id: 't-input', type: 'number', min: '0', step: 'any' });
const magnitudeOut = el('span', { id: 'magnitude', class: 'big' }, 'Mag = …');
const projectionSelect = el('select', { id: 'projection' });
const axisX = el('select', { id: 'axis-x' });
const axisY = el('select', { id: 'axis-y' });
const axisPick = el('span', { class: 'axis-pick', hidden: '' }, el('label', {}, 'x ', axisX), el('label', {}, 'y ', axisY));
viewCard.body.append(
  el('div', { class: 'controls' }, el('label', {}, 'solver ', solverSelect), el('label', {}, 'metric ', metricSelect), el('label', {}, 'view ', projectionSelect), axisPick),
  el('div', { class: 'slider' }, el('label', { for: 't-slider' }, 't '), tSlider, tInput, magnitudeOut),
);
const scatter = createScatter(viewCard.body);

// Magnitude function
const chart = createMagnitudeChart(functionCard.body);
const scales = el('dl', { id: 'scales', class: 'stats' });
functionCard.body.append(el('p', { class: 'hint' }, 'Click the chart to solve at that scale.'), scales);

// Boundary list
const topK = el('select', { id: 'top-k' }, ...[10, 20, 50, 100].map((k) => el('option', { value: String(k) }, `top ${k}`)));
const boundaryTable = el('table', { id: 'boundary' });
const exportBoundary = el('button', { id: 'export-boundary', class: 'secondary', title: 'Save the list as CSV' }, 'CSV');
const exportWeights = el('button', { id: 'export-weights', class: 'secondary', title: 'Save every weight as CSV' }, 'All weights');
boundaryCard.actions.append(topK, exportBoundary, exportWeights);
boundaryCard.body.append(boundaryTable);

// Report
const report = el('dl', { id: 'report', class: 'stats' });
const reportNotes = el('ul', { id: 'report-notes', class: 'notes' });
reportCard.body.append(report, reportNotes);

// ---------------------------------------------------------------------------------------------
// State

const saved = vscode.getState();
let recordId = saved?.recordId ?? '';
let inputSource: MagnitudeSource | null = null;
let canReveal = false;
let backend: BackendChoice | null = null;
let requestId = 0;
let lastRequest: PointsRequest = { source: 'input', columns: [], normalise: 'none', maxPoints: INTERACTIVE_LIMITS.cholesky };
let points: PointsPayload | null = null;
let space: MetricSpace | null = null;
let pcaCache: { value?: PcaResult } = {};
let weights: Float64Array | null = null;
let sweep: MagnitudeFunctionResult | null = null;
let sweepPartial: { ts: number[]; magnitudes: number[] } = { ts: [], magnitudes: [] };
let currentT = NaN;
let tRange: [number, number] = [0.1, 100];
let resumeT: number | null = null;
/** Bumped whenever the points or the metric change: older sweeps and solves then stop. */
let generation = 0;
let solving = false;
let pendingT: number | null = null;
let trusted = true;
let activeTab: PanelTab = 'weights';

class Stale extends Error {}

function setMessage(text: string, kind: 'info' | 'error' = 'info') {
  message.textContent = text;
  message.className = kind;
}

function setStatus(text: string, state: 'busy' | 'ready' | 'failed') {
  statusBadge.textContent = text;
  statusBadge.dataset.status = state;
}

const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function gpuBackend(): boolean {
  return backend?.name === 'webgpu' || backend?.name === 'webgl';
}

/** What `auto` means here: the tfjs CG on a GPU backend, else the Float64 auto choice. */
function effectiveSolver(): Exclude<PanelSolver, 'auto'> | 'auto' {
  const chosen = solverSelect.value as PanelSolver;
  return chosen === 'auto' && gpuBackend() ? 'gpu' : chosen;
}

function interactiveLimit(): number {
  const s = effectiveSolver();
  return s === 'auto' ? INTERACTIVE_LIMITS.cholesky : INTERACTIVE_LIMITS[s];
}

function solverName(): string {
  const s = effectiveSolver();
  return s === 'gpu' ? `GPU (tfjs CG on ${backend?.name ?? 'tfjs'})` : s === 'auto' ? 'automatic (Float64)' : s;
}

// ---------------------------------------------------------------------------------------------
// Backend

async function pickBackend() {
  const picked = await pickTfBackend(tf);
  backend = picked.backend;
  showBackendBadge(backendBadge, picked);
  if (backend) post({ type: 'backend', report: { name: backend.name, attempts: backend.attempts } });
}

// ---------------------------------------------------------------------------------------------
// Points

function requestPoints(request: PointsRequest) {
  lastRequest = request;
  requestId++;
  generation++;
  setStatus('reading the points…', 'busy');
  post({ type: 'load', request: requestId, points: request });
}

function readControls(): PointsRequest {
  const boxes = [...columnsBox.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
  const checked = boxes.filter((b) => b.checked).map((b) => b.value);
  const maxPoints = Math.max(2, Math.floor(Number(maxPointsInput.value) || interactiveLimit()));
  return {
    source: sourceSelect.value as PointsRequest['source'],
    columns: checked.length === boxes.length ? [] : checked,
    normalise: normaliseSelect.value as PointsRequest['normalise'],
    maxPoints,
  };
}

function fillSourceSelect(source: MagnitudeSource) {
  const inputLabel = source.kind === 'sample' ? `sample: ${SAMPLE_TITLES[source.sample]}` : source.kind === 'selection' ? `selected lines ${source.first}–${source.last}` : 'the file';
  sourceSelect.replaceChildren(
    el('option', { value: 'input' }, inputLabel),
    ...MAGNITUDE_SAMPLE_NAMES.filter((s) => source.kind !== 'sample' || s !== source.sample).map((s) => el('option', { value: s }, `sample: ${SAMPLE_TITLES[s]}`)),
  );
}

function showColumns(p: PointsPayload) {
  const chosen = new Set(p.columns);
  const boxes = p.availableColumns.map((c) => el('label', { class: 'column-choice' }, Object.assign(el('input', { type: 'checkbox', value: c }), { checked: chosen.has(c) }), ` ${c}`));
  columnsBox.replaceChildren(el('summary', {}, `columns: ${p.columns.length} of ${p.availableColumns.length}${p.availableColumns.length <= 12 ? ` (${p.columns.join(', ')})` : ''}`), el('div', { class: 'column-list' }, ...boxes));
}

function showProjectionControls(p: PointsPayload) {
  const modes = viewModes(p.dim);
  const label = (m: ViewMode) => (m === 'rotate' ? (p.dim === 3 ? '3-D (drag to rotate)' : 'PCA, 3 components (drag to rotate)') : m === 'pca2' ? 'PCA, 2 components' : p.dim <= 2 ? 'the two columns' : 'two columns…');
  projectionSelect.replaceChildren(...modes.map((m) => el('option', { value: m }, label(m))));
  projectionSelect.disabled = modes.length === 1;
  const options = () => p.columns.map((c, j) => el('option', { value: String(j) }, c));
  axisX.replaceChildren(...options());
  axisY.replaceChildren(...options());
  axisX.value = '0';
  axisY.value = String(Math.min(1, p.dim - 1));
  axisPick.hidden = true;
}

let inputTitle = '';

function showPoints(p: PointsPayload) {
  points = p;
  title.textContent = p.source.kind === 'sample' && inputSource?.kind !== 'sample' ? `${SAMPLE_TITLES[p.source.sample]} (sample)` : inputTitle;
  pcaCache = {};
  weights = null;
  showColumns(p);
  showProjectionControls(p);
  normaliseSelect.value = p.normalise;
  maxPointsInput.value = String(lastRequest.maxPoints);
  maxPointsInput.max = String(p.totalRows);
  dataSummary.textContent = `${p.label}; ${p.n} of ${p.totalRows} rows in use.`;
  dataSummary.dataset.n = String(p.n);
  const limit = interactiveLimit();
  const warnings: string[] = [];
  if (p.totalRows > p.n) warnings.push(`Showing ${p.n} of ${p.totalRows} rows, a seeded subsample: the ${solverName()} solver handles about ${limit} points interactively. Raise “max points” for more (each solve gets slower).`);
  if (p.n > limit) warnings.push(`${p.n} points is more than the ${solverName()} solver handles interactively (about ${limit}): each solve may take a while.`);
  subsampleWarning.textContent = warnings.join(' ');
  subsampleWarning.hidden = warnings.length === 0;
  setMessage(p.notes.join(' '));
  space = pointSpace({ n: p.n, dim: p.dim, data: p.points }, metricSelect.value as MetricName);
  autoencoder.pointsChanged();
  void analyse();
}

// ---------------------------------------------------------------------------------------------
// Solving

/** One solve at t; a sweep's request brings its shared preconditioner cache and tolerance. */
async function runSolver(s: MetricSpace, t: number, initial: Float64Array | undefined, sweep?: SweepRequest): Promise<WeightingResult & { backendLabel: string }> {
  const sweeping = sweep !== undefined;
  const cache = sweep?.preconditionerCache;
  let mode = effectiveSolver();
  // The sweep's ~20 scales go to the Float64 solvers while they are interactive (≤ 0.3 s a scale
  // at 2,000 points, exact): the tfjs CG reads its residual back on every iteration, a latency
  // that only pays off at larger n. The slider's solves use the chosen solver (the GPU on auto).
  if (sweeping && mode === 'gpu' && s.kind === 'points' && s.points.n <= INTERACTIVE_LIMITS.cholesky) mode = 'auto';
  if (mode === 'gpu') {
    const r = await weightingVectorTf(tf, s, t, { initial, tol: 1e-5 });
    return { ...r, backendLabel: `${tf.getBackend()} (tfjs, float32)` };
  }
  // Let the page paint before the synchronous Float64 work.
  await nextFrame();
  // A sweep's matrix-free CG solves stop at its tolerance: it reports the Galerkin Mag estimate.
  const tol = sweep && mode === 'cg' ? sweep.tol : undefined;
  const r = weightingVector(s, t, { solver: mode, initial, tol, cg: cache ? { preconditionerCache: cache } : undefined });
  const wasm = !r.notes.some((n) => /WebAssembly SIMD unavailable/.test(n));
  return { ...r, backendLabel: `CPU, Float64 (${wasm ? 'WebAssembly SIMD' : 'JavaScript'})` };
}

/** The magnitude function for the current points, then a solve at the suggested (or resumed) scale. */
async function analyse() {
  const gen = ++generation;
  const s = space;
  if (!s || !points) return;
  sweep = null;
  sweepPartial = { ts: [], magnitudes: [] };
  tSlider.disabled = true;
  scales.replaceChildren();
  try {
    setStatus('computing the magnitude function…', 'busy');
    const done = await magnitudeFunctionAsync(
      s,
      async (request) => {
        if (gen !== generation) throw new Stale();
        return runSolver(s, request.t, request.initial, request);
      },
      {
        count: SWEEP_COUNT,
        maxExtensions: 4,
        onPoint: (p, k, total) => {
          if (gen !== generation) return;
          sweepPartial.ts.push(p.t);
          sweepPartial.magnitudes.push(p.magnitude);
          chart.update({ ts: sweepPartial.ts, magnitudes: sweepPartial.magnitudes, n: points!.n, tConv: null, suggested: null, current: null });
          setStatus(`Mag(t): ${k}/${total}`, 'busy');
        },
      },
    );
    if (gen !== generation) return;
    sweep = done;
    post({
      type: 'sweep',
      sweep: {
        ts: Float64Array.from(done.points, (p) => p.t),
        magnitudes: Float64Array.from(done.points, (p) => p.magnitude),
        tConv: done.tConv,
        scatteredScale: done.scatteredScale,
        suggestedScale: done.suggestedScale.t,
        suggestedReason: done.suggestedScale.reason,
      },
    });
    const start = resumeT ?? done.suggestedScale.t;
    resumeT = null;
    tRange = [Math.min(done.points[0].t, start), Math.max(done.points[done.points.length - 1].t, start)];
    showScales(done);
    tSlider.disabled = false;
    await requestSolve(start);
  } catch (err) {
    if (err instanceof Stale) return;
    const text = (err as Error).message ?? String(err);
    setMessage(`The magnitude function failed: ${text}`, 'error');
    setStatus('failed', 'failed');
  }
}

function showScales(s: MagnitudeFunctionResult) {
  const row = (term: string, value: string, id: string, title = '') => [el('dt', {}, term), el('dd', { id, title }, value)];
  scales.replaceChildren(
    ...row('t_conv (Mag = 0.95·n)', s.tConv === null ? 'not reached' : fmt(s.tConv), 'tconv'),
    ...row('scattered scale log(n−1)/min d', Number.isFinite(s.scatteredScale) ? fmt(s.scatteredScale) : '∞', 'scattered'),
    ...row('suggested scale', fmt(s.suggestedScale.t), 'suggested', s.suggestedScale.reason),
    ...row('why', s.suggestedScale.reason, 'suggested-reason'),
    ...(s.notes.length ? row('notes', s.notes.join(' '), 'sweep-notes') : []),
  );
}

async function requestSolve(t: number) {
  pendingT = t;
  if (solving) return;
  solving = true;
  try {
    while (pendingT !== null) {
      const next = pendingT;
      pendingT = null;
      await solveNow(next);
    }
  } finally {
    solving = false;
  }
}

async function solveNow(t: number) {
  const gen = generation;
  const s = space;
  if (!s || !points) return;
  setStatus(`solving at t = ${fmt(t)}…`, 'busy');
  try {
    const initial = weights && weights.length === points.n ? weights : undefined;
    const r = await runSolver(s, t, initial);
    if (gen !== generation) return;
    weights = r.weights;
    currentT = t;
    showSolve(t, r);
    const solverSetting = solverSelect.value as PanelSolver;
    const metric = metricSelect.value as MetricName;
    post({
      type: 'solved',
      summary: { t, n: points.n, magnitude: r.magnitude, residual: r.residual, solver: r.solver, backend: r.backendLabel, seconds: r.seconds, iterations: r.iterations ?? null, converged: r.converged, notes: r.notes },
      weights: r.weights,
      settings: { solver: solverSetting, metric },
    });
    vscode.setState({ recordId, t, solver: solverSetting, metric, tab: activeTab });
    setStatus('ready', 'ready');
  } catch (err) {
    const text = (err as Error).message ?? String(err);
    setMessage(`The solve at t = ${fmt(t)} failed: ${text}`, 'error');
    setStatus('failed', 'failed');
  }
}

function showSolve(t: number, r: WeightingResult & { backendLabel: string }) {
  tInput.value = t.toPrecision(4);
  tSlider.value = String(tToSlider(t, SLIDER_STEPS, tRange[0], tRange[1]));
  magnitudeOut.textContent = `Mag = ${fmt(r.magnitude, 6)}`;
  magnitudeOut.dataset.value = String(r.magnitude);
  magnitudeOut.dataset.t = String(t);
  redraw();
  drawChart();
  showBoundary();
  const spread = weightSpread(r.weights);
  const row = (term: string, value: string, id: string) => [el('dt', {}, term), el('dd', { id }, value)];
  report.replaceChildren(
    ...row('solver', `${r.solver}${r.iterations !== undefined ? `, ${r.iterations} iterations` : ''}${r.converged ? '' : ' (not converged)'}`, 'report-solver'),
    ...row('backend', r.backendLabel, 'report-backend'),
    ...row('residual ‖Zw − 1‖/√n', r.residual.toExponential(2), 'report-residual'),
    ...row('time', `${(r.seconds * 1000).toFixed(0)} ms`, 'report-time'),
    ...row('n, t', `${weights!.length}, ${fmt(t)}`, 'report-nt'),
    ...row('weights', `min ${fmt(spread.min)}, median ${fmt(spread.median)}, max ${fmt(spread.max)}; ${spread.negativeCount} negative`, 'report-spread'),
  );
  report.dataset.solver = r.solver;
  report.dataset.backend = r.backendLabel;
  report.dataset.residual = String(r.residual);
  reportNotes.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
}

// ---------------------------------------------------------------------------------------------
// Drawing

function viewMode(): ViewMode {
  return (projectionSelect.value as ViewMode) || viewModes(points?.dim ?? 2)[0];
}

function describe(i: number): string {
  const p = points!;
  const parts = [`row ${p.rows[i] + 1}${p.lines ? ` (line ${p.lines[i]})` : ''}`];
  if (weights) parts.push(`weight ${fmt(weights[i], 5)}`);
  if (p.labels && p.labelNames) parts.push(`label ${p.labelNames[p.labels[i]]}`);
  return parts.join(' · ');
}

function redraw() {
  const p = points;
  if (!p) return;
  const { domain, clamped } = weights ? weightDomain(weights) : { domain: [0, 1] as [number, number], clamped: false };
  const view = viewCoordinates({ n: p.n, dim: p.dim, data: p.points }, p.columns, viewMode(), [Number(axisX.value), Number(axisY.value)], weights, pcaCache);
  scatter.update({ view, n: p.n, weights, domain, clamped, describe });
}

function drawChart() {
  if (!sweep || !points) return;
  chart.update({ ts: sweep.points.map((q) => q.t), magnitudes: sweep.points.map((q) => q.magnitude), n: points.n, tConv: sweep.tConv, suggested: sweep.suggestedScale.t, current: Number.isFinite(currentT) ? currentT : null });
}

let ranked: { index: number; weight: number }[] = [];

function showBoundary() {
  const p = points;
  if (!p || !weights) return;
  ranked = topWeights(weights, Number(topK.value));
  const head = el('tr', {}, el('th', {}, '#'), el('th', {}, 'row'), ...(p.lines ? [el('th', {}, 'line')] : []), el('th', {}, 'weight'), ...(p.labels && p.labelNames ? [el('th', {}, 'label')] : []));
  const rows = ranked.map((r, k) => {
    const tr = el('tr', { 'data-index': String(r.index), tabindex: '0', title: canReveal ? 'Reveal this row in the editor' : '' },
      el('td', {}, String(k + 1)), el('td', {}, String(p.rows[r.index] + 1)), ...(p.lines ? [el('td', {}, String(p.lines[r.index]))] : []),
      el('td', {}, fmt(r.weight, 5)), ...(p.labels && p.labelNames ? [el('td', {}, p.labelNames[p.labels[r.index]])] : []));
    tr.addEventListener('mouseenter', () => scatter.highlight(r.index));
    tr.addEventListener('mouseleave', () => scatter.highlight(-1));
    tr.addEventListener('click', () => pick(r.index));
    tr.addEventListener('keydown', (e) => e.key === 'Enter' && pick(r.index));
    return tr;
  });
  boundaryTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

function pick(i: number) {
  scatter.highlight(i);
  post({ type: 'reveal', index: i });
}

function baseName(): string {
  const s = points?.source ?? inputSource;
  if (!s) return 'points';
  if (s.kind === 'sample') return s.sample;
  return (s.path.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '') || 'points') + (s.kind === 'selection' ? `.lines${s.first}-${s.last}` : '');
}

// ---------------------------------------------------------------------------------------------
// Events

scatter.onPick(pick);
chart.onPick((t) => void requestSolve(t));
topK.addEventListener('change', showBoundary);
projectionSelect.addEventListener('change', () => {
  axisPick.hidden = !(projectionSelect.value === 'columns' && (points?.dim ?? 0) > 2);
  redraw();
});
axisX.addEventListener('change', redraw);
axisY.addEventListener('change', redraw);

let sliderTimer: ReturnType<typeof setTimeout> | undefined;
tSlider.addEventListener('input', () => {
  const t = sliderToT(Number(tSlider.value), SLIDER_STEPS, tRange[0], tRange[1]);
  tInput.value = t.toPrecision(4);
  clearTimeout(sliderTimer);
  sliderTimer = setTimeout(() => void requestSolve(t), 60);
});
tInput.addEventListener('change', () => {
  const t = Number(tInput.value);
  if (!(t > 0) || !Number.isFinite(t)) {
    setMessage('t must be a positive number.', 'error');
    return;
  }
  tRange = [Math.min(tRange[0], t), Math.max(tRange[1], t)];
  void requestSolve(t);
});
metricSelect.addEventListener('change', () => {
  if (!points) return;
  space = pointSpace({ n: points.n, dim: points.dim, data: points.points }, metricSelect.value as MetricName);
  weights = null;
  void analyse();
});
solverSelect.addEventListener('change', () => {
  if (!points) return;
  const limit = interactiveLimit();
  const wanted = Math.min(points.totalRows, limit);
  if (wanted !== points.n) {
    // The new solver handles a different number of points interactively: re-read at that size.
    requestPoints({ ...lastRequest, maxPoints: Math.max(2, wanted) });
  } else {
    weights = null;
    void analyse();
  }
});
applyButton.addEventListener('click', () => requestPoints(readControls()));
sourceSelect.addEventListener('change', () => requestPoints({ ...readControls(), source: sourceSelect.value as 'input' | MagnitudeSample, columns: [] }));
const exportCsv = (fileName: string, data: string) => post({ type: 'export', fileName, mime: 'text/csv', data });
exportBoundary.addEventListener('click', () => {
  if (points && ranked.length) exportCsv(`${baseName()}.boundary.csv`, boundaryCsv(ranked, points));
});
exportWeights.addEventListener('click', () => {
  const p = points;
  if (!p || !weights) return;
  const all = Array.from(weights, (w, i) => ({ index: i, weight: w }));
  exportCsv(`${baseName()}.weights.csv`, boundaryCsv(all, p));
});

// ---------------------------------------------------------------------------------------------
// The Autoencoder tab

const autoencoder = createAutoencoderTab(autoencoderPanel, {
  post,
  request: (m) => vscode.request(m),
  current: () => points,
  currentSuggested: () => (sweep ? { t: sweep.suggestedScale.t, reason: sweep.suggestedScale.reason } : null),
  backendName: () => backend?.name ?? null,
  trusted: () => trusted,
  setMessage,
});

function showTab(tab: PanelTab) {
  activeTab = tab;
  const ae = tab === 'autoencoder';
  tabWeights.setAttribute('aria-selected', String(!ae));
  tabAutoencoder.setAttribute('aria-selected', String(ae));
  weightsPanel.hidden = ae;
  autoencoderPanel.hidden = !ae;
  const state = vscode.getState();
  if (state) vscode.setState({ ...state, tab });
  if (ae) autoencoder.open();
}
tabWeights.addEventListener('click', () => showTab('weights'));
tabAutoencoder.addEventListener('click', () => showTab('autoencoder'));

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onHostMessage(m: HostToWebview) {
  if (autoencoder.handle(m)) return;
  switch (m.type) {
    case 'init': {
      recordId = m.recordId;
      inputSource = m.source;
      canReveal = m.canReveal;
      inputTitle = m.title;
      title.textContent = m.title;
      fillSourceSelect(m.source);
      trusted = m.trusted;
      if (!m.trusted) setMessage('This workspace is not trusted: Lacuna shows the weights but trains no models and keeps no record of this session.');
      const state = vscode.getState();
      const resume = m.resume;
      solverSelect.value = state?.solver ?? resume?.solver ?? 'auto';
      metricSelect.value = state?.metric ?? resume?.metric ?? 'euclidean';
      resumeT = state?.t ?? resume?.t ?? null;
      vscode.setState({ recordId, t: resumeT ?? undefined, solver: solverSelect.value as PanelSolver, metric: metricSelect.value as MetricName, tab: activeTab });
      const request = resume?.request ?? { source: 'input' as const, columns: [], normalise: 'none' as const, maxPoints: interactiveLimit() };
      sourceSelect.value = request.source;
      requestPoints(request);
      if (state?.tab === 'autoencoder') showTab('autoencoder');
      break;
    }
    case 'points':
      if (m.request !== requestId) return;
      showPoints(m);
      break;
    case 'loadFailed':
      if (m.request !== requestId) return;
      setMessage(m.message, 'error');
      setStatus('failed', 'failed');
      break;
    case 'saved':
      setMessage(`Saved ${m.path}`);
      message.dataset.saved = m.path;
      break;
    case 'error':
      setMessage(m.message, 'error');
      break;
  }
}

// The backend is chosen before `ready`, so the first solve already knows whether it has a GPU.
void pickBackend().finally(() => vscode.ready());

// The "Inspect weighting vectors" webview: asks the host for the points, picks the tfjs backend by
// measurement (the platform's badge and selector), sweeps the magnitude function, then solves at
// the chosen t on every move of the slider (warm started from the previous weights). `auto` runs
// the tfjs CG only where it measured faster than the Float64 solvers (solverProbe.ts), so never
// on a CPU emulation of a GPU that is slower. The same core code as the CLI; the host keeps the record.
// The state is state.ts (pure), the DOM view.ts; this file wires them to the channel.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { magnitudeFunctionAsync, pointSpace, topWeights, weightingVector, weightingVectorTf, type MetricName, type MetricSpace, type SweepRequest, type WeightingResult } from '../../src/core/magnitude/index';
import { boundaryCsv, INTERACTIVE_LIMITS, type HostToWebview, type MagnitudePanelState, type MagnitudeSample, type PanelSolver, type PanelTab, type PointsPayload, type PointsRequest, type WebviewToHost } from '../../src/protocol/magnitude';
import { sliderToT, tToSlider } from '../charts/projection';
import type { PickedBackend } from '../common/backend';
import { mountBackendChoice, type BackendChoice } from '../common/backendSelect';
import { createChannel } from '../common/channel';
import { createAutoencoderTab } from './autoencoderTab';
import { measureSolvers } from './solverProbe';
import {
  autoSolver, baseName, effectiveSolver, fmt, initialState, interactiveLimit, pointsForSolver, pointsTitle, reportRows, scaleRows, sizeWarnings, solverName, SLIDER_STEPS, SWEEP_COUNT,
} from './state';
import { createMagnitudeView } from './view';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const channel = createChannel<WebviewToHost, HostToWebview, MagnitudePanelState>();
const post = (m: WebviewToHost) => channel.post(m);
/** The page's state (state.ts), one object. */
const s = initialState(channel.getState()?.recordId ?? '');
const view = createMagnitudeView(document.getElementById('app')!);
const { setMessage } = view;
/** The header's status: the weights' own, unless the autoencoder trains (then its progress, never "ready"). */
const header = { weights: { text: 'starting…', state: 'busy' as 'busy' | 'ready' | 'failed' }, training: null as string | null };
function setStatus(text: string, state: 'busy' | 'ready' | 'failed') {
  header.weights = { text, state };
  if (header.training === null) view.setStatus(text, state);
  else view.setStatus(`training the autoencoder: ${header.training}`, 'training');
}
/** The backend choice (platform), and the measurement `auto` waits for before the first sweep. */
const tfjs: { choice: BackendChoice | null; measured: Promise<void>; done: boolean } = { choice: null, measured: Promise.resolve(), done: false };

class Stale extends Error {}
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const solver = () => effectiveSolver(view.solverSelect.value as PanelSolver, s.solverProbe, s.points?.n ?? 0);
const limit = () => interactiveLimit(solver());

// ---------------------------------------------------------------------------------------------
// Points

function requestPoints(request: PointsRequest) {
  s.lastRequest = request;
  s.requestId++;
  s.generation++;
  setStatus('reading the points…', 'busy');
  post({ type: 'load', request: s.requestId, points: request });
}

function showPoints(p: PointsPayload) {
  s.points = p;
  s.pcaCache = {};
  s.weights = null;
  view.showPoints(p, pointsTitle(p, s.inputSource, s.inputTitle), s.lastRequest.maxPoints, sizeWarnings(p, limit(), solverName(solver(), s.backend)));
  s.space = pointSpace({ n: p.n, dim: p.dim, data: p.points }, view.metricSelect.value as MetricName);
  autoencoder.pointsChanged();
  showAuto();
  void analyse();
}

// ---------------------------------------------------------------------------------------------
// Solving

/** One solve at t; a sweep's request brings its shared preconditioner cache and tolerance. */
async function runSolver(space: MetricSpace, t: number, initial: Float64Array | undefined, sweep?: SweepRequest): Promise<WeightingResult & { backendLabel: string }> {
  const cache = sweep?.preconditionerCache;
  let mode = solver();
  // The sweep's ~20 scales go to the Float64 solvers while they are interactive (≤ 0.3 s a scale
  // at 2,000 points, exact): the tfjs CG reads its residual back on every iteration, a latency
  // that only pays off at larger n. The slider's solves use the chosen solver (the GPU on auto).
  if (sweep && mode === 'gpu' && space.kind === 'points' && space.points.n <= INTERACTIVE_LIMITS.cholesky) mode = 'auto';
  if (mode === 'gpu') {
    const r = await weightingVectorTf(tf, space, t, { initial, tol: 1e-5 });
    return { ...r, backendLabel: `${tf.getBackend()} (tfjs, float32)` };
  }
  // Let the page paint before the synchronous Float64 work.
  await nextFrame();
  // A sweep's matrix-free CG solves stop at its tolerance: it reports the Galerkin Mag estimate.
  const tol = sweep && mode === 'cg' ? sweep.tol : undefined;
  const r = weightingVector(space, t, { solver: mode, initial, tol, cg: cache ? { preconditionerCache: cache } : undefined });
  const wasm = !r.notes.some((n) => /WebAssembly SIMD unavailable/.test(n));
  return { ...r, backendLabel: `CPU, Float64 (${wasm ? 'WebAssembly SIMD' : 'JavaScript'})` };
}

/** The magnitude function for the current points, then a solve at the suggested (or resumed) scale. */
async function analyse() {
  const gen = ++s.generation;
  const space = s.space;
  const points = s.points;
  if (!space || !points) return;
  // The first sweep waits for the backend and the solvers to be measured (a few seconds, once).
  if (!tfjs.done) setStatus('measuring the backends and solvers…', 'busy');
  await tfjs.measured;
  if (gen !== s.generation) return;
  s.sweep = null;
  s.sweepPartial = { ts: [], magnitudes: [] };
  view.tSlider.disabled = true;
  view.scales.replaceChildren();
  try {
    setStatus('computing the magnitude function…', 'busy');
    const done = await magnitudeFunctionAsync(
      space,
      async (request) => {
        if (gen !== s.generation) throw new Stale();
        return runSolver(space, request.t, request.initial, request);
      },
      {
        count: SWEEP_COUNT,
        maxExtensions: 4,
        onPoint: (p, k, total) => {
          if (gen !== s.generation) return;
          s.sweepPartial.ts.push(p.t);
          s.sweepPartial.magnitudes.push(p.magnitude);
          view.chart.update({ ts: s.sweepPartial.ts, magnitudes: s.sweepPartial.magnitudes, n: points.n, tConv: null, suggested: null, current: null });
          setStatus(`Mag(t): ${k}/${total}`, 'busy');
        },
      },
    );
    if (gen !== s.generation) return;
    s.sweep = done;
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
    const start = s.resumeT ?? done.suggestedScale.t;
    s.resumeT = null;
    s.tRange = [Math.min(done.points[0].t, start), Math.max(done.points[done.points.length - 1].t, start)];
    view.showScales(scaleRows(done));
    view.tSlider.disabled = false;
    await requestSolve(start);
  } catch (err) {
    if (err instanceof Stale) return;
    setMessage(`The magnitude function failed: ${(err as Error).message ?? String(err)}`, 'error');
    setStatus('failed', 'failed');
  }
}

/** Solves at t; while a solve runs, only the newest t asked for waits. */
async function requestSolve(t: number) {
  s.pendingT = t;
  if (s.solving) return;
  s.solving = true;
  try {
    while (s.pendingT !== null) {
      const next = s.pendingT;
      s.pendingT = null;
      await solveNow(next);
    }
  } finally {
    s.solving = false;
  }
}

async function solveNow(t: number) {
  const gen = s.generation;
  const { space, points } = s;
  if (!space || !points) return;
  setStatus(`solving at t = ${fmt(t)}…`, 'busy');
  try {
    const initial = s.weights && s.weights.length === points.n ? s.weights : undefined;
    const r = await runSolver(space, t, initial);
    if (view.solverSelect.value === 'auto') r.notes.unshift(`auto: ${autoSolver(s.solverProbe, points.n).reason}`);
    if (gen !== s.generation) return;
    s.weights = r.weights;
    s.currentT = t;
    view.showMagnitude(t, r.magnitude, tToSlider(t, SLIDER_STEPS, s.tRange[0], s.tRange[1]));
    view.drawScatter(s);
    view.drawChart(s);
    showBoundary();
    view.showReport(reportRows(r, t), r);
    const solverSetting = view.solverSelect.value as PanelSolver;
    const metric = view.metricSelect.value as MetricName;
    post({
      type: 'solved',
      summary: { t, n: points.n, magnitude: r.magnitude, residual: r.residual, solver: r.solver, backend: r.backendLabel, seconds: r.seconds, iterations: r.iterations ?? null, converged: r.converged, notes: r.notes },
      weights: r.weights,
      settings: { solver: solverSetting, metric },
    });
    channel.setState({ recordId: s.recordId, t, solver: solverSetting, metric, tab: s.activeTab });
    setStatus('ready', 'ready');
  } catch (err) {
    setMessage(`The solve at t = ${fmt(t)} failed: ${(err as Error).message ?? String(err)}`, 'error');
    setStatus('failed', 'failed');
  }
}

function showBoundary() {
  if (!s.points || !s.weights) return;
  s.ranked = topWeights(s.weights, Number(view.topK.value));
  view.drawBoundary(s, pick);
}

function pick(i: number) {
  view.scatter.highlight(i);
  post({ type: 'reveal', index: i });
}

// ---------------------------------------------------------------------------------------------
// Events

const redraw = () => view.drawScatter(s);
view.scatter.onPick(pick);
view.chart.onPick((t) => void requestSolve(t));
view.topK.addEventListener('change', showBoundary);
view.projectionSelect.addEventListener('change', () => {
  view.axisPick.hidden = !(view.projectionSelect.value === 'columns' && (s.points?.dim ?? 0) > 2);
  redraw();
});
view.axisX.addEventListener('change', redraw);
view.axisY.addEventListener('change', redraw);

const slider = { timer: undefined as ReturnType<typeof setTimeout> | undefined };
view.tSlider.addEventListener('input', () => {
  const t = sliderToT(Number(view.tSlider.value), SLIDER_STEPS, s.tRange[0], s.tRange[1]);
  view.tInput.value = t.toPrecision(4);
  clearTimeout(slider.timer);
  slider.timer = setTimeout(() => void requestSolve(t), 60);
});
view.tInput.addEventListener('change', () => {
  const t = Number(view.tInput.value);
  if (!(t > 0) || !Number.isFinite(t)) {
    setMessage('t must be a positive number.', 'error');
    return;
  }
  s.tRange = [Math.min(s.tRange[0], t), Math.max(s.tRange[1], t)];
  void requestSolve(t);
});
view.metricSelect.addEventListener('change', () => {
  const p = s.points;
  if (!p) return;
  s.space = pointSpace({ n: p.n, dim: p.dim, data: p.points }, view.metricSelect.value as MetricName);
  s.weights = null;
  void analyse();
});
view.solverSelect.addEventListener('change', () => {
  if (!s.points) return;
  const wanted = pointsForSolver(s.points, limit());
  // The new solver handles a different number of points interactively: re-read at that size.
  if (wanted !== null) requestPoints({ ...s.lastRequest, maxPoints: wanted });
  else {
    s.weights = null;
    void analyse();
  }
});
view.applyButton.addEventListener('click', () => requestPoints(view.readControls(limit())));
view.sourceSelect.addEventListener('change', () => requestPoints({ ...view.readControls(limit()), source: view.sourceSelect.value as 'input' | MagnitudeSample, columns: [] }));
const exportCsv = (fileName: string, data: string) => post({ type: 'export', fileName, mime: 'text/csv', data });
const exportName = () => baseName(s.points?.source ?? s.inputSource);
view.exportBoundary.addEventListener('click', () => {
  if (s.points && s.ranked.length) exportCsv(`${exportName()}.boundary.csv`, boundaryCsv(s.ranked, s.points));
});
view.exportWeights.addEventListener('click', () => {
  if (!s.points || !s.weights) return;
  exportCsv(`${exportName()}.weights.csv`, boundaryCsv(Array.from(s.weights, (w, i) => ({ index: i, weight: w })), s.points));
});

// ---------------------------------------------------------------------------------------------
// The Autoencoder tab

const autoencoder = createAutoencoderTab(view.autoencoderPanel, {
  post,
  request: (m) => channel.request(m),
  current: () => s.points,
  currentSuggested: () => (s.sweep ? { t: s.sweep.suggestedScale.t, reason: s.sweep.suggestedScale.reason } : null),
  backendName: () => s.backend,
  training: (text) => {
    header.training = text;
    tfjs.choice?.selector?.lock(text !== null);
    setStatus(header.weights.text, header.weights.state);
  },
  trusted: () => s.trusted,
  setMessage,
});

function showTab(tab: PanelTab) {
  s.activeTab = tab;
  view.showTab(tab);
  const saved = channel.getState();
  if (saved) channel.setState({ ...saved, tab });
  if (tab === 'autoencoder') autoencoder.open();
}
view.tabWeights.addEventListener('click', () => showTab('weights'));
view.tabAutoencoder.addEventListener('click', () => showTab('autoencoder'));

// ---------------------------------------------------------------------------------------------
// Messages from the host

channel.on('init', (m) => {
  Object.assign(s, { recordId: m.recordId, inputSource: m.source, canReveal: m.canReveal, inputTitle: m.title, trusted: m.trusted });
  view.title.textContent = m.title;
  view.fillSourceSelect(m.source);
  if (!m.trusted) setMessage('This workspace is not trusted: Lacuna shows the weights but trains no models and keeps no record of this session.');
  const saved = channel.getState();
  const resume = m.resume;
  view.solverSelect.value = saved?.solver ?? resume?.solver ?? 'auto';
  view.metricSelect.value = saved?.metric ?? resume?.metric ?? 'euclidean';
  s.resumeT = saved?.t ?? resume?.t ?? null;
  channel.setState({ recordId: s.recordId, t: s.resumeT ?? undefined, solver: view.solverSelect.value as PanelSolver, metric: view.metricSelect.value as MetricName, tab: s.activeTab });
  const request = resume?.request ?? { source: 'input' as const, columns: [], normalise: 'none' as const, maxPoints: limit() };
  view.sourceSelect.value = request.source;
  requestPoints(request);
  if (saved?.tab === 'autoencoder') showTab('autoencoder');
});
channel.on('points', (m) => {
  if (m.request === s.requestId) showPoints(m);
});
channel.on('loadFailed', (m) => {
  if (m.request !== s.requestId) return;
  setMessage(m.message, 'error');
  setStatus('failed', 'failed');
});
channel.on('saved', (m) => {
  setMessage(`Saved ${m.path}`);
  view.message.dataset.saved = m.path;
});
channel.on('error', (m) => setMessage(m.message, 'error'));

// ---------------------------------------------------------------------------------------------
// The backend: measured (webview/common), then both solve paths timed on it for `auto`; again on
// every switch in the selector. The points come first (`ready`); the sweep waits for this.

function showAuto() {
  const n = s.points?.n ?? 0;
  view.showSolverChoice(s.backend, autoSolver(s.solverProbe, n), s.solverProbe !== null);
}

async function onBackend(picked: PickedBackend) {
  s.backend = picked.backend?.name ?? null;
  s.solverProbe = null;
  if (!picked.backend) return;
  post({ type: 'backend', report: { name: picked.backend.name, attempts: picked.backend.attempts } });
  const timing = picked.timings.find((t) => t.name === picked.backend!.name);
  s.solverProbe = await measureSolvers(tf, picked.backend.name, timing?.emulated ?? (picked.backend.name === 'webgpu' && picked.adapterEmulated));
  showAuto();
}

tfjs.measured = (async () => {
  const first: { probe: Promise<void> } = { probe: Promise.resolve() };
  tfjs.choice = await mountBackendChoice(tf, view.backendBadge, (selector) => view.placeBackendSelector(selector), (picked) => {
    const probe = onBackend(picked).catch((err: unknown) => setMessage(`Timing the solvers failed: ${(err as Error).message ?? err}`, 'error'));
    if (!tfjs.choice) first.probe = probe;
    // A switch: `auto` may now mean another solver; solve again at the same scale.
    else
      void probe.then(() => {
        if (s.sweep && Number.isFinite(s.currentT)) void requestSolve(s.currentT);
      });
  });
  await first.probe;
  tfjs.done = true;
  showAuto();
})();
channel.ready();

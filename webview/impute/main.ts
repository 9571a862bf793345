// The training panel's webview: picks a tfjs backend, shows the data, runs the imputation with
// the same core code as the CLI, and reports everything to the host, which keeps the run.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { runImputation } from '../../src/core/impute/job';
import { createMaskedMatrix, summarize, type MaskedMatrix } from '../../src/core/matrix/masked';
import type { BackendChoice } from '../../src/core/tf/backend';
import { isDeepMethod, METHODS, type HostToWebview, type MatrixPayload, type MethodName, type RunConfig, type RunMetrics, type TrainingPanelState, type WebviewToHost } from '../../src/protocol/impute';
import { createColumnErrors, createHistogram } from '../charts/bars';
import { createHeatmap, type Heatmap } from '../charts/heatmap';
import { createHexmap, type Hexmap } from '../charts/hexmap';
import { observedExtent, valueHistogram } from '../charts/scales';
import { createChannel } from '../common/channel';
import { pickTfBackend, showBackendBadge } from '../common/backend';
import { card, el, exportButtons, type ExportMime } from '../common/ui';
import { availableDeepMethods, createDeepTraining, deepMethodLabel } from './deep';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const vscode = createChannel<WebviewToHost, HostToWebview, TrainingPanelState>({ onUnhandled: (m) => onHostMessage(m) });
const post = (m: WebviewToHost) => vscode.post(m);
const exportTo = (fileName: string, mime: ExportMime, data: Uint8Array | string) => post({ type: 'export', fileName, mime, data });


function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '–';
}

function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

// ---------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app')!;
const header = el('header', {}, el('h1', { id: 'title' }, 'Lacuna'), el('span', { id: 'backend', class: 'badge', title: '' }, 'backend: choosing…'), el('span', { id: 'status', class: 'badge' }, ''));
const message = el('div', { id: 'message', role: 'status' });


const summaryCard = card('summary', 'Data');
const heatmapCard = card('heatmap-card', 'Matrix (time × columns)');
const mapCard = card('map-card', 'H3 map');
const runCard = card('run-card', 'Impute');
const resultsCard = card('results', 'Results');
app.append(header, message, summaryCard.section, heatmapCard.section, mapCard.section, runCard.section, resultsCard.section);
resultsCard.section.hidden = true;

// ---------------------------------------------------------------------------------------------
// State

let runId = vscode.getState()?.runId ?? '';
let fileName = '';
let matrix: MaskedMatrix | null = null;
let payload: MatrixPayload | null = null;
let domain: [number, number] = [0, 1];
let backend: BackendChoice | null = null;
let cancelRequested = false;
let running = false;
let lastResult: { targetMask: Uint8Array; prediction: Float64Array; imputed: Float64Array } | null = null;

let dataHeatmap: Heatmap | null = null;
let imputedHeatmap: Heatmap | null = null;
let dataMap: Hexmap | null = null;
let imputedMap: Hexmap | null = null;
const histogram = createHistogram(summaryCard.body);
const columnErrors = { chart: null as ReturnType<typeof createColumnErrors> | null };

function setMessage(text: string, kind: 'info' | 'error' = 'info') {
  message.textContent = text;
  message.className = kind;
}

function setStatus(status: string) {
  const s = document.getElementById('status')!;
  s.textContent = status;
  s.dataset.status = status;
}

// ---------------------------------------------------------------------------------------------
// Backend: webgpu, then webgl, wasm, cpu; shown to the user with the reasons.

async function pickBackend() {
  const picked = await pickTfBackend(tf);
  backend = picked.backend;
  showBackendBadge(document.getElementById('backend')!, picked);
  if (!backend) return;
  post({ type: 'backend', report: { name: backend.name, attempts: backend.attempts } });
  // The learned methods whose models are registered join the picker.
  for (const method of availableDeepMethods()) methodSelect.append(el('option', { value: method }, deepMethodLabel(method)));
}

// ---------------------------------------------------------------------------------------------
// Data

function toMatrix(p: MatrixPayload): MaskedMatrix {
  const m = createMaskedMatrix(p.rows, p.cols, { rowLabels: p.rowLabels, times: p.times, colIds: p.colIds });
  m.values.set(p.values);
  m.observed.set(p.observed);
  if (p.cells && p.h3Resolution !== null) {
    // Only the cell matters to the neighbour baseline (grid distances); lat/lng are not sent.
    m.places = p.cells.map((cell) => (cell ? { cell, lat: NaN, lng: NaN } : null));
    m.h3Resolution = p.h3Resolution;
  }
  return m;
}


function showData(p: MatrixPayload) {
  payload = p;
  matrix = toMatrix(p);
  const s = summarize(matrix);
  domain = observedExtent(p.values, p.observed);
  const stats = el(
    'dl',
    { class: 'stats' },
    el('dt', {}, 'shape'),
    el('dd', { id: 'shape' }, `${s.rows} × ${s.cols}`),
    el('dt', {}, 'observed'),
    el('dd', {}, pct(s.observedFraction)),
    el('dt', {}, 'zero among observed'),
    el('dd', {}, pct(s.zeroFractionOfObserved)),
    el('dt', {}, 'missing'),
    el('dd', {}, pct(s.missingFraction)),
    el('dt', {}, 'time range'),
    el('dd', {}, s.timeRange ? `${s.timeRange[0]} → ${s.timeRange[1]}` : 'no time axis'),
    el('dt', {}, 'values'),
    el('dd', {}, `${fmt(s.min)} … ${fmt(s.max)}`),
  );
  summaryCard.body.prepend(stats);
  histogram.update(valueHistogram(p.values, p.observed));
  exportButtons(summaryCard.actions, 'histogram', () => histogram.svg, exportTo, (text) => setMessage(text, 'error'));

  dataHeatmap = createHeatmap(heatmapCard.body);
  dataHeatmap.update({
    rows: p.rows,
    cols: p.cols,
    values: p.values,
    observed: p.observed,
    domain,
    rowLabels: p.rowLabels,
    colIds: p.colIds,
    describe: (i, j) => {
      const k = i * p.cols + j;
      if (!p.observed[k]) return 'missing';
      return `${p.values[k]}${p.values[k] === 0 ? ' (observed zero)' : ''}`;
    },
  });
  heatmapCard.body.append(el('p', { class: 'legend-note' }, 'Colour: viridis over the observed range. Grey checkerboard: missing (never confused with zero, which is dark purple).'));
  exportButtons(heatmapCard.actions, 'matrix', () => dataHeatmap?.canvas ?? null, exportTo, (text) => setMessage(text, 'error'));

  if (p.cells && p.cells.some((c) => c)) {
    const slider = el('input', { type: 'range', id: 'time-slider', min: '0', max: String(p.rows - 1), value: '0' });
    const label = el('span', { id: 'time-label' }, p.rowLabels[0] ?? '');
    // Play animates the map over time (the imputed values once a run has them); pause stops it.
    const play = el('button', { id: 'play', class: 'secondary', title: 'Animate the map over time' }, 'Play');
    let playing: ReturnType<typeof setInterval> | null = null;
    const stop = () => {
      if (playing) clearInterval(playing);
      playing = null;
      play.textContent = 'Play';
      play.dataset.playing = 'false';
    };
    play.addEventListener('click', () => {
      if (playing) return stop();
      play.textContent = 'Pause';
      play.dataset.playing = 'true';
      playing = setInterval(() => {
        slider.value = String((Number(slider.value) + 1) % p.rows);
        draw();
      }, 120);
    });
    slider.addEventListener('pointerdown', stop);
    mapCard.body.append(el('div', { class: 'slider' }, play, el('label', { for: 'time-slider' }, 'time '), slider, label));
    dataMap = createHexmap(mapCard.body);
    const draw = () => {
      const row = Number(slider.value);
      label.textContent = p.rowLabels[row];
      dataMap!.update({ ...p, cells: p.cells!, targets: lastResult?.targetMask ?? null, imputed: lastResult?.prediction ?? null, domain }, row);
      if (imputedMap && lastResult) imputedMap.update({ ...p, cells: p.cells!, targets: null, imputed: lastResult.imputed, domain }, row);
    };
    slider.addEventListener('input', draw);
    draw();
    redrawMaps = draw;
    exportButtons(mapCard.actions, 'map', () => dataMap?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
  } else {
    mapCard.body.append(el('p', {}, 'No places for these columns: give a sensor-locations file (or a long table with latitude and longitude) to see the H3 map.'));
  }
}

let redrawMaps: () => void = () => {};

// ---------------------------------------------------------------------------------------------
// Running

const methodSelect = el('select', { id: 'method' }, ...METHODS.map((m) => el('option', { value: m }, m === 'neighbor' ? 'neighbour averaging' : m === 'mean' ? 'column mean' : 'linear interpolation')));
const maskInput = el('input', { id: 'mask-ratio', type: 'number', min: '0.05', max: '1', step: '0.05', value: '0.8' });
const seedInput = el('input', { id: 'seed', type: 'number', min: '0', step: '1', value: '0' });
const runButton = el('button', { id: 'run' }, 'Run');
const cancelButton = el('button', { id: 'cancel', class: 'secondary', disabled: '' }, 'Cancel');
const progressText = el('span', { id: 'progress' });
runCard.body.append(
  el('div', { class: 'controls' }, el('label', {}, 'method ', methodSelect), el('label', {}, 'mask ratio ', maskInput), el('label', {}, 'seed ', seedInput), runButton, cancelButton, progressText),
  el('p', { class: 'hint' }, 'Hides that fraction of the observed nonzero entries (seeded), scores the hidden entries of the last 15% of rows, and writes the filled matrix beside the input.'),
);

function readConfig(): RunConfig | null {
  const maskRatio = Number(maskInput.value);
  const seed = Number(seedInput.value);
  if (!(maskRatio > 0 && maskRatio <= 1)) {
    setMessage('The mask ratio must be in (0, 1].', 'error');
    return null;
  }
  if (!Number.isInteger(seed) || seed < 0) {
    setMessage('The seed must be a non-negative integer.', 'error');
    return null;
  }
  return { method: methodSelect.value as MethodName, maskRatio, seed };
}

function setRunning(on: boolean) {
  running = on;
  runButton.disabled = on;
  cancelButton.disabled = !on;
}

async function run() {
  if (!matrix || running) return;
  const config = readConfig();
  if (!config) return;
  if (isDeepMethod(config.method)) {
    const settings = deep.read(config.method);
    if (typeof settings === 'string') return setMessage(settings, 'error');
    setMessage('');
    await deep.train({ ...config, deep: settings }, null);
    return;
  }
  cancelRequested = false;
  setRunning(true);
  setMessage('');
  post({ type: 'run', config });
  progressText.textContent = 'running…';
  post({ type: 'progress', phase: 'imputing', fraction: 0 });
  // Let the page paint the new state before the synchronous work.
  await new Promise((r) => setTimeout(r, 30));
  try {
    const t0 = performance.now();
    const job = runImputation(matrix, { method: config.method, maskRatio: config.maskRatio, seed: config.seed });
    const seconds = (performance.now() - t0) / 1000;
    if (cancelRequested) {
      post({ type: 'cancelled' });
      progressText.textContent = 'cancelled';
      return;
    }
    post({ type: 'progress', phase: 'imputing', fraction: 1 });
    deliverResult(config, job, seconds);
  } catch (err) {
    const text = (err as Error).message ?? String(err);
    post({ type: 'failed', message: text });
    setMessage(text, 'error');
    progressText.textContent = 'failed';
  } finally {
    setRunning(false);
  }
}

/** Posts a finished run's result to the host (which writes the outputs) and shows it. */
function deliverResult(config: RunConfig, job: Pick<ReturnType<typeof runImputation>, 'metrics' | 'setup' | 'prediction' | 'imputed' | 'targets'>, seconds: number) {
  const metrics: RunMetrics = { ...job.metrics, perColumn: job.metrics.perColumn.map(({ column, count, mae, rmse }) => ({ column, count, mae, rmse })) };
  lastResult = { targetMask: job.setup.targets, prediction: job.prediction, imputed: job.imputed.values };
  lastMetrics = metrics;
  post({ type: 'result', result: { config, targets: job.targets, metrics, seconds, backend: backend?.name ?? 'none', imputed: job.imputed.values, targetMask: job.setup.targets } });
  showResult(config, job.targets, metrics, seconds);
  progressText.textContent = `done in ${seconds.toFixed(2)} s`;
}

let lastMetrics: RunMetrics | null = null;

const deep = createDeepTraining(
  {
    post,
    request: (m) => vscode.request(m),
    exportTo,
    setMessage,
    setStatus,
    setRunning: (on) => {
      setRunning(on);
      progressText.textContent = on ? 'training…' : '';
    },
    backendName: () => backend?.name ?? 'none',
    matrix: () => matrix,
    finish: deliverResult,
    showImputed: (r) => {
      lastResult = r;
      redrawMaps();
    },
    metrics: () => lastMetrics,
  },
  runCard.body,
  app,
);
methodSelect.addEventListener('change', () => deep.select(methodSelect.value));

runButton.addEventListener('click', () => void run());
cancelButton.addEventListener('click', () => {
  if (deep.training) deep.cancel();
  else cancelRequested = true;
  progressText.textContent = 'cancelling…';
});

function showResult(config: RunConfig, targets: number, metrics: RunMetrics, seconds: number) {
  resultsCard.section.hidden = false;
  resultsCard.body.replaceChildren();
  resultsCard.actions.replaceChildren();
  const rows: [string, number, number, number][] = [
    ['MAE', metrics.mae, metrics.nonzero.mae, metrics.zero.mae],
    ['RMSE', metrics.rmse, metrics.nonzero.rmse, metrics.zero.rmse],
    ['MSE', metrics.mse, metrics.nonzero.mse, metrics.zero.mse],
  ];
  const table = el(
    'table',
    { id: 'metrics', 'data-mae': String(metrics.mae), 'data-targets': String(targets), 'data-method': config.method },
    el('thead', {}, el('tr', {}, el('th', {}, 'metric'), el('th', {}, 'all targets'), el('th', {}, 'nonzero truth'), el('th', {}, 'zero truth'))),
    el(
      'tbody',
      {},
      ...rows.map(([name, all, nz, z]) => el('tr', {}, el('th', {}, name), el('td', {}, fmt(all)), el('td', {}, fmt(nz)), el('td', {}, fmt(z)))),
      el('tr', {}, el('th', {}, 'MRE'), el('td', {}, fmt(metrics.mre, 4)), el('td', {}, ''), el('td', {}, '')),
    ),
  );
  resultsCard.body.append(
    el('p', {}, `${config.method} · mask ratio ${config.maskRatio} · seed ${config.seed} · ${targets} targets (nonzero ${metrics.nonzero.count}, zero ${metrics.zero.count}) · ${seconds.toFixed(3)} s`),
    table,
  );
  if (lastResult && payload) {
    const p = payload;
    const heatActions = el('span', { class: 'actions' });
    const heatHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Imputed matrix', heatActions));
    resultsCard.body.append(heatHolder);
    imputedHeatmap = createHeatmap(heatHolder);
    const result = lastResult;
    imputedHeatmap.update({
      rows: p.rows,
      cols: p.cols,
      values: result.imputed,
      observed: null,
      domain,
      rowLabels: p.rowLabels,
      colIds: p.colIds,
      describe: (i, j) => {
        const k = i * p.cols + j;
        if (result.targetMask[k]) return `hidden: truth ${p.values[k]}, predicted ${fmt(result.prediction[k])}`;
        return p.observed[k] ? `observed ${p.values[k]}` : `imputed ${fmt(result.imputed[k])}`;
      },
    });
    exportButtons(heatActions, 'imputed-matrix', () => imputedHeatmap?.canvas ?? null, exportTo, (text) => setMessage(text, 'error'));
    if (p.cells && p.cells.some((c) => c)) {
      const mapActions = el('span', { class: 'actions' });
      const mapHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Imputed map (every gap filled; time from the slider above)', mapActions));
      resultsCard.body.append(mapHolder);
      imputedMap = createHexmap(mapHolder);
      redrawMaps();
      exportButtons(mapActions, 'imputed-map', () => imputedMap?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
    }
  }
  const errActions = el('span', { class: 'actions' });
  const errHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Error per column (MAE)', errActions));
  resultsCard.body.append(errHolder);
  columnErrors.chart = createColumnErrors(errHolder);
  columnErrors.chart.update(metrics.perColumn.map((c) => ({ id: payload?.colIds[c.column] ?? String(c.column), mae: c.mae, count: c.count })));
  exportButtons(errActions, 'column-errors', () => columnErrors.chart?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
}

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onHostMessage(m: HostToWebview) {
  switch (m.type) {
    case 'init':
      runId = m.runId;
      fileName = m.fileName;
      vscode.setState({ runId });
      document.getElementById('title')!.textContent = `${fileName} (${m.format})`;
      methodSelect.value = m.config.method;
      deep.select(m.config.method);
      deep.init(m);
      post({ type: 'listRuns' });
      maskInput.value = String(m.config.maskRatio);
      seedInput.value = String(m.config.seed);
      setStatus(m.status);
      showData(m.matrix);
      if (!m.trusted) {
        runButton.disabled = true;
        setMessage('This workspace is not trusted: Lacuna shows the data but runs nothing and writes nothing.', 'error');
      }
      if (m.result) {
        lastMetrics = m.result.metrics;
        showResult(m.result.config, m.result.targets, m.result.metrics, m.result.seconds);
        setMessage('A finished run: its metrics are shown. Run again to see the imputed matrix and map.');
      }
      if (m.status === 'interrupted') setMessage('This run was interrupted (the window closed or reloaded while it ran). Run it again to finish it.');
      break;
    case 'status':
      setStatus(m.status);
      if (m.message) setMessage(m.message, m.status === 'failed' ? 'error' : 'info');
      break;
    case 'saved':
      setMessage(`Saved ${m.path}`);
      document.getElementById('message')!.dataset.saved = m.path;
      break;
    case 'error':
      setMessage(m.message, 'error');
      break;
    default:
      deep.onMessage(m);
      break;
  }
}

// The backend is chosen before `ready`, so the panel reports it from the start.
void pickBackend().finally(() => vscode.ready());

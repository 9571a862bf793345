// The Factorize panel's webview: shows the data, runs NMF or Wasserstein NMF with the same core
// code as the CLI, draws the atoms, the objective, the reconstructions and the weights as the
// run goes, and reports progress and the result to the host, which keeps the run's record and
// writes its files. Wasserstein NMF runs either on tfjs (float32, on the backend the platform
// measured fastest, with its badge and selector) or in Float64 on this page's thread (run.ts);
// the default is the path measured faster on a step of this data (computeProbe.ts). The state is
// state.ts (pure), the DOM view.ts and results.ts; this file wires them to the channel.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { FactorizeConfig } from '../../src/core/factorize/job';
import type { FactorizeHostToWebview, FactorizeInputChoice, FactorizePanelState, FactorizeWebviewToHost } from '../../src/protocol/factorize';
import type { PickedBackend } from '../common/backend';
import { mountBackendChoice, type BackendSelector } from '../common/backendSelect';
import { createChannel } from '../common/channel';
import { createPreview } from '../common/preview';
import type { ExportMime } from '../common/ui';
import { measureCompute } from './computeProbe';
import { createFactorizeResults } from './results';
import { runFactorization } from './run';
import { applyData, clampObservation, computePath, formGrid, initialState, objectivesOf, pathName, readConfig, summaryText, type FactorizeState } from './state';
import { createFactorizeView } from './view';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const channel = createChannel<FactorizeWebviewToHost, FactorizeHostToWebview, FactorizePanelState>();
const post = (m: FactorizeWebviewToHost) => channel.post(m);
const exportTo = (fileName: string, mime: ExportMime, data: Uint8Array | string) => post({ type: 'export', fileName, mime, data });

/** The page's state: one object, replaced by the pure updates of state.ts or changed in place by the run. */
const page: { state: FactorizeState; selector: BackendSelector | null; probing: Promise<void> } = { state: initialState(channel.getState()?.source ?? null), selector: null, probing: Promise.resolve() };
const view = createFactorizeView(document.getElementById('app')!);
// The data preview (webview/common/preview.ts): a change of columns or orientation reads the
// file again on the host; a change of grid sets the settings' grid.
const preview = createPreview({
  onChoice: (choice) => {
    if (page.state.running) return;
    post({ type: 'shape', choice });
    view.setMessage('Reading the file again…');
  },
  onGrid: (grid) => {
    view.setGrid(grid);
    syncSettings();
  },
});
view.dataCard.section.after(preview.section);
preview.show(null);
const results = createFactorizeResults(view.cards, {
  exportTo,
  exportTable: (table) => post({ type: 'exportTable', table }),
  setMessage: view.setMessage,
  select,
  state: () => page.state,
});

/** The compute path the form asks for now. */
function currentPath(config: Pick<FactorizeConfig, 'loss' | 'grid'>) {
  return computePath(page.state.compute, config, page.state.data, view.computeSelect.value);
}

function showCompute() {
  const form = view.form();
  const { path, why } = currentPath({ loss: form.loss as FactorizeConfig['loss'], grid: formGrid(form) });
  view.showCompute(page.state.compute, path, why, page.state.computeChosen, page.state.running);
}

function syncSettings() {
  view.syncSettings();
  showCompute();
}

function setRunning(on: boolean) {
  page.state.running = on;
  view.setRunning(on, page.state.trusted);
  page.selector?.lock(on);
  // No run while the paths are being timed (the probe would time the run too).
  if (page.state.compute.measuring && !on) view.runButton.disabled = true;
  preview.setDisabled(on);
  showCompute();
}

function select(index: number) {
  const { data } = page.state;
  const selected = data ? clampObservation(index, data.cols) : null;
  if (selected === null) return;
  // In place: a run going on holds this same state object.
  page.state.selected = selected;
  results.drawSelection(page.state);
}

async function run() {
  const s = page.state;
  if (!s.X || !s.data || !s.baseConfig || s.running || !s.trusted || s.compute.measuring) return;
  const read = readConfig(s.baseConfig, s.data.rows, view.form());
  if ('problems' in read) {
    view.setMessage(`Check the settings: ${read.problems.join('; ')}.`, 'error');
    return;
  }
  const { config } = read;
  const { path } = currentPath(config);
  const backendName = pathName(s.compute, path);
  const where = path === 'tfjs' ? ` · ${s.compute.backend!.name}` : '';
  s.cancelRequested = false;
  setRunning(true);
  view.setMessage('');
  view.setStatus('running');
  s.objectives = [];
  view.showSummary('', null);
  view.setProgress(0, 'starting…');
  post({ type: 'run', config });
  const started = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);
  try {
    const result = await runFactorization(tf, s.X, config, path, {
      onProgress: (p, ms) => view.setProgress(p.fraction, `${p.phase}${where} · ${(ms / 1000).toFixed(1)} s`),
      onReport: (p, objective) => post({ type: 'progress', iteration: p.iteration, total: p.total, fraction: p.fraction, objective }),
      onObjective: (iteration, objective) => s.objectives.push({ iteration, objective }),
      onFactors: (factors) => {
        s.factors = factors;
        results.drawAll(s);
      },
      shouldStop: () => s.cancelRequested,
    });
    if (!result) {
      post({ type: 'cancelled' });
      view.setStatus('cancelled');
      view.setProgress(null, `cancelled after ${elapsed()} s`);
      return;
    }
    const seconds = (performance.now() - started) / 1000;
    s.factors = { D: result.D, Lambda: result.Lambda, iteration: result.iterations, config };
    s.objectives = objectivesOf(result.history, config.loss);
    results.drawAll(s);
    view.setProgress(1, `done: ${result.iterations} iterations in ${seconds.toFixed(1)} s${where}`);
    view.showSummary(summaryText(result, seconds, backendName, s.compute.backend?.name), { backend: backendName, objective: String(result.objective), iterations: String(result.iterations), loss: result.config.loss });
    const { D, Lambda, history, objective, iterations, converged, reason, reconstructionError } = result;
    post({ type: 'result', result: { config, D: D.values, Lambda: Lambda.values, history, objective, iterations, converged, reason, reconstructionError, seconds, backend: backendName } });
  } catch (err) {
    const text = (err as Error).message ?? String(err);
    post({ type: 'failed', message: text });
    view.setMessage(text, 'error');
    view.setStatus('failed');
    view.setProgress(null, 'failed');
  } finally {
    // The tensors alive before and after the run, for anyone checking that nothing leaked.
    document.body.dataset.tensorsBefore = String(tensorsBefore);
    document.body.dataset.tensorsAfter = String(tf.memory().numTensors);
    setRunning(false);
  }
}

// ---------------------------------------------------------------------------------------------
// Events

view.inputSelect.addEventListener('change', () => {
  if (page.state.running) return;
  post({ type: 'load', input: view.inputSelect.value as FactorizeInputChoice });
  view.setMessage('Loading…');
});
view.lossSelect.addEventListener('change', syncSettings);
view.gridKind.addEventListener('change', syncSettings);
view.computeSelect.addEventListener('change', () => {
  page.state.computeChosen = true;
  showCompute();
});
view.runButton.addEventListener('click', () => void run());
view.cancelButton.addEventListener('click', () => {
  page.state.cancelRequested = true;
  view.setProgress(null, 'cancelling…');
});

// ---------------------------------------------------------------------------------------------
// Messages from the host

channel.on('data', (m) => {
  page.state = applyData(page.state, m);
  channel.setState({ source: m.source });
  view.showData(m.data, m.source, m.inputs);
  view.showConfig(m.config, m.data.rows);
  preview.show(m.preview ?? null, m.config.grid);
  syncSettings();
  setRunning(false);
  probeCompute();
  view.setMessage(m.trusted ? '' : 'This workspace is not trusted: Lacuna shows the data but runs nothing and writes nothing.', m.trusted ? 'info' : 'error');
  view.setStatus('ready');
  view.setProgress(0, '');
  view.showSummary('', null);
});
channel.on('status', (m) => {
  if (m.status !== 'running') view.setStatus(m.status);
  if (m.runId) document.body.dataset.runId = m.runId;
  if (m.message) view.setMessage(m.message, m.status === 'failed' ? 'error' : 'info');
});
channel.on('saved', (m) => {
  view.setMessage(`Saved ${m.path}`);
  view.message.dataset.saved = m.path;
});
channel.on('error', (m) => view.setMessage(m.message, 'error'));

syncSettings();
const restored = page.state.source;
if (restored) view.title.textContent = `Factorize: ${restored.kind === 'file' ? restored.fileName : restored.name}`;
// ---------------------------------------------------------------------------------------------
// Compute: the tfjs backend measured by the platform (badge, selector beside Run); then both
// Wasserstein paths timed on a step of the data in hand, again on new data or a new backend.

/** Times tfjs (on the backend in use) against Float64 on the data in hand; one probe at a time. */
function probeCompute() {
  page.probing = page.probing.then(async () => {
    const s = page.state;
    const c = s.compute;
    if (!c.backend || !s.X || !s.data) return;
    c.measuring = true;
    c.probe = null;
    setRunning(s.running);
    showCompute();
    try {
      c.probe = await measureCompute(tf, c.backend.name, c.backend.name === 'webgpu' && c.adapterEmulated, s.X, s.data.grid);
    } catch (err) {
      view.setMessage(`Timing the compute paths failed: ${(err as Error).message ?? err}`, 'error');
    }
    c.measuring = false;
    setRunning(s.running);
    showCompute();
  });
}

function onBackend(picked: PickedBackend) {
  const { backend, adapterText, adapterEmulated, error } = picked;
  page.state.compute = { backend, adapterText, adapterEmulated, error, probe: null };
  showCompute();
  probeCompute();
}

channel.ready();
void mountBackendChoice(tf, view.backendBadge, (selector) => view.placeBackendSelector(selector), onBackend).then((choice) => {
  page.selector = choice.selector;
  page.selector?.lock(page.state.running);
});

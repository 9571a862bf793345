// The impute panel's page: picks a tfjs backend, runs the imputation with the same core code as
// the CLI, and reports everything to the host, which keeps the run. The state is state.ts (pure),
// the DOM view.ts; this file wires them to the channel.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { DEFAULT_MASK_RATIO, runImputation } from '../../src/core/impute/job';
import type { BackendChoice } from '../../src/core/tf/backend';
import { isDeepMethod, METHODS, type HostToWebview, type LeaderboardRow, type RunConfig, type RunMetrics, type TrainingPanelState, type WebviewToHost } from '../../src/protocol/impute';
import { createChannel } from '../common/channel';
import { mountBackendChoice, type BackendSelector } from '../common/backendSelect';
import { createPreview } from '../common/preview';
import { el, type ExportMime } from '../common/ui';
import { createAutoRunner, leaderboardOf } from './autoRun';
import { STEP_BUDGET_SECONDS } from './deepState';
import { availableDeepMethods, createDeepTraining, deepMethodLabel } from './deep';
import { mountPlacementTab } from './placement';
import { applyInit, initialState, readRunConfig, type ImputeState } from './state';
import { createRunsTable } from './runsTable';
import { createImputeView } from './view';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const vscode = createChannel<WebviewToHost, HostToWebview, TrainingPanelState>({ onUnhandled: (m) => onHostMessage(m) });
const post = (m: WebviewToHost) => vscode.post(m);
const exportTo = (fileName: string, mime: ExportMime, data: Uint8Array | string) => post({ type: 'export', fileName, mime, data });


const view = createImputeView(document.getElementById('app')!, exportTo);
const { runCard, setMessage } = view;
// The data preview (webview/common/preview.ts, shared with the factorize panel): a change of
// columns or orientation asks the host to read the file again with it, as the CLI's flags do.
const preview = createPreview({ onChoice: (choice) => post({ type: 'shape', choice }) });
view.message.after(preview.section);
preview.show(null);
// The "Sensor placement" tab: its own handlers on the channel (placement.ts).
mountPlacementTab(vscode, document.getElementById('app')!);
/** The status badge, naming what runs ("running: training vit") while a run is going. */
function setStatus(status: string) {
  view.setStatus(status);
  if (status === 'running') document.getElementById('status')!.textContent = `running: ${isDeepMethod(methodSelect.value) ? `training ${methodSelect.value}` : `imputing (${methodSelect.value})`}`;
}
const runsTable = createRunsTable(runCard.section, (runId) => post({ type: 'compare', runId }));
/** The page's state (state.ts), the backend that runs, its selector, and the method of the run's snapshot (selected once the learned methods are in the picker). */
const page: { state: ImputeState; backend: BackendChoice | null; selector: BackendSelector | null; initMethod: string; initAuto: RunConfig['auto'] } = {
  state: initialState(vscode.getState()?.runId ?? ''),
  backend: null,
  selector: null,
  initMethod: '',
  initAuto: undefined,
};

// ---------------------------------------------------------------------------------------------
// Backend: each of webgpu, webgl, wasm, cpu that initialises is timed on a probe step and the
// fastest is taken; the badge says which, its time and why; the selector changes it.

async function pickBackend() {
  const choice = await mountBackendChoice(tf, document.getElementById('backend')!, (selector) => runButton.before(selector), (p) => {
    page.backend = p.backend;
    if (page.backend) post({ type: 'backend', report: { name: page.backend.name, attempts: page.backend.attempts } });
  });
  page.selector = choice.selector;
  if (!page.backend) return;
  // The learned methods whose models are registered join the picker (and auto's candidates).
  const learned = availableDeepMethods();
  for (const method of learned) methodSelect.append(el('option', { value: method }, deepMethodLabel(method)));
  autoRunner.offerLearned(learned);
  autoRunner.fill(page.initAuto);
  // A learned run's method joins the picker only now: select it if the snapshot named it.
  if (page.initMethod && methodSelect.value !== page.initMethod) {
    methodSelect.value = page.initMethod;
    deep.select(page.initMethod);
  }
}

// ---------------------------------------------------------------------------------------------
// Running

const methodSelect = el('select', { id: 'method' }, el('option', { value: 'auto', title: 'The CLI’s default: validation-scored candidates, their blend, learned candidates' }, 'auto (best on validation)'), ...METHODS.map((m) => el('option', { value: m }, m === 'neighbor' ? 'neighbour averaging' : m === 'mean' ? 'column mean' : 'linear interpolation')));
const maskInput = el('input', { id: 'mask-ratio', type: 'number', min: '0.05', max: '1', step: '0.05', value: String(DEFAULT_MASK_RATIO), title: 'Mask ratio: the fraction (0–1) of observed nonzero entries hidden and scored as test targets' });
const seedInput = el('input', { id: 'seed', type: 'number', min: '0', step: '1', value: '0', title: 'Seed: which entries are hidden, and the model’s initial weights (a whole number)' });
const runButton = el('button', { id: 'run' }, 'Run');
const cancelButton = el('button', { id: 'cancel', class: 'secondary', disabled: '' }, 'Cancel');
const progressText = el('span', { id: 'progress' });
runCard.body.append(
  el('div', { class: 'controls' }, el('label', {}, 'method ', methodSelect), el('label', { title: maskInput.title }, 'mask ratio ', maskInput), el('label', { title: seedInput.title }, 'seed ', seedInput), runButton, cancelButton, progressText),
  el('p', { class: 'hint' }, 'Hides that fraction of the observed nonzero entries (seeded), scores the hidden entries of the last 15% of rows, and writes the filled matrix beside the input.'),
);
const autoRunner = createAutoRunner(runCard.body);

function readConfig(): RunConfig | null {
  const config = readRunConfig(methodSelect.value, maskInput.value, seedInput.value);
  const auto = typeof config !== 'string' && config.method === 'auto' ? autoRunner.read() : undefined;
  if (typeof config === 'string' || typeof auto === 'string') {
    setMessage(typeof config === 'string' ? config : (auto as string), 'error');
    return null;
  }
  return auto ? { ...config, auto } : config;
}

function setRunning(on: boolean) {
  page.state.running = on;
  page.selector?.lock(on);
  preview.setDisabled(on);
  autoRunner.setDisabled(on);
  runButton.disabled = on;
  cancelButton.disabled = !on;
}

async function run() {
  const matrix = page.state.matrix;
  if (!matrix || page.state.running) return;
  const config = readConfig();
  if (!config) return;
  if (isDeepMethod(config.method)) {
    const settings = deep.read(config.method);
    if (typeof settings === 'string') return setMessage(settings, 'error');
    setMessage('');
    await deep.train({ ...config, deep: settings }, null);
    return;
  }
  page.state.cancelRequested = false;
  setRunning(true);
  setMessage('');
  post({ type: 'run', config });
  progressText.textContent = 'running…';
  post({ type: 'progress', phase: 'imputing', fraction: 0 });
  // Let the page paint the new state before the synchronous work.
  await new Promise((r) => setTimeout(r, 30));
  try {
    const t0 = performance.now();
    // auto: the one core implementation, its progress shown and kept; Cancel stops it between candidates.
    const onProgress = (text: string, fraction: number) => {
      progressText.textContent = text;
      post({ type: 'progress', phase: text, fraction });
    };
    const auto = config.method === 'auto' ? await autoRunner.run(matrix, config, { onProgress, isCancelled: () => page.state.cancelRequested, stepBudgetSeconds: STEP_BUDGET_SECONDS }) : null;
    const job = auto ?? (config.method === 'auto' ? null : runImputation(matrix, { method: config.method, maskRatio: config.maskRatio, seed: config.seed }));
    const seconds = (performance.now() - t0) / 1000;
    if (!job || page.state.cancelRequested) {
      post({ type: 'cancelled' });
      progressText.textContent = 'cancelled';
      return;
    }
    post({ type: 'progress', phase: 'imputing', fraction: 1 });
    deliverResult(config, job, seconds, false, auto ? leaderboardOf(auto.leaderboard, auto.winner) : undefined);
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
function deliverResult(config: RunConfig, job: Pick<ReturnType<typeof runImputation>, 'metrics' | 'setup' | 'prediction' | 'imputed' | 'targets'> & { validation?: { mae: number } }, seconds: number, fromCheckpoint = false, leaderboard?: LeaderboardRow[]) {
  const metrics: RunMetrics = { ...job.metrics, perColumn: job.metrics.perColumn.map(({ column, count, mae, rmse }) => ({ column, count, mae, rmse })) };
  view.shown.result = page.state.result = { targetMask: job.setup.targets, prediction: job.prediction, imputed: job.imputed.values };
  page.state.metrics = metrics;
  const validationMae = job.validation && Number.isFinite(job.validation.mae) ? { validationMae: job.validation.mae } : {};
  post({ type: 'result', result: { config, targets: job.targets, metrics, seconds, backend: page.backend?.name ?? 'none', imputed: job.imputed.values, targetMask: job.setup.targets, ...validationMae, ...(fromCheckpoint ? { fromCheckpoint } : {}), ...(leaderboard ? { leaderboard } : {}) } });
  view.showResult(config, job.targets, metrics, seconds, page.state.payload);
  progressText.textContent = `done in ${seconds.toFixed(2)} s`;
}


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
    setCancellable: (on) => {
      cancelButton.disabled = !on;
    },
    backendName: () => page.backend?.name ?? 'none',
    matrix: () => page.state.matrix,
    finish: deliverResult,
    showImputed: (r) => {
      view.shown.result = page.state.result = r;
      view.redrawMaps();
    },
    metrics: () => page.state.metrics,
  },
  runCard.body,
  document.getElementById('app')!,
);
methodSelect.addEventListener('change', () => {
  deep.select(methodSelect.value);
  autoRunner.select(methodSelect.value);
});

runButton.addEventListener('click', () => void run());
cancelButton.addEventListener('click', () => {
  if (page.state.running && !deep.training) {
    page.state.cancelRequested = true;
    progressText.textContent = 'cancelling…';
  } else deep.cancel();
});

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onHostMessage(m: HostToWebview) {
  switch (m.type) {
    case 'init': {
      const next = applyInit(page.state, m);
      // A snapshot after the preview read the file another way: the result shown was for the old shape.
      page.state = { ...next.state, result: null };
      vscode.setState({ runId: page.state.runId });
      document.body.dataset.runId = page.state.runId;
      document.getElementById('title')!.textContent = `${page.state.fileName} (${m.format})`;
      page.initMethod = m.config.method;
      page.initAuto = m.config.auto;
      methodSelect.value = m.config.method;
      deep.select(m.config.method);
      autoRunner.select(m.config.method);
      autoRunner.fill(m.config.auto);
      preview.show(m.preview ?? null);
      view.clearResult();
      deep.init(m);
      post({ type: 'listRuns' });
      maskInput.value = String(m.config.maskRatio);
      seedInput.value = String(m.config.seed);
      setStatus(m.status);
      view.showData(m.matrix, page.state.matrix!);
      if (!m.trusted) runButton.disabled = true;
      if (m.result) view.showResult(m.result.config, m.result.targets, m.result.metrics, m.result.seconds, page.state.payload);
      for (const n of next.notices) setMessage(n.text, n.kind);
      break;
    }
    case 'status':
      setStatus(m.status);
      post({ type: 'listRuns' });
      if (m.message) setMessage(m.message, m.status === 'failed' ? 'error' : 'info');
      break;
    case 'saved':
      setMessage(`Saved ${m.path}`);
      view.message.dataset.saved = m.path;
      break;
    case 'error':
      setMessage(m.message, 'error');
      break;
    case 'newRun':
      // A second Run made its own record: this panel now shows it (and reopens it after a reload).
      page.state = { ...page.state, runId: m.runId };
      vscode.setState({ runId: m.runId });
      document.body.dataset.runId = m.runId;
      break;
    case 'runs':
      runsTable.update(m.runs);
      deep.onMessage(m);
      break;
    default:
      deep.onMessage(m);
      break;
  }
}

// The backend is chosen before `ready`, so the panel reports it from the start.
// The data comes first (`ready`), then the backend is measured (a few seconds; the baselines need
// no tfjs, the learned methods join the picker once it is chosen).
vscode.ready();
void pickBackend();

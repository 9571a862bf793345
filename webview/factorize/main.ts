// The Factorize panel's webview: shows the data, runs NMF or Wasserstein NMF with the same core
// code as the CLI, draws the atoms, the objective, the reconstructions and the weights as the
// run goes, and reports progress and the result to the host, which keeps the run's record and
// writes its files. Wasserstein NMF runs either on tfjs (float32, on the backend chosen here:
// WebGPU, WebGL, wasm, CPU) or in Float64 on this page's thread; the default is tfjs when the
// backend is a GPU one. Both run in time slices, so the page stays responsive.
import { formatFigure } from '../../src/core/format';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { factorizeIterations, formatGrid, gridPositions, type FactorizeConfig, type FactorizeProgress, type FactorizeResult, type GridSpec } from '../../src/core/factorize/job';
import { factorizeTf, tfJobUnsupported } from '../../src/core/factorize/jobTf';
import { describeBackend, type BackendChoice } from '../../src/core/tf/backend';
import type {
  FactorizeDataPayload,
  FactorizeHostToWebview,
  FactorizeInputChoice,
  FactorizePanelState,
  FactorizeSource,
  FactorizeWebviewToHost,
} from '../../src/protocol/factorize';
import { asHistogram, columnOf, reconstructedColumn, topWeights, type Matrix } from '../charts/factorViews';
import { createBarChart, createLineChart, createSmallMultiples, type Series } from '../charts/lines';
import { createImageTiles } from '../charts/tiles';
import { createChannel } from '../common/channel';
import { pickTfBackend } from '../common/backend';
import { card, el, exportButtons, messageAndStatus, type ExportMime } from '../common/ui';

// The panel channel: handlers per message type below; `ready` goes last (the host answers it
// with the full state, on every load of the page).
const vscode = createChannel<FactorizeWebviewToHost, FactorizeHostToWebview, FactorizePanelState>({ onUnhandled: (m) => onHostMessage(m) });
const post = (m: FactorizeWebviewToHost) => vscode.post(m);
const exportTo = (fileName: string, mime: ExportMime, data: Uint8Array | string) => post({ type: 'export', fileName, mime, data });

/** The Float64 compute path's name in the badge and the run record. */
const FLOAT64 = 'cpu-float64';
/** Work per slice before the page gets the thread back (ms). */
const SLICE_MS = 30;
/** Redraw the factors at most this often while running (ms). */
const DRAW_EVERY_MS = 300;
/** Report progress to the host at most this often (ms). */
const REPORT_EVERY_MS = 250;


const fmt = (v: number, digits = 4): string => formatFigure(v, { digits, exponent: 3 });

// ---------------------------------------------------------------------------------------------
// Layout

const app = document.getElementById('app')!;
const header = el(
  'header',
  {},
  el('h1', { id: 'title' }, 'Lacuna: factorize'),
  el('span', { id: 'backend', class: 'badge' }, 'compute: choosing a tfjs backend…'),
  el('span', { id: 'status', class: 'badge' }, ''),
);
const message = el('div', { id: 'message', role: 'status' });


const dataCard = card('data-card', 'Data');
const settingsCard = card('settings', 'Factorize X ≈ DΛ');
const atomsCard = card('atoms-card', 'Atoms (columns of D)');
const objectiveCard = card('objective-card', 'Objective over the iterations');
const reconstructionsCard = card('reconstructions-card', 'Reconstructions DΛ beside the originals');
const weightsCard = card('weights-card', 'Weights Λ of the selected observation');
const resultCards = [atomsCard, objectiveCard, reconstructionsCard, weightsCard];
app.append(header, message, dataCard.section, settingsCard.section, ...resultCards.map((c) => c.section));
for (const c of resultCards) c.section.hidden = true;

const { setMessage, setStatus } = messageAndStatus(message);

// ---------------------------------------------------------------------------------------------
// State

let source: FactorizeSource | null = vscode.getState()?.source ?? null;
let data: FactorizeDataPayload | null = null;
let X: DenseMatrix | null = null;
let trusted = true;
let running = false;
let cancelRequested = false;
let selected = 0;
/** The factors drawn now, and the iteration they come from. */
let factors: { D: Matrix; Lambda: Matrix; iteration: number; config: FactorizeConfig } | null = null;
let objectives: { iteration: number; objective: number }[] = [];

// ---------------------------------------------------------------------------------------------
// Backend: webgpu, then webgl, wasm, cpu, chosen once before `ready` and shown in the badge.

let backend: BackendChoice | null = null;
let backendError: string | null = null;
/** The WebGPU adapter, in words, when webgpu is the backend, and whether it emulates a GPU on the CPU. */
let adapterText = '';
let adapterEmulated = false;
/** Whether the user picked the compute path (else it follows the default). */
let computeChosen = false;

async function pickBackend() {
  ({ backend, adapterText, adapterEmulated, error: backendError } = await pickTfBackend(tf));
  showCompute();
}

/** A GPU runs tfjs here: WebGL, or WebGPU on a real adapter (SwiftShader emulates one on the CPU). */
const gpuBackend = () => backend?.name === 'webgl' || (backend?.name === 'webgpu' && !adapterEmulated);

/** What runs the next job: tfjs or Float64, and why when tfjs cannot. */
function computePath(config: Pick<FactorizeConfig, 'loss' | 'grid'>): { path: 'tfjs' | 'float64'; why: string | null } {
  if (!backend) return { path: 'float64', why: backendError ? `no tfjs backend: ${backendError}` : 'no tfjs backend yet' };
  const unsupported = data ? tfJobUnsupported(config, data.rows, data.cols) : null;
  if (unsupported) return { path: 'float64', why: unsupported };
  return { path: computeSelect.value === 'tfjs' ? 'tfjs' : 'float64', why: null };
}

/** The name of a compute path for the badge and the run record. */
function pathName(path: 'tfjs' | 'float64'): string {
  return path === 'tfjs' && backend ? `tfjs-${backend.name}-float32` : FLOAT64;
}

/** Fills the compute choice and the badge from the backend, the loss and the data. */
function showCompute() {
  const badge = document.getElementById('backend')!;
  const tfjsOption = computeSelect.querySelector<HTMLOptionElement>('option[value="tfjs"]')!;
  if (backend) tfjsOption.textContent = gpuBackend() ? `GPU (tfjs, float32 on ${backend.name})` : `tfjs (float32 on ${backend.name}${adapterEmulated ? ', a CPU emulation' : ''})`;
  // The default: tfjs on a GPU, Float64 otherwise (tfjs on wasm, cpu or an emulated GPU is slower).
  if (!computeChosen) computeSelect.value = gpuBackend() ? 'tfjs' : 'float64';
  const loss = lossSelect.value as FactorizeConfig['loss'];
  const grid: GridSpec = gridKind.value === 'image' ? { kind: 'image', width: Number(gridWidth.value), height: Number(gridHeight.value) } : { kind: 'line', lo: Number(gridLo.value), hi: Number(gridHi.value) };
  const { path, why } = computePath({ loss, grid });
  tfjsOption.disabled = !backend || (why !== null && loss === 'wasserstein');
  computeSelect.disabled = running || loss !== 'wasserstein' || !backend;
  // NMF (Frobenius, KL) always runs in Float64: no choice to show.
  document.getElementById('compute-label')!.hidden = loss !== 'wasserstein';
  const tfjsText = backend ? describeBackend(backend) : backendError ?? 'choosing…';
  const adapter = backend?.name === 'webgpu' && adapterText ? `; adapter: ${adapterText}` : '';
  badge.dataset.backend = pathName(path);
  badge.dataset.tfjs = backend?.name ?? 'none';
  badge.dataset.adapter = backend?.name === 'webgpu' ? adapterText : '';
  badge.textContent = path === 'tfjs' && backend ? `compute: ${backend.name} (tfjs, float32)` : 'compute: Float64 on the CPU';
  badge.title =
    path === 'tfjs'
      ? `Wasserstein NMF runs on tfjs, float32, on the ${backend!.name} backend${adapter}. tfjs backend: ${tfjsText}.`
      : `The run uses the core’s Float64 code on the CPU, in time slices between frames${why ? ` (${why})` : ''}. tfjs backend: ${tfjsText}${adapter}.`;
}

// ---------------------------------------------------------------------------------------------
// Data card

const inputSelect = el('select', { id: 'input', title: 'What to factorise' });
const stats = el('dl', { class: 'stats' });
dataCard.body.append(el('div', { class: 'controls' }, el('label', {}, 'input ', inputSelect)), stats);
inputSelect.addEventListener('change', () => {
  if (running) return;
  post({ type: 'load', input: inputSelect.value as FactorizeInputChoice });
  setMessage('Loading…');
});

function showData(p: FactorizeDataPayload, src: FactorizeSource, inputs: { choice: FactorizeInputChoice; label: string }[]) {
  data = p;
  source = src;
  X = { rows: p.rows, cols: p.cols, values: p.values };
  vscode.setState({ source: src });
  selected = 0;
  factors = null;
  objectives = [];
  for (const c of resultCards) c.section.hidden = true;
  inputSelect.replaceChildren(...inputs.map((i) => el('option', { value: i.choice }, i.label)));
  inputSelect.value = src.kind === 'file' ? 'file' : src.name;
  const name = src.kind === 'file' ? `${src.fileName} (${src.format})` : inputs.find((i) => i.choice === src.name)?.label ?? src.name;
  document.getElementById('title')!.textContent = `Factorize: ${name}`;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < p.values.length; i++) {
    lo = Math.min(lo, p.values[i]);
    hi = Math.max(hi, p.values[i]);
  }
  stats.replaceChildren(
    el('dt', {}, 'shape'),
    el('dd', { id: 'shape' }, `${p.rows} × ${p.cols}`),
    el('dt', {}, 'layout'),
    el('dd', {}, `${p.rows} bins (rows) × ${p.cols} observations (columns)`),
    el('dt', {}, 'grid'),
    el('dd', { id: 'data-grid' }, describeGrid(p.grid)),
    el('dt', {}, 'values'),
    el('dd', {}, `${fmt(lo)} … ${fmt(hi)}`),
  );
}

function describeGrid(grid: GridSpec): string {
  return grid.kind === 'line' ? `a line, ${grid.lo} to ${grid.hi}` : `an image, ${grid.width} × ${grid.height} pixels`;
}

// ---------------------------------------------------------------------------------------------
// Settings card

function numberInput(id: string, attrs: Record<string, string>): HTMLInputElement {
  return el('input', { id, type: 'number', ...attrs });
}

const lossSelect = el(
  'select',
  { id: 'loss' },
  el('option', { value: 'wasserstein' }, 'Wasserstein'),
  el('option', { value: 'frobenius' }, 'Frobenius'),
  el('option', { value: 'kl' }, 'KL divergence'),
);
const kInput = numberInput('k', { min: '1', max: '1000', step: '1', value: '3' });
const epsilonInput = numberInput('epsilon', { min: '0', step: 'any', value: '0.025' });
const rho1Input = numberInput('rho1', { min: '0', step: 'any', value: '0.05' });
const rho2Input = numberInput('rho2', { min: '0', step: 'any', value: '0.05' });
const iterationsInput = numberInput('iterations', { min: '1', step: '1', value: '10' });
const innerInput = numberInput('inner', { min: '1', step: '1', value: '250' });
const seedInput = numberInput('seed', { min: '0', step: '1', value: '0' });
const gridKind = el('select', { id: 'grid-kind' }, el('option', { value: 'line' }, 'line'), el('option', { value: 'image' }, 'image'));
const gridLo = numberInput('grid-lo', { step: 'any', value: '0' });
const gridHi = numberInput('grid-hi', { step: 'any', value: '1' });
const gridWidth = numberInput('grid-width', { min: '1', step: '1', value: '1' });
const gridHeight = numberInput('grid-height', { min: '1', step: '1', value: '1' });
const lineFields = el('span', { class: 'grid-fields', id: 'line-fields' }, el('label', {}, 'from ', gridLo), el('label', {}, 'to ', gridHi));
const imageFields = el('span', { class: 'grid-fields', id: 'image-fields' }, el('label', {}, 'width ', gridWidth), el('label', {}, 'height ', gridHeight));
const computeSelect = el('select', { id: 'compute', title: 'Where Wasserstein NMF runs' }, el('option', { value: 'tfjs' }, 'GPU (tfjs, float32)'), el('option', { value: 'float64' }, 'CPU (Float64)'));
const runButton = el('button', { id: 'run' }, 'Run');
const cancelButton = el('button', { id: 'cancel', class: 'secondary', disabled: '' }, 'Cancel');
const progressBar = el('progress', { id: 'progress-bar', max: '1', value: '0' });
const progressText = el('span', { id: 'progress' });
const wassersteinOnly = el(
  'span',
  { class: 'group', id: 'wasserstein-settings' },
  el('label', { title: 'Entropic regularisation, for the cost scaled to mean 1' }, 'ε ', epsilonInput),
  el('label', { title: 'Entropy weight on the weights Λ' }, 'ρ₁ ', rho1Input),
  el('label', { title: 'Entropy weight on the atoms D' }, 'ρ₂ ', rho2Input),
  el('label', { title: 'L-BFGS iterations per dual step' }, 'L-BFGS cap ', innerInput),
);
const wassersteinRow = el('div', { class: 'controls' }, wassersteinOnly);
settingsCard.body.append(
  el(
    'div',
    { class: 'controls' },
    el('label', {}, 'loss ', lossSelect),
    el('label', { title: 'The number of atoms' }, 'k ', kInput),
    el('label', { title: 'Outer iterations (Wasserstein) or multiplicative updates (Frobenius, KL)' }, 'iterations ', iterationsInput),
    el('label', {}, 'seed ', seedInput),
    el('label', { id: 'compute-label' }, 'compute ', computeSelect),
  ),
  wassersteinRow,
  el('div', { class: 'controls' }, el('label', { title: 'Where the bins sit: the ground cost of the Wasserstein loss, and how atoms are drawn' }, 'grid ', gridKind), lineFields, imageFields),
  el('div', { class: 'controls' }, runButton, cancelButton, progressBar, progressText),
  el('p', { class: 'hint', id: 'loss-hint' }, ''),
);

function syncSettingsVisibility() {
  const wasserstein = lossSelect.value === 'wasserstein';
  wassersteinRow.hidden = !wasserstein;
  showCompute();
  lineFields.hidden = gridKind.value !== 'line';
  imageFields.hidden = gridKind.value !== 'image';
  document.getElementById('loss-hint')!.textContent = wasserstein
    ? 'Wasserstein NMF (Rolet, Cuturi & Peyré 2016): columns become histograms; the loss moves mass along the grid, so shifted bumps share atoms. Each iteration solves two dual problems with L-BFGS.'
    : lossSelect.value === 'kl'
      ? 'Lee & Seung multiplicative updates for the generalised KL divergence.'
      : 'Lee & Seung multiplicative updates for ½‖X − DΛ‖², as scikit-learn’s NMF(solver="mu").';
}
lossSelect.addEventListener('change', syncSettingsVisibility);
gridKind.addEventListener('change', syncSettingsVisibility);
computeSelect.addEventListener('change', () => {
  computeChosen = true;
  showCompute();
});

function showConfig(config: FactorizeConfig) {
  lossSelect.value = config.loss;
  kInput.value = String(config.k);
  epsilonInput.value = String(config.epsilon);
  rho1Input.value = String(config.rho1);
  rho2Input.value = String(config.rho2);
  iterationsInput.value = String(config.iterations);
  innerInput.value = String(config.innerIterations);
  seedInput.value = String(config.seed);
  gridKind.value = config.grid.kind;
  if (config.grid.kind === 'line') {
    gridLo.value = String(config.grid.lo);
    gridHi.value = String(config.grid.hi);
  } else {
    gridWidth.value = String(config.grid.width);
    gridHeight.value = String(config.grid.height);
  }
  // Fill the other grid kind's fields with something sensible too.
  if (data && config.grid.kind === 'line') {
    const side = Math.round(Math.sqrt(data.rows));
    gridWidth.value = String(side * side === data.rows ? side : data.rows);
    gridHeight.value = String(side * side === data.rows ? side : 1);
  } else if (data) {
    gridLo.value = '0';
    gridHi.value = String(data.rows - 1);
  }
  syncSettingsVisibility();
}

let baseConfig: FactorizeConfig | null = null;

function readConfig(): FactorizeConfig | null {
  if (!baseConfig || !data) return null;
  const num = (input: HTMLInputElement) => Number(input.value);
  const problems: string[] = [];
  const k = num(kInput);
  if (!Number.isInteger(k) || k < 1 || k > 1000) problems.push('k must be an integer from 1 to 1000');
  const iterations = num(iterationsInput);
  if (!Number.isInteger(iterations) || iterations < 1) problems.push('iterations must be a positive integer');
  const seed = num(seedInput);
  if (!Number.isInteger(seed) || seed < 0) problems.push('the seed must be a non-negative integer');
  const loss = lossSelect.value as FactorizeConfig['loss'];
  const epsilon = num(epsilonInput);
  const rho1 = num(rho1Input);
  const rho2 = num(rho2Input);
  const inner = num(innerInput);
  if (loss === 'wasserstein') {
    if (!(epsilon > 0)) problems.push('ε must be positive');
    if (!(rho1 > 0) || !(rho2 > 0)) problems.push('ρ₁ and ρ₂ must be positive');
    if (!Number.isInteger(inner) || inner < 1) problems.push('the L-BFGS cap must be a positive integer');
  }
  let grid: GridSpec;
  if (gridKind.value === 'line') {
    grid = { kind: 'line', lo: num(gridLo), hi: num(gridHi) };
    if (!(Number.isFinite(grid.lo) && Number.isFinite(grid.hi) && grid.hi > grid.lo)) problems.push('the line grid needs from < to');
  } else {
    grid = { kind: 'image', width: num(gridWidth), height: num(gridHeight) };
    if (!(Number.isInteger(grid.width) && Number.isInteger(grid.height) && grid.width * grid.height === data.rows)) {
      problems.push(`an image grid needs width × height = ${data.rows} (the number of rows)`);
    }
  }
  if (problems.length > 0) {
    setMessage(`Check the settings: ${problems.join('; ')}.`, 'error');
    return null;
  }
  return {
    ...baseConfig,
    loss,
    k,
    iterations,
    seed,
    epsilon: loss === 'wasserstein' ? epsilon : baseConfig.epsilon,
    rho1: loss === 'wasserstein' ? rho1 : baseConfig.rho1,
    rho2: loss === 'wasserstein' ? rho2 : baseConfig.rho2,
    innerIterations: loss === 'wasserstein' ? inner : baseConfig.innerIterations,
    grid,
  };
}

function setRunning(on: boolean) {
  running = on;
  runButton.disabled = on || !trusted;
  cancelButton.disabled = !on;
  inputSelect.disabled = on;
  for (const input of settingsCard.body.querySelectorAll('input, select')) (input as HTMLInputElement).disabled = on;
  showCompute();
}

// ---------------------------------------------------------------------------------------------
// Result views


function csvButton(actions: HTMLElement, table: 'atoms' | 'weights') {
  const button = el('button', { class: 'secondary', title: `Save the ${table} of the finished run as CSV` }, 'CSV');
  button.addEventListener('click', () => post({ type: 'exportTable', table }));
  actions.append(button);
}

// Atoms: image tiles or line panels (both made once, shown by the grid kind).
const atomsHolder = el('div', { class: 'chart-holder' });
atomsCard.body.append(atomsHolder, el('p', { class: 'legend-note', id: 'atoms-note' }, ''));
const atomTiles = createImageTiles(atomsHolder, { id: 'atoms-tiles' });
const atomLines = createSmallMultiples(atomsHolder, { id: 'atoms-lines', panelWidth: 200, panelHeight: 110 });
csvButton(atomsCard.actions, 'atoms');
exportButtons(atomsCard.actions, 'atoms', () => (factors?.config.grid.kind === 'image' ? atomTiles.canvas : atomLines.svg), exportTo, (text) => setMessage(text, 'error'));

const objectiveChart = createLineChart(objectiveCard.body, { id: 'objective', xLabel: 'iteration', yLabel: 'objective' });
exportButtons(objectiveCard.actions, 'objective', () => objectiveChart.svg, exportTo, (text) => setMessage(text, 'error'));

const observationInput = numberInput('observation', { min: '1', step: '1', value: '1' });
const observationLabel = el('span', { id: 'observation-label' }, '');
reconstructionsCard.body.append(
  el('div', { class: 'controls' }, el('label', {}, 'observation ', observationInput), observationLabel),
  el('p', { class: 'legend-note', id: 'reconstructions-note' }, ''),
);
const reconstructionTiles = createImageTiles(reconstructionsCard.body, { id: 'reconstruction-tiles', onSelect: (t) => select(pageStart() + (t % PAGE)) });
const reconstructionLines = createSmallMultiples(reconstructionsCard.body, { id: 'reconstruction-lines', panelWidth: 220, panelHeight: 110, onSelect: (i) => select(pageStart() + i) });
exportButtons(reconstructionsCard.actions, 'reconstructions', () => (factors?.config.grid.kind === 'image' ? reconstructionTiles.canvas : reconstructionLines.svg), exportTo, (text) => setMessage(text, 'error'));
observationInput.addEventListener('change', () => select(Number(observationInput.value) - 1));

const weightsChart = createBarChart(weightsCard.body, { id: 'weights', yLabel: 'weight' });
const weightsNote = el('p', { class: 'legend-note', id: 'weights-note' }, '');
weightsCard.body.append(weightsNote);
csvButton(weightsCard.actions, 'weights');
exportButtons(weightsCard.actions, 'weights', () => weightsChart.svg, exportTo, (text) => setMessage(text, 'error'));

/** Observations per page of the reconstructions view. */
const PAGE = 8;
const pageStart = () => Math.floor(selected / PAGE) * PAGE;

function select(index: number) {
  if (!data || !Number.isInteger(index)) return;
  selected = Math.max(0, Math.min(data.cols - 1, index));
  observationInput.value = String(selected + 1);
  if (factors) {
    drawReconstructions();
    drawWeights();
  }
}

function drawAtoms() {
  if (!factors || !data) return;
  const { D, config } = factors;
  const k = D.cols;
  atomsCard.section.hidden = false;
  const image = config.grid.kind === 'image';
  atomTiles.canvas.hidden = !image;
  atomLines.svg.style.display = image ? 'none' : '';
  if (config.grid.kind === 'image') {
    atomTiles.update(
      Array.from({ length: k }, (_, a) => ({ values: columnOf(D, a), caption: `atom ${a + 1}` })),
      { width: config.grid.width, height: config.grid.height },
    );
  } else {
    const x = gridPositions(config.grid, D.rows);
    atomLines.update(
      Array.from({ length: k }, (_, a) => {
        const atom = columnOf(D, a);
        let mode = 0;
        for (let i = 1; i < atom.length; i++) if (atom[i] > atom[mode]) mode = i;
        return { title: `atom ${a + 1} · mode ${x[mode].toFixed(2)}`, series: [{ name: `atom ${a + 1}`, x, y: atom, className: 'atom' }] };
      }),
    );
  }
  const holder = document.getElementById('atoms-card')!;
  holder.dataset.k = String(k);
  holder.dataset.iteration = String(factors.iteration);
  holder.dataset.grid = formatGrid(config.grid);
  document.getElementById('atoms-note')!.textContent = `${k} atoms after iteration ${factors.iteration}. ${image ? 'Each tile is coloured over its own range (viridis).' : 'Each panel has its own vertical scale.'}${config.loss === 'wasserstein' ? ' Wasserstein atoms are histograms.' : ''}`;
}

function drawObjective() {
  objectiveCard.section.hidden = false;
  objectiveChart.update([{ name: 'objective', x: objectives.map((o) => o.iteration), y: objectives.map((o) => o.objective), className: 'objective' }]);
  const last = objectives[objectives.length - 1];
  objectiveChart.svg.dataset.points = String(objectives.length);
  if (last) objectiveChart.svg.dataset.last = String(last.objective);
}

function drawReconstructions() {
  if (!factors || !data || !X) return;
  const { D, Lambda, config } = factors;
  reconstructionsCard.section.hidden = false;
  const start = pageStart();
  const end = Math.min(data.cols, start + PAGE);
  const wasserstein = config.loss === 'wasserstein';
  // Wasserstein compares histograms (the factorisation normalises X's columns); NMF the raw values.
  const original = (j: number) => (wasserstein ? asHistogram(columnOf(X!, j)) : columnOf(X!, j));
  const rebuilt = (j: number) => reconstructedColumn(D, Lambda, j);
  const image = config.grid.kind === 'image';
  reconstructionTiles.canvas.hidden = !image;
  reconstructionLines.svg.style.display = image ? 'none' : '';
  if (config.grid.kind === 'image') {
    const tiles = [];
    for (let j = start; j < end; j++) tiles.push({ values: original(j), caption: data.colIds[j] ?? `#${j + 1}`, selected: j === selected });
    for (let j = start; j < end; j++) tiles.push({ values: rebuilt(j), caption: 'DΛ', selected: j === selected });
    reconstructionTiles.update(tiles, { width: config.grid.width, height: config.grid.height }, { tile: 64, columns: end - start });
  } else {
    const x = gridPositions(config.grid, D.rows);
    const panels = [];
    for (let j = start; j < end; j++) {
      const series: Series[] = [
        { name: 'original', x, y: original(j), className: 'original' },
        { name: 'DΛ', x, y: rebuilt(j), className: 'reconstruction' },
      ];
      panels.push({ title: data.colIds[j] ?? `#${j + 1}`, series, selected: j === selected });
    }
    reconstructionLines.update(panels);
  }
  observationLabel.textContent = `${data.colIds[selected] ?? ''} (showing ${start + 1}–${end} of ${data.cols}; click one to select it)`;
  document.getElementById('reconstructions-note')!.textContent = image
    ? 'Top row: the originals; bottom row: their reconstructions DΛ.'
    : 'Solid: the original; dashed: the reconstruction DΛ.';
}

function drawWeights() {
  if (!factors || !data) return;
  const { Lambda } = factors;
  weightsCard.section.hidden = false;
  const weights = columnOf(Lambda, selected);
  weightsChart.update(Array.from(weights, (value, a) => ({ label: String(a + 1), value })));
  const top = topWeights(Lambda, selected);
  weightsNote.textContent = `${data.colIds[selected] ?? `#${selected + 1}`}: largest weights on ${top.map(([a, w]) => `atom ${a + 1} (${fmt(w, 3)})`).join(', ')}.`;
  weightsChart.svg.dataset.observation = String(selected);
}

function drawAll() {
  drawAtoms();
  drawObjective();
  drawReconstructions();
  drawWeights();
}

// ---------------------------------------------------------------------------------------------
// Running

const copy = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, values: m.values.slice() });

async function run() {
  if (!X || !data || running || !trusted) return;
  const config = readConfig();
  if (!config) return;
  const { path } = computePath(config);
  const backendName = pathName(path);
  cancelRequested = false;
  setRunning(true);
  setMessage('');
  setStatus('running');
  objectives = [];
  document.getElementById('result')?.remove();
  progressBar.value = 0;
  progressText.textContent = 'starting…';
  post({ type: 'run', config });
  const started = performance.now();
  const tensorsBefore = tf.memory().numTensors;
  let lastDraw = 0;
  let lastReport = 0;
  let pending: typeof factors = null;
  let latestObjective: number | null = null;
  let latest: FactorizeProgress | null = null;
  const where = path === 'tfjs' ? ` · ${backend!.name}` : '';
  // Both paths report the same progress: kept here, shown and sent at most every so often.
  const note = (progress: FactorizeProgress) => {
    latest = progress;
    if (progress.finished) {
      objectives.push({ iteration: progress.iteration, objective: progress.finished.objective });
      latestObjective = progress.finished.objective;
      pending = { D: copy(progress.finished.D), Lambda: copy(progress.finished.Lambda), iteration: progress.iteration, config };
    }
  };
  const flush = (final: boolean) => {
    const now = performance.now();
    if (latest) {
      progressBar.value = latest.fraction;
      progressText.textContent = `${latest.phase}${where} · ${((now - started) / 1000).toFixed(1)} s`;
      if (now - lastReport > REPORT_EVERY_MS || latestObjective !== null) {
        post({ type: 'progress', iteration: latest.iteration, total: latest.total, fraction: latest.fraction, objective: latestObjective });
        latestObjective = null;
        lastReport = now;
      }
    }
    if (pending && (now - lastDraw > DRAW_EVERY_MS || final)) {
      factors = pending;
      pending = null;
      drawAll();
      lastDraw = performance.now();
    }
  };
  const cancelled = () => {
    post({ type: 'cancelled' });
    setStatus('cancelled');
    progressText.textContent = `cancelled after ${((performance.now() - started) / 1000).toFixed(1)} s`;
  };
  try {
    let result: FactorizeResult;
    if (path === 'tfjs') {
      // The tfjs job gives the thread back every slice itself; progress is drawn as it comes.
      const outcome = await factorizeTf(tf, X, config, {
        sliceMs: SLICE_MS,
        onProgress: (p) => {
          note(p);
          flush(false);
        },
        shouldStop: () => cancelRequested,
      });
      if (!outcome) {
        cancelled();
        return;
      }
      result = outcome;
    } else {
      const job = factorizeIterations(X, config);
      let next: IteratorResult<FactorizeProgress, FactorizeResult>;
      while (true) {
        const sliceEnd = performance.now() + SLICE_MS;
        do {
          next = job.next();
          if (!next.done) note(next.value);
        } while (!next.done && performance.now() < sliceEnd && !cancelRequested);
        flush(next.done === true);
        if (next.done) break;
        if (cancelRequested) {
          job.return(undefined as never);
          cancelled();
          return;
        }
        // Give the page the thread: paint, input, messages.
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      result = next.value;
    }
    const seconds = (performance.now() - started) / 1000;
    factors = { D: result.D, Lambda: result.Lambda, iteration: result.iterations, config };
    objectives = result.history.map((objective, i) => ({ iteration: config.loss === 'wasserstein' ? i + 1 : i, objective }));
    drawAll();
    progressBar.value = 1;
    progressText.textContent = `done: ${result.iterations} iterations in ${seconds.toFixed(1)} s${where}`;
    showSummary(result, seconds, backendName);
    post({
      type: 'result',
      result: {
        config,
        D: result.D.values,
        Lambda: result.Lambda.values,
        history: result.history,
        objective: result.objective,
        iterations: result.iterations,
        converged: result.converged,
        reason: result.reason,
        reconstructionError: result.reconstructionError,
        seconds,
        backend: backendName,
      },
    });
  } catch (err) {
    const text = (err as Error).message ?? String(err);
    post({ type: 'failed', message: text });
    setMessage(text, 'error');
    setStatus('failed');
    progressText.textContent = 'failed';
  } finally {
    // The tensors alive before and after the run, for anyone checking that nothing leaked.
    document.body.dataset.tensorsBefore = String(tensorsBefore);
    document.body.dataset.tensorsAfter = String(tf.memory().numTensors);
    setRunning(false);
  }
}

function showSummary(result: FactorizeResult, seconds: number, backendName: string) {
  const summary = document.getElementById('result') ?? el('p', { id: 'result' });
  const on = backendName === FLOAT64 ? 'Float64 on the CPU' : `tfjs, float32 on ${backend?.name}`;
  summary.textContent = `${result.config.loss}, k = ${result.config.k}: objective ${fmt(result.objective)} after ${result.iterations} iterations (${result.reason}); ‖X − DΛ‖_F ${fmt(result.reconstructionError)}; ${seconds.toFixed(1)} s (${on}).`;
  summary.dataset.backend = backendName;
  summary.dataset.objective = String(result.objective);
  summary.dataset.iterations = String(result.iterations);
  summary.dataset.loss = result.config.loss;
  settingsCard.body.append(summary);
}

runButton.addEventListener('click', () => void run());
cancelButton.addEventListener('click', () => {
  cancelRequested = true;
  progressText.textContent = 'cancelling…';
});

// ---------------------------------------------------------------------------------------------
// Messages from the host

function onHostMessage(m: FactorizeHostToWebview) {
  switch (m.type) {
    case 'data':
      trusted = m.trusted;
      showData(m.data, m.source, m.inputs);
      baseConfig = m.config;
      showConfig(m.config);
      setRunning(false);
      setMessage(m.trusted ? '' : 'This workspace is not trusted: Lacuna shows the data but runs nothing and writes nothing.', m.trusted ? 'info' : 'error');
      setStatus('ready');
      progressBar.value = 0;
      progressText.textContent = '';
      document.getElementById('result')?.remove();
      break;
    case 'status':
      if (m.status !== 'running') setStatus(m.status);
      if (m.runId) document.body.dataset.runId = m.runId;
      if (m.message) setMessage(m.message, m.status === 'failed' ? 'error' : 'info');
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

syncSettingsVisibility();
if (source) document.getElementById('title')!.textContent = `Factorize: ${source.kind === 'file' ? source.fileName : source.name}`;
// The backend is chosen before `ready`, so the first run already knows whether it has a GPU.
void pickBackend().finally(() => vscode.ready());

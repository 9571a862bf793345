// The weighting-vectors page's DOM: the layout with its two tabs, the data controls, the scatter,
// the magnitude-function chart, the boundary table and the solver report. It draws what the
// state (state.ts) holds; main.ts wires it to the channel and the solvers.
import { MAGNITUDE_SAMPLE_NAMES, NORMALISATIONS, PANEL_METRICS, PANEL_SOLVERS, SAMPLE_TITLES, type MagnitudeSource, type PanelTab, type PointsPayload, type PointsRequest } from '../../src/protocol/magnitude';
import { createMagnitudeChart } from '../charts/magnitudeChart';
import { viewCoordinates, viewModes, weightDomain, type ViewMode } from '../charts/projection';
import { createScatter } from '../charts/scatter';
import { card, el } from '../common/ui';
import { describePoint, fmt, inputLabel, SLIDER_STEPS, type MagnitudeState, type Row } from './state';

export type MagnitudeView = ReturnType<typeof createMagnitudeView>;

const SOLVER_LABELS: Record<string, string> = { auto: 'auto', gpu: 'tfjs CG (float32)', cholesky: 'dense Cholesky', cg: 'CG (matrix-free)' };
/** The settings' tooltips, with their units. */
const TIPS = {
  source: 'The points: the file (one point per row, the numeric columns as coordinates), or a sample',
  normalise: 'Rescales each column before distances are taken: none (as read), z-score (mean 0, standard deviation 1), min–max (to 0…1)',
  maxPoints: 'At most this many points (a count; a seeded subsample above it). Each solve grows with it: dense Cholesky ∝ n³, CG ∝ n² per iteration',
  solver: 'How the weighting vector w (Zw = 1, Z = exp(−t·d)) is solved. auto: the faster of the Float64 solvers and the tfjs CG, as measured on this page for this many points; dense Cholesky: exact, Float64, ∝ n³; CG: Float64, matrix-free; tfjs CG: float32 on the panel’s tfjs backend (tolerance 1e-5); sparse: drops kernel entries below 1e-12',
  metric: 'The distance d between points: euclidean, manhattan (sum of |differences|), or cosine (1 − cos of the angle); in the units of the (normalised) columns',
  view: 'What the scatter shows: the two columns, or principal components (PCA) of all chosen columns',
  t: 'The scale t (in 1 / the distance’s unit): Z = exp(−t·d). Small t: the points merge (Mag → 1); large t: they separate (Mag → n). The slider is logarithmic over the sweep’s range',
  topK: 'How many of the largest weights (the boundary and outlying points) to list',
};

function rowsOf(rows: Row[]): HTMLElement[] {
  return rows.flatMap(([term, value, id, title]) => [el('dt', {}, term), el('dd', { id, title: title ?? '' }, value)]);
}

export function createMagnitudeView(app: HTMLElement) {
  const statusBadge = el('span', { id: 'status', class: 'badge', 'data-status': 'busy' }, 'starting…');
  const backendBadge = el('span', { id: 'backend', class: 'badge', title: 'The tfjs backend, chosen by timing a representative step on each one' }, 'backend: measuring…');
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
  const columnsBox = el('details', { id: 'columns', title: 'The numeric columns taken as coordinates (each one dimension of a point)' });
  const normaliseSelect = el('select', { id: 'normalise' }, ...NORMALISATIONS.map((v) => el('option', { value: v }, v === 'none' ? 'no normalisation' : v === 'zscore' ? 'z-score' : 'min–max')));
  const maxPointsInput = el('input', { id: 'max-points', type: 'number', min: '2', step: '1' });
  const applyButton = el('button', { id: 'apply', title: 'Read the points again with these columns, normalisation and size' }, 'Apply');
  const dataSummary = el('p', { id: 'data-summary', class: 'hint' });
  const subsampleWarning = el('p', { id: 'subsample-warning', class: 'warning', hidden: '' });
  dataCard.body.append(
    el('div', { class: 'controls' }, el('label', { title: TIPS.source }, 'data ', sourceSelect)),
    columnsBox,
    el('div', { class: 'controls' }, el('label', { title: TIPS.normalise }, normaliseSelect), el('label', { title: TIPS.maxPoints }, 'max points ', maxPointsInput), applyButton),
    dataSummary,
    subsampleWarning,
  );

  // Solve controls, scatter
  const solverSelect = el('select', { id: 'solver' }, ...PANEL_SOLVERS.map((s) => el('option', { value: s }, SOLVER_LABELS[s] ?? 'sparse (truncated)')));
  const metricSelect = el('select', { id: 'metric' }, ...PANEL_METRICS.map((m) => el('option', { value: m }, m)));
  const tSlider = el('input', { id: 't-slider', type: 'range', min: '0', max: String(SLIDER_STEPS), value: '500', disabled: '', title: TIPS.t });
  const tInput = el('input', { id: 't-input', type: 'number', min: '0', step: 'any', title: TIPS.t });
  const magnitudeOut = el('span', { id: 'magnitude', class: 'big' }, 'Mag = …');
  const projectionSelect = el('select', { id: 'projection' });
  const axisX = el('select', { id: 'axis-x' });
  const axisY = el('select', { id: 'axis-y' });
  const axisPick = el('span', { class: 'axis-pick', hidden: '' }, el('label', { title: 'The column on the horizontal axis' }, 'x ', axisX), el('label', { title: 'The column on the vertical axis' }, 'y ', axisY));
  const solverLabel = el('label', { title: TIPS.solver }, 'solver ', solverSelect);
  viewCard.body.append(
    el('div', { class: 'controls' }, solverLabel, el('label', { title: TIPS.metric }, 'metric ', metricSelect), el('label', { title: TIPS.view }, 'view ', projectionSelect), axisPick),
    el('div', { class: 'slider', title: TIPS.t }, el('label', { for: 't-slider' }, 't '), tSlider, tInput, magnitudeOut),
  );
  const scatter = createScatter(viewCard.body);

  // Magnitude function
  const chart = createMagnitudeChart(functionCard.body);
  const scales = el('dl', { id: 'scales', class: 'stats' });
  functionCard.body.append(el('p', { class: 'hint' }, 'Click the chart to solve at that scale.'), scales);

  // Boundary list
  const topK = el('select', { id: 'top-k', title: TIPS.topK }, ...[10, 20, 50, 100].map((k) => el('option', { value: String(k) }, `top ${k}`)));
  const boundaryTable = el('table', { id: 'boundary' });
  const exportBoundary = el('button', { id: 'export-boundary', class: 'secondary', title: 'Save the list as CSV' }, 'CSV');
  const exportWeights = el('button', { id: 'export-weights', class: 'secondary', title: 'Save every weight as CSV' }, 'All weights');
  boundaryCard.actions.append(topK, exportBoundary, exportWeights);
  boundaryCard.body.append(boundaryTable);

  // Report
  const report = el('dl', { id: 'report', class: 'stats' });
  const reportNotes = el('ul', { id: 'report-notes', class: 'notes' });
  reportCard.body.append(report, reportNotes);

  function setMessage(text: string, kind: 'info' | 'error' = 'info') {
    message.textContent = text;
    message.className = kind;
  }

  /** 'training': the autoencoder trains (never shown as "ready"). */
  function setStatus(text: string, state: 'busy' | 'ready' | 'failed' | 'training') {
    statusBadge.textContent = text;
    statusBadge.dataset.status = state;
  }

  /** The backend selector (the platform's) goes before the solver, which depends on it. */
  function placeBackendSelector(selector: HTMLElement) {
    solverLabel.before(selector);
  }

  /** What `auto` means now, measured: its option's text, the solver's tooltip and `data-auto`. */
  function showSolverChoice(backend: string | null, auto: { solver: 'gpu' | 'auto'; reason: string }, measured: boolean) {
    const option = solverSelect.querySelector<HTMLOptionElement>('option[value="auto"]')!;
    option.textContent = !measured ? 'auto' : auto.solver === 'gpu' ? `auto (tfjs CG on ${backend})` : 'auto (Float64)';
    option.title = auto.reason;
    const tf = solverSelect.querySelector<HTMLOptionElement>('option[value="gpu"]');
    if (tf && backend) tf.textContent = `tfjs CG (float32 on ${backend})`;
    solverLabel.title = `${TIPS.solver}. auto now: ${auto.reason}.`;
    solverSelect.dataset.auto = measured ? auto.solver : '';
    solverSelect.dataset.autoReason = auto.reason;
  }

  function fillSourceSelect(source: MagnitudeSource) {
    sourceSelect.replaceChildren(
      el('option', { value: 'input' }, inputLabel(source)),
      ...MAGNITUDE_SAMPLE_NAMES.filter((s) => source.kind !== 'sample' || s !== source.sample).map((s) => el('option', { value: s }, `sample: ${SAMPLE_TITLES[s]}`)),
    );
  }

  /** The data controls, as a points request. */
  function readControls(limit: number): PointsRequest {
    const boxes = [...columnsBox.querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
    const checked = boxes.filter((b) => b.checked).map((b) => b.value);
    return {
      source: sourceSelect.value as PointsRequest['source'],
      columns: checked.length === boxes.length ? [] : checked,
      normalise: normaliseSelect.value as PointsRequest['normalise'],
      maxPoints: Math.max(2, Math.floor(Number(maxPointsInput.value) || limit)),
    };
  }

  /** New points: the column picker, the view picker, the summary and the size warnings. */
  function showPoints(p: PointsPayload, pageTitle: string, maxPoints: number, warnings: string[]) {
    title.textContent = pageTitle;
    const chosen = new Set(p.columns);
    const boxes = p.availableColumns.map((c) => el('label', { class: 'column-choice' }, Object.assign(el('input', { type: 'checkbox', value: c }), { checked: chosen.has(c) }), ` ${c}`));
    columnsBox.replaceChildren(el('summary', {}, `columns: ${p.columns.length} of ${p.availableColumns.length}${p.availableColumns.length <= 12 ? ` (${p.columns.join(', ')})` : ''}`), el('div', { class: 'column-list' }, ...boxes));
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
    normaliseSelect.value = p.normalise;
    maxPointsInput.value = String(maxPoints);
    maxPointsInput.max = String(p.totalRows);
    dataSummary.textContent = `${p.label}; ${p.n} of ${p.totalRows} rows in use.`;
    dataSummary.dataset.n = String(p.n);
    subsampleWarning.textContent = warnings.join(' ');
    subsampleWarning.hidden = warnings.length === 0;
    setMessage(p.notes.join(' '));
  }

  function showScales(rows: Row[]) {
    scales.replaceChildren(...rowsOf(rows));
  }

  function showReport(rows: Row[], r: { solver: string; backendLabel: string; residual: number; notes: string[] }) {
    report.replaceChildren(...rowsOf(rows));
    report.dataset.solver = r.solver;
    report.dataset.backend = r.backendLabel;
    report.dataset.residual = String(r.residual);
    reportNotes.replaceChildren(...r.notes.map((n) => el('li', {}, n)));
  }

  function showMagnitude(t: number, magnitude: number, slider: number) {
    tInput.value = t.toPrecision(4);
    tSlider.value = String(slider);
    magnitudeOut.textContent = `Mag = ${fmt(magnitude, 6)}`;
    magnitudeOut.dataset.value = String(magnitude);
    magnitudeOut.dataset.t = String(t);
  }

  function drawScatter(s: MagnitudeState) {
    const p = s.points;
    if (!p) return;
    const weights = s.weights;
    const { domain, clamped } = weights ? weightDomain(weights) : { domain: [0, 1] as [number, number], clamped: false };
    const mode = (projectionSelect.value as ViewMode) || viewModes(p.dim)[0];
    const view = viewCoordinates({ n: p.n, dim: p.dim, data: p.points }, p.columns, mode, [Number(axisX.value), Number(axisY.value)], weights, s.pcaCache);
    scatter.update({ view, n: p.n, weights, domain, clamped, describe: (i) => describePoint(p, weights, i) });
  }

  function drawChart(s: MagnitudeState) {
    if (!s.sweep || !s.points) return;
    chart.update({ ts: s.sweep.points.map((q) => q.t), magnitudes: s.sweep.points.map((q) => q.magnitude), n: s.points.n, tConv: s.sweep.tConv, suggested: s.sweep.suggestedScale.t, current: Number.isFinite(s.currentT) ? s.currentT : null });
  }

  function drawBoundary(s: MagnitudeState, pick: (i: number) => void) {
    const p = s.points;
    if (!p) return;
    const labelled = p.labels && p.labelNames;
    const head = el('tr', {}, el('th', {}, '#'), el('th', {}, 'row'), ...(p.lines ? [el('th', {}, 'line')] : []), el('th', {}, 'weight'), ...(labelled ? [el('th', {}, 'label')] : []));
    const rows = s.ranked.map((r, k) => {
      const tr = el('tr', { 'data-index': String(r.index), tabindex: '0', title: s.canReveal ? 'Reveal this row in the editor' : '' },
        el('td', {}, String(k + 1)), el('td', {}, String(p.rows[r.index] + 1)), ...(p.lines ? [el('td', {}, String(p.lines[r.index]))] : []),
        el('td', {}, fmt(r.weight, 5)), ...(labelled ? [el('td', {}, p.labelNames![p.labels![r.index]])] : []));
      tr.addEventListener('mouseenter', () => scatter.highlight(r.index));
      tr.addEventListener('mouseleave', () => scatter.highlight(-1));
      tr.addEventListener('click', () => pick(r.index));
      tr.addEventListener('keydown', (e) => e.key === 'Enter' && pick(r.index));
      return tr;
    });
    boundaryTable.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
  }

  function showTab(tab: PanelTab) {
    const ae = tab === 'autoencoder';
    tabWeights.setAttribute('aria-selected', String(!ae));
    tabAutoencoder.setAttribute('aria-selected', String(ae));
    weightsPanel.hidden = ae;
    autoencoderPanel.hidden = !ae;
  }

  return {
    title, message, backendBadge, autoencoderPanel, tabWeights, tabAutoencoder,
    sourceSelect, normaliseSelect, applyButton, solverSelect, metricSelect, tSlider, tInput, projectionSelect, axisX, axisY, axisPick, topK, exportBoundary, exportWeights,
    scatter, chart, scales,
    setMessage, setStatus, placeBackendSelector, showSolverChoice, fillSourceSelect, readControls, showPoints, showScales, showReport, showMagnitude, drawScatter, drawChart, drawBoundary, showTab,
  };
}

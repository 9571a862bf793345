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

const SOLVER_LABELS: Record<string, string> = { auto: 'auto', gpu: 'GPU (tfjs CG)', cholesky: 'dense Cholesky', cg: 'CG (matrix-free)' };

function rowsOf(rows: Row[]): HTMLElement[] {
  return rows.flatMap(([term, value, id, title]) => [el('dt', {}, term), el('dd', { id, title: title ?? '' }, value)]);
}

export function createMagnitudeView(app: HTMLElement) {
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
  const solverSelect = el('select', { id: 'solver' }, ...PANEL_SOLVERS.map((s) => el('option', { value: s }, SOLVER_LABELS[s] ?? 'sparse (truncated)')));
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

  function setMessage(text: string, kind: 'info' | 'error' = 'info') {
    message.textContent = text;
    message.className = kind;
  }

  function setStatus(text: string, state: 'busy' | 'ready' | 'failed') {
    statusBadge.textContent = text;
    statusBadge.dataset.status = state;
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
    setMessage, setStatus, fillSourceSelect, readControls, showPoints, showScales, showReport, showMagnitude, drawScatter, drawChart, drawBoundary, showTab,
  };
}

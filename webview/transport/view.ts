// The Transport page's DOM: the data, the settings form with Run and Cancel, the Sinkhorn
// report, the map (clouds and arrows), the per-coordinate displacement and the training curves.
// It holds the charts; main.ts holds the state and the channel.
import type { CloudPayload, SinkhornSummary, TransportConfig, TransportTrainPoint } from '../../src/protocol/transport';
import { createBarChart, createLineChart } from '../charts/lines';
import { createTransportMap } from '../charts/transportMap';
import { card, el, exportButtons, messageAndStatus, type ExportMime } from '../common/ui';
import { displacementBars, fmt, mapArrows, sinkhornRows, supportText, trainingCurves, type ConfigForm, type PlaneView } from './state';

export type TransportView = ReturnType<typeof createTransportView>;

const METHOD_LABELS = { sinkhorn: 'Sinkhorn (plan, matched points)', icnn: 'ICNN dual (T = ∇f)', 'monge-gap': 'Monge gap + MLP' } as const;

export function createTransportView(app: HTMLElement, exportTo: (fileName: string, mime: ExportMime, data: Uint8Array | string) => void) {
  const header = el('header', {}, el('h1', { id: 'title' }, 'Lacuna: transport'), el('span', { id: 'backend', class: 'badge' }, 'backend: choosing…'), el('span', { id: 'status', class: 'badge' }, ''));
  const message = el('div', { id: 'message', role: 'status' });
  const dataCard = card('data-card', 'Data: source A → target B');
  const runCard = card('run-card', 'Transport');
  const sinkhornCard = card('sinkhorn-card', 'Sinkhorn between A and B');
  const mapCard = card('map-card', 'The map: A, B and the arrows x → T(x)');
  const displacementCard = card('displacement-card', 'Displacement per coordinate: mean |T(x)ⱼ − xⱼ|');
  const curvesCard = card('curves-card', 'Training');
  app.append(header, message, dataCard.section, runCard.section, sinkhornCard.section, mapCard.section, displacementCard.section, curvesCard.section);
  for (const c of [sinkhornCard, mapCard, displacementCard, curvesCard]) c.section.hidden = true;
  const { setMessage, setStatus } = messageAndStatus(message);
  const onExportError = (text: string) => setMessage(text, 'error');

  // Settings.
  const method = el('select', { id: 'method' }, ...Object.entries(METHOD_LABELS).map(([v, label]) => el('option', { value: v }, label)));
  const epsilon = el('input', { id: 'epsilon', type: 'number', min: '0', step: 'any', placeholder: 'auto' });
  const sparsity = el('select', { id: 'sparsity' }, el('option', { value: 'none' }, 'none'), el('option', { value: 'l0' }, 'smoothed ℓ0'), el('option', { value: 'l1' }, 'ℓ1'));
  const lambda = el('input', { id: 'lambda', type: 'number', min: '0', step: 'any' });
  const targetDim = el('input', { id: 'target-dim', type: 'number', min: '0', step: 'any', placeholder: 'fixed λ' });
  const iterations = el('input', { id: 'iterations', type: 'number', min: '1', step: '1' });
  const seed = el('input', { id: 'seed', type: 'number', min: '0', step: '1' });
  const runButton = el('button', { id: 'run' }, 'Run');
  const cancelButton = el('button', { id: 'cancel', class: 'secondary', disabled: '' }, 'Cancel');
  const progress = el('span', { id: 'progress' });
  const mapFields = el('span', { class: 'controls' }, el('label', {}, 'sparsity ', sparsity), el('label', {}, 'λ ', lambda), el('label', {}, 'target dimension ', targetDim), el('label', {}, 'steps ', iterations), el('label', {}, 'seed ', seed));
  runCard.body.append(
    el('div', { class: 'controls' }, el('label', {}, 'method ', method), el('label', {}, 'ε ', epsilon), mapFields),
    el('div', { class: 'controls' }, runButton, cancelButton, progress),
    el('p', { class: 'hint' }, 'Squared Euclidean cost. Sinkhorn gives the cost, the debiased divergence and the plan (its matched points: where the plan sends each point of A on average); a learned map is trained on A and B and moves every point of A. Sparsity penalises the displacement T(x) − x; with a target dimension, λ adapts until the map moves about that many coordinates.'),
  );
  const showMapFields = () => (mapFields.hidden = method.value === 'sinkhorn');
  method.addEventListener('change', showMapFields);

  const mapChart = createTransportMap(mapCard.body);
  const mapNote = el('p', { class: 'hint', id: 'map-note' });
  mapCard.body.append(mapNote);
  exportButtons(mapCard.actions, 'transport-map', () => mapChart.svg, exportTo, onExportError);
  const bars = createBarChart(displacementCard.body, { width: 640, id: 'displacement', yLabel: 'mean |Δ|' });
  const moved = el('p', { id: 'moved' });
  displacementCard.body.append(moved);
  exportButtons(displacementCard.actions, 'displacement', () => bars.svg, exportTo, onExportError);
  const lossChart = createLineChart(curvesCard.body, { id: 'loss-chart', xLabel: 'step', yLabel: 'loss' });
  const sparsityChart = createLineChart(curvesCard.body, { id: 'sparsity-chart', xLabel: 'step', yLabel: 'λ, dimension' });
  exportButtons(curvesCard.actions, 'training', () => lossChart.svg, exportTo, onExportError);

  return {
    runButton,
    cancelButton,
    setMessage,
    setStatus,
    form: (): ConfigForm => ({ method: method.value, epsilon: epsilon.value, sparsity: sparsity.value, lambda: lambda.value, targetDim: targetDim.value, iterations: iterations.value, seed: seed.value }),
    setForm(c: TransportConfig) {
      method.value = c.method;
      epsilon.value = c.epsilon === null ? '' : String(c.epsilon);
      sparsity.value = c.sparsity;
      lambda.value = String(c.lambda);
      targetDim.value = c.targetDim === null ? '' : String(c.targetDim);
      iterations.value = String(c.iterations);
      seed.value = String(c.seed);
      showMapFields();
    },
    setRunning(running: boolean, trusted: boolean) {
      runButton.disabled = running || !trusted;
      cancelButton.disabled = !running;
      if (running) progress.textContent = 'starting…';
    },
    setProgress(text: string) {
      progress.textContent = text;
    },
    showData(title: string, a: CloudPayload, b: CloudPayload, columns: string[]) {
      document.getElementById('title')!.textContent = title;
      const shown = columns.length > 12 ? `${columns.slice(0, 12).join(', ')}, … (${columns.length})` : columns.join(', ');
      dataCard.body.replaceChildren(
        el('dl', { class: 'stats' }, el('dt', {}, 'source A'), el('dd', { id: 'source-a' }, `${a.name}: ${a.n} points`), el('dt', {}, 'target B'), el('dd', { id: 'target-b' }, `${b.name}: ${b.n} points`), el('dt', {}, 'coordinates'), el('dd', {}, shown)),
      );
    },
    showSinkhorn(s: SinkhornSummary) {
      sinkhornCard.section.hidden = false;
      sinkhornCard.body.replaceChildren(el('dl', { class: 'stats', id: 'sinkhorn' }, ...sinkhornRows(s).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { class: v.startsWith('NO') ? 'warning' : '' }, v)])));
      for (const w of s.warnings) sinkhornCard.body.append(el('p', { class: 'warning' }, w));
    },
    showCurves(points: readonly TransportTrainPoint[]) {
      if (points.length === 0) return;
      curvesCard.section.hidden = false;
      const curves = trainingCurves(points);
      lossChart.update(curves.loss);
      sparsityChart.update(curves.sparsity);
    },
    showMap(view: PlaneView, a: CloudPayload, b: CloudPayload, mapped: Float64Array, note: string) {
      mapCard.section.hidden = false;
      const arrows = mapArrows(view, a, mapped);
      const thin = (c: CloudPayload, max = 1000) => {
        const step = Math.max(1, Math.ceil(c.n / max));
        const rows = Math.ceil(c.n / step);
        const out = new Float64Array(rows * c.dim);
        for (let r = 0; r < rows; r++) out.set(c.data.subarray(r * step * c.dim, (r * step + 1) * c.dim), r * c.dim);
        return view.project(out, rows);
      };
      mapChart.update({ axes: view.axes, source: thin(a), target: thin(b), arrows });
      mapNote.textContent = note;
    },
    showDisplacement(columns: string[], perCoordinate: number[], meanDimension: number, support: number[] | null) {
      displacementCard.section.hidden = false;
      const d = displacementBars(columns, perCoordinate);
      bars.update(d.bars);
      moved.textContent = `The map moves ${fmt(meanDimension, 3)} coordinates per point on average (|Δ| > 0.1). Columns that move (mean |Δ| > 0.1): ${d.moved.length ? d.moved.join(', ') : 'none'}. ${supportText(d.moved, columns, support)}`;
    },
  };
}

// The learned imputers' part of the training panel, drawn: the settings form (its ids are the
// e2e tests' handles), the live training charts, the mask-ratio table and chart, and two runs
// compared. Pure state is in deepState.ts; deep.ts wires these to the training.
import { MODEL_DEFAULTS, type DeepMethod } from '../../src/core/impute/models';
import type { CompareRun, DeepSettings, MaskRatioRow, RunConfig, RunMetrics, TrainPoint } from '../../src/protocol/impute';
import { createLineChart } from '../charts/lines';
import { maskRatioSeries, trainingCharts } from '../charts/trainingSeries';
import { card, el, exportButtons } from '../common/ui';
import type { DeepHost } from './deep';
import { LABELS, num, readDeepSettings, TITLES, windowDuration } from './deepState';

/** Builds the settings (under settingsParent) and the training, evaluation and compare cards (in app). */
export function createDeepView(host: Pick<DeepHost, 'post' | 'exportTo' | 'setMessage' | 'matrix'>, settingsParent: HTMLElement, app: HTMLElement) {
  // ---- settings --------------------------------------------------------------------------
  const settings = el('div', { id: 'deep-settings', class: 'controls', hidden: '' });
  const modelFields = el('span', { class: 'controls', id: 'model-fields' });
  const input = (id: string, value: string, attrs: Record<string, string> = {}) => el('input', { id, type: 'number', value, ...attrs });
  const lr = input('lr', '0.002', { step: 'any', min: '0' });
  const alpha = input('alpha', '1.5', { step: '0.1', min: '0' });
  const epochs = input('epochs', '20', { step: '1', min: '1' });
  const batch = input('batch', '16', { step: '1', min: '1' });
  const optimizer = el('select', { id: 'optimizer' }, el('option', { value: 'adam' }, 'Adam'), el('option', { value: 'shampoo' }, 'Shampoo'));
  const balance = el('select', { id: 'balance' }, el('option', { value: 'gradnorm' }, 'GradNorm'), el('option', { value: 'fixed' }, 'fixed weights'), el('option', { value: 'single' }, 'plain loss'));
  const pauseButton = el('button', { id: 'pause', class: 'secondary', disabled: '' }, 'Pause');
  const resumeButton = el('button', { id: 'resume', class: 'secondary', disabled: '' }, 'Resume');
  const evaluateButton = el('button', { id: 'evaluate', class: 'secondary', disabled: '', title: 'Score the best saved weights across mask ratios (Cancel stops it between ratios)' }, 'Evaluate');
  const writeButton = el('button', { id: 'write-imputed', class: 'secondary', disabled: '', title: 'Fill the matrix with the best saved weights and write <name>.imputed beside the input (for a paused or cancelled run)' }, 'Write imputed file');
  settings.append(
    modelFields,
    el('label', { title: 'Learning rate: the optimiser’s step size (per step, on standardised values)' }, 'learning rate ', lr),
    el('label', { title: 'GradNorm α: how strongly the weights w_nz and w_z pull the two losses (nonzero- and zero-truth entries) to train at the same rate (0 = equal weights; no unit)' }, 'α ', alpha),
    el('label', { title: 'Epochs: the most passes over the training windows (training stops earlier when validation MAE stops improving)' }, 'epochs ', epochs),
    el('label', { title: 'Batch: training windows per step (a step takes longer with more; the panel keeps steps short on its backend)' }, 'batch ', batch),
    el('label', { title: 'Optimiser: Adam, or Shampoo (a preconditioned method; more work per step)' }, 'optimiser ', optimizer),
    el('label', { title: 'Balance of the two losses: GradNorm (learned weights), fixed equal weights, or one plain loss over every target' }, 'balance ', balance),
    pauseButton,
    resumeButton,
    evaluateButton,
    writeButton,
  );
  settingsParent.append(settings);

  function showFields(method: DeepMethod, values: Record<string, number> = {}) {
    modelFields.replaceChildren();
    for (const [key, value] of Object.entries(MODEL_DEFAULTS[method])) {
      if (key === 'seed') continue;
      if (key === 'spatialBias') {
        // Kron's distance bias needs the columns' places (a locations file or lat/lng columns).
        const places = !!host.matrix()?.places;
        const box = el('input', { id: `hp-${key}`, type: 'checkbox', 'data-flag': key });
        box.checked = places && (values[key] ?? value) > 0;
        box.disabled = !places;
        modelFields.append(el('label', { title: places ? 'Add −β·(H3 grid distance) to the spatial attention scores, β learned per block' : 'Needs places for the columns: a locations file, or a long table with latitude and longitude' }, box, ' distance bias'));
        continue;
      }
      const title = `${TITLES[key] ?? key}${key === 'steps' ? windowDuration(host.matrix()?.times, values[key] ?? value) : ''}`;
      modelFields.append(el('label', { title }, `${LABELS[key] ?? key} `, input(`hp-${key}`, String(values[key] ?? value), { step: 'any', min: '1', 'data-key': key, title })));
    }
  }


  function readSettings(method: DeepMethod): DeepSettings | string {
    return readDeepSettings(
      {
        fields: [...modelFields.querySelectorAll<HTMLInputElement>('input[data-key]')].map((f) => ({ key: f.dataset.key!, value: f.value })),
        flags: [...modelFields.querySelectorAll<HTMLInputElement>('input[data-flag]')].map((b) => ({ key: b.dataset.flag!, on: b.checked })),
        learningRate: lr.value,
        alpha: alpha.value,
        epochs: epochs.value,
        batch: batch.value,
        optimizer: optimizer.value,
        balance: balance.value,
      },
      method,
    );
  }


  function fill(s: DeepSettings, method: DeepMethod) {
    showFields(method, s.model);
    lr.value = String(s.learningRate);
    alpha.value = String(s.alpha);
    epochs.value = String(s.maxEpochs);
    batch.value = String(s.batchSize);
    optimizer.value = s.optimizer;
    balance.value = s.balance;
  }

  // ---- live charts -----------------------------------------------------------------------
  const liveCard = card('training', 'Training');
  liveCard.section.hidden = true;
  const stats = el('p', { id: 'train-stats', class: 'train-stats' }, '');
  liveCard.body.append(stats);
  const chartBox = (title: string, id: string, yLabel: string) => {
    const actions = el('span', { class: 'actions' });
    const holder = el('div', { class: 'subcard' }, el('h3', {}, title, actions));
    liveCard.body.append(holder);
    const chart = createLineChart(holder, { id, xLabel: 'step', yLabel, height: 180 });
    exportButtons(actions, id, () => chart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));
    return chart;
  };
  const lossChart = chartBox('Loss: train and validation', 'loss-chart', 'loss');
  const partsChart = chartBox('L_nz and L_z (nonzero- and zero-truth losses)', 'parts-chart', 'loss');
  const weightsChart = chartBox('GradNorm weights w_nz and w_z', 'weights-chart', 'weight');

  const evalCard = card('evaluation', 'Across mask ratios');
  evalCard.section.hidden = true;
  const evalChartActions = el('span', { class: 'actions' });
  const evalTable = el('div', { id: 'mask-ratio-table' });
  const evalHolder = el('div', { class: 'subcard' }, el('h3', {}, 'MAE and RMSE against the mask ratio', evalChartActions));
  evalCard.body.append(el('p', { class: 'hint' }, 'The trained model (its best weights by validation) scored with r of the observed nonzero entries hidden, on the test rows.'), evalTable, evalHolder);
  const evalChart = createLineChart(evalHolder, { id: 'mask-ratio-chart', xLabel: 'mask ratio', yLabel: 'error' });
  exportButtons(evalChartActions, 'mask-ratios', () => evalChart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));

  const compareCard = card('compare', 'Compare runs');
  const compareSelect = el('select', { id: 'compare-run' }, el('option', { value: '' }, 'another run…'));
  const compareButton = el('button', { id: 'compare-button', class: 'secondary' }, 'Compare');
  const compareBody = el('div', { id: 'compare-body' });
  const compareActions = el('span', { class: 'actions' });
  compareCard.body.append(el('div', { class: 'controls' }, compareSelect, compareButton), compareBody);
  app.append(liveCard.section, evalCard.section, compareCard.section);
  compareSelect.addEventListener('focus', () => host.post({ type: 'listRuns' }));
  compareButton.addEventListener('click', () => {
    if (compareSelect.value) host.post({ type: 'compare', runId: compareSelect.value });
  });

  /** The mask-ratio table and chart. */
  function showEvaluation(rows: MaskRatioRow[]) {
    evalCard.section.hidden = false;
    const table = el(
      'table',
      { id: 'mask-ratios', 'data-rows': String(rows.length) },
      el('thead', {}, el('tr', {}, ...['mask ratio', 'targets', 'MAE', 'RMSE', 'MRE', 'MAE nonzero', 'MAE zero'].map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...rows.map((r) => el('tr', { 'data-ratio': String(r.ratio) }, el('th', {}, String(r.ratio)), el('td', {}, String(r.targets)), el('td', {}, num(r.mae)), el('td', {}, num(r.rmse)), el('td', {}, num(r.mre)), el('td', {}, num(r.maeNonzero)), el('td', {}, num(r.maeZero)))),
      ),
    );
    evalTable.replaceChildren(table);
    evalChart.update(maskRatioSeries(rows));
    host.setMessage(`Scored at mask ratios ${rows.map((r) => r.ratio).join(', ')}.`);
  }


  /** This run (its method, steps and scores) beside another. */
  function showCompare(other: CompareRun, mine: RunMetrics | null, config: RunConfig | null, points: TrainPoint[], evaluation: MaskRatioRow[] | null) {
    compareBody.replaceChildren();
    const f = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '–' : num(v));
    const rows: [string, (m: RunMetrics) => number][] = [
      ['MAE', (m) => m.mae],
      ['RMSE', (m) => m.rmse],
      ['MRE', (m) => m.mre],
      ['MAE nonzero truth', (m) => m.nonzero.mae],
      ['MAE zero truth', (m) => m.zero.mae],
    ];
    const best = (h: TrainPoint[]) => Math.min(...h.map((p) => p.validation ?? Infinity));
    compareBody.append(
      el(
        'table',
        { id: 'compare-metrics' },
        el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, `this run (${config?.method ?? '–'})`), el('th', {}, other.label))),
        el(
          'tbody',
          {},
          ...rows.map(([name, pick]) => el('tr', {}, el('th', {}, name), el('td', {}, f(mine ? pick(mine) : null)), el('td', {}, f(other.metrics ? pick(other.metrics) : null)))),
          el('tr', {}, el('th', {}, 'best validation MAE'), el('td', {}, f(best(points))), el('td', {}, f(best(other.history)))),
          el('tr', {}, el('th', {}, 'steps'), el('td', {}, String(points.length)), el('td', {}, String(other.history.length))),
        ),
      ),
    );
    if (points.length || other.history.length) {
      const holder = el('div', { class: 'subcard' }, el('h3', {}, 'Loss curves, overlaid', compareActions));
      compareBody.append(holder);
      const chart = createLineChart(holder, { id: 'compare-chart', xLabel: 'step', yLabel: 'loss' });
      const a = trainingCharts(points, 500, 'this: ');
      const b = trainingCharts(other.history, 500, 'other: ');
      chart.update([a.loss[0], a.loss[1], { ...b.loss[0], className: 'other-train' }, { ...b.loss[1], className: 'other-validation' }]);
      compareActions.replaceChildren();
      exportButtons(compareActions, 'compare-loss', () => chart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));
    }
    if (evaluation || other.evaluation) {
      const holder = el('div', { class: 'subcard' }, el('h3', {}, 'Across mask ratios, overlaid'));
      compareBody.append(holder);
      const chart = createLineChart(holder, { id: 'compare-ratios', xLabel: 'mask ratio', yLabel: 'MAE' });
      chart.update([...(evaluation ? [maskRatioSeries(evaluation, 'this: ')[0]] : []), ...(other.evaluation ? [{ ...maskRatioSeries(other.evaluation, 'other: ')[0], className: 'other-train' }] : [])]);
    }
  }

  return { settings, modelFields, pauseButton, resumeButton, evaluateButton, writeButton, showFields, readSettings, fill, liveCard, stats, lossChart, partsChart, weightsChart, evalCard, compareSelect, showEvaluation, showCompare };
}

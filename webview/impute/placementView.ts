// The "Sensor placement" tab's DOM: the settings, progress and cancel, the map with the chosen
// sensors numbered in order of choice, the error-against-budget curves, and the results table
// with a CSV export per method. It draws a PlacementTabState; placement.ts wires it to the channel.
import { PANEL_PLACEMENT_IMPUTERS, PLACEMENT_METHODS, type PlacementMethod } from '../../src/protocol/placement';
import { createCurveChart, createPlacementMap, sensorPoints } from '../charts/placement';
import { card, el, exportButtons, type ExportMime } from '../common/ui';
import { curveSeries, defaultBudget, fmt, METHOD_LABELS, ranksOf, resultRows, shownResult, type PlacementTabState } from './placementState';

export interface PlacementViewActions {
  start(): void;
  cancel(): void;
  exportCsv(method: PlacementMethod): void;
  show(method: PlacementMethod): void;
  exportTo(fileName: string, mime: ExportMime, data: Uint8Array | string): void;
}

const IMPUTER_LABELS: Record<string, string> = { neighbor: 'neighbour averaging (H3)', mean: 'column mean', linear: 'linear interpolation', softimpute: 'softImpute', knn: 'KNN', seasonal: 'seasonal', lowrank: 'low-rank (the fast proxy)' };

export function createPlacementView(panel: HTMLElement, actions: PlacementViewActions) {
  const message = el('div', { id: 'placement-message', role: 'status' });
  const settingsCard = card('placement-settings', 'Sensor placement: which columns to keep observing');
  const budget = el('input', { id: 'placement-budget', type: 'number', min: '1', step: '1', value: '1' });
  const imputer = el('select', { id: 'placement-imputer' }, ...PANEL_PLACEMENT_IMPUTERS.map((m) => el('option', { value: m }, IMPUTER_LABELS[m] ?? m)));
  const seed = el('input', { id: 'placement-seed', type: 'number', min: '0', step: '1', value: '0' });
  const population = el('input', { id: 'placement-population', type: 'number', min: '2', step: '1', value: '16' });
  const generations = el('input', { id: 'placement-generations', type: 'number', min: '0', step: '1', value: '15' });
  const boxes = new Map<PlacementMethod, HTMLInputElement>(PLACEMENT_METHODS.map((m) => [m, el('input', { type: 'checkbox', id: `placement-method-${m}`, value: m, checked: '' })]));
  const runButton = el('button', { id: 'placement-run' }, 'Search');
  const cancelButton = el('button', { id: 'placement-cancel', class: 'secondary', disabled: '' }, 'Cancel');
  const bar = el('progress', { id: 'placement-progress', max: '1', value: '0' });
  const progressText = el('span', { id: 'placement-progress-text', class: 'hint' });
  settingsCard.body.append(
    el('div', { class: 'controls' }, el('label', { title: 'How many columns (sensors or H3 cells) stay observed' }, 'keep ', budget, ' columns'), el('label', { title: 'The imputer that fills the hidden columns: the objective' }, 'imputer ', imputer), el('label', {}, 'seed ', seed)),
    el('div', { class: 'controls' }, 'methods: ', ...[...boxes].map(([m, box]) => el('label', {}, box, ` ${METHOD_LABELS[m]}`)), el('label', { title: 'Genetic: individuals per generation' }, 'population ', population), el('label', { title: 'Genetic: generations after the first' }, 'generations ', generations)),
    el('div', { class: 'controls' }, runButton, cancelButton, bar, progressText),
    el(
      'p',
      { class: 'hint' },
      'Rows split 70/15/15 in time; the history stays observed, later only the kept columns are, and the imputer fills the rest. Searches minimise the validation error; every figure here is the test rows’ error, which no choice saw.',
    ),
  );
  const mapCard = card('placement-map-card', 'Chosen sensors, in order of choice');
  const showSelect = el('select', { id: 'placement-show' });
  mapCard.body.append(el('div', { class: 'controls' }, el('label', {}, 'show ', showSelect)));
  const mapNote = el('p', { class: 'legend-note' });
  const map = createPlacementMap(mapCard.body, { width: 460, height: 300 });
  mapCard.body.append(mapNote);
  const curvesCard = card('placement-curves-card', 'Error against budget (test rows)');
  const curves = createCurveChart(curvesCard.body, { width: 460, height: 260, yLabel: 'test error' });
  const legend = el('ul', { id: 'placement-legend', class: 'curve-legend' });
  curvesCard.body.append(legend);
  const tableCard = card('placement-results', 'Results');
  panel.append(message, settingsCard.section, el('div', { class: 'placement-charts' }, mapCard.section, curvesCard.section), tableCard.section);
  const error = (text: string) => setMessage(text, 'error');
  exportButtons(mapCard.actions, 'placement-map', () => map.svg, actions.exportTo, error);
  exportButtons(curvesCard.actions, 'placement-curves', () => curves.svg, actions.exportTo, error);

  runButton.addEventListener('click', () => actions.start());
  cancelButton.addEventListener('click', () => actions.cancel());
  showSelect.addEventListener('change', () => actions.show(showSelect.value as PlacementMethod));

  function setMessage(text: string, kind: 'info' | 'error' = 'info') {
    message.textContent = text;
    message.className = kind;
  }

  let initialised = false;

  function render(state: PlacementTabState) {
    if (!initialised && state.cols > 0) {
      initialised = true;
      budget.max = String(state.cols);
      budget.value = String(state.run?.settings.budget ?? defaultBudget(state.cols));
      if (state.run) {
        imputer.value = state.run.settings.imputer;
        seed.value = String(state.run.settings.seed);
        population.value = String(state.run.settings.population);
        generations.value = String(state.run.settings.generations);
        for (const [m, box] of boxes) box.checked = state.run.settings.methods.includes(m);
      }
      if (!state.places) {
        const box = boxes.get('coverage')!;
        box.checked = false;
        box.disabled = true;
        box.parentElement!.title = 'Coverage needs the sensors’ locations';
      }
    }
    const running = state.run?.status === 'running';
    runButton.disabled = running || !state.trusted;
    cancelButton.disabled = !running;
    const p = state.progress;
    bar.value = p?.fraction ?? (running ? 0 : state.run ? 1 : 0);
    if (p?.fraction === null && running) bar.removeAttribute('value');
    progressText.textContent = running ? (p ? `${METHOD_LABELS[p.method]}: ${p.message}` : 'starting…') : state.run ? `${state.run.status}${state.run.message ? ` (${state.run.message})` : ''}` : '';
    progressText.dataset.status = state.run?.status ?? '';

    const shown = shownResult(state);
    const results = state.run?.results ?? [];
    showSelect.replaceChildren(...results.map((r) => el('option', { value: r.method }, METHOD_LABELS[r.method])));
    if (shown) showSelect.value = shown.method;
    if (state.places) {
      map.update(sensorPoints(state.colIds, state.places, ranksOf(shown)));
      mapNote.textContent = shown
        ? `${METHOD_LABELS[shown.method]} with ${shown.imputer}: ${shown.chosen.map((c) => `${c.rank}. ${c.id}`).join(', ')}. Grey dots: the sensors left to the imputer.`
        : 'Every sensor with a place; run a search to see the ones to keep.';
    } else mapNote.textContent = 'No places for these columns: open the file with a sensor-locations file to see the map.';
    map.svg.dataset.method = shown?.method ?? '';

    const series = curveSeries(state.run);
    curves.update(series);
    legend.replaceChildren(...series.map((s) => el('li', { class: `method-${s.method}` }, el('span', { class: `swatch method-${s.method}` }), s.label)));

    tableCard.body.replaceChildren();
    const rows = resultRows(state.run);
    if (rows.length === 0) {
      tableCard.body.append(el('p', { class: 'hint' }, 'No search yet on this file.'));
      return;
    }
    const metric = (results[0]?.metric ?? 'mse').toUpperCase();
    tableCard.body.append(
      el('p', {}, `Keep ${state.run!.settings.budget} of ${state.cols} columns, scored with ${results[0]?.imputer ?? state.run!.settings.imputer}; search ${state.run!.id}.`),
      el(
        'table',
        { id: 'placement-table' },
        el('thead', {}, el('tr', {}, el('th', {}, 'method'), el('th', {}, `test ${metric}`), el('th', {}, `validation ${metric}`), el('th', {}, 'kept, in order'), el('th', {}, 'search'), el('th', {}, ''))),
        el(
          'tbody',
          {},
          ...rows.map((r) => {
            const button = el('button', { class: 'secondary', 'data-export': r.method, title: `Save ${r.label}'s chosen columns as CSV` }, 'CSV');
            button.disabled = !state.trusted;
            button.addEventListener('click', () => actions.exportCsv(r.method));
            return el('tr', { 'data-method': r.method }, el('th', {}, r.label), el('td', {}, r.test), el('td', {}, r.validation), el('td', { class: 'kept' }, r.kept), el('td', {}, r.search), el('td', {}, button));
          }),
        ),
      ),
    );
    const best = [...results].filter((r) => r.method !== 'random').sort((a, b) => (a.test.value ?? Infinity) - (b.test.value ?? Infinity))[0];
    const random = results.find((r) => r.method === 'random')?.random;
    if (best && random && best.test.value) tableCard.body.append(el('p', { class: 'hint', id: 'placement-ratio' }, `Random draws / ${METHOD_LABELS[best.method]}: ${fmt(random.test.mean / best.test.value)}× (the seed reports about 2× at 90% masked).`));
  }

  return {
    render,
    setMessage,
    form: () => ({ budget: budget.value, imputer: imputer.value, methods: [...boxes].filter(([, b]) => b.checked).map(([m]) => m), seed: seed.value, population: population.value, generations: generations.value }),
  };
}

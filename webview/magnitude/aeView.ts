// The Autoencoder tab's DOM: the settings form, the run report, the loss chart and the three
// code maps (autoencoder, PCA, t-SNE) with their legend. It draws what aeState.ts holds.
import { defaultAutoencoderConfig } from '../../src/core/magnitude/autoencoder/index';
import { AE_ARCHITECTURES, SAMPLE_TITLES, type AeArchitecture, type AeStep, type PointsPayload } from '../../src/protocol/magnitude';
import { createCodeScatter, CLASS_COLOURS, type CodeScatter } from '../charts/codeScatter';
import { createLineChart } from '../charts/lines';
import { weightDomain } from '../charts/projection';
import { card, el, exportButtons, type ExportMime } from '../common/ui';
import { currentLabel, DEFAULT_POINTS, fmt, MAP_TITLES, mapTitle, MAPS, MAX_POINTS, type AeForm, type Dataset, type MapName, type Shown } from './aeState';

export type AeView = ReturnType<typeof createAeView>;
export type AeStatus = 'idle' | 'busy' | 'training' | 'done' | 'cancelled' | 'failed';

export function createAeView(root: HTMLElement, exportTo: (fileName: string, mime: ExportMime | 'text/csv', data: Uint8Array | string) => void, onError: (text: string) => void) {
  const settingsCard = card('ae-settings-card', 'Magnitude autoencoder');
  const lossCard = card('ae-loss-card', 'Losses');
  const codesCard = card('ae-codes-card', 'Codes: the autoencoder beside PCA and t-SNE');
  const reportCard = card('ae-report-card', 'Run');
  root.append(
    el('div', { class: 'grid' }, el('div', { class: 'column side' }, settingsCard.section, reportCard.section), el('div', { class: 'column main' }, lossCard.section)),
    codesCard.section,
  );

  const datasetSelect = el('select', { id: 'ae-dataset' });
  const nInput = el('input', { id: 'ae-n', type: 'number', min: '3', max: String(MAX_POINTS), step: '1', value: String(DEFAULT_POINTS) });
  const tInput = el('input', { id: 'ae-t', type: 'number', min: '0', step: 'any' });
  const tSuggested = el('button', { id: 'ae-t-suggested', class: 'secondary', title: 'Use the suggested scale' }, 'suggested');
  const lambdaInput = el('input', { id: 'ae-lambda', type: 'number', min: '0', step: 'any', value: '5' });
  const epochsInput = el('input', { id: 'ae-epochs', type: 'number', min: '0', step: '1', value: '400' });
  const burnInInput = el('input', { id: 'ae-burnin', type: 'number', min: '0', step: '1', value: '0' });
  const archSelect = el('select', { id: 'ae-arch' }, ...AE_ARCHITECTURES.map((a) => el('option', { value: a }, a === 'linear' ? 'linear (n → 64×6 → 2)' : 'convolutional (28×28 images)')));
  const seedInput = el('input', { id: 'ae-seed', type: 'number', min: '0', step: '1', value: '42' });
  const trainButton = el('button', { id: 'ae-train', disabled: '' }, 'Train');
  const cancelButton = el('button', { id: 'ae-cancel', class: 'secondary', disabled: '' }, 'Cancel');
  const tHint = el('p', { id: 'ae-t-hint', class: 'hint' });
  const dataHint = el('p', { id: 'ae-data', class: 'hint' });
  const status = el('p', { id: 'ae-status', role: 'status', 'data-state': 'idle' }, 'Choose the data and press Train.');
  const backendLine = el('p', { id: 'ae-backend', class: 'hint' });
  settingsCard.body.append(
    el('div', { class: 'controls' }, el('label', { title: 'The points to encode: the panel’s current points, or a sample' }, 'data ', datasetSelect), el('label', { title: `How many points (a count, at most ${MAX_POINTS}; a seeded subsample). Each epoch solves a weighting vector of this size` }, 'points ', nInput)),
    dataHint,
    el('div', { class: 'controls' }, el('label', { title: 'The scale t of the weighting vectors (in 1 / the distance’s unit): Z = exp(−t·d) for the input and for the 2-D codes' }, 't ', tInput), tSuggested, el('label', { title: 'λ: the weight of the boundary term mean|w_X − w_h| against the reconstruction loss (dimensionless)' }, 'λ ', lambdaInput)),
    tHint,
    el('div', { class: 'controls' }, el('label', { title: 'Joint epochs: full passes training reconstruction and boundary terms together (a count; one step each)' }, 'epochs ', epochsInput), el('label', { title: 'Burn-in epochs: reconstruction only, in mini-batches, before the joint epochs (a count)' }, 'burn-in epochs ', burnInInput)),
    el('div', { class: 'controls' }, el('label', { title: 'The encoder and decoder: a dense network (input → six hidden layers of 64 units → 2, and mirrored back), or a convolutional one for 28×28 images' }, 'model ', archSelect), el('label', { title: 'The seed of the initial weights and the mini-batch order (a whole number)' }, 'seed ', seedInput)),
    el('div', { class: 'controls' }, trainButton, cancelButton),
    status,
    backendLine,
  );

  const report = el('dl', { id: 'ae-report', class: 'stats' });
  reportCard.body.append(report);

  const lossChart = createLineChart(lossCard.body, { id: 'ae-loss', width: 560, height: 240, xLabel: 'step', yLabel: 'loss' });
  lossCard.body.append(el('p', { class: 'hint' }, 'L = L_recons + λ·L_weight. Burn-in steps (mini-batches of L_recons) come first; each joint step is one full-batch epoch.'));

  const colourSelect = el('select', { id: 'ae-colour', disabled: '' }, el('option', { value: 'weight' }, 'colour by w_X'), el('option', { value: 'class' }, 'colour by class'));
  const exportCodes = el('button', { id: 'ae-export-codes', class: 'secondary', title: 'Save the codes of the three maps as CSV', disabled: '' }, 'Codes CSV');
  codesCard.actions.append(colourSelect, exportCodes);
  const readout = el('div', { id: 'ae-hover', class: 'readout' }, 'Hover a point to see its weight.');
  const figures = el('div', { class: 'code-grid' });
  const legend = el('div', { id: 'ae-legend', class: 'ae-legend' });
  codesCard.body.append(figures, legend, readout);
  const scatters = {} as Record<MapName, { scatter: CodeScatter; title: HTMLElement }>;
  for (const name of MAPS) {
    const title = el('h3', { id: `ae-title-${name}`, class: 'code-title' }, MAP_TITLES[name]);
    const actions = el('span', { class: 'actions' });
    const figure = el('figure', { class: 'code-figure', id: `ae-figure-${name}` }, el('figcaption', {}, title, actions));
    figures.append(figure);
    const scatter = createCodeScatter(figure, `ae-scatter-${name}`, readout);
    scatters[name] = { scatter, title };
    exportButtons(actions, `codes-${name}`, () => scatter.canvas, exportTo, onError);
  }
  exportButtons(lossCard.actions, 'autoencoder-losses', () => lossChart.svg, exportTo, onError);

  function setStatus(text: string, state: AeStatus) {
    status.textContent = text;
    status.dataset.state = state;
  }

  function fillDatasets(current: PointsPayload | null) {
    const chosen = datasetSelect.value;
    datasetSelect.replaceChildren(
      el('option', { value: 'current' }, currentLabel(current)),
      ...(['swissroll', 'sphere', 'ball', 'mnist'] as const).map((s) => el('option', { value: s }, `sample: ${SAMPLE_TITLES[s]}`)),
    );
    if (chosen) datasetSelect.value = chosen;
  }

  function defaultsFor(architecture: AeArchitecture) {
    const d = defaultAutoencoderConfig(architecture, 1);
    epochsInput.value = String(d.epochs);
    burnInInput.value = String(d.burnInEpochs);
  }

  function form(): AeForm {
    return { dataset: datasetSelect.value, t: tInput.value, lambda: lambdaInput.value, epochs: epochsInput.value, burnIn: burnInInput.value, architecture: archSelect.value, seed: seedInput.value };
  }

  /** A new dataset is in hand: its scale, its size, the model it suits; the maps are cleared. */
  function showDataset(d: Dataset, image: boolean) {
    tInput.value = d.suggested.t.toPrecision(4);
    tHint.textContent = `suggested t = ${fmt(d.suggested.t, 4)}: ${d.suggested.reason}`;
    tHint.dataset.suggested = String(d.suggested.t);
    dataHint.textContent = `${d.label}: ${d.cloud.n} points in ${d.cloud.dim}-D.`;
    dataHint.dataset.n = String(d.cloud.n);
    (archSelect.querySelector('option[value="conv"]') as HTMLOptionElement).disabled = !image;
    colourSelect.disabled = !d.cloud.labels;
    if (!d.cloud.labels) colourSelect.value = 'weight';
    for (const name of MAPS) scatters[name].scatter.clear(`${MAP_TITLES[name]}: train to see the codes`);
    for (const name of MAPS) setTitle(name, null);
    exportCodes.disabled = true;
  }

  function setTitle(name: MapName, rho: number | null, extra = '') {
    const { title } = scatters[name];
    title.textContent = mapTitle(name, rho, extra);
    if (rho === null) delete title.dataset.rho;
    else title.dataset.rho = String(rho);
  }

  function drawMap(shown: Shown | null, d: Dataset | null, name: MapName, codes: Float64Array, caption: string) {
    if (!shown || !d) return;
    const { wX } = shown;
    const labels = d.cloud.labels ?? null;
    const names = d.labelNames;
    scatters[name].scatter.update({
      codes,
      n: d.cloud.n,
      colourBy: colourSelect.value === 'class' && labels ? 'class' : 'weight',
      weights: wX,
      domain: weightDomain(wX).domain,
      labels,
      caption,
      describe: (i) => `${MAP_TITLES[name]}: point ${i + 1} · w_X ${fmt(wX[i], 4)}${labels ? ` · class ${names?.[labels[i]] ?? labels[i]}` : ''}`,
    });
  }

  function drawLegend(shown: Shown | null, d: Dataset | null) {
    if (!shown || !d) {
      legend.replaceChildren();
      return;
    }
    if (colourSelect.value === 'class' && d.cloud.labels) {
      const classes = [...new Set(d.cloud.labels)].sort((a, b) => a - b);
      legend.replaceChildren(
        ...classes.map((c) => {
          const swatch = el('span', { class: 'swatch' });
          swatch.style.background = CLASS_COLOURS[c % CLASS_COLOURS.length];
          return el('span', { class: 'legend-item' }, swatch, ` ${d.labelNames?.[c] ?? c}`);
        }),
      );
    } else {
      const [lo, hi] = weightDomain(shown.wX).domain;
      legend.replaceChildren(el('span', {}, `w_X ${fmt(lo)} `), el('span', { class: 'gradient' }), el('span', {}, ` ${fmt(hi)}: the input's weighting vector at t = ${fmt(shown.t, 4)} (bright = boundary)`));
    }
  }

  function redrawAll(shown: Shown | null, d: Dataset | null) {
    if (!shown) return;
    for (const name of MAPS) {
      const m = shown.maps[name];
      if (m) drawMap(shown, d, name, m.codes, scatters[name].title.textContent ?? MAP_TITLES[name]);
    }
    drawLegend(shown, d);
  }

  function drawLosses(steps: AeStep[]) {
    const x = steps.map((s) => s.step);
    lossChart.update([
      { name: 'L_recons', x, y: steps.map((s) => s.recons), className: 'recons' },
      { name: 'L_weight', x, y: steps.map((s) => s.weight), className: 'weight' },
      { name: 'total', x, y: steps.map((s) => s.total), className: 'total' },
    ]);
    lossChart.svg.dataset.steps = String(steps.length);
  }

  function showReport(rows: [string, string, string][], append = false) {
    const kept = append ? [...report.querySelectorAll('dt')].map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '', dt.nextElementSibling?.id ?? ''] as [string, string, string]) : [];
    report.replaceChildren(...[...kept, ...rows].flatMap(([term, value, id]) => [el('dt', {}, term), el('dd', { id }, value)]));
  }

  function setTraining(on: boolean, trusted: boolean) {
    trainButton.disabled = on || !trusted;
    cancelButton.disabled = !on;
    datasetSelect.disabled = on;
    nInput.disabled = on;
  }

  return {
    datasetSelect, nInput, tInput, tSuggested, archSelect, trainButton, cancelButton, colourSelect, exportCodes, backendLine, report, scatters,
    setStatus, fillDatasets, defaultsFor, form, showDataset, setTitle, drawMap, drawLegend, redrawAll, drawLosses, showReport, setTraining,
  };
}

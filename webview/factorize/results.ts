// The Factorize page's result cards: the atoms, the objective, the reconstructions beside the
// originals and the weights of the selected observation. Each draw reads the page's state.
import { formatGrid, gridPositions } from '../../src/core/factorize/job';
import { asHistogram, columnOf, reconstructedColumn, topWeights } from '../charts/factorViews';
import { createBarChart, createLineChart, createSmallMultiples, type Series } from '../charts/lines';
import { createImageTiles } from '../charts/tiles';
import { card, el, exportButtons, type ExportMime } from '../common/ui';
import { atomTitle, fmt, PAGE, pageStart, type FactorizeState } from './state';

type Card = ReturnType<typeof card>;

export interface ResultsHost {
  exportTo(fileName: string, mime: ExportMime, data: Uint8Array | string): void;
  exportTable(table: 'atoms' | 'weights'): void;
  setMessage(text: string, kind?: 'info' | 'error'): void;
  /** The user picked observation `index` (0-based). */
  select(index: number): void;
  state(): FactorizeState;
}

export function createFactorizeResults(cards: { atoms: Card; objective: Card; reconstructions: Card; weights: Card }, host: ResultsHost) {
  const onError = (text: string) => host.setMessage(text, 'error');
  const isImage = () => host.state().factors?.config.grid.kind === 'image';
  const csvButton = (actions: HTMLElement, table: 'atoms' | 'weights') => {
    const button = el('button', { class: 'secondary', title: `Save the ${table} of the finished run as CSV` }, 'CSV');
    button.addEventListener('click', () => host.exportTable(table));
    actions.append(button);
  };

  // Atoms: image tiles or line panels (both made once, shown by the grid kind).
  const atomsHolder = el('div', { class: 'chart-holder' });
  const atomsNote = el('p', { class: 'legend-note', id: 'atoms-note' }, '');
  cards.atoms.body.append(atomsHolder, atomsNote);
  const atomTiles = createImageTiles(atomsHolder, { id: 'atoms-tiles' });
  const atomLines = createSmallMultiples(atomsHolder, { id: 'atoms-lines', panelWidth: 200, panelHeight: 110 });
  csvButton(cards.atoms.actions, 'atoms');
  exportButtons(cards.atoms.actions, 'atoms', () => (isImage() ? atomTiles.canvas : atomLines.svg), host.exportTo, onError);

  const objectiveChart = createLineChart(cards.objective.body, { id: 'objective', xLabel: 'iteration', yLabel: 'objective' });
  exportButtons(cards.objective.actions, 'objective', () => objectiveChart.svg, host.exportTo, onError);

  const observationInput = el('input', { id: 'observation', type: 'number', min: '1', step: '1', value: '1' });
  const observationLabel = el('span', { id: 'observation-label' }, '');
  const reconstructionsNote = el('p', { class: 'legend-note', id: 'reconstructions-note' }, '');
  cards.reconstructions.body.append(el('div', { class: 'controls' }, el('label', {}, 'observation ', observationInput), observationLabel), reconstructionsNote);
  const pageOf = () => pageStart(host.state().selected);
  const reconstructionTiles = createImageTiles(cards.reconstructions.body, { id: 'reconstruction-tiles', onSelect: (t) => host.select(pageOf() + (t % PAGE)) });
  const reconstructionLines = createSmallMultiples(cards.reconstructions.body, { id: 'reconstruction-lines', panelWidth: 220, panelHeight: 110, onSelect: (i) => host.select(pageOf() + i) });
  exportButtons(cards.reconstructions.actions, 'reconstructions', () => (isImage() ? reconstructionTiles.canvas : reconstructionLines.svg), host.exportTo, onError);
  observationInput.addEventListener('change', () => host.select(Number(observationInput.value) - 1));

  const weightsChart = createBarChart(cards.weights.body, { id: 'weights', yLabel: 'weight' });
  const weightsNote = el('p', { class: 'legend-note', id: 'weights-note' }, '');
  cards.weights.body.append(weightsNote);
  csvButton(cards.weights.actions, 'weights');
  exportButtons(cards.weights.actions, 'weights', () => weightsChart.svg, host.exportTo, onError);

  function drawAtoms({ factors, data }: FactorizeState) {
    if (!factors || !data) return;
    const { D, config } = factors;
    const k = D.cols;
    cards.atoms.section.hidden = false;
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
          return { title: atomTitle(atom, x, a), series: [{ name: `atom ${a + 1}`, x, y: atom, className: 'atom' }] };
        }),
      );
    }
    const holder = cards.atoms.section;
    holder.dataset.k = String(k);
    holder.dataset.iteration = String(factors.iteration);
    holder.dataset.grid = formatGrid(config.grid);
    atomsNote.textContent = `${k} atoms after iteration ${factors.iteration}. ${image ? 'Each tile is coloured over its own range (viridis).' : 'Each panel has its own vertical scale.'}${config.loss === 'wasserstein' ? ' Wasserstein atoms are histograms.' : ''}`;
  }

  function drawObjective({ objectives }: FactorizeState) {
    cards.objective.section.hidden = false;
    objectiveChart.update([{ name: 'objective', x: objectives.map((o) => o.iteration), y: objectives.map((o) => o.objective), className: 'objective' }]);
    const last = objectives[objectives.length - 1];
    objectiveChart.svg.dataset.points = String(objectives.length);
    if (last) objectiveChart.svg.dataset.last = String(last.objective);
  }

  function drawReconstructions({ factors, data, X, selected }: FactorizeState) {
    if (!factors || !data || !X) return;
    const { D, Lambda, config } = factors;
    cards.reconstructions.section.hidden = false;
    const start = pageStart(selected);
    const end = Math.min(data.cols, start + PAGE);
    // Wasserstein compares histograms (the factorisation normalises X's columns); NMF the raw values.
    const original = (j: number) => (config.loss === 'wasserstein' ? asHistogram(columnOf(X, j)) : columnOf(X, j));
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
    reconstructionsNote.textContent = image ? 'Top row: the originals; bottom row: their reconstructions DΛ.' : 'Solid: the original; dashed: the reconstruction DΛ.';
  }

  function drawWeights({ factors, data, selected }: FactorizeState) {
    if (!factors || !data) return;
    const { Lambda } = factors;
    cards.weights.section.hidden = false;
    const weights = columnOf(Lambda, selected);
    weightsChart.update(Array.from(weights, (value, a) => ({ label: String(a + 1), value })));
    const top = topWeights(Lambda, selected);
    weightsNote.textContent = `${data.colIds[selected] ?? `#${selected + 1}`}: largest weights on ${top.map(([a, w]) => `atom ${a + 1} (${fmt(w, 3)})`).join(', ')}.`;
    weightsChart.svg.dataset.observation = String(selected);
  }

  return {
    /** The selected observation changed. */
    drawSelection(state: FactorizeState) {
      observationInput.value = String(state.selected + 1);
      if (!state.factors) return;
      drawReconstructions(state);
      drawWeights(state);
    },
    drawAll(state: FactorizeState) {
      drawAtoms(state);
      drawObjective(state);
      drawReconstructions(state);
      drawWeights(state);
    },
  };
}

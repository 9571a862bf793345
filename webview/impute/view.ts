// The impute page's DOM: the layout, the data (summary, histogram, heatmap, the H3 map with its
// time slider) and a run's results (metrics, imputed heatmap and map, per-column errors). It
// holds the charts; main.ts holds the state and the channel.
import { summarize, type MaskedMatrix } from '../../src/core/matrix/masked';
import type { MatrixPayload, RunConfig, RunMetrics } from '../../src/protocol/impute';
import { createColumnErrors, createHistogram } from '../charts/bars';
import { createHeatmap, type Heatmap } from '../charts/heatmap';
import { createHexmap, type Hexmap } from '../charts/hexmap';
import { observedExtent, valueHistogram } from '../charts/scales';
import { card, el, exportButtons, messageAndStatus, type ExportMime } from '../common/ui';
import { getHexagonEdgeLengthAvg, latLngToCell, UNITS } from 'h3-js';
import { distinctCellResolution } from '../../src/core/geo/h3';
import { fmt, metricRows, pct, type ShownResult } from './state';

const formatEdge = (m: number) => (m >= 1000 ? `${(m / 1000).toPrecision(3)} km` : `${m.toPrecision(3)} m`);

export type ImputeView = ReturnType<typeof createImputeView>;

export function createImputeView(app: HTMLElement, exportTo: (fileName: string, mime: ExportMime, data: Uint8Array | string) => void) {
  const header = el('header', {}, el('h1', { id: 'title' }, 'Lacuna'), el('span', { id: 'backend', class: 'badge', title: '' }, 'backend: measuring…'), el('span', { id: 'status', class: 'badge' }, ''));
  const message = el('div', { id: 'message', role: 'status' });
  const summaryCard = card('summary', 'Data');
  const heatmapCard = card('heatmap-card', 'Matrix (time × columns)');
  const mapCard = card('map-card', 'H3 map');
  const runCard = card('run-card', 'Impute');
  const resultsCard = card('results', 'Results');
  app.append(header, message, summaryCard.section, heatmapCard.section, mapCard.section, runCard.section, resultsCard.section);
  resultsCard.section.hidden = true;

  let domain: [number, number] = [0, 1];
  let dataHeatmap: Heatmap | null = null;
  let imputedHeatmap: Heatmap | null = null;
  let dataMap: Hexmap | null = null;
  let imputedMap: Hexmap | null = null;
  let redrawMaps: () => void = () => {};
  const histogram = createHistogram(summaryCard.body);
  const columnErrors = { chart: null as ReturnType<typeof createColumnErrors> | null };
  /** The result the maps draw (set by main.ts). */
  const shown: { result: ShownResult | null } = { result: null };

  const { setMessage, setStatus } = messageAndStatus(message);

  /** Stops the map's animation of the data shown before (set while a map is shown). */
  let stopPlaying: () => void = () => {};

  /** Shows the data; again after the preview read the file another way (the previous charts go). */
  function showData(p: MatrixPayload, matrix: MaskedMatrix) {
    stopPlaying();
    summaryCard.body.querySelector('dl.stats')?.remove();
    summaryCard.actions.replaceChildren();
    heatmapCard.body.replaceChildren();
    heatmapCard.actions.replaceChildren();
    mapCard.body.replaceChildren();
    mapCard.actions.replaceChildren();
    dataMap = imputedMap = imputedHeatmap = null;
    redrawMaps = () => {};
    const s = summarize(matrix);
    domain = observedExtent(p.values, p.observed);
    const stats = el(
      'dl',
      { class: 'stats' },
      el('dt', {}, 'shape'),
      el('dd', { id: 'shape' }, `${s.rows} × ${s.cols}`),
      el('dt', {}, 'observed'),
      el('dd', {}, pct(s.observedFraction)),
      el('dt', {}, 'zero among observed'),
      el('dd', {}, pct(s.zeroFractionOfObserved)),
      el('dt', {}, 'missing'),
      el('dd', {}, pct(s.missingFraction)),
      el('dt', {}, 'time range'),
      el('dd', {}, s.timeRange ? `${s.timeRange[0]} → ${s.timeRange[1]}` : 'no time axis'),
      el('dt', {}, 'values'),
      el('dd', {}, `${fmt(s.min)} … ${fmt(s.max)}`),
    );
    summaryCard.body.prepend(stats);
    histogram.update(valueHistogram(p.values, p.observed));
    exportButtons(summaryCard.actions, 'histogram', () => histogram.svg, exportTo, (text) => setMessage(text, 'error'));

    dataHeatmap = createHeatmap(heatmapCard.body);
    dataHeatmap.update({
      rows: p.rows,
      cols: p.cols,
      values: p.values,
      observed: p.observed,
      domain,
      rowLabels: p.rowLabels,
      colIds: p.colIds,
      describe: (i, j) => {
        const k = i * p.cols + j;
        if (!p.observed[k]) return 'missing';
        return `${p.values[k]}${p.values[k] === 0 ? ' (observed zero)' : ''}`;
      },
    });
    heatmapCard.body.append(el('p', { class: 'legend-note' }, 'Colour: viridis over the observed range. Grey checkerboard: missing (never confused with zero, which is dark purple).'));
    exportButtons(heatmapCard.actions, 'matrix', () => dataHeatmap?.canvas ?? null, exportTo, (text) => setMessage(text, 'error'));

    if (p.cells && p.cells.some((c) => c)) {
      const slider = el('input', { type: 'range', id: 'time-slider', min: '0', max: String(p.rows - 1), value: '0' });
      const label = el('span', { id: 'time-label' }, p.rowLabels[0] ?? '');
      // Play animates the map over time (the imputed values once a run has them); pause stops it.
      const play = el('button', { id: 'play', class: 'secondary', title: 'Animate the map over time' }, 'Play');
      let playing: ReturnType<typeof setInterval> | null = null;
      const stop = () => {
        if (playing) clearInterval(playing);
        playing = null;
        play.textContent = 'Play';
        play.dataset.playing = 'false';
      };
      play.addEventListener('click', () => {
        if (playing) return stop();
        play.textContent = 'Pause';
        play.dataset.playing = 'true';
        playing = setInterval(() => {
          slider.value = String((Number(slider.value) + 1) % p.rows);
          draw();
        }, 120);
      });
      slider.addEventListener('pointerdown', stop);
      stopPlaying = stop;
      // The map's resolution: by default the coarsest at which most sensors have their own cell;
      // the control changes only the drawing (the models keep the matrix's own cells).
      const places = p.latLng ? p.latLng.map((q) => (q ? { lat: q[0], lng: q[1] } : null)) : null;
      const auto = places ? distinctCellResolution(places.filter((q): q is { lat: number; lng: number } => q !== null)) : (p.h3Resolution ?? 7);
      const resolution = el('input', { type: 'number', id: 'map-resolution', min: '0', max: '15', step: '1', value: String(auto), title: 'H3 resolution of the map (0 = continents … 15 = about 1 m). Auto: the coarsest at which most sensors fall in cells of their own' });
      const resolutionNote = el('span', { id: 'map-resolution-note', class: 'hint' });
      let cells = p.cells!;
      const setResolution = () => {
        const r = Math.max(0, Math.min(15, Math.round(Number(resolution.value)) || 0));
        cells = places ? places.map((q) => (q ? latLngToCell(q.lat, q.lng, r) : null)) : p.cells!;
        const n = new Set(cells.filter((c) => c)).size;
        resolutionNote.textContent = `${n} cells for ${cells.filter((c) => c).length} placed columns · hexagon edge ≈ ${formatEdge(getHexagonEdgeLengthAvg(r, UNITS.m))}${r === auto ? ' (auto)' : ` (auto: ${auto})`}`;
      };
      setResolution();
      mapCard.body.append(
        el('div', { class: 'slider' }, play, el('label', { for: 'time-slider' }, 'time '), slider, label),
        el('div', { class: 'controls' }, el('label', { title: resolution.title }, 'map resolution ', resolution), resolutionNote),
      );
      dataMap = createHexmap(mapCard.body);
      const draw = () => {
        const row = Number(slider.value);
        label.textContent = p.rowLabels[row];
        dataMap!.update({ ...p, cells, points: p.latLng, targets: shown.result?.targetMask ?? null, imputed: shown.result?.prediction ?? null, domain }, row);
        if (imputedMap && shown.result) imputedMap.update({ ...p, cells, points: p.latLng, targets: null, imputed: shown.result.imputed, domain }, row);
      };
      resolution.addEventListener('change', () => {
        setResolution();
        draw();
      });
      slider.addEventListener('input', draw);
      draw();
      redrawMaps = draw;
      exportButtons(mapCard.actions, 'map', () => dataMap?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
    } else {
      mapCard.body.append(el('p', {}, 'No places for these columns: give a sensor-locations file (or a long table with latitude and longitude) to see the H3 map.'));
    }
  }

  /** Hides the results (the data changed: they were for the file read another way). */
  function clearResult() {
    resultsCard.section.hidden = true;
    resultsCard.body.replaceChildren();
    resultsCard.actions.replaceChildren();
    shown.result = null;
  }

  function showResult(config: RunConfig, targets: number, metrics: RunMetrics, seconds: number, payload: MatrixPayload | null) {
    resultsCard.section.hidden = false;
    resultsCard.body.replaceChildren();
    resultsCard.actions.replaceChildren();
    const rows = metricRows(metrics);
    const table = el(
      'table',
      { id: 'metrics', 'data-mae': String(metrics.mae), 'data-targets': String(targets), 'data-method': config.method },
      el('thead', {}, el('tr', {}, el('th', {}, 'metric'), el('th', {}, 'all targets'), el('th', {}, 'nonzero truth'), el('th', {}, 'zero truth'))),
      el(
        'tbody',
        {},
        ...rows.map(([name, all, nz, z]) => el('tr', {}, el('th', {}, name), el('td', {}, fmt(all)), el('td', {}, fmt(nz)), el('td', {}, fmt(z)))),
        el('tr', {}, el('th', {}, 'MRE'), el('td', {}, fmt(metrics.mre, 4)), el('td', {}, ''), el('td', {}, '')),
      ),
    );
    resultsCard.body.append(
      el('p', {}, `${config.method} · mask ratio ${config.maskRatio} · seed ${config.seed} · ${targets} targets (nonzero ${metrics.nonzero.count}, zero ${metrics.zero.count}) · ${seconds.toFixed(3)} s`),
      table,
    );
    if (shown.result && payload) {
      const p = payload;
      const heatActions = el('span', { class: 'actions' });
      const heatHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Imputed matrix', heatActions));
      resultsCard.body.append(heatHolder);
      imputedHeatmap = createHeatmap(heatHolder);
      const result = shown.result;
      imputedHeatmap.update({
        rows: p.rows,
        cols: p.cols,
        values: result.imputed,
        observed: null,
        domain,
        rowLabels: p.rowLabels,
        colIds: p.colIds,
        describe: (i, j) => {
          const k = i * p.cols + j;
          if (result.targetMask[k]) return `hidden: truth ${p.values[k]}, predicted ${fmt(result.prediction[k])}`;
          return p.observed[k] ? `observed ${p.values[k]}` : `imputed ${fmt(result.imputed[k])}`;
        },
      });
      exportButtons(heatActions, 'imputed-matrix', () => imputedHeatmap?.canvas ?? null, exportTo, (text) => setMessage(text, 'error'));
      if (p.cells && p.cells.some((c) => c)) {
        const mapActions = el('span', { class: 'actions' });
        const mapHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Imputed map (every gap filled; time from the slider above)', mapActions));
        resultsCard.body.append(mapHolder);
        imputedMap = createHexmap(mapHolder);
        redrawMaps();
        exportButtons(mapActions, 'imputed-map', () => imputedMap?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
      }
    }
    const errActions = el('span', { class: 'actions' });
    const errHolder = el('div', { class: 'subcard' }, el('h3', {}, 'Error per column (MAE)', errActions));
    resultsCard.body.append(errHolder);
    columnErrors.chart = createColumnErrors(errHolder);
    columnErrors.chart.update(metrics.perColumn.map((c) => ({ id: payload?.colIds[c.column] ?? String(c.column), mae: c.mae, count: c.count })));
    exportButtons(errActions, 'column-errors', () => columnErrors.chart?.svg ?? null, exportTo, (text) => setMessage(text, 'error'));
  }

  return {
    header,
    message,
    runCard,
    setMessage,
    setStatus,
    showData,
    showResult,
    clearResult,
    shown,
    redrawMaps: () => redrawMaps(),
  };
}

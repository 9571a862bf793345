// The matrix as a heatmap on canvas (x = time, y = columns), so a 10,000 x 500 matrix stays
// responsive: it is rasterised once, then zoom and pan only redraw the one image. The canvas
// carries its own axes (time labels below, column ids at the left, thinned to what fits and
// following the zoom) and a colour bar; the colour scale is linear, log or quantile, chosen for
// the data (layout.chooseColourScale: heavy-tailed counts get a log scale) or by the user.
import { select, zoom, zoomIdentity, type ZoomTransform } from 'd3';
import { chooseColourScale, clip, colourMapping, formatTick, LINE_PX, type ColourMapping, type ColourScaleKind } from './layout';
import { colourTable, entryAt, rasterize } from './scales';

export interface HeatmapData {
  rows: number;
  cols: number;
  values: Float64Array;
  /** Entries to draw as missing are those with observed 0; null draws every entry. */
  observed: Uint8Array | null;
  domain: [number, number];
  rowLabels: string[];
  colIds: string[];
  /** Describes an entry for the hover readout. */
  describe: (row: number, col: number) => string;
}

export interface Heatmap {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  update(data: HeatmapData): void;
}

const SCALES: ('auto' | ColourScaleKind)[] = ['auto', 'linear', 'log', 'quantile'];
/** Room for the colour bar and its labels at the right. */
const BAR_SPACE = 64;

export function createHeatmap(container: HTMLElement, height = 290): Heatmap {
  const root = document.createElement('div');
  root.className = 'heatmap';
  const scaleSelect = document.createElement('select');
  scaleSelect.className = 'colour-scale';
  scaleSelect.title = 'How values map to colours: log or quantile spread heavy-tailed counts over the colours';
  const scaleLabel = document.createElement('label');
  scaleLabel.append('colour scale ', scaleSelect);
  const canvas = document.createElement('canvas');
  const readout = document.createElement('div');
  readout.className = 'readout';
  readout.textContent = 'Hover for values; scroll to zoom, drag to pan.';
  root.append(scaleLabel, canvas, readout);
  container.append(root);

  const state = {
    data: null as HeatmapData | null,
    image: null as HTMLCanvasElement | null,
    mapping: null as ColourMapping | null,
    rowsPerPixel: 1,
    transform: zoomIdentity as ZoomTransform,
    width: 0,
    margin: { left: 60, top: 6, bottom: 34, right: BAR_SPACE },
  };
  const table = colourTable();
  const plotWidth = () => state.width - state.margin.left - state.margin.right;
  const plotHeight = () => height - state.margin.top - state.margin.bottom;

  function drawAxes(ctx: CanvasRenderingContext2D, d: HeatmapData) {
    const { left, top } = state.margin;
    const pw = plotWidth();
    const ph = plotHeight();
    const t = state.transform;
    ctx.fillStyle = ctx.strokeStyle = getComputedStyle(canvas).color || '#888';
    ctx.font = '10px sans-serif';
    ctx.lineWidth = 1;
    // Time: about one label per 120 px, the row under each tick after the zoom.
    const n = Math.max(1, Math.floor(pw / 120));
    ctx.textBaseline = 'top';
    for (let i = 0; i <= n; i++) {
      const sx = (i / n) * pw;
      const row = Math.min(d.rows - 1, Math.max(0, Math.floor(((sx - t.x) / t.k / pw) * d.rows)));
      ctx.textAlign = i === 0 ? 'left' : i === n ? 'right' : 'center';
      ctx.fillRect(left + sx, top + ph, 1, 4);
      ctx.fillText(clip(d.rowLabels[row] ?? String(row + 1), 19), left + sx, top + ph + 6);
    }
    ctx.textAlign = 'center';
    ctx.fillText('time (rows)', left + pw / 2, height - LINE_PX);
    // Columns: every step-th id, so labels are a line apart at this zoom.
    const cell = (ph / d.cols) * t.k;
    const step = Math.max(1, Math.ceil(LINE_PX / cell));
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    const first = Math.max(0, Math.floor(-t.y / cell));
    for (let j = first - (first % step); j < d.cols; j += step) {
      const sy = t.y + (j + 0.5) * cell;
      if (sy < 0) continue;
      if (sy > ph) break;
      ctx.fillRect(left - 4, top + sy, 4, 1);
      ctx.fillText(clip(d.colIds[j] ?? String(j + 1), 10), left - 6, top + sy);
    }
    ctx.save();
    ctx.translate(10, top + ph / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = 'center';
    ctx.fillText('columns', 0, 0);
    ctx.restore();
  }

  function drawColourBar(ctx: CanvasRenderingContext2D, mapping: ColourMapping) {
    const x = state.width - BAR_SPACE + 10;
    const { top } = state.margin;
    const ph = plotHeight();
    for (let py = 0; py < ph; py++) {
      const c = Math.round((1 - py / Math.max(1, ph - 1)) * 255) * 3;
      ctx.fillStyle = `rgb(${table[c]},${table[c + 1]},${table[c + 2]})`;
      ctx.fillRect(x, top + py, 12, 1);
    }
    ctx.fillStyle = getComputedStyle(canvas).color || '#888';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    for (const v of mapping.ticks) {
      const y = top + (1 - mapping.position(v)) * (ph - 1);
      ctx.fillRect(x + 12, y, 3, 1);
      ctx.fillText(formatTick(v), x + 17, y);
    }
    ctx.textBaseline = 'top';
    ctx.fillText(mapping.kind, x, top + ph + 6);
  }

  const draw = () => {
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const { image, data, mapping, transform: t } = state;
    if (!image || !data || !mapping) return;
    const { left, top } = state.margin;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top, plotWidth(), plotHeight());
    ctx.clip();
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(t.k, 0, 0, t.k, left + t.x, top + t.y);
    ctx.drawImage(image, 0, 0, plotWidth(), plotHeight());
    ctx.restore();
    drawAxes(ctx, data);
    drawColourBar(ctx, mapping);
  };

  const behaviour = zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([1, 200])
    .on('zoom', (event: { transform: ZoomTransform }) => {
      state.transform = event.transform;
      draw();
    });
  select(canvas).call(behaviour);

  canvas.addEventListener('mousemove', (event) => {
    const d = state.data;
    if (!d) return;
    const rect = canvas.getBoundingClientRect();
    const across = Math.ceil(d.rows / state.rowsPerPixel);
    const hit = entryAt(event.clientX - rect.left - state.margin.left, event.clientY - rect.top - state.margin.top, state.transform, plotWidth() / across, plotHeight() / d.cols, across, d.cols);
    if (!hit) return;
    const row = Math.min(d.rows - 1, hit.row * state.rowsPerPixel);
    readout.textContent = `${d.rowLabels[row]} · ${d.colIds[hit.col]} · ${d.describe(row, hit.col)}${state.rowsPerPixel > 1 ? ` (pixel = ${state.rowsPerPixel} rows)` : ''}`;
  });

  function render() {
    const d = state.data;
    if (!d) return;
    const chosen = scaleSelect.value as 'auto' | ColourScaleKind;
    const kind = chosen === 'auto' || !chosen ? chooseColourScale(d.values, d.observed) : chosen;
    state.mapping = colourMapping(kind, d.domain, d.values, d.observed);
    scaleSelect.dataset.kind = kind;
    const r = rasterize(d.rows, d.cols, d.values, d.observed, d.domain, 8192, state.mapping.position);
    state.rowsPerPixel = r.rowsPerPixel;
    const image = document.createElement('canvas');
    image.width = r.width;
    image.height = r.height;
    image.getContext('2d')!.putImageData(new ImageData(r.pixels, r.width, r.height), 0, 0);
    state.image = image;
    draw();
  }

  scaleSelect.addEventListener('change', render);

  return {
    element: root,
    canvas,
    update(next) {
      state.data = next;
      const longest = Math.min(10, Math.max(1, ...next.colIds.slice(0, 2000).map((c) => c.length)));
      state.margin = { left: Math.ceil(longest * 6.2) + 26, top: 6, bottom: 34, right: BAR_SPACE };
      const auto = chooseColourScale(next.values, next.observed);
      const kept = scaleSelect.value;
      scaleSelect.replaceChildren(...SCALES.map((s) => Object.assign(document.createElement('option'), { value: s, textContent: s === 'auto' ? `auto (${auto})` : s })));
      scaleSelect.value = kept || 'auto';
      state.width = Math.max(260, container.clientWidth || 600);
      canvas.width = state.width;
      canvas.height = height;
      canvas.style.width = `${state.width}px`;
      canvas.style.height = `${height}px`;
      state.transform = zoomIdentity;
      select(canvas).call(behaviour.transform, zoomIdentity);
      render();
    },
  };
}

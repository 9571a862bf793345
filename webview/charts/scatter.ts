// The weighting-vector scatter: points on a canvas coloured by weight (viridis), a colour-scale
// legend, a hover readout, click to pick a point, and drag to rotate a 3-D view. The geometry is
// in projection.ts (pure, tested in Node); this file only touches the page.
import { axisBottom, scaleLinear, select } from 'd3';
import { drawDots, pointAt, sharpCanvas, trackHover, viridis } from './canvasPoints';
import { drawOrder, project, rotation, type Projected, type ViewCoordinates } from './projection';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface ScatterData {
  view: ViewCoordinates;
  n: number;
  weights: Float64Array | null;
  domain: [number, number];
  clamped: boolean;
  /** Text for the hover readout of point i. */
  describe: (i: number) => string;
}

export interface Scatter {
  canvas: HTMLCanvasElement;
  legend: SVGSVGElement;
  update(data: ScatterData): void;
  /** Marks one point (e.g. the row hovered in the boundary list); −1 clears. */
  highlight(i: number): void;
  onPick(handler: (i: number) => void): void;
}

export function createScatter(container: HTMLElement, width = 560, height = 440): Scatter {
  const { canvas, ctx, ratio } = sharpCanvas(width, height, 'scatter');
  const readout = document.createElement('div');
  readout.id = 'hover';
  readout.className = 'readout';
  readout.textContent = 'Hover a point to see its row and weight; click it to reveal the row.';
  const axesNote = document.createElement('div');
  axesNote.className = 'axes-note';
  const legend = document.createElementNS(SVG_NS, 'svg');
  legend.setAttribute('id', 'legend');
  const legendWidth = Math.min(width, 360);
  legend.setAttribute('width', String(legendWidth));
  legend.setAttribute('height', '46');
  container.append(canvas, axesNote, legend, readout);
  const colour = viridis();
  const margin = 14;
  const s = {
    data: null as ScatterData | null,
    projected: null as Projected | null,
    order: null as Int32Array | null,
    yaw: 0.6,
    pitch: 0.35,
    highlighted: -1,
    pick: (() => {}) as (i: number) => void,
    dragging: null as { x: number; y: number; moved: boolean } | null,
  };
  const colourOf = (w: number): string => colour(w, s.data!.domain);

  const draw = () => {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const data = s.data;
    if (!data) return;
    const { view, n, weights } = data;
    const projected = (s.projected = project(view, n, width, height, margin, view.k === 3 ? rotation(s.yaw, s.pitch) : null, view.axes[1] === 'weight'));
    s.order = drawOrder(n, projected.depth, weights);
    const radius = n > 5000 ? 1.6 : n > 1500 ? 2.2 : 3;
    let zMin = Infinity, zMax = -Infinity;
    if (projected.depth) {
      for (let i = 0; i < n; i++) {
        zMin = Math.min(zMin, projected.depth[i]);
        zMax = Math.max(zMax, projected.depth[i]);
      }
    }
    // Depth cue: nearer points a little larger.
    const depth = projected.depth;
    const r = depth ? (i: number) => radius * (0.75 + (0.5 * (depth[i] - zMin)) / (zMax - zMin || 1)) : () => radius;
    drawDots(ctx, projected, s.order, (i) => (weights ? colourOf(weights[i]) : '#888'), r, [[s.highlighted, '#ff3b30'], [hover.current(), getComputedStyle(canvas).color || '#fff']], radius + 4);
    canvas.dataset.points = String(n);
    canvas.dataset.mode = view.k === 3 ? 'rotate' : 'plane';
    canvas.dataset.rotation = view.k === 3 ? `${s.yaw.toFixed(3)},${s.pitch.toFixed(3)}` : '';
    const explained = view.explained ? ` (${Array.from(view.explained, (e, k) => `${view.axes[k]} ${(100 * e).toFixed(0)}%`).join(', ')} of the variance)` : '';
    axesNote.textContent = view.k === 3 ? `3-D view of ${view.axes.join(', ')}${explained}: drag to rotate.` : `x: ${view.axes[0]}, y: ${view.axes[1]}${explained}`;
  };

  const drawLegend = () => {
    const root = select(legend);
    root.selectAll('*').remove();
    const data = s.data;
    if (!data || !data.weights) return;
    const [lo, hi] = data.domain;
    const id = 'weight-gradient';
    const gradient = root.append('defs').append('linearGradient').attr('id', id);
    for (let k = 0; k <= 10; k++) gradient.append('stop').attr('offset', `${k * 10}%`).attr('stop-color', colourOf(lo + ((hi - lo) * k) / 10));
    const x = scaleLinear().domain([lo, hi]).range([8, legendWidth - 8]);
    root.append('rect').attr('x', 8).attr('y', 4).attr('width', legendWidth - 16).attr('height', 12).attr('fill', `url(#${id})`);
    root.append('g').attr('class', 'axis').attr('transform', 'translate(0,16)').call(axisBottom(x).ticks(5));
    root.append('text').attr('x', legendWidth - 8).attr('y', 44).attr('text-anchor', 'end').attr('class', 'legend-title').text(data.clamped ? 'weight (1st–99th percentile; beyond is clamped)' : 'weight');
    legend.dataset.min = String(lo);
    legend.dataset.max = String(hi);
  };

  canvas.addEventListener('mousedown', (event) => {
    s.dragging = { x: event.clientX, y: event.clientY, moved: false };
  });
  window.addEventListener('mouseup', (event) => {
    const was = s.dragging;
    s.dragging = null;
    if (was && !was.moved && event.target === canvas) {
      const i = pointAt(canvas, width, s.projected, s.order, event);
      if (i >= 0) s.pick(i);
    }
  });
  // A drag rotates a 3-D view (registered before the hover, which then skips the move).
  canvas.addEventListener('mousemove', (event) => {
    const drag = s.dragging;
    if (!drag || s.data?.view.k !== 3) return;
    const dx = event.clientX - drag.x;
    const dy = event.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    if (!drag.moved) return;
    s.yaw += dx * 0.01;
    s.pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, s.pitch + dy * 0.01));
    drag.x = event.clientX;
    drag.y = event.clientY;
    draw();
  });
  const hover = trackHover(
    canvas,
    width,
    () => (s.projected ? { projected: s.projected, order: s.order } : null),
    (i) => {
      readout.textContent = i >= 0 && s.data ? s.data.describe(i) : ' ';
      readout.dataset.index = String(i);
      canvas.style.cursor = i >= 0 ? 'pointer' : s.data?.view.k === 3 ? 'grab' : 'default';
      draw();
    },
    () => !!s.dragging?.moved && s.data?.view.k === 3,
  );

  return {
    canvas,
    legend,
    update(next) {
      s.data = next;
      hover.reset(next.n);
      draw();
      drawLegend();
      if (hover.current() >= 0) readout.textContent = next.describe(hover.current());
    },
    highlight(i) {
      s.highlighted = i;
      draw();
    },
    onPick(handler) {
      s.pick = handler;
    },
  };
}

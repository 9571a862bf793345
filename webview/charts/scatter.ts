// The weighting-vector scatter: points on a canvas coloured by weight (viridis), a colour-scale
// legend, a hover readout, click to pick a point, and drag to rotate a 3-D view. The geometry is
// in projection.ts (pure, tested in Node); this file only touches the page.
import { axisBottom, scaleLinear, select } from 'd3';
import { colourTable } from './scales';
import { drawOrder, nearestPoint, project, rotation, type Projected, type ViewCoordinates } from './projection';

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
  const ratio = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const canvas = document.createElement('canvas');
  canvas.id = 'scatter';
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
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
  const ctx = canvas.getContext('2d')!;
  const table = colourTable();

  let data: ScatterData | null = null;
  let projected: Projected | null = null;
  let order: Int32Array | null = null;
  let yaw = 0.6;
  let pitch = 0.35;
  let highlighted = -1;
  let hovered = -1;
  let pick: (i: number) => void = () => {};
  const margin = 14;

  const colourOf = (w: number): string => {
    const [lo, hi] = data!.domain;
    const s = Math.min(1, Math.max(0, (w - lo) / (hi - lo || 1)));
    const c = Math.round(s * 255) * 3;
    return `rgb(${table[c]},${table[c + 1]},${table[c + 2]})`;
  };

  const draw = () => {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!data) return;
    const { view, n, weights } = data;
    projected = project(view, n, width, height, margin, view.k === 3 ? rotation(yaw, pitch) : null, view.axes[1] === 'weight');
    order = drawOrder(n, projected.depth, weights);
    const radius = n > 5000 ? 1.6 : n > 1500 ? 2.2 : 3;
    let zMin = Infinity, zMax = -Infinity;
    if (projected.depth) {
      for (let i = 0; i < n; i++) {
        zMin = Math.min(zMin, projected.depth[i]);
        zMax = Math.max(zMax, projected.depth[i]);
      }
    }
    for (let s = 0; s < n; s++) {
      const i = order[s];
      ctx.fillStyle = weights ? colourOf(weights[i]) : '#888';
      // Depth cue: nearer points a little larger.
      const r = projected.depth ? radius * (0.75 + (0.5 * (projected.depth[i] - zMin)) / (zMax - zMin || 1)) : radius;
      ctx.beginPath();
      ctx.arc(projected.x[i], projected.y[i], r, 0, 2 * Math.PI);
      ctx.fill();
    }
    for (const [i, colour] of [[highlighted, '#ff3b30'], [hovered, getComputedStyle(canvas).color || '#fff']] as const) {
      if (i < 0 || i >= n) continue;
      ctx.strokeStyle = colour;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(projected.x[i], projected.y[i], radius + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    canvas.dataset.points = String(n);
    canvas.dataset.mode = view.k === 3 ? 'rotate' : 'plane';
    canvas.dataset.rotation = view.k === 3 ? `${yaw.toFixed(3)},${pitch.toFixed(3)}` : '';
    const explained = view.explained ? ` (${Array.from(view.explained, (e, r) => `${view.axes[r]} ${(100 * e).toFixed(0)}%`).join(', ')} of the variance)` : '';
    axesNote.textContent = view.k === 3 ? `3-D view of ${view.axes.join(', ')}${explained}: drag to rotate.` : `x: ${view.axes[0]}, y: ${view.axes[1]}${explained}`;
  };

  const drawLegend = () => {
    const root = select(legend);
    root.selectAll('*').remove();
    if (!data || !data.weights) return;
    const [lo, hi] = data.domain;
    const id = 'weight-gradient';
    const gradient = root.append('defs').append('linearGradient').attr('id', id);
    for (let s = 0; s <= 10; s++) gradient.append('stop').attr('offset', `${s * 10}%`).attr('stop-color', colourOf(lo + ((hi - lo) * s) / 10));
    const x = scaleLinear().domain([lo, hi]).range([8, legendWidth - 8]);
    root.append('rect').attr('x', 8).attr('y', 4).attr('width', legendWidth - 16).attr('height', 12).attr('fill', `url(#${id})`);
    root.append('g').attr('class', 'axis').attr('transform', 'translate(0,16)').call(axisBottom(x).ticks(5));
    root.append('text').attr('x', legendWidth - 8).attr('y', 44).attr('text-anchor', 'end').attr('class', 'legend-title').text(data.clamped ? 'weight (1st–99th percentile; beyond is clamped)' : 'weight');
    legend.dataset.min = String(lo);
    legend.dataset.max = String(hi);
  };

  const pointAt = (event: MouseEvent): number => {
    if (!projected) return -1;
    // The canvas may be drawn smaller than its layout size (max-width: 100%).
    const box = canvas.getBoundingClientRect();
    const scale = width / (box.width || width);
    return nearestPoint(projected, (event.clientX - box.left) * scale, (event.clientY - box.top) * scale, 8 * scale, order ?? undefined);
  };

  let dragging: { x: number; y: number; moved: boolean } | null = null;
  canvas.addEventListener('mousedown', (event) => {
    dragging = { x: event.clientX, y: event.clientY, moved: false };
  });
  window.addEventListener('mouseup', (event) => {
    const was = dragging;
    dragging = null;
    if (was && !was.moved && event.target === canvas) {
      const i = pointAt(event);
      if (i >= 0) pick(i);
    }
  });
  canvas.addEventListener('mousemove', (event) => {
    if (dragging && data?.view.k === 3) {
      const dx = event.clientX - dragging.x;
      const dy = event.clientY - dragging.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) dragging.moved = true;
      if (dragging.moved) {
        yaw += dx * 0.01;
        pitch = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, pitch + dy * 0.01));
        dragging.x = event.clientX;
        dragging.y = event.clientY;
        draw();
        return;
      }
    }
    const i = pointAt(event);
    if (i !== hovered) {
      hovered = i;
      readout.textContent = i >= 0 && data ? data.describe(i) : ' ';
      readout.dataset.index = String(i);
      canvas.style.cursor = i >= 0 ? 'pointer' : data?.view.k === 3 ? 'grab' : 'default';
      draw();
    }
  });
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    draw();
  });

  return {
    canvas,
    legend,
    update(next) {
      data = next;
      if (hovered >= next.n) hovered = -1;
      draw();
      drawLegend();
      if (hovered >= 0) readout.textContent = next.describe(hovered);
    },
    highlight(i) {
      highlighted = i;
      draw();
    },
    onPick(handler) {
      pick = handler;
    },
  };
}

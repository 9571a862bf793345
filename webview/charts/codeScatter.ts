// A 2-D code scatter for the Autoencoder tab: one map's codes on a canvas, coloured by the input's
// weighting vector (viridis, so the boundary stands out) or by class, with the map's title and its
// ρ drawn on the canvas too (so an exported PNG says what it shows). The geometry comes from
// projection.ts (pure, tested in Node); only this file touches the page.
import { schemeTableau10 } from 'd3';
import { drawOrder, nearestPoint, project, type Projected } from './projection';
import { colourTable } from './scales';

export interface CodeScatterData {
  /** n × 2, row-major. */
  codes: Float64Array;
  n: number;
  colourBy: 'weight' | 'class';
  /** The input's weights (the colour in 'weight' mode, and the drawing order). */
  weights: Float64Array;
  domain: [number, number];
  labels: Int32Array | null;
  /** The heading drawn on the canvas, e.g. "Autoencoder · ρ = 0.961". */
  caption: string;
  describe: (i: number) => string;
}

export interface CodeScatter {
  canvas: HTMLCanvasElement;
  update(data: CodeScatterData): void;
  clear(message: string): void;
}

export const CLASS_COLOURS: readonly string[] = schemeTableau10;

export function createCodeScatter(container: HTMLElement, id: string, readout: HTMLElement, size = 300): CodeScatter {
  const ratio = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const canvas = document.createElement('canvas');
  canvas.id = id;
  canvas.className = 'code-scatter';
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  canvas.style.width = `${size}px`;
  canvas.style.height = `${size}px`;
  container.append(canvas);
  const ctx = canvas.getContext('2d')!;
  const table = colourTable();
  const top = 22;
  const margin = 10;
  let data: CodeScatterData | null = null;
  let projected: Projected | null = null;
  let order: Int32Array | null = null;
  let hovered = -1;

  const colourOf = (i: number): string => {
    const d = data!;
    if (d.colourBy === 'class' && d.labels) return CLASS_COLOURS[((d.labels[i] % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length];
    const [lo, hi] = d.domain;
    const s = Math.min(1, Math.max(0, (d.weights[i] - lo) / (hi - lo || 1)));
    const c = Math.round(s * 255) * 3;
    return `rgb(${table[c]},${table[c + 1]},${table[c + 2]})`;
  };

  const heading = (text: string) => {
    ctx.fillStyle = getComputedStyle(canvas).color || '#888';
    ctx.font = `600 12px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
    ctx.textBaseline = 'top';
    ctx.fillText(text, 8, 6, size - 16);
  };

  const draw = () => {
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size, size);
    if (!data) return;
    const { codes, n } = data;
    heading(data.caption);
    // Fit below the heading: project into the box, then shift down.
    const p = project({ coords: codes, k: 2 }, n, size, size - top, margin, null);
    for (let i = 0; i < n; i++) p.y[i] += top;
    projected = p;
    order = drawOrder(n, null, data.weights);
    const radius = n > 2000 ? 1.5 : n > 800 ? 2 : 2.6;
    for (let s = 0; s < n; s++) {
      const i = order[s];
      ctx.fillStyle = colourOf(i);
      ctx.beginPath();
      ctx.arc(p.x[i], p.y[i], radius, 0, 2 * Math.PI);
      ctx.fill();
    }
    if (hovered >= 0 && hovered < n) {
      ctx.strokeStyle = getComputedStyle(canvas).color || '#fff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(p.x[hovered], p.y[hovered], radius + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    canvas.dataset.points = String(n);
    canvas.dataset.colour = data.colourBy;
  };

  canvas.addEventListener('mousemove', (event) => {
    if (!projected || !data) return;
    const box = canvas.getBoundingClientRect();
    const scale = size / (box.width || size);
    const i = nearestPoint(projected, (event.clientX - box.left) * scale, (event.clientY - box.top) * scale, 8 * scale, order ?? undefined);
    if (i !== hovered) {
      hovered = i;
      readout.textContent = i >= 0 ? data.describe(i) : ' ';
      draw();
    }
  });
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    draw();
  });

  return {
    canvas,
    update(next) {
      data = next;
      if (hovered >= next.n) hovered = -1;
      draw();
      // A fingerprint of the drawn codes, so a test (or a person in the devtools) sees it change.
      let hash = 0;
      for (let k = 0; k < next.codes.length; k += Math.max(1, Math.floor(next.codes.length / 64))) hash = (hash * 31 + Math.round(next.codes[k] * 1e4)) | 0;
      canvas.dataset.fingerprint = String(hash >>> 0);
    },
    clear(message) {
      data = null;
      projected = null;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size, size);
      heading(message);
      delete canvas.dataset.points;
      delete canvas.dataset.fingerprint;
    },
  };
}

// A 2-D code scatter for the Autoencoder tab: one map's codes on a canvas, coloured by the input's
// weighting vector (viridis, so the boundary stands out) or by class, with the map's title and its
// ρ drawn on the canvas too (so an exported PNG says what it shows). The geometry comes from
// projection.ts (pure, tested in Node); only this file touches the page.
import { schemeTableau10 } from 'd3';
import { drawDots, sharpCanvas, trackHover, viridis } from './canvasPoints';
import { drawOrder, project, type Projected } from './projection';

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
  const { canvas, ctx, ratio } = sharpCanvas(size, size, id, 'code-scatter');
  container.append(canvas);
  const colour = viridis();
  const top = 22;
  const margin = 10;
  const s = { data: null as CodeScatterData | null, projected: null as Projected | null, order: null as Int32Array | null };

  const colourOf = (i: number): string => {
    const d = s.data!;
    if (d.colourBy === 'class' && d.labels) return CLASS_COLOURS[((d.labels[i] % CLASS_COLOURS.length) + CLASS_COLOURS.length) % CLASS_COLOURS.length];
    return colour(d.weights[i], d.domain);
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
    const data = s.data;
    if (!data) return;
    const { codes, n } = data;
    heading(data.caption);
    // Fit below the heading: project into the box, then shift down.
    const p = project({ coords: codes, k: 2 }, n, size, size - top, margin, null);
    for (let i = 0; i < n; i++) p.y[i] += top;
    s.projected = p;
    s.order = drawOrder(n, null, data.weights);
    const radius = n > 2000 ? 1.5 : n > 800 ? 2 : 2.6;
    drawDots(ctx, p, s.order, colourOf, () => radius, [[hover.current(), getComputedStyle(canvas).color || '#fff']], radius + 4);
    canvas.dataset.points = String(n);
    canvas.dataset.colour = data.colourBy;
  };

  const hover = trackHover(canvas, size, () => (s.projected && s.data ? { projected: s.projected, order: s.order } : null), (i) => {
    if (s.data) readout.textContent = i >= 0 ? s.data.describe(i) : ' ';
    draw();
  });

  return {
    canvas,
    update(next) {
      s.data = next;
      hover.reset(next.n);
      draw();
      // A fingerprint of the drawn codes, so a test (or a person in the devtools) sees it change.
      let hash = 0;
      for (let k = 0; k < next.codes.length; k += Math.max(1, Math.floor(next.codes.length / 64))) hash = (hash * 31 + Math.round(next.codes[k] * 1e4)) | 0;
      canvas.dataset.fingerprint = String(hash >>> 0);
    },
    clear(message) {
      s.data = null;
      s.projected = null;
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, size, size);
      heading(message);
      delete canvas.dataset.points;
      delete canvas.dataset.fingerprint;
    },
  };
}

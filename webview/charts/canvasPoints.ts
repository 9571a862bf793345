// What the two point scatters on canvas share (the weighting-vector scatter and the
// autoencoder's code maps): a sharp canvas on high-DPI screens, viridis colours over a domain,
// drawing the dots in order with rings on marked ones, and the point under the mouse.
import { nearestPoint, type Projected } from './projection';
import { colourTable } from './scales';

/** A canvas of `width` × `height` CSS pixels, drawn at the screen's pixel ratio. */
export function sharpCanvas(width: number, height: number, id: string, className = ''): { canvas: HTMLCanvasElement; ctx: CanvasRenderingContext2D; ratio: number } {
  const ratio = Math.max(1, Math.min(3, globalThis.devicePixelRatio || 1));
  const canvas = document.createElement('canvas');
  canvas.id = id;
  if (className) canvas.className = className;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  return { canvas, ctx: canvas.getContext('2d')!, ratio };
}

/** Viridis over `domain` (clamped), as CSS colours. */
export function viridis(): (v: number, domain: [number, number]) => string {
  const table = colourTable();
  return (v, [lo, hi]) => {
    const s = Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)));
    const c = Math.round(s * 255) * 3;
    return `rgb(${table[c]},${table[c + 1]},${table[c + 2]})`;
  };
}

/** The dots in drawing order, each its colour and radius; then a ring on each marked point. */
export function drawDots(ctx: CanvasRenderingContext2D, p: Projected, order: Int32Array, fill: (i: number) => string, radius: (i: number) => number, rings: [number, string][], ringRadius: number): void {
  for (let s = 0; s < order.length; s++) {
    const i = order[s];
    ctx.fillStyle = fill(i);
    ctx.beginPath();
    ctx.arc(p.x[i], p.y[i], radius(i), 0, 2 * Math.PI);
    ctx.fill();
  }
  for (const [i, colour] of rings) {
    if (i < 0 || i >= order.length) continue;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(p.x[i], p.y[i], ringRadius, 0, 2 * Math.PI);
    ctx.stroke();
  }
}

/**
 * Tracks the point under the mouse (within 8 px, the canvas possibly drawn smaller than its
 * layout size) and calls `changed` when it changes; −1 when there is none or the mouse leaves.
 * `busy()` true (a drag going on) skips a move.
 */
export function trackHover(canvas: HTMLCanvasElement, width: number, geometry: () => { projected: Projected; order: Int32Array | null } | null, changed: (i: number) => void, busy: () => boolean = () => false): { current(): number; reset(n: number): void } {
  let hovered = -1;
  canvas.addEventListener('mousemove', (event) => {
    if (busy()) return;
    const g = geometry();
    const i = g ? pointAt(canvas, width, g.projected, g.order, event) : -1;
    if (i === hovered) return;
    hovered = i;
    changed(i);
  });
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    changed(-1);
  });
  return {
    current: () => hovered,
    reset(n) {
      if (hovered >= n) hovered = -1;
    },
  };
}

/** The point under a mouse event, for clicks. */
export function pointAt(canvas: HTMLCanvasElement, width: number, projected: Projected | null, order: Int32Array | null, event: MouseEvent): number {
  if (!projected) return -1;
  const box = canvas.getBoundingClientRect();
  const scale = width / (box.width || width);
  return nearestPoint(projected, (event.clientX - box.left) * scale, (event.clientY - box.top) * scale, 8 * scale, order ?? undefined);
}

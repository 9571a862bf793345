// The matrix as a heatmap on canvas (x = time, y = columns), so a 10,000 x 500 matrix stays
// responsive: it is rasterised once, then zoom and pan only redraw the one image.
import { select, zoom, zoomIdentity, type ZoomTransform } from 'd3';
import { entryAt, rasterize } from './scales';

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

export function createHeatmap(container: HTMLElement, height = 260): Heatmap {
  const root = document.createElement('div');
  root.className = 'heatmap';
  const canvas = document.createElement('canvas');
  const readout = document.createElement('div');
  readout.className = 'readout';
  readout.textContent = 'Hover for values; scroll to zoom, drag to pan.';
  root.append(canvas, readout);
  container.append(root);

  let data: HeatmapData | null = null;
  let image: HTMLCanvasElement | null = null;
  let rowsPerPixel = 1;
  let transform: ZoomTransform = zoomIdentity;
  let width = 0;

  const draw = () => {
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!image || !data) return;
    ctx.imageSmoothingEnabled = false;
    ctx.setTransform(transform.k, 0, 0, transform.k, transform.x, transform.y);
    ctx.drawImage(image, 0, 0, width, height);
  };

  const behaviour = zoom<HTMLCanvasElement, unknown>()
    .scaleExtent([1, 200])
    .on('zoom', (event: { transform: ZoomTransform }) => {
      transform = event.transform;
      draw();
    });
  select(canvas).call(behaviour);

  canvas.addEventListener('mousemove', (event) => {
    if (!data) return;
    const rect = canvas.getBoundingClientRect();
    const cellW = width / Math.ceil(data.rows / rowsPerPixel);
    const hit = entryAt(event.clientX - rect.left, event.clientY - rect.top, transform, cellW, height / data.cols, Math.ceil(data.rows / rowsPerPixel), data.cols);
    if (!hit) return;
    const row = Math.min(data.rows - 1, hit.row * rowsPerPixel);
    readout.textContent = `${data.rowLabels[row]} · ${data.colIds[hit.col]} · ${data.describe(row, hit.col)}${rowsPerPixel > 1 ? ` (pixel = ${rowsPerPixel} rows)` : ''}`;
  });

  return {
    element: root,
    canvas,
    update(next) {
      data = next;
      width = Math.max(200, container.clientWidth || 600);
      canvas.width = width;
      canvas.height = height;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
      const r = rasterize(next.rows, next.cols, next.values, next.observed, next.domain);
      rowsPerPixel = r.rowsPerPixel;
      image = document.createElement('canvas');
      image.width = r.width;
      image.height = r.height;
      image.getContext('2d')!.putImageData(new ImageData(r.pixels, r.width, r.height), 0, 0);
      transform = zoomIdentity;
      select(canvas).call(behaviour.transform, zoomIdentity);
      draw();
    },
  };
}

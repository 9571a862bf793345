// A grid of small heatmaps on one canvas: the atoms of an image factorisation, or originals
// above their reconstructions. One canvas, so PNG export is the canvas itself. Each tile is
// coloured over its own range (viridis) unless a shared domain is given; clicking a tile calls
// `onSelect` with its index.
import { colourTable } from './scales';
import { extentOf, imageRgba, tileLayout, type TileLayout } from './factorViews';

export interface Tile {
  values: ArrayLike<number>;
  caption: string;
  /** Drawn with an outline. */
  selected?: boolean;
}

export interface ImageTiles {
  readonly canvas: HTMLCanvasElement;
  update(tiles: Tile[], image: { width: number; height: number }, options?: { domain?: [number, number]; tile?: number; columns?: number }): void;
}

const TABLE = colourTable();
const CAPTION = 14;
const GAP = 6;

export function createImageTiles(container: HTMLElement, options: { id?: string; maxWidth?: number; onSelect?: (index: number) => void } = {}): ImageTiles {
  const canvas = document.createElement('canvas');
  canvas.className = 'image-tiles';
  if (options.id) canvas.id = options.id;
  container.append(canvas);
  let layout: TileLayout | null = null;
  if (options.onSelect) {
    canvas.addEventListener('click', (event) => {
      if (!layout) return;
      const rect = canvas.getBoundingClientRect();
      const t = layout.tileAt(event.clientX - rect.left, event.clientY - rect.top);
      if (t >= 0) options.onSelect!(t);
    });
  }
  return {
    canvas,
    update(tiles, image, drawOptions = {}) {
      const available = Math.max(200, Math.min(options.maxWidth ?? 900, container.clientWidth || 720));
      const tile = drawOptions.tile ?? Math.max(42, Math.min(84, Math.floor(available / 10) - GAP));
      // A fixed column count (originals above their reconstructions) sets the width instead.
      const maxWidth = drawOptions.columns ? drawOptions.columns * (tile + GAP) - GAP : available;
      layout = tileLayout(tiles.length, tile, GAP, maxWidth, CAPTION);
      canvas.width = layout.width;
      canvas.height = layout.height;
      canvas.style.width = `${layout.width}px`;
      canvas.style.height = `${layout.height}px`;
      const ctx = canvas.getContext('2d')!;
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      const style = getComputedStyle(document.body);
      const text = style.getPropertyValue('--vscode-foreground').trim() || '#888';
      const accent = style.getPropertyValue('--vscode-focusBorder').trim() || '#f80';
      const scratch = document.createElement('canvas');
      scratch.width = image.width;
      scratch.height = image.height;
      const scratchCtx = scratch.getContext('2d')!;
      ctx.font = '10px sans-serif';
      ctx.textBaseline = 'top';
      tiles.forEach((t, i) => {
        const [x, y] = layout!.origin(i);
        const domain = drawOptions.domain ?? extentOf(t.values);
        scratchCtx.putImageData(new ImageData(imageRgba(t.values, image.width, image.height, domain, TABLE), image.width, image.height), 0, 0);
        ctx.imageSmoothingEnabled = false;
        ctx.drawImage(scratch, x, y, tile, tile);
        if (t.selected) {
          ctx.strokeStyle = accent;
          ctx.lineWidth = 2;
          ctx.strokeRect(x + 1, y + 1, tile - 2, tile - 2);
        }
        ctx.fillStyle = text;
        ctx.fillText(t.caption, x, y + tile + 2, tile);
      });
      canvas.dataset.tiles = String(tiles.length);
    },
  };
}

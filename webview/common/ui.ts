// Small DOM helpers shared by every panel: element creation, the card layout, and the PNG/SVG
// export buttons (the host saves the bytes through a save dialog).
import { canvasPng, canvasSvgMarkup, svgMarkup, svgPng } from '../charts/export';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** The page's message line and status badge (`#status`), as every panel shows them. */
export function messageAndStatus(message: HTMLElement): { setMessage(text: string, kind?: 'info' | 'error'): void; setStatus(status: string): void } {
  return {
    setMessage(text, kind = 'info') {
      message.textContent = text;
      message.className = kind;
    },
    setStatus(status) {
      const s = document.getElementById('status')!;
      s.textContent = status;
      s.dataset.status = status;
    },
  };
}

/** A titled card: a heading with room for action buttons, and a body. */
export function card(id: string, title: string): { section: HTMLElement; body: HTMLElement; actions: HTMLElement } {
  const actions = el('span', { class: 'actions' });
  const body = el('div', { class: 'body' });
  const section = el('section', { id, class: 'card' }, el('h2', {}, title, actions), body);
  return { section, body, actions };
}

export type ExportMime = 'image/png' | 'image/svg+xml';

/**
 * Adds PNG and SVG buttons for a chart. Canvas charts save their pixels (and an SVG wrapping
 * them); SVG charts save their markup with theme colours inlined (and a PNG rendered from it).
 */
export function exportButtons(
  actions: HTMLElement,
  name: string,
  target: () => SVGSVGElement | HTMLCanvasElement | null,
  save: (fileName: string, mime: ExportMime, data: Uint8Array | string) => void,
  onError: (message: string) => void,
): void {
  const background = getComputedStyle(document.body).getPropertyValue('--vscode-editor-background').trim() || '#ffffff';
  const run = async (kind: 'png' | 'svg') => {
    const node = target();
    if (!node) return;
    try {
      if (node instanceof HTMLCanvasElement) {
        if (kind === 'png') save(`${name}.png`, 'image/png', await canvasPng(node));
        else save(`${name}.svg`, 'image/svg+xml', canvasSvgMarkup(node));
      } else {
        const markup = svgMarkup(node, background);
        if (kind === 'svg') save(`${name}.svg`, 'image/svg+xml', markup);
        else save(`${name}.png`, 'image/png', await svgPng(markup, node.width.baseVal.value, node.height.baseVal.value));
      }
    } catch (err) {
      onError(`Export failed: ${(err as Error).message}`);
    }
  };
  const png = el('button', { class: 'secondary', title: `Save ${name} as PNG` }, 'PNG');
  const svg = el('button', { class: 'secondary', title: `Save ${name} as SVG` }, 'SVG');
  png.addEventListener('click', () => void run('png'));
  svg.addEventListener('click', () => void run('svg'));
  actions.append(png, svg);
}

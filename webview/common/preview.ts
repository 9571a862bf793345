// The data preview, one component for every panel that reads a table: the first rows as a table
// with what Lacuna inferred (label, time and value columns, the orientation, the grid) and the
// reasons, each changeable in place. Every cell is set as text (never as HTML). The state is
// previewState.ts; a change asks the host to read the file again (`onChoice`), or sets the grid.
import type { GridSpec } from '../../src/core/factorize/job';
import { PREVIEW_COLUMNS, type PreviewChoice, type PreviewPayload } from '../../src/protocol/preview';
import { card, el } from './ui';
import { gridOptions, gridValue, roleOf, summaryLines, withRole, withTranspose, type ColumnRole } from './previewState';

export interface PreviewHandlers {
  /** The columns or the orientation changed: read the file again with this choice. */
  onChoice(choice: PreviewChoice): void;
  /** The grid changed (panels with a grid only). */
  onGrid?(grid: GridSpec): void;
}

export type PreviewView = ReturnType<typeof createPreview>;

const ROLE_TITLES: Record<ColumnRole, string> = {
  time: 'The time axis (a label column whose cells are timestamps)',
  label: 'Row labels: text kept beside the values, not part of the matrix',
  value: 'Values: a column of the matrix',
  skip: 'Left out: neither labels nor values',
};

export function createPreview(handlers: PreviewHandlers) {
  const c = card('preview-card', 'Data preview');
  const summary = el('ul', { id: 'preview-summary', class: 'preview-summary' });
  const transpose = el('input', { id: 'preview-transpose', type: 'checkbox' });
  const gridSelect = el('select', { id: 'preview-grid', title: 'Where the bins (rows after the orientation) sit: a line, or the pixels of an image W × H' });
  const gridLabel = el('label', {}, 'grid ', gridSelect);
  const controls = el(
    'div',
    { class: 'controls' },
    el('label', { title: 'Read each row of the file as one observation (the file is transposed)' }, transpose, ' each row is one observation (transpose)'),
    gridLabel,
  );
  const table = el('table', { id: 'preview-table', class: 'preview-table' });
  const scroller = el('div', { class: 'preview-scroll' }, table);
  const note = el('p', { class: 'hint', id: 'preview-note' });
  c.body.append(summary, controls, scroller, note);
  let current: PreviewPayload | null = null;
  let grids: ReturnType<typeof gridOptions> = [];

  transpose.addEventListener('change', () => {
    if (current) handlers.onChoice(withTranspose(current, transpose.checked));
  });
  gridSelect.addEventListener('change', () => {
    const picked = grids.find((g) => g.value === gridSelect.value);
    if (picked) handlers.onGrid?.(picked.grid);
  });

  function headerCell(p: PreviewPayload, j: number): HTMLTableCellElement {
    const role = roleOf(p, j);
    const select = el('select', { 'data-column': String(j), title: ROLE_TITLES[role], 'aria-label': `role of column ${p.names[j]}` });
    for (const r of ['label', 'value', 'skip'] as const) select.append(el('option', { value: r }, r === 'skip' ? 'left out' : r));
    if (role === 'time') select.prepend(el('option', { value: 'time' }, 'time'));
    select.value = role;
    select.addEventListener('change', () => {
      const next = select.value as ColumnRole;
      if (next !== 'time') handlers.onChoice(withRole(p, j, next));
    });
    return el('th', { class: `role-${role}`, 'data-role': role }, el('div', {}, p.names[j]), select);
  }

  /** Shows a table's preview; null hides the card (a sample, or a format with no text columns). */
  function show(p: PreviewPayload | null, grid: GridSpec | null = null) {
    current = p;
    c.section.hidden = !p;
    if (!p) return;
    summary.replaceChildren(...summaryLines(p).map((l) => el('li', { 'data-inference': l.key }, l.text)));
    transpose.checked = p.transpose;
    c.section.dataset.transposed = String(p.transpose);
    c.section.dataset.shape = `${p.rows}x${p.cols}`;
    const shownGrid = grid ?? p.grid;
    gridLabel.hidden = !shownGrid || !handlers.onGrid;
    if (shownGrid) {
      grids = gridOptions(p.rows, p.grid, 6);
      if (!grids.some((g) => g.value === gridValue(shownGrid))) grids.push({ value: gridValue(shownGrid), label: gridValue(shownGrid).replace('image:', 'image '), grid: shownGrid });
      gridSelect.replaceChildren(...grids.map((g) => el('option', { value: g.value }, g.label)));
      gridSelect.value = gridValue(shownGrid);
    }
    const width = Math.min(p.names.length, PREVIEW_COLUMNS);
    const head = el('tr', {}, el('th', { class: 'row-number' }, '#'), ...Array.from({ length: width }, (_, j) => headerCell(p, j)));
    const body = p.head.map((row, i) =>
      el('tr', {}, el('td', { class: 'row-number' }, String(i + 1)), ...Array.from({ length: width }, (_, j) => el('td', { class: `role-${roleOf(p, j)}` }, row[j] ?? ''))),
    );
    table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...body));
    const more = p.names.length > width ? ` (the first ${width} of ${p.names.length} columns)` : '';
    note.textContent = `The first ${p.head.length} rows of ${p.fileName}${more}, as stored. ${p.transpose ? 'Read transposed: each row above is one observation.' : 'Each value column above is one observation.'}`;
  }

  function setDisabled(on: boolean) {
    for (const input of c.body.querySelectorAll('input, select')) (input as HTMLInputElement).disabled = on;
  }

  return { section: c.section, show, setDisabled };
}

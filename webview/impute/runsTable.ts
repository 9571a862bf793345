// The "Runs on this file" card: every run of the panel's file as a row (method, settings,
// validation and test metrics, time, backend), the best by validation marked, and a Compare
// button on each other run that overlays it with this one (the compare card in deep.ts).
import type { RunListEntry } from '../../src/protocol/impute';
import { card, el } from '../common/ui';
import { fmt } from './state';
import { runsTableRows } from './runsState';

export function createRunsTable(after: HTMLElement, compare: (runId: string) => void) {
  const runsCard = card('runs-card', 'Runs on this file');
  const holder = el('div', { id: 'runs-holder' }, el('p', { class: 'hint' }, 'No run yet.'));
  runsCard.body.append(
    el('p', { class: 'hint' }, 'Every Run is its own record (.lacuna/runs). Best: the lowest validation MAE (held-out observed entries, never the test targets). Test MAE and RMSE: the hidden targets, scored once at the end.'),
    holder,
  );
  after.after(runsCard.section);

  function update(runs: RunListEntry[]) {
    const rows = runsTableRows(runs);
    if (!rows.length) return;
    const head = ['', 'started (UTC)', 'method', 'settings', 'status', 'validation MAE', 'test MAE', 'test RMSE', 'time', 'backend', ''];
    const table = el(
      'table',
      { id: 'runs-table', 'data-rows': String(rows.length) },
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...rows.map((r) => {
          const button = el('button', { class: 'secondary compare-run', 'data-run-id': r.id, title: 'Overlay this run with the one this panel shows (metrics, loss curves, mask ratios)' }, 'Compare');
          button.addEventListener('click', () => compare(r.id));
          return el(
            'tr',
            { 'data-run-id': r.id, 'data-method': r.method, 'data-status': r.status, ...(r.best ? { 'data-best': 'true', class: 'best' } : {}), ...(r.current ? { 'data-current': 'true' } : {}) },
            el('td', {}, r.best ? '★ best' : r.current ? 'this run' : ''),
            el('td', {}, r.createdAt.slice(0, 19).replace('T', ' ')),
            el('td', {}, r.method),
            el('td', { class: 'settings' }, r.settings),
            el('td', {}, r.status),
            el('td', {}, r.validationMae === null ? '–' : fmt(r.validationMae)),
            el('td', { class: 'mae' }, r.mae === null ? '–' : fmt(r.mae)),
            el('td', {}, r.rmse === null ? '–' : fmt(r.rmse)),
            el('td', {}, r.seconds === null ? '–' : `${fmt(r.seconds)} s`),
            el('td', {}, r.backend ?? '–'),
            el('td', {}, r.current ? '' : button),
          );
        }),
      ),
    );
    holder.replaceChildren(table);
  }
  return { update };
}

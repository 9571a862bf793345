// The "Runs on this file" card: every run of the panel's file as a row (method, settings,
// validation and test metrics, time, backend), the best by validation marked, and a Compare
// button on each other run that overlays it with this one (the compare card in deep.ts). An
// `auto` run opens into its leaderboard: a sub-row per candidate (validation MAE, time, the
// setting chosen, or why it was skipped), the winner marked; the newest auto run starts open.
import type { RunListEntry } from '../../src/protocol/impute';
import { card, el } from '../common/ui';
import { fmt } from './state';
import { leaderboardRows, methodLabel, runsTableRows, type RunsTableRow } from './runsState';

export function createRunsTable(after: HTMLElement, compare: (runId: string) => void) {
  const runsCard = card('runs-card', 'Runs on this file');
  const holder = el('div', { id: 'runs-holder' }, el('p', { class: 'hint' }, 'No run yet.'));
  runsCard.body.append(
    el('p', { class: 'hint' }, 'Every Run is its own record (.lacuna/runs). Best: the lowest validation MAE (held-out observed entries, never the test targets). Test MAE and RMSE: the hidden targets, scored once at the end.'),
    holder,
  );
  after.after(runsCard.section);
  /** Which auto runs show their leaderboard (the user's toggles; the newest starts open). */
  const open = new Map<string, boolean>();

  function candidateRows(r: RunsTableRow, width: number): HTMLTableRowElement[] {
    return leaderboardRows(r.leaderboard ?? []).map((c) =>
      el(
        'tr',
        { class: `candidate${c.chosen ? ' chosen' : ''}`, 'data-candidate-of': r.id, 'data-candidate': c.method, ...(c.chosen ? { 'data-chosen': 'true' } : {}) },
        el('td', {}, c.chosen ? '✔ winner' : ''),
        el('td', {}, ''),
        el('td', { class: 'candidate-method' }, `${c.method} (${c.kind})`),
        el('td', { class: 'settings', colspan: '2' }, c.note),
        el('td', { class: 'validation' }, c.validationMae === null ? '–' : fmt(c.validationMae)),
        el('td', { colspan: '2' }, ''),
        el('td', {}, c.seconds === null ? '–' : `${fmt(c.seconds)} s`),
        el('td', { colspan: String(width - 9) }, ''),
      ),
    );
  }

  function update(runs: RunListEntry[]) {
    const rows = runsTableRows(runs);
    if (!rows.length) return;
    const newestAuto = rows.find((r) => r.leaderboard?.length);
    if (newestAuto && !open.has(newestAuto.id)) open.set(newestAuto.id, true);
    const head = ['', 'started (UTC)', 'method', 'settings', 'status', 'validation MAE', 'test MAE', 'test RMSE', 'time', 'backend', ''];
    const table = el(
      'table',
      { id: 'runs-table', 'data-rows': String(rows.length) },
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...rows.flatMap((r) => {
          const button = el('button', { class: 'secondary compare-run', 'data-run-id': r.id, title: 'Overlay this run with the one this panel shows (metrics, loss curves, mask ratios)' }, 'Compare');
          button.addEventListener('click', () => compare(r.id));
          const board = r.leaderboard?.length ? r.leaderboard : null;
          const shown = !!board && open.get(r.id) === true;
          const toggle = el('button', { class: 'secondary leaderboard-toggle', 'data-run-id': r.id, 'aria-expanded': String(shown), title: 'Show or hide auto’s leaderboard: every candidate’s validation MAE, the winner marked' }, `${shown ? '▾' : '▸'} leaderboard (${board?.length ?? 0})`);
          toggle.addEventListener('click', () => {
            open.set(r.id, !shown);
            update(runs);
          });
          const row = el(
            'tr',
            { 'data-run-id': r.id, 'data-method': r.method, 'data-status': r.status, ...(r.best ? { 'data-best': 'true', class: 'best' } : {}), ...(r.current ? { 'data-current': 'true' } : {}) },
            el('td', {}, r.best ? '★ best' : r.current ? 'this run' : ''),
            el('td', {}, r.createdAt.slice(0, 19).replace('T', ' ')),
            el('td', {}, methodLabel(r), ...(board ? [' ', toggle] : [])),
            el('td', { class: 'settings' }, r.settings),
            el('td', {}, r.status),
            el('td', {}, r.validationMae === null ? '–' : fmt(r.validationMae)),
            el('td', { class: 'mae' }, r.mae === null ? '–' : fmt(r.mae)),
            el('td', {}, r.rmse === null ? '–' : fmt(r.rmse)),
            el('td', {}, r.seconds === null ? '–' : `${fmt(r.seconds)} s`),
            el('td', {}, r.backend ?? '–'),
            el('td', {}, r.current ? '' : button),
          );
          return shown ? [row, ...candidateRows(r, head.length)] : [row];
        }),
      ),
    );
    holder.replaceChildren(table);
  }
  return { update };
}

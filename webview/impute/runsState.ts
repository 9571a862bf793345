// The runs table's rows, pure (no DOM): every run on the panel's file, newest first, and which is
// best. "Best" is by validation MAE (held-out observed entries, never the test targets); a run
// without a validation score cannot be best. Tested in Node (test/unit/webview.imputeRuns.test.ts).
import type { LeaderboardRow, RunListEntry, RunTableRow } from '../../src/protocol/impute';

export interface RunsTableRow extends RunTableRow {
  id: string;
  best: boolean;
}

export function runsTableRows(runs: RunListEntry[]): RunsTableRow[] {
  const rows = runs.filter((r) => r.row?.sameFile).map((r) => ({ ...r.row!, id: r.id, best: false }));
  rows.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1));
  let best: RunsTableRow | null = null;
  for (const r of rows) if (r.status === 'completed' && r.validationMae !== null && (!best || r.validationMae < best.validationMae!)) best = r;
  if (best) best.best = true;
  return rows;
}

/** The method as the table names it: `auto → winner` for an auto run with its leaderboard. */
export function methodLabel(row: Pick<RunTableRow, 'method' | 'leaderboard'>): string {
  const winner = row.leaderboard?.find((c) => c.chosen);
  return winner ? `${row.method} → ${winner.method}` : row.method;
}

/** An auto run's candidates as sub-rows: best validation first, skipped ones last with the reason. */
export function leaderboardRows(board: readonly LeaderboardRow[]): { method: string; kind: string; validationMae: number | null; seconds: number | null; note: string; chosen: boolean }[] {
  const ran = board.filter((c) => c.validationMae !== null).sort((a, b) => a.validationMae! - b.validationMae!);
  const skipped = board.filter((c) => c.validationMae === null);
  return [
    ...ran.map((c) => ({ method: c.method, kind: c.kind, validationMae: c.validationMae, seconds: c.seconds, note: c.setting, chosen: c.chosen })),
    ...skipped.map((c) => ({ method: c.method, kind: c.kind, validationMae: null, seconds: null, note: `skipped: ${c.skipped ?? 'not run'}`, chosen: c.chosen })),
  ];
}

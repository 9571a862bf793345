// The runs table's rows, pure (no DOM): every run on the panel's file, newest first, and which is
// best. "Best" is by validation MAE (held-out observed entries, never the test targets); a run
// without a validation score cannot be best. Tested in Node (test/unit/webview.imputeRuns.test.ts).
import type { RunListEntry, RunTableRow } from '../../src/protocol/impute';

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

// `auto` in the impute panel, the pure part (no DOM; tested in Node): its settings from the form,
// its progress in words, and its leaderboard as the run keeps it and the runs table shows it.
import type { AutoProgress, LeaderboardEntry } from '../../src/core/impute/auto';
import type { DeepMethod } from '../../src/core/impute/models';
import { MAX_AUTO_BUDGET_SECONDS, type AutoSettings, type LeaderboardRow } from '../../src/protocol/impute';

/** The settings from the form's text, or what is wrong with them. */
export function readAutoSettings(budgetText: string, learned: DeepMethod[]): AutoSettings | string {
  const budgetSeconds = Number(budgetText);
  if (budgetText.trim() === '' || !(budgetSeconds > 0) || budgetSeconds > MAX_AUTO_BUDGET_SECONDS) return `The budget must be a number of seconds, more than 0 and at most ${MAX_AUTO_BUDGET_SECONDS}.`;
  return { budgetSeconds, learned: [...new Set(learned)] };
}

/** "auto: knn (4 of 6 candidates scored, 12 s of 60 s)". */
export function autoProgressText(p: AutoProgress): string {
  const scored = p.leaderboard.filter((e) => !e.skipped).length;
  return `auto: ${p.stage === 'refit' ? 'refitting the winner' : p.stage}${p.detail ? ` (${p.detail})` : ''} · ${scored} scored · ${Math.round(p.elapsedSeconds)} s of ${Math.round(p.budgetSeconds)} s`;
}

/** The leaderboard as the run keeps it: validation MAE (null when skipped) per candidate, the winner marked. */
export function leaderboardOf(board: readonly LeaderboardEntry[], winner: string): LeaderboardRow[] {
  return board.map((e) => ({
    method: e.method,
    kind: e.kind,
    validationMae: Number.isFinite(e.validationMae) ? e.validationMae : null,
    seconds: e.seconds,
    setting: e.setting,
    chosen: e.method === winner,
    ...(e.skipped ? { skipped: e.skipped } : {}),
  }));
}

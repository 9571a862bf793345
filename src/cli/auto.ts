// `lacuna impute FILE` with no --method (or --method auto): every classical candidate and, time
// allowing, the learned ones, chosen on validation under a budget; the leaderboard printed.
import { runAuto, type AutoResult, type LeaderboardEntry } from '../core/impute/auto';
import { learnedCandidates } from '../core/impute/autoLearned';
import type { ImputationJobOptions } from '../core/impute/job';
import { DEEP_METHODS, type DeepMethod } from '../core/impute/models';
import type { MaskedMatrix } from '../core/matrix/masked';
import { fmt, textTable } from './common';
import { DEFAULT_AVERAGE_DECAY, DEFAULT_PATIENCE } from './deep';
import { backendOrder, nodeTf } from './nodeTf';
import type { Progress } from './progress';

export interface AutoCliOptions extends Omit<ImputationJobOptions, 'method'> {
  budgetSeconds: number;
  /** Learned candidates train only on rows without targets (see AutoOptions.inductive). */
  inductive?: boolean;
  /** The learned candidates (none: classical only). */
  learned: readonly DeepMethod[];
  backend?: 'wasm' | 'cpu' | 'webgpu';
  progress: Progress;
  /** Where a line per finished candidate goes (stderr), or null for none. */
  log: ((line: string) => void) | null;
}

export async function runAutoCli(data: MaskedMatrix, o: AutoCliOptions): Promise<AutoResult & { backend?: string }> {
  let backend: string | undefined;
  let learned: ReturnType<typeof learnedCandidates> = [];
  if (o.learned.length) {
    const t = await nodeTf(backendOrder(o.backend));
    backend = t.backend;
    // The learned models' defaults (early-stopping patience, weight averaging) as `--method` uses them.
    learned = learnedCandidates(t.tf as never, o.learned, { patience: DEFAULT_PATIENCE, average: DEFAULT_AVERAGE_DECAY });
  }
  const reported = new Set<string>();
  const result = await runAuto(data, {
    ...o,
    learned,
    onProgress: (p) => {
      for (const e of p.leaderboard) {
        if (reported.has(e.method)) continue;
        reported.add(e.method);
        o.log?.(`auto: ${e.method.padEnd(10)} ${e.skipped ? `skipped (${e.skipped})` : `validation MAE ${fmt(e.validationMae)} in ${e.seconds.toFixed(1)} s${e.setting ? `  [${e.setting}]` : ''}`}`);
      }
      o.progress.update(`auto: ${p.stage}${p.detail ? ` (${p.detail})` : ''}`, p.elapsedSeconds, p.budgetSeconds);
    },
  });
  return { ...result, backend };
}

export const AUTO_LEARNED_DEFAULT: readonly DeepMethod[] = DEEP_METHODS;

export function leaderboardTable(board: LeaderboardEntry[], winner: string): string {
  return textTable(
    ['method', 'kind', 'validation MAE', 'seconds', 'chosen on validation'],
    board.map((e) => [e.method === winner ? `${e.method} *` : e.method, e.kind, e.skipped ? '–' : fmt(e.validationMae), e.skipped ? '–' : e.seconds.toFixed(1), e.skipped ? `skipped: ${e.skipped}` : e.setting]),
  );
}

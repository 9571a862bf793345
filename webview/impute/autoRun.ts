// `auto` in the impute panel: the CLI's default method, run in the page by the one core
// implementation (core/impute/auto.ts): every classical candidate tuned and scored on the
// validation entries, their blend, and the learned candidates chosen here (trained on the
// panel's backend), within a time budget; the winner refitted and scored once on the targets.
// Its fields (budget, learned candidates) show only while `auto` is picked; Cancel stops it
// between candidates or within a learned candidate's step.
import * as tf from '@tensorflow/tfjs';
import { AutoCancelled, DEFAULT_AUTO_BUDGET_SECONDS, runAuto, type AutoProgress, type AutoResult } from '../../src/core/impute/auto';
import { learnedCandidates } from '../../src/core/impute/autoLearned';
import type { DeepMethod } from '../../src/core/impute/models';
import type { MaskedMatrix } from '../../src/core/matrix/masked';
import type { RunConfig } from '../../src/protocol/impute';
import { el } from '../common/ui';
import { autoProgressText, leaderboardOf, readAutoSettings } from './autoState';

export interface AutoRunner {
  /** Shows the fields for `method` (only `auto` has them). */
  select(method: string): void;
  /** The learned methods the page can train (once the backend is chosen). */
  offerLearned(methods: readonly DeepMethod[]): void;
  /** The settings from the fields, or what is wrong with them. */
  read(): RunConfig['auto'] | string;
  fill(settings: RunConfig['auto']): void;
  /** Runs auto; null when cancelled. */
  run(matrix: MaskedMatrix, config: RunConfig, hooks: AutoHooks): Promise<AutoResult | null>;
  setDisabled(on: boolean): void;
}

export interface AutoHooks {
  onProgress(text: string, fraction: number): void;
  isCancelled(): boolean;
  /** Most seconds a learned candidate's step may take on this backend (the panel's step budget). */
  stepBudgetSeconds: number;
}

export { leaderboardOf };

export function createAutoRunner(parent: HTMLElement): AutoRunner {
  const budget = el('input', { id: 'auto-budget', type: 'number', min: '1', step: '1', value: String(DEFAULT_AUTO_BUDGET_SECONDS), title: 'Budget (seconds): the wall-clock time the candidates may take, as the CLI’s --budget; the winner’s refit comes after' });
  const learnedBox = el('span', { id: 'auto-learned', class: 'checks' });
  const fields = el(
    'div',
    { class: 'controls', id: 'auto-fields', hidden: '' },
    el('label', { title: budget.title }, 'budget (s) ', budget),
    el('span', { title: 'Learned candidates, as the CLI’s --learned: trained on this panel’s backend within what the budget leaves, each learning the residual over the best classical candidate' }, 'learned candidates: ', learnedBox),
  );
  const hint = el('p', { class: 'hint', id: 'auto-hint', hidden: '' }, 'auto, as the CLI’s default: every classical method tuned on held-out observed entries (validation), a blend of those within 10% of the best, and the learned candidates ticked; the best on validation is refitted and scored once on the test targets. Its leaderboard appears in the runs table.');
  parent.append(fields, hint);

  return {
    select(method) {
      fields.hidden = hint.hidden = method !== 'auto';
    },
    offerLearned(methods) {
      learnedBox.replaceChildren(
        ...methods.map((m) => el('label', {}, el('input', { type: 'checkbox', 'data-learned': m, checked: '' }), ` ${m} `)),
      );
    },
    read() {
      const learned = [...learnedBox.querySelectorAll<HTMLInputElement>('input[data-learned]')].filter((c) => c.checked).map((c) => c.dataset.learned as DeepMethod);
      return readAutoSettings(budget.value, learned);
    },
    fill(settings) {
      if (!settings) return;
      budget.value = String(settings.budgetSeconds);
      for (const c of learnedBox.querySelectorAll<HTMLInputElement>('input[data-learned]')) c.checked = settings.learned.includes(c.dataset.learned as DeepMethod);
    },
    setDisabled(on) {
      for (const input of fields.querySelectorAll('input')) (input as HTMLInputElement).disabled = on;
    },
    async run(matrix, config, hooks) {
      const settings = config.auto!;
      const learned = settings.learned.length
        ? learnedCandidates(tf as never, settings.learned, {
            yieldEvery: 1,
            stepBudgetSeconds: hooks.stepBudgetSeconds,
            shouldStop: () => (hooks.isCancelled() ? 'cancel' : null),
          })
        : [];
      try {
        return await runAuto(matrix, {
          maskRatio: config.maskRatio,
          seed: config.seed,
          budgetSeconds: settings.budgetSeconds,
          learned,
          isCancelled: hooks.isCancelled,
          onProgress: (p: AutoProgress) => hooks.onProgress(autoProgressText(p), Math.min(1, p.elapsedSeconds / p.budgetSeconds)),
        });
      } catch (err) {
        if (err instanceof AutoCancelled) return null;
        throw err;
      }
    },
  };
}

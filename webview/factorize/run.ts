// One factorisation on the page, on either compute path, in time slices so the page stays
// responsive: tfjs (float32, on the page's backend) or the core's Float64 iterations. Progress
// is kept as it comes and handed on at most every so often; the factors are copied out.
import type * as tfType from '@tensorflow/tfjs';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { factorizeIterations, type FactorizeConfig, type FactorizeProgress, type FactorizeResult } from '../../src/core/factorize/job';
import { factorizeTf } from '../../src/core/factorize/jobTf';
import type { Matrix } from '../charts/factorViews';
import type { Factors } from './state';

/** Work per slice before the page gets the thread back (ms). */
export const SLICE_MS = 30;
/** Redraw the factors at most this often while running (ms). */
export const DRAW_EVERY_MS = 300;
/** Report progress to the host at most this often (ms). */
export const REPORT_EVERY_MS = 250;

export interface RunHooks {
  /** Show progress (every slice). */
  onProgress(p: FactorizeProgress, elapsedMs: number): void;
  /** Report progress to the host (throttled; always when a new objective came in). */
  onReport(p: FactorizeProgress, objective: number | null): void;
  /** New factors to draw (throttled; always at the end). */
  onFactors(factors: Factors): void;
  /** An iteration finished with this objective (every one, kept for the chart). */
  onObjective(iteration: number, objective: number): void;
  shouldStop(): boolean;
}

const copy = (m: Matrix): Matrix => ({ rows: m.rows, cols: m.cols, values: m.values.slice() });

/** Runs the job; the result, or null when it was stopped. */
export async function runFactorization(tf: typeof tfType, X: DenseMatrix, config: FactorizeConfig, path: 'tfjs' | 'float64', hooks: RunHooks): Promise<FactorizeResult | null> {
  const started = performance.now();
  let lastDraw = 0;
  let lastReport = 0;
  let pending: Factors | null = null;
  let latestObjective: number | null = null;
  let latest: FactorizeProgress | null = null;
  // Both paths report the same progress: kept here, shown and sent at most every so often.
  const note = (progress: FactorizeProgress) => {
    latest = progress;
    if (progress.finished) {
      hooks.onObjective(progress.iteration, progress.finished.objective);
      latestObjective = progress.finished.objective;
      pending = { D: copy(progress.finished.D), Lambda: copy(progress.finished.Lambda), iteration: progress.iteration, config };
    }
  };
  const flush = (final: boolean) => {
    const now = performance.now();
    if (latest) {
      hooks.onProgress(latest, now - started);
      if (now - lastReport > REPORT_EVERY_MS || latestObjective !== null) {
        hooks.onReport(latest, latestObjective);
        latestObjective = null;
        lastReport = now;
      }
    }
    if (pending && (now - lastDraw > DRAW_EVERY_MS || final)) {
      hooks.onFactors(pending);
      pending = null;
      lastDraw = performance.now();
    }
  };
  if (path === 'tfjs') {
    // The tfjs job gives the thread back every slice itself; progress is drawn as it comes.
    const outcome = await factorizeTf(tf, X, config, {
      sliceMs: SLICE_MS,
      onProgress: (p) => {
        note(p);
        flush(false);
      },
      shouldStop: hooks.shouldStop,
    });
    return outcome ?? null;
  }
  const job = factorizeIterations(X, config);
  let next: IteratorResult<FactorizeProgress, FactorizeResult>;
  while (true) {
    const sliceEnd = performance.now() + SLICE_MS;
    do {
      next = job.next();
      if (!next.done) note(next.value);
    } while (!next.done && performance.now() < sliceEnd && !hooks.shouldStop());
    flush(next.done === true);
    if (next.done) return next.value;
    if (hooks.shouldStop()) {
      job.return(undefined as never);
      return null;
    }
    // Give the page the thread: paint, input, messages.
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

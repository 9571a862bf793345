// `auto`: run the candidate imputers under a time budget, score each on the validation entries
// (observed entries the job hides itself, in rows no model trains on), pick the best, refit it on
// everything the protocol lets it see, and score the targets once at the end. A blend of the
// candidates within 10% of the best on validation (weights ∝ 1/validation MAE) is a candidate too,
// and wins only if it is best on validation.
// Learned models are candidates when the caller provides them (they need tfjs) and the budget
// leaves them time.
import type { MaskedMatrix } from '../matrix/masked';
import { CLASSICAL_METHODS, describeParams, refitClassical, tuneClassical, type ClassicalMethod, type ClassicalParams } from './classical';
import { DEFAULT_SEED, finalInput, prepareEvaluation, validationScore, type ImputationJobOptions, type ImputationJobResult } from './job';
import { knnCost } from './knn';
import { evaluate, type Metrics } from './metrics';
import { inductiveTrainRows, type HoldoutMasks } from './protocol';

/** A learned imputer as `auto` sees it: fitted within a time limit, then asked to predict. */
export interface LearnedCandidate {
  name: string;
  /**
   * Trains on `holdout.fitInput` (never on the validation entries or targets), for at most
   * `maxSeconds`; returns a predictor over any input of the same shape (observed entries kept).
   */
  fit(holdout: HoldoutMasks, maxSeconds: number, seed: number, onProgress?: (text: string) => void, base?: AutoBase): Promise<FittedLearned>;
}

/**
 * The base a learned candidate learns the residual over: the best classical candidate on
 * validation, refitted on whatever input it is given (so it never sees an entry hidden from it).
 */
export interface AutoBase {
  method: ClassicalMethod;
  /** The classical method with its validated setting, fitted on `input`. */
  impute(input: MaskedMatrix): Float64Array;
}

export interface FittedLearned {
  predict(input: MaskedMatrix): Promise<Float64Array>;
  setting: string;
  /** Why training ended ('early-stop' when validation stopped improving). */
  stopped?: string;
  /**
   * Trains on from where training ended, for at most `seconds` more; the model it returns
   * replaces this one (which it frees).
   */
  extend?(seconds: number): Promise<FittedLearned>;
  /** Frees the model (called once auto is done with it). */
  dispose(): void;
}

export interface AutoOptions extends Omit<ImputationJobOptions, 'method'> {
  /** Wall-clock budget in seconds for the candidates (default 300). */
  budgetSeconds?: number;
  /** The classical candidates, cheap ones first (default: every classical method). */
  classical?: readonly ClassicalMethod[];
  learned?: LearnedCandidate[];
  /**
   * Learned candidates learn the residual over the best classical candidate on validation
   * (default true); false: over each window's linear interpolation.
   */
  learnedBase?: boolean;
  /**
   * Inductive: learned candidates train only on rows that hold no target (the non-test months
   * with a truth file); default transductive (the targets' rows may be trained on, their
   * observed entries only).
   */
  inductive?: boolean;
  /** Blend the best few (default true; 3 members). */
  blend?: boolean;
  onProgress?: (p: AutoProgress) => void;
  /** Clock in ms (for tests). */
  now?: () => number;
  /**
   * For benchmarks: after the choice, also refit every candidate and report its target MAE in
   * `targetMae` (never used for choosing; costs a refit per candidate).
   */
  scoreAll?: boolean;
  /**
   * Checked before each candidate and before the refit (a panel's Cancel): true stops the run
   * with AutoCancelled. The work yields to the caller's event loop between candidates.
   */
  isCancelled?: () => boolean;
}

/** `auto` was cancelled (AutoOptions.isCancelled) before it finished. */
export class AutoCancelled extends Error {
  constructor() {
    super('auto was cancelled');
  }
}

export interface AutoProgress {
  /** The candidate being fitted, or 'refit' at the end. */
  stage: string;
  elapsedSeconds: number;
  budgetSeconds: number;
  /** The leaderboard so far. */
  leaderboard: LeaderboardEntry[];
  detail?: string;
}

export interface LeaderboardEntry {
  method: string;
  kind: 'classical' | 'learned' | 'blend';
  /** MAE on the validation entries (NaN when skipped). */
  validationMae: number;
  seconds: number;
  /** The setting chosen on validation, in words. */
  setting: string;
  /** Why the candidate did not run. */
  skipped?: string;
  /** With `scoreAll`: the candidate's own MAE on the targets, after the choice was made. */
  targetMae?: number;
}

export interface AutoResult extends ImputationJobResult {
  holdout: HoldoutMasks;
  validation: Metrics;
  /** Sorted: best validation MAE first, skipped candidates last. */
  leaderboard: LeaderboardEntry[];
  winner: string;
}

/** Default budget of the CLI: five minutes. */
export const DEFAULT_AUTO_BUDGET_SECONDS = 300;

/** What each classical candidate is expected to cost, in seconds, before running it (rough, conservative). */
function estimateSeconds(method: ClassicalMethod, m: MaskedMatrix): number {
  const cells = m.rows * m.cols;
  switch (method) {
    case 'knn':
      return (2 * knnCost(m)) / 5e7;
    case 'softimpute':
      return (2 * cells * Math.min(64, m.cols, m.rows) * 3 * 60) / 5e8;
    case 'neighbor':
      return cells / 2e6;
    default:
      return cells / 2e7;
  }
}

interface Ran {
  entry: LeaderboardEntry;
  prediction: Float64Array;
  /** The final fit on another input (the protocol's final input, or the full data). */
  final: (input: MaskedMatrix) => Promise<Float64Array>;
  /** A classical candidate's validated setting. */
  params?: ClassicalParams;
}

const BLEND_MEMBERS = 3;
/** At most this many seeds of the best learned candidate are averaged. */
export const ENSEMBLE_MEMBERS = 4;
/** A candidate joins the blend when its validation MAE is within this fraction of the best's. */
export const BLEND_TOLERANCE = 0.1;

/**
 * Which candidates join the blend, given their validation MAEs sorted best first: the best and
 * those within BLEND_TOLERANCE of it, at most BLEND_MEMBERS (indices into the sorted list).
 */
export function blendMembers(sortedMae: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < sortedMae.length && out.length < BLEND_MEMBERS; i++) if (sortedMae[i] <= sortedMae[0] * (1 + BLEND_TOLERANCE)) out.push(i);
  return out;
}

export async function runAuto(data: MaskedMatrix, options: AutoOptions = {}): Promise<AutoResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const elapsed = () => (now() - started) / 1000;
  const budget = options.budgetSeconds ?? DEFAULT_AUTO_BUDGET_SECONDS;
  const seed = options.seed ?? DEFAULT_SEED;
  const { setup, holdout, targets } = prepareEvaluation(data, options);
  const score = validationScore(holdout, data.cols);
  const ran: Ran[] = [];
  const skipped: LeaderboardEntry[] = [];
  const board = () => sortBoard([...ran.map((r) => r.entry), ...skipped]);
  const progress = (stage: string, detail?: string) => options.onProgress?.({ stage, elapsedSeconds: elapsed(), budgetSeconds: budget, leaderboard: board(), detail });
  /** Between candidates: let the caller's event loop run (a UI repaints, a Cancel lands), then honour a cancel. */
  const disposers: (() => void)[] = [];
  const checkpoint = async () => {
    if (options.isCancelled) await new Promise((resolve) => setTimeout(resolve, 0));
    if (options.isCancelled?.()) {
      for (const d of disposers) d();
      throw new AutoCancelled();
    }
  };

  for (const method of options.classical ?? CLASSICAL_METHODS) {
    const left = budget - elapsed();
    const estimate = estimateSeconds(method, holdout.fitInput);
    if (ran.length > 0 && estimate > left) {
      skipped.push({ method, kind: 'classical', validationMae: NaN, seconds: 0, setting: '', skipped: `needs about ${Math.ceil(estimate)} s, ${Math.max(0, Math.floor(left))} s left` });
      continue;
    }
    progress(method);
    await checkpoint();
    const t0 = now();
    const tuned = tuneClassical(method, holdout.fitInput, score, { seed, shouldStop: () => elapsed() > budget });
    const mae = score(tuned.prediction);
    ran.push({
      entry: { method, kind: 'classical', validationMae: mae, seconds: (now() - t0) / 1000, setting: describeParams(tuned.params) },
      prediction: tuned.prediction,
      final: async (input) => (input === holdout.fitInput ? tuned.prediction : refitClassical(tuned.params, input, seed)),
      params: tuned.params,
    });
  }

  const learned = options.learned ?? [];
  const learnHoldout: HoldoutMasks = options.inductive ? { ...holdout, trainRows: inductiveTrainRows(data, setup, holdout) } : holdout;
  // The base of the learned candidates: the classical candidate best on validation.
  let base: AutoBase | undefined;
  const bestClassical = ran.filter((r) => Number.isFinite(r.entry.validationMae)).sort((a, b) => a.entry.validationMae - b.entry.validationMae)[0];
  if (learned.length && (options.learnedBase ?? true) && bestClassical?.params) {
    const params = bestClassical.params;
    const onFit = bestClassical.prediction;
    // Each input is fitted once (the learned candidates and the final refit ask for the same ones).
    const fits = new WeakMap<MaskedMatrix, Float64Array>([[holdout.fitInput, onFit]]);
    base = {
      method: params.method,
      impute: (input) => {
        let fit = fits.get(input);
        if (!fit) fits.set(input, (fit = refitClassical(params, input, seed)));
        return fit;
      },
    };
  }
  // The learned candidates share what is left of the budget (a tenth is kept for the refit). With
  // several, they run in two rounds: each first trains for its part of half the time (a candidate
  // that stops early leaves its time to the next); the best of them on validation then continues
  // from where it stopped with what is left. Time still left when the best has stopped early goes
  // to more members of the same method (other seeds), and the members' validation-weighted average
  // is a candidate too: averaging models that err differently lowers the error.
  const learnedStart = budget * 0.9 - elapsed();
  const reserve = learned.length > 1 ? learnedStart / 2 : 0;
  const fitted: { ran: Ran; model: FittedLearned; candidate: LearnedCandidate }[] = [];
  const enter = async (candidate: LearnedCandidate, model: FittedLearned, t0: number, name = candidate.name): Promise<Ran> => {
    const prediction = await model.predict(holdout.fitInput);
    return {
      entry: { method: name, kind: 'learned', validationMae: score(prediction), seconds: (now() - t0) / 1000, setting: model.setting },
      prediction,
      final: (input) => (input === holdout.fitInput ? Promise.resolve(prediction) : model.predict(input)),
    };
  };
  const fitOne = async (candidate: LearnedCandidate, seconds: number, fitSeed: number, label = candidate.name) => {
    progress(label, `training for up to ${Math.round(seconds)} s`);
    await checkpoint();
    const model = await candidate.fit(learnHoldout, seconds, fitSeed, (text) => progress(label, text), base);
    disposers.push(() => model.dispose());
    return model;
  };
  for (let l = 0; l < learned.length; l++) {
    const candidate = learned[l];
    const left = budget * 0.9 - elapsed();
    const share = (left - reserve) / (learned.length - l);
    if (share < 5) {
      skipped.push({ method: candidate.name, kind: 'learned', validationMae: NaN, seconds: 0, setting: '', skipped: `${Math.max(0, Math.floor(left))} s left in the budget` });
      continue;
    }
    const t0 = now();
    try {
      const model = await fitOne(candidate, share, seed);
      const r = await enter(candidate, model, t0);
      ran.push(r);
      fitted.push({ ran: r, model, candidate });
    } catch (err) {
      if (err instanceof AutoCancelled) throw err;
      skipped.push({ method: candidate.name, kind: 'learned', validationMae: NaN, seconds: (now() - t0) / 1000, setting: '', skipped: `failed: ${(err as Error).message}` });
    }
  }
  const lead = fitted.filter((f) => Number.isFinite(f.ran.entry.validationMae)).sort((a, b) => a.ran.entry.validationMae - b.ran.entry.validationMae)[0];
  if (lead) {
    const t0 = now() - lead.ran.entry.seconds * 1000;
    let more = budget * 0.9 - elapsed();
    if (lead.model.extend && lead.model.stopped !== 'early-stop' && more >= 5) {
      progress(lead.candidate.name, `continuing for up to ${Math.round(more)} s`);
      await checkpoint();
      try {
        lead.model = await lead.model.extend(more);
        disposers.push(() => lead.model.dispose());
        const r = await enter(lead.candidate, lead.model, t0);
        Object.assign(lead.ran, r);
      } catch (err) {
        progress(lead.candidate.name, `could not continue: ${(err as Error).message}`);
      }
    }
    // More members (other seeds) while the last one stopped early and time is left, each with
    // all of it, up to ENSEMBLE_MEMBERS.
    const members: Ran[] = [lead.ran];
    let last = lead.model;
    for (let m = 1; m < ENSEMBLE_MEMBERS && last.stopped === 'early-stop' && (more = budget * 0.9 - elapsed()) >= 5; m++) {
      const label = `${lead.candidate.name} ×${m + 1}`;
      const t1 = now();
      try {
        last = await fitOne(lead.candidate, more, seed + 1000 * m, label);
        members.push(await enter(lead.candidate, last, t1, label));
      } catch (err) {
        if (err instanceof AutoCancelled) throw err;
        progress(label, `failed: ${(err as Error).message}`);
        break;
      }
    }
    if (members.length > 1) {
      const ensemble = weightedAverage(members);
      const prediction = ensemble.combine(members.map((r) => r.prediction));
      ran.push({
        entry: { method: `${lead.candidate.name} ×${members.length}`, kind: 'learned', validationMae: score(prediction), seconds: members.reduce((t, r) => t + r.entry.seconds, 0), setting: `average of ${members.length} seeds (${members.map((r) => `${r.entry.validationMae.toFixed(3)}: ${ensemble.weights[members.indexOf(r)].toFixed(2)}`).join(', ')})` },
        prediction,
        final: async (input) => ensemble.combine(await Promise.all(members.map((r) => r.final(input)))),
      });
    }
  }

  // The blend: the candidates that validation cannot tell apart from the best (validation MAE
  // within BLEND_TOLERANCE of the best's, at most BLEND_MEMBERS of them), weighted by 1/validation
  // MAE. Averaging methods that are about as good lowers the error where their mistakes differ;
  // a clearly worse member drags the blend towards its own error wherever the validation rows and
  // the target rows behave differently (the blend then wins validation and loses the targets), so
  // it is left out. The blend still has to beat the best single candidate on validation.
  const scored = ran.filter((r) => Number.isFinite(r.entry.validationMae)).sort((a, b) => a.entry.validationMae - b.entry.validationMae);
  if ((options.blend ?? true) && scored.length >= 2) {
    const members = blendMembers(scored.map((r) => r.entry.validationMae)).map((i) => scored[i]);
    if (members.length < 2) {
      skipped.push({ method: 'blend', kind: 'blend', validationMae: NaN, seconds: 0, setting: '', skipped: `no other candidate within ${Math.round(BLEND_TOLERANCE * 100)}% of the best validation MAE` });
    } else {
      const { weights: w, combine } = weightedAverage(members);
      const prediction = combine(members.map((r) => r.prediction));
      ran.push({
        entry: { method: 'blend', kind: 'blend', validationMae: score(prediction), seconds: 0, setting: members.map((r, i) => `${r.entry.method} ${w[i].toFixed(2)}`).join(' + ') },
        prediction,
        final: async (input) => combine(await Promise.all(members.map((r) => r.final(input)))),
      });
    }
  }

  const best = ran.filter((r) => Number.isFinite(r.entry.validationMae)).sort((a, b) => a.entry.validationMae - b.entry.validationMae)[0] ?? ran[0];
  progress('refit', `refitting ${best.entry.method} on everything observed`);
  await checkpoint();
  const validation: Metrics = evaluate(best.prediction, holdout.truth, holdout.validation, data.cols);
  const input = finalInput(setup);
  const prediction = await best.final(input);
  const metrics = evaluate(prediction, setup.truth, setup.targets, data.cols);
  const filled = setup.protocol === 'truth' ? prediction : await best.final(data);
  const imputed: MaskedMatrix = { ...data, values: filled, observed: new Uint8Array(data.rows * data.cols).fill(1) };
  if (options.scoreAll) {
    for (const r of ran) r.entry.targetMae = r === best ? metrics.mae : evaluate(await r.final(input), setup.truth, setup.targets, data.cols).mae;
  }
  for (const d of disposers) d();
  return { setup, holdout, targets, validation, metrics, prediction, imputed, leaderboard: board(), winner: best.entry.method };
}

/** Weights ∝ 1/validation MAE (summing to 1), and the weighted average of predictions with them. */
function weightedAverage(members: readonly Ran[]): { weights: number[]; combine: (preds: Float64Array[]) => Float64Array } {
  const raw = members.map((r) => 1 / Math.max(r.entry.validationMae, 1e-12));
  const total = raw.reduce((a, b) => a + b, 0);
  const weights = raw.map((x) => x / total);
  const combine = (preds: Float64Array[]) => {
    const out = new Float64Array(preds[0].length);
    preds.forEach((p, i) => {
      for (let k = 0; k < out.length; k++) out[k] += weights[i] * p[k];
    });
    return out;
  };
  return { weights, combine };
}

function sortBoard(entries: LeaderboardEntry[]): LeaderboardEntry[] {
  return entries.slice().sort((a, b) => {
    const fa = Number.isFinite(a.validationMae);
    const fb = Number.isFinite(b.validationMae);
    if (fa !== fb) return fa ? -1 : 1;
    return fa ? a.validationMae - b.validationMae : 0;
  });
}

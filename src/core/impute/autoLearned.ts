// The learned imputers as `auto` candidates: trained by the one trainer on the honest split (the
// fit input never holds a validation entry or a target), within the time share auto gives them.
import type * as tfType from '@tensorflow/tfjs';
import { withMask } from '../matrix/masked';
import type { FittedLearned, LearnedCandidate } from './auto';
import { rowRanges } from './protocol';
import { adaptiveSettings, baseHiddenEntries } from './deepJob';
import type { DeepMethod } from './models';
import { predictMatrix, trainImputer, type TrainedImputer, type TrainOptions } from './train';

type Tf = typeof tfType;

export function learnedCandidates(tf: Tf, methods: readonly DeepMethod[], base: TrainOptions = {}): LearnedCandidate[] {
  return methods.map((method) => ({
    name: method,
    async fit(holdout, maxSeconds, seed, onProgress, over) {
      const started = performance.now();
      const options: TrainOptions = {
        ...base,
        method,
        seed,
        maxSeconds,
        onProgress: (p) => onProgress?.(`epoch ${p.epoch + 1}, step ${p.step + 1}, loss ${p.loss.toFixed(4)}${p.validation !== undefined ? `, validation MAE ${p.validation.toFixed(3)}` : ''}`),
      };
      // The honest split, as the deep job uses it: windows inside the training rows, validation
      // (and early stopping) on the validation entries, in rows no training window touches.
      // Without validation rows (no time axis) the trainer holds out rows of its own.
      options.trainRows = rowRanges(holdout.trainRows);
      if (holdout.validationRanges.length) options.validation = { ranges: holdout.validationRanges, targets: holdout.validation, truth: holdout.truth };
      // Window and patch from the sampling interval and period, unless the caller set them.
      options.model = { ...adaptiveSettings(holdout.fitInput, method), ...base.model };
      // Over a base (the best classical candidate), the residual is learned as the deep job does:
      // the base is refitted without the entries training hides, on the validation input, and on
      // each input it predicts, so it never saw an entry the model is trained or scored on.
      let validationBase: Float64Array | undefined;
      if (over) {
        onProgress?.(`fitting the ${over.method} base`);
        const hidden = baseHiddenEntries(holdout.fitInput, holdout.train, seed);
        const trainInput = withMask(holdout.fitInput, holdout.fitInput.observed.map((o, k) => (o && !hidden[k] ? 1 : 0)));
        const trainBase = over.impute(trainInput);
        validationBase = over.impute(holdout.fitInput);
        options.base = { train: trainBase, hidden, validation: validationBase };
        options.maxSeconds = Math.max(1, maxSeconds - (performance.now() - started) / 1000);
      }
      const wrap = (trained: TrainedImputer): FittedLearned => {
        let disposed = false;
        const dispose = () => {
          if (!disposed) trained.model.dispose();
          disposed = true;
        };
        return {
          predict: (input) => predictMatrix(tf, trained, input, over ? (input === holdout.fitInput ? validationBase : over.impute(input)) : undefined),
          setting: `${trained.epochs} epochs, ${trained.steps} steps in ${trained.seconds.toFixed(0)} s (${trained.stopped})${over ? `, residual over ${over.method}` : ''}`,
          stopped: trained.stopped,
          // Training continues from the final state (weights, optimiser, the best weights so far and
          // the early-stopping count), on the same split, for `seconds` more.
          extend: async (seconds) => {
            const more = await trainImputer(tf, holdout.fitInput, { ...options, resume: trained.checkpoint, maxSeconds: trained.seconds + seconds });
            dispose();
            return wrap(more);
          },
          dispose,
        };
      };
      return wrap(await trainImputer(tf, holdout.fitInput, options));
    },
  }));
}

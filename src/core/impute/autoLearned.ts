// The learned imputers as `auto` candidates: trained by the one trainer on the honest split (the
// fit input never holds a validation entry or a target), within the time share auto gives them.
import type * as tfType from '@tensorflow/tfjs';
import type { LearnedCandidate } from './auto';
import { rowRanges } from './protocol';
import { MODEL_DEFAULTS, type DeepMethod } from './models';
import { predictMatrix, trainImputer, type TrainOptions } from './train';

type Tf = typeof tfType;

export function learnedCandidates(tf: Tf, methods: readonly DeepMethod[], base: TrainOptions = {}): LearnedCandidate[] {
  return methods.map((method) => ({
    name: method,
    async fit(holdout, maxSeconds, seed, onProgress) {
      const options: TrainOptions = {
        ...base,
        method,
        seed,
        maxSeconds,
        onProgress: (p) => onProgress?.(`epoch ${p.epoch + 1}, step ${p.step + 1}, loss ${p.loss.toFixed(4)}${p.validation !== undefined ? `, validation MAE ${p.validation.toFixed(3)}` : ''}`),
      };
      // One block of training rows followed by one of validation rows (the seed protocol with a
      // time axis): train there and validate on the validation entries, as the deep job does.
      // Otherwise (a truth file) the fit input already lacks every validation entry, and the
      // trainer validates on corrupted windows of its own training data.
      const steps = base.model?.steps ?? MODEL_DEFAULTS[method].steps;
      const trainRanges = rowRanges(holdout.trainRows);
      const v = holdout.validationRanges;
      if (trainRanges.length === 1 && v.length === 1 && v[0][1] - v[0][0] >= steps && trainRanges[0][1] - trainRanges[0][0] >= steps) {
        options.trainRows = trainRanges[0];
        options.validation = { rows: v[0], targets: holdout.validation, truth: holdout.truth };
      }
      const trained = await trainImputer(tf, holdout.fitInput, options);
      return {
        predict: (input) => predictMatrix(tf, trained, input),
        setting: `${trained.epochs} epochs, ${trained.steps} steps in ${trained.seconds.toFixed(0)} s (${trained.stopped})`,
        dispose: () => trained.model.dispose(),
      };
    },
  }));
}

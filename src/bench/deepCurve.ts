// The learning curve of a learned imputer on AQI-36: test MAE against training minutes, with
// the evaluation time kept off the training clock. Used by `npm run bench -- deep` with the
// CLI's defaults, and with LACUNA_CURVE_CONFIG (a JSON TrainOptions subset) to compare settings.
import { resolve } from 'node:path';
import { evaluate } from '../core/impute/metrics';
import { truthProtocol } from '../core/impute/protocol';
import { predictMatrix, trainImputer, type TrainOptions } from '../core/impute/train';
import { fileSource } from '../core/io/node';
import { readWideTable } from '../core/io/tables';
import type { TfNamespace } from '../core/tf/backend';

export interface CurvePoint {
  /** Training seconds (evaluation excluded). */
  minutes: number;
  step: number;
  epoch: number;
  validation: number;
  testMae: number;
  testRmse: number;
}

export async function loadAqi(root: string) {
  const dir = process.env.LACUNA_AQI_DIR ?? resolve(root, '../shared/data/aqi36');
  const input = await readWideTable(fileSource(`${dir}/pm25_missing.txt`));
  const truth = await readWideTable(fileSource(`${dir}/pm25_ground.txt`));
  return { input, truth, setup: truthProtocol(input, truth, [3, 6, 9, 12]) };
}

export async function aqiLearningCurve(
  tf: TfNamespace,
  root: string,
  train: TrainOptions,
  options: { evalEveryMinutes: number; log?: (p: CurvePoint) => void },
): Promise<{ points: CurvePoint[]; steps: number; trainMinutes: number; final: CurvePoint }> {
  const { input, setup } = await loadAqi(root);
  const points: CurvePoint[] = [];
  let evalSeconds = 0;
  let lastEval = 0;
  const score = async (model: Parameters<typeof predictMatrix>[1]['model'], norm: Parameters<typeof predictMatrix>[1]['norm']) => {
    const m = evaluate(await predictMatrix(tf, { model, norm }, setup.input), setup.truth, setup.targets, input.cols);
    return { mae: m.mae, rmse: m.rmse };
  };
  const trained = await trainImputer(tf, setup.input, {
    ...train,
    onEpoch: async (c, model, norm) => {
      const trainSeconds = c.seconds - evalSeconds;
      if (trainSeconds - lastEval < options.evalEveryMinutes * 60) return;
      lastEval = trainSeconds;
      const t0 = Date.now();
      const s = await score(model, norm);
      evalSeconds += (Date.now() - t0) / 1000;
      const p = { minutes: trainSeconds / 60, step: c.step, epoch: c.epoch, validation: c.history.at(-1)?.validation ?? NaN, testMae: s.mae, testRmse: s.rmse };
      points.push(p);
      options.log?.(p);
    },
  });
  const s = await score(trained.model, trained.norm);
  const final = { minutes: (trained.seconds - evalSeconds) / 60, step: trained.steps, epoch: trained.epochs, validation: trained.bestValidation, testMae: s.mae, testRmse: s.rmse };
  options.log?.(final);
  trained.model.dispose();
  return { points, steps: trained.steps, trainMinutes: final.minutes, final };
}

// The learning curve of a learned imputer on AQI-36, through the same deep job as the CLI (the
// honest split: validation entries in rows no training window touches): VALIDATION MAE against
// training minutes at every epoch end, and the test MAE once, at the end, for the kept model.
// Used by `npm run bench -- deep`, and by `node dist/bench.js --curve '{...}'` to compare
// settings, which it does by validation MAE only.
import { resolve } from 'node:path';
import { runDeepImputation, type DeepJobOptions } from '../core/impute/deepJob';
import { truthProtocol } from '../core/impute/protocol';
import type { TrainOptions } from '../core/impute/train';
import { fileSource } from '../core/io/node';
import { readWideTable } from '../core/io/tables';
import type { TfNamespace } from '../core/tf/backend';

export interface CurvePoint {
  /** Training minutes (validation passes included). */
  minutes: number;
  step: number;
  epoch: number;
  /** Validation MAE (data units) of the weights at this epoch end. */
  validation: number;
}

export interface CurveResult {
  points: CurvePoint[];
  steps: number;
  trainMinutes: number;
  /** The kept model (best validation): its validation MAE, and the targets scored once. */
  final: CurvePoint & { testMae: number; testRmse: number };
  settings: Record<string, number>;
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
  options: { log?: (p: CurvePoint) => void; seed?: number; inductive?: boolean; job?: Partial<DeepJobOptions> } = {},
): Promise<CurveResult> {
  const { input, truth } = await loadAqi(root);
  const points: CurvePoint[] = [];
  const job = await runDeepImputation(tf, input, {
    ...options.job,
    truth,
    testMonths: [3, 6, 9, 12],
    seed: options.seed ?? 0,
    inductive: options.inductive,
    train: {
      ...train,
      onProgress: (p) => {
        if (p.validation === undefined) return;
        const point = { minutes: p.seconds / 60, step: p.step + 1, epoch: p.epoch + 1, validation: p.validation };
        points.push(point);
        options.log?.(point);
      },
    },
  });
  const t = job.trained;
  const final = { minutes: t.seconds / 60, step: t.steps, epoch: t.epochs, validation: t.bestValidation, testMae: job.metrics.mae, testRmse: job.metrics.rmse };
  t.model.dispose();
  return { points, steps: t.steps, trainMinutes: t.seconds / 60, final, settings: job.settings };
}

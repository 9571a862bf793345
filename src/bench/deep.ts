// The learned imputers on AQI-36, with the honest protocol (validation entries in rows no
// training window touches; early stopping on them; the targets scored once at the end): the
// default learned method (ViT + GradNorm, the CLI's defaults) over seeds, transductive, and once
// inductive (trained only on the non-test months); then Adam against Shampoo by the training
// time each needs to reach the same validation MAE.
import { cpus, loadavg } from 'node:os';
import type { TrainOptions } from '../core/impute/train';
import type { TfNamespace } from '../core/tf/backend';
import { nodeTf } from '../cli/nodeTf';
import { DEFAULT_MAX_MINUTES } from '../cli/deep';
import { aqiLearningCurve, type CurveResult } from './deepCurve';
import type { BenchRow, BenchSection } from './harness';

const AQI = 'lacuna impute ../shared/data/aqi36/pm25_missing.txt --truth ../shared/data/aqi36/pm25_ground.txt --test-months 3,6,9,12 --locations ../shared/data/aqi36/pm25_latlng.txt';

function meanStd(xs: number[]): [number, number] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return [mean, std];
}

/** Minutes of training until the validation MAE first reaches `level` (null if never). */
export function minutesToReach(curve: CurveResult, level: number): number | null {
  const p = curve.points.find((q) => q.validation <= level);
  return p ? p.minutes : null;
}

async function seedRuns(tf: TfNamespace, root: string, seeds: number[]) {
  const rows: BenchRow[] = [];
  const tests: number[] = [];
  for (const seed of seeds) {
    const t0 = Date.now();
    const r = await aqiLearningCurve(tf, root, { method: 'vit', maxSeconds: DEFAULT_MAX_MINUTES * 60 }, { seed, log: (p) => process.stderr.write(`  vit seed ${seed}: ${JSON.stringify(p)}\n`) });
    tests.push(r.final.testMae);
    rows.push({
      case: `ViT + GradNorm, seed ${seed} (transductive): validation MAE ${r.final.validation.toFixed(2)}, test MAE **${r.final.testMae.toFixed(2)}**`,
      lacuna: (Date.now() - t0) / 1000,
      peer: null,
      peerName: '—',
      note: `${r.steps} steps; \`${AQI} --method vit --seed ${seed}\``,
    });
  }
  return { rows, tests };
}

export async function deepBench(root: string): Promise<BenchSection> {
  const load = loadavg().map((l) => l.toFixed(1)).join(', ');
  const { tf, backend } = await nodeTf(['wasm', 'cpu']);
  const seeds = Array.from({ length: Number(process.env.LACUNA_BENCH_DEEP_SEEDS ?? 3) }, (_, i) => i);
  const { rows, tests } = await seedRuns(tf, root, seeds);
  const [mean, std] = meanStd(tests);
  const t0 = Date.now();
  const inductive = await aqiLearningCurve(tf, root, { method: 'vit', maxSeconds: DEFAULT_MAX_MINUTES * 60 }, { seed: 0, inductive: true });
  rows.push({
    case: `ViT + GradNorm, seed 0, inductive (trained on the non-test months only): test MAE **${inductive.final.testMae.toFixed(2)}**`,
    lacuna: (Date.now() - t0) / 1000,
    peer: null,
    peerName: '—',
    note: `${inductive.steps} steps; \`${AQI} --method vit --inductive\``,
  });

  return {
    title: 'Learned imputers: AQI-36 (honest protocol)',
    intro:
      `Training in Node on the ${backend} backend (single-threaded wasm SIMD). The protocol is the job's honest split: validation entries are observed entries the job hides (in the targets' missing pattern) at the end of each run of non-test months; no training window touches those rows; early stopping and every setting use validation only; the test months' targets are scored once, at the end. ` +
      `The default learned method (ViT + GradNorm, the CLI's defaults, 25-minute cap) over seeds ${seeds.join(', ')}: test MAE **${mean.toFixed(2)} ± ${std.toFixed(2)}** (mean ± std). Load average at the start: ${load} on ${cpus().length} cores (the machine was shared; wall times are upper bounds). Published: linear interpolation 14.68, BRITS 14.50, GRIN 12.08, SPIN-H 10.89, PriSTI 9.03.`,
    commands: ['npm run bench -- deep', `${AQI} --method vit --seed S [--inductive]`],
    rows,
  };
}

/** Adam against Shampoo on AQI-36: the training time each needs to reach the same validation MAE. */
export async function optimizerBench(root: string): Promise<BenchSection> {
  const load = loadavg().map((l) => l.toFixed(1)).join(', ');
  const { tf, backend } = await nodeTf(['wasm', 'cpu']);
  const optimizerMinutes = Number(process.env.LACUNA_BENCH_DEEP_MINUTES ?? 6);
  // Adam against Shampoo: the same model and budget; the level is the worse of the two best
  // validation MAEs (both reach it), and each row is the training time to first reach it.
  const runs: [string, TrainOptions][] = [
    ['adam', { method: 'vit', optimizer: 'adam', maxSeconds: optimizerMinutes * 60 }],
    ['shampoo', { method: 'vit', optimizer: 'shampoo', maxSeconds: optimizerMinutes * 60 }],
  ];
  const curves: CurveResult[] = [];
  for (const [, train] of runs) curves.push(await aqiLearningCurve(tf, root, train, { seed: 0 }));
  const level = Math.max(...curves.map((c) => c.final.validation));
  const [adamMinutes, shampooMinutes] = curves.map((c) => minutesToReach(c, level));
  const optimizerTable = [
    `| optimiser | best validation MAE | steps | minutes to validation MAE ≤ ${level.toFixed(2)} |`,
    '|---|---|---|---|',
    ...runs.map(([name], i) => `| ${name} | ${curves[i].final.validation.toFixed(3)} | ${curves[i].steps} | ${[adamMinutes, shampooMinutes][i]?.toFixed(2) ?? 'never'} |`),
  ].join('\n');

  return {
    title: 'Adam against Shampoo on AQI-36',
    intro: `The ViT (CLI defaults otherwise, seed 0, honest protocol, ${optimizerMinutes} minutes each at most, early stopping on validation) with Adam and with Shampoo (inverse fourth roots of the Kronecker factors every 10 steps, by the coupled Newton iteration), both at the default learning rate. The level is the worse of the two best validation MAEs, which both reach; the time is training time to first reach it (validation passes included). Backend ${backend}. Load average at the start: ${load} on ${cpus().length} cores (the machine was shared).`,
    commands: ['npm run bench -- optim'],
    rows: [],
    extra: optimizerTable,
  };
}

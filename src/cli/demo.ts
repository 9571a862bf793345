// `lacuna demo` (auto on the embedded traffic sample, with its leaderboard) and `lacuna sample`
// (that sample written out as CSV and locations, to try `lacuna impute` on).
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { writeFileAtomic } from '../core/io/node';
import { writeDelimited } from '../core/io/read';
import { DEFAULT_MASK_RATIO, DEFAULT_SEED } from '../core/impute/job';
import { trafficSample } from '../core/sample';
import { durationFlag, jsonNumber, pct, UsageError, type Io } from './common';
import { createProgress } from './progress';
import { leaderboardTable, runAutoCli } from './auto';
import { describeMatrix, metricsTable, parseLearned } from './impute';

export const DEMO_USAGE = `  lacuna demo [--budget 60s] [--learned kron,vit,unet|none] [--json]
                                run auto on the embedded traffic sample and show its leaderboard
  lacuna sample DIR             write the embedded sample (CSV and locations) into DIR`;

/** The demo's budget: the whole run stays under two minutes on two shared cores. */
const DEMO_BUDGET_SECONDS = 60;

export async function demoCommand(args: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args, options: { json: { type: 'boolean', default: false }, budget: { type: 'string' }, learned: { type: 'string' } } });
  const budgetSeconds = durationFlag('budget', values.budget) ?? DEMO_BUDGET_SECONDS;
  const { matrix } = trafficSample();
  const progress = createProgress(io.stderr, !values.json);
  const t0 = performance.now();
  let auto;
  try {
    auto = await runAutoCli(matrix, {
      maskRatio: DEFAULT_MASK_RATIO,
      seed: DEFAULT_SEED,
      budgetSeconds,
      learned: parseLearned(values.learned),
      progress,
      log: values.json
        ? null
        : (line) => {
            progress.done();
            io.stderr.write(line + '\n');
          },
    });
  } finally {
    progress.done();
  }
  const seconds = (performance.now() - t0) / 1000;
  if (values.json) {
    io.stdout.write(
      JSON.stringify({
        sample: 'traffic',
        shape: [matrix.rows, matrix.cols],
        targets: auto.targets,
        winner: auto.winner,
        backend: auto.backend,
        leaderboard: auto.leaderboard.map((e) => ({ ...e, validationMae: jsonNumber(e.validationMae) })),
        metrics: { mae: auto.metrics.mae, rmse: auto.metrics.rmse, mse: auto.metrics.mse, mre: auto.metrics.mre },
        seconds,
      }) + '\n',
    );
    return 0;
  }
  io.stdout.write(
    [
      'Lacuna demo: auto on the embedded traffic sample (hourly counts from sensors on an H3 grid)',
      `  matrix    ${describeMatrix(matrix)}`,
      `  protocol  hide ${pct(DEFAULT_MASK_RATIO)} of observed nonzero entries (seed ${DEFAULT_SEED}); validate on the hidden entries of rows 70-85%, score the last 15% of rows`,
      `  budget    ${budgetSeconds} s${auto.backend ? `; learned models on ${auto.backend}` : ''}`,
      '',
      'Leaderboard (validation MAE; * the winner, refitted on everything observed):',
      leaderboardTable(auto.leaderboard, auto.winner),
      '',
      `The winner on the ${auto.targets} targets (scored once):`,
      metricsTable([{ name: `auto → ${auto.winner}`, metrics: auto.metrics, seconds }]),
      '',
      'Try it on your own file: lacuna impute FILE [--locations FILE]   (lacuna --help for more)',
    ].join('\n') + '\n',
  );
  return 0;
}

export async function sampleCommand(args: string[], io: Io): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new UsageError('sample needs a DIR to write into');
  const dir = resolve(positionals[0]);
  await mkdir(dir, { recursive: true });
  const { matrix, locations } = trafficSample();
  const dataPath = join(dir, 'traffic.csv');
  const locPath = join(dir, 'traffic_locations.csv');
  await writeFileAtomic(dataPath, writeDelimited(matrix, { indexName: 'time' }));
  await writeFileAtomic(locPath, ['sensor_id,latitude,longitude\n', ...locations.map((l) => `${l.id},${l.lat},${l.lng}\n`)].join(''));
  io.stdout.write(`Wrote ${dataPath}\nWrote ${locPath}\nTry: lacuna impute ${dataPath} --locations ${locPath}\n`);
  return 0;
}


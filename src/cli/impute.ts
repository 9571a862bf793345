// `lacuna impute`: read a matrix (any supported format), impute it with a classical method,
// a learned one or `auto`, score the held-out entries and write the filled matrix beside the
// input through writeImputed (the one writer the extension uses too).
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileSource, prepareOutputPath, resolveOutputPath } from '../core/io/node';
import { DUPLICATE_POLICIES } from '../core/io/timeAxis';
import { guardMemory, imputeNeed } from '../core/guard';
import { imputedPath, readMatrix, type ReadResult } from '../core/io/read';
import { writeImputed } from '../core/impute/output.node';
import type { ByteSource } from '../core/io/source';
import { parseDuration, type Aggregation } from '../core/io/tables';
import { CLASSICAL_METHODS, describeParams, type ClassicalMethod } from '../core/impute/classical';
import { DEFAULT_MASK_RATIO, DEFAULT_SEED, runImputation, type ImputationJobResult } from '../core/impute/job';
import type { Metrics } from '../core/impute/metrics';
import { summarize, type MaskedMatrix } from '../core/matrix/masked';
import { durationFlag, fmt, jsonNumber, oneOf, parseNumberFlag, pct, SHAPE_OPTIONS, shapeChoice, shapeJson, textTable, UsageError, type Io } from './common';
import type { ShapeChoice } from '../core/io/shape';
import { withProgress } from './progress';
import { AUTO_LEARNED_DEFAULT, leaderboardTable, runAutoCli } from './auto';
import { DEFAULT_AUTO_BUDGET_SECONDS, type AutoResult } from '../core/impute/auto';
import { DEEP_OPTIONS, DEEP_USAGE, runDeep } from './deep';
import { DEEP_METHODS, type DeepMethod } from '../core/impute/models';

export const IMPUTE_USAGE = `  lacuna impute FILE [--locations FILE] [--truth FILE] [--test-months 3,6,9,12]
                     [--mask-ratio 0.8] [--seed N]
                     [--method auto|neighbor|mean|linear|softimpute|knn|seasonal|kron|vit|unet]
                     [--budget 5m] [--learned kron,vit,unet|none] [--inductive]   (auto, the default)
                     [--h3-res N] [--time-bin 15m] [--aggregate mean|sum]
                     [--empty-bins missing|zero] [--unlisted zero|missing]
                     [--duplicates error|mean|sum|first] [--out FILE|DIR/] [--json]
                     [--transpose|--no-transpose] [--label-columns COLS|none] [--columns COLS]
${DEEP_USAGE}`;

/** A file source that reports how many bytes were read, for the progress bar. */
function countingSource(path: string, onBytes: (read: number, total: number) => void): ByteSource {
  const inner = fileSource(path);
  let total = 0;
  try {
    total = statSync(path).size;
  } catch {
    // reading will raise the real error
  }
  return {
    name: inner.name,
    async *chunks() {
      let read = 0;
      for await (const chunk of inner.chunks()) {
        read += chunk.length;
        onBytes(read, total);
        yield chunk;
      }
    },
  };
}

export function metricsTable(rows: { name: string; metrics: Metrics; seconds: number }[]): string {
  const head = ['method', 'MAE', 'RMSE', 'MSE', 'MRE', 'MAE nonzero', 'MAE zero', 'seconds'];
  const body = rows.map((r) => [
    r.name,
    fmt(r.metrics.mae),
    fmt(r.metrics.rmse),
    fmt(r.metrics.mse),
    fmt(r.metrics.mre, 4),
    fmt(r.metrics.nonzero.mae),
    fmt(r.metrics.zero.mae),
    r.seconds.toFixed(3),
  ]);
  return textTable(head, body);
}

export function describeMatrix(m: MaskedMatrix): string {
  const s = summarize(m);
  return `${s.rows} x ${s.cols}, ${pct(s.observedFraction)} observed, ${pct(s.zeroFractionOfObserved)} of observed are zero${s.timeRange ? `, ${s.timeRange[0]} to ${s.timeRange[1]}` : ''}`;
}

/** The truth file is read as the input was: the same columns and orientation, decided once. */
function sameShape(read: ReadResult, given: ShapeChoice): ShapeChoice {
  if (!read.shape) return given;
  return { labelColumns: read.shape.labelColumns, valueColumns: read.shape.valueColumns, transpose: read.shape.transpose };
}

function parseMonths(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const months = text.split(',').map((t) => Number(t.trim()));
  if (months.some((m) => !Number.isInteger(m) || m < 1 || m > 12)) throw new UsageError(`--test-months expects months 1-12 separated by commas, found "${text}"`);
  return months;
}

export function parseLearned(text: string | undefined): readonly DeepMethod[] {
  if (text === undefined) return AUTO_LEARNED_DEFAULT;
  if (text.trim() === 'none') return [];
  const names = text.split(',').map((t) => t.trim());
  for (const n of names) if (!(DEEP_METHODS as readonly string[]).includes(n)) throw new UsageError(`--learned expects learned methods (${DEEP_METHODS.join(', ')}) separated by commas, or none; found "${n}"`);
  return names as DeepMethod[];
}

export async function imputeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      locations: { type: 'string' },
      truth: { type: 'string' },
      'test-months': { type: 'string' },
      'mask-ratio': { type: 'string' },
      seed: { type: 'string' },
      method: { type: 'string' },
      'h3-res': { type: 'string' },
      'time-bin': { type: 'string' },
      aggregate: { type: 'string' },
      'empty-bins': { type: 'string' },
      unlisted: { type: 'string' },
      duplicates: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      budget: { type: 'string' },
      learned: { type: 'string' },
      ...SHAPE_OPTIONS,
      ...DEEP_OPTIONS,
    },
  });
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'impute needs a FILE' : `impute takes one FILE, found ${positionals.length}`);
  const input = resolve(positionals[0]);
  const method = oneOf<'auto' | ClassicalMethod | DeepMethod>('method', values.method, ['auto', ...CLASSICAL_METHODS, ...DEEP_METHODS]) ?? 'auto';
  const deep = (DEEP_METHODS as readonly string[]).includes(method) ? (method as DeepMethod) : null;
  if (!deep) {
    const given = Object.keys(DEEP_OPTIONS).filter((k) => k !== 'resume' && !(method === 'auto' && (k === 'backend' || k === 'inductive')) && values[k as keyof typeof values] !== undefined);
    if (given.length) throw new UsageError(`--${given[0]} applies to the learned methods (kron, vit, unet), not ${method}`);
  }
  if (method !== 'auto') for (const flag of ['budget', 'learned'] as const) if (values[flag] !== undefined) throw new UsageError(`--${flag} applies to --method auto (the default), not ${method}`);
  const budgetSeconds = durationFlag('budget', values.budget) ?? DEFAULT_AUTO_BUDGET_SECONDS;
  const learned = parseLearned(values.learned);
  const saveDir = values['save-model'] !== undefined ? resolve(values['save-model']) : undefined;
  const maskRatio = parseNumberFlag('mask-ratio', values['mask-ratio'], (v) => v > 0 && v <= 1, 'a fraction in (0, 1]');
  const seed = parseNumberFlag('seed', values.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  const h3Resolution = parseNumberFlag('h3-res', values['h3-res'], (v) => Number.isInteger(v) && v >= 0 && v <= 15, 'an integer from 0 to 15');
  let timeBinMs: number | undefined;
  if (values['time-bin'] !== undefined) {
    try {
      timeBinMs = parseDuration(values['time-bin']);
    } catch (err) {
      throw new UsageError(`--time-bin ${(err as Error).message}`);
    }
  }
  const aggregate = oneOf<Aggregation>('aggregate', values.aggregate, ['mean', 'sum']);
  const emptyBins = oneOf('empty-bins', values['empty-bins'], ['missing', 'zero'] as const);
  const unlisted = oneOf('unlisted', values.unlisted, ['zero', 'missing'] as const);
  const duplicates = oneOf('duplicates', values.duplicates, DUPLICATE_POLICIES);
  const shape = shapeChoice(values);
  const testMonths = parseMonths(values['test-months']);
  if (testMonths && !values.truth) throw new UsageError('--test-months applies to --truth; give a truth file too');
  if (values.truth && maskRatio !== undefined) throw new UsageError('--mask-ratio applies when there is no --truth file; choose one protocol');

  const outPath = values.out !== undefined ? resolveOutputPath(values.out, imputedPath(input, 'wide')) : '';
  const protect = [input, values.truth, values.locations].filter((p): p is string => !!p).map((p) => resolve(p));
  if (values.out !== undefined && protect.includes(outPath)) throw new Error(`refusing to write over the input file ${outPath}; choose another --out`);

  const started = performance.now();
  return withProgress(io.stderr, !values.json, async (progress) => {
    const onBytes = (label: string) => (read: number, total: number) => progress.update(`reading ${label}`, read, total);
    const locations = values.locations ? countingSource(resolve(values.locations), onBytes(basename(values.locations))) : undefined;
    const read = await readMatrix(countingSource(input, onBytes(basename(input))), { h3Resolution, timeBinMs, aggregate, emptyBins, unlisted, duplicates, locations, shape });
    let truth: MaskedMatrix | undefined;
    if (values.truth) {
      truth = (await readMatrix(countingSource(resolve(values.truth), onBytes(basename(values.truth))), { format: read.format, delimiter: read.delimiter, unlisted, duplicates, shape: sameShape(read, shape) })).matrix;
    }
    guardMemory(imputeNeed(read.matrix.rows, read.matrix.cols, method));
    progress.update(`imputing (${method})`, 0, 0);
    let job: ImputationJobResult;
    let training: DeepSummary | undefined;
    let setting = '';
    let auto: (AutoResult & { backend?: string }) | undefined;
    if (method === 'auto') {
      const backend = oneOf('backend', values.backend, ['wasm', 'cpu', 'webgpu'] as const);
      auto = await runAutoCli(read.matrix, {
        truth,
        testMonths,
        maskRatio,
        seed,
        budgetSeconds,
        learned,
        inductive: values.inductive,
        backend,
        progress,
        log: values.json ? null : (line) => {
          progress.done();
          io.stderr.write(line + '\n');
        },
      });
      job = auto;
    } else if (deep) {
      if (saveDir && protect.some((p) => p.startsWith(saveDir + '/') || p === saveDir)) throw new Error(`refusing to save the model over the input files in ${saveDir}`);
      const run = await runDeep(deep, { ...values, 'save-model': saveDir }, read.matrix, { truth, testMonths, maskRatio, seed }, (p, total) => {
        const v = p.validation !== undefined ? `, validation MAE ${p.validation.toFixed(3)}` : '';
        progress.update(`training ${deep} (epoch ${p.epoch + 1}/${total.epochs}, step ${p.step + 1}, loss ${p.loss.toFixed(4)}${v})`, p.epoch, total.epochs);
      });
      job = run.job;
      const t = run.job.trained;
      training = { backend: run.backend, steps: t.steps, epochs: t.epochs, trainSeconds: t.seconds, stopped: t.stopped, bestValidation: t.bestValidation, weights: t.history.at(-1)?.weights ?? [1, 1], savedTo: saveDir, loaded: run.loaded };
    } else {
      const classical = runImputation(read.matrix, { method: method as ClassicalMethod, truth, testMonths, maskRatio, seed });
      job = classical;
      setting = describeParams(classical.params);
    }
    const target = values.out !== undefined ? await prepareOutputPath(values.out, imputedPath(input, read.format)) : imputedPath(input, read.format);
    progress.update(`writing ${basename(target)}`, 0, 0);
    await writeImputed(input, read, job.imputed, { out: target, protect });
    const seconds = (performance.now() - started) / 1000;
    return () => report(io, { input, read, job, method: auto ? `auto → ${auto.winner}` : method, auto, setting, seconds, outPath: target, json: values.json, truthPath: values.truth, testMonths, maskRatio, seed, training });
  });
}

function report(
  io: Io,
  r: {
    input: string;
    read: ReadResult;
    job: ImputationJobResult;
    method: string;
    auto?: AutoResult & { backend?: string };
    setting?: string;
    seconds: number;
    training?: DeepSummary;
    outPath: string;
    json: boolean;
    truthPath?: string;
    testMonths?: number[];
    maskRatio?: number;
    seed?: number;
  },
) {
  const m = r.read.matrix;
  const metrics = r.job.metrics;
  if (r.json) {
    const errorStats = (s: Metrics['nonzero']) => ({ count: s.count, mae: jsonNumber(s.mae), rmse: jsonNumber(s.rmse), mse: jsonNumber(s.mse) });
    io.stdout.write(
      JSON.stringify({
        method: r.method,
        shape: [m.rows, m.cols],
        targets: r.job.targets,
        metrics: { mae: jsonNumber(metrics.mae), rmse: jsonNumber(metrics.rmse), mse: jsonNumber(metrics.mse), mre: jsonNumber(metrics.mre) },
        losses: { nonzero: errorStats(metrics.nonzero), zero: errorStats(metrics.zero) },
        ...(r.read.shape ? { table: shapeJson(r.read.shape) } : {}),
        perColumn: metrics.perColumn.map((c) => ({ id: m.colIds[c.column], ...errorStats(c) })),
        protocol: r.job.setup.protocol,
        // The values used (the defaults when not given), as the text report shows them.
        seed: r.seed ?? DEFAULT_SEED,
        ...(r.job.setup.protocol === 'truth' ? { testMonths: r.testMonths ?? null } : { maskRatio: r.maskRatio ?? DEFAULT_MASK_RATIO }),
        ...(r.job.validation ? { validation: { count: r.job.validation.count, mae: jsonNumber(r.job.validation.mae) } } : {}),
        ...(r.setting ? { setting: r.setting } : {}),
        ...(r.auto
          ? {
              auto: {
                winner: r.auto.winner,
                backend: r.auto.backend,
                leaderboard: r.auto.leaderboard.map((e) => ({ ...e, validationMae: jsonNumber(e.validationMae) })),
              },
            }
          : {}),
        ...(r.training ? { training: { ...r.training, bestValidation: jsonNumber(r.training.bestValidation) } } : {}),
        seconds: r.seconds,
        output: r.outPath,
      }) + '\n',
    );
    return;
  }
  const protocol =
    r.job.setup.protocol === 'truth'
      ? `truth file ${basename(r.truthPath!)}${r.testMonths ? `, months ${r.testMonths.join(',')}` : ''}`
      : `hide ${pct(r.maskRatio ?? DEFAULT_MASK_RATIO)} of observed nonzero entries (seed ${r.seed ?? DEFAULT_SEED}), score the ${m.times ? 'last 15% of rows' : 'test 15% of entries'}`;
  const lines = [
    `Lacuna impute: ${basename(r.input)} (${r.read.format})`,
    `  matrix    ${describeMatrix(m)}`,
    ...r.read.notes.map((n) => `  note      ${n}`),
    `  protocol  ${protocol}`,
    `  targets   ${r.job.targets}`,
    ...(r.job.validation ? [`  validate  MAE ${fmt(r.job.validation.mae)} on ${r.job.validation.count} held-out observed entries${r.setting ? ` (chosen there: ${r.setting})` : ''}`] : []),
    ...(r.training ? [trainingLine(r.training)] : []),
    ...(r.auto ? ['', `Leaderboard (validation MAE; * the winner, refitted on everything observed${r.auto.backend ? `; learned models on ${r.auto.backend}` : ''}):`, leaderboardTable(r.auto.leaderboard, r.auto.winner), '', 'The winner on the targets (scored once):'] : []),
    '',
    metricsTable([{ name: r.method, metrics, seconds: r.seconds }]),
    '',
    `Worst columns by MAE: ${worstColumns(metrics, m.colIds)}`,
    `Wrote ${r.outPath}`,
  ];
  io.stdout.write(lines.join('\n') + '\n');
}

interface DeepSummary {
  backend: string;
  steps: number;
  epochs: number;
  trainSeconds: number;
  stopped: string;
  bestValidation: number;
  weights: [number, number];
  savedTo?: string;
  loaded: boolean;
}

function trainingLine(t: DeepSummary): string {
  const saved = t.savedTo ? `; model saved to ${t.savedTo}` : '';
  const from = t.loaded ? 'loaded model, ' : '';
  return `  training  ${from}${t.epochs} epochs, ${t.steps} steps in ${t.trainSeconds.toFixed(1)} s on ${t.backend} (stopped: ${t.stopped}), best validation MAE ${fmt(t.bestValidation)}, final GradNorm weights w_nz ${t.weights[0].toFixed(3)} w_z ${t.weights[1].toFixed(3)}${saved}`;
}

function worstColumns(metrics: Metrics, ids: string[], k = 3): string {
  return metrics.perColumn
    .filter((c) => c.count > 0)
    .sort((a, b) => b.mae - a.mae)
    .slice(0, k)
    .map((c) => `${ids[c.column]} ${fmt(c.mae)} (n=${c.count})`)
    .join(', ');
}


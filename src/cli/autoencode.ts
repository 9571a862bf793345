// `lacuna autoencode`: train the magnitude autoencoder on a point file or a built-in sample, and
// score its 2-D map against exact PCA and exact t-SNE by ρ(w_X, w_code), the Pearson
// correlation of the input's weighting vector with the map's, both at the same scale t.
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pca } from '../core/embed/pca';
import { tsne } from '../core/embed/tsne';
import { fileSource, writeFileAtomic } from '../core/io/node';
import {
  ARCHITECTURES, WEIGHTING_SOLVERS, codeRho, codesCsv, defaultAutoencoderConfig, exactWeights, suggestedScale, trainAutoencoder,
  type Architecture, type AutoencoderConfig, type AutoencoderResult,
} from '../core/magnitude/autoencoder/index';
import { mnistPoints } from '../core/points/samples.node';
import { readPoints, type Normalisation } from '../core/points/readPoints';
import { pointSample, type PointCloud } from '../core/points/samples';
import { denseZNeed, guardMemory } from '../core/guard';
import { DENSE_MAX_N } from '../core/magnitude/cholesky';
import { fileStem, fmt, jsonNumber, oneOf, outputFlag, parseNumberFlag, textTable, UsageError, type Io } from './common';
import { backendOrder, nodeTf } from './nodeTf';
import { withProgress } from './progress';

export const AUTOENCODE_USAGE = `  lacuna autoencode FILE|--sample swissroll|sphere|ball|mnist [--n N] [--t T]
                  [--lambda 5] [--epochs N] [--burn-in N] [--batch-size 100] [--lr LR]
                  [--arch linear|conv] [--loss l1|l2] [--solver cholesky|cg] [--seed N]
                  [--keep-best] [--no-tsne] [--normalise none|zscore|minmax]
                  [--backend wasm|cpu|webgpu] [--codes-out FILE] [--json]`;

export const AUTOENCODE_SAMPLES = ['swissroll', 'sphere', 'ball', 'mnist'] as const;
export type AutoencodeSample = (typeof AUTOENCODE_SAMPLES)[number];
const BACKENDS = ['wasm', 'cpu', 'webgpu'] as const;

/** The seed's sizes: 1000 points for the shapes, 3000 digits for MNIST (at t = 0.6). */
const SAMPLE_SIZE: Record<AutoencodeSample, number> = { swissroll: 1000, sphere: 1000, ball: 1000, mnist: 3000 };
const MNIST_T = 0.6;
/** The seed's scale for the Swiss roll (its Figure 3b: the loss is least near t = 1), so the sample reproduces the seed's experiment. */
const SWISSROLL_T = 1;

export interface AutoencodeInput {
  points: PointCloud;
  path: string | null;
  sample: AutoencodeSample | null;
  columns: string[] | null;
}

export async function loadAutoencodeInput(
  sample: AutoencodeSample | undefined, path: string | undefined, n: number | undefined, normalise: Normalisation,
): Promise<AutoencodeInput> {
  if (sample === 'mnist') return { points: mnistPoints(n ?? SAMPLE_SIZE.mnist), path: null, sample, columns: null };
  if (sample) return { points: pointSample(sample, n ?? SAMPLE_SIZE[sample]), path: null, sample, columns: null };
  const table = await readPoints(fileSource(path!), { normalise });
  let points: PointCloud = table;
  if (n !== undefined && n < table.n) {
    points = { n, dim: table.dim, data: table.data.slice(0, n * table.dim), labels: table.labels?.slice(0, n) };
  }
  return { points, path: path!, sample: null, columns: table.columns };
}

interface MethodScore {
  rho: number;
  seconds: number;
  codes: Float64Array;
  weights: Float64Array;
}

function positiveInteger(name: string, text: string | undefined, allowZero = false): number | undefined {
  return parseNumberFlag(name, text, (v) => Number.isInteger(v) && (allowZero ? v >= 0 : v >= 1), allowZero ? 'a non-negative integer' : 'a positive integer');
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  return parseNumberFlag(name, text, (v) => v > 0 && Number.isFinite(v), 'a positive number');
}

export async function autoencodeCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      sample: { type: 'string' },
      n: { type: 'string' },
      t: { type: 'string' },
      lambda: { type: 'string' },
      epochs: { type: 'string' },
      'burn-in': { type: 'string' },
      'batch-size': { type: 'string' },
      lr: { type: 'string' },
      arch: { type: 'string' },
      loss: { type: 'string' },
      solver: { type: 'string' },
      seed: { type: 'string' },
      'keep-best': { type: 'boolean', default: false },
      'no-tsne': { type: 'boolean', default: false },
      normalise: { type: 'string' },
      backend: { type: 'string' },
      'codes-out': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const sample = oneOf('sample', values.sample, AUTOENCODE_SAMPLES);
  if (sample && positionals.length > 0) throw new UsageError('autoencode takes a FILE or --sample, not both');
  if (!sample && positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'autoencode needs a FILE (or --sample swissroll|sphere|ball|mnist)' : `autoencode takes one FILE, found ${positionals.length}`);
  }
  const n = parseNumberFlag('n', values.n, (v) => Number.isInteger(v) && v >= 3, 'an integer of at least 3');
  const t = positiveNumber('t', values.t);
  const lambda = parseNumberFlag('lambda', values.lambda, (v) => v >= 0 && Number.isFinite(v), 'a non-negative number');
  const epochs = positiveInteger('epochs', values.epochs, true);
  const burnIn = positiveInteger('burn-in', values['burn-in'], true);
  const batchSize = parseNumberFlag('batch-size', values['batch-size'], (v) => Number.isInteger(v) && v >= 2, 'an integer of at least 2');
  const lr = positiveNumber('lr', values.lr);
  const arch = oneOf('arch', values.arch, ARCHITECTURES);
  const loss = oneOf('loss', values.loss, ['l1', 'l2'] as const);
  const solver = oneOf('solver', values.solver, WEIGHTING_SOLVERS);
  const seed = parseNumberFlag('seed', values.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  const normalise = oneOf<Normalisation>('normalise', values.normalise, ['none', 'zscore', 'minmax']) ?? 'none';
  if (sample && values.normalise !== undefined) throw new UsageError('--normalise applies to a FILE');
  const backendFlag = oneOf('backend', values.backend, BACKENDS);
  const input = sample ? null : resolve(positionals[0]);
  const codesOut = outputFlag(values['codes-out'], `${input ? fileStem(input) : sample}.codes.csv`);
  if (codesOut !== null && codesOut === input) throw new Error(`refusing to write over the input file ${input}; choose another --codes-out`);

  return withProgress(io.stderr, !values.json, async (progress) => {
    const started = performance.now();
    progress.update(sample ? `loading the ${sample} sample` : `reading ${basename(input!)}`, 0, 0);
    const data = await loadAutoencodeInput(sample, input ?? undefined, n, normalise);
    const { points } = data;
    const architecture: Architecture = arch ?? (points.dim === 784 ? 'conv' : 'linear');
    if (architecture === 'conv' && Math.round(Math.sqrt(points.dim)) ** 2 !== points.dim) {
      throw new UsageError(`--arch conv needs square images; the data has ${points.dim} values per point`);
    }
    // The input's exact weighting vector needs a dense Z: sized before the scale search starts.
    if (points.n > DENSE_MAX_N) {
      throw new Error(`autoencode compares exact weighting vectors (dense Cholesky), which it computes for at most ${DENSE_MAX_N} points; the data has ${points.n}: use --n ${DENSE_MAX_N} or fewer`);
    }
    guardMemory(denseZNeed(points.n, `the exact weighting vector of ${points.n} points`, '--n'));
    let scale: { t: number; reason: string };
    if (t !== undefined) scale = { t, reason: 'given with --t' };
    else if (sample === 'mnist') scale = { t: MNIST_T, reason: "the seed's scale for MNIST" };
    else if (sample === 'swissroll') scale = { t: SWISSROLL_T, reason: "the seed's scale for the Swiss roll (its experiment: 1000 points, t = 1)" };
    else {
      progress.update('choosing the scale t (magnitude function)', 0, 0);
      scale = suggestedScale(points);
    }

    const { tf, backend } = await nodeTf(backendOrder(backendFlag));
    const defaults = defaultAutoencoderConfig(architecture, scale.t);
    const config: AutoencoderConfig = {
      ...defaults,
      lambda: lambda ?? defaults.lambda,
      weightLoss: loss ?? defaults.weightLoss,
      epochs: epochs ?? defaults.epochs,
      burnInEpochs: burnIn ?? defaults.burnInEpochs,
      burnInBatchSize: batchSize ?? defaults.burnInBatchSize,
      learningRate: lr ?? defaults.learningRate,
      solver: solver ?? defaults.solver,
      seed: seed ?? defaults.seed,
      keepBest: values['keep-best'] || defaults.keepBest,
    };

    progress.update('weighting vector of the input', 0, 0);
    const wX = exactWeights(points.data, points.n, points.dim, scale.t);
    const stepsTotal = config.burnInEpochs * Math.max(1, Math.floor(points.n / Math.max(2, config.burnInBatchSize))) + config.epochs;
    const result: AutoencoderResult = await trainAutoencoder(tf, points, config, {
      onStep: (s) => progress.update(
        s.phase === 'burn-in' ? `burn-in epoch ${s.epoch}/${config.burnInEpochs}: L_recons ${fmt(s.recons, 4)}` : `epoch ${s.epoch}/${config.epochs}: L ${fmt(s.total, 4)}, ρ ${fmt(s.rho, 3)}`,
        s.step, stepsTotal,
      ),
    }, wX);

    progress.update('PCA', 0, 0);
    const pcaStart = performance.now();
    const pcaCodes = pca(points, { components: 2 }).codes;
    const pcaFit = codeRho(wX, pcaCodes, 2, scale.t);
    const pcaScore: MethodScore = { rho: pcaFit.rho, seconds: (performance.now() - pcaStart) / 1000, codes: pcaCodes, weights: pcaFit.weights };
    let tsneScore: MethodScore | null = null;
    if (!values['no-tsne']) {
      const tsneStart = performance.now();
      const embedding = tsne(points, { seed: config.seed, onProgress: (it, total) => progress.update('t-SNE', it, total) });
      const fit = codeRho(wX, embedding.codes, 2, scale.t);
      tsneScore = { rho: fit.rho, seconds: (performance.now() - tsneStart) / 1000, codes: embedding.codes, weights: fit.weights };
    }
    const aeScore: MethodScore = { rho: result.rho, seconds: result.seconds.total, codes: result.codes, weights: result.codeWeights };
    const methods: Array<[string, MethodScore]> = [['autoencoder', aeScore], ['pca', pcaScore], ...(tsneScore ? [['tsne', tsneScore] as [string, MethodScore]] : [])];
    if (codesOut) {
      progress.update(`writing ${basename(codesOut)}`, 0, 0);
      const columns = methods.map(([name, m]) => ({ name, codes: m.codes, weights: m.weights }));
      await writeFileAtomic(codesOut, codesCsv(wX, columns, points.labels ?? null), input ? [input] : []);
    }
    const seconds = (performance.now() - started) / 1000;
    return () => report(io, { data, scale, backend, config, result, methods, seconds, codesOut, json: values.json });
  });
}

function report(
  io: Io,
  r: {
    data: AutoencodeInput;
    scale: { t: number; reason: string };
    backend: string;
    config: AutoencoderConfig;
    result: AutoencoderResult;
    methods: Array<[string, MethodScore]>;
    seconds: number;
    codesOut: string | null;
    json: boolean;
  },
) {
  const { points } = r.data;
  const { config, result } = r;
  const joint = result.history.filter((s) => s.phase === 'joint');
  const rho = Object.fromEntries(r.methods.map(([name, m]) => [name, jsonNumber(m.rho)]));
  if (r.json) {
    io.stdout.write(
      JSON.stringify({
        command: 'autoencode',
        input: r.data.path,
        sample: r.data.sample,
        n: points.n,
        dim: points.dim,
        t: r.scale.t,
        tReason: r.scale.reason,
        backend: r.backend,
        architecture: config.architecture,
        parameters: result.parameterCount,
        settings: {
          lambda: config.lambda, epochs: config.epochs, burnIn: config.burnInEpochs, batchSize: config.burnInBatchSize,
          learningRate: config.learningRate, weightDecay: config.weightDecay, weightDecayMode: config.weightDecayMode,
          loss: config.weightLoss, solver: config.solver, seed: config.seed, keepBest: config.keepBest, batchNorm: config.batchNorm,
        },
        rho: { autoencoder: rho.autoencoder, pca: rho.pca, tsne: rho.tsne ?? null },
        losses: {
          recons: jsonNumber(result.final.recons),
          weight: jsonNumber(result.final.weight),
          total: jsonNumber(result.final.total),
          firstJoint: joint.length ? { recons: jsonNumber(joint[0].recons), weight: jsonNumber(joint[0].weight), total: jsonNumber(joint[0].total) } : null,
        },
        reportedEpoch: result.reportedEpoch,
        seconds: {
          total: r.seconds,
          inputWeights: result.seconds.inputWeights,
          burnIn: result.seconds.burnIn,
          joint: result.seconds.joint,
          perBurnInEpoch: result.seconds.perBurnInEpoch,
          perJointEpoch: result.seconds.perJointEpoch,
          pca: r.methods.find(([name]) => name === 'pca')?.[1].seconds ?? null,
          tsne: r.methods.find(([name]) => name === 'tsne')?.[1].seconds ?? null,
        },
        output: r.codesOut,
      }) + '\n',
    );
    return;
  }
  const first = joint[0];
  const lines = [
    `Lacuna autoencode: ${r.data.sample ? `the ${r.data.sample} sample` : basename(r.data.path!)}`,
    `  data      ${points.n} points × ${points.dim}${r.data.columns ? ` (${r.data.columns.slice(0, 6).join(', ')}${r.data.columns.length > 6 ? ', …' : ''})` : ''}`,
    `  scale     t = ${fmt(r.scale.t, 4)}: ${r.scale.reason}`,
    `  model     ${config.architecture}, ${result.parameterCount.toLocaleString('en-US')} parameters, on ${r.backend}`,
    `  training  ${config.burnInEpochs} burn-in epochs (batches of ${config.burnInBatchSize}), ${config.epochs} joint epochs, λ = ${config.lambda}, L_weight ${config.weightLoss}, lr ${config.learningRate}`,
    `  losses    L_recons ${fmt(first?.recons ?? NaN, 4)} → ${fmt(result.final.recons, 4)}, L_weight ${fmt(first?.weight ?? NaN, 4)} → ${fmt(result.final.weight, 4)}${config.keepBest ? ` (epoch ${result.reportedEpoch})` : ''}`,
    `  per epoch ${result.seconds.perBurnInEpoch > 0 ? `burn-in ${result.seconds.perBurnInEpoch.toFixed(2)} s, ` : ''}joint ${result.seconds.perJointEpoch.toFixed(2)} s`,
    '',
    textTable(['method', 'ρ(w_X, w_code)', 'seconds'], r.methods.map(([name, m]) => [name, fmt(m.rho, 3), m.seconds.toFixed(2)])),
    '',
    r.codesOut ? `Wrote ${r.codesOut}` : 'Save the codes with --codes-out FILE.',
  ];
  io.stdout.write(lines.join('\n') + '\n');
}

// `lacuna nmf`: factorise a non-negative matrix X ≈ DΛ (one observation per column) with the
// Frobenius, KL or Wasserstein loss, through the same core job as the Factorize panel.
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { atomsIndexName, atomsTable, FACTORIZE_SAMPLES, factorizeInputFromRead, inputGrid, weightsTable, type FactorizeInput } from '../core/factorize/input';
import {
  checkGrid,
  defaultFactorizeConfig,
  FACTORIZE_LOSSES,
  factorize,
  formatGrid,
  parseGrid,
  type FactorizeConfig,
  type FactorizeResult,
  type GridSpec,
} from '../core/factorize/job';
import { factorizeSample } from '../core/factorize/samples.node';
import { fileSource, writeFileAtomic } from '../core/io/node';
import { readMatrix, writeDelimited } from '../core/io/read';
import { fileStem, fmt, jsonNumber, oneOf, outputFlag, parseNumberFlag, SHAPE_OPTIONS, shapeChoice, UsageError, type Io } from './common';
import { createProgress } from './progress';
import { guardMemory, nmfNeed } from '../core/guard';

export const NMF_USAGE = `  lacuna nmf FILE --k K [--loss frobenius|kl|wasserstein] [--epsilon E] [--rho R]
                  [--rho1 R] [--rho2 R] [--grid line:LO:HI|WxH] [--iterations N]
                  [--inner-iterations N] [--tolerance T] [--seed N]
                  [--atoms-out FILE] [--weights-out FILE] [--json]
                  [--transpose|--no-transpose] [--label-columns COLS|none] [--columns COLS]
  lacuna nmf --sample gaussians|mnist [...]   factorise a built-in sample instead of FILE`;

function positiveInteger(name: string, text: string | undefined): number | undefined {
  return parseNumberFlag(name, text, (v) => Number.isInteger(v) && v >= 1, 'a positive integer');
}

function positiveNumber(name: string, text: string | undefined): number | undefined {
  return parseNumberFlag(name, text, (v) => v > 0, 'a positive number');
}

export async function nmfCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      k: { type: 'string' },
      loss: { type: 'string' },
      epsilon: { type: 'string' },
      rho: { type: 'string' },
      rho1: { type: 'string' },
      rho2: { type: 'string' },
      grid: { type: 'string' },
      iterations: { type: 'string' },
      'inner-iterations': { type: 'string' },
      tolerance: { type: 'string' },
      seed: { type: 'string' },
      sample: { type: 'string' },
      'atoms-out': { type: 'string' },
      'weights-out': { type: 'string' },
      json: { type: 'boolean', default: false },
      ...SHAPE_OPTIONS,
    },
  });
  const shape = shapeChoice(values);
  const sample = oneOf('sample', values.sample, FACTORIZE_SAMPLES);
  if (sample && positionals.length > 0) throw new UsageError('nmf takes a FILE or --sample, not both');
  if (sample && Object.keys(shape).length > 0) throw new UsageError('--transpose, --label-columns and --columns apply to a FILE, not a --sample');
  if (!sample && positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'nmf needs a FILE (or --sample gaussians|mnist)' : `nmf takes one FILE, found ${positionals.length}`);
  const loss = oneOf('loss', values.loss, FACTORIZE_LOSSES) ?? 'frobenius';
  const k = positiveInteger('k', values.k);
  if (k === undefined && !sample) throw new UsageError('nmf needs --k, the number of atoms');
  const epsilon = positiveNumber('epsilon', values.epsilon);
  const rho = positiveNumber('rho', values.rho);
  const rho1 = positiveNumber('rho1', values.rho1);
  const rho2 = positiveNumber('rho2', values.rho2);
  if (loss !== 'wasserstein') {
    for (const name of ['epsilon', 'rho', 'rho1', 'rho2', 'inner-iterations'] as const) {
      if (values[name] !== undefined) throw new UsageError(`--${name} applies to --loss wasserstein`);
    }
  }
  if (rho !== undefined && (rho1 !== undefined || rho2 !== undefined)) throw new UsageError('give --rho, or --rho1 and --rho2, not both');
  if (loss === 'wasserstein' && values.tolerance !== undefined) throw new UsageError('--tolerance applies to --loss frobenius or kl');
  const tolerance = parseNumberFlag('tolerance', values.tolerance, (v) => v >= 0, 'a number ≥ 0');
  const iterations = positiveInteger('iterations', values.iterations);
  const innerIterations = positiveInteger('inner-iterations', values['inner-iterations']);
  const seed = parseNumberFlag('seed', values.seed, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  let grid: GridSpec | undefined;
  if (values.grid !== undefined) {
    try {
      grid = parseGrid(values.grid);
    } catch (err) {
      throw new UsageError(`--grid ${(err as Error).message}`);
    }
  }
  const input = sample ? null : resolve(positionals[0]);
  const protect = input ? [input] : [];
  const stem = input ? fileStem(input) : sample!;
  const atomsOut = outputFlag(values['atoms-out'], `${stem}.atoms.csv`);
  const weightsOut = outputFlag(values['weights-out'], `${stem}.weights.csv`);
  for (const out of [atomsOut, weightsOut]) {
    if (out !== null && out === input) throw new Error(`refusing to write over the input file ${input}; choose another output path`);
  }
  if (atomsOut !== null && atomsOut === weightsOut) throw new UsageError('--atoms-out and --weights-out must be different files');

  const progress = createProgress(io.stderr, !values.json);
  try {
    progress.update(sample ? `loading the ${sample} sample` : `reading ${basename(input!)}`, 0, 0);
    let data: FactorizeInput;
    if (sample) {
      data = factorizeSample(sample);
    } else {
      const read = await readMatrix(fileSource(input!), { shape, purpose: 'factorize' });
      data = factorizeInputFromRead(read, input!, basename(input!));
    }
    const inferred = inputGrid(data);
    const chosenGrid = grid ?? inferred.grid;
    const gridReason = grid ? 'chosen' : inferred.reason;
    try {
      checkGrid(chosenGrid, data.X.rows);
    } catch (err) {
      if (grid || data.X.rows >= 2) throw new UsageError(`--grid ${(err as Error).message}`);
      // No --grid was given: the data itself is too short for a histogram.
      throw new Error(`NMF factorises columns of at least 2 bins; ${basename(input ?? sample ?? '')} gives ${data.X.rows} bin (row) × ${data.X.cols} columns: if each row is one observation, give --transpose`);
    }
    const defaults = defaultFactorizeConfig(loss, chosenGrid, k ?? (sample === 'mnist' ? 25 : 3));
    guardMemory(nmfNeed(data.X.rows, data.X.cols, defaults.k, loss === 'wasserstein'));
    const config: FactorizeConfig = {
      ...defaults,
      epsilon: epsilon ?? defaults.epsilon,
      rho1: rho1 ?? rho ?? defaults.rho1,
      rho2: rho2 ?? rho ?? defaults.rho2,
      iterations: iterations ?? (sample === 'mnist' && loss === 'wasserstein' ? 15 : defaults.iterations),
      innerIterations: innerIterations ?? defaults.innerIterations,
      tolerance: tolerance ?? defaults.tolerance,
      seed: seed ?? defaults.seed,
    };
    const started = performance.now();
    const result = factorize(data.X, config, (p) => progress.update(p.phase, Math.round(p.fraction * 1000), 1000));
    const seconds = (performance.now() - started) / 1000;
    progress.update('writing', 0, 0);
    if (atomsOut) await writeFileAtomic(atomsOut, writeDelimited(atomsTable(result.D, config.grid), { indexName: atomsIndexName(config.grid) }), protect);
    if (weightsOut) await writeFileAtomic(weightsOut, writeDelimited(weightsTable(result.Lambda, data.colIds), { indexName: 'atom' }), protect);
    progress.done();
    report(io, { data, result, seconds, atomsOut, weightsOut, json: values.json, gridReason });
    return 0;
  } finally {
    progress.done();
  }
}

function report(
  io: Io,
  r: { data: FactorizeInput; result: FactorizeResult; seconds: number; atomsOut: string | null; weightsOut: string | null; json: boolean; gridReason: string },
) {
  const { config } = r.result;
  const wasserstein = config.loss === 'wasserstein';
  if (r.json) {
    io.stdout.write(
      JSON.stringify({
        command: 'nmf',
        input: r.data.path,
        sample: r.data.sample,
        shape: [r.data.X.rows, r.data.X.cols],
        loss: config.loss,
        k: config.k,
        grid: formatGrid(config.grid),
        settings: {
          iterations: config.iterations,
          seed: config.seed,
          ...(wasserstein
            ? { epsilon: config.epsilon, rho1: config.rho1, rho2: config.rho2, innerIterations: config.innerIterations, gradTol: config.gradTol }
            : { tolerance: config.tolerance }),
        },
        iterations: r.result.iterations,
        history: r.result.history.map(jsonNumber),
        objective: jsonNumber(r.result.objective),
        converged: r.result.converged,
        reason: r.result.reason,
        reconstructionError: jsonNumber(r.result.reconstructionError),
        seconds: r.seconds,
        outputs: { atoms: r.atomsOut, weights: r.weightsOut },
        gridReason: r.gridReason,
        notes: r.data.notes ?? [],
      }) + '\n',
    );
    return;
  }
  const h = r.result.history;
  const settings = wasserstein ? `, ε ${config.epsilon}, ρ₁ ${config.rho1}, ρ₂ ${config.rho2}` : '';
  const objectiveName = config.loss === 'frobenius' ? '½‖X − DΛ‖²' : config.loss === 'kl' ? 'KL(X ‖ DΛ)' : 'Σ OT_ε + ρ₁E(Λ) + ρ₂E(D)';
  const lines = [
    `Lacuna nmf: ${r.data.sample ? `the ${r.data.sample} sample` : `${basename(r.data.path!)} (${r.data.format})`}`,
    `  data       ${r.data.X.rows} × ${r.data.X.cols} (bins × observations), grid ${formatGrid(config.grid)} (${r.gridReason})`,
    ...(r.data.notes ?? []).map((n) => `  note       ${n}`),
    `  loss       ${config.loss}, k = ${config.k}${settings}`,
    `  iterations ${r.result.iterations}${wasserstein ? ' outer' : ''}: ${r.result.reason}`,
    `  objective  ${objectiveName}: ${fmt(h[0], 5)} ${wasserstein ? 'after iteration 1' : 'at the start'} → ${fmt(r.result.objective, 5)}`,
    `  ‖X − DΛ‖_F ${fmt(r.result.reconstructionError, 5)}${wasserstein ? ' (columns as histograms)' : ''}`,
    `  seconds    ${r.seconds.toFixed(2)}`,
  ];
  if (r.atomsOut) lines.push(`Wrote ${r.atomsOut}`);
  if (r.weightsOut) lines.push(`Wrote ${r.weightsOut}`);
  if (!r.atomsOut && !r.weightsOut) lines.push('Save the factors with --atoms-out FILE and --weights-out FILE.');
  io.stdout.write(lines.join('\n') + '\n');
}

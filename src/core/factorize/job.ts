// One factorisation job, as the CLI, the panel and the benchmark run it: the settings, the grid
// (bins on a line, or pixels of an image), its Gibbs kernel, and a generator that runs NMF or
// Wasserstein NMF with progress after every inner step, so a UI thread can pause and cancel.

import { lineGridCost, linspace } from '../transport/cost';
import type { GibbsKernel } from '../transport/kernel';
import { denseGibbsKernel, separableGibbsKernel } from '../transport/kernel';
import { sinkhornColumns, type SinkhornOptions } from '../transport/sinkhorn';
import type { DenseMatrix } from './dense';
import { cloneMatrix, multiply, normalizeColumns } from './dense';
import { nmfIterations, type NmfLoss } from './nmf';
import { wassersteinNmfIterations, type WassersteinNmfResult, type WassersteinNmfStep } from './wassersteinNmf';

export const FACTORIZE_LOSSES = ['frobenius', 'kl', 'wasserstein'] as const;
export type FactorizeLoss = (typeof FACTORIZE_LOSSES)[number];

/** Where the bins (rows of X) sit: evenly on [lo, hi], or as the pixels of an image (row-major). */
export type GridSpec = { kind: 'line'; lo: number; hi: number } | { kind: 'image'; width: number; height: number };

export interface FactorizeConfig {
  loss: FactorizeLoss;
  /** The number of atoms. */
  k: number;
  /** Wasserstein: the entropic regularisation, for a cost scaled to mean 1. */
  epsilon: number;
  /** Wasserstein: the entropy weights on Λ and on D. */
  rho1: number;
  rho2: number;
  /** Frobenius and KL: multiplicative-update iterations; Wasserstein: outer iterations. */
  iterations: number;
  /** Wasserstein: the L-BFGS iteration cap of each step. */
  innerIterations: number;
  /** Wasserstein: the L-BFGS gradient tolerance. */
  gradTol: number;
  /** Frobenius and KL: stop when the objective falls by less than this fraction. */
  tolerance: number;
  seed: number;
  grid: GridSpec;
}

/**
 * The defaults follow the reference examples (EVALUATION.md): on a line ε = 0.025 and
 * ρ = 0.05, on an image ε = 0.0025 and ρ = 0.005; 10 outer iterations of up to 250 L-BFGS
 * iterations with gradient tolerance 1e-4; 200 multiplicative updates for NMF.
 */
export function defaultFactorizeConfig(loss: FactorizeLoss, grid: GridSpec, k = 3): FactorizeConfig {
  const image = grid.kind === 'image';
  return {
    loss,
    k,
    epsilon: image ? 0.0025 : 0.025,
    rho1: image ? 0.005 : 0.05,
    rho2: image ? 0.005 : 0.05,
    iterations: loss === 'wasserstein' ? 10 : 200,
    innerIterations: 250,
    gradTol: 1e-4,
    tolerance: 1e-4,
    seed: 0,
    grid,
  };
}

/** Reads `line:LO:HI`, `image:WxH` or `WxH` (an image); throws a RangeError that says what is expected. */
export function parseGrid(text: string): GridSpec {
  const line = /^line:([^:]+):([^:]+)$/.exec(text.trim());
  if (line) {
    const lo = Number(line[1]);
    const hi = Number(line[2]);
    if (line[1].trim() === '' || line[2].trim() === '' || !Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
      throw new RangeError(`a line grid needs finite LO < HI, found "${text}"`);
    }
    return { kind: 'line', lo, hi };
  }
  const image = /^(?:image:)?(\d+)[x×](\d+)$/i.exec(text.trim());
  if (image) {
    const width = Number(image[1]);
    const height = Number(image[2]);
    if (width < 1 || height < 1) throw new RangeError(`an image grid needs positive sides, found "${text}"`);
    return { kind: 'image', width, height };
  }
  throw new RangeError(`expected line:LO:HI, image:WxH or WxH, found "${text}"`);
}

export function formatGrid(grid: GridSpec): string {
  return grid.kind === 'line' ? `line:${grid.lo}:${grid.hi}` : `image:${grid.width}x${grid.height}`;
}

const PIXEL_NAME = /^(?:pixel|pix|px|p)[_ -]?\d+$|^\d+\s*[x×]\s*\d+$|^r?\d+[_,:]c?\d+$/i;

/**
 * The grid the bins (rows) sit on, with the reason. Rows labelled by positions that rise or fall
 * steadily (wavelengths, bin centres) are a line from the first to the last; rows named as pixels
 * (pixel0, px_12, 3x5, r2_c7), or labelled by a column named `pixel`, whose count is a square are
 * a square image. Nothing else is called
 * an image: a count that happens to be square (100 rows) stays a line, and the reason says how to
 * choose the image instead.
 */
export function inferGridWithReason(bins: number, labels?: readonly string[], axisName = ''): { grid: GridSpec; reason: string } {
  const side = Math.round(Math.sqrt(bins));
  const square = bins >= 4 && side * side === bins;
  if (square && /^(?:pixels?|pix|px)$/i.test(axisName.trim())) {
    return { grid: { kind: 'image', width: side, height: side }, reason: `the rows are pixels (column "${axisName.trim()}") and ${bins} = ${side}×${side}: an image` };
  }
  if (labels && labels.length === bins && bins >= 2) {
    const numbers = labels.map((l) => (/^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/.test(l) ? Number(l) : NaN));
    const up = numbers[1] > numbers[0];
    const monotonic = numbers.every((v, i) => Number.isFinite(v) && (i === 0 || (up ? v > numbers[i - 1] : v < numbers[i - 1])));
    const numbering = numbers.every((v, i) => v === numbers[0] + i) && (numbers[0] === 0 || numbers[0] === 1);
    if (monotonic && !numbering) {
      const lo = Math.min(numbers[0], numbers[bins - 1]);
      const hi = Math.max(numbers[0], numbers[bins - 1]);
      const step = (hi - lo) / (bins - 1);
      const even = numbers.every((v, i) => Math.abs(Math.abs(v - numbers[0]) - i * step) <= 1e-3 * step);
      return { grid: { kind: 'line', lo, hi }, reason: `the ${bins} rows are positions ${labels[0]} … ${labels[bins - 1]}: a line${even ? '' : ' (not evenly spaced; the grid spaces them evenly)'}` };
    }
    if (square && labels.every((l) => PIXEL_NAME.test(l.trim()))) {
      return { grid: { kind: 'image', width: side, height: side }, reason: `the rows are pixels (${labels[0]} …) and ${bins} = ${side}×${side}: an image` };
    }
  }
  const hint = square ? `; ${bins} = ${side}×${side}, but nothing names pixels: choose image ${side}×${side} if it is one` : '';
  return { grid: { kind: 'line', lo: 0, hi: Math.max(1, bins - 1) }, reason: `${bins} bins on a line${hint}` };
}

/** The inferred grid alone (inferGridWithReason). */
export function inferGrid(bins: number, labels?: readonly string[], axisName?: string): GridSpec {
  return inferGridWithReason(bins, labels, axisName).grid;
}

/** Throws unless the grid has exactly `bins` bins. */
export function checkGrid(grid: GridSpec, bins: number): void {
  if (grid.kind === 'image' && grid.width * grid.height !== bins) {
    throw new RangeError(`an image grid of ${grid.width}×${grid.height} has ${grid.width * grid.height} pixels, but the data has ${bins} rows`);
  }
  if (grid.kind === 'line' && bins < 2) throw new RangeError(`a line grid needs at least 2 bins, found ${bins}`);
}

/** The bins' positions on a line grid (bin indices for an image). */
export function gridPositions(grid: GridSpec, bins: number): Float64Array {
  return grid.kind === 'line' ? linspace(grid.lo, grid.hi, bins) : linspace(0, bins - 1, bins);
}

/**
 * The Gibbs kernel of the squared Euclidean cost on the grid, scaled to mean 1: dense on a line,
 * separable (two small 1-D kernels, never m × m) on an image.
 */
export function gridKernel(grid: GridSpec, bins: number, epsilon: number): GibbsKernel {
  checkGrid(grid, bins);
  return grid.kind === 'line'
    ? denseGibbsKernel(lineGridCost(grid.lo, grid.hi, bins), epsilon)
    : separableGibbsKernel(grid.width, grid.height, epsilon);
}

/** Throws a RangeError naming the first bad setting. */
export function checkConfig(config: FactorizeConfig): void {
  const positiveInteger = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  };
  if (!(FACTORIZE_LOSSES as readonly string[]).includes(config.loss)) throw new RangeError(`unknown loss "${config.loss}"`);
  positiveInteger('k', config.k);
  positiveInteger('iterations', config.iterations);
  positiveInteger('innerIterations', config.innerIterations);
  if (!Number.isInteger(config.seed) || config.seed < 0) throw new RangeError(`seed must be a non-negative integer, got ${config.seed}`);
  for (const [name, v] of [
    ['epsilon', config.epsilon],
    ['rho1', config.rho1],
    ['rho2', config.rho2],
    ['gradTol', config.gradTol],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`${name} must be a positive number, got ${v}`);
  }
  if (!(config.tolerance >= 0)) throw new RangeError(`tolerance must be ≥ 0, got ${config.tolerance}`);
}

export interface FactorizeProgress {
  /** The iteration under way (outer iterations for Wasserstein), 1-based. */
  iteration: number;
  total: number;
  /** Of the whole job, from 0 to 1. */
  fraction: number;
  /** For people: where the job is. */
  phase: string;
  /** Set when an iteration has just finished: its objective, and the factors after it. */
  finished: { objective: number; D: DenseMatrix; Lambda: DenseMatrix } | null;
}

export interface FactorizeResult {
  config: FactorizeConfig;
  /** m × k atoms (histograms for Wasserstein). */
  D: DenseMatrix;
  /** k × n weights (histograms for Wasserstein). */
  Lambda: DenseMatrix;
  /** The objective: NMF from the start and after each iteration; Wasserstein after each outer one. */
  history: number[];
  objective: number;
  iterations: number;
  converged: boolean;
  reason: string;
  /** ‖X − DΛ‖_F, with X's columns normalised to histograms for Wasserstein (whose DΛ are). */
  reconstructionError: number;
  /** Wasserstein: every dual step with its L-BFGS report. */
  steps: WassersteinNmfStep[];
}

/**
 * Runs the job. Yields progress after every NMF iteration and every L-BFGS iteration; the
 * return value is the result. Stop early by no longer resuming it.
 */
export function* factorizeIterations(X: DenseMatrix, config: FactorizeConfig): Generator<FactorizeProgress, FactorizeResult, void> {
  checkConfig(config);
  checkGrid(config.grid, X.rows);
  const total = config.iterations;
  if (config.loss === 'wasserstein') {
    const kernel = gridKernel(config.grid, X.rows, config.epsilon);
    const run = wassersteinNmfIterations(X, kernel, {
      k: config.k,
      rho1: config.rho1,
      rho2: config.rho2,
      outerIterations: config.iterations,
      lbfgs: { maxIterations: config.innerIterations, gradTol: config.gradTol },
      seed: config.seed,
    });
    let next = run.next();
    while (!next.done) {
      const event = next.value;
      yield event.kind === 'inner'
        ? wassersteinInnerProgress(config, event.outer, event.block, event.lbfgs.iteration)
        : wassersteinStepProgress(config, event.step, event.D, event.Lambda);
      next = run.next();
    }
    return wassersteinJobResult(X, config, next.value);
  }
  const run = nmfIterations(X, {
    k: config.k,
    loss: config.loss as NmfLoss,
    maxIterations: config.iterations,
    tolerance: config.tolerance,
    seed: config.seed,
  });
  let next = run.next();
  while (!next.done) {
    const event = next.value;
    yield {
      iteration: event.iteration,
      total,
      fraction: Math.min(1, event.iteration / total),
      phase: `iteration ${event.iteration}/${total}`,
      finished: { objective: event.objective, D: event.D, Lambda: event.Lambda },
    };
    next = run.next();
  }
  const result = next.value;
  return {
    config,
    D: result.D,
    Lambda: result.Lambda,
    history: result.history,
    objective: result.objective,
    iterations: result.iterations,
    converged: result.converged,
    reason: result.reason,
    reconstructionError: frobeniusDistance(X, multiply(result.D, result.Lambda)),
    steps: [],
  };
}

/** The job's result from a Wasserstein NMF run (Float64 or tfjs): one summary for both. */
export function wassersteinJobResult(X: DenseMatrix, config: FactorizeConfig, result: WassersteinNmfResult): FactorizeResult {
  const histograms = normalizeColumns(cloneMatrix(X));
  return {
    config,
    D: result.D,
    Lambda: result.Lambda,
    history: result.history,
    objective: result.history[result.history.length - 1],
    iterations: result.outerIterations,
    converged: result.allInnerConverged,
    reason: result.allInnerConverged
      ? 'every L-BFGS step reached its gradient tolerance'
      : `${result.steps.filter((s) => !s.lbfgs.converged).length} of ${result.steps.length} L-BFGS steps stopped before their gradient tolerance (${config.innerIterations} iterations)`,
    reconstructionError: frobeniusDistance(histograms, multiply(result.D, result.Lambda)),
    steps: result.steps,
  };
}

/** Progress of a Wasserstein job during an inner L-BFGS iteration. */
export function wassersteinInnerProgress(config: FactorizeConfig, outer: number, block: 'dictionary' | 'weights', lbfgsIteration: number): FactorizeProgress {
  const total = config.iterations;
  const done = (outer - 1) * 2 + (block === 'weights' ? 1 : 0) + lbfgsIteration / config.innerIterations;
  return {
    iteration: outer,
    total,
    fraction: Math.min(1, done / (2 * total)),
    phase: `iteration ${outer}/${total} · ${block === 'weights' ? 'weights' : 'atoms'} · L-BFGS ${lbfgsIteration}`,
    finished: null,
  };
}

/** Progress of a Wasserstein job when a step has finished (with the factors after a weights step). */
export function wassersteinStepProgress(config: FactorizeConfig, step: WassersteinNmfStep, D: DenseMatrix, Lambda: DenseMatrix): FactorizeProgress {
  const total = config.iterations;
  return {
    iteration: step.outer,
    total,
    fraction: Math.min(1, ((step.outer - 1) * 2 + (step.block === 'weights' ? 2 : 1)) / (2 * total)),
    phase: `iteration ${step.outer}/${total} · ${step.block === 'weights' ? 'weights' : 'atoms'} done`,
    finished: step.block === 'weights' ? { objective: step.objective, D, Lambda } : null,
  };
}

/** Runs the job to the end; `onProgress` sees every progress report. */
export function factorize(X: DenseMatrix, config: FactorizeConfig, onProgress?: (progress: FactorizeProgress) => void): FactorizeResult {
  const run = factorizeIterations(X, config);
  let next = run.next();
  while (!next.done) {
    onProgress?.(next.value);
    next = run.next();
  }
  return next.value;
}

/** ‖A − B‖_F */
export function frobeniusDistance(a: DenseMatrix, b: DenseMatrix): number {
  if (a.rows !== b.rows || a.cols !== b.cols) throw new RangeError(`cannot compare ${a.rows} × ${a.cols} with ${b.rows} × ${b.cols}`);
  let sum = 0;
  for (let t = 0; t < a.values.length; t++) {
    const d = a.values[t] - b.values[t];
    sum += d * d;
  }
  return Math.sqrt(sum);
}

export interface TransportLoss {
  /** The mean over observations of OT_ε(X_i, (DΛ)_i): the data term Wasserstein NMF minimises. */
  objective: number;
  /** The mean transport cost ⟨P, C⟩ of the entropic plans (→ W₂² as ε → 0). */
  cost: number;
  iterations: number;
  converged: boolean;
}

/**
 * How far the reconstruction DΛ is from X in entropic optimal transport, measured independently
 * of the factorisation by log-domain Sinkhorn on all columns at once (columns of both are
 * normalised to histograms). The default tolerance, an L1 marginal error of 1e-3 per column,
 * gives the mean to about 4 significant digits.
 */
export function reconstructionTransportLoss(
  X: DenseMatrix,
  D: DenseMatrix,
  Lambda: DenseMatrix,
  kernel: GibbsKernel,
  options: SinkhornOptions = {},
): TransportLoss {
  const a = normalizeColumns(cloneMatrix(X));
  const b = normalizeColumns(multiply(D, Lambda));
  const fit = sinkhornColumns(kernel, a.values, b.values, X.cols, { tolerance: 1e-3, maxIterations: 100_000, ...options });
  let objective = 0;
  let cost = 0;
  for (let c = 0; c < X.cols; c++) {
    objective += fit.objective[c];
    cost += fit.cost[c];
  }
  return { objective: objective / X.cols, cost: cost / X.cols, iterations: fit.iterations, converged: fit.converged };
}

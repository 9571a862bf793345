// Exact t-SNE (van der Maaten and Hinton 2008) with scikit-learn's current defaults: perplexity
// 30, PCA initialisation scaled to a standard deviation of 1e-4, early exaggeration 12 for the
// first 250 iterations with momentum 0.5, then momentum 0.8, learning rate max(n / 48, 50),
// per-parameter gains (+0.2 / ×0.8, at least 0.01), 1000 iterations in all.
//
// Exact means O(n²) per iteration with no Barnes–Hut approximation: ~25 ms per iteration at
// n = 3000 on one core, so the seed's largest run (MNIST, 3000 digits) takes under a minute. It
// is written here rather than taken from npm because the maintained JavaScript library with a
// t-SNE (druidjs) is LGPL-3.0, awkward to bundle into an MIT extension, and the permissive ones
// (tsne-js, @keckelt/tsne: ports of the 2015 tsnejs) are unmaintained, unseeded and use the old
// random initialisation; ~150 lines of a well-specified algorithm are easier to trust and seed.

import { seededRng, normal } from '../random';
import { pca, type PcaInput } from './pca';

export interface TsneOptions {
  perplexity?: number;
  iterations?: number;
  earlyExaggeration?: number;
  exaggerationIterations?: number;
  /** Default 'auto': max(n / earlyExaggeration / 4, 50). */
  learningRate?: number | 'auto';
  init?: 'pca' | 'random';
  seed?: number;
  /** Called every `progressEvery` iterations (default 50) with the KL divergence so far. */
  onProgress?: (iteration: number, total: number, kl: number) => void;
  progressEvery?: number;
}

export interface TsneResult {
  /** n × 2, row-major. */
  codes: Float64Array;
  /** KL(P ‖ Q) of the final embedding. */
  kl: number;
  /** KL divergence every `progressEvery` iterations (exaggerated P during early exaggeration). */
  history: Array<{ iteration: number; kl: number }>;
  seconds: number;
}

const MACHINE_EPSILON = 2.220446049250313e-16;

/** Conditional Gaussian affinities with the given perplexity, symmetrised and normalised. */
export function tsneAffinities(input: PcaInput, perplexity: number): Float64Array {
  const { n, dim, data } = input;
  if (n < 3) throw new RangeError(`t-SNE needs at least 3 points, got ${n}`);
  const perp = Math.min(perplexity, (n - 1) / 3);
  const d2 = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) {
        const v = data[i * dim + c] - data[j * dim + c];
        s += v * v;
      }
      d2[i * n + j] = s;
      d2[j * n + i] = s;
    }
  }
  const P = new Float64Array(n * n);
  const target = Math.log(perp);
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let beta = 1;
    let lo = -Infinity;
    let hi = Infinity;
    const off = i * n;
    for (let step = 0; step < 100; step++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        row[j] = j === i ? 0 : Math.exp(-d2[off + j] * beta);
        sum += row[j];
      }
      if (sum === 0) sum = MACHINE_EPSILON;
      let weighted = 0;
      for (let j = 0; j < n; j++) {
        row[j] /= sum;
        weighted += d2[off + j] * row[j];
      }
      const entropy = Math.log(sum) + beta * weighted;
      const diff = entropy - target;
      if (Math.abs(diff) <= 1e-5) break;
      if (diff > 0) {
        lo = beta;
        beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo === -Infinity ? beta / 2 : (beta + lo) / 2;
      }
    }
    P.set(row, off);
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const s = P[i * n + j] + P[j * n + i];
      P[i * n + j] = s;
      P[j * n + i] = s;
      total += 2 * s;
    }
    P[i * n + i] = 0;
  }
  total = Math.max(total, MACHINE_EPSILON);
  for (let k = 0; k < n * n; k++) P[k] = Math.max(P[k] / total, MACHINE_EPSILON);
  for (let i = 0; i < n; i++) P[i * n + i] = 0;
  return P;
}

export function tsne(input: PcaInput, options: TsneOptions = {}): TsneResult {
  const start = performance.now();
  const { n } = input;
  const iterations = options.iterations ?? 1000;
  const exaggeration = options.earlyExaggeration ?? 12;
  const exaggerationIterations = Math.min(options.exaggerationIterations ?? 250, iterations);
  const learningRate = options.learningRate === undefined || options.learningRate === 'auto' ? Math.max(n / exaggeration / 4, 50) : options.learningRate;
  const progressEvery = options.progressEvery ?? 50;
  const P = tsneAffinities(input, options.perplexity ?? 30);

  const Y = new Float64Array(n * 2);
  if ((options.init ?? 'pca') === 'pca' && input.dim >= 2) {
    const init = pca(input, { components: 2 }).codes;
    let m = 0;
    for (let i = 0; i < n; i++) m += init[i * 2];
    m /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (init[i * 2] - m) ** 2;
    const sd = Math.sqrt(v / n) || 1;
    for (let k = 0; k < n * 2; k++) Y[k] = (init[k] / sd) * 1e-4;
  } else {
    const rng = seededRng(options.seed ?? 42);
    for (let k = 0; k < n * 2; k++) Y[k] = 1e-4 * normal(rng);
  }
  const update = new Float64Array(n * 2);
  const gains = new Float64Array(n * 2).fill(1);
  const grad = new Float64Array(n * 2);
  const history: Array<{ iteration: number; kl: number }> = [];
  let kl = NaN;

  const gradientAndKl = (exag: number, wantKl: boolean): number => {
    // Pass 1: the normaliser Σ_{i≠j} 1/(1 + ‖y_i − y_j‖²).
    let z = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = Y[i * 2];
      const yi1 = Y[i * 2 + 1];
      for (let j = 0; j < i; j++) {
        const a = yi0 - Y[j * 2];
        const b = yi1 - Y[j * 2 + 1];
        z += 1 / (1 + a * a + b * b);
      }
    }
    z = Math.max(2 * z, MACHINE_EPSILON);
    // Pass 2: grad_i = 4 Σ_j (p_ij − q_ij) q̃_ij (y_i − y_j).
    grad.fill(0);
    let klSum = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = Y[i * 2];
      const yi1 = Y[i * 2 + 1];
      const pRow = i * n;
      let g0 = 0;
      let g1 = 0;
      for (let j = 0; j < i; j++) {
        const a = yi0 - Y[j * 2];
        const b = yi1 - Y[j * 2 + 1];
        const qt = 1 / (1 + a * a + b * b);
        const p = P[pRow + j] * exag;
        const q = Math.max(qt / z, MACHINE_EPSILON);
        const c = 4 * (p - q) * qt;
        g0 += c * a;
        g1 += c * b;
        grad[j * 2] -= c * a;
        grad[j * 2 + 1] -= c * b;
        if (wantKl) klSum += 2 * p * Math.log(Math.max(p, MACHINE_EPSILON) / q);
      }
      grad[i * 2] += g0;
      grad[i * 2 + 1] += g1;
    }
    return klSum;
  };

  for (let it = 0; it < iterations; it++) {
    const early = it < exaggerationIterations;
    const momentum = early ? 0.5 : 0.8;
    const wantKl = (it + 1) % progressEvery === 0 || it === iterations - 1;
    const value = gradientAndKl(early ? exaggeration : 1, wantKl);
    for (let k = 0; k < n * 2; k++) {
      const g = grad[k];
      gains[k] = (update[k] * g < 0) ? gains[k] + 0.2 : Math.max(gains[k] * 0.8, 0.01);
      update[k] = momentum * update[k] - learningRate * gains[k] * g;
      Y[k] += update[k];
    }
    if (wantKl) {
      kl = value;
      history.push({ iteration: it + 1, kl: value });
      options.onProgress?.(it + 1, iterations, value);
    }
  }
  return { codes: Y, kl, history, seconds: (performance.now() - start) / 1000 };
}

// Wasserstein NMF on tfjs, for the GPU: the same alternation of the two convex duals as the
// Float64 version (wassersteinNmf.ts), with the semi-dual written in tensor ops and each dual
// minimised by the L-BFGS on tensors. Float32 on the device: the potentials live in log space,
// so nothing overflows, but the inner solves stop at a looser gradient tolerance than in Float64.
// Every number comes back from the device asynchronously (`data()`): WebGPU in a browser has no
// reliable synchronous read.
//
// log(K e^{G/ε}) is a log-sum-exp over the kernel, computed one observation per batch row with
// an explicit gradient (a batched matrix product with the softmax), which is several times
// cheaper than autodiff through a broadcast add. On an image grid the kernel is separable:
// log K applied as two small 1-D log-kernels (over columns, then rows), never as m × m.
import type * as tfType from '@tensorflow/tfjs';
import { lbfgsIterationsAsync, type LbfgsOptions, type LbfgsProgress } from '../optim/lbfgs';
import { tfObjectiveAsync, tfVectorOpsAsync } from '../optim/tfVectorOps';
import { imageGridMeanCost, type CostMatrix } from '../transport/cost';
import { assertNonNegative, cloneMatrix, normalizeColumns, type DenseMatrix } from './dense';
import { negativeEntropy, randomHistogramInit, type WassersteinNmfResult, type WassersteinNmfStep } from './wassersteinNmf';

type Tf = typeof tfType;

/**
 * The ground cost: any dense cost matrix, or the squared Euclidean cost between the pixels of a
 * width × height image (row-major bins), scaled to mean 1, applied separably.
 */
export type TfGroundCost = CostMatrix | { kind: 'image'; width: number; height: number };

export interface WassersteinNmfTfOptions {
  k: number;
  epsilon: number;
  rho1?: number;
  rho2?: number;
  outerIterations?: number;
  lbfgs?: LbfgsOptions;
  seed?: number;
  init?: { D: DenseMatrix; Lambda: DenseMatrix };
  /**
   * Called after each step with the factors as they stand (copies, Float64); return true to
   * stop.
   */
  onStep?: (step: WassersteinNmfStep, factors: { D: DenseMatrix; Lambda: DenseMatrix }) => boolean | void;
  /**
   * Called after every inner L-BFGS iteration; return true to stop the run (the solve under way
   * ends after one more iteration, and the run returns with `stopped`).
   */
  onInner?: (progress: { outer: number; block: 'dictionary' | 'weights'; lbfgs: LbfgsProgress }) => boolean | void;
  /** Give the thread back (a macrotask) at least this often during the solves, in ms. Default 30. */
  sliceMs?: number;
}

/** The number of bins of a ground cost. */
export function groundSize(ground: TfGroundCost | { size: number }): number {
  return 'kind' in ground ? ground.width * ground.height : ground.size;
}

/**
 * Float32 numbers the semi-dual holds at once for n observations (its largest intermediate and
 * the softmax kept for the gradient): m·m·n dense, m·max(width, height)·n separable.
 */
export function semiDualWorkingSet(ground: TfGroundCost | { size: number }, n: number): number {
  const m = groundSize(ground);
  return 2 * n * m * ('kind' in ground ? Math.max(ground.width, ground.height) : m);
}

/** Yields to the event loop without timer clamping: setImmediate in Node, a message in a page. */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  if (typeof g.setImmediate === 'function') return new Promise((r) => g.setImmediate!(r));
  // core is typed without the DOM: the page's MessageChannel, as much of it as is used here.
  type Port = { onmessage: (() => void) | null; postMessage(message: null): void; close(): void };
  const Channel = (globalThis as unknown as { MessageChannel: new () => { port1: Port; port2: Port } }).MessageChannel;
  return new Promise((resolve) => {
    const channel = new Channel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

async function toDense(t: tfType.Tensor2D): Promise<DenseMatrix> {
  const [rows, cols] = t.shape;
  return { rows, cols, values: Float64Array.from(await t.data()) };
}

/**
 * out[b, i] = log Σ_j exp(logK[i, j] + V[b, j]) for V of shape [B, p], with its gradient
 * dV[b, j] = Σ_i dOut[b, i] softmax_j(logK[i, ·] + V[b, ·]), one batched product.
 */
function logKernelApply(tf: Tf, logK: tfType.Tensor2D): (V: tfType.Tensor2D) => tfType.Tensor2D {
  const p = logK.shape[0];
  const forward = (V: tfType.Tensor, save: tfType.GradSaveFunc) => {
    const B = V.shape[0];
    const T = logK.expandDims(0).add(V.reshape([B, 1, p])) as tfType.Tensor3D; // [B, i, j]
    const top = T.max(2, true);
    const E = T.sub(top).exp();
    const sums = E.sum(2, true);
    save([E, sums]);
    return {
      value: sums.log().add(top).reshape([B, p]),
      // The softmax is E / sums: the division goes on dy (B·p numbers), not on E (B·p·p).
      gradFunc: (dy: tfType.Tensor, [e, s]: tfType.Tensor[]) => tf.matMul(dy.reshape([B, p, 1]).div(s).reshape([B, 1, p]) as tfType.Tensor3D, e as tfType.Tensor3D).reshape([B, p]),
    };
  };
  // customGrad's type takes inputs and the save function as one rest parameter.
  const apply = tf.customGrad(forward as unknown as Parameters<Tf['customGrad']>[0]);
  return (V) => apply(V) as tfType.Tensor2D;
}

/**
 * log(K e^{S}) for S of shape [n, m] (one observation per row), the kernel being that of the
 * ground cost at ε. Returns a function of S and the tensors it holds (for the caller to free).
 */
function logKernel(tf: Tf, ground: TfGroundCost, epsilon: number): { apply: (S: tfType.Tensor2D) => tfType.Tensor2D; held: tfType.Tensor[] } {
  if (!('kind' in ground)) {
    const logK = tf.tensor2d(Float32Array.from(ground.values, (c) => -c / epsilon), [ground.size, ground.size]);
    return { apply: logKernelApply(tf, logK), held: [logK] };
  }
  const { width: w, height: h } = ground;
  const scale = imageGridMeanCost(w, h) * epsilon;
  const line = (p: number) => tf.tensor2d(Float32Array.from({ length: p * p }, (_, t) => -((Math.floor(t / p) - (t % p)) ** 2) / scale), [p, p]);
  const logKw = line(w);
  const logKh = line(h);
  const overColumns = logKernelApply(tf, logKw);
  const overRows = logKernelApply(tf, logKh);
  const apply = (S: tfType.Tensor2D) => {
    const n = S.shape[0];
    // [n, h, w]: columns first (the last axis), then rows, by a transpose to [n, w, h].
    const A = overColumns(S.reshape([n * h, w]) as tfType.Tensor2D).reshape([n, h, w]).transpose([0, 2, 1]);
    return overRows(A.reshape([n * w, h]) as tfType.Tensor2D).reshape([n, w, h]).transpose([0, 2, 1]).reshape([n, h * w]) as tfType.Tensor2D;
  };
  return { apply, held: [logKw, logKh] };
}

export async function wassersteinNmfTf(tf: Tf, X: DenseMatrix, ground: TfGroundCost, options: WassersteinNmfTfOptions): Promise<WassersteinNmfResult> {
  const { k, epsilon } = options;
  const rho1 = options.rho1 ?? 0.05;
  const rho2 = options.rho2 ?? 0.05;
  const outerIterations = options.outerIterations ?? 10;
  const sliceMs = options.sliceMs ?? 30;
  const lbfgsOptions: LbfgsOptions = { maxIterations: 250, gradTol: 1e-4, ...options.lbfgs };
  assertNonNegative(X, 'X');
  const m = X.rows;
  const n = X.cols;
  if (groundSize(ground) !== m) throw new RangeError(`the cost has ${groundSize(ground)} bins but X has ${m} rows`);
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
  const start = options.init ?? randomHistogramInit(m, k, n, options.seed ?? 0);
  const histograms = normalizeColumns(cloneMatrix(X));
  const D0 = normalizeColumns(cloneMatrix(start.D));
  const L0 = normalizeColumns(cloneMatrix(start.Lambda));

  // Tensors held across the run; all freed at the end.
  const kernel = logKernel(tf, ground, epsilon);
  // The marginals transposed, one observation per row, as the kernel takes them.
  const aT = tf.tidy(() => tf.tensor2d(Float32Array.from(histograms.values), [m, n]).transpose());
  // Σ a (1 − log a), with 0 log 0 = 0: constant in G, so computed once.
  let entropyOfA = 0;
  for (const v of histograms.values) if (v > 0) entropyOfA += v * (1 - Math.log(v));
  let D = tf.tensor2d(Float32Array.from(D0.values), [m, k]);
  let Lambda = tf.tensor2d(Float32Array.from(L0.values), [k, n]);

  // Σ_c OT*_ε(a_c, G_c) = ε (Σ a ⊙ log(K e^{G/ε}) + Σ a (1 − log a)).
  const semiDual = (G: tfType.Tensor): tfType.Scalar =>
    tf.tidy(() => aT.mul(kernel.apply(G.transpose().div(epsilon) as tfType.Tensor2D)).sum().add(entropyOfA).mul(epsilon) as tfType.Scalar);
  // −DᵀG/ρ₁ (k × n): LSE and softmax over atoms, per column.
  const weightsLogits = (G: tfType.Tensor) => tf.matMul(D, G as tfType.Tensor2D, true, false).div(-rho1);
  // −GΛᵀ/ρ₂ (m × k): LSE and softmax over bins, per atom.
  const dictionaryLogits = (G: tfType.Tensor) => tf.matMul(G as tfType.Tensor2D, Lambda, false, true).div(-rho2);
  const weightsDual = (G: tfType.Tensor) => tf.tidy(() => semiDual(G).add(tf.logSumExp(weightsLogits(G), 0).sum().mul(rho1)) as tfType.Scalar);
  const dictionaryDual = (G: tfType.Tensor) => tf.tidy(() => semiDual(G).add(tf.logSumExp(dictionaryLogits(G), 0).sum().mul(rho2)) as tfType.Scalar);

  const ops = tfVectorOpsAsync(tf);
  const steps: WassersteinNmfStep[] = [];
  const history: number[] = [];
  let allInnerConverged = true;
  let stopped = false;
  let outer = 0;
  try {
    while (outer < outerIterations && !stopped) {
      outer++;
      for (const block of ['dictionary', 'weights'] as const) {
        const dual = block === 'dictionary' ? dictionaryDual : weightsDual;
        const G0 = tf.tidy(() => tf.variable(tf.zeros([m, n]), false));
        // A stop asked for between iterations ends the solve at its next iteration, through the
        // L-BFGS's own exit, which frees every vector it allocated.
        const inner = lbfgsIterationsAsync(ops, tfObjectiveAsync(tf, dual), G0, { ...lbfgsOptions, onIteration: (p) => lbfgsOptions.onIteration?.(p) || stopped });
        let sliceEnd = performance.now() + sliceMs;
        let next = await inner.next();
        while (!next.done) {
          if (options.onInner?.({ outer, block, lbfgs: next.value })) stopped = true;
          // Reads that resolve at once (wasm, cpu) never give the thread back by themselves.
          if (performance.now() >= sliceEnd) {
            await yieldToEventLoop();
            sliceEnd = performance.now() + sliceMs;
          }
          next = await inner.next();
        }
        G0.dispose();
        const result = next.value;
        if (stopped) {
          result.x.dispose();
          break;
        }
        const dualTensor = tf.tidy(() => dual(result.x));
        const dualObjective = (await dualTensor.data())[0];
        dualTensor.dispose();
        const factor = tf.tidy(() => (block === 'dictionary' ? tf.softmax(dictionaryLogits(result.x).transpose()).transpose() : tf.softmax(weightsLogits(result.x).transpose()).transpose()) as tfType.Tensor2D);
        result.x.dispose();
        if (block === 'dictionary') {
          D.dispose();
          D = factor;
        } else {
          Lambda.dispose();
          Lambda = factor;
        }
        // Yield between steps, so a page stays responsive.
        await yieldToEventLoop();
        const factors = { D: await toDense(D), Lambda: await toDense(Lambda) };
        const heldFixedEntropy = block === 'dictionary' ? rho1 * negativeEntropy(factors.Lambda.values) : rho2 * negativeEntropy(factors.D.values);
        if (!result.converged) allInnerConverged = false;
        const step: WassersteinNmfStep = {
          outer,
          block,
          objective: -dualObjective + heldFixedEntropy,
          dualObjective,
          lbfgs: { iterations: result.iterations, evaluations: result.evaluations, gradNorm: result.gradNorm, converged: result.converged, status: result.status, reason: result.reason },
        };
        steps.push(step);
        if (block === 'weights') history.push(step.objective);
        if (options.onStep?.(step, factors)) {
          stopped = true;
          break;
        }
      }
    }
    return { D: await toDense(D), Lambda: await toDense(Lambda), steps, history, outerIterations: outer, allInnerConverged, stopped };
  } finally {
    tf.dispose([...kernel.held, aT, D, Lambda]);
  }
}

// Wasserstein NMF on tfjs, for the GPU: the same alternation of the two convex duals as the
// Float64 version (wassersteinNmf.ts), with the semi-dual written in tensor ops (log K e^{G/ε}
// as a log-sum-exp over the dense kernel) and gradients by autodiff, each dual minimised by
// the L-BFGS on tensors. Float32 on the device: the potentials live in log space, so nothing
// overflows, but the inner solves stop at a looser gradient tolerance than in Float64.
import type * as tfType from '@tensorflow/tfjs';
import { minimizeLbfgsWith, type LbfgsOptions } from '../optim/lbfgs';
import { tfObjective, tfVectorOps } from '../optim/tfVectorOps';
import type { CostMatrix } from '../transport/cost';
import { assertNonNegative, cloneMatrix, normalizeColumns, type DenseMatrix } from './dense';
import { negativeEntropy, randomHistogramInit, type WassersteinNmfResult, type WassersteinNmfStep } from './wassersteinNmf';

type Tf = typeof tfType;

export interface WassersteinNmfTfOptions {
  k: number;
  epsilon: number;
  rho1?: number;
  rho2?: number;
  outerIterations?: number;
  lbfgs?: LbfgsOptions;
  seed?: number;
  init?: { D: DenseMatrix; Lambda: DenseMatrix };
  onStep?: (step: WassersteinNmfStep) => boolean | void;
}

function toDense(t: tfType.Tensor2D): DenseMatrix {
  const [rows, cols] = t.shape;
  return { rows, cols, values: Float64Array.from(t.dataSync()) };
}

export async function wassersteinNmfTf(tf: Tf, X: DenseMatrix, cost: CostMatrix, options: WassersteinNmfTfOptions): Promise<WassersteinNmfResult> {
  const { k, epsilon } = options;
  const rho1 = options.rho1 ?? 0.05;
  const rho2 = options.rho2 ?? 0.05;
  const outerIterations = options.outerIterations ?? 10;
  const lbfgsOptions: LbfgsOptions = { maxIterations: 250, gradTol: 1e-4, ...options.lbfgs };
  assertNonNegative(X, 'X');
  const m = X.rows;
  const n = X.cols;
  if (cost.size !== m) throw new RangeError(`the cost has ${cost.size} bins but X has ${m} rows`);
  const start = options.init ?? randomHistogramInit(m, k, n, options.seed ?? 0);
  const histograms = normalizeColumns(cloneMatrix(X));
  const D0 = normalizeColumns(cloneMatrix(start.D));
  const L0 = normalizeColumns(cloneMatrix(start.Lambda));

  // Tensors held across the run; all freed at the end.
  const logK = tf.tensor2d(Float32Array.from(cost.values, (c) => -c / epsilon), [m, m]);
  const a = tf.tensor2d(Float32Array.from(histograms.values), [m, n]);
  // Σ a (1 − log a), with 0 log 0 = 0: constant in G, so computed once.
  let entropyOfA = 0;
  for (const v of histograms.values) if (v > 0) entropyOfA += v * (1 - Math.log(v));
  let D = tf.tensor2d(Float32Array.from(D0.values), [m, k]);
  let Lambda = tf.tensor2d(Float32Array.from(L0.values), [k, n]);

  // Σ_c OT*_ε(a_c, G_c) = ε (Σ a ⊙ log(K e^{G/ε}) + Σ a (1 − log a)).
  const semiDual = (G: tfType.Tensor): tfType.Scalar =>
    tf.tidy(() => {
      const logKg = tf.logSumExp(logK.expandDims(2).add(G.div(epsilon).expandDims(0)), 1) as tfType.Tensor2D;
      return a.mul(logKg).sum().add(entropyOfA).mul(epsilon) as tfType.Scalar;
    });
  // −DᵀG/ρ₁ (k × n): LSE and softmax over atoms, per column.
  const weightsLogits = (G: tfType.Tensor) => tf.matMul(D, G as tfType.Tensor2D, true, false).div(-rho1);
  // −GΛᵀ/ρ₂ (m × k): LSE and softmax over bins, per atom.
  const dictionaryLogits = (G: tfType.Tensor) => tf.matMul(G as tfType.Tensor2D, Lambda, false, true).div(-rho2);
  const weightsDual = (G: tfType.Tensor) => tf.tidy(() => semiDual(G).add(tf.logSumExp(weightsLogits(G), 0).sum().mul(rho1)) as tfType.Scalar);
  const dictionaryDual = (G: tfType.Tensor) => tf.tidy(() => semiDual(G).add(tf.logSumExp(dictionaryLogits(G), 0).sum().mul(rho2)) as tfType.Scalar);

  const ops = tfVectorOps(tf);
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
        const result = minimizeLbfgsWith(ops, tfObjective(tf, dual), G0, lbfgsOptions);
        G0.dispose();
        const dualObjective = tf.tidy(() => dual(result.x).dataSync()[0]);
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
        await new Promise((r) => setTimeout(r, 0));
        const heldFixedEntropy = block === 'dictionary' ? rho1 * negativeEntropy(Float64Array.from(Lambda.dataSync())) : rho2 * negativeEntropy(Float64Array.from(D.dataSync()));
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
        if (options.onStep?.(step)) {
          stopped = true;
          break;
        }
      }
    }
    return { D: toDense(D), Lambda: toDense(Lambda), steps, history, outerIterations: outer, allInnerConverged, stopped };
  } finally {
    tf.dispose([logK, a, D, Lambda]);
  }
}

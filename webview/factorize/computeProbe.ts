// Which path runs Wasserstein NMF by default, by measurement: a representative step of the job
// itself (one outer iteration of at most PROBE_INNER L-BFGS iterations per dual step, on the
// data's own bins and grid and its first PROBE_COLUMNS observations) on tfjs (float32, on the
// panel's measured backend) and on the core's Float64 code, both timed with the platform's
// `timeWork` (webview/common/backend.ts). Both paths' work grows alike with the observations, so
// the faster on the probe is the faster on the whole run. Typed without the DOM (tested in Node).
import type * as tfType from '@tensorflow/tfjs';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import { defaultFactorizeConfig, factorizeIterations, type GridSpec } from '../../src/core/factorize/job';
import { factorizeTf, tfJobUnsupported } from '../../src/core/factorize/jobTf';
import { fasterPath, timeWork, type BackendTiming, type PathChoice } from '../common/backend';

export const PROBE_COLUMNS = 8;
export const PROBE_INNER = 3;

/** Both paths timed on one probe step; `choice` names the faster ('tfjs' or 'float64'). */
export interface ComputeProbe {
  tfjs: BackendTiming;
  float64: BackendTiming;
  /** `faster` is 'tfjs', 'float64' or null; the reason in words. */
  choice: PathChoice;
}

/** The first `cols` observations (columns) of X. */
function firstColumns(X: DenseMatrix, cols: number): DenseMatrix {
  const values = new Float64Array(X.rows * cols);
  for (let i = 0; i < X.rows; i++) values.set(X.values.subarray(i * X.cols, i * X.cols + cols), i * cols);
  return { rows: X.rows, cols, values };
}

/** Times both paths on the data's probe step; null when the tfjs path cannot take this data. */
export async function measureCompute(tf: typeof tfType, backend: string, emulated: boolean, X: DenseMatrix, grid: GridSpec, budgetMs = 250): Promise<ComputeProbe | null> {
  const config = { ...defaultFactorizeConfig('wasserstein', grid, 2), iterations: 1, innerIterations: PROBE_INNER };
  const probe = firstColumns(X, Math.min(PROBE_COLUMNS, X.cols));
  if (tfJobUnsupported(config, probe.rows, probe.cols)) return null;
  const tfjs = await timeWork(`tfjs on ${backend}${emulated ? ' (a CPU emulation of a GPU)' : ''}`, async () => {
    await factorizeTf(tf, probe, config, { sliceMs: 1000 });
  }, { emulated, budgetMs });
  const float64 = await timeWork('Float64 on the CPU', () => {
    const job = factorizeIterations(probe, config);
    while (!job.next().done);
  }, { budgetMs });
  const choice = fasterPath(tfjs, float64, `a Wasserstein NMF step (${probe.rows} bins × ${probe.cols} observations)`);
  return { tfjs, float64, choice: { ...choice, faster: choice.faster === null ? null : choice.faster === tfjs.name ? 'tfjs' : 'float64' } };
}

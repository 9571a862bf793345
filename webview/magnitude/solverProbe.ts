// What `auto` solves with on this page, by measurement: the same small weighting-vector problem
// (a seeded disk of PROBE_POINTS points, not the user's data) solved by the tfjs CG on the panel's
// backend, with a fixed number of iterations each reading its residual back as the real solves
// do, and by the Float64 dense Cholesky that `auto` runs otherwise. Both are timed with the
// platform's `timeWork` (webview/common/backend.ts); state.ts `autoSolver` weighs the two for the
// size of the points in hand. A CPU emulation of a GPU (SwiftShader) thus never gets `auto` unless
// it measured faster. Typed without the DOM (tested in Node).
import { pointSpace, weightingVector, weightingVectorTf, type TfNamespace } from '../../src/core/magnitude/index';
import { disk } from '../../src/core/points/samples';
import { timeWork } from '../common/backend';
import type { SolverProbe } from './state';

/** Points of the probe problem, and the CG iterations timed on it. */
export const PROBE_POINTS = 192;
export const PROBE_CG_ITERATIONS = 20;
/** The probe's scale: the disk has radius 1, so the kernel is neither the identity nor flat. */
const PROBE_T = 8;

/** Times both paths on the probe problem, on the current tfjs backend. */
export async function measureSolvers(tf: TfNamespace, backend: string, emulated: boolean, budgetMs = 250): Promise<SolverProbe> {
  const cloud = disk(PROBE_POINTS, { seed: 3 });
  const space = pointSpace({ n: cloud.n, dim: cloud.dim, data: cloud.data }, 'euclidean');
  const tfjs = await timeWork(`tfjs CG on ${backend}${emulated ? ' (a CPU emulation of a GPU)' : ''}`, async () => {
    await weightingVectorTf(tf, space, PROBE_T, { tol: 1e-12, maxIterations: PROBE_CG_ITERATIONS });
  }, { emulated, budgetMs, firstStepLimitMs: 4000 });
  const float64 = await timeWork('Float64 Cholesky', () => {
    weightingVector(space, PROBE_T, { solver: 'cholesky' });
  }, { budgetMs });
  return { backend, emulated, m: PROBE_POINTS, tfjs, float64 };
}

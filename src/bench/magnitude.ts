// Weighting vectors against scipy's dense Cholesky (the magnipy library's default method), on the
// same uniform points in the unit square, distances included on both sides; plus the sparse
// solver at large n, the matrix-free CG's memory, and the magnitude-function sweep.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../core/io/npy';
import {
  magnitudeFunction, pointSpace, SWEEP_TOLERANCE, type MagnitudeFunctionResult, weightingVector, weightingVectorCg, weightingVectorCholesky, weightingVectorSparse, type PointSet, type WeightingResult,
} from '../core/magnitude/index';
import { createMaskedMatrix } from '../core/matrix/masked';
import { seededRng } from '../core/random';
import { runPython, type BenchRow, type BenchSection } from './harness';

function uniformSquare(n: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim: 2, data: Float64Array.from({ length: 2 * n }, () => rng()) };
}

function savePoints(dir: string, points: PointSet): string {
  const m = createMaskedMatrix(points.n, points.dim);
  m.values.set(points.data);
  m.observed.fill(1);
  const path = join(dir, `points-${points.n}.npy`);
  writeFileSync(path, writeNpy(m));
  return path;
}

/** scipy: cdist, Z = exp(−t·D) in place, cho_factor/cho_solve, all timed (best of `repeats`). */
const SCIPY_DENSE = `
import json, sys, time
import numpy as np
from scipy.spatial.distance import cdist
from scipy.linalg import cho_factor, cho_solve
x = np.load(sys.argv[1]); t = float(sys.argv[2]); repeats = int(sys.argv[3])
times = []
for _ in range(repeats):
    t0 = time.perf_counter()
    z = cdist(x, x)
    z *= -t
    np.exp(z, out=z)
    c = cho_factor(z, lower=True, overwrite_a=True, check_finite=False)
    w = cho_solve(c, np.ones(len(x)), check_finite=False)
    times.append(time.perf_counter() - t0)
    del z, c
print(json.dumps({'seconds': min(times), 'magnitude': float(w.sum())}))`;

/**
 * scipy on the truncated kernel: cKDTree pairs within the radius −ln(truncation)/t, Z̃ in CSR with
 * the unit diagonal, CG from zero to ‖Z̃w − 1‖ ≤ rtol·‖1‖ = tol·√n.
 */
const SCIPY_SPARSE = `
import json, sys, time
import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import cg
from scipy.spatial import cKDTree
import inspect
rtol = 'rtol' if 'rtol' in inspect.signature(cg).parameters else 'tol'  # scipy < 1.12 calls it tol
x = np.load(sys.argv[1]); t = float(sys.argv[2]); trunc = float(sys.argv[3]); tol = float(sys.argv[4]); repeats = int(sys.argv[5])
n = len(x)
radius = -np.log(trunc) / t
times = []
for _ in range(repeats):
    iterations = [0]
    t0 = time.perf_counter()
    pairs = cKDTree(x).query_pairs(radius, output_type='ndarray')
    i, j = pairs[:, 0], pairs[:, 1]
    v = np.exp(-t * np.sqrt(((x[i] - x[j]) ** 2).sum(1)))
    diag = np.arange(n)
    z = sp.csr_matrix((np.concatenate([v, v, np.ones(n)]), (np.concatenate([i, j, diag]), np.concatenate([j, i, diag]))), shape=(n, n))
    w, info = cg(z, np.ones(n), **{rtol: tol}, atol=0.0, maxiter=1000, callback=lambda _: iterations.__setitem__(0, iterations[0] + 1))
    times.append(time.perf_counter() - t0)
residual = float(np.linalg.norm(z @ w - 1) / np.sqrt(n))
print(json.dumps({'seconds': min(times), 'magnitude': float(w.sum()), 'iterations': iterations[0], 'info': int(info), 'residual': residual, 'perRow': float(z.nnz - n) / n}))`;

interface ScipySparse {
  seconds: number;
  magnitude: number;
  iterations: number;
  info: number;
  residual: number;
  perRow: number;
}

function scipySparse(path: string, t: number, truncation: number, tol: number, repeats: number): ScipySparse {
  const r = runPython<ScipySparse>(SCIPY_SPARSE, [path, String(t), String(truncation), String(tol), String(repeats)]);
  if (r.info !== 0) throw new Error(`scipy's CG did not converge (info ${r.info})`);
  return r;
}

function scipyDense(path: string, t: number, repeats: number): { seconds: number; magnitude: number } {
  return runPython(SCIPY_DENSE, [path, String(t), String(repeats)]);
}

/** Best of `repeats` solves (the least disturbed by other load on a shared machine); returns the last result too. */
function timeSolve(solve: () => WeightingResult, repeats: number): { seconds: number; result: WeightingResult } {
  const times: number[] = [];
  let result: WeightingResult | null = null;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    result = solve();
    times.push((performance.now() - t0) / 1000);
  }
  return { seconds: Math.min(...times), result: result! };
}

function agreement(a: number, b: number): string {
  return `Mag ${a.toPrecision(8)} (scipy ${b.toPrecision(8)}, rel. diff ${(Math.abs(a - b) / Math.abs(b)).toExponential(1)})`;
}

function log(message: string): void {
  process.stderr.write(`bench magnitude: ${message}\n`);
}

/** Which rows run: the whole section by default; the speed section picks the equal-work rows. */
export interface MagnitudePlan {
  memory: boolean;
  dense: number[];
  sparse: Array<readonly [n: number, seed: number]>;
  sweeps: Array<readonly [n: number, solver: 'auto' | 'cg']>;
}

const FULL_PLAN: MagnitudePlan = {
  memory: true,
  dense: [1000, 2000, 5000, 10000],
  sparse: [[20000, 20], [100000, 100]],
  sweeps: [[2000, 'auto'], [2000, 'cg']],
};

export async function magnitudeBench(dir: string, plan: MagnitudePlan = FULL_PLAN): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const loadBefore = loadavg()[0];

  // 1. Memory first, while the process is still small: matrix-free CG at n = 20 000, sampled on
  //    every iteration, against the n² doubles a stored Z would take.
  if (plan.memory) {
    const n = 20000;
    const t = 1000;
    const space = pointSpace(uniformSquare(n, 20));
    const before = process.memoryUsage();
    let peakRss = before.rss;
    let peakBuffers = before.arrayBuffers;
    const t0 = performance.now();
    const result = weightingVectorCg(space, t, {
      onIteration: () => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const dense = 8 * n * n;
    const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
    log(`CG memory n=${n}: ${seconds.toFixed(1)} s, peak rss +${mb(peakRss - before.rss)}, arrayBuffers peak ${mb(peakBuffers)}`);
    rows.push({
      case: `memory: matrix-free CG, n = 20,000, t = ${t}`,
      lacuna: seconds,
      peer: null,
      peerName: '—',
      note: `peak RSS growth ${mb(peakRss - before.rss)}, peak arrayBuffers ${mb(peakBuffers)} (sampled every iteration, ${result.iterations} iterations) vs n² × 8 B = ${mb(dense)} for a stored Z: ${(dense / Math.max(1, peakBuffers)).toFixed(0)}× less; Mag ${result.magnitude.toPrecision(8)}, residual ${result.residual.toExponential(1)}`,
    });
  }

  // 2. Dense Cholesky against scipy at t = 10.
  for (const n of plan.dense) {
    const points = uniformSquare(n, n);
    const path = savePoints(dir, points);
    const repeats = n <= 2000 ? 5 : n <= 5000 ? 3 : 1;
    const space = pointSpace(points);
    weightingVectorCholesky(pointSpace(uniformSquare(1000, 1)), 10); // compile the wasm kernel, start the workers
    const ours = timeSolve(() => weightingVectorCholesky(space, 10), repeats);
    const peer = scipyDense(path, 10, repeats);
    // At n = 5000 also one thread, in the same run, to show what the threads bring.
    const single = n === 5000 ? timeSolve(() => weightingVectorCholesky(space, 10, { threads: 1 }), repeats) : null;
    log(`dense n=${n}: Lacuna ${ours.seconds.toFixed(3)} s, scipy ${peer.seconds.toFixed(3)} s`);
    rows.push({
      case: `dense Cholesky, n = ${n.toLocaleString('en')}, t = 10`,
      lacuna: ours.seconds,
      peer: peer.seconds,
      peerName: 'scipy cdist + cho_factor/cho_solve',
      note: `Lacuna/scipy ${(ours.seconds / peer.seconds).toFixed(2)}× on ${ours.result.threads ?? 1} thread(s); ${agreement(ours.result.magnitude, peer.magnitude)}; residual ${ours.result.residual.toExponential(1)}; best of ${repeats} each${single ? `; on one thread ${single.seconds.toFixed(2)} s (${(single.seconds / peer.seconds).toFixed(2)}× scipy)` : ''}`,
    });
  }

  // 3. The sparse truncation against scipy solving the same truncated kernel: scipy's cKDTree
  //    finds the pairs within the same radius, exp(−t·d) fills a CSR matrix with the unit
  //    diagonal, and scipy.sparse.linalg.cg (unpreconditioned: Lacuna's Jacobi preconditioner is
  //    the identity on a unit diagonal) stops at the same ‖Zw − 1‖/√n ≤ 1e-8. Both timed from the
  //    points to the weights, best of 3, interleaved.
  for (const [n, seed] of plan.sparse) {
    const t = 1000;
    const truncation = 1e-12;
    const points = uniformSquare(n, seed);
    const space = pointSpace(points);
    const path = savePoints(dir, points);
    let ours: { seconds: number; result: WeightingResult } | null = null;
    let peer: ScipySparse | null = null;
    for (let r = 0; r < 3; r++) {
      const mine = timeSolve(() => weightingVectorSparse(space, t, { truncation, tol: 1e-8 }), 1);
      if (!ours || mine.seconds < ours.seconds) ours = mine;
      const theirs = scipySparse(path, t, truncation, 1e-8, 1);
      if (!peer || theirs.seconds < peer.seconds) peer = theirs;
    }
    const truncated = ours!.result.truncation!;
    log(`sparse n=${n}: Lacuna ${ours!.seconds.toFixed(3)} s, scipy sparse ${peer!.seconds.toFixed(3)} s`);
    rows.push({
      case: `sparse truncation, n = ${n.toLocaleString('en')}, t = ${t}`,
      lacuna: ours!.seconds,
      peer: peer!.seconds,
      peerName: 'scipy cKDTree + sparse CSR + sparse.linalg.cg, same truncated kernel',
      note: `Lacuna/scipy ${(ours!.seconds / peer!.seconds).toFixed(2)}×; best of 3 each, interleaved; both keep exp(−t·d) ≥ 1e-12 and stop at ‖Z̃w − 1‖/√n ≤ 1e-8: Lacuna ${truncated.meanRowEntries.toFixed(1)} entries per row, ${ours!.result.iterations} CG iterations (${/preconditioner ([\w-]+)/.exec(ours!.result.notes.join(' '))?.[1] ?? 'its'} preconditioner; scipy's CG has none), scipy ${peer!.perRow.toFixed(1)} entries per row, ${peer!.iterations} iterations; ${agreement(ours!.result.magnitude, peer!.magnitude)}; Lacuna's residual vs the exact Z${truncated.sampledRows < n ? ` on ${truncated.sampledRows} sampled rows` : ''} ${ours!.result.residual.toExponential(1)}${n * n * 8 > 2 ** 34 ? ` (a dense Z would be ${((n * n * 8) / 1e9).toFixed(0)} GB)` : ''}`,
    });
  }

  // 5. The magnitude-function sweep (30 scales) against 30 independent solves at the same scales,
  //    each with the solver's defaults (what a user calling `lacuna magnitude --t` 30 times gets):
  //    the dense path (auto picks Cholesky at n = 2000; the sweep factors at anchor scales and
  //    solves the rest by CG preconditioned with the anchor's factor) and the matrix-free CG path.
  for (const [n, solver] of plan.sweeps) {
    const space = pointSpace(uniformSquare(n, 7));
    // Alternated, best of two each, so a burst of other load does not favour one side.
    let warmSeconds = Infinity;
    let coldSeconds = Infinity;
    let warm: MagnitudeFunctionResult | null = null;
    let cold: WeightingResult[] = [];
    for (let round = 0; round < 2; round++) {
      const t0 = performance.now();
      warm = magnitudeFunction(space, { count: 30, solver, maxExtensions: 0 });
      warmSeconds = Math.min(warmSeconds, (performance.now() - t0) / 1000);
      const t1 = performance.now();
      cold = warm.points.map((p) => weightingVector(space, p.t, { solver, tol: SWEEP_TOLERANCE }));
      coldSeconds = Math.min(coldSeconds, (performance.now() - t1) / 1000);
    }
    if (!warm) throw new Error('unreachable: the sweep ran no round');
    // Against the cold solves' Mag; the exact (Cholesky) Mag where the cold solver was CG.
    const exact = solver === 'cg' ? warm.points.map((p) => weightingVector(space, p.t, { solver: 'cholesky' }).magnitude) : cold.map((c) => c.magnitude);
    let worst = 0;
    warm.points.forEach((p, i) => (worst = Math.max(worst, Math.abs(p.magnitude - exact[i]) / exact[i])));
    const coldIterations = cold.reduce((a, c) => a + (c.iterations ?? 0), 0);
    const coldFactorizations = cold.filter((c) => c.solver === 'cholesky').length;
    const solvers = [...new Set(warm.points.map((p) => p.solver))].join('+');
    const pcgScales = warm.points.filter((p) => p.method === 'pcg').length;
    const dense = warm.points.some((p) => p.method !== undefined);
    log(`sweep n=${n} ${solver}: sweep ${warmSeconds.toFixed(2)} s (${warm.totalIterations} it), cold ${coldSeconds.toFixed(2)} s (${coldIterations} it)`);
    rows.push({
      case: `magnitude function, 30 scales, n = ${n.toLocaleString('en')}, solver ${solver} (${solvers})`,
      lacuna: warmSeconds,
      peer: coldSeconds,
      peerName: '30 independent Lacuna solves',
      note: `sweep/independent **${(warmSeconds / coldSeconds).toFixed(2)}×** (${warmSeconds.toFixed(2)} s vs ${coldSeconds.toFixed(2)} s)${dense ? `; ${warm.factorizations} factorizations in the sweep vs ${coldFactorizations}, the other ${pcgScales} scales by CG preconditioned with the latest anchor's factor (${warm.totalIterations} iterations in all, abandoned ones included)` : ''}${!dense && warm.totalIterations > 0 ? `; CG iterations ${warm.totalIterations} in the sweep vs ${coldIterations}` : ''}; max rel. error of the sweep's Mag against ${solver === 'cg' ? 'exact Cholesky' : 'the independent solves'} ${worst.toExponential(1)}; t_conv ${warm.tConv?.toPrecision(4)}, suggested t ${warm.suggestedScale.t.toPrecision(4)}`,
    });
  }

  return {
    title: 'Magnitude and weighting vectors',
    intro: [
      'Uniform points in the unit square; every time includes computing the distances. The sparse-truncation rows time scipy solving the same truncated kernel (cKDTree pairs within the same radius, a CSR matrix, `scipy.sparse.linalg.cg` to the same tolerance), best of 3 on both sides, interleaved. The peer is scipy’s dense Cholesky (`cdist`, `exp`, `cho_factor`/`cho_solve`, as the magnipy library does), run on the same points (written as .npy) in the same run; scipy’s BLAS uses both cores, and so does Lacuna’s dense Cholesky (WebAssembly SIMD on Node worker threads sharing one memory; the row says how many threads ran).',
      'Lacuna’s dense rows call `weightingVectorCholesky` directly (auto would choose CG or sparse above n = 6,000). The memory row runs first, in a fresh process, and samples `process.memoryUsage()` on every CG iteration.',
      'The sweep rows compare `magnitudeFunction` with the same 30 scales solved independently by `weightingVector` at the sweep’s own tolerance (a dense factorization each for the dense row, a direct solve that needs no tolerance; CG to the same ‖Zw − 1‖/√n ≤ 1e-6 with a fresh preconditioner for the CG row); in the “peer” columns here the peer is Lacuna itself. The sweep factors Z at anchor scales only and solves the others by CG preconditioned with the latest anchor’s Cholesky factor, refactoring when CG is projected to need more iterations than half a factorization costs; the matrix-free path warm-starts CG from the previous weights extrapolated in log t and reuses its preconditioner. Both CG paths stop at ‖Zw − 1‖/√n ≤ 1e-6 and report Mag as the Galerkin estimate 2·Σw − wᵀZw, whose error ‖w − w*‖²_Z is second order in the residual (Σw’s is first order); the row gives the largest error of the sweep’s Mag that results.',
      `Times are the best of the repeats shown. The machine is shared: the 1-minute load average was ${loadBefore.toFixed(1)} when this section started and ${loadavg()[0].toFixed(1)} when it ended (2 cores), so absolute times are inflated and the ratios are noisier than on a quiet machine.`,
    ].join(' '),
    commands: ['npm run bench -- magnitude'],
    rows,
  };
}

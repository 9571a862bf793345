// `npm run bench -- speed`: issue 17's four speed targets and its three equal-work rows in one
// run, each Lacuna measurement beside its peer, alternated, best of the rounds on both sides, on
// the same threads, with the load average at the start and the end. Where a target is missed,
// the profile rows under it say what bounds it (phases timed on both sides, the ViT step's
// kernels by tf.profile). The rows come from the sections that own them (bounds, vitstep,
// weightstep, magnitude), run here with the settings below.
import { cpus, loadavg } from 'node:os';
import { csvRows, denseRows, wnmfRows } from './bounds';
import { magnitudeBench } from './magnitude';
import { vitStepBench } from './vitStep';
import { weightStepBench } from './weightStep';
import type { BenchRow, BenchSection } from './harness';

const log = (s: string) => process.stderr.write(`bench: speed: ${s}\n`);

export async function speedBench(root: string, dir: string): Promise<BenchSection> {
  const loadBefore = loadavg();
  const started = performance.now();
  log('ViT step against PyTorch');
  const vit = await vitStepBench(root, dir);
  log('dense weighting vector, n = 5,000');
  const dense = denseRows(dir, 3);
  log('Wasserstein NMF');
  const wnmf = wnmfRows(dir, { rounds: 2, oneThreadPeer: true });
  log('wide CSV');
  const csv = await csvRows(dir);
  log('equal work: the differentiable weighting-vector step');
  const step = await weightStepBench(dir, [1000]);
  log('equal work: the sparse truncation and the sweep');
  const magnitude = await magnitudeBench(dir, { memory: false, dense: [], sparse: [[20000, 20]], sweeps: [[2000, 'auto']] });
  const loadAfter = loadavg();
  const minutes = (performance.now() - started) / 60000;
  const rows: BenchRow[] = [...vit.rows, ...dense, ...wnmf, ...csv, ...step.rows, ...magnitude.rows];
  const load = (l: number[]) => l.map((x) => x.toFixed(1)).join(', ');
  return {
    title: 'Speed against the native peers at equal work (issue 17, one run)',
    intro: [
      `One invocation measures every row below (${minutes.toFixed(0)} minutes). The machine is shared with other engineers' jobs: load average (1, 5, 15 min) ${load(loadBefore)} at the start and ${load(loadAfter)} at the end, on ${cpus().length} cores, so absolute times are inflated and every ratio is Lacuna and its peer measured alternately in the same minutes.`,
      "**ViT step** (target ≤ 1.5× PyTorch at the same threads): the vitstep section's row, both on one thread (tfjs-backend-wasm has no threads in Node), best of 2 alternated rounds of 20 timed steps; its profile follows the table.",
      "**Dense weighting vector, n = 5,000, t = 10** (target ≤ 1× scipy): Lacuna's `DenseCholesky` (the solver `weightingVectorCholesky` runs) phase by phase against scipy's cdist + exp, cho_factor and cho_solve, both on 2 threads, best of 3 alternated rounds per phase; the whole-solve row is the sum, the phase rows say where the time goes.",
      "**Wasserstein NMF** (target ≤ 1× numpy + scipy on both examples at equal L-BFGS work): the Float64 path (one thread) against the factorize section's numpy + scipy L-BFGS-B peer with numpy's BLAS on one thread too, the same data, initial factors, ε, ρ and L-BFGS settings (250 iterations per dual step, gradient tolerance 1e-4, 10 pairs); each side's K·V and Kᵀ·V counted and timed; fewer outer iterations than the factorize rows (shown); the L-BFGS iteration counts in the notes show the work is the same; best of 2 alternated runs each.",
      "**Wide CSV** (target ≤ 1.5× pandas): the io section's 100,000 × 65 file, Lacuna's read cut after decoding, after splitting into records and whole, against `pandas.read_csv` (C parser), each best of 3 reads, two alternated rounds.",
      '**Equal work** (the three rows issue 17 found unequal): the differentiable weighting-vector step against PyTorch with `torch.linalg.cholesky` + `cholesky_solve` on the same threads (n = 1,000); the sparse truncation against scipy.sparse CG on the same truncated kernel to the same tolerance, best of 3 alternated on both sides (n = 20,000); the magnitude sweep against 30 independent solves at the sweep’s own tolerance (n = 2,000; here the peer column is Lacuna’s independent solves).',
      'GPU: no GPU machine was lent to this run, so there are no real GPU rows; `npm run bench -- gpu` (section “GPU: WebGPU in Node against wasm”) measures them where one is, and refuses an emulated adapter unless `--allow-emulation` is given.',
    ].join('\n\n'),
    commands: ['npm run bench -- speed'],
    rows,
    extra: vit.extra,
  };
}

// The magnitude autoencoder: the seed's experiments through the CLI (`lacuna autoencode`, wasm),
// ρ(w_X, w_code) of the autoencoder, exact PCA and exact t-SNE and the CLI's wall time per epoch;
// then the cost of one differentiable weighting-vector step (forward solve, adjoint solve and
// dL/dh) against n, beside PyTorch (torch.linalg.solve with autograd, float64, CPU), the way the
// seed computed it.
//
// MNIST is the seed's experiment: 3,000 digits, the conv model, t = 0.6 (about 20 minutes on two
// cores with the wasm backend).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { exactWeights, SimilarityFactor } from '../core/magnitude/autoencoder/index';
import { weightLossHost } from '../core/magnitude/autoencoder/weightLoss';
import { seededRng } from '../core/random';
import { runPython, type BenchRow, type BenchSection } from './harness';

interface CliResult {
  n: number;
  t: number;
  architecture: string;
  settings: { lambda: number; epochs: number; burnIn: number; keepBest: boolean };
  rho: { autoencoder: number | null; pca: number | null; tsne: number | null };
  seconds: { total: number; perBurnInEpoch: number; perJointEpoch: number; tsne: number | null };
  backend: string;
}

interface Experiment {
  name: string;
  args: string[];
  seed: number | null;
  note?: string;
}

function log(message: string): void {
  process.stderr.write(`bench autoencoder: ${message}\n`);
}

function cli(args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(__dirname, 'cli.js'), 'autoencode', ...args, '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`lacuna autoencode ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as CliResult;
}

const f3 = (v: number | null) => (v === null || !Number.isFinite(v) ? '—' : v.toFixed(3));

/** One step of L_weight = mean|w_X − w_h| and dL/dh at n random 2-D codes, in PyTorch (float64, CPU). */
const TORCH_STEP = `
import json, sys, time
import numpy as np, torch
torch.set_default_dtype(torch.float64)
h0 = np.load(sys.argv[1]); wx = torch.from_numpy(np.load(sys.argv[2]).reshape(-1)); t = float(sys.argv[3]); repeats = int(sys.argv[4])
times = []
for _ in range(repeats):
    h = torch.from_numpy(h0).clone().requires_grad_(True)
    t0 = time.perf_counter()
    z = torch.exp(-t * torch.cdist(h, h))
    w = torch.linalg.solve(z, torch.ones(len(h0), 1)).squeeze(1)
    loss = (w - wx).abs().mean()
    loss.backward()
    times.append(time.perf_counter() - t0)
print(json.dumps({'seconds': min(times), 'loss': float(loss), 'threads': torch.get_num_threads()}))`;

export async function autoencoderBench(dir: string): Promise<BenchSection> {
  const rows: BenchRow[] = [];
  const loadBefore = loadavg()[0];

  // 1. The seed's experiments through the CLI: ρ for the autoencoder, PCA and t-SNE.
  const experiments: Experiment[] = [
    // The seed used its shapes unscaled, i.e. t = 1; the suggested scale (Mag = √n) is coarser
    // for them (t = 0.54 on the Swiss roll, 0.20 on the sphere of radius 20).
    { name: 'Swiss roll (1,000 points, r = 3, noise 0.03), t = 1', args: ['--sample', 'swissroll', '--n', '1000', '--t', '1'], seed: 0.96, note: 't = 1, the seed’s unscaled shape' },
    { name: 'sphere (1,000 points, r = 20), t = 1', args: ['--sample', 'sphere', '--n', '1000', '--t', '1'], seed: 0.94, note: 't = 1, the seed’s unscaled shape' },
    { name: 'ball (1,000 points, r = 2), suggested t, λ = 10', args: ['--sample', 'ball', '--n', '1000', '--lambda', '10'], seed: 0.52, note: 'the suggested scale and λ = 10 (the default is 5)' },
    {
      name: 'MNIST (3,000 digits, t = 0.6), conv, keep-best',
      args: ['--sample', 'mnist', '--n', '3000', '--t', '0.6', '--arch', 'conv', '--keep-best'],
      seed: 0.72,
      note: 'the seed’s experiment (its PCA scored 0.49)',
    },
  ];
  for (const e of experiments) {
    log(`${e.name}: lacuna autoencode ${e.args.join(' ')}`);
    const r = cli([...e.args, '--backend', 'wasm']);
    log(`  ρ AE ${f3(r.rho.autoencoder)}, PCA ${f3(r.rho.pca)}, t-SNE ${f3(r.rho.tsne)}; ${r.seconds.perJointEpoch.toFixed(3)} s per joint epoch, ${r.seconds.total.toFixed(1)} s in all`);
    const beats = r.rho.autoencoder !== null && r.rho.pca !== null && r.rho.tsne !== null && r.rho.autoencoder > r.rho.pca && r.rho.autoencoder > r.rho.tsne;
    rows.push({
      case: `ρ: ${e.name}`,
      lacuna: r.seconds.total,
      peer: null,
      peerName: '—',
      note:
        `ρ autoencoder **${f3(r.rho.autoencoder)}**${e.seed !== null ? ` (seed ${e.seed.toFixed(2)})` : ''}, PCA ${f3(r.rho.pca)}, t-SNE ${f3(r.rho.tsne)}${beats ? '' : ' (the autoencoder does not beat both)'}; ` +
        `t = ${r.t.toPrecision(4)}, ${r.architecture}, λ = ${r.settings.lambda}, ${r.settings.burnIn} burn-in + ${r.settings.epochs} joint epochs on ${r.backend}: ` +
        `${r.seconds.perBurnInEpoch > 0 ? `${r.seconds.perBurnInEpoch.toFixed(2)} s per burn-in epoch, ` : ''}**${r.seconds.perJointEpoch.toFixed(3)} s per joint epoch** (the CLI's wall time; t-SNE ${r.seconds.tsne?.toFixed(1) ?? '—'} s of the total)` +
        (e.note ? `; ${e.note}` : ''),
    });
  }

  // 2. One differentiable weighting-vector step against n: Z(h), the forward solve, the adjoint
  //    solve and dL/dh (the Float64 Cholesky path the CLI trains with), vs PyTorch's autograd.
  const { writeFileSync } = await import('node:fs');
  const { writeNpy } = await import('../core/io/npy');
  const { createMaskedMatrix } = await import('../core/matrix/masked');
  const saveNpy = (name: string, rowsN: number, cols: number, values: Float64Array) => {
    const m = createMaskedMatrix(rowsN, cols);
    m.values.set(values);
    m.observed.fill(1);
    const path = join(dir, name);
    writeFileSync(path, writeNpy(m));
    return path;
  };
  const t = 1;
  for (const n of [500, 1000, 2000, 3000]) {
    const rng = seededRng(n);
    const h = Float64Array.from({ length: 2 * n }, () => 4 * rng());
    const x = Float64Array.from({ length: 3 * n }, () => 4 * rng());
    const wX = exactWeights(x, n, 3, t);
    const factor = new SimilarityFactor();
    const repeats = n <= 1000 ? 5 : n <= 2000 ? 3 : 2;
    weightLossHost(h, n, 2, t, wX, 'l1', factor); // warm-up: the wasm kernels compile
    const times: number[] = [];
    let loss = NaN;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      loss = weightLossHost(h, n, 2, t, wX, 'l1', factor).loss;
      times.push((performance.now() - t0) / 1000);
    }
    const ours = Math.min(...times);
    let peer: { seconds: number; loss: number; threads: number } | null = null;
    try {
      const wxPath = saveNpy(`wx-${n}.npy`, n, 1, wX);
      const hPath = saveNpy(`h-${n}.npy`, n, 2, h);
      peer = runPython(TORCH_STEP, [hPath, wxPath, String(t), String(repeats)]);
    } catch (err) {
      log(`PyTorch peer unavailable: ${(err as Error).message}`);
    }
    log(`weighting step n=${n}: Lacuna ${ours.toFixed(4)} s, PyTorch ${peer ? peer.seconds.toFixed(4) : '—'} s`);
    rows.push({
      case: `one differentiable weighting-vector step (w_h, adjoint, dL/dh), n = ${n.toLocaleString('en')}`,
      lacuna: ours,
      peer: peer?.seconds ?? null,
      peerName: peer ? `PyTorch (linalg.solve + autograd, float64, ${peer.threads} thread${peer.threads === 1 ? '' : 's'})` : '—',
      note: `best of ${repeats}; Float64 Cholesky (WebAssembly SIMD), one factorisation for both solves; L_weight ${loss.toPrecision(6)}${peer ? ` (PyTorch ${peer.loss.toPrecision(6)})` : ''}`,
    });
  }

  const loadAfter = loadavg()[0];
  return {
    title: 'The magnitude autoencoder',
    intro:
      'ρ is the Pearson correlation of the input’s weighting vector with the 2-D map’s, both exact (Float64) at the same t, computed the same way for the autoencoder, exact PCA and exact t-SNE. ' +
      'The experiments run `lacuna autoencode` (wasm backend, the defaults: seed 42, Adam with weight decay 1e-5, lr 1e-2 linear / 1e-3 conv, t = the suggested scale Mag(t) = √n unless given); the Lacuna column is the CLI’s wall time for the whole run (w_X, training, PCA, t-SNE). ' +
      'MNIST is the seed’s experiment: 3,000 digits, the full batch through the conv model in every joint epoch (the first decoder layer, a transposed convolution of a 1×1 input, runs as one matrix product).' +
      ' The weighting-vector step is one evaluation of L_weight and its gradient with respect to the codes, the inner cost of every joint epoch.' +
      ` The machine's 1-minute load average was ${loadBefore.toFixed(1)} at the start and ${loadAfter.toFixed(1)} at the end (other work shares its cores): the times are wall times under that load.`,
    commands: [
      'npm run bench -- autoencoder',
      ...experiments.map((e) => `node dist/cli.js autoencode ${e.args.join(' ')} --backend wasm --json`),
    ],
    rows,
  };
}

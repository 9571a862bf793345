// The magnitude autoencoder: the seed's experiments through the CLI (`lacuna autoencode`, wasm),
// ρ(w_X, w_code) of the autoencoder, exact PCA and exact t-SNE and the CLI's wall time per epoch;
// the differentiable weighting-vector step against PyTorch is the section `weightstep`
// (src/bench/weightStep.ts).
//
// MNIST is the seed's experiment: 3,000 digits, the conv model, t = 0.6 (about 20 minutes on two
// cores with the wasm backend).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { type BenchRow, type BenchSection } from './harness';

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

export async function autoencoderBench(): Promise<BenchSection> {
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

  const loadAfter = loadavg()[0];
  return {
    title: 'The magnitude autoencoder',
    intro:
      'ρ is the Pearson correlation of the input’s weighting vector with the 2-D map’s, both exact (Float64) at the same t, computed the same way for the autoencoder, exact PCA and exact t-SNE. ' +
      'The experiments run `lacuna autoencode` (wasm backend, the defaults: seed 42, Adam with weight decay 1e-5, lr 1e-2 linear / 1e-3 conv, t = the suggested scale Mag(t) = √n unless given); the Lacuna column is the CLI’s wall time for the whole run (w_X, training, PCA, t-SNE). ' +
      'MNIST is the seed’s experiment: 3,000 digits, the full batch through the conv model in every joint epoch (the first decoder layer, a transposed convolution of a 1×1 input, runs as one matrix product).' +
      ' The inner cost of every joint epoch, one differentiable weighting-vector step, is timed against PyTorch in the section `weightstep`.' +
      ` The machine's 1-minute load average was ${loadBefore.toFixed(1)} at the start and ${loadAfter.toFixed(1)} at the end (other work shares its cores): the times are wall times under that load.`,
    commands: [
      'npm run bench -- autoencoder',
      ...experiments.map((e) => `node dist/cli.js autoencode ${e.args.join(' ')} --backend wasm --json`),
    ],
    rows,
  };
}

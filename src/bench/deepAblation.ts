// GradNorm where it matters, and learning the residual over a base: on data with true zeros
// (the embedded sample; a long-format event table aggregated on H3 cells, where most cell-hours
// are empty and so zero; synthetic zero-inflated counts), the ViT trained with the three
// balances (GradNorm, fixed equal weights, one single loss over all entries) and the SAME loss
// type (MAE, then MSE), scored on the nonzero and the zero targets separately; then the ViT
// over a softImpute base against softImpute alone, on validation and test.
import { cpus, loadavg } from 'node:os';
import { runDeepImputation } from '../core/impute/deepJob';
import { runImputation } from '../core/impute/job';
import type { ClassicalMethod } from '../core/impute/classical';
import type { Metrics } from '../core/impute/metrics';
import type { Balance, LossKind, TrainOptions } from '../core/impute/train';
import { readMatrix } from '../core/io/read';
import { memorySource } from '../core/io/source';
import { createMaskedMatrix, type MaskedMatrix } from '../core/matrix/masked';
import { normal, poisson, seededRng } from '../core/random';
import { trafficSample } from '../core/sample';
import { nodeTf } from '../cli/nodeTf';
import type { BenchSection } from './harness';

/**
 * A point process of events (say, ride pickups) around a city: a few hotspots of different
 * sizes, a daily rhythm with a morning and an evening peak, quieter weekends; one row per event
 * (timestamp, latitude, longitude, count 1), 14 days. Returned as a long-format CSV.
 */
export function eventTable(seed = 11): string {
  const rng = seededRng(seed);
  const center = { lat: 40.7306, lng: -73.9866 };
  const spots = Array.from({ length: 7 }, () => ({ lat: center.lat + 0.03 * normal(rng), lng: center.lng + 0.03 * normal(rng), spread: 0.002 + 0.006 * rng(), rate: 0.5 + 3 * rng() }));
  const lines = ['timestamp,latitude,longitude,count'];
  const start = Date.UTC(2024, 4, 6);
  for (let h = 0; h < 14 * 24; h++) {
    const hour = h % 24;
    const weekend = [5, 6].includes(Math.floor(h / 24) % 7);
    const rhythm = (weekend ? 0.6 : 1) * (0.05 + Math.exp(-((hour - 8) ** 2) / 4) + 0.8 * Math.exp(-((hour - 18) ** 2) / 5) + (hour >= 10 && hour <= 16 ? 0.3 : 0));
    for (const s of spots) {
      const n = poisson(s.rate * rhythm * 3, rng);
      for (let e = 0; e < n; e++) {
        const t = new Date(start + h * 3_600_000 + Math.floor(rng() * 3_600_000));
        lines.push(`${t.toISOString().slice(0, 19)}Z,${(s.lat + s.spread * normal(rng)).toFixed(6)},${(s.lng + s.spread * normal(rng)).toFixed(6)},1`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

/** Zero-inflated counts: per column a structural-zero probability and a Poisson level with a daily rhythm; 10% outages. */
export function zeroInflated(seed = 5, days = 21, cols = 30): MaskedMatrix {
  const rng = seededRng(seed);
  const rows = days * 24;
  const times = Float64Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1) + i * 3_600_000);
  const m = createMaskedMatrix(rows, cols, { times, rowLabels: Array.from(times, (t) => new Date(t).toISOString()) });
  const pi = Array.from({ length: cols }, () => 0.2 + 0.6 * rng());
  const level = Array.from({ length: cols }, () => 2 + 20 * rng());
  for (let i = 0; i < rows; i++) {
    const rhythm = 0.3 + Math.exp(-(((i % 24) - 13) ** 2) / 18);
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      m.values[k] = rng() < pi[j] * (1.2 - rhythm / 1.3) ? 0 : poisson(level[j] * rhythm, rng);
      m.observed[k] = rng() < 0.1 ? 0 : 1;
      if (!m.observed[k]) m.values[k] = 0;
    }
  }
  return m;
}

function zeroShare(m: MaskedMatrix): number {
  let z = 0;
  let n = 0;
  for (let k = 0; k < m.values.length; k++) {
    if (!m.observed[k]) continue;
    n++;
    if (m.values[k] === 0) z++;
  }
  return z / n;
}

const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const row = (name: string, v: Metrics, t: Metrics) => `| ${name} | ${f(v.mae)} | ${f(t.mae)} | ${f(t.nonzero.mae)} | ${f(t.zero.mae)} |`;

export async function ablationBench(kind: 'balance' | 'base' = 'balance'): Promise<BenchSection> {
  const load = loadavg().map((l) => l.toFixed(1)).join(', ');
  const { tf, backend } = await nodeTf(['wasm', 'cpu']);
  const seconds = Number(process.env.LACUNA_BENCH_ABLATION_SECONDS ?? 45);
  const events = await readMatrix(memorySource('events.csv', eventTable()), { h3Resolution: 8, timeBinMs: 3_600_000, aggregate: 'sum', emptyBins: 'zero' });
  const sets: [string, MaskedMatrix][] = [
    ['the embedded sample (48 sensors, 28 days hourly)', trafficSample().matrix],
    [`events on H3 cells (res 8, hourly sums, empty = 0; ${events.matrix.cols} cells × ${events.matrix.rows} hours)`, events.matrix],
    ['synthetic zero-inflated counts (30 columns, 21 days hourly)', zeroInflated()],
  ];
  const protocol = { maskRatio: 0.8, seed: 0, hideAmong: 'observed' as const };
  const train: TrainOptions = { method: 'vit', maxSeconds: seconds, maxEpochs: 60, patience: 6, stepsPerEpoch: 10 };
  const parts: string[] = [];
  for (const [name, data] of sets) {
    const lines = [`### ${name}: ${(100 * zeroShare(data)).toFixed(0)}% of observed entries are zero`, '', '| method | validation MAE | test MAE | test MAE nonzero | test MAE zero |', '|---|---|---|---|---|'];
    for (const method of ['linear', 'softimpute'] as ClassicalMethod[]) {
      const job = runImputation(data, { method, ...protocol });
      lines.push(row(method, job.validation, job.metrics));
    }
    for (const loss of kind === 'balance' ? (['mae', 'mse'] as LossKind[]) : []) {
      for (const balance of ['gradnorm', 'fixed', 'single'] as Balance[]) {
        const job = await runDeepImputation(tf, data, { ...protocol, train: { ...train, loss, balance } });
        lines.push(row(`ViT, ${balance}, ${loss.toUpperCase()}`, job.validation, job.metrics));
        process.stderr.write(`  ${name} ${balance} ${loss}: ${lines.at(-1)}\n`);
        job.trained.model.dispose();
      }
    }
    if (kind === 'base') {
      const plain = await runDeepImputation(tf, data, { ...protocol, train });
      lines.push(row('ViT (GradNorm, MAE), residual over its windows’ interpolation', plain.validation, plain.metrics));
      plain.trained.model.dispose();
      const based = await runDeepImputation(tf, data, { ...protocol, base: 'softimpute', train });
      lines.push(row('ViT (GradNorm, MAE), residual over the softImpute base', based.validation, based.metrics));
      based.trained.model.dispose();
    }
    parts.push(lines.join('\n'));
  }
  if (kind === 'base') {
    return {
      title: 'Learning the residual over a base imputation',
      intro: `The ViT learns a correction to a base: by default each window's linear interpolation; with \`base: 'softimpute'\` (deepJob) softImpute's output, λ chosen on validation, recomputed for each stage without the entries that stage hides or scores. The head starts at zero, so the untrained model is the base, and it is validated before the first step: on validation it cannot end worse than its base. Same data and protocol as the GradNorm section (hide 80% of observed entries, seed 0, ${seconds} s of training at most). Backend ${backend}. Load average at the start: ${load} on ${cpus().length} cores (the machine was shared).`,
      commands: ['npm run bench -- deepbase'],
      rows: [],
      extra: parts.join('\n\n'),
    };
  }
  return {
    title: 'GradNorm where it matters',
    intro:
      `The seed's claim for GradNorm is about data with true zeros. The same ViT (window and patch adapted to the data, ${seconds} s of training at most, early stopping on validation) with the three balances, each with the same loss type: GradNorm (two losses, nonzero-truth and zero-truth, weights balanced by their gradient norms), fixed equal weights on the two losses, and one single loss over all entries. ` +
      `Protocol: hide 80% of the observed entries (zeros too, so the zero targets can be scored), seed 0, temporal split 70/15/15; validation is the validation rows' hidden entries, the test MAE is scored once. softImpute's λ and the learned models' early stop are chosen on validation. On AQI-36 (no zeros) L_z is always 0, the GradNorm weights never move, and GradNorm is exactly the single loss (a unit test checks this). ` +
      `Backend ${backend}. Load average at the start: ${load} on ${cpus().length} cores (the machine was shared).`,
    commands: ['npm run bench -- gradnorm'],
    rows: [],
    extra: parts.join('\n\n'),
  };
}

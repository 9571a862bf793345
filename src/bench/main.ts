// `npm run bench [-- SECTION ...]`: measures Lacuna against its peers in the same run and
// writes BENCHMARKS.md. With section names, only those run, and their sections are replaced
// in the existing file.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/io/node';
import { machineDescription, sectionMarkdown, type BenchSection } from './harness';
import { autoencoderBench } from './autoencoder';
import { factorizeBench } from './factorize';
import { hostBench } from './host';
import { imputeBench } from './impute';
import { ioBench } from './io';
import { magnitudeBench } from './magnitude';
import { deepBench } from './deep';
import { placementBench } from './placement';
import { transportBench } from './transport';
import { weightStepBench } from './weightStep';

const ROOT = resolve(__dirname, '..');

const SECTIONS: Record<string, (ctx: { dir: string; flags: string[] }) => Promise<BenchSection>> = {
  io: ({ dir }) => ioBench(dir),
  impute: () => imputeBench(ROOT),
  'impute-scale': async () => (await import('./imputeScale')).imputeScaleBench(),
  host: () => hostBench(ROOT),
  factorize: ({ dir }) => factorizeBench(dir),
  magnitude: ({ dir }) => magnitudeBench(dir),
  deep: () => deepBench(ROOT),
  optim: async () => (await import('./deep')).optimizerBench(ROOT),
  gradnorm: async () => (await import('./deepAblation')).ablationBench('balance'),
  deepbase: async () => (await import('./deepAblation')).ablationBench('base'),
  autoencoder: () => autoencoderBench(),
  weightstep: ({ dir }) => weightStepBench(dir),
  placement: ({ dir }) => placementBench(ROOT, dir),
  transport: ({ dir }) => transportBench(dir),
  deepspeed: async ({ dir }) => (await import('./deepSpeed')).deepSpeedBench(ROOT, dir),
  vitstep: async ({ dir }) => (await import('./vitStep')).vitStepBench(ROOT, dir),
  bounds: async ({ dir }) => (await import('./bounds')).boundsBench(dir),
  speed: async ({ dir }) => (await import('./speed')).speedBench(ROOT, dir),
  gpu: async ({ flags }) => {
    const { gpuBench, parseGpuFlags } = await import('./gpu');
    return gpuBench(ROOT, parseGpuFlags(flags));
  },
};
/** Sections that run only when named: gpu refuses a machine without a GPU; speed re-runs rows of other sections together. */
const ON_REQUEST = new Set(['gpu', 'speed']);
/** Sections that take flags after the section names (`npm run bench -- gpu --allow-emulation`). */
const TAKES_FLAGS = new Set(['gpu']);

/**
 * `node dist/bench.js --curve '{"method":"kron",...}'`: one AQI-36 learning curve with the given
 * training options, one JSON line per epoch with its VALIDATION MAE, for comparing settings (not
 * a section). Settings are compared on validation only; the test MAE is not printed here.
 */
async function curve(config: string) {
  const { backendOrder, nodeTf } = await import('../cli/nodeTf');
  const { aqiLearningCurve } = await import('./deepCurve');
  const { backend = 'wasm', seed = 0, normalise, ...train } = JSON.parse(config);
  const { tf, backend: used } = await nodeTf(backendOrder(backend));
  process.stdout.write(JSON.stringify({ backend: used, config: train }) + '\n');
  const r = await aqiLearningCurve(tf, ROOT, { normalise, ...train }, { seed, log: (p) => process.stdout.write(JSON.stringify(p) + '\n') });
  process.stdout.write(JSON.stringify({ kept: { minutes: r.final.minutes, step: r.final.step, validation: r.final.validation }, settings: r.settings }) + '\n');
}

async function main() {
  if (process.argv[2] === '--curve') return curve(process.argv[3] ?? '{}');
  const args = process.argv.slice(2);
  const firstFlag = args.findIndex((a) => a.startsWith('--'));
  const wanted = firstFlag < 0 ? args : args.slice(0, firstFlag);
  const flags = firstFlag < 0 ? [] : args.slice(firstFlag);
  for (const w of wanted) if (!SECTIONS[w]) throw new Error(`unknown section "${w}"; choose from ${Object.keys(SECTIONS).join(', ')}`);
  if (flags.length && !wanted.some((w) => TAKES_FLAGS.has(w))) throw new Error(`flags ${flags.join(' ')} need a section that takes them (${[...TAKES_FLAGS].join(', ')})`);
  const names = wanted.length ? wanted : Object.keys(SECTIONS).filter((n) => !ON_REQUEST.has(n));
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-bench-'));
  const out = join(ROOT, 'BENCHMARKS.md');
  const fresh = new Map<string, string>();
  try {
    for (const name of names) {
      process.stderr.write(`bench: ${name}…\n`);
      const section = await SECTIONS[name]({ dir, flags: TAKES_FLAGS.has(name) ? flags : [] });
      fresh.set(name, `${sectionMarkdown(section)}\n_Measured ${new Date().toISOString().slice(0, 10)}._\n\n`);
      process.stderr.write(sectionMarkdown(section) + '\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // Keep the sections not re-run this time, read now (not at the start: a long run must not
  // drop sections that another run wrote meanwhile).
  const previous = existsSync(out) ? readFileSync(out, 'utf8') : '';
  const bodies = new Map<string, string>();
  for (const m of previous.matchAll(/<!-- section:([\w-]+) -->\n([\s\S]*?)<!-- \/section -->/g)) bodies.set(m[1], m[2]);
  for (const [name, body] of fresh) bodies.set(name, body);
  const doc = [
    '# Benchmarks',
    '',
    'Written by `npm run bench`. Every row measures Lacuna and its peer in the same run, on the same machine and data. Peers are Debian’s python3-* packages run with /usr/bin/python3, for comparison only.',
    '',
    '## Machine',
    '',
    machineDescription(),
    '',
    // The bench's own sections in their order, then any other writer's (the e2e panel probe).
    ...[...Object.keys(SECTIONS), ...[...bodies.keys()].filter((n) => !(n in SECTIONS))]
      .filter((n) => bodies.has(n))
      .map((n) => `<!-- section:${n} -->\n${bodies.get(n)}<!-- /section -->\n`),
  ].join('\n');
  await writeFileAtomic(out, doc);
  process.stderr.write(`bench: wrote ${out}\n`);
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exitCode = 1;
});

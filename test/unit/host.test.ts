// The host's activation, against a stand-in for the `vscode` module (the real one only exists
// inside VS Code; the end-to-end tests drive that).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

type Handler = (...args: unknown[]) => unknown;

function fakeVscode() {
  const registered = new Map<string, Handler>();
  const messages: string[] = [];
  const serializers: string[] = [];
  const views: string[] = [];
  class EventEmitter {
    event = () => ({ dispose() {} });
    fire() {}
  }
  const disposable = { dispose() {} };
  const api = {
    EventEmitter,
    commands: {
      registerCommand(id: string, fn: Handler) {
        registered.set(id, fn);
        return disposable;
      },
    },
    window: {
      createOutputChannel: () => ({ appendLine() {}, dispose() {} }),
      registerTreeDataProvider: (id: string) => (views.push(id), disposable),
      registerWebviewPanelSerializer: (id: string) => (serializers.push(id), disposable),
      showInformationMessage(text: string) {
        messages.push(text);
        return Promise.resolve(undefined);
      },
    },
    workspace: { workspaceFolders: undefined, isTrusted: true },
  };
  return { api, registered, messages, serializers, views };
}

test('activation registers every contributed command, the Runs view and the panel serializer; none fails silently', async () => {
  const fake = fakeVscode();
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake.api : original(request, ...rest));
  try {
    const host = await import('../../src/host/extension');
    const subscriptions: { dispose(): void }[] = [];
    const storage = mkdtempSync(join(tmpdir(), 'lacuna-host-'));
    await host.activate({ subscriptions, extensionUri: { fsPath: storage }, globalStorageUri: { fsPath: storage } } as never);
    const manifest = await import('../../package.json');
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...fake.registered.keys()].sort(), contributed);
    assert.deepEqual(fake.views, ['lacuna.runs']);
    for (const view of ['lacuna.training', 'lacuna.magnitude', 'lacuna.factorize']) {
      assert.ok(fake.serializers.includes(view), `a serializer for ${view}`);
      assert.ok(manifest.activationEvents.includes(`onWebviewPanel:${view}`));
    }
  } finally {
    mod._load = original;
  }
});

test('the host bundle does not load tfjs (activation stays light)', async () => {
  const { readFileSync, existsSync } = await import('node:fs');
  const bundle = join(__dirname, '../../dist/host.js');
  assert.ok(existsSync(bundle), 'dist/host.js is missing: npm test builds it first');
  const text = readFileSync(bundle, 'utf8');
  assert.ok(!/@tensorflow\/tfjs/.test(text), 'tfjs must not be bundled into the host');
});

// The host's activation, against a stand-in for the `vscode` module (the real one only exists
// inside VS Code; the end-to-end tests drive that).
import assert from 'node:assert/strict';
import Module from 'node:module';
import { test } from 'node:test';

type Handler = (...args: unknown[]) => unknown;

function fakeVscode() {
  const registered = new Map<string, Handler>();
  const messages: string[] = [];
  const api = {
    commands: {
      registerCommand(id: string, fn: Handler) {
        registered.set(id, fn);
        return { dispose() {} };
      },
    },
    window: {
      showInformationMessage(text: string) {
        messages.push(text);
        return Promise.resolve(undefined);
      },
    },
  };
  return { api, registered, messages };
}

test('activation registers every contributed command, and none fails silently', async () => {
  const fake = fakeVscode();
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const original = mod._load;
  mod._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fake.api : original(request, ...rest));
  try {
    const host = await import('../../src/host/extension');
    const subscriptions: { dispose(): void }[] = [];
    host.activate({ subscriptions } as never);
    const manifest = await import('../../package.json');
    const contributed = manifest.contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual([...fake.registered.keys()].sort(), contributed);
    assert.equal(subscriptions.length, contributed.length, 'every registration is disposed with the extension');
    for (const [id, handler] of fake.registered) {
      const before = fake.messages.length;
      await handler();
      assert.equal(fake.messages.length, before + 1, `${id} tells the user something`);
      assert.match(fake.messages.at(-1)!, /not available in this version/);
    }
  } finally {
    mod._load = original;
  }
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PanelChannel, type WebviewLike } from '../../src/host/panelChannel';
import { isCount } from '../../src/protocol/common';
import { createChannel, type MessageSource, type VsCodeApi } from '../../webview/common/channel';

type ToPage = { type: 'state'; count: number } | { type: 'tick'; n: number } | { type: 'sum'; total: number } | { type: 'error'; message: string };
type ToHost = { type: 'ready' } | { type: 'add'; a: number; b: number } | { type: 'bump' };

/** A page and a webview wired together in memory, as VS Code would. */
function wire() {
  const toPage: unknown[] = [];
  let hostListener: ((raw: unknown) => unknown) | null = null;
  const pageListeners: ((e: { data: unknown }) => void)[] = [];
  const webview: WebviewLike = {
    postMessage: async (m) => {
      toPage.push(m);
      // Structured clone, as postMessage does.
      const data = structuredClone(m);
      queueMicrotask(() => pageListeners.forEach((l) => l({ data })));
      return true;
    },
    onDidReceiveMessage: (listener) => {
      hostListener = listener;
      return { dispose: () => (hostListener = null) };
    },
  };
  const source: MessageSource = { addEventListener: (_t, l) => void pageListeners.push(l) };
  let pageState: { seen: number } | undefined;
  const api: VsCodeApi<{ seen: number }> = {
    postMessage: (m) => void hostListener?.(structuredClone(m)),
    getState: () => pageState,
    setState: (s) => void (pageState = s),
  };
  return { webview, toPage, source, api };
}

function hostSide(webview: WebviewLike, log: string[] = []) {
  let count = 0;
  const channel = new PanelChannel<ToHost, ToPage>(webview, {
    parse: (raw) => {
      if (raw.type === 'add') return isCount(raw.a) && isCount(raw.b) ? { type: 'add', a: raw.a, b: raw.b } : null;
      if (raw.type === 'bump') return { type: 'bump' };
      return null;
    },
    snapshot: () => [{ type: 'state', count }],
    handle: (m) => {
      if (m.type === 'add') {
        if (m.a + m.b > 100) throw new Error('too big');
        return { type: 'sum', total: m.a + m.b };
      }
      count++;
    },
    log: (t) => void log.push(t),
  });
  return { channel, count: () => count };
}

test('the channel re-sends the full state snapshot on every ready, and holds the latest of each type while the page is away', async () => {
  const { webview, toPage, source, api } = wire();
  const { channel } = hostSide(webview);
  channel.post({ type: 'tick', n: 1 });
  channel.post({ type: 'tick', n: 2 });
  assert.deepEqual(toPage, [], 'nothing goes out before ready');

  const page = createChannel<ToHost, ToPage, { seen: number }>({ api, source });
  const states: number[] = [];
  page.on('state', (m) => void states.push(m.count));
  page.ready();
  await channel.settled();
  assert.deepEqual(toPage, [{ type: 'state', count: 0 }, { type: 'tick', n: 2 }], 'the snapshot, then only the latest tick');

  page.post({ type: 'bump' });
  page.post({ type: 'bump' });
  await channel.settled();
  // The page is rebuilt (a hidden page without retained context comes back): it says ready again.
  channel.pageGone();
  channel.post({ type: 'tick', n: 3 });
  page.ready();
  await channel.settled();
  assert.deepEqual(toPage.slice(2), [{ type: 'state', count: 2 }, { type: 'tick', n: 3 }], 'a second ready gets the snapshot again, with the new state');
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(states, [0, 2]);
  assert.equal(channel.readyCount, 2);
});

test('requests get their reply by inReplyTo; a failed handler rejects the request; malformed messages are refused', async () => {
  const { webview, source, api } = wire();
  const log: string[] = [];
  const { channel } = hostSide(webview, log);
  const page = createChannel<ToHost, ToPage, { seen: number }>({ api, source });
  page.ready();
  await channel.settled();
  const [a, b] = await Promise.all([page.request({ type: 'add', a: 2, b: 3 }), page.request({ type: 'add', a: 40, b: 2 })]);
  assert.deepEqual([a, b].map((r) => ({ ...r, inReplyTo: undefined })), [{ type: 'sum', total: 5, inReplyTo: undefined }, { type: 'sum', total: 42, inReplyTo: undefined }]);
  await assert.rejects(page.request({ type: 'add', a: 99, b: 2 }), /too big/);
  await assert.rejects(page.request({ type: 'add', a: -1, b: 2 }), /malformed/);
  api.postMessage({ type: 'nonsense' });
  api.postMessage('not even an object');
  api.postMessage({ type: 'bump', messageId: 'x' });
  await channel.settled();
  assert.equal(log.filter((l) => /malformed/.test(l)).length, 4, log.join('\n'));
  page.setState({ seen: 3 });
  assert.deepEqual(page.getState(), { seen: 3 });
});

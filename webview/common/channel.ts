// The page's side of the panel channel, for every panel: `acquireVsCodeApi()` once, typed post,
// handlers per message type, request/reply by messageId/inReplyTo (as hexeditor's
// MessageHandler), and the UI state VS Code keeps for the page. `ready()` goes last, after the
// handlers are set: the host answers every `ready` with the panel's full state.
import type { Envelope } from '../../src/protocol/common';

export interface VsCodeApi<State> {
  postMessage(message: unknown): void;
  getState(): State | undefined;
  setState(state: State): void;
}

/** Where the page's messages come from (window, or a stand-in in tests). */
export interface MessageSource {
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

declare function acquireVsCodeApi(): VsCodeApi<unknown>;

let api: VsCodeApi<unknown> | null = null;
/** VS Code allows one acquireVsCodeApi() per page. */
function vscodeApi(): VsCodeApi<unknown> {
  api ??= acquireVsCodeApi();
  return api;
}

type Of<U extends Envelope, K extends U['type']> = Extract<U, { type: K }>;
type Handlers<In extends Envelope> = { [K in In['type']]?: (message: Of<In, K>) => void };

export interface Channel<Out extends Envelope, In extends Envelope, State> {
  post(message: Out): void;
  /** Sends a request; resolves with the host's reply, rejects with the error it replied. */
  request<R extends In = In>(message: Out): Promise<R>;
  /** Sets the handler of one message type (a later call replaces it). */
  on<K extends In['type']>(type: K, handler: (message: Of<In, K>) => void): void;
  /** Tells the host the page is up: it answers with the full state. */
  ready(): void;
  getState(): State | undefined;
  setState(state: State): void;
}

export function createChannel<Out extends Envelope, In extends Envelope, State>(
  options: { api?: VsCodeApi<State>; source?: MessageSource; onUnhandled?: (message: In) => void } = {},
): Channel<Out, In, State> {
  const vs = (options.api ?? vscodeApi()) as VsCodeApi<State>;
  const source = options.source ?? (globalThis as unknown as MessageSource);
  const handlers: Handlers<In> = {};
  const waiting = new Map<number, { resolve: (m: In) => void; reject: (err: Error) => void }>();
  let nextId = 1;

  source.addEventListener('message', (event) => {
    const data = event.data as (In & { inReplyTo?: number; message?: unknown }) | null;
    if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
    if (typeof data.inReplyTo === 'number') {
      const w = waiting.get(data.inReplyTo);
      if (!w) return;
      waiting.delete(data.inReplyTo);
      if (data.type === 'error') w.reject(new Error(String(data.message)));
      else w.resolve(data);
      return;
    }
    const handler = handlers[data.type as In['type']] as ((m: In) => void) | undefined;
    if (handler) handler(data);
    else options.onUnhandled?.(data);
  });

  return {
    post: (message) => vs.postMessage(message),
    request<R extends In>(message: Out): Promise<R> {
      const messageId = nextId++;
      return new Promise<R>((resolve, reject) => {
        waiting.set(messageId, { resolve: resolve as (m: In) => void, reject });
        vs.postMessage({ ...message, messageId });
      });
    },
    on(type, handler) {
      (handlers as Record<string, unknown>)[type] = handler;
    },
    ready: () => vs.postMessage({ type: 'ready' }),
    getState: () => vs.getState(),
    setState: (state) => vs.setState(state),
  };
}

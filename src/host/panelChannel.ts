// One channel between a panel's host side and its page, for every panel. It owns the plumbing
// each panel used to copy: validating what the page sends, the `ready` handshake, the outbox of a
// page that is not up, and request/reply by messageId/inReplyTo (as hexeditor's MessageHandler).
//
// The page says `ready` on every load: the first time, and again whenever VS Code rebuilds a
// hidden page. On every `ready` the channel re-sends the panel's full state snapshot (the panel
// builds it from the host's records, the source of truth), then what was posted while the page
// was not up, keeping only the latest message of each type (full states, not deltas).
// No `vscode` import: the panel passes its webview, and tests pass a stand-in.
import { openEnvelope, type Envelope } from '../protocol/common';

/** What the channel needs of a VS Code webview panel. */
export interface WebviewLike {
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (raw: unknown) => unknown): { dispose(): unknown };
}

export interface ChannelOptions<In extends Envelope, Out extends Envelope> {
  /** Validates one message from the page (the envelope's ids are already split off); null refuses it. */
  parse(raw: Record<string, unknown>): In | null;
  /** The full state, re-sent on every `ready`. */
  snapshot(): Out[] | Promise<Out[]>;
  /** Handles a validated message; for a request, what it returns is the reply. */
  handle(message: In, reply: { messageId: number | null }): Promise<Out | void> | Out | void;
  /** Called with an error a handler threw (after the page was told). */
  onError?(err: unknown, message: In): void;
  log(text: string): void;
  /** The message types kept per type while the page is not up (default every type). */
  keepLatest?: (message: Out) => string;
}

export class PanelChannel<In extends Envelope, Out extends Envelope> {
  private up = false;
  private readonly pending = new Map<string, Out>();
  private inbox: Promise<void> = Promise.resolve();
  private readonly subscription: { dispose(): unknown };
  /** How many times the page said ready (tests and logs). */
  readyCount = 0;

  constructor(
    private readonly webview: WebviewLike,
    private readonly options: ChannelOptions<In, Out>,
  ) {
    // One message at a time, in order: a quick run's result must not overtake its `run`.
    this.subscription = webview.onDidReceiveMessage((raw) => {
      this.inbox = this.inbox.then(() => this.receive(raw));
      return this.inbox;
    });
  }

  /** Sends a message now when the page is up; otherwise keeps the latest of its type. */
  post(message: Out): void {
    if (!this.up) {
      this.hold(message);
      return;
    }
    // VS Code answers false when the page is not there to receive (hidden and not retained).
    void Promise.resolve(this.webview.postMessage(message)).then(
      (delivered) => {
        if (delivered === false) {
          this.up = false;
          this.hold(message);
        }
      },
      () => this.hold(message),
    );
  }

  private hold(message: Out): void {
    this.pending.set(this.options.keepLatest?.(message) ?? message.type, message);
  }

  /** The page went away (hidden without retained context, or disposed): hold messages for it. */
  pageGone(): void {
    this.up = false;
  }

  get isUp(): boolean {
    return this.up;
  }

  /** Resolves once every message received so far has been handled (tests). */
  settled(): Promise<void> {
    return this.inbox;
  }

  private async receive(raw: unknown): Promise<void> {
    const envelope = openEnvelope(raw);
    if (envelope?.body.type === 'ready') {
      await this.onReady();
      return;
    }
    const message = envelope ? this.options.parse(envelope.body) : null;
    if (!envelope || !message) {
      this.options.log(`ignored a malformed message${envelope ? ` of type ${JSON.stringify(envelope.body.type)}` : ''}`);
      if (envelope?.messageId !== null && envelope?.messageId !== undefined) this.reply(envelope.messageId, { type: 'error', message: 'the host refused a malformed message' });
      return;
    }
    const messageId = envelope.messageId;
    try {
      const answer = await this.options.handle(message, { messageId });
      if (messageId !== null) this.reply(messageId, answer ?? { type: 'done' });
    } catch (err) {
      const text = (err as Error)?.message ?? String(err);
      this.options.log(text);
      if (messageId !== null) this.reply(messageId, { type: 'error', message: text });
      else this.post({ type: 'error', message: text } as unknown as Out);
      this.options.onError?.(err, message);
    }
  }

  /** Replies go straight to the page that asked; a page that is gone cannot use them. */
  private reply(messageId: number, message: Out | { type: string; message?: string }): void {
    if (this.up) void this.webview.postMessage({ ...message, inReplyTo: messageId });
  }

  private async onReady(): Promise<void> {
    this.readyCount++;
    let snapshot: Out[] = [];
    try {
      snapshot = await this.options.snapshot();
    } catch (err) {
      this.options.log(`building the panel's state: ${(err as Error).message}`);
      snapshot = [{ type: 'error', message: (err as Error).message } as unknown as Out];
    }
    this.up = true;
    const held = [...this.pending.values()];
    this.pending.clear();
    const snapshotTypes = new Set(snapshot.map((m) => m.type));
    for (const m of snapshot) void this.webview.postMessage(m);
    // What was posted while the page was away, except what the snapshot already says afresh.
    for (const m of held) if (!snapshotTypes.has(m.type)) void this.webview.postMessage(m);
  }

  dispose(): void {
    this.up = false;
    this.pending.clear();
    this.subscription.dispose();
  }
}

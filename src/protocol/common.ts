// What every panel's protocol shares: the runtime guards (the host trusts nothing it did not
// check), the request/reply envelope, and the messages every panel sends the same way (ready,
// error, backend, export). A panel's own file (`protocol/<feature>.ts`) adds its union on top.

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v);
}

/** A finite number. */
export const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** A number that is not NaN (±∞ allowed: a loss can blow up and still be reported). */
export const isNumberNotNaN = (v: unknown): v is number => typeof v === 'number' && !Number.isNaN(v);
/** An integer ≥ 0. */
export const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
/** An integer ≥ 1. */
export const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1;
/** A finite number > 0. */
export const isPositiveNumber = (v: unknown): v is number => isFiniteNumber(v) && v > 0;
export const isString = (v: unknown): v is string => typeof v === 'string';
/** A record or run id as the stores write them. */
export const isRecordId = (v: unknown): v is string => typeof v === 'string' && /^[\w-]{1,100}$/.test(v);
/** An ISO timestamp as the stores write them. */
export const isTimestamp = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));
export const isOneOf = <T extends string>(values: readonly T[]) => (v: unknown): v is T => (values as readonly unknown[]).includes(v);
export const isNullOr = <T>(guard: (v: unknown) => v is T) => (v: unknown): v is T | null => v === null || guard(v);
export const isArrayOf = <T>(guard: (v: unknown) => v is T, max = Infinity) => (v: unknown): v is T[] => Array.isArray(v) && v.length <= max && v.every(guard);

/** Every message has a type; a request carries a messageId, its reply the same number in inReplyTo. */
export interface Envelope {
  type: string;
  messageId?: number;
  inReplyTo?: number;
}

/** Splits the envelope from a raw message: the id fields are checked here, the rest by the panel. */
export function openEnvelope(raw: unknown): { body: Record<string, unknown>; messageId: number | null; inReplyTo: number | null } | null {
  if (!isObject(raw) || typeof raw.type !== 'string') return null;
  const { messageId, inReplyTo, ...body } = raw;
  if (messageId !== undefined && !isCount(messageId)) return null;
  if (inReplyTo !== undefined && !isCount(inReplyTo)) return null;
  return { body, messageId: (messageId as number | undefined) ?? null, inReplyTo: (inReplyTo as number | undefined) ?? null };
}

/** The page is up (sent on every load, so a rebuilt page gets the full state again). */
export interface ReadyMessage {
  type: 'ready';
}

/** An error for the page to show; `inReplyTo` rejects the request it answers. */
export interface ErrorMessage {
  type: 'error';
  message: string;
}

/** Which tfjs backend the page chose, and why each better one was not used. */
export interface BackendReport {
  name: string;
  attempts: { name: string; ok: boolean; reason: string }[];
}

export const isBackendReport = (v: unknown): v is BackendReport =>
  isObject(v) && typeof v.name === 'string' && isArrayOf((a: unknown): a is BackendReport['attempts'][number] => isObject(a) && typeof a.name === 'string' && typeof a.ok === 'boolean' && typeof a.reason === 'string', 32)(v.attempts);

export type ExportMime = 'image/png' | 'image/svg+xml' | 'text/csv';
export const EXPORT_MIMES: readonly ExportMime[] = ['image/png', 'image/svg+xml', 'text/csv'];

/** A chart or table the page asks the host to save through a save dialog. */
export interface ExportMessage {
  type: 'export';
  fileName: string;
  mime: ExportMime;
  data: Uint8Array | string;
}

export function parseExport(raw: Record<string, unknown>): ExportMessage | null {
  if (typeof raw.fileName !== 'string' || !isOneOf(EXPORT_MIMES)(raw.mime)) return null;
  if (!(raw.data instanceof Uint8Array) && typeof raw.data !== 'string') return null;
  return { type: 'export', fileName: raw.fileName, mime: raw.mime, data: raw.data };
}

/** A number as JSON keeps it: NaN and ±∞ become null. */
export const storedNumber = (v: number): number | null => (Number.isFinite(v) ? v : null);

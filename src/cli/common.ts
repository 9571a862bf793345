// Shared pieces of the CLI's commands: the streams they write to, usage errors, flag parsing
// and number formatting.

export class UsageError extends Error {}

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e6 || a < 1e-3) ? v.toExponential(3) : v.toFixed(digits);
}

export function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** JSON has no NaN or Infinity: those become null. */
export function jsonNumber(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export function parseNumberFlag(name: string, text: string | undefined, check: (v: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`--${name} expects ${expected}, found "${text}"`);
  return v;
}

export function oneOf<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name} expects one of ${allowed.join(', ')}, found "${text}"`);
  return text as T;
}

/** A plain text table: the first column left-aligned, the rest right-aligned. */
export function textTable(head: string[], body: string[][]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((b) => b[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

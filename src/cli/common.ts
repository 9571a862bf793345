// Shared pieces of the CLI's commands: the streams they write to, usage errors, flag parsing
// and number formatting.
import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { resolveOutputPath } from '../core/io/node';
import type { ShapeChoice, TableShape } from '../core/io/shape';
import { parseDuration } from '../core/io/tables';

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

/**
 * The largest value each number flag takes (the smallest is in each command's check). These
 * are the documented ranges (README, "What Lacuna refuses, and why"): past them a job cannot
 * fit a machine, or a value (a seed past 2^32) would be silently changed.
 */
export const FLAG_MAX: Readonly<Record<string, number>> = {
  seed: 2 ** 32 - 1,
  'mask-ratio': 1,
  'h3-res': 15,
  // deep models
  window: 100_000,
  depth: 64,
  width: 4096,
  heads: 64,
  'max-minutes': 10_080,
  'max-steps': 100_000_000,
  lr: 10,
  batch: 1_000_000,
  epochs: 1_000_000,
  patience: 1_000_000,
  alpha: 1000,
  average: 1,
  // nmf
  k: 10_000,
  epsilon: 1e6,
  rho: 1e12,
  rho1: 1e12,
  rho2: 1e12,
  tolerance: 1,
  iterations: 10_000_000,
  'inner-iterations': 1_000_000,
  // magnitude and autoencode
  n: 1_000_000,
  'max-points': 10_000_000,
  tol: 1,
  top: 1_000_000,
  count: 1000,
  t: 1e12,
  lambda: 1e12,
  'burn-in': 1_000_000,
  'batch-size': 1_000_000,
  // transport
  dim: 100_000,
  'target-dim': 100_000,
  // place
  budget: 1_000_000,
  'keep-ratio': 1,
  population: 10_000,
  generations: 1_000_000,
  draws: 1_000_000,
  'proxy-samples': 10_000,
  'history-rows': 100_000_000,
};

/** The longest time budget a duration flag takes (`--budget 5m`, `--time-budget 10m`): a week. */
export const DURATION_MAX_MS = 7 * 86_400_000;

/**
 * A time-budget flag (`--budget 90s`, `--time-budget 10m`): a positive duration of at most a
 * week (DURATION_MAX_MS), in seconds.
 */
export function durationFlag(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch (err) {
    throw new UsageError(`--${name} ${(err as Error).message}`);
  }
  if (!(ms > 0) || ms > DURATION_MAX_MS) throw new UsageError(`--${name} expects a positive duration such as 90s or 5m, of at most a week (7d), found "${text}"`);
  return ms / 1000;
}

/**
 * An output flag's path: `DIR/` (made if missing) or an existing folder gets `defaultName`
 * inside it, as `impute --out DIR/` does; anything else is the file itself.
 */
export function outputFlag(text: string | undefined, defaultName: string): string | null {
  if (text === undefined) return null;
  const target = resolveOutputPath(text, defaultName);
  if (/[\\/]$/.test(text)) {
    try {
      mkdirSync(dirname(target), { recursive: true });
    } catch (err) {
      throw new Error(`cannot write ${target}: cannot make the folder ${dirname(target)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return target;
}

/** `dir/name.csv` → `name` (the stem default output names are built on). */
export function fileStem(path: string): string {
  return basename(path).replace(/\.[^.]*$/, '');
}

/** A plain decimal number: no hex, binary, octal, 'Infinity' or empty text. */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Parses a number flag strictly: decimal text only (not `0x10`, `1_000` or `Infinity`), finite,
 * passing `check`, and at most the flag's documented maximum (FLAG_MAX). The value returned is
 * the value used, so reports can show it as given.
 */
export function parseNumberFlag(name: string, text: string | undefined, check: (v: number) => boolean, expected: string): number | undefined {
  if (text === undefined) return undefined;
  const max = FLAG_MAX[name];
  const cap = max === undefined || expected.includes(String(max)) ? '' : ` (at most ${max})`;
  const t = text.trim();
  const v = DECIMAL.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(v) || !check(v) || (max !== undefined && v > max)) throw new UsageError(`--${name} expects ${expected}, found "${text}"${cap}`);
  return v;
}

/**
 * Lets a negative number follow its flag: `--seed -1` becomes `--seed=-1`, which node's
 * parseArgs otherwise rejects as ambiguous. Only a token that is a number is joined, so
 * `--out -` or a flag followed by another flag keep their meaning.
 */
export function joinNegativeNumbers(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const next = args[i + 1];
    if (/^--[^=]+$/.test(a) && next !== undefined && /^-(?:\d|\.\d)/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
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

/** The data-shape flags of `impute` and `nmf` (core/io/shape.ts infers what is not given). */
export const SHAPE_OPTIONS = {
  transpose: { type: 'boolean' },
  'no-transpose': { type: 'boolean' },
  'label-columns': { type: 'string' },
  columns: { type: 'string' },
} as const;

export const SHAPE_USAGE = '[--transpose|--no-transpose] [--label-columns COLS|none] [--columns COLS]';

/** The shape the flags set: COLS are header names, 1-based numbers or ranges (2-10), by commas. */
export function shapeChoice(values: { transpose?: boolean; 'no-transpose'?: boolean; 'label-columns'?: string; columns?: string }): ShapeChoice {
  if (values.transpose && values['no-transpose']) throw new UsageError('give --transpose or --no-transpose, not both');
  const choice: ShapeChoice = {};
  if (values.transpose) choice.transpose = true;
  if (values['no-transpose']) choice.transpose = false;
  for (const [flag, key] of [['label-columns', 'labelColumns'], ['columns', 'valueColumns']] as const) {
    const text = values[flag];
    if (text === undefined) continue;
    if (text.trim() === '') throw new UsageError(`--${flag} expects column names, 1-based numbers or ranges separated by commas${flag === 'label-columns' ? ', or none' : ''}`);
    choice[key] = text;
  }
  return choice;
}

/** The shape as the JSON reports give it. */
export function shapeJson(shape: TableShape | undefined): Record<string, unknown> | undefined {
  if (!shape) return undefined;
  const names = (cols: number[]) => cols.map((j) => shape.names[j]);
  return {
    labelColumns: names(shape.labelColumns),
    timeColumn: shape.timeColumn === null ? null : shape.names[shape.timeColumn],
    valueColumns: shape.valueColumns.length,
    leftOut: names(shape.skipped),
    transposed: shape.transpose,
    reasons: { labels: shape.labelReason, time: shape.timeReason, orientation: shape.orientationReason },
  };
}

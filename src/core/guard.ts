// One guard for the memory a job needs, checked before anything large is allocated: matrix
// cells × bytes, a dense Z for magnitude, factors for NMF, a model's activations. A job that
// cannot fit is refused with the estimate, the machine's free memory and the flag that fits,
// instead of growing until V8 aborts.

/** Thrown when a job would not fit: the message gives the estimate, what is free and the way out. */
export class MemoryGuardError extends Error {
  override readonly name = 'MemoryGuardError';
  constructor(
    message: string,
    readonly neededBytes: number,
    readonly availableBytes: number,
  ) {
    super(message);
  }
}

/** The share of free memory one job may plan to use: the rest is for copies, labels and the OS. */
export const MEMORY_SHARE = 0.6;

/**
 * The most elements one typed array may hold here (V8 refuses more); an estimate past it is
 * refused whatever the free memory.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 32 - 1;

interface NodeOs {
  freemem(): number;
  totalmem(): number;
}

function nodeOs(): NodeOs | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.('node:os') as NodeOs | undefined) ?? null;
  } catch {
    return null;
  }
}

/**
 * Bytes this process may still use: the machine's free memory, capped by a container limit
 * and by LACUNA_MEMORY_LIMIT (bytes, or with a k/M/G suffix) when set. Infinity where it
 * cannot be known (a browser).
 */
export function availableMemory(): number {
  const proc = (globalThis as { process?: { env?: Record<string, string | undefined>; constrainedMemory?: () => number | undefined; memoryUsage?: { rss(): number } } }).process;
  let free = Infinity;
  const os = nodeOs();
  if (os) free = os.freemem();
  const constrained = proc?.constrainedMemory?.();
  if (constrained && constrained > 0 && constrained < 2 ** 60) {
    const rss = proc?.memoryUsage?.rss() ?? 0;
    free = Math.min(free, Math.max(0, constrained - rss));
  }
  const limit = parseByteSize(proc?.env?.LACUNA_MEMORY_LIMIT);
  if (limit !== null) free = Math.min(free, limit);
  return free;
}

/** `512M`, `2G`, `1048576`: bytes, or null when the text is empty or not a size. */
export function parseByteSize(text: string | undefined): number | null {
  if (!text) return null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? '').toLowerCase()[0];
  const mult = unit === 'k' ? 2 ** 10 : unit === 'm' ? 2 ** 20 : unit === 'g' ? 2 ** 30 : unit === 't' ? 2 ** 40 : 1;
  return Number(m[1]) * mult;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unbounded';
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} bytes` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[u]}`;
}

export interface MemoryNeed {
  /** What is being sized, e.g. "a 5,000,000 × 12 matrix". */
  what: string;
  /** Estimated bytes. */
  bytes: number;
  /** The largest single typed array, in elements (checked against V8's limit). */
  largestArray?: number;
  /**
   * How to make the job fit, given the bytes that may be used: e.g. "use --time-bin 1h or wider".
   */
  suggest: (budgetBytes: number) => string;
}

/** The bytes a job may plan on: a share of what is available. */
export function memoryBudget(available = availableMemory()): number {
  return available * MEMORY_SHARE;
}

/**
 * Refuses a job that would not fit: throws MemoryGuardError with the estimate, the free memory
 * and the suggestion. Call it before allocating.
 */
export function guardMemory(need: MemoryNeed, available = availableMemory()): void {
  const budget = memoryBudget(available);
  const tooLong = need.largestArray !== undefined && need.largestArray > MAX_ARRAY_ELEMENTS;
  if (need.bytes <= budget && !tooLong && Number.isFinite(need.bytes)) return;
  const free = Number.isFinite(available) ? `${formatBytes(available)} is free (a job may plan on ${Math.round(MEMORY_SHARE * 100)}% of it)` : 'free memory is unknown';
  const array = tooLong ? `, and one array of ${need.largestArray!.toExponential(2)} elements, past the ${MAX_ARRAY_ELEMENTS.toExponential(2)} a typed array may hold` : '';
  throw new MemoryGuardError(`${need.what} needs about ${formatBytes(need.bytes)}${array}; ${free}; ${need.suggest(budget)}`, need.bytes, available);
}

/** Bytes of a masked matrix: a float64 value and a mask byte per cell, plus a label per row and column. */
export function maskedMatrixBytes(rows: number, cols: number): number {
  return rows * cols * 9 + (rows + cols) * 64;
}

/** Nice durations for suggesting a time bin. */
const NICE_BINS: [number, string][] = [
  [1000, '1s'], [5000, '5s'], [15_000, '15s'], [60_000, '1m'], [300_000, '5m'], [900_000, '15m'], [1_800_000, '30m'],
  [3_600_000, '1h'], [10_800_000, '3h'], [21_600_000, '6h'], [43_200_000, '12h'], [86_400_000, '1d'], [604_800_000, '1w'],
];

/** The smallest nice bin width at least `ms` (or a whole number of weeks past them). */
export function niceDuration(ms: number): string {
  for (const [v, name] of NICE_BINS) if (v >= ms) return name;
  return `${Math.ceil(ms / 604_800_000)}w`;
}

// ---------------------------------------------------------------------------------------------
// Estimates per job, used by the CLI and the host before they start one.

/** An imputation: the input, its mask, the result and a few working copies of the matrix. */
export function imputeNeed(rows: number, cols: number, method: string, model?: { width?: number; depth?: number }): MemoryNeed {
  const cells = rows * cols;
  const deep = method === 'kron' || method === 'vit' || method === 'unet';
  // Learned models keep float32 activations per layer and channel for a batch of windows.
  const width = model?.width ?? 32;
  const depth = model?.depth ?? 4;
  const bytes = cells * 9 * 6 + (deep ? cells * 4 * width * depth * 2 : 0);
  return {
    what: `imputing a ${rows} × ${cols} matrix with ${method}`,
    bytes,
    largestArray: cells,
    suggest: (budget) => {
      const fit = Math.floor(budget / Math.max(1, bytes / Math.max(1, rows)));
      return fit >= 1 ? `keep at most ${fit} rows (split the file by time), or use a coarser --time-bin` : 'split the file into fewer columns';
    },
  };
}

/** NMF: X, its complement, D (rows × k), Λ (k × cols), their updates and, for Wasserstein, the kernel. */
export function nmfNeed(rows: number, cols: number, k: number, wasserstein: boolean): MemoryNeed {
  const perK = 8 * 4 * (rows + cols);
  const fixed = 8 * 3 * rows * cols + (wasserstein ? 8 * 2 * rows * rows : 0);
  return {
    what: `NMF of a ${rows} × ${cols} matrix with k = ${k}${wasserstein ? ' (Wasserstein: a ' + rows + ' × ' + rows + ' kernel)' : ''}`,
    bytes: fixed + perK * k,
    largestArray: Math.max(rows * cols, k * Math.max(rows, cols), wasserstein ? rows * rows : 0),
    suggest: (budget) => {
      const fitK = Math.floor((budget - fixed) / perK);
      return fitK >= 1 ? `use --k ${Math.min(k - 1, fitK)} or less` : wasserstein ? 'use --loss frobenius or kl, or a smaller grid' : 'use a smaller matrix';
    },
  };
}

/** A dense similarity matrix Z = exp(−t·d) of n points (Cholesky, or exact weights). */
export function denseZNeed(n: number, what: string, flag: string, alternative?: string): MemoryNeed {
  return {
    what: `${what} (a dense ${n} × ${n} Z)`,
    bytes: 8 * n * n * 1.1,
    largestArray: n * n,
    suggest: (budget) => {
      const fit = Math.floor(Math.sqrt(budget / (8 * 1.1)));
      return `use ${flag} ${Math.min(n - 1, fit)} or fewer${alternative ? `, or ${alternative}` : ''}`;
    },
  };
}

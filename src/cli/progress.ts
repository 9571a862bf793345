// A progress bar for terminals: drawn on stderr only when it is a TTY, silent otherwise, so
// pipes, CI logs and --json output stay clean.

export interface Progress {
  /** Reports `done` of `total` for a phase; total 0 means indeterminate. */
  update(phase: string, done: number, total: number): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
  let last = 0;
  let drawn = false;
  return {
    update(phase, done, total) {
      const now = Date.now();
      if (now - last < 50 && done < total) return;
      last = now;
      const width = 28;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      const filled = Math.round(frac * width);
      const bar = total > 0 ? `[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%` : '[working…]';
      stream.write(`\r${bar} ${phase}`.padEnd(Math.min(100, (stream.columns ?? 80) - 1)));
      drawn = true;
    },
    done() {
      if (drawn) stream.write(`\r${' '.repeat(Math.min(100, (stream.columns ?? 80) - 1))}\r`);
      drawn = false;
    },
  };
}

/**
 * Runs a command's work under a progress bar that is always cleared: on an error, and before the
 * report the work hands back is printed (the bar is on stderr, the report on stdout).
 */
export async function withProgress(stream: NodeJS.WriteStream, enabled: boolean, work: (progress: Progress) => Promise<() => void>): Promise<number> {
  const progress = createProgress(stream, enabled);
  let print: () => void;
  try {
    print = await work(progress);
  } finally {
    progress.done();
  }
  print();
  return 0;
}

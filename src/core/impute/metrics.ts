// Metrics over the scored entries: MAE, RMSE, MSE and MRE, the nonzero-truth and zero-truth
// losses reported separately (the seed's point: a model can look good by fitting zeros), and a
// breakdown per column.

export interface ErrorStats {
  count: number;
  mae: number;
  mse: number;
  rmse: number;
}

export interface Metrics extends ErrorStats {
  /** Mean relative error: sum |error| / sum |truth| (as GRIN and CSDI report it). */
  mre: number;
  /** Errors over targets whose truth is nonzero. */
  nonzero: ErrorStats;
  /** Errors over targets whose truth is zero. */
  zero: ErrorStats;
  perColumn: (ErrorStats & { column: number })[];
}

class Accumulator {
  count = 0;
  abs = 0;
  sq = 0;
  add(err: number) {
    this.count++;
    this.abs += Math.abs(err);
    this.sq += err * err;
  }
  stats(): ErrorStats {
    const n = this.count;
    const mse = n ? this.sq / n : NaN;
    return { count: n, mae: n ? this.abs / n : NaN, mse, rmse: Math.sqrt(mse) };
  }
}

/** Scores `prediction` against `truth` at the entries where `targets` is 1. */
export function evaluate(prediction: Float64Array, truth: Float64Array, targets: Uint8Array, cols: number): Metrics {
  const all = new Accumulator();
  const nonzero = new Accumulator();
  const zero = new Accumulator();
  const perColumn = Array.from({ length: cols }, () => new Accumulator());
  let truthAbs = 0;
  for (let k = 0; k < targets.length; k++) {
    if (!targets[k]) continue;
    const t = truth[k];
    const err = prediction[k] - t;
    all.add(err);
    (t === 0 ? zero : nonzero).add(err);
    perColumn[k % cols].add(err);
    truthAbs += Math.abs(t);
  }
  return {
    ...all.stats(),
    mre: truthAbs > 0 ? all.abs / truthAbs : NaN,
    nonzero: nonzero.stats(),
    zero: zero.stats(),
    perColumn: perColumn.map((a, column) => ({ column, ...a.stats() })),
  };
}

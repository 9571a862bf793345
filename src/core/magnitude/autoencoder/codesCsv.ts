// The 2-D codes of one or more maps (the autoencoder, PCA, t-SNE) as CSV, one row per point: the
// point's number, its class when the data has classes, the input's weight w_X, then x, y and the
// map's own weight for each map. The CLI's --codes-out and the panel's export and run records
// write the same columns.

export interface CodeColumns {
  /** Column prefix: `<name>_x`, `<name>_y`, `<name>_w`. */
  name: string;
  /** n × 2, row-major. */
  codes: Float64Array;
  /** The map's weighting vector at the same t; null leaves `<name>_w` empty. */
  weights: Float64Array | null;
}

const cell = (v: number): string => (Number.isFinite(v) ? String(v) : '');

export function codesCsv(inputWeights: ArrayLike<number>, methods: CodeColumns[], labels: ArrayLike<number> | null = null): string {
  const n = inputWeights.length;
  for (const m of methods) {
    if (m.codes.length !== 2 * n) throw new RangeError(`${m.name}: ${m.codes.length / 2} codes for ${n} points`);
    if (m.weights && m.weights.length !== n) throw new RangeError(`${m.name}: ${m.weights.length} weights for ${n} points`);
  }
  if (labels && labels.length !== n) throw new RangeError(`${labels.length} labels for ${n} points`);
  const head = ['point', ...(labels ? ['label'] : []), 'w_input', ...methods.flatMap((m) => [`${m.name}_x`, `${m.name}_y`, `${m.name}_w`])];
  const lines = [head.join(',')];
  for (let i = 0; i < n; i++) {
    const cells = [String(i + 1), ...(labels ? [String(labels[i])] : []), cell(inputWeights[i])];
    for (const m of methods) cells.push(cell(m.codes[2 * i]), cell(m.codes[2 * i + 1]), m.weights ? cell(m.weights[i]) : '');
    lines.push(cells.join(','));
  }
  return lines.join('\n') + '\n';
}

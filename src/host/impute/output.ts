// A finished imputation's files: the imputed matrix beside the input (core's writeImputed, the
// same as the CLI's) and metrics.json in the run's folder. Plain Node, no `vscode`.
import { writeImputed } from '../../core/impute/output.node';
import type { ReadResult } from '../../core/io/read';
import type { MaskedMatrix } from '../../core/matrix/masked';
import type { RunResultPayload } from '../../protocol/impute';
import type { ImputeRunRecord, ImputeRuns } from './runs';

/** Writes the result; returns the paths written (the imputed file first). */
export async function writeImputedRun(runs: ImputeRuns, run: ImputeRunRecord, data: ReadResult, result: RunResultPayload): Promise<string[]> {
  const m = data.matrix;
  if (result.imputed.length !== m.rows * m.cols) throw new Error(`the result has ${result.imputed.length} entries, expected ${m.rows * m.cols}`);
  const imputed: MaskedMatrix = { ...m, values: result.imputed, observed: new Uint8Array(m.rows * m.cols).fill(1) };
  const protect = run.input.locations ? [run.input.locations] : [];
  const out = await writeImputed(run.input.path, data, imputed, { protect });
  const metrics = await runs.writeOutput(run.id, 'metrics.json', JSON.stringify({ config: result.config, targets: result.targets, metrics: result.metrics, seconds: result.seconds, backend: result.backend }, null, 2) + '\n');
  return [out, metrics];
}

// The impute page's state, pure (no DOM): the data as the page holds it, the settings read from
// the form, the result being shown, and what to tell the user when a run's snapshot arrives.
// Tested in Node (test/unit/webview.impute.test.ts).
import { formatFigure } from '../../src/core/format';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import type { HostToWebview, MatrixPayload, MethodName, RunConfig, RunMetrics } from '../../src/protocol/impute';

/** The imputed values a run produced, as the maps and heatmaps draw them. */
export interface ShownResult {
  targetMask: Uint8Array;
  prediction: Float64Array;
  imputed: Float64Array;
}

export interface ImputeState {
  runId: string;
  fileName: string;
  matrix: MaskedMatrix | null;
  payload: MatrixPayload | null;
  running: boolean;
  cancelRequested: boolean;
  trusted: boolean;
  result: ShownResult | null;
  metrics: RunMetrics | null;
}

export function initialState(runId = ''): ImputeState {
  return { runId, fileName: '', matrix: null, payload: null, running: false, cancelRequested: false, trusted: true, result: null, metrics: null };
}

export const fmt = (v: number | null, digits = 3): string => formatFigure(v, { digits });

export function pct(v: number): string {
  return `${(v * 100).toFixed(1)}%`;
}

/** The matrix the page computes on, from the payload the host sent. */
export function toMatrix(p: MatrixPayload): MaskedMatrix {
  const m = createMaskedMatrix(p.rows, p.cols, { rowLabels: p.rowLabels, times: p.times, colIds: p.colIds });
  m.values.set(p.values);
  m.observed.set(p.observed);
  if (p.cells && p.h3Resolution !== null) {
    // Only the cell matters to the neighbour baseline (grid distances); lat/lng are not sent.
    m.places = p.cells.map((cell) => (cell ? { cell, lat: NaN, lng: NaN } : null));
    m.h3Resolution = p.h3Resolution;
  }
  return m;
}

/** The run settings from the form's text, or what is wrong with them. */
export function readRunConfig(method: string, maskRatioText: string, seedText: string): RunConfig | string {
  const maskRatio = Number(maskRatioText);
  const seed = Number(seedText);
  if (!(maskRatio > 0 && maskRatio <= 1)) return 'The mask ratio must be in (0, 1].';
  if (!Number.isInteger(seed) || seed < 0 || seedText.trim() === '') return 'The seed must be a non-negative integer.';
  return { method: method as MethodName, maskRatio, seed };
}

/** The metrics table: all targets, nonzero truth, zero truth. */
export function metricRows(metrics: RunMetrics): [string, number, number, number][] {
  return [
    ['MAE', metrics.mae, metrics.nonzero.mae, metrics.zero.mae],
    ['RMSE', metrics.rmse, metrics.nonzero.rmse, metrics.zero.rmse],
    ['MSE', metrics.mse, metrics.nonzero.mse, metrics.zero.mse],
  ];
}

/** The run's snapshot arrived (on every `ready`): the new state and what to tell the user. */
export function applyInit(state: ImputeState, m: Extract<HostToWebview, { type: 'init' }>): { state: ImputeState; notices: { text: string; kind: 'info' | 'error' }[] } {
  const next: ImputeState = { ...state, runId: m.runId, fileName: m.fileName, payload: m.matrix, matrix: toMatrix(m.matrix), trusted: m.trusted, metrics: m.result?.metrics ?? state.metrics };
  const notices: { text: string; kind: 'info' | 'error' }[] = [];
  if (!m.trusted) notices.push({ text: 'This workspace is not trusted: Lacuna shows the data but runs nothing and writes nothing.', kind: 'error' });
  if (m.result) notices.push({ text: 'A finished run: its metrics are shown. Run again to see the imputed matrix and map.', kind: 'info' });
  if (m.status === 'interrupted') notices.push({ text: 'This run was interrupted (the window closed or reloaded while it ran). Run it again to finish it.', kind: 'info' });
  return { state: next, notices };
}

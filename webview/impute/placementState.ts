// The "Sensor placement" tab's state, pure (no DOM): what the host sent, the settings read from
// the form, which method's chosen set the map shows, and the curves. Tested in Node.
import { formatFigure } from '../../src/core/format';
import { MAX_GENERATIONS, MAX_POPULATION, PANEL_PLACEMENT_IMPUTERS, PLACEMENT_METHODS, type PanelPlacementImputer, type PlacementMethod, type PlacementMethodResult, type PlacementPlace, type PlacementRunPayload, type PlacementSettings, type PlacementToPage } from '../../src/protocol/placement';
import type { CurveSeries } from '../charts/placementData';

export interface PlacementTabState {
  cols: number;
  colIds: string[];
  places: (PlacementPlace | null)[] | null;
  trusted: boolean;
  run: PlacementRunPayload | null;
  progress: { method: PlacementMethod; message: string; fraction: number | null } | null;
  /** The method whose chosen set the map shows (null: the best search method present). */
  shown: PlacementMethod | null;
}

export function initialPlacementState(): PlacementTabState {
  return { cols: 0, colIds: [], places: null, trusted: true, run: null, progress: null, shown: null };
}

export const METHOD_LABELS: Record<PlacementMethod, string> = { greedy: 'greedy', genetic: 'genetic', random: 'random (mean ± std)', coverage: 'coverage', qr: 'QR pivoting' };

export const fmt = (v: number | null | undefined): string => formatFigure(v ?? null, { digits: 4, style: 'short' });

export function applyPlacementMessage(state: PlacementTabState, m: PlacementToPage): PlacementTabState {
  switch (m.type) {
    case 'placementInit':
      return { ...state, cols: m.cols, colIds: m.colIds, places: m.places, trusted: m.trusted, run: m.run, progress: null };
    case 'placementProgress':
      return state.run?.status === 'running' ? { ...state, progress: { method: m.method, message: m.message, fraction: m.fraction } } : state;
    case 'placementRun':
      return { ...state, run: m.run, progress: m.run.status === 'running' ? state.progress : null, shown: state.run?.id === m.run.id ? state.shown : null };
    case 'placementSaved':
      return state;
  }
}

/** The default budget: keep 10% of the columns (at least one). */
export function defaultBudget(cols: number): number {
  return Math.max(1, Math.min(cols, Math.round(cols * 0.1)));
}

/** The settings from the form's text, or what is wrong with them. */
export function readPlacementSettings(
  form: { budget: string; imputer: string; methods: string[]; seed: string; population: string; generations: string },
  cols: number,
  hasPlaces: boolean,
): PlacementSettings | string {
  const whole = (text: string) => (/^\s*\d+\s*$/.test(text) ? Number(text) : NaN);
  const budget = whole(form.budget);
  if (!(budget >= 1 && budget <= cols)) return `The budget must be a whole number of columns from 1 to ${cols}.`;
  if (!(PANEL_PLACEMENT_IMPUTERS as readonly string[]).includes(form.imputer)) return `Unknown imputer ${form.imputer}.`;
  const methods = PLACEMENT_METHODS.filter((m) => form.methods.includes(m));
  if (methods.length === 0) return 'Choose at least one method.';
  if (methods.includes('coverage') && !hasPlaces) return 'Coverage needs the sensors’ locations; this file was opened without them.';
  const seed = whole(form.seed);
  if (!Number.isInteger(seed)) return 'The seed must be a whole number ≥ 0.';
  const population = whole(form.population);
  if (!(population >= 2 && population <= MAX_POPULATION)) return `The population must be a whole number from 2 to ${MAX_POPULATION}.`;
  const generations = whole(form.generations);
  if (!(generations >= 0 && generations <= MAX_GENERATIONS)) return `The generations must be a whole number from 0 to ${MAX_GENERATIONS}.`;
  return { budget, imputer: form.imputer as PanelPlacementImputer, methods, seed, population, generations };
}

/** The result the map shows: the chosen method, else the first search or baseline present. */
export function shownResult(state: PlacementTabState): PlacementMethodResult | null {
  const results = state.run?.results ?? [];
  const pick = (m: PlacementMethod) => results.find((r) => r.method === m) ?? null;
  if (state.shown && pick(state.shown)) return pick(state.shown);
  for (const m of ['greedy', 'genetic', 'qr', 'coverage', 'random'] as const) if (pick(m)) return pick(m);
  return null;
}

/** Column → rank (1 = chosen first) of a result. */
export function ranksOf(result: PlacementMethodResult | null): Map<number, number> {
  return new Map((result?.chosen ?? []).map((c) => [c.column, c.rank]));
}

/** The error-against-budget curves (test rows); random carries its band, mean ± std. */
export function curveSeries(run: PlacementRunPayload | null): CurveSeries[] {
  const results = run?.results ?? [];
  return PLACEMENT_METHODS.flatMap((method) => {
    const r = results.find((x) => x.method === method);
    if (!r) return [];
    const points = r.curve.map((p) => {
      const error = p.test ?? NaN;
      const std = p.testStd ?? null;
      return std !== null && Number.isFinite(std) ? { kept: p.kept, error, lo: error - std, hi: error + std } : { kept: p.kept, error };
    });
    return [{ method, label: METHOD_LABELS[method], points }];
  });
}

/** One row per method for the results table. */
export function resultRows(run: PlacementRunPayload | null): { method: PlacementMethod; label: string; test: string; validation: string; kept: string; search: string }[] {
  return (run?.results ?? []).map((r) => ({
    method: r.method,
    label: METHOD_LABELS[r.method],
    test: r.random ? `${fmt(r.test.value)} (draws ${fmt(r.random.test.mean)} ± ${fmt(r.random.test.std)})` : fmt(r.test.value),
    validation: fmt(r.validation.value),
    kept: r.chosen.map((c) => c.id).join(', '),
    search: `${r.search.evaluations} evaluations, ${fmt(r.seconds)} s`,
  }));
}

// The Factorize page's state, pure (no DOM): the data and the factors being shown, the settings
// read from the form's text, the compute path (tfjs or Float64) and the words the badge shows.
// Tested in Node (test/unit/webview.factorizeState.test.ts); view.ts draws it, main.ts wires it.
import { formatFigure } from '../../src/core/format';
import type { DenseMatrix } from '../../src/core/factorize/dense';
import type { FactorizeConfig, FactorizeResult, GridSpec } from '../../src/core/factorize/job';
import { tfJobUnsupported } from '../../src/core/factorize/jobTf';
import { describeBackend, type BackendChoice } from '../../src/core/tf/backend';
import { formatMs, type BackendTiming } from '../common/backend';
import type { ComputeProbe } from './computeProbe';
import type { FactorizeDataPayload, FactorizeHostToWebview, FactorizeSource } from '../../src/protocol/factorize';
import type { Matrix } from '../charts/factorViews';

/** The Float64 compute path's name in the badge and the run record. */
export const FLOAT64 = 'cpu-float64';
/** Observations per page of the reconstructions view. */
export const PAGE = 8;

export const fmt = (v: number, digits = 4): string => formatFigure(v, { digits, exponent: 3 });

/** The factors drawn now, and the iteration they come from. */
export interface Factors {
  D: Matrix;
  Lambda: Matrix;
  iteration: number;
  config: FactorizeConfig;
}

/** The tfjs backend the page picked (once, before `ready`). */
export interface BackendState {
  backend: BackendChoice | null;
  error: string | null;
  /** The WebGPU adapter, in words, when webgpu is the backend. */
  adapterText: string;
  /** Whether that adapter emulates a GPU on the CPU (SwiftShader). */
  adapterEmulated: boolean;
  /** Both paths timed on a step of this data (computeProbe.ts): what the default follows. */
  probe?: ComputeProbe | null;
  /** The probe is running. */
  measuring?: boolean;
}

export interface FactorizeState {
  source: FactorizeSource | null;
  data: FactorizeDataPayload | null;
  X: DenseMatrix | null;
  trusted: boolean;
  running: boolean;
  cancelRequested: boolean;
  selected: number;
  factors: Factors | null;
  objectives: { iteration: number; objective: number }[];
  /** The host's settings for this data: what the form's fields are laid over. */
  baseConfig: FactorizeConfig | null;
  compute: BackendState;
  /** Whether the user picked the compute path (else it follows the default). */
  computeChosen: boolean;
}

export function initialState(source: FactorizeSource | null = null): FactorizeState {
  return {
    source,
    data: null,
    X: null,
    trusted: true,
    running: false,
    cancelRequested: false,
    selected: 0,
    factors: null,
    objectives: [],
    baseConfig: null,
    compute: { backend: null, error: null, adapterText: '', adapterEmulated: false },
    computeChosen: false,
  };
}

/** New data from the host: everything drawn from the old data goes. */
export function applyData(state: FactorizeState, m: Extract<FactorizeHostToWebview, { type: 'data' }>): FactorizeState {
  const p = m.data;
  return { ...state, data: p, source: m.source, X: { rows: p.rows, cols: p.cols, values: p.values }, trusted: m.trusted, baseConfig: m.config, selected: 0, factors: null, objectives: [], running: false };
}

/** The panel's title for a source (the input picker's label for a sample, when known). */
export function sourceTitle(src: FactorizeSource, inputs: { choice: string; label: string }[] = []): string {
  return src.kind === 'file' ? `${src.fileName} (${src.format})` : inputs.find((i) => i.choice === src.name)?.label ?? src.name;
}

export function valueRange(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  return [lo, hi];
}

export function describeGrid(grid: GridSpec): string {
  return grid.kind === 'line' ? `a line, ${grid.lo} to ${grid.hi}` : `an image, ${grid.width} × ${grid.height} pixels`;
}

/** The form's fields for the grid kind not chosen: a square image when the rows make one, else a line over the rows. */
export function otherGridFields(kind: GridSpec['kind'], rows: number): { width: string; height: string } | { lo: string; hi: string } {
  if (kind === 'line') {
    const side = Math.round(Math.sqrt(rows));
    const square = side * side === rows;
    return { width: String(square ? side : rows), height: String(square ? side : 1) };
  }
  return { lo: '0', hi: String(rows - 1) };
}

/** The settings form, as text. */
export interface SettingsForm {
  loss: string;
  k: string;
  epsilon: string;
  rho1: string;
  rho2: string;
  iterations: string;
  inner: string;
  seed: string;
  gridKind: string;
  gridLo: string;
  gridHi: string;
  gridWidth: string;
  gridHeight: string;
}

export function formFromConfig(config: FactorizeConfig, rows: number | null): SettingsForm {
  const form: SettingsForm = {
    loss: config.loss,
    k: String(config.k),
    epsilon: String(config.epsilon),
    rho1: String(config.rho1),
    rho2: String(config.rho2),
    iterations: String(config.iterations),
    inner: String(config.innerIterations),
    seed: String(config.seed),
    gridKind: config.grid.kind,
    gridLo: config.grid.kind === 'line' ? String(config.grid.lo) : '0',
    gridHi: config.grid.kind === 'line' ? String(config.grid.hi) : '1',
    gridWidth: config.grid.kind === 'image' ? String(config.grid.width) : '1',
    gridHeight: config.grid.kind === 'image' ? String(config.grid.height) : '1',
  };
  if (rows === null) return form;
  const other = otherGridFields(config.grid.kind, rows);
  return 'width' in other ? { ...form, gridWidth: other.width, gridHeight: other.height } : { ...form, gridLo: other.lo, gridHi: other.hi };
}

/** The grid the form describes (unchecked). */
export function formGrid(form: Pick<SettingsForm, 'gridKind' | 'gridLo' | 'gridHi' | 'gridWidth' | 'gridHeight'>): GridSpec {
  return form.gridKind === 'image' ? { kind: 'image', width: Number(form.gridWidth), height: Number(form.gridHeight) } : { kind: 'line', lo: Number(form.gridLo), hi: Number(form.gridHi) };
}

/** The run's settings from the form over the host's base, or every problem with them. */
export function readConfig(base: FactorizeConfig, rows: number, form: SettingsForm): { config: FactorizeConfig } | { problems: string[] } {
  const problems: string[] = [];
  const k = Number(form.k);
  if (!Number.isInteger(k) || k < 1 || k > 1000) problems.push('k must be an integer from 1 to 1000');
  const iterations = Number(form.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) problems.push('iterations must be a positive integer');
  const seed = Number(form.seed);
  if (!Number.isInteger(seed) || seed < 0) problems.push('the seed must be a non-negative integer');
  const loss = form.loss as FactorizeConfig['loss'];
  const wasserstein = loss === 'wasserstein';
  const epsilon = Number(form.epsilon);
  const rho1 = Number(form.rho1);
  const rho2 = Number(form.rho2);
  const inner = Number(form.inner);
  if (wasserstein) {
    if (!(epsilon > 0)) problems.push('ε must be positive');
    if (!(rho1 > 0) || !(rho2 > 0)) problems.push('ρ₁ and ρ₂ must be positive');
    if (!Number.isInteger(inner) || inner < 1) problems.push('the L-BFGS cap must be a positive integer');
  }
  const grid = formGrid(form);
  if (grid.kind === 'line') {
    if (!(Number.isFinite(grid.lo) && Number.isFinite(grid.hi) && grid.hi > grid.lo)) problems.push('the line grid needs from < to');
  } else if (!(Number.isInteger(grid.width) && Number.isInteger(grid.height) && grid.width * grid.height === rows)) {
    problems.push(`an image grid needs width × height = ${rows} (the number of rows)`);
  }
  if (problems.length > 0) return { problems };
  return {
    config: {
      ...base,
      loss,
      k,
      iterations,
      seed,
      epsilon: wasserstein ? epsilon : base.epsilon,
      rho1: wasserstein ? rho1 : base.rho1,
      rho2: wasserstein ? rho2 : base.rho2,
      innerIterations: wasserstein ? inner : base.innerIterations,
      grid,
    },
  };
}

/** What runs the next job: tfjs or Float64, and why when tfjs cannot. */
export function computePath(c: BackendState, config: Pick<FactorizeConfig, 'loss' | 'grid'>, data: FactorizeDataPayload | null, choice: string): { path: 'tfjs' | 'float64'; why: string | null } {
  if (!c.backend) return { path: 'float64', why: c.error ? `no tfjs backend: ${c.error}` : 'no tfjs backend yet' };
  const unsupported = data ? tfJobUnsupported(config, data.rows, data.cols) : null;
  if (unsupported) return { path: 'float64', why: unsupported };
  return { path: choice === 'tfjs' ? 'tfjs' : 'float64', why: null };
}

/** The name of a compute path for the badge and the run record. */
export function pathName(c: BackendState, path: 'tfjs' | 'float64'): string {
  return path === 'tfjs' && c.backend ? `tfjs-${c.backend.name}-float32` : FLOAT64;
}

/** What the compute picker and the badge show. */
export interface ComputeView {
  tfjsOption: string | null;
  float64Option: string;
  tfjsDisabled: boolean;
  value: 'tfjs' | 'float64' | null;
  badge: { text: string; title: string; backend: string; tfjs: string; adapter: string; chosenBy: string };
}

const probeMs = (t: BackendTiming | undefined) => (t && t.msPerStep !== null ? `, ${formatMs(t.msPerStep)} a probe step` : '');

/**
 * The default path is the one measured faster on a step of this data (tfjs on the panel's
 * backend, or Float64), never a label's guess: an emulated GPU gets the default only where it
 * measured faster. Until measured, Float64. The badge says which path runs, how it was chosen,
 * and its time; the title gives both timings.
 */
export function computeView(c: BackendState, loss: FactorizeConfig['loss'], path: 'tfjs' | 'float64', why: string | null, chosen: boolean): ComputeView {
  const b = c.backend;
  const p = c.probe ?? null;
  const tfjsText = b ? describeBackend(b) : c.error ?? 'choosing…';
  const emulated = b?.name === 'webgpu' && c.adapterEmulated;
  const adapter = b?.name === 'webgpu' && c.adapterText ? `; adapter: ${c.adapterText}` : '';
  const wasserstein = loss === 'wasserstein';
  const timing = path === 'tfjs' ? p?.tfjs : p?.float64;
  const how = !wasserstein || why !== null ? '' : chosen ? 'your choice' : p && p.choice.faster === path ? `measured faster${probeMs(timing)}` : c.measuring ? 'measuring…' : '';
  const measured = wasserstein && p ? ` Measured on this data: ${p.choice.reason}.` : '';
  return {
    tfjsOption: b ? `tfjs (float32 on ${b.name}${emulated ? ', a CPU emulation of a GPU' : ''}${probeMs(p?.tfjs)})` : null,
    float64Option: `CPU (Float64${probeMs(p?.float64)})`,
    tfjsDisabled: !b || (why !== null && wasserstein),
    value: chosen ? null : p?.choice.faster === 'tfjs' ? 'tfjs' : 'float64',
    badge: {
      text: `${path === 'tfjs' && b ? `compute: tfjs on ${b.name} (float32)` : 'compute: Float64 on the CPU'}${how ? ` (${how})` : ''}`,
      title:
        (path === 'tfjs' && b
          ? `Wasserstein NMF runs on tfjs, float32, on the ${b.name} backend${adapter}.`
          : `The run uses the core’s Float64 code on the CPU, in time slices between frames${why ? ` (${why})` : ''}.`) + `${measured} tfjs backend: ${tfjsText}${path === 'tfjs' ? '' : adapter}.`,
      backend: pathName(c, path),
      tfjs: b?.name ?? 'none',
      adapter: b?.name === 'webgpu' ? c.adapterText : '',
      chosenBy: how.startsWith('measured') ? 'measured' : how === 'your choice' ? 'user' : '',
    },
  };
}

export function lossHint(loss: string): string {
  return loss === 'wasserstein'
    ? 'Wasserstein NMF (Rolet, Cuturi & Peyré 2016): columns become histograms; the loss moves mass along the grid, so shifted bumps share atoms. Each iteration solves two dual problems with L-BFGS.'
    : loss === 'kl'
      ? 'Lee & Seung multiplicative updates for the generalised KL divergence.'
      : 'Lee & Seung multiplicative updates for ½‖X − DΛ‖², as scikit-learn’s NMF(solver="mu").';
}

/** The observation selected after a request for `index` (clamped to the data), or null to ignore it. */
export function clampObservation(index: number, cols: number): number | null {
  if (!Number.isInteger(index)) return null;
  return Math.max(0, Math.min(cols - 1, index));
}

export const pageStart = (selected: number): number => Math.floor(selected / PAGE) * PAGE;

/** The objective per iteration of a finished run (Wasserstein counts from 1, NMF from its start). */
export function objectivesOf(history: number[], loss: FactorizeConfig['loss']): { iteration: number; objective: number }[] {
  return history.map((objective, i) => ({ iteration: loss === 'wasserstein' ? i + 1 : i, objective }));
}

/** A line atom's title: its number and where its mass peaks. */
export function atomTitle(atom: ArrayLike<number>, x: ArrayLike<number>, a: number): string {
  let mode = 0;
  for (let i = 1; i < atom.length; i++) if (atom[i] > atom[mode]) mode = i;
  return `atom ${a + 1} · mode ${x[mode].toFixed(2)}`;
}

export function summaryText(result: Pick<FactorizeResult, 'config' | 'objective' | 'iterations' | 'reason' | 'reconstructionError'>, seconds: number, backendName: string, tfjsName: string | undefined): string {
  const on = backendName === FLOAT64 ? 'Float64 on the CPU' : `tfjs, float32 on ${tfjsName}`;
  return `${result.config.loss}, k = ${result.config.k}: objective ${fmt(result.objective)} after ${result.iterations} iterations (${result.reason}); ‖X − DΛ‖_F ${fmt(result.reconstructionError)}; ${seconds.toFixed(1)} s (${on}).`;
}

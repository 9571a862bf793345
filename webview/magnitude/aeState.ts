// The Autoencoder tab's state, pure (no DOM): the dataset being trained on, the settings read
// from the form's text, the run's steps, what the three maps show, and the words of the report.
// Tested in Node (test/unit/webview.magnitudeState.test.ts); aeView.ts draws, autoencoderTab.ts wires.
import { codeRho, type AutoencoderResult } from '../../src/core/magnitude/autoencoder/index';
import type { PointCloud } from '../../src/core/points/samples';
import { SAMPLE_TITLES, type AeArchitecture, type AeDataset, type AeMap, type AeOutcome, type AeSettings, type AeStep, type PointsPayload } from '../../src/protocol/magnitude';

/** The seed's scale for MNIST digits (the suggested scale of 784-pixel images is far from it). */
export const MNIST_T = 0.6;
export const DEFAULT_POINTS = 1000;
export const MAX_POINTS = 5000;
/** Scatter redraws per training, about: snapshots every epochs/40 epochs. */
export const SNAPSHOTS = 40;

export const MAPS = ['autoencoder', 'pca', 'tsne'] as const;
export type MapName = (typeof MAPS)[number];
export const MAP_TITLES: Record<MapName, string> = { autoencoder: 'Autoencoder', pca: 'PCA', tsne: 't-SNE' };

export interface Dataset {
  key: string;
  label: string;
  cloud: PointCloud;
  labelNames: string[] | null;
  suggested: { t: number; reason: string };
  /** Embeddings that do not depend on t, computed once per dataset. */
  pcaCodes?: { codes: Float64Array; seconds: number };
  tsneCodes?: { codes: Float64Array; seconds: number };
}

/** What the three maps show now: the input's weights at t and each map's codes. */
export interface Shown {
  wX: Float64Array;
  t: number;
  maps: Partial<Record<MapName, { codes: Float64Array; weights: Float64Array | null; rho: number }>>;
}

export interface AeState {
  dataset: Dataset | null;
  /** The newest sample load: an older one that answers later is superseded. */
  loadRequest: number;
  /** Bumped by every prepare(): a slower, older read that finishes later is dropped. */
  prepareGeneration: number;
  training: boolean;
  controller: AbortController | null;
  steps: AeStep[];
  /** Steps not yet sent to the host. */
  unsent: AeStep[];
  shown: Shown | null;
  opened: boolean;
  archChosen: boolean;
}

export function initialAeState(): AeState {
  return { dataset: null, loadRequest: 0, prepareGeneration: 0, training: false, controller: null, steps: [], unsent: [], shown: null, opened: false, archChosen: false };
}

export const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(digits)) : '–');
export const isImage = (dim: number): boolean => dim === 784;

/** The points field, read and kept in range. */
export function clampPoints(text: string): number {
  return Math.max(3, Math.min(MAX_POINTS, Math.floor(Number(text) || DEFAULT_POINTS)));
}

/** The data picker's label for the panel's own points. */
export function currentLabel(current: PointsPayload | null): string {
  if (!current) return "the panel's points";
  return current.source.kind === 'sample' ? `the panel's points (${SAMPLE_TITLES[current.source.sample]}, ${current.n})` : `the panel's points (${current.n} × ${current.dim})`;
}

/** Whether the dataset in hand is already the one the picker and the points field ask for. */
export function sameDataset(d: Dataset | null, choice: string, n: number): boolean {
  const prefix = choice === 'current' ? 'current:' : `sample:${choice}:`;
  return d !== null && d.cloud.n === n && d.key.startsWith(prefix);
}

export interface AeForm {
  dataset: string;
  t: string;
  lambda: string;
  epochs: string;
  burnIn: string;
  architecture: string;
  seed: string;
}

/** The run's settings from the form, or throws with what is wrong. */
export function readSettings(d: Pick<Dataset, 'cloud'>, form: AeForm): AeSettings {
  const t = Number(form.t);
  if (!(t > 0) || !Number.isFinite(t)) throw new Error('t must be a positive number.');
  const lambda = Number(form.lambda);
  if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new Error('λ must be a non-negative number.');
  const int = (text: string, name: string) => {
    const v = Number(text);
    if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer.`);
    return v;
  };
  const epochs = int(form.epochs, 'epochs');
  const burnIn = int(form.burnIn, 'burn-in epochs');
  if (epochs + burnIn === 0) throw new Error('Train for at least one epoch.');
  const architecture = form.architecture as AeArchitecture;
  if (architecture === 'conv' && !isImage(d.cloud.dim)) throw new Error('The convolutional model takes 28×28 images; this data is not.');
  return { dataset: form.dataset as AeDataset, n: d.cloud.n, t, lambda, epochs, burnIn, architecture, seed: int(form.seed, 'seed') };
}

/** A map's codes scored by ρ(w_X, w_code) at t. */
export function scoreMap(wX: Float64Array, map: { codes: Float64Array; seconds: number }, t: number): AeMap {
  const fit = codeRho(wX, map.codes, 2, t);
  return { codes: map.codes, weights: fit.weights, rho: fit.rho, seconds: map.seconds };
}

export function mapTitle(name: MapName, rho: number | null, extra = ''): string {
  return rho === null ? `${MAP_TITLES[name]}${extra}` : `${MAP_TITLES[name]}${extra} · ρ = ${fmt(rho)}`;
}

/** The status line of a training step. */
export function stepText(s: AeStep, settings: Pick<AeSettings, 'burnIn' | 'epochs'>, backend: string): string {
  const total = s.phase === 'burn-in' ? settings.burnIn : settings.epochs;
  return `${s.phase === 'burn-in' ? 'burn-in' : 'joint'} epoch ${s.epoch}/${total} on ${backend}: L = ${fmt(s.total, 4)}${Number.isFinite(s.rho) ? `, ρ = ${fmt(s.rho)}` : ''}`;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * The time left, from the steps measured so far: in the joint phase, its measured seconds per
 * epoch times the epochs left; in the burn-in, once an epoch is done, the burn-in's time left
 * (the joint epochs, which cost more, are timed when they start). '' before anything is measured.
 */
export function etaText(steps: readonly AeStep[], settings: Pick<AeSettings, 'burnIn' | 'epochs'>): string {
  const last = steps[steps.length - 1];
  if (!last) return '';
  if (last.phase === 'joint') {
    let start = 0;
    for (const st of steps) if (st.phase === 'burn-in') start = st.seconds;
    if (last.epoch < 1) return '';
    const left = ((last.seconds - start) / last.epoch) * (settings.epochs - last.epoch);
    return left > 0 ? ` · about ${duration(left)} left` : '';
  }
  if (last.epoch < 2) return '';
  let endOfDone = 0;
  for (const st of steps) if (st.phase === 'burn-in' && st.epoch === last.epoch - 1) endOfDone = st.seconds;
  const perEpoch = endOfDone / (last.epoch - 1);
  const left = Math.max(0, perEpoch * (settings.burnIn - last.epoch + 1) - (last.seconds - endOfDone));
  return ` · burn-in ends in about ${duration(left)}, then ${settings.epochs} joint epochs`;
}

/** What the host records when a training ends. */
export function outcomeOf(result: AutoencoderResult | null, error: string | null, cancelled: boolean, tensorGrowth: number | null): AeOutcome {
  return {
    status: error ? 'failed' : cancelled ? 'cancelled' : 'completed',
    error,
    autoencoder: result ? { codes: result.codes, weights: result.codeWeights, rho: result.rho, seconds: result.seconds.total } : null,
    final: result?.final ?? null,
    seconds: result ? { total: result.seconds.total, perBurnInEpoch: result.seconds.perBurnInEpoch, perJointEpoch: result.seconds.perJointEpoch } : null,
    parameterCount: result?.parameterCount ?? null,
    tensorGrowth,
  };
}

/** The report's rows for a finished model. */
export function resultRows(result: AutoencoderResult, tensorGrowth: number | null): [string, string, string][] {
  return [
    ['model', `${result.config.architecture}, ${result.parameterCount.toLocaleString('en-US')} parameters`, 'ae-report-model'],
    ['losses', `L_recons ${fmt(result.final.recons, 4)}, L_weight ${fmt(result.final.weight, 4)}, L ${fmt(result.final.total, 4)}`, 'ae-report-losses'],
    ['per epoch', `${result.seconds.perBurnInEpoch > 0 ? `burn-in ${result.seconds.perBurnInEpoch.toFixed(3)} s, ` : ''}joint ${result.seconds.perJointEpoch.toFixed(3)} s`, 'ae-report-epoch'],
    ['tensors', tensorGrowth === 0 ? 'none left behind' : `${tensorGrowth} left behind`, 'ae-report-tensors'],
  ];
}

/** The status line when a training ends. */
export function endText(result: AutoencoderResult | null, error: string | null, cancelled: boolean, steps: number, shown: Shown | null): { text: string; state: 'failed' | 'cancelled' | 'done' } {
  if (error) return { text: `Training failed: ${error}`, state: 'failed' };
  if (cancelled) return { text: result ? `Cancelled after ${steps} steps; the run keeps what it reported (ρ = ${fmt(result.rho)}).` : 'Cancelled before the training started.', state: 'cancelled' };
  return { text: `Done: ρ(w_X, w_code) = ${fmt(result!.rho)} for the autoencoder, ${fmt(shown?.maps.pca?.rho ?? NaN)} for PCA, ${fmt(shown?.maps.tsne?.rho ?? NaN)} for t-SNE.`, state: 'done' };
}

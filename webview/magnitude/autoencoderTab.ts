// The Autoencoder tab of the "Inspect weighting vectors" panel: trains the magnitude autoencoder
// (core/magnitude/autoencoder, the same code as `lacuna autoencode`) on the panel's tfjs backend,
// with a live loss chart and a live 2-D code scatter beside exact PCA and t-SNE, each titled with
// its ρ(w_X, w_code). The host keeps each training as a run; this page only computes and draws.
import * as tf from '@tensorflow/tfjs';
import { pca } from '../../src/core/embed/pca';
import { tsne } from '../../src/core/embed/tsne';
import {
  codeRho, codesCsv, defaultAutoencoderConfig, exactWeights, suggestedScale, trainAutoencoder,
  type AutoencoderConfig, type AutoencoderResult, type EpochSnapshot, type TrainingStep,
} from '../../src/core/magnitude/autoencoder/index';
import { subsamplePoints } from '../../src/core/points/readPoints';
import type { PointCloud } from '../../src/core/points/samples';
import {
  AE_ARCHITECTURES, SAMPLE_TITLES,
  type AeArchitecture, type AeDataset, type AeMap, type AeOutcome, type AeSettings, type AeStep, type HostToWebview, type PointsPayload, type WebviewToHost,
} from '../../src/protocol/magnitude';
import { createCodeScatter, CLASS_COLOURS, type CodeScatter } from '../charts/codeScatter';
import { createLineChart } from '../charts/lines';
import { weightDomain } from '../charts/projection';
import { card, el, exportButtons, type ExportMime } from '../common/ui';

export interface AutoencoderTabHost {
  post(message: WebviewToHost): void;
  /** A request to the host; resolves with its reply, rejects with the error it replied. */
  request(message: WebviewToHost): Promise<HostToWebview>;
  /** The panel's current points, if any. */
  current(): PointsPayload | null;
  /** The suggested scale of the current points, once the panel's sweep has it. */
  currentSuggested(): { t: number; reason: string } | null;
  backendName(): string | null;
  trusted(): boolean;
  setMessage(text: string, kind?: 'info' | 'error'): void;
}

/** The seed's scale for MNIST digits (the suggested scale of 784-pixel images is far from it). */
const MNIST_T = 0.6;
const DEFAULT_POINTS = 1000;
const MAX_POINTS = 5000;
/** Scatter redraws per training, about: snapshots every epochs/40 epochs. */
const SNAPSHOTS = 40;

interface Dataset {
  key: string;
  label: string;
  cloud: PointCloud;
  labelNames: string[] | null;
  suggested: { t: number; reason: string };
  /** Embeddings that do not depend on t, computed once per dataset. */
  pcaCodes?: { codes: Float64Array; seconds: number };
  tsneCodes?: { codes: Float64Array; seconds: number };
}

const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(digits)) : '–');
const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
const isImage = (dim: number) => dim === 784;

export function createAutoencoderTab(root: HTMLElement, host: AutoencoderTabHost) {
  // -------------------------------------------------------------------------------------------
  // Layout
  const settingsCard = card('ae-settings-card', 'Magnitude autoencoder');
  const lossCard = card('ae-loss-card', 'Losses');
  const codesCard = card('ae-codes-card', 'Codes: the autoencoder beside PCA and t-SNE');
  const reportCard = card('ae-report-card', 'Run');
  root.append(
    el('div', { class: 'grid' }, el('div', { class: 'column side' }, settingsCard.section, reportCard.section), el('div', { class: 'column main' }, lossCard.section)),
    codesCard.section,
  );

  const datasetSelect = el('select', { id: 'ae-dataset' });
  const nInput = el('input', { id: 'ae-n', type: 'number', min: '3', max: String(MAX_POINTS), step: '1', value: String(DEFAULT_POINTS) });
  const tInput = el('input', { id: 'ae-t', type: 'number', min: '0', step: 'any' });
  const tSuggested = el('button', { id: 'ae-t-suggested', class: 'secondary', title: 'Use the suggested scale' }, 'suggested');
  const lambdaInput = el('input', { id: 'ae-lambda', type: 'number', min: '0', step: 'any', value: '5' });
  const epochsInput = el('input', { id: 'ae-epochs', type: 'number', min: '0', step: '1', value: '400' });
  const burnInInput = el('input', { id: 'ae-burnin', type: 'number', min: '0', step: '1', value: '0' });
  const archSelect = el('select', { id: 'ae-arch' }, ...AE_ARCHITECTURES.map((a) => el('option', { value: a }, a === 'linear' ? 'linear (n → 64×6 → 2)' : 'convolutional (28×28 images)')));
  const seedInput = el('input', { id: 'ae-seed', type: 'number', min: '0', step: '1', value: '42' });
  const trainButton = el('button', { id: 'ae-train', disabled: '' }, 'Train');
  const cancelButton = el('button', { id: 'ae-cancel', class: 'secondary', disabled: '' }, 'Cancel');
  const tHint = el('p', { id: 'ae-t-hint', class: 'hint' });
  const dataHint = el('p', { id: 'ae-data', class: 'hint' });
  const status = el('p', { id: 'ae-status', role: 'status', 'data-state': 'idle' }, 'Choose the data and press Train.');
  const backendLine = el('p', { id: 'ae-backend', class: 'hint' });
  settingsCard.body.append(
    el('div', { class: 'controls' }, el('label', {}, 'data ', datasetSelect), el('label', {}, 'points ', nInput)),
    dataHint,
    el('div', { class: 'controls' }, el('label', {}, 't ', tInput), tSuggested, el('label', {}, 'λ ', lambdaInput)),
    tHint,
    el('div', { class: 'controls' }, el('label', {}, 'epochs ', epochsInput), el('label', {}, 'burn-in epochs ', burnInInput)),
    el('div', { class: 'controls' }, el('label', {}, 'model ', archSelect), el('label', {}, 'seed ', seedInput)),
    el('div', { class: 'controls' }, trainButton, cancelButton),
    status,
    backendLine,
  );

  const report = el('dl', { id: 'ae-report', class: 'stats' });
  reportCard.body.append(report);

  const lossChart = createLineChart(lossCard.body, { id: 'ae-loss', width: 560, height: 240, xLabel: 'step', yLabel: 'loss' });
  lossCard.body.append(el('p', { class: 'hint' }, 'L = L_recons + λ·L_weight. Burn-in steps (mini-batches of L_recons) come first; each joint step is one full-batch epoch.'));

  const colourSelect = el('select', { id: 'ae-colour', disabled: '' }, el('option', { value: 'weight' }, 'colour by w_X'), el('option', { value: 'class' }, 'colour by class'));
  const exportCodes = el('button', { id: 'ae-export-codes', class: 'secondary', title: 'Save the codes of the three maps as CSV', disabled: '' }, 'Codes CSV');
  codesCard.actions.append(colourSelect, exportCodes);
  const readout = el('div', { id: 'ae-hover', class: 'readout' }, 'Hover a point to see its weight.');
  const figures = el('div', { class: 'code-grid' });
  const legend = el('div', { id: 'ae-legend', class: 'ae-legend' });
  codesCard.body.append(figures, legend, readout);
  const maps = ['autoencoder', 'pca', 'tsne'] as const;
  type MapName = (typeof maps)[number];
  const mapTitles: Record<MapName, string> = { autoencoder: 'Autoencoder', pca: 'PCA', tsne: 't-SNE' };
  const exportTo = (fileName: string, mime: ExportMime | 'text/csv', data: Uint8Array | string) => host.post({ type: 'export', fileName, mime, data });
  const scatters = {} as Record<MapName, { scatter: CodeScatter; title: HTMLElement }>;
  for (const name of maps) {
    const title = el('h3', { id: `ae-title-${name}`, class: 'code-title' }, mapTitles[name]);
    const actions = el('span', { class: 'actions' });
    const figure = el('figure', { class: 'code-figure', id: `ae-figure-${name}` }, el('figcaption', {}, title, actions));
    figures.append(figure);
    const scatter = createCodeScatter(figure, `ae-scatter-${name}`, readout);
    scatters[name] = { scatter, title };
    exportButtons(actions, `codes-${name}`, () => scatter.canvas, exportTo, (text) => host.setMessage(text, 'error'));
  }
  exportButtons(lossCard.actions, 'autoencoder-losses', () => lossChart.svg, exportTo, (text) => host.setMessage(text, 'error'));

  // -------------------------------------------------------------------------------------------
  // State
  let dataset: Dataset | null = null;
  /** The newest sample load: an older one that answers later is superseded. */
  let loadRequest = 0;
  let training = false;
  let controller: AbortController | null = null;
  let steps: AeStep[] = [];
  let unsent: AeStep[] = [];
  let lossTimer: ReturnType<typeof setTimeout> | undefined;
  let shown: { wX: Float64Array; t: number; maps: Partial<Record<MapName, { codes: Float64Array; weights: Float64Array | null; rho: number }>> } | null = null;
  let opened = false;
  /** Bumped by every prepare(): a slower, older read that finishes later is dropped. */
  let prepareGeneration = 0;
  let archChosen = false;

  function baseName(): string {
    const v = datasetSelect.value as AeDataset;
    return v === 'current' || !v ? 'points' : v;
  }

  function setStatus(text: string, state: 'idle' | 'busy' | 'training' | 'done' | 'cancelled' | 'failed') {
    status.textContent = text;
    status.dataset.state = state;
  }

  function fillDatasets() {
    const current = host.current();
    const currentLabel = current
      ? current.source.kind === 'sample'
        ? `the panel's points (${SAMPLE_TITLES[current.source.sample]}, ${current.n})`
        : `the panel's points (${current.n} × ${current.dim})`
      : "the panel's points";
    const chosen = datasetSelect.value;
    datasetSelect.replaceChildren(
      el('option', { value: 'current' }, currentLabel),
      ...(['swissroll', 'sphere', 'ball', 'mnist'] as const).map((s) => el('option', { value: s }, `sample: ${SAMPLE_TITLES[s]}`)),
    );
    if (chosen) datasetSelect.value = chosen;
  }

  function defaultsFor(architecture: AeArchitecture) {
    const d = defaultAutoencoderConfig(architecture, 1);
    epochsInput.value = String(d.epochs);
    burnInInput.value = String(d.burnInEpochs);
  }

  // -------------------------------------------------------------------------------------------
  // Data

  async function loadDataset(): Promise<Dataset> {
    const choice = datasetSelect.value as AeDataset;
    const n = Math.max(3, Math.min(MAX_POINTS, Math.floor(Number(nInput.value) || DEFAULT_POINTS)));
    nInput.value = String(n);
    if (choice === 'current') {
      const p = host.current();
      if (!p) throw new Error('The panel has no points yet: wait for them, or pick a sample.');
      const whole: PointCloud = { n: p.n, dim: p.dim, data: p.points, labels: p.labels ?? undefined };
      const { points: cloud } = subsamplePoints(whole, n, 0);
      const fromSweep = cloud.n === p.n ? host.currentSuggested() : null;
      await nextFrame();
      const suggested = fromSweep ?? suggestedScale(cloud);
      const note = cloud.n < p.n ? `, a seeded subsample of ${cloud.n}` : '';
      return { key: `current:${p.request}:${cloud.n}`, label: `${p.label}${note}`, cloud, labelNames: p.labelNames, suggested };
    }
    const request = ++loadRequest;
    const reply = await host.request({ type: 'aeLoad', sample: choice, n });
    if (request !== loadRequest || reply.type !== 'aePoints') throw new Error('superseded');
    return onPoints(reply, request);
  }

  async function onPoints(m: Extract<HostToWebview, { type: 'aePoints' }>, request: number): Promise<Dataset> {
    const cloud: PointCloud = { n: m.n, dim: m.dim, data: m.points, labels: m.labels ?? undefined };
    let suggested: { t: number; reason: string };
    if (isImage(m.dim)) suggested = { t: MNIST_T, reason: "the seed's scale for MNIST digits" };
    else {
      setStatus('choosing the scale t (magnitude function)…', 'busy');
      await nextFrame();
      suggested = suggestedScale(cloud);
    }
    if (request !== loadRequest) throw new Error('superseded');
    return { key: `sample:${datasetSelect.value}:${m.n}`, label: m.label, cloud, labelNames: m.labelNames, suggested };
  }

  async function prepare() {
    if (training) return;
    const generation = ++prepareGeneration;
    trainButton.disabled = true;
    setStatus('reading the points…', 'busy');
    try {
      const d = await loadDataset();
      if (generation !== prepareGeneration) return;
      dataset = d;
      tInput.value = d.suggested.t.toPrecision(4);
      tHint.textContent = `suggested t = ${fmt(d.suggested.t, 4)}: ${d.suggested.reason}`;
      tHint.dataset.suggested = String(d.suggested.t);
      dataHint.textContent = `${d.label}: ${d.cloud.n} points in ${d.cloud.dim}-D.`;
      dataHint.dataset.n = String(d.cloud.n);
      const image = isImage(d.cloud.dim);
      (archSelect.querySelector('option[value="conv"]') as HTMLOptionElement).disabled = !image;
      // The model's default epochs only when the model changes: the user's own choice stays.
      const architecture: AeArchitecture = image ? 'conv' : 'linear';
      if (archSelect.value !== architecture || !archChosen) {
        archSelect.value = architecture;
        defaultsFor(architecture);
        archChosen = true;
      }
      colourSelect.disabled = !d.cloud.labels;
      if (!d.cloud.labels) colourSelect.value = 'weight';
      for (const name of maps) scatters[name].scatter.clear(`${mapTitles[name]}: train to see the codes`);
      for (const name of maps) setTitle(name, null);
      shown = null;
      exportCodes.disabled = true;
      if (!host.trusted()) {
        setStatus('This workspace is not trusted: Lacuna trains no models here.', 'idle');
        return;
      }
      trainButton.disabled = false;
      setStatus('Ready to train.', 'idle');
    } catch (err) {
      if ((err as Error).message === 'superseded') return;
      setStatus(`Could not read the points: ${(err as Error).message}`, 'failed');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Drawing

  function setTitle(name: MapName, rho: number | null, extra = '') {
    const { title } = scatters[name];
    title.textContent = rho === null ? `${mapTitles[name]}${extra}` : `${mapTitles[name]}${extra} · ρ = ${fmt(rho)}`;
    if (rho === null) delete title.dataset.rho;
    else title.dataset.rho = String(rho);
  }

  function drawMap(name: MapName, codes: Float64Array, rho: number, caption: string) {
    if (!shown || !dataset) return;
    const { wX } = shown;
    const labels = dataset.cloud.labels ?? null;
    const names = dataset.labelNames;
    scatters[name].scatter.update({
      codes,
      n: dataset.cloud.n,
      colourBy: colourSelect.value === 'class' && labels ? 'class' : 'weight',
      weights: wX,
      domain: weightDomain(wX).domain,
      labels,
      caption,
      describe: (i) => `${mapTitles[name]}: point ${i + 1} · w_X ${fmt(wX[i], 4)}${labels ? ` · class ${names?.[labels[i]] ?? labels[i]}` : ''}`,
    });
  }

  function redrawAll() {
    if (!shown) return;
    for (const name of maps) {
      const m = shown.maps[name];
      if (m) drawMap(name, m.codes, m.rho, scatters[name].title.textContent ?? mapTitles[name]);
    }
    drawLegend();
  }

  function drawLegend() {
    if (!shown || !dataset) {
      legend.replaceChildren();
      return;
    }
    if (colourSelect.value === 'class' && dataset.cloud.labels) {
      const classes = [...new Set(dataset.cloud.labels)].sort((a, b) => a - b);
      legend.replaceChildren(
        ...classes.map((c) => {
          const swatch = el('span', { class: 'swatch' });
          swatch.style.background = CLASS_COLOURS[c % CLASS_COLOURS.length];
          return el('span', { class: 'legend-item' }, swatch, ` ${dataset!.labelNames?.[c] ?? c}`);
        }),
      );
    } else {
      const [lo, hi] = weightDomain(shown.wX).domain;
      const bar = el('span', { class: 'gradient' });
      legend.replaceChildren(el('span', {}, `w_X ${fmt(lo)} `), bar, el('span', {}, ` ${fmt(hi)}: the input's weighting vector at t = ${fmt(shown.t, 4)} (bright = boundary)`));
    }
  }

  function drawLosses() {
    lossTimer = undefined;
    const x = steps.map((s) => s.step);
    lossChart.update([
      { name: 'L_recons', x, y: steps.map((s) => s.recons), className: 'recons' },
      { name: 'L_weight', x, y: steps.map((s) => s.weight), className: 'weight' },
      { name: 'total', x, y: steps.map((s) => s.total), className: 'total' },
    ]);
    lossChart.svg.dataset.steps = String(steps.length);
  }

  function scheduleLosses() {
    if (lossTimer === undefined) lossTimer = setTimeout(drawLosses, 150);
  }

  function showReport(rows: [string, string, string][]) {
    report.replaceChildren(...rows.flatMap(([term, value, id]) => [el('dt', {}, term), el('dd', { id }, value)]));
  }

  // -------------------------------------------------------------------------------------------
  // Training

  function readSettings(d: Dataset): AeSettings {
    const t = Number(tInput.value);
    if (!(t > 0) || !Number.isFinite(t)) throw new Error('t must be a positive number.');
    const lambda = Number(lambdaInput.value);
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new Error('λ must be a non-negative number.');
    const int = (input: HTMLInputElement, name: string) => {
      const v = Number(input.value);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${name} must be a non-negative integer.`);
      return v;
    };
    const epochs = int(epochsInput, 'epochs');
    const burnIn = int(burnInInput, 'burn-in epochs');
    if (epochs + burnIn === 0) throw new Error('Train for at least one epoch.');
    const architecture = archSelect.value as AeArchitecture;
    if (architecture === 'conv' && !isImage(d.cloud.dim)) throw new Error('The convolutional model takes 28×28 images; this data is not.');
    return { dataset: datasetSelect.value as AeDataset, n: d.cloud.n, t, lambda, epochs, burnIn, architecture, seed: int(seedInput, 'seed') };
  }

  function flush(runId: string, snapshot: EpochSnapshot | null) {
    if (unsent.length === 0 && !snapshot) return;
    host.post({ type: 'aeProgress', runId, steps: unsent, snapshot: snapshot ? { phase: snapshot.phase, epoch: snapshot.epoch, rho: snapshot.rho, codes: snapshot.codes } : null });
    unsent = [];
  }

  async function train() {
    const d = dataset;
    if (!d || training) return;
    if (!host.trusted()) {
      setStatus('This workspace is not trusted: Lacuna trains no models here.', 'idle');
      return;
    }
    let settings: AeSettings;
    try {
      settings = readSettings(d);
    } catch (err) {
      setStatus((err as Error).message, 'failed');
      return;
    }
    training = true;
    controller = new AbortController();
    trainButton.disabled = true;
    cancelButton.disabled = false;
    exportCodes.disabled = true;
    datasetSelect.disabled = true;
    nInput.disabled = true;
    steps = [];
    unsent = [];
    drawLosses();
    const { cloud } = d;
    const { n, dim } = cloud;
    let runId: string | null = null;
    let result: AutoencoderResult | null = null;
    let error: string | null = null;
    let tensorGrowth: number | null = null;
    try {
      // The comparisons first: w_X, then exact PCA and t-SNE (t-SNE does not depend on t, so it
      // is computed once per dataset), each scored by ρ at this t.
      setStatus(`the input's weighting vector (exact, n = ${n})…`, 'busy');
      await nextFrame();
      const wX = exactWeights(cloud.data, n, dim, settings.t);
      shown = { wX, t: settings.t, maps: {} };
      setTitle('autoencoder', null, ': training…');
      scatters.autoencoder.scatter.clear('Autoencoder: starting…');
      if (!d.pcaCodes) {
        const t0 = performance.now();
        d.pcaCodes = { codes: pca(cloud, { components: 2 }).codes, seconds: (performance.now() - t0) / 1000 };
      }
      const pcaMap = scoreMap(wX, d.pcaCodes, settings.t);
      showMap('pca', pcaMap);
      if (!d.tsneCodes) {
        setStatus(`t-SNE (exact, n = ${n}, 1000 iterations)…`, 'busy');
        scatters.tsne.scatter.clear('t-SNE: computing…');
        await nextFrame();
        const t0 = performance.now();
        d.tsneCodes = { codes: tsne(cloud, { seed: settings.seed }).codes, seconds: (performance.now() - t0) / 1000 };
      }
      const tsneMap = scoreMap(wX, d.tsneCodes, settings.t);
      showMap('tsne', tsneMap);
      drawLegend();
      if (controller.signal.aborted) throw new Cancelled();

      // The run, kept by the host.
      const backend = host.backendName() ?? tf.getBackend();
      const run = await host.request({ type: 'aeStart', settings, dataset: { label: d.label, n, dim, labels: cloud.labels ?? null }, backend, inputWeights: wX, pca: pcaMap, tsne: tsneMap });
      if (run.type !== 'aeStarted') throw new Error(`the host answered ${run.type}`);
      runId = run.runId;
      showReport([
        ['run', run.runId, 'ae-run'],
        ['kept in', run.path ?? '–', 'ae-run-path'],
        ['backend', backend, 'ae-report-backend'],
      ]);

      const defaults = defaultAutoencoderConfig(settings.architecture, settings.t);
      const config: AutoencoderConfig = { ...defaults, lambda: settings.lambda, epochs: settings.epochs, burnInEpochs: settings.burnIn, seed: settings.seed };
      const snapshotEvery = Math.max(1, Math.round(Math.max(settings.epochs, settings.burnIn) / SNAPSHOTS));
      const before = tf.memory().numTensors;
      setStatus(`training on ${backend}…`, 'training');
      result = await trainAutoencoder(tf, cloud, config, {
        snapshotEvery,
        signal: controller.signal,
        onStep: (s: TrainingStep) => {
          const step: AeStep = { phase: s.phase, epoch: s.epoch, step: s.step, recons: s.recons, weight: s.weight, total: s.total, rho: s.rho, seconds: s.seconds };
          steps.push(step);
          unsent.push(step);
          scheduleLosses();
          const total = s.phase === 'burn-in' ? settings.burnIn : settings.epochs;
          setStatus(`${s.phase === 'burn-in' ? 'burn-in' : 'joint'} epoch ${s.epoch}/${total} on ${backend}: L = ${fmt(s.total, 4)}${Number.isFinite(s.rho) ? `, ρ = ${fmt(s.rho)}` : ''}`, 'training');
          if (unsent.length >= 25) flush(runId!, null);
        },
        onSnapshot: (snap: EpochSnapshot) => {
          const label = `${snap.phase === 'burn-in' ? 'burn-in' : 'epoch'} ${snap.epoch}`;
          shown!.maps.autoencoder = { codes: snap.codes, weights: null, rho: snap.rho };
          setTitle('autoencoder', snap.rho, ` (${label})`);
          drawMap('autoencoder', snap.codes, snap.rho, `Autoencoder (${label}) · ρ = ${fmt(snap.rho)}`);
          scatters.autoencoder.scatter.canvas.dataset.epoch = `${snap.phase}:${snap.epoch}`;
          flush(runId!, snap);
        },
      }, wX);
      tensorGrowth = tf.memory().numTensors - before;
    } catch (err) {
      if (!(err instanceof Cancelled)) error = (err as Error).message ?? String(err);
    }
    drawLosses();
    const cancelled = controller.signal.aborted;
    if (result) {
      const aeMap: AeMap = { codes: result.codes, weights: result.codeWeights, rho: result.rho, seconds: result.seconds.total };
      showMap('autoencoder', aeMap);
      scatters.autoencoder.scatter.canvas.dataset.epoch = 'final';
      scatters.autoencoder.title.dataset.final = 'true';
      shown!.maps.autoencoder = { codes: result.codes, weights: result.codeWeights, rho: result.rho };
    }
    if (runId) {
      flush(runId, null);
      const outcome: AeOutcome = {
        status: error ? 'failed' : cancelled ? 'cancelled' : 'completed',
        error,
        autoencoder: result ? { codes: result.codes, weights: result.codeWeights, rho: result.rho, seconds: result.seconds.total } : null,
        final: result?.final ?? null,
        seconds: result ? { total: result.seconds.total, perBurnInEpoch: result.seconds.perBurnInEpoch, perJointEpoch: result.seconds.perJointEpoch } : null,
        parameterCount: result?.parameterCount ?? null,
        tensorGrowth,
      };
      host.post({ type: 'aeDone', runId, outcome });
    }
    if (result) {
      const rows = [...report.querySelectorAll('dt')].map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '', dt.nextElementSibling?.id ?? ''] as [string, string, string]);
      showReport([
        ...rows,
        ['model', `${result.config.architecture}, ${result.parameterCount.toLocaleString('en-US')} parameters`, 'ae-report-model'],
        ['losses', `L_recons ${fmt(result.final.recons, 4)}, L_weight ${fmt(result.final.weight, 4)}, L ${fmt(result.final.total, 4)}`, 'ae-report-losses'],
        ['per epoch', `${result.seconds.perBurnInEpoch > 0 ? `burn-in ${result.seconds.perBurnInEpoch.toFixed(3)} s, ` : ''}joint ${result.seconds.perJointEpoch.toFixed(3)} s`, 'ae-report-epoch'],
        ['tensors', tensorGrowth === 0 ? 'none left behind' : `${tensorGrowth} left behind`, 'ae-report-tensors'],
      ]);
      report.dataset.tensorGrowth = String(tensorGrowth);
    }
    if (error) setStatus(`Training failed: ${error}`, 'failed');
    else if (cancelled) setStatus(result ? `Cancelled after ${steps.length} steps; the run keeps what it reported (ρ = ${fmt(result.rho)}).` : 'Cancelled before the training started.', 'cancelled');
    else setStatus(`Done: ρ(w_X, w_code) = ${fmt(result!.rho)} for the autoencoder, ${fmt(shown?.maps.pca?.rho ?? NaN)} for PCA, ${fmt(shown?.maps.tsne?.rho ?? NaN)} for t-SNE.`, 'done');
    training = false;
    controller = null;
    trainButton.disabled = !host.trusted();
    cancelButton.disabled = true;
    datasetSelect.disabled = false;
    nInput.disabled = false;
    exportCodes.disabled = !shown;
  }

  class Cancelled extends Error {}

  function scoreMap(wX: Float64Array, map: { codes: Float64Array; seconds: number }, t: number): AeMap {
    const fit = codeRho(wX, map.codes, 2, t);
    return { codes: map.codes, weights: fit.weights, rho: fit.rho, seconds: map.seconds };
  }

  function showMap(name: MapName, map: AeMap) {
    shown!.maps[name] = { codes: map.codes, weights: map.weights, rho: map.rho };
    setTitle(name, map.rho);
    drawMap(name, map.codes, map.rho, `${mapTitles[name]} · ρ = ${fmt(map.rho)}`);
  }

  // -------------------------------------------------------------------------------------------
  // Events

  datasetSelect.addEventListener('change', () => {
    if (datasetSelect.value !== 'current') nInput.value = String(DEFAULT_POINTS);
    else nInput.value = String(Math.min(DEFAULT_POINTS, host.current()?.n ?? DEFAULT_POINTS));
    void prepare();
  });
  nInput.addEventListener('change', () => {
    // A change event can fire again on blur with nothing new: read the data only for a new size.
    const wanted = Math.max(3, Math.min(MAX_POINTS, Math.floor(Number(nInput.value) || DEFAULT_POINTS)));
    const prefix = datasetSelect.value === 'current' ? 'current:' : `sample:${datasetSelect.value}:`;
    if (dataset && dataset.cloud.n === wanted && dataset.key.startsWith(prefix)) return;
    void prepare();
  });
  tSuggested.addEventListener('click', () => {
    if (dataset) tInput.value = dataset.suggested.t.toPrecision(4);
  });
  archSelect.addEventListener('change', () => defaultsFor(archSelect.value as AeArchitecture));
  trainButton.addEventListener('click', () => void train());
  cancelButton.addEventListener('click', () => {
    if (!controller) return;
    controller.abort();
    cancelButton.disabled = true;
    setStatus('cancelling after this epoch…', 'busy');
  });
  colourSelect.addEventListener('change', redrawAll);
  exportCodes.addEventListener('click', () => {
    if (!shown || !dataset) return;
    const columns = maps.filter((m) => shown!.maps[m]).map((m) => ({ name: m, codes: shown!.maps[m]!.codes, weights: shown!.maps[m]!.weights }));
    exportTo(`${baseName()}.codes.csv`, 'text/csv', codesCsv(shown.wX, columns, dataset.cloud.labels ?? null));
  });

  return {
    /** The tab came to the front: the first time, read the data. */
    open() {
      backendLine.textContent = `backend: ${host.backendName() ?? 'choosing…'} (tfjs; WebGPU when the page has it)`;
      backendLine.dataset.backend = host.backendName() ?? '';
      if (!opened) {
        opened = true;
        fillDatasets();
        const current = host.current();
        nInput.value = String(Math.min(DEFAULT_POINTS, current?.n ?? DEFAULT_POINTS));
        void prepare();
      }
    },
    /** The panel's points changed: offer them (and re-read them if they are the chosen data). */
    pointsChanged() {
      if (!opened) return;
      fillDatasets();
      if (datasetSelect.value === 'current' && !training) void prepare();
    },
    handle(m: HostToWebview): boolean {
      switch (m.type) {
        default:
          return false;
      }
    },
  };
}

// The Autoencoder tab of the "Inspect weighting vectors" panel: trains the magnitude autoencoder
// (core/magnitude/autoencoder, the same code as `lacuna autoencode`) on the panel's tfjs backend,
// with a live loss chart and a live 2-D code scatter beside exact PCA and t-SNE, each titled with
// its ρ(w_X, w_code). The host keeps each training as a run; this page only computes and draws.
// The state is aeState.ts (pure), the DOM aeView.ts; this file loads the data and trains.
import * as tf from '@tensorflow/tfjs';
import { pca } from '../../src/core/embed/pca';
import { tsne } from '../../src/core/embed/tsne';
import { codesCsv, defaultAutoencoderConfig, exactWeights, suggestedScale, trainAutoencoder, type AutoencoderConfig, type AutoencoderResult } from '../../src/core/magnitude/autoencoder/index';
import { subsamplePoints } from '../../src/core/points/readPoints';
import type { PointCloud } from '../../src/core/points/samples';
import type { AeArchitecture, AeDataset, AeMap, AeSettings, AeStep, HostToWebview, PointsPayload, WebviewToHost } from '../../src/protocol/magnitude';
import type { ExportMime } from '../common/ui';
import {
  clampPoints, DEFAULT_POINTS, endText, fmt, initialAeState, isImage, MAP_TITLES, MAPS, MNIST_T, outcomeOf, readSettings, resultRows, sameDataset, scoreMap, SNAPSHOTS, stepText, etaText,
  type Dataset, type MapName,
} from './aeState';
import { createAeView } from './aeView';

export interface AutoencoderTabHost {
  post(message: WebviewToHost): void;
  /** A request to the host; resolves with its reply, rejects with the error it replied. */
  request(message: WebviewToHost): Promise<HostToWebview>;
  /** The panel's current points, if any. */
  current(): PointsPayload | null;
  /** The suggested scale of the current points, once the panel's sweep has it. */
  currentSuggested(): { t: number; reason: string } | null;
  backendName(): string | null;
  /** While a training goes (the comparisons included): what it is doing; null once it ended. The panel's header shows it. */
  training(text: string | null): void;
  trusted(): boolean;
  setMessage(text: string, kind?: 'info' | 'error'): void;
}

const nextFrame = () => new Promise<void>((resolve) => setTimeout(resolve, 0));
class Cancelled extends Error {}
class Superseded extends Error {}

export function createAutoencoderTab(root: HTMLElement, host: AutoencoderTabHost) {
  const exportTo = (fileName: string, mime: ExportMime | 'text/csv', data: Uint8Array | string) => host.post({ type: 'export', fileName, mime, data });
  const view = createAeView(root, exportTo, (text) => host.setMessage(text, 'error'));
  /** The tab's status line; while a training goes, the panel's header hears it too. */
  const say = (text: string, state: Parameters<typeof view.setStatus>[1]) => {
    view.setStatus(text, state);
    if (s.training) host.training(text);
  };
  const s = initialAeState();
  const losses = { timer: undefined as ReturnType<typeof setTimeout> | undefined };

  function drawLosses() {
    losses.timer = undefined;
    view.drawLosses(s.steps);
  }
  const scheduleLosses = () => {
    if (losses.timer === undefined) losses.timer = setTimeout(drawLosses, 150);
  };

  // -------------------------------------------------------------------------------------------
  // Data

  async function loadDataset(): Promise<Dataset> {
    const choice = view.datasetSelect.value as AeDataset;
    const n = clampPoints(view.nInput.value);
    view.nInput.value = String(n);
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
    const request = ++s.loadRequest;
    const m = await host.request({ type: 'aeLoad', sample: choice, n });
    if (request !== s.loadRequest || m.type !== 'aePoints') throw new Superseded();
    const cloud: PointCloud = { n: m.n, dim: m.dim, data: m.points, labels: m.labels ?? undefined };
    let suggested: { t: number; reason: string };
    if (isImage(m.dim)) suggested = { t: MNIST_T, reason: "the seed's scale for MNIST digits" };
    else {
      say('choosing the scale t (magnitude function)…', 'busy');
      await nextFrame();
      suggested = suggestedScale(cloud);
    }
    if (request !== s.loadRequest) throw new Superseded();
    return { key: `sample:${choice}:${m.n}`, label: m.label, cloud, labelNames: m.labelNames, suggested };
  }

  async function prepare() {
    if (s.training) return;
    const generation = ++s.prepareGeneration;
    view.trainButton.disabled = true;
    say('reading the points…', 'busy');
    try {
      const d = await loadDataset();
      if (generation !== s.prepareGeneration) return;
      s.dataset = d;
      s.shown = null;
      const image = isImage(d.cloud.dim);
      view.showDataset(d, image);
      // The model's default epochs only when the model changes: the user's own choice stays.
      const architecture: AeArchitecture = image ? 'conv' : 'linear';
      if (view.archSelect.value !== architecture || !s.archChosen) {
        view.archSelect.value = architecture;
        view.defaultsFor(architecture);
        s.archChosen = true;
      }
      if (!host.trusted()) {
        say('This workspace is not trusted: Lacuna trains no models here.', 'idle');
        return;
      }
      view.trainButton.disabled = false;
      say('Ready to train.', 'idle');
    } catch (err) {
      if (err instanceof Superseded) return;
      say(`Could not read the points: ${(err as Error).message}`, 'failed');
    }
  }

  // -------------------------------------------------------------------------------------------
  // Training

  function showMap(name: MapName, map: AeMap) {
    s.shown!.maps[name] = { codes: map.codes, weights: map.weights, rho: map.rho };
    view.setTitle(name, map.rho);
    view.drawMap(s.shown, s.dataset, name, map.codes, `${MAP_TITLES[name]} · ρ = ${fmt(map.rho)}`);
  }

  function flush(runId: string, snapshot: { phase: 'burn-in' | 'joint'; epoch: number; rho: number; codes: Float64Array } | null) {
    if (s.unsent.length === 0 && !snapshot) return;
    host.post({ type: 'aeProgress', runId, steps: s.unsent, snapshot: snapshot ? { phase: snapshot.phase, epoch: snapshot.epoch, rho: snapshot.rho, codes: snapshot.codes } : null });
    s.unsent = [];
  }

  /** The comparisons first: w_X, then exact PCA and t-SNE (t-SNE does not depend on t, so it is computed once per dataset), each scored by ρ at this t. */
  async function compare(d: Dataset, settings: AeSettings): Promise<{ wX: Float64Array; pcaMap: AeMap; tsneMap: AeMap }> {
    const { cloud } = d;
    say(`the input's weighting vector (exact, n = ${cloud.n})…`, 'busy');
    await nextFrame();
    const wX = exactWeights(cloud.data, cloud.n, cloud.dim, settings.t);
    s.shown = { wX, t: settings.t, maps: {} };
    view.setTitle('autoencoder', null, ': training…');
    view.scatters.autoencoder.scatter.clear('Autoencoder: starting…');
    if (!d.pcaCodes) {
      const t0 = performance.now();
      d.pcaCodes = { codes: pca(cloud, { components: 2 }).codes, seconds: (performance.now() - t0) / 1000 };
    }
    const pcaMap = scoreMap(wX, d.pcaCodes, settings.t);
    showMap('pca', pcaMap);
    if (!d.tsneCodes) {
      say(`t-SNE (exact, n = ${cloud.n}, 1000 iterations)…`, 'busy');
      view.scatters.tsne.scatter.clear('t-SNE: computing…');
      await nextFrame();
      const t0 = performance.now();
      d.tsneCodes = { codes: tsne(cloud, { seed: settings.seed }).codes, seconds: (performance.now() - t0) / 1000 };
    }
    const tsneMap = scoreMap(wX, d.tsneCodes, settings.t);
    showMap('tsne', tsneMap);
    view.drawLegend(s.shown, d);
    return { wX, pcaMap, tsneMap };
  }

  async function train() {
    const d = s.dataset;
    if (!d || s.training) return;
    if (!host.trusted()) {
      say('This workspace is not trusted: Lacuna trains no models here.', 'idle');
      return;
    }
    let settings: AeSettings;
    try {
      settings = readSettings(d, view.form());
    } catch (err) {
      say((err as Error).message, 'failed');
      return;
    }
    s.training = true;
    const controller = (s.controller = new AbortController());
    view.setTraining(true, host.trusted());
    view.exportCodes.disabled = true;
    s.steps = [];
    s.unsent = [];
    drawLosses();
    const { cloud } = d;
    let runId: string | null = null;
    let result: AutoencoderResult | null = null;
    let error: string | null = null;
    let tensorGrowth: number | null = null;
    try {
      const { wX, pcaMap, tsneMap } = await compare(d, settings);
      if (controller.signal.aborted) throw new Cancelled();
      // The run, kept by the host.
      const backend = host.backendName() ?? tf.getBackend();
      const run = await host.request({ type: 'aeStart', settings, dataset: { label: d.label, n: cloud.n, dim: cloud.dim, labels: cloud.labels ?? null }, backend, inputWeights: wX, pca: pcaMap, tsne: tsneMap });
      if (run.type !== 'aeStarted') throw new Error(`the host answered ${run.type}`);
      const id = (runId = run.runId);
      view.showReport([
        ['run', run.runId, 'ae-run'],
        ['kept in', run.path ?? '–', 'ae-run-path'],
        ['backend', backend, 'ae-report-backend'],
      ]);
      const defaults = defaultAutoencoderConfig(settings.architecture, settings.t);
      const config: AutoencoderConfig = { ...defaults, lambda: settings.lambda, epochs: settings.epochs, burnInEpochs: settings.burnIn, seed: settings.seed };
      const snapshotEvery = Math.max(1, Math.round(Math.max(settings.epochs, settings.burnIn) / SNAPSHOTS));
      const before = tf.memory().numTensors;
      say(`training on ${backend}…`, 'training');
      result = await trainAutoencoder(tf, cloud, config, {
        snapshotEvery,
        signal: controller.signal,
        onStep: (t) => {
          const step: AeStep = { phase: t.phase, epoch: t.epoch, step: t.step, recons: t.recons, weight: t.weight, total: t.total, rho: t.rho, seconds: t.seconds };
          s.steps.push(step);
          s.unsent.push(step);
          scheduleLosses();
          say(stepText(step, settings, backend) + etaText(s.steps, settings), 'training');
          if (s.unsent.length >= 25) flush(id, null);
        },
        onSnapshot: (snap) => {
          const label = `${snap.phase === 'burn-in' ? 'burn-in' : 'epoch'} ${snap.epoch}`;
          s.shown!.maps.autoencoder = { codes: snap.codes, weights: null, rho: snap.rho };
          view.setTitle('autoencoder', snap.rho, ` (${label})`);
          view.drawMap(s.shown, d, 'autoencoder', snap.codes, `Autoencoder (${label}) · ρ = ${fmt(snap.rho)}`);
          view.scatters.autoencoder.scatter.canvas.dataset.epoch = `${snap.phase}:${snap.epoch}`;
          flush(id, snap);
        },
      }, wX);
      tensorGrowth = tf.memory().numTensors - before;
    } catch (err) {
      if (!(err instanceof Cancelled)) error = (err as Error).message ?? String(err);
    }
    drawLosses();
    const cancelled = controller.signal.aborted;
    if (result) {
      showMap('autoencoder', { codes: result.codes, weights: result.codeWeights, rho: result.rho, seconds: result.seconds.total });
      view.scatters.autoencoder.scatter.canvas.dataset.epoch = 'final';
      view.scatters.autoencoder.title.dataset.final = 'true';
    }
    if (runId) {
      flush(runId, null);
      host.post({ type: 'aeDone', runId, outcome: outcomeOf(result, error, cancelled, tensorGrowth) });
    }
    if (result) {
      view.showReport(resultRows(result, tensorGrowth), true);
      view.report.dataset.tensorGrowth = String(tensorGrowth);
    }
    const end = endText(result, error, cancelled, s.steps.length, s.shown);
    s.training = false;
    host.training(null);
    say(end.text, end.state);
    s.controller = null;
    view.setTraining(false, host.trusted());
    view.exportCodes.disabled = !s.shown;
  }

  // -------------------------------------------------------------------------------------------
  // Events

  view.datasetSelect.addEventListener('change', () => {
    view.nInput.value = String(view.datasetSelect.value !== 'current' ? DEFAULT_POINTS : Math.min(DEFAULT_POINTS, host.current()?.n ?? DEFAULT_POINTS));
    void prepare();
  });
  view.nInput.addEventListener('change', () => {
    // A change event can fire again on blur with nothing new: read the data only for a new size.
    if (!sameDataset(s.dataset, view.datasetSelect.value, clampPoints(view.nInput.value))) void prepare();
  });
  view.tSuggested.addEventListener('click', () => {
    if (s.dataset) view.tInput.value = s.dataset.suggested.t.toPrecision(4);
  });
  view.archSelect.addEventListener('change', () => view.defaultsFor(view.archSelect.value as AeArchitecture));
  view.trainButton.addEventListener('click', () => void train());
  view.cancelButton.addEventListener('click', () => {
    if (!s.controller) return;
    s.controller.abort();
    view.cancelButton.disabled = true;
    say('cancelling after this epoch…', 'busy');
  });
  view.colourSelect.addEventListener('change', () => view.redrawAll(s.shown, s.dataset));
  view.exportCodes.addEventListener('click', () => {
    const shown = s.shown;
    if (!shown || !s.dataset) return;
    const columns = MAPS.filter((m) => shown.maps[m]).map((m) => ({ name: m, codes: shown.maps[m]!.codes, weights: shown.maps[m]!.weights }));
    const v = view.datasetSelect.value;
    exportTo(`${v === 'current' || !v ? 'points' : v}.codes.csv`, 'text/csv', codesCsv(shown.wX, columns, s.dataset.cloud.labels ?? null));
  });

  return {
    /** The tab came to the front: the first time, read the data. */
    open() {
      view.backendLine.textContent = `backend: ${host.backendName() ?? 'choosing…'} (tfjs; the panel's measured choice, see the badge)`;
      view.backendLine.dataset.backend = host.backendName() ?? '';
      if (s.opened) return;
      s.opened = true;
      view.fillDatasets(host.current());
      view.nInput.value = String(Math.min(DEFAULT_POINTS, host.current()?.n ?? DEFAULT_POINTS));
      void prepare();
    },
    /** The panel's points changed: offer them (and re-read them if they are the chosen data). */
    pointsChanged() {
      if (!s.opened) return;
      view.fillDatasets(host.current());
      if (view.datasetSelect.value === 'current' && !s.training) void prepare();
    },
  };
}

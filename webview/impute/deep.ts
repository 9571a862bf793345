// Learned imputers in the training panel: the settings of Kron, ViT and UNet (whichever are
// registered), training with live charts (losses, L_nz and L_z, the GradNorm weights, steps/s,
// ETA), pause / resume / cancel with a checkpoint at every epoch end saved by the host, the
// evaluation across mask ratios, and two runs compared. Training runs the same core code as
// the CLI; chart updates are batched per animation frame so they never slow the steps.
import { DEFAULT_MASK_RATIO } from '../../src/core/impute/job';
import { formatFigure } from '../../src/core/format';
import * as tf from '@tensorflow/tfjs';
import { runDeepImputation, scoreAtMaskRatios, type DeepJobResult } from '../../src/core/impute/deepJob';
import { evaluate } from '../../src/core/impute/metrics';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/core/impute/modelFormat';
import { createImputer, DEEP_METHODS, MODEL_DEFAULTS, type DeepMethod } from '../../src/core/impute/models';
import { maskProtocol } from '../../src/core/impute/protocol';
import { imputeFromCheckpoint, scoreRatiosCancellable } from './checkpointJobs';
import { modelFromCheckpoint, predictMatrix, type Checkpoint, type TrainProgress } from '../../src/core/impute/train';
import type { MaskedMatrix } from '../../src/core/matrix/masked';
import type { CompareRun, DeepSettings, HostToWebview, MaskRatioRow, RunConfig, RunMetrics, RunStatus, TrainPoint, WebviewToHost } from '../../src/protocol/impute';
import { createLineChart } from '../charts/lines';
import { etaSeconds, formatDuration, historyBefore, maskRatioSeries, stepsPerEpoch, stepsPerSecond, trainingCharts } from '../charts/trainingSeries';
import { card, el, exportButtons, type ExportMime } from '../common/ui';

export const MASK_RATIOS = [0.5, 0.6, 0.8, 0.9];

/** What the deep-training part needs from the rest of the panel. */
export interface DeepHost {
  post(m: WebviewToHost): void;
  /** A request to the host; resolves with its reply (the panel channel's request/reply). */
  request(m: WebviewToHost): Promise<HostToWebview>;
  exportTo(fileName: string, mime: ExportMime, data: Uint8Array | string): void;
  setMessage(text: string, kind?: 'info' | 'error'): void;
  setStatus(status: string): void;
  setRunning(on: boolean): void;
  backendName(): string;
  matrix(): MaskedMatrix | null;
  /** A finished training (or a checkpoint's imputation): post the result and show the metrics, heatmap and map. */
  finish(config: RunConfig, job: Pick<DeepJobResult, 'setup' | 'targets' | 'metrics' | 'prediction' | 'imputed'> & { validation?: { mae: number } }, seconds: number, fromCheckpoint?: boolean): void;
  /** Whether Cancel is offered while nothing trains (a paused run, an evaluation). */
  setCancellable(on: boolean): void;
  /** The imputed values to draw on the maps (and animate). */
  showImputed(r: { targetMask: Uint8Array; prediction: Float64Array; imputed: Float64Array }): void;
  metrics(): RunMetrics | null;
}

const LABELS: Record<string, string> = { steps: 'window', channels: 'width', keyWidth: 'key width', depth: 'depth', heads: 'heads', patch: 'patch', patchSteps: 'patch (steps)', patchCols: 'patch (columns)', width: 'width', levels: 'levels' };
/** What each model setting means, with its unit (the window's length in time is added from the data). */
const TITLES: Record<string, string> = {
  steps: 'Window: time steps (matrix rows) each training sample covers',
  channels: 'Width: features per token (channels)',
  keyWidth: 'Key width: features per attention key and query',
  depth: 'Depth: transformer blocks (layers)',
  heads: 'Heads: attention heads per block',
  patch: 'Patch: time steps × columns merged into one token (a square patch)',
  patchSteps: 'Patch (steps): time steps merged into one token',
  patchCols: 'Patch (columns): columns merged into one token',
  width: 'Width: features per token (channels)',
  levels: 'Levels: down-sampling stages of the UNet (each halves the window)',
  residual: 'Residual: 1 = learn a correction to each window’s linear interpolation, 0 = predict values directly',
};
const LABEL_NAMES: Record<DeepMethod, string> = { kron: 'Kron (Kronecker attention)', vit: 'ViT', unet: 'UNet' };

/** The learned methods whose model is registered (the others throw when built). */
export function availableDeepMethods(): DeepMethod[] {
  return DEEP_METHODS.filter((m) => {
    if (Object.keys(MODEL_DEFAULTS[m] ?? {}).length === 0) return false;
    try {
      createImputer(tf, m, { ...MODEL_DEFAULTS[m] }, 8).dispose();
      return true;
    } catch {
      return false;
    }
  });
}

export function deepMethodLabel(m: DeepMethod): string {
  return LABEL_NAMES[m];
}

function toPoint(p: TrainProgress): TrainPoint {
  const out: TrainPoint = { step: p.step, epoch: p.epoch, seconds: p.seconds, loss: p.loss, lossNonzero: p.lossNonzero, lossZero: p.lossZero, weights: [p.weights[0], p.weights[1]] };
  if (p.validation !== undefined && Number.isFinite(p.validation)) out.validation = p.validation;
  return out;
}

const num = (v: number, digits = 4): string => formatFigure(v, Math.abs(v) >= 1000 ? { digits: 0 } : { digits, style: 'significant' });

export function createDeepTraining(host: DeepHost, settingsParent: HTMLElement, app: HTMLElement) {
  // ---- settings --------------------------------------------------------------------------
  const settings = el('div', { id: 'deep-settings', class: 'controls', hidden: '' });
  const modelFields = el('span', { class: 'controls', id: 'model-fields' });
  const input = (id: string, value: string, attrs: Record<string, string> = {}) => el('input', { id, type: 'number', value, ...attrs });
  const lr = input('lr', '0.002', { step: 'any', min: '0' });
  const alpha = input('alpha', '1.5', { step: '0.1', min: '0' });
  const epochs = input('epochs', '20', { step: '1', min: '1' });
  const batch = input('batch', '16', { step: '1', min: '1' });
  const optimizer = el('select', { id: 'optimizer' }, el('option', { value: 'adam' }, 'Adam'), el('option', { value: 'shampoo' }, 'Shampoo'));
  const balance = el('select', { id: 'balance' }, el('option', { value: 'gradnorm' }, 'GradNorm'), el('option', { value: 'fixed' }, 'fixed weights'), el('option', { value: 'single' }, 'plain loss'));
  const pauseButton = el('button', { id: 'pause', class: 'secondary', disabled: '' }, 'Pause');
  const resumeButton = el('button', { id: 'resume', class: 'secondary', disabled: '' }, 'Resume');
  const evaluateButton = el('button', { id: 'evaluate', class: 'secondary', disabled: '', title: 'Score the best saved weights across mask ratios (Cancel stops it between ratios)' }, 'Evaluate');
  const writeButton = el('button', { id: 'write-imputed', class: 'secondary', disabled: '', title: 'Fill the matrix with the best saved weights and write <name>.imputed beside the input (for a paused or cancelled run)' }, 'Write imputed file');
  settings.append(
    modelFields,
    el('label', { title: 'Learning rate: the optimiser’s step size (per step, on standardised values)' }, 'learning rate ', lr),
    el('label', { title: 'GradNorm α: how strongly the weights w_nz and w_z pull the two losses (nonzero- and zero-truth entries) to train at the same rate (0 = equal weights; no unit)' }, 'α ', alpha),
    el('label', { title: 'Epochs: the most passes over the training windows (training stops earlier when validation MAE stops improving)' }, 'epochs ', epochs),
    el('label', { title: 'Batch: training windows per step (a step takes longer with more; the panel keeps steps short on its backend)' }, 'batch ', batch),
    el('label', { title: 'Optimiser: Adam, or Shampoo (a preconditioned method; more work per step)' }, 'optimiser ', optimizer),
    el('label', { title: 'Balance of the two losses: GradNorm (learned weights), fixed equal weights, or one plain loss over every target' }, 'balance ', balance),
    pauseButton,
    resumeButton,
    evaluateButton,
    writeButton,
  );
  settingsParent.append(settings);

  function showFields(method: DeepMethod, values: Record<string, number> = {}) {
    modelFields.replaceChildren();
    for (const [key, value] of Object.entries(MODEL_DEFAULTS[method])) {
      if (key === 'seed') continue;
      if (key === 'spatialBias') {
        // Kron's distance bias needs the columns' places (a locations file or lat/lng columns).
        const places = !!host.matrix()?.places;
        const box = el('input', { id: `hp-${key}`, type: 'checkbox', 'data-flag': key });
        box.checked = places && (values[key] ?? value) > 0;
        box.disabled = !places;
        modelFields.append(el('label', { title: places ? 'Add −β·(H3 grid distance) to the spatial attention scores, β learned per block' : 'Needs places for the columns: a locations file, or a long table with latitude and longitude' }, box, ' distance bias'));
        continue;
      }
      const title = `${TITLES[key] ?? key}${key === 'steps' ? windowDuration(values[key] ?? value) : ''}`;
      modelFields.append(el('label', { title }, `${LABELS[key] ?? key} `, input(`hp-${key}`, String(values[key] ?? value), { step: 'any', min: '1', 'data-key': key, title })));
    }
  }

  /** "; 24 steps of 15 min = 6 h here", from the median gap between the data's timestamps. */
  function windowDuration(steps: number): string {
    const times = host.matrix()?.times;
    if (!times || times.length < 2) return '';
    const gaps = [];
    for (let i = 1; i < Math.min(times.length, 200); i++) if (times[i] > times[i - 1]) gaps.push(times[i] - times[i - 1]);
    gaps.sort((a, b) => a - b);
    const gap = gaps[Math.floor(gaps.length / 2)];
    if (!(gap > 0)) return '';
    return `; ${steps} steps of ${formatDuration(gap / 1000)} = ${formatDuration((steps * gap) / 1000)} here`;
  }

  function readSettings(method: DeepMethod): DeepSettings | string {
    const model: Record<string, number> = {};
    for (const field of modelFields.querySelectorAll<HTMLInputElement>('input[data-key]')) {
      const v = Number(field.value);
      if (!Number.isFinite(v) || v <= 0) return `${LABELS[field.dataset.key!] ?? field.dataset.key} must be a positive number.`;
      model[field.dataset.key!] = v;
    }
    for (const box of modelFields.querySelectorAll<HTMLInputElement>('input[data-flag]')) model[box.dataset.flag!] = box.checked ? 1 : 0;
    if (!Object.keys(model).length) Object.assign(model, MODEL_DEFAULTS[method]);
    const s: DeepSettings = {
      model,
      learningRate: Number(lr.value),
      alpha: Number(alpha.value),
      maxEpochs: Number(epochs.value),
      batchSize: Number(batch.value),
      optimizer: optimizer.value as DeepSettings['optimizer'],
      balance: balance.value as DeepSettings['balance'],
    };
    if (!(s.learningRate > 0)) return 'The learning rate must be positive.';
    if (!(s.alpha >= 0)) return 'α must be zero or more.';
    if (!Number.isInteger(s.maxEpochs) || s.maxEpochs < 1) return 'Epochs must be a whole number, 1 or more.';
    if (!Number.isInteger(s.batchSize) || s.batchSize < 1) return 'The batch must be a whole number, 1 or more.';
    return s;
  }

  function fill(s: DeepSettings, method: DeepMethod) {
    showFields(method, s.model);
    lr.value = String(s.learningRate);
    alpha.value = String(s.alpha);
    epochs.value = String(s.maxEpochs);
    batch.value = String(s.batchSize);
    optimizer.value = s.optimizer;
    balance.value = s.balance;
  }

  // ---- live charts -----------------------------------------------------------------------
  const liveCard = card('training', 'Training');
  liveCard.section.hidden = true;
  const stats = el('p', { id: 'train-stats', class: 'train-stats' }, '');
  liveCard.body.append(stats);
  const chartBox = (title: string, id: string, yLabel: string) => {
    const actions = el('span', { class: 'actions' });
    const holder = el('div', { class: 'subcard' }, el('h3', {}, title, actions));
    liveCard.body.append(holder);
    const chart = createLineChart(holder, { id, xLabel: 'step', yLabel, height: 180 });
    exportButtons(actions, id, () => chart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));
    return chart;
  };
  const lossChart = chartBox('Loss: train and validation', 'loss-chart', 'loss');
  const partsChart = chartBox('L_nz and L_z (nonzero- and zero-truth losses)', 'parts-chart', 'loss');
  const weightsChart = chartBox('GradNorm weights w_nz and w_z', 'weights-chart', 'weight');

  const evalCard = card('evaluation', 'Across mask ratios');
  evalCard.section.hidden = true;
  const evalChartActions = el('span', { class: 'actions' });
  const evalTable = el('div', { id: 'mask-ratio-table' });
  const evalHolder = el('div', { class: 'subcard' }, el('h3', {}, 'MAE and RMSE against the mask ratio', evalChartActions));
  evalCard.body.append(el('p', { class: 'hint' }, 'The trained model (its best weights by validation) scored with r of the observed nonzero entries hidden, on the test rows.'), evalTable, evalHolder);
  const evalChart = createLineChart(evalHolder, { id: 'mask-ratio-chart', xLabel: 'mask ratio', yLabel: 'error' });
  exportButtons(evalChartActions, 'mask-ratios', () => evalChart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));

  const compareCard = card('compare', 'Compare runs');
  const compareSelect = el('select', { id: 'compare-run' }, el('option', { value: '' }, 'another run…'));
  const compareButton = el('button', { id: 'compare-button', class: 'secondary' }, 'Compare');
  const compareBody = el('div', { id: 'compare-body' });
  const compareActions = el('span', { class: 'actions' });
  compareCard.body.append(el('div', { class: 'controls' }, compareSelect, compareButton), compareBody);
  app.append(liveCard.section, evalCard.section, compareCard.section);
  compareSelect.addEventListener('focus', () => host.post({ type: 'listRuns' }));
  compareButton.addEventListener('click', () => {
    if (compareSelect.value) host.post({ type: 'compare', runId: compareSelect.value });
  });

  // ---- state -----------------------------------------------------------------------------
  /**
   * One epoch numbering everywhere, as the stats line counts: epochs from 1, and a step (counted
   * from 1) belongs to the epoch it was trained in. A checkpoint's `epoch` counts completed
   * epochs, so its last step lies in that epoch when it ended one, else in the next.
   */
  function epochOfStep(step: number, completed: number): number {
    const p = points.find((q) => q.step === step - 1);
    return p ? p.epoch + 1 : Math.max(1, completed);
  }
  const where = (c: { step: number; epoch: number }) => `step ${c.step}, epoch ${epochOfStep(c.step, c.epoch)}`;

  let points: TrainPoint[] = [];
  let pending: TrainPoint[] = [];
  let stopRequest: 'pause' | 'cancel' | null = null;
  let training = false;
  let resumable: Checkpoint | null = null;
  let config: RunConfig | null = null;
  let evaluation: MaskRatioRow[] | null = null;
  let perEpochEstimate = 1;
  let maxEpochs = 1;
  let lastDraw = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  function drawCharts() {
    const c = trainingCharts(points);
    lossChart.update(c.loss);
    partsChart.update(c.parts);
    weightsChart.update(c.weights);
    lossChart.svg.dataset.points = String(points.length);
    weightsChart.svg.dataset.points = String(points.length);
    const last = points[points.length - 1];
    const rate = stepsPerSecond(points);
    const eta = etaSeconds(points, maxEpochs, stepsPerEpoch(points, perEpochEstimate), rate);
    stats.dataset.step = last ? String(last.step + 1) : '0';
    stats.textContent = last
      ? `step ${last.step + 1} · epoch ${last.epoch + 1} of at most ${maxEpochs} · ${num(rate, 3)} steps/s · ETA ${training ? `≤ ${formatDuration(eta)}` : '–'} · loss ${num(last.loss)} · w_nz ${num(last.weights[0], 3)}, w_z ${num(last.weights[1], 3)} · backend ${host.backendName()}`
      : `no steps yet · backend ${host.backendName()}`;
  }

  /** Sends the batch of new steps to the host and redraws: at most once a frame, and every 250 ms at most. */
  let frameWanted = false;
  function flush() {
    frameWanted = false;
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.length) host.post({ type: 'trainProgress', points: pending.splice(0) });
    lastDraw = performance.now();
    drawCharts();
  }
  function schedule() {
    if (timer || frameWanted) return;
    timer = setTimeout(
      () => {
        timer = null;
        frameWanted = true;
        requestAnimationFrame(() => frameWanted && flush());
        // A hidden webview gets no animation frames: the batch still goes to the host.
        setTimeout(() => frameWanted && flush(), 500);
      },
      Math.max(0, 250 - (performance.now() - lastDraw)),
    );
  }

  // Checkpoints: the host confirms each save (a request and its reply) before training goes on.
  async function saveCheckpoint(c: Checkpoint): Promise<void> {
    const { json, weights } = encodeCheckpoint(c);
    const reply = await Promise.race([
      host.request({ type: 'checkpoint', json, weights, epoch: c.epoch, step: c.step }),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the host did not confirm the checkpoint within 60 s')), 60_000)),
    ]);
    if (reply.type === 'checkpointSaved') {
      liveCard.section.dataset.checkpoint = reply.path;
      liveCard.section.dataset.checkpointEpoch = String(reply.epoch);
    }
  }

  function setButtons() {
    pauseButton.disabled = !training;
    resumeButton.disabled = training || !resumable || !trusted;
    evaluateButton.disabled = training || evaluating || !resumable || !trusted;
    writeButton.disabled = training || evaluating || !resumable || !trusted;
    host.setCancellable(training || evaluating || paused);
  }

  /** A paused run (Cancel ends it without training again); an evaluation going on (Cancel stops it). */
  let paused = false;
  let evaluating = false;
  let evalCancel = false;

  let trusted = true;

  async function train(runConfig: RunConfig, resume: Checkpoint | null) {
    const data = host.matrix();
    if (!data || !runConfig.deep || training) return;
    config = runConfig;
    stopRequest = null;
    // A new run starts with no checkpoint of its own (the previous run keeps its record).
    if (!resume) resumable = null;
    paused = false;
    training = true;
    host.setRunning(true);
    setButtons();
    liveCard.section.hidden = false;
    const deep = runConfig.deep;
    maxEpochs = deep.maxEpochs;
    const steps = resume?.config.steps ?? deep.model.steps ?? MODEL_DEFAULTS[runConfig.method as DeepMethod].steps ?? 24;
    perEpochEstimate = Math.max(1, Math.ceil((data.rows * 0.7) / steps / (resume?.options.batchSize ?? deep.batchSize)));
    points = resume ? historyBefore(points, resume.step) : [];
    pending = [];
    host.post({ type: 'run', config: runConfig, resume: !!resume });
    host.setMessage(resume ? `Resuming after ${where(resume)}…` : 'Training…');
    drawCharts();
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    let job: DeepJobResult | null = null;
    try {
      job = await runDeepImputation(tf, data, {
        maskRatio: runConfig.maskRatio,
        seed: runConfig.seed,
        train: {
          method: runConfig.method as DeepMethod,
          model: deep.model,
          learningRate: deep.learningRate,
          alpha: deep.alpha,
          maxEpochs: deep.maxEpochs,
          batchSize: deep.batchSize,
          optimizer: deep.optimizer,
          balance: deep.balance,
          resume: resume ?? undefined,
          onProgress: (p) => {
            const point = toPoint(p);
            points.push(point);
            pending.push(point);
            schedule();
          },
          onEpoch: async (c) => {
            try {
              await saveCheckpoint(c);
              resumable = c;
            } catch (err) {
              host.setMessage(`The checkpoint at ${where(c)} was not saved: ${(err as Error).message}`, 'error');
            }
          },
          shouldStop: () => stopRequest,
          // Every step gives the page its turn, so the panel stays responsive on a slow GPU.
          yieldEvery: 1,
        },
      });
      flush();
      const trained = job.trained;
      if (trained.stopped === 'paused') {
        // The exact state at the pause, so Resume continues where it stopped.
        await saveCheckpoint(trained.checkpoint);
        resumable = trained.checkpoint;
        paused = true;
        host.post({ type: 'paused', step: trained.steps, epoch: epochOfStep(trained.steps, trained.epochs) });
        host.setMessage(`Paused at step ${trained.steps}; the checkpoint is saved. Resume continues from here.`);
      } else if (trained.stopped === 'cancelled') {
        host.post({ type: 'cancelled' });
        host.setMessage(resumable ? `Cancelled; the checkpoint at ${where(resumable)} is kept (Write imputed file uses it).` : 'Cancelled before the first epoch ended: nothing was saved.');
      } else {
        await saveCheckpoint(trained.checkpoint);
        resumable = trained.checkpoint;
        host.finish(runConfig, job, (performance.now() - t0) / 1000);
        host.setMessage(`Trained ${trained.steps} steps in ${trained.epochs} epochs (${trained.stopped}); best validation MAE ${num(trained.bestValidation)}. Scoring across mask ratios…`);
        await new Promise((r) => setTimeout(r, 30));
        showEvaluation(await scoreRatios(trained, data, runConfig));
        host.post({ type: 'evaluation', rows: evaluation! });
      }
    } catch (err) {
      flush();
      const text = (err as Error).message ?? String(err);
      host.post({ type: 'failed', message: text });
      host.setMessage(text, 'error');
    } finally {
      job?.trained.model.dispose();
      training = false;
      host.setRunning(false);
      setButtons();
      drawCharts();
    }
  }

  function ratiosFor(runConfig: RunConfig | null) {
    const ratios = [...MASK_RATIOS];
    if (runConfig && !ratios.includes(runConfig.maskRatio)) ratios.push(runConfig.maskRatio);
    return ratios.sort((a, b) => a - b);
  }

  async function scoreRatios(trained: Parameters<typeof scoreAtMaskRatios>[1], data: MaskedMatrix, runConfig: RunConfig | null): Promise<MaskRatioRow[]> {
    return (await scoreAtMaskRatios(tf, trained, data, ratiosFor(runConfig), runConfig?.seed ?? 0)).map(({ ratio, targets, metrics: m }) => ({
      ratio,
      targets,
      mae: m.mae,
      rmse: m.rmse,
      mse: m.mse,
      mre: m.mre,
      maeNonzero: Number.isFinite(m.nonzero.mae) ? m.nonzero.mae : 0,
      maeZero: Number.isFinite(m.zero.mae) ? m.zero.mae : 0,
    }));
  }

  function showEvaluation(rows: MaskRatioRow[]) {
    evaluation = rows;
    evalCard.section.hidden = false;
    const table = el(
      'table',
      { id: 'mask-ratios', 'data-rows': String(rows.length) },
      el('thead', {}, el('tr', {}, ...['mask ratio', 'targets', 'MAE', 'RMSE', 'MRE', 'MAE nonzero', 'MAE zero'].map((h) => el('th', {}, h)))),
      el(
        'tbody',
        {},
        ...rows.map((r) => el('tr', { 'data-ratio': String(r.ratio) }, el('th', {}, String(r.ratio)), el('td', {}, String(r.targets)), el('td', {}, num(r.mae)), el('td', {}, num(r.rmse)), el('td', {}, num(r.mre)), el('td', {}, num(r.maeNonzero)), el('td', {}, num(r.maeZero)))),
      ),
    );
    evalTable.replaceChildren(table);
    evalChart.update(maskRatioSeries(rows));
    host.setMessage(`Scored at mask ratios ${rows.map((r) => r.ratio).join(', ')}.`);
  }

  /** A reopened (or paused) run: its best weights scored across mask ratios, and its imputed map; Cancel stops it between ratios. */
  async function evaluateCheckpoint() {
    const data = host.matrix();
    if (!data || !resumable || training || evaluating) return;
    evaluating = true;
    evalCancel = false;
    setButtons();
    host.setMessage('Evaluating the saved model…');
    await new Promise((r) => setTimeout(r, 30));
    const model = modelFromCheckpoint(tf, resumable, 'best', data);
    try {
      const trained = { model, norm: resumable.norm };
      const ratio = config?.maskRatio ?? DEFAULT_MASK_RATIO;
      const seed = config?.seed ?? 0;
      const ratios = ratiosFor(config);
      const setup = maskProtocol(data, { maskRatio: ratio, seed });
      const prediction = await predictMatrix(tf, trained, setup.input);
      const scores = await scoreRatiosCancellable(tf, trained, data, ratios, seed, () => evalCancel, (done, total) => host.setMessage(`Evaluating the saved model: mask ratio ${done} of ${total} scored…`));
      if (!scores) {
        host.setMessage('Evaluation cancelled.');
        evalCard.section.dataset.cancelled = 'true';
        return;
      }
      const imputed = await predictMatrix(tf, trained, data);
      host.showImputed({ targetMask: setup.targets, prediction, imputed });
      const rows = scores.map(({ ratio: r, targets, metrics: m }) => ({ ratio: r, targets, mae: m.mae, rmse: m.rmse, mse: m.mse, mre: m.mre, maeNonzero: Number.isFinite(m.nonzero.mae) ? m.nonzero.mae : 0, maeZero: Number.isFinite(m.zero.mae) ? m.zero.mae : 0 }));
      showEvaluation(rows);
      const own = evaluate(prediction, setup.truth, setup.targets, data.cols);
      host.setMessage(`Evaluated the saved model (${where(resumable)}): MAE ${num(own.mae)} at mask ratio ${ratio}.`);
      if (trusted) host.post({ type: 'evaluation', rows });
    } catch (err) {
      host.setMessage(`Evaluation failed: ${(err as Error).message}`, 'error');
    } finally {
      model.dispose();
      evaluating = false;
      setButtons();
    }
  }

  /** A paused or cancelled run: the imputed file from its best checkpoint (the run is then completed from it). */
  async function writeFromCheckpoint() {
    const data = host.matrix();
    if (!data || !resumable || training || evaluating || !config) return;
    const c = resumable;
    evaluating = true;
    setButtons();
    host.setMessage(`Filling the matrix from the checkpoint at ${where(c)} (its best weights)…`);
    await new Promise((r) => setTimeout(r, 30));
    const t0 = performance.now();
    const model = modelFromCheckpoint(tf, c, 'best', data);
    try {
      const job = await imputeFromCheckpoint(tf, { model, norm: c.norm }, data, config.maskRatio, config.seed);
      host.finish({ ...config, method: c.method }, job, (performance.now() - t0) / 1000, true);
      paused = false;
      host.setMessage(`Wrote the imputed file from the checkpoint at ${where(c)}; test MAE ${num(job.metrics.mae)}.`);
    } catch (err) {
      host.setMessage(`Writing from the checkpoint failed: ${(err as Error).message}`, 'error');
    } finally {
      model.dispose();
      evaluating = false;
      setButtons();
    }
  }

  pauseButton.addEventListener('click', () => {
    stopRequest = 'pause';
    host.setMessage('Pausing after this step…');
  });
  resumeButton.addEventListener('click', () => {
    if (!resumable || !config) return;
    const method = resumable.method;
    const s = readSettings(method);
    if (typeof s === 'string') return host.setMessage(s, 'error');
    // The architecture and optimiser come from the checkpoint; the epoch limit from the form.
    void train({ ...config, method, deep: { ...s, model: { ...resumable.config }, learningRate: resumable.options.learningRate, optimizer: resumable.options.optimizer, balance: resumable.options.balance, alpha: resumable.options.alpha, batchSize: resumable.options.batchSize } }, resumable);
  });
  evaluateButton.addEventListener('click', () => void evaluateCheckpoint());
  writeButton.addEventListener('click', () => void writeFromCheckpoint());

  // ---- compare ---------------------------------------------------------------------------
  function showCompare(other: CompareRun) {
    compareBody.replaceChildren();
    const mine = host.metrics();
    const f = (v: number | undefined | null) => (v === undefined || v === null || !Number.isFinite(v) ? '–' : num(v));
    const rows: [string, (m: RunMetrics) => number][] = [
      ['MAE', (m) => m.mae],
      ['RMSE', (m) => m.rmse],
      ['MRE', (m) => m.mre],
      ['MAE nonzero truth', (m) => m.nonzero.mae],
      ['MAE zero truth', (m) => m.zero.mae],
    ];
    const best = (h: TrainPoint[]) => Math.min(...h.map((p) => p.validation ?? Infinity));
    compareBody.append(
      el(
        'table',
        { id: 'compare-metrics' },
        el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, `this run (${config?.method ?? '–'})`), el('th', {}, other.label))),
        el(
          'tbody',
          {},
          ...rows.map(([name, pick]) => el('tr', {}, el('th', {}, name), el('td', {}, f(mine ? pick(mine) : null)), el('td', {}, f(other.metrics ? pick(other.metrics) : null)))),
          el('tr', {}, el('th', {}, 'best validation MAE'), el('td', {}, f(best(points))), el('td', {}, f(best(other.history)))),
          el('tr', {}, el('th', {}, 'steps'), el('td', {}, String(points.length)), el('td', {}, String(other.history.length))),
        ),
      ),
    );
    if (points.length || other.history.length) {
      const holder = el('div', { class: 'subcard' }, el('h3', {}, 'Loss curves, overlaid', compareActions));
      compareBody.append(holder);
      const chart = createLineChart(holder, { id: 'compare-chart', xLabel: 'step', yLabel: 'loss' });
      const a = trainingCharts(points, 500, 'this: ');
      const b = trainingCharts(other.history, 500, 'other: ');
      chart.update([a.loss[0], a.loss[1], { ...b.loss[0], className: 'other-train' }, { ...b.loss[1], className: 'other-validation' }]);
      compareActions.replaceChildren();
      exportButtons(compareActions, 'compare-loss', () => chart.svg, host.exportTo, (t) => host.setMessage(t, 'error'));
    }
    if (evaluation || other.evaluation) {
      const holder = el('div', { class: 'subcard' }, el('h3', {}, 'Across mask ratios, overlaid'));
      compareBody.append(holder);
      const chart = createLineChart(holder, { id: 'compare-ratios', xLabel: 'mask ratio', yLabel: 'MAE' });
      chart.update([...(evaluation ? [maskRatioSeries(evaluation, 'this: ')[0]] : []), ...(other.evaluation ? [{ ...maskRatioSeries(other.evaluation, 'other: ')[0], className: 'other-train' }] : [])]);
    }
  }

  return {
    /** Shows the settings of a learned method (or hides them for a baseline). */
    select(method: string) {
      const deep = (DEEP_METHODS as readonly string[]).includes(method);
      settings.hidden = !deep;
      if (deep && modelFields.dataset.method !== method) {
        modelFields.dataset.method = method;
        showFields(method as DeepMethod);
      }
    },
    read: readSettings,
    train,
    /** Stops the training within a step, the evaluation between ratios, or ends a paused run. */
    cancel() {
      if (training) stopRequest = 'cancel';
      else if (evaluating) evalCancel = true;
      else if (paused) {
        paused = false;
        host.post({ type: 'cancelled' });
        host.setMessage(resumable ? `Cancelled; the checkpoint at ${where(resumable)} is kept (Write imputed file uses it).` : 'Cancelled.');
        setButtons();
      }
    },
    get training() {
      return training;
    },
    init(m: Extract<HostToWebview, { type: 'init' }>) {
      trusted = m.trusted;
      config = m.config;
      if (m.config.deep) fill(m.config.deep, m.config.method as DeepMethod);
      points = m.history ?? [];
      maxEpochs = m.config.deep?.maxEpochs ?? 1;
      if (points.length) {
        liveCard.section.hidden = false;
        drawCharts();
      }
      if (m.checkpoint) {
        try {
          resumable = decodeCheckpoint(m.checkpoint.json, m.checkpoint.weights);
        } catch (err) {
          host.setMessage(`The saved checkpoint cannot be used: ${(err as Error).message}`, 'error');
        }
      }
      if (m.evaluation) showEvaluation(m.evaluation);
      paused = m.status === 'paused' && !!resumable;
      setButtons();
      if (resumable && (['paused', 'interrupted', 'cancelled', 'failed'] as RunStatus[]).includes(m.status)) {
        host.setMessage(`This run has a checkpoint at ${where(resumable)}: Resume continues training; Evaluate scores it; Write imputed file fills the matrix from it.`);
      }
    },
    onMessage(m: HostToWebview) {
      switch (m.type) {
        case 'runs': {
          const keep = compareSelect.value;
          compareSelect.replaceChildren(el('option', { value: '' }, 'another run…'), ...m.runs.filter((r) => !r.row?.current).map((r) => el('option', { value: r.id, title: r.description }, `${r.label} — ${r.description}`)));
          compareSelect.value = m.runs.some((r) => r.id === keep) ? keep : '';
          break;
        }
        case 'compareData':
          showCompare(m.run);
          break;
        default:
          break;
      }
    },
  };
}

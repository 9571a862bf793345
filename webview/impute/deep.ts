// Learned imputers in the training panel: the settings of Kron, ViT and UNet (whichever are
// registered), training with live charts (losses, L_nz and L_z, the GradNorm weights, steps/s,
// ETA), pause / resume / cancel with a checkpoint at every epoch end saved by the host, the
// evaluation across mask ratios, and two runs compared. Training runs the same core code as
// the CLI; chart updates are batched per animation frame so they never slow the steps.
import * as tf from '@tensorflow/tfjs';
import { runDeepImputation, scoreAtMaskRatios, type DeepJobResult } from '../../src/core/impute/deepJob';
import { DEFAULT_MASK_RATIO } from '../../src/core/impute/job';
import { evaluate } from '../../src/core/impute/metrics';
import { decodeCheckpoint, encodeCheckpoint } from '../../src/core/impute/modelFormat';
import { createImputer, DEEP_METHODS, MODEL_DEFAULTS, type DeepMethod } from '../../src/core/impute/models';
import { maskProtocol } from '../../src/core/impute/protocol';
import { modelFromCheckpoint, predictMatrix, type Checkpoint } from '../../src/core/impute/train';
import type { MaskedMatrix } from '../../src/core/matrix/masked';
import type { CompareRun, HostToWebview, MaskRatioRow, RunConfig, RunMetrics, RunStatus, TrainPoint, WebviewToHost } from '../../src/protocol/impute';
import { etaSeconds, formatDuration, historyBefore, stepsPerEpoch, stepsPerSecond, trainingCharts } from '../charts/trainingSeries';
import { el, type ExportMime } from '../common/ui';
import { imputeFromCheckpoint, scoreRatiosCancellable } from './checkpointJobs';
import { batchNote, deepButtons, epochOfStep as epochOfStepIn, maskRatioRow, num, STEP_BUDGET_SECONDS, perEpochEstimate as estimatePerEpoch, ratiosFor, toPoint, where as whereIn } from './deepState';
import { createDeepView } from './deepView';

export { deepMethodLabel, MASK_RATIOS } from './deepState';

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

export function createDeepTraining(host: DeepHost, settingsParent: HTMLElement, app: HTMLElement) {
  const view = createDeepView(host, settingsParent, app);
  const { settings, modelFields, pauseButton, resumeButton, evaluateButton, writeButton, showFields, readSettings, fill, liveCard, stats, lossChart, partsChart, weightsChart, evalCard, compareSelect } = view;

  // ---- state -----------------------------------------------------------------------------
  const epochOfStep = (step: number, completed: number) => epochOfStepIn(points, step, completed);
  const where = (c: { step: number; epoch: number }) => whereIn(points, c);

  let points: TrainPoint[] = [];
  let pending: TrainPoint[] = [];
  let stopRequest: 'pause' | 'cancel' | null = null;
  let training = false;
  let resumable: Checkpoint | null = null;
  let config: RunConfig | null = null;
  let evaluation: MaskRatioRow[] | null = null;
  let perEpochEstimate = 1;
  let maxEpochs = 1;
  let batch = { note: '', size: 0 };
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
    stats.dataset.batch = String(batch.size);
    stats.textContent = last
      ? `step ${last.step + 1} · epoch ${last.epoch + 1} of at most ${maxEpochs} · ${num(rate, 3)} steps/s · ETA ${training ? `≤ ${formatDuration(eta)}` : '–'} · loss ${num(last.loss)} · w_nz ${num(last.weights[0], 3)}, w_z ${num(last.weights[1], 3)} · backend ${host.backendName()}${batch.note ? ` · ${batch.note}` : ''}`
      : `no steps yet · backend ${host.backendName()}${batch.note ? ` · ${batch.note}` : ''}`;
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
    const live = deepButtons({ training, evaluating, paused, resumable: !!resumable, trusted });
    pauseButton.disabled = !live.pause;
    resumeButton.disabled = !live.resume;
    evaluateButton.disabled = !live.evaluate;
    writeButton.disabled = !live.write;
    host.setCancellable(live.cancel);
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
    batch = { size: resume?.options.batchSize ?? deep.batchSize, note: batchNote(null, resume?.options.batchSize ?? deep.batchSize, host.backendName()) };
    perEpochEstimate = estimatePerEpoch(data.rows, steps, batch.size);
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
          stepBudgetSeconds: STEP_BUDGET_SECONDS,
          onBatchSize: (size, seconds) => void (batch = { size, note: batchNote(seconds, size, host.backendName()) }),
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

  async function scoreRatios(trained: Parameters<typeof scoreAtMaskRatios>[1], data: MaskedMatrix, runConfig: RunConfig | null): Promise<MaskRatioRow[]> {
    return (await scoreAtMaskRatios(tf, trained, data, ratiosFor(runConfig), runConfig?.seed ?? 0)).map(({ ratio, targets, metrics: m }) => maskRatioRow(ratio, targets, m));
  }

  function showEvaluation(rows: MaskRatioRow[]) {
    evaluation = rows;
    view.showEvaluation(rows);
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
      const rows = scores.map(({ ratio: r, targets, metrics: m }) => maskRatioRow(r, targets, m));
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

  function showCompare(other: CompareRun) {
    view.showCompare(other, host.metrics(), config, points, evaluation);
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

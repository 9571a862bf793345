// The impute panel on the host side: one webview per imputation run (VS Code knows it as
// `lacuna.training`). It stands on the platform: a PanelChannel (validation, the state snapshot
// on every `ready`, the outbox of a page that is away), the CSP shell, and the ImputeRuns store.
// The run lives in the page, so the page is retained while hidden: switching editor tabs never
// stops a training. The host persists everything the page reports and writes the outputs, and
// writes nothing in an untrusted workspace.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ReadResult } from '../../core/io/read';
import { parseImputeMessage, type CheckpointFiles, type HostToWebview, type RunConfig, type RunResultPayload, type TrainingPanelState, type TrainPoint, type WebviewToHost } from '../../protocol/impute';
import { loadMatrix, toPayload } from '../loadMatrix';
import { previewPayload, type PreviewChoice } from '../../protocol/preview';
import { PanelChannel } from '../panelChannel';
import { isPlacementToHost } from '../../protocol/placement';
import type { PlacementRecords } from '../placement/records';
import { PlacementSession } from '../placement/session';
import { requireTrust, saveExport } from '../trust';
import { showMessagePage, webviewHtml, webviewOptions } from '../webviewHtml';
import { writeImputedRun } from './output';
import { runTableRow, type ImputeInput, type ImputeRunRecord, type ImputeRuns } from './runs';

export const IMPUTE_VIEW_TYPE = 'lacuna.training';

export interface ImputeEnvironment {
  extensionUri: vscode.Uri;
  runs: ImputeRuns;
  /** The "Sensor placement" tab's searches. */
  placements: PlacementRecords;
  /** Called when a run changes, so views can refresh. */
  onRunChanged: () => void;
  log: vscode.OutputChannel;
}

/** Messages that write: refused (or, for the backend report, not recorded) when untrusted. */
const WRITES = new Set<WebviewToHost['type']>(['run', 'progress', 'trainProgress', 'paused', 'evaluation', 'result', 'failed', 'cancelled', 'export']);

export class ImputePanel {
  private static readonly panels = new Map<string, ImputePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly channel: PanelChannel<WebviewToHost, HostToWebview>;
  private readonly placement: PlacementSession;
  private lastProgressWrite = 0;
  /** The training steps of a learned model, as reported; saved to training.json, throttled. */
  private points: TrainPoint[] = [];
  private pointsLoaded = false;
  private trainingWrite: { timer: NodeJS.Timeout | null; pending: Promise<void> } = { timer: null, pending: Promise.resolve() };
  /** The input as the panel now reads it (the data preview may have changed its columns or orientation since the run was made). */
  private input: ImputeInput;

  /** Opens the panel for a run, or reveals it if it is already open. */
  static show(env: ImputeEnvironment, run: ImputeRunRecord, data: ReadResult): ImputePanel {
    const existing = ImputePanel.panels.get(run.id);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(IMPUTE_VIEW_TYPE, `Lacuna: ${basename(run.input.path)}`, vscode.ViewColumn.Active, webviewOptions(env.extensionUri, true));
    return new ImputePanel(env, panel, run, data);
  }

  /** Rebuilds a panel that VS Code restored after a reload (the serializer's job). */
  static async restore(env: ImputeEnvironment, panel: vscode.WebviewPanel, state: TrainingPanelState | undefined): Promise<void> {
    panel.webview.options = webviewOptions(env.extensionUri, true);
    const run = state?.runId ? await env.runs.get(state.runId) : null;
    if (!run) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', ['This Lacuna run no longer exists.']);
      return;
    }
    try {
      const data = await loadMatrix(run.input.path, { locations: run.input.locations, shape: run.input.shape });
      new ImputePanel(env, panel, run, data);
    } catch (err) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', [`Lacuna could not reopen ${basename(run.input.path)}: ${(err as Error).message}`]);
    }
  }

  static get(runId: string): ImputePanel | undefined {
    return ImputePanel.panels.get(runId);
  }

  private constructor(
    private readonly env: ImputeEnvironment,
    readonly panel: vscode.WebviewPanel,
    private run: ImputeRunRecord,
    private data: ReadResult & { sha256?: string; bytes?: number },
  ) {
    ImputePanel.panels.set(run.id, this);
    this.input = { ...run.input };
    panel.title = `Lacuna: ${basename(run.input.path)}`;
    panel.iconPath = vscode.Uri.joinPath(env.extensionUri, 'media', 'lacuna.svg');
    panel.webview.html = webviewHtml(panel.webview, env.extensionUri, 'impute', `Lacuna: ${basename(run.input.path)}`);
    const log = (text: string) => env.log.appendLine(`[impute ${this.run.id}] ${text}`);
    const input = { path: run.input.path, sha256: run.input.sha256, bytes: run.input.bytes, locations: run.input.locations ?? null };
    const matrixOf = () => this.data.matrix;
    this.placement = new PlacementSession({ records: env.placements, input, get matrix() { return matrixOf(); }, post: (m) => this.post(m), isTrusted: () => vscode.workspace.isTrusted, requireTrust, save: saveExport, onRecordChanged: env.onRunChanged, log });
    this.channel = new PanelChannel<WebviewToHost, HostToWebview>(panel.webview, {
      parse: parseImputeMessage,
      snapshot: () => this.snapshot(),
      handle: (m) => this.handle(m),
      log,
      onError: (err) => void vscode.window.showErrorMessage(`Lacuna: ${(err as Error).message ?? err}`),
    });
    this.disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  /** The full state, sent on every `ready`: the data, the run, its checkpoint and training steps. */
  private async snapshot(): Promise<HostToWebview[]> {
    const run = (await this.env.runs.get(this.run.id)) ?? this.run;
    this.run = run;
    let checkpoint: CheckpointFiles | null = null;
    const problems: HostToWebview[] = [];
    try {
      checkpoint = await this.env.runs.readCheckpoint(run.id);
    } catch (err) {
      problems.push({ type: 'error', message: `The run's checkpoint could not be read, so it cannot resume: ${(err as Error).message}` });
    }
    if (!this.pointsLoaded) {
      try {
        this.points = await this.env.runs.readTraining(run.id);
      } catch (err) {
        problems.push({ type: 'error', message: `The run's training history could not be read: ${(err as Error).message}` });
      }
      this.pointsLoaded = true;
    }
    for (const p of problems) if (p.type === 'error') this.env.log.appendLine(`[impute ${run.id}] ${p.message}`);
    const init: HostToWebview = {
      type: 'init',
      runId: run.id,
      fileName: basename(run.input.path),
      format: this.data.format,
      matrix: toPayload(this.data),
      config: run.config,
      status: run.status,
      result: run.result ? { config: run.config, targets: run.result.targets, metrics: run.result.metrics, seconds: run.result.seconds, backend: run.result.backend } : null,
      trusted: vscode.workspace.isTrusted,
      checkpoint,
      history: this.points,
      evaluation: run.evaluation ?? null,
      preview: previewPayload(this.data, basename(run.input.path), null),
    };
    return [init, ...problems, ...(await this.placement.snapshot())];
  }

  /** Saves the training steps at most twice a second; `now` flushes (at checkpoints and ends). */
  private saveTraining(now = false): Promise<void> {
    const w = this.trainingWrite;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    const write = () => {
      if (!vscode.workspace.isTrusted) return w.pending;
      w.pending = w.pending.then(() => this.env.runs.writeTraining(this.run.id, this.points)).catch((err) => this.env.log.appendLine(`[impute ${this.run.id}] saving training.json: ${(err as Error).message}`));
      return w.pending;
    };
    if (now) return write();
    w.timer = setTimeout(() => void write(), 500);
    return w.pending;
  }

  get runId(): string {
    return this.run.id;
  }

  private post(message: HostToWebview) {
    this.channel.post(message);
  }

  private async setStatus(status: 'paused' | 'failed' | 'cancelled', message: string | null) {
    await this.saveTraining(true);
    this.run = await this.env.runs.setStatus(this.run.id, status, message);
    this.env.onRunChanged();
    this.post({ type: 'status', status, message: message ?? undefined });
  }

  private async handle(message: WebviewToHost): Promise<HostToWebview | void> {
    const runs = this.env.runs;
    if (message.type === 'checkpoint') return this.checkpoint(message);
    if (isPlacementToHost(message)) return this.placement.handle(message);
    if (message.type === 'backend') {
      this.env.log.appendLine(`[impute ${this.run.id}] backend ${message.report.name}: ${message.report.attempts.map((a) => `${a.name} ${a.ok ? 'ok' : a.reason}`).join('; ')}`);
      if (vscode.workspace.isTrusted) this.run = await runs.update(this.run.id, (r) => void (r.backend = message.report.name));
      return;
    }
    if (WRITES.has(message.type)) requireTrust();
    switch (message.type) {
      case 'shape':
        return this.reshape(message.choice);
      case 'run':
        if (!message.resume && this.run.status !== 'created') await this.startNewRecord(message.config);
        if (message.resume) {
          // Continue from the saved checkpoint: steps after it will be trained again.
          const from = this.run.checkpoint?.step ?? 0;
          this.points = this.points.filter((p) => p.step < from);
        } else this.points = [];
        await this.saveTraining(true);
        this.run = await runs.update(this.run.id, (r) => {
          r.config = message.config;
          r.status = 'running';
          r.message = null;
          r.result = null;
          if (!message.resume) {
            r.history = [];
            r.checkpoint = null;
            r.evaluation = null;
          }
        });
        this.env.onRunChanged();
        this.post({ type: 'status', status: 'running' });
        return;
      case 'progress': {
        // Persist a snapshot at most twice a second; a hidden or closed panel loses nothing reported before.
        const now = Date.now();
        if (now - this.lastProgressWrite > 500 || message.fraction >= 1) {
          this.lastProgressWrite = now;
          this.run = await runs.appendHistory(this.run.id, { phase: message.phase, fraction: message.fraction });
        }
        return;
      }
      case 'trainProgress':
        for (const p of message.points) this.points.push(p);
        void this.saveTraining();
        return;
      case 'paused':
        return this.setStatus('paused', `paused at step ${message.step} (epoch ${message.epoch})`);
      case 'evaluation':
        await runs.writeOutput(this.run.id, 'evaluation.json', JSON.stringify({ maskRatios: message.rows }, null, 2) + '\n');
        this.run = await runs.update(this.run.id, (r) => void (r.evaluation = message.rows));
        return;
      case 'listRuns': {
        // Every run: the compare picker offers the others; the runs table shows those on this file.
        const all = await runs.list();
        this.post({
          type: 'runs',
          runs: all.map((r) => ({
            id: r.id,
            label: `${r.config.method} · ${r.status}`,
            description: `${basename(r.input.path)} · ${r.createdAt.slice(0, 16).replace('T', ' ')}${typeof r.result?.metrics.mae === 'number' ? ` · MAE ${r.result.metrics.mae.toFixed(3)}` : ''}`,
            row: runTableRow(r, this.run),
          })),
        });
        return;
      }
      case 'compare': {
        const other = await runs.get(message.runId);
        if (!other) throw new Error(`no run ${message.runId}`);
        const history = await runs.readTraining(other.id);
        this.post({
          type: 'compareData',
          run: { id: other.id, label: `${other.config.method} (${other.id})`, config: other.config, status: other.status, metrics: other.result?.metrics ?? null, evaluation: other.evaluation ?? null, history },
        });
        return;
      }
      case 'result':
        await this.saveTraining(true);
        return this.complete(message.result);
      case 'failed':
        return this.setStatus('failed', message.message);
      case 'cancelled':
        return this.setStatus('cancelled', 'cancelled by the user');
      case 'export': {
        const path = await saveExport(message.fileName, message.data, [this.run.input.path]);
        if (path) this.post({ type: 'saved', path });
        return;
      }
    }
  }

  /**
   * A Run after this run has run: a new record for the same input (its own run.json, metrics,
   * training and checkpoints), and the panel follows it. The earlier run stays as it was.
   */
  private async startNewRecord(config: RunConfig) {
    const previous = this.run;
    const next = await this.env.runs.create(this.input, config);
    ImputePanel.panels.delete(previous.id);
    ImputePanel.panels.set(next.id, this);
    this.run = next;
    this.points = [];
    this.env.log.appendLine(`[impute ${next.id}] a new run on ${previous.input.path} (the previous run ${previous.id} is kept)`);
    this.post({ type: 'newRun', runId: next.id });
  }

  /**
   * The data preview changed the columns or the orientation: the file is read again with that
   * choice (the same core reader and options as the CLI's --label-columns, --columns,
   * --transpose), and the page gets the new state. A run not yet started takes the choice into its
   * record; after a run, the next Run's record carries it (the finished run keeps how it read).
   */
  private async reshape(choice: PreviewChoice) {
    if (this.run.status === 'running') throw new Error('wait for the run to finish (or cancel it) before changing how the file is read');
    const path = this.input.path;
    const data = await loadMatrix(path, { locations: this.input.locations, shape: choice });
    this.data = data;
    const shape = Object.keys(choice).length ? choice : undefined;
    this.input = { ...this.input, sha256: data.sha256, bytes: data.bytes, shape };
    if (this.run.status === 'created' && vscode.workspace.isTrusted) {
      this.run = await this.env.runs.update(this.run.id, (r) => {
        r.input = { ...r.input, sha256: data.sha256, bytes: data.bytes };
        if (shape) r.input.shape = shape;
        else delete r.input.shape;
      });
    }
    this.env.log.appendLine(`[impute ${this.run.id}] ${basename(path)} read again: ${data.matrix.rows} × ${data.matrix.cols}${choice.transpose !== undefined ? (choice.transpose ? ', transposed' : ', as stored') : ''}`);
    for (const m of await this.snapshot()) this.post(m);
  }

  /** A request: the reply confirms the save (a failure replies an error, and training stops). */
  private async checkpoint(message: Extract<WebviewToHost, { type: 'checkpoint' }>): Promise<HostToWebview> {
    requireTrust();
    await this.saveTraining(true);
    const path = await this.env.runs.writeCheckpoint(this.run.id, message);
    this.run = (await this.env.runs.get(this.run.id)) ?? this.run;
    return { type: 'checkpointSaved', epoch: message.epoch, step: message.step, path };
  }

  private async complete(result: RunResultPayload) {
    const outputs = await writeImputedRun(this.env.runs, this.run, this.data, result);
    this.run = await this.env.runs.update(this.run.id, (r) => {
      r.status = 'completed';
      r.config = result.config;
      r.backend = result.backend;
      r.result = { targets: result.targets, metrics: result.metrics, seconds: result.seconds, backend: result.backend, outputs };
      if (result.validationMae !== undefined) r.result.validationMae = result.validationMae;
      if (result.leaderboard) r.result.leaderboard = result.leaderboard;
      if (result.fromCheckpoint) r.result.fromCheckpoint = true;
      r.history.push({ at: this.env.runs.records.now(), phase: 'done', fraction: 1, metrics: { mae: result.metrics.mae, rmse: result.metrics.rmse, mse: result.metrics.mse } });
    });
    this.env.onRunChanged();
    this.post({ type: 'status', status: 'completed' });
    this.post({ type: 'saved', path: outputs[0] });
  }

  dispose() {
    ImputePanel.panels.delete(this.run.id);
    this.placement.dispose();
    // A run still active when its panel closes cannot finish: record that it was interrupted.
    if (this.run.status === 'running' && vscode.workspace.isTrusted) void this.env.runs.setStatus(this.run.id, 'interrupted', 'the panel was closed while the run was active').then(() => this.env.onRunChanged());
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

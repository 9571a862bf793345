// The training panel on the host side: one webview per run. The host sends nothing before the
// webview says `ready`, persists everything the webview reports, and writes the outputs.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../../core/io/node';
import { imputedPath, serializeMatrix, type ReadResult } from '../../core/io/read';
import type { MaskedMatrix } from '../../core/matrix/masked';
import { parseWebviewMessage, type CheckpointFiles, type HostToWebview, type RunResultPayload, type TrainingPanelState, type TrainPoint, type WebviewToHost } from '../../protocol/training';
import { loadMatrix, toPayload } from '../loadMatrix';
import type { RunRecord, RunStore } from './runs';
import { showMessagePage, webviewHtml, webviewOptions } from '../webviewHtml';

export const TRAINING_VIEW_TYPE = 'lacuna.training';

export interface PanelEnvironment {
  extensionUri: vscode.Uri;
  store: RunStore;
  /** Called when a run changes, so views can refresh. */
  onRunChanged: () => void;
  log: vscode.OutputChannel;
}

export class TrainingPanel {
  private static readonly panels = new Map<string, TrainingPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly outbox: HostToWebview[] = [];
  private lastProgressWrite = 0;
  /** The training steps of a learned model, as reported; saved to training.json, throttled. */
  private points: TrainPoint[] = [];
  private trainingWrite: { timer: NodeJS.Timeout | null; pending: Promise<void> } = { timer: null, pending: Promise.resolve() };

  /** Opens the panel for a run, or reveals it if it is already open. */
  static show(env: PanelEnvironment, run: RunRecord, data: ReadResult): TrainingPanel {
    const existing = TrainingPanel.panels.get(run.id);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(TRAINING_VIEW_TYPE, `Lacuna: ${basename(run.input.path)}`, vscode.ViewColumn.Active, webviewOptions(env.extensionUri));
    return new TrainingPanel(env, panel, run, data);
  }

  /** Rebuilds a panel that VS Code restored after a reload (the serializer's job). */
  static async restore(env: PanelEnvironment, panel: vscode.WebviewPanel, state: TrainingPanelState | undefined): Promise<void> {
    panel.webview.options = webviewOptions(env.extensionUri);
    const run = state?.runId ? await env.store.get(state.runId) : null;
    if (!run) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', ['This Lacuna run no longer exists.']);
      return;
    }
    try {
      const data = await loadMatrix(run.input.path, { locations: run.input.locations });
      new TrainingPanel(env, panel, run, data);
    } catch (err) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', [`Lacuna could not reopen ${basename(run.input.path)}: ${(err as Error).message}`]);
    }
  }

  static get(runId: string): TrainingPanel | undefined {
    return TrainingPanel.panels.get(runId);
  }

  private constructor(
    private readonly env: PanelEnvironment,
    readonly panel: vscode.WebviewPanel,
    private run: RunRecord,
    private readonly data: ReadResult,
  ) {
    TrainingPanel.panels.set(run.id, this);
    panel.title = `Lacuna: ${basename(run.input.path)}`;
    panel.iconPath = vscode.Uri.joinPath(env.extensionUri, 'media', 'lacuna.svg');
    panel.webview.html = webviewHtml(panel.webview, env.extensionUri, 'training', `Lacuna: ${basename(run.input.path)}`);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw) => this.onMessage(raw)),
      panel.onDidDispose(() => this.dispose()),
    );
    void this.sendInit();
  }

  /** The first message: the data, the run, and a learned run's checkpoint and training steps. */
  private async sendInit() {
    const run = this.run;
    let checkpoint: CheckpointFiles | null = null;
    const problems: string[] = [];
    try {
      checkpoint = await this.env.store.readCheckpoint(run.id);
    } catch (err) {
      problems.push(`The run's checkpoint could not be read, so it cannot resume: ${(err as Error).message}`);
    }
    try {
      this.points = await this.env.store.readTraining(run.id);
    } catch (err) {
      problems.push(`The run's training history could not be read: ${(err as Error).message}`);
    }
    this.post({
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
    });
    for (const text of problems) {
      this.env.log.appendLine(`[panel ${run.id}] ${text}`);
      this.post({ type: 'error', message: text });
    }
  }

  /** Saves the training steps at most twice a second; `now` flushes (at checkpoints and ends). */
  private saveTraining(now = false): Promise<void> {
    const w = this.trainingWrite;
    if (w.timer) clearTimeout(w.timer);
    w.timer = null;
    const write = () => {
      w.pending = w.pending.then(() => this.env.store.writeTraining(this.run.id, this.points)).catch((err) => this.env.log.appendLine(`[panel ${this.run.id}] saving training.json: ${(err as Error).message}`));
      return w.pending;
    };
    if (now) return write();
    w.timer = setTimeout(() => void write(), 500);
    return w.pending;
  }

  get runId(): string {
    return this.run.id;
  }

  /** Messages wait until the webview has said `ready`. */
  private post(message: HostToWebview) {
    if (this.ready) void this.panel.webview.postMessage(message);
    else this.outbox.push(message);
  }

  private async onMessage(raw: unknown) {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.env.log.appendLine(`[panel ${this.run.id}] ignored a malformed message`);
      return;
    }
    try {
      await this.handle(message);
    } catch (err) {
      const text = (err as Error).message ?? String(err);
      this.env.log.appendLine(`[panel ${this.run.id}] ${text}`);
      this.post({ type: 'error', message: text });
      void vscode.window.showErrorMessage(`Lacuna: ${text}`);
    }
  }

  private async handle(message: WebviewToHost) {
    const store = this.env.store;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        for (const m of this.outbox.splice(0)) void this.panel.webview.postMessage(m);
        return;
      case 'backend':
        this.run = await store.update(this.run.id, (r) => {
          r.backend = message.report.name;
        });
        this.env.log.appendLine(`[panel ${this.run.id}] backend ${message.report.name}: ${message.report.attempts.map((a) => `${a.name} ${a.ok ? 'ok' : a.reason}`).join('; ')}`);
        return;
      case 'run':
        if (!vscode.workspace.isTrusted) {
          this.post({ type: 'error', message: 'Lacuna runs models and writes outputs only in a trusted workspace.' });
          return;
        }
        if (message.resume) {
          // Continue from the saved checkpoint: steps after it will be trained again.
          const from = this.run.checkpoint?.step ?? 0;
          this.points = this.points.filter((p) => p.step < from);
        } else this.points = [];
        await this.saveTraining(true);
        this.run = await store.update(this.run.id, (r) => {
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
        // Persist a snapshot at most twice a second; a hidden or closed panel loses nothing
        // that was reported before that.
        const now = Date.now();
        if (now - this.lastProgressWrite > 500 || message.fraction >= 1) {
          this.lastProgressWrite = now;
          this.run = await store.appendHistory(this.run.id, { phase: message.phase, fraction: message.fraction });
        }
        return;
      }
      case 'trainProgress':
        for (const p of message.points) this.points.push(p);
        void this.saveTraining();
        return;
      case 'checkpoint': {
        if (!vscode.workspace.isTrusted) {
          this.post({ type: 'checkpointFailed', request: message.request, message: 'Lacuna writes nothing in an untrusted workspace.' });
          return;
        }
        try {
          await this.saveTraining(true);
          const path = await store.writeCheckpoint(this.run.id, message);
          this.run = (await store.get(this.run.id)) ?? this.run;
          this.post({ type: 'checkpointSaved', request: message.request, epoch: message.epoch, step: message.step, path });
        } catch (err) {
          this.post({ type: 'checkpointFailed', request: message.request, message: (err as Error).message });
        }
        return;
      }
      case 'paused':
        await this.saveTraining(true);
        this.run = await store.setStatus(this.run.id, 'paused', `paused at step ${message.step} (epoch ${message.epoch})`);
        this.env.onRunChanged();
        this.post({ type: 'status', status: 'paused', message: this.run.message ?? undefined });
        return;
      case 'evaluation': {
        if (!vscode.workspace.isTrusted) return;
        await store.writeOutput(this.run.id, 'evaluation.json', JSON.stringify({ maskRatios: message.rows }, null, 2) + '\n');
        this.run = await store.update(this.run.id, (r) => {
          r.evaluation = message.rows;
        });
        return;
      }
      case 'listRuns': {
        const runs = (await store.list()).filter((r) => r.id !== this.run.id);
        this.post({
          type: 'runs',
          runs: runs.map((r) => ({ id: r.id, label: `${r.config.method} · ${r.status}`, description: `${basename(r.input.path)} · ${r.createdAt.slice(0, 16).replace('T', ' ')}${r.result ? ` · MAE ${r.result.metrics.mae.toFixed(3)}` : ''}` })),
        });
        return;
      }
      case 'compare': {
        const other = await store.get(message.runId);
        if (!other) throw new Error(`no run ${message.runId}`);
        const history = await store.readTraining(other.id);
        this.post({
          type: 'compareData',
          run: { id: other.id, label: `${other.config.method} (${other.id})`, config: other.config, status: other.status, metrics: other.result?.metrics ?? null, evaluation: other.evaluation ?? null, history },
        });
        return;
      }
      case 'result':
        await this.saveTraining(true);
        await this.complete(message.result);
        return;
      case 'failed':
        await this.saveTraining(true);
        this.run = await store.setStatus(this.run.id, 'failed', message.message);
        this.env.onRunChanged();
        this.post({ type: 'status', status: 'failed', message: message.message });
        return;
      case 'cancelled':
        await this.saveTraining(true);
        this.run = await store.setStatus(this.run.id, 'cancelled', 'cancelled by the user');
        this.env.onRunChanged();
        this.post({ type: 'status', status: 'cancelled' });
        return;
      case 'export':
        await this.export(message.fileName, message.data);
        return;
    }
  }

  private async complete(result: RunResultPayload) {
    const m = this.data.matrix;
    if (result.imputed.length !== m.rows * m.cols) throw new Error(`the result has ${result.imputed.length} entries, expected ${m.rows * m.cols}`);
    const imputed: MaskedMatrix = { ...m, values: result.imputed, observed: new Uint8Array(m.rows * m.cols).fill(1) };
    const out = imputedPath(this.run.input.path, this.data.format);
    const protect = [this.run.input.path, this.run.input.locations].filter((p): p is string => !!p);
    await writeFileAtomic(out, serializeMatrix(imputed, this.data.format, { delimiter: this.data.delimiter, indexName: this.data.indexName }), protect);
    const metricsPath = await this.env.store.writeOutput(this.run.id, 'metrics.json', JSON.stringify({ config: result.config, targets: result.targets, metrics: result.metrics, seconds: result.seconds, backend: result.backend }, null, 2) + '\n');
    this.run = await this.env.store.update(this.run.id, (r) => {
      r.status = 'completed';
      r.config = result.config;
      r.backend = result.backend;
      r.result = { targets: result.targets, metrics: result.metrics, seconds: result.seconds, backend: result.backend, outputs: [out, metricsPath] };
      r.history.push({ at: new Date().toISOString(), phase: 'done', fraction: 1, metrics: { mae: result.metrics.mae, rmse: result.metrics.rmse, mse: result.metrics.mse } });
    });
    this.env.onRunChanged();
    this.post({ type: 'status', status: 'completed' });
    this.post({ type: 'saved', path: out });
  }

  private async export(fileName: string, data: Uint8Array | string) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, basename(fileName)) : undefined, saveLabel: 'Export' });
    if (!target) return;
    if (target.scheme === 'file') {
      await writeFileAtomic(target.fsPath, data, [this.run.input.path]);
    } else {
      await vscode.workspace.fs.writeFile(target, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    }
    this.post({ type: 'saved', path: target.fsPath });
  }

  dispose() {
    TrainingPanel.panels.delete(this.run.id);
    // A run still active when its panel closes cannot finish: record that it was interrupted.
    if (this.run.status === 'running') void this.env.store.setStatus(this.run.id, 'interrupted', 'the panel was closed while the run was active').then(() => this.env.onRunChanged());
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

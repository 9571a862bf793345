// The Factorize (NMF) panel on the host side: one webview per input. The host reads the data
// (a file, or a sample) and sends it after the webview's `ready`; the webview computes. Every
// run gets a record in the run store's folder (see factorizeRuns.ts) with its progress, and on
// completion its atoms, weights and objective history as files.
import { basename, extname } from 'node:path';
import * as vscode from 'vscode';
import { atomsIndexName, atomsTable, weightsTable } from '../../core/factorize/input';
import { checkGrid } from '../../core/factorize/job';
import { writeDelimited } from '../../core/io/read';
import {
  parseFactorizeMessage,
  type FactorizeHostToWebview,
  type FactorizePanelState,
  type FactorizeResultPayload,
  type FactorizeSource,
  type FactorizeWebviewToHost,
} from '../../protocol/factorize';
import { dataPayload, initialConfig, inputChoices, loadFactorizeFile, loadFactorizeSample, previewOf, type LoadedFactorizeInput } from './data';
import type { FactorizeRunStore, FactorizeRunRecord } from './runs';
import { PanelChannel } from '../panelChannel';
import { requireTrust, saveExport } from '../trust';
import { mountPanelPage, revealOpen, showMessagePage, webviewOptions, type PanelEnvironment } from '../webviewHtml';

export const FACTORIZE_VIEW_TYPE = 'lacuna.factorize';

export type FactorizeEnvironment = PanelEnvironment<FactorizeRunStore>;

function sourceKey(source: FactorizeSource): string {
  return source.kind === 'file' ? `file:${source.path}` : `sample:${source.name}`;
}

export function sourceTitle(source: FactorizeSource): string {
  return `Factorize: ${source.kind === 'file' ? source.fileName : source.name === 'mnist' ? 'MNIST sample' : '1-D sample'}`;
}

async function loadSource(source: FactorizeSource): Promise<LoadedFactorizeInput> {
  return source.kind === 'file' ? loadFactorizeFile(source.path, { shape: source.shape }) : loadFactorizeSample(source.name);
}

export class FactorizePanel {
  private static readonly panels = new Map<string, FactorizePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly channel: PanelChannel<FactorizeWebviewToHost, FactorizeHostToWebview>;
  private key: string;
  /** The file the panel was opened on (it can switch to a sample and back). */
  private readonly filePath: string | null;
  private run: FactorizeRunRecord | null = null;
  private lastResult: { result: FactorizeResultPayload; loaded: LoadedFactorizeInput } | null = null;
  private lastHistoryWrite = 0;

  /** Opens the panel for an input, or reveals the one already open on it. */
  static show(env: FactorizeEnvironment, loaded: LoadedFactorizeInput): FactorizePanel {
    const existing = revealOpen(FactorizePanel.panels, sourceKey(loaded.source));
    if (existing) return existing;
    // The run lives in the page: retained while hidden, so switching tabs never stops it.
    const panel = vscode.window.createWebviewPanel(FACTORIZE_VIEW_TYPE, sourceTitle(loaded.source), vscode.ViewColumn.Active, webviewOptions(env.extensionUri, true));
    return new FactorizePanel(env, panel, loaded);
  }

  /** Rebuilds a panel that VS Code restored after a reload (the serializer's job). */
  static async restore(env: FactorizeEnvironment, panel: vscode.WebviewPanel, state: FactorizePanelState | undefined): Promise<void> {
    panel.webview.options = webviewOptions(env.extensionUri, true);
    const source = state?.source;
    if (!source || (source.kind !== 'file' && source.kind !== 'sample')) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', ['Run “Lacuna: Factorize (NMF)” to open this panel again.']);
      return;
    }
    try {
      new FactorizePanel(env, panel, await loadSource(source));
    } catch (err) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', [`Lacuna could not reopen ${source.kind === 'file' ? source.fileName : source.name}: ${(err as Error).message}`]);
    }
  }

  private constructor(
    private readonly env: FactorizeEnvironment,
    readonly panel: vscode.WebviewPanel,
    private loaded: LoadedFactorizeInput,
  ) {
    this.key = sourceKey(loaded.source);
    this.filePath = loaded.source.kind === 'file' ? loaded.source.path : null;
    FactorizePanel.panels.set(this.key, this);
    panel.title = sourceTitle(loaded.source);
    // The channel handles one message at a time, in order: a quick run's result must not
    // overtake its `run`, whose record is still being created.
    this.channel = mountPanelPage<FactorizeWebviewToHost, FactorizeHostToWebview>(panel, env, 'factorize', sourceTitle(loaded.source), {
      parse: parseFactorizeMessage,
      snapshot: () => [this.dataMessage(), ...(this.run ? [{ type: 'status' as const, status: this.run.status, runId: this.run.id }] : [])],
      handle: (m) => this.handle(m),
    });
    this.disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  private dataMessage(): FactorizeHostToWebview {
    return {
      type: 'data',
      source: this.loaded.source,
      data: dataPayload(this.loaded),
      config: initialConfig(this.loaded),
      inputs: inputChoices(this.filePath),
      trusted: vscode.workspace.isTrusted,
      preview: previewOf(this.loaded),
    };
  }

  private post(message: FactorizeHostToWebview) {
    this.channel.post(message);
  }

  private async handle(message: FactorizeWebviewToHost) {
    const runs = this.env.runs;
    if (['run', 'progress', 'result', 'failed', 'cancelled', 'export', 'exportTable'].includes(message.type)) requireTrust();
    switch (message.type) {
      case 'load': {
        if (this.run?.status === 'running') throw new Error('wait for the run to finish (or cancel it) before changing the input');
        if (message.input === 'file' && !this.filePath) throw new Error('this panel was not opened on a file');
        const loaded = message.input === 'file' ? await loadFactorizeFile(this.filePath!) : loadFactorizeSample(message.input);
        FactorizePanel.panels.delete(this.key);
        this.loaded = loaded;
        this.lastResult = null;
        this.key = sourceKey(loaded.source);
        FactorizePanel.panels.set(this.key, this);
        this.panel.title = sourceTitle(loaded.source);
        this.post(this.dataMessage());
        return;
      }
      case 'shape': {
        if (this.run?.status === 'running') throw new Error('wait for the run to finish (or cancel it) before changing how the file is read');
        if (this.loaded.source.kind !== 'file' || !this.filePath) throw new Error('only a file has columns to choose: this panel shows a sample');
        const path = this.filePath;
        this.loaded = await loadFactorizeFile(path, { shape: message.choice });
        this.lastResult = null;
        this.env.log.appendLine(`[factorize] ${basename(path)} read again: ${this.loaded.input.X.rows} × ${this.loaded.input.X.cols}${message.choice.transpose !== undefined ? (message.choice.transpose ? ', transposed' : ', as stored') : ''}`);
        this.post(this.dataMessage());
        return;
      }
      case 'run': {
        const { X } = this.loaded.input;
        checkGrid(message.config.grid, X.rows);
        this.run = await runs.create(this.loaded.source, [X.rows, X.cols], message.config, this.loaded.digest);
        this.lastHistoryWrite = 0;
        this.env.log.appendLine(`[factorize] run ${this.run.id}: ${message.config.loss}, k = ${message.config.k}, ${message.config.iterations} iterations on ${sourceTitle(this.loaded.source)}`);
        this.env.onRunChanged?.();
        this.post({ type: 'status', status: 'running', runId: this.run.id });
        return;
      }
      case 'progress': {
        if (!this.run || this.run.status !== 'running') return;
        // Persist at most twice a second (and every finished iteration's objective among them).
        const now = Date.now();
        if (now - this.lastHistoryWrite > 500 || message.fraction >= 1) {
          this.lastHistoryWrite = now;
          this.run = await runs.appendHistory(this.run.id, { iteration: message.iteration, objective: message.objective, fraction: message.fraction });
          this.env.onRunChanged?.();
        }
        return;
      }
      case 'result':
        await this.complete(message.result);
        return;
      case 'failed':
      case 'cancelled':
        this.run = (await runs.endRun(this.run?.id, message, this.env.onRunChanged, (m) => this.post(m))) ?? this.run;
        return;
      case 'export':
        await this.saveAs(message.fileName, message.data);
        return;
      case 'exportTable': {
        if (!this.lastResult) throw new Error('run a factorisation first: there are no atoms or weights to save yet');
        const { result, loaded } = this.lastResult;
        const stem = loaded.source.kind === 'file' ? basename(loaded.source.path, extname(loaded.source.path)) : loaded.source.name;
        await this.saveAs(`${stem}.${message.table}.csv`, this.tableCsv(message.table, result, loaded));
        return;
      }
    }
  }

  private tableCsv(table: 'atoms' | 'weights', result: FactorizeResultPayload, loaded: LoadedFactorizeInput): string {
    const { X } = loaded.input;
    const k = result.config.k;
    const text = table === 'atoms'
      ? writeDelimited(atomsTable({ rows: X.rows, cols: k, values: result.D }, result.config.grid), { indexName: atomsIndexName(result.config.grid) })
      : writeDelimited(weightsTable({ rows: k, cols: X.cols, values: result.Lambda }, loaded.input.colIds), { indexName: 'atom' });
    return [...text].join('');
  }

  private async complete(result: FactorizeResultPayload) {
    const { X } = this.loaded.input;
    const k = result.config.k;
    if (result.D.length !== X.rows * k || result.Lambda.length !== k * X.cols) {
      throw new Error(`the result's factors are ${result.D.length} and ${result.Lambda.length} numbers; ${X.rows} × ${k} and ${k} × ${X.cols} expected`);
    }
    this.lastResult = { result, loaded: this.loaded };
    if (!this.run) {
      this.post({ type: 'status', status: 'completed' });
      return;
    }
    const runs = this.env.runs;
    const id = this.run.id;
    const outputs = [
      await runs.writeOutput(id, 'atoms.csv', this.tableCsv('atoms', result, this.loaded)),
      await runs.writeOutput(id, 'weights.csv', this.tableCsv('weights', result, this.loaded)),
      await runs.writeOutput(id, 'history.json', JSON.stringify({ loss: result.config.loss, history: result.history }, null, 2) + '\n'),
    ];
    this.run = await runs.update(id, (r) => {
      r.status = 'completed';
      r.config = result.config;
      r.message = null;
      r.result = {
        objective: result.objective,
        iterations: result.iterations,
        converged: result.converged,
        reason: result.reason,
        reconstructionError: result.reconstructionError,
        seconds: result.seconds,
        backend: result.backend,
        outputs,
      };
    });
    this.env.log.appendLine(`[factorize] run ${id} completed in ${result.seconds.toFixed(1)} s; files in ${runs.dir(id)}`);
    this.env.onRunChanged?.();
    this.post({ type: 'status', status: 'completed', runId: id, message: `Done. The atoms, weights and objective history are in ${runs.dir(id)}.` });
  }

  private async saveAs(fileName: string, data: Uint8Array | string) {
    const path = await saveExport(fileName, data, this.filePath ? [this.filePath] : []);
    if (path) this.post({ type: 'saved', path });
  }

  dispose() {
    if (FactorizePanel.panels.get(this.key) === this) FactorizePanel.panels.delete(this.key);
    // A run still active when its panel closes cannot finish: record that it was interrupted.
    if (this.run?.status === 'running' && vscode.workspace.isTrusted) {
      void this.env.runs.setStatus(this.run.id, 'interrupted', 'the panel was closed while the run was active').then(() => this.env.onRunChanged?.());
    }
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

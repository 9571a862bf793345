// The Factorize (NMF) panel on the host side: one webview per input. The host reads the data
// (a file, or a sample) and sends it after the webview's `ready`; the webview computes. Every
// run gets a record in the run store's folder (see factorizeRuns.ts) with its progress, and on
// completion its atoms, weights and objective history as files.
import { basename, extname } from 'node:path';
import * as vscode from 'vscode';
import { atomsIndexName, atomsTable, weightsTable, type FactorizeSampleName } from '../../core/factorize/input';
import { checkGrid } from '../../core/factorize/job';
import { ParseError } from '../../core/io/errors';
import { writeFileAtomic } from '../../core/io/node';
import { writeDelimited } from '../../core/io/read';
import {
  parseFactorizeMessage,
  type FactorizeHostToWebview,
  type FactorizePanelState,
  type FactorizeResultPayload,
  type FactorizeSource,
  type FactorizeWebviewToHost,
} from '../../protocol/factorize';
import { dataPayload, initialConfig, inputChoices, loadFactorizeFile, loadFactorizeSample, type LoadedFactorizeInput } from './data';
import { FactorizeRunStore, type FactorizeRunRecord } from './runs';
import { LoadCancelled } from '../loadMatrix';
import { showMessagePage, webviewHtml, webviewOptions } from '../webviewHtml';

export const FACTORIZE_VIEW_TYPE = 'lacuna.factorize';

export interface FactorizeEnvironment {
  extensionUri: vscode.Uri;
  runs: FactorizeRunStore;
  log: vscode.OutputChannel;
  /** Called when a run record changes (for views that list runs). */
  onRunChanged?: () => void;
}

function sourceKey(source: FactorizeSource): string {
  return source.kind === 'file' ? `file:${source.path}` : `sample:${source.name}`;
}

function sourceTitle(source: FactorizeSource): string {
  return `Factorize: ${source.kind === 'file' ? source.fileName : source.name === 'mnist' ? 'MNIST sample' : '1-D sample'}`;
}

async function loadSource(source: FactorizeSource): Promise<LoadedFactorizeInput> {
  return source.kind === 'file' ? loadFactorizeFile(source.path) : loadFactorizeSample(source.name);
}

export class FactorizePanel {
  private static readonly panels = new Map<string, FactorizePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly outbox: FactorizeHostToWebview[] = [];
  private key: string;
  /** The file the panel was opened on (it can switch to a sample and back). */
  private readonly filePath: string | null;
  private run: FactorizeRunRecord | null = null;
  private lastResult: { result: FactorizeResultPayload; loaded: LoadedFactorizeInput } | null = null;
  private lastHistoryWrite = 0;
  private inbox: Promise<void> = Promise.resolve();

  /** Opens the panel for an input, or reveals the one already open on it. */
  static show(env: FactorizeEnvironment, loaded: LoadedFactorizeInput): FactorizePanel {
    const existing = FactorizePanel.panels.get(sourceKey(loaded.source));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(FACTORIZE_VIEW_TYPE, sourceTitle(loaded.source), vscode.ViewColumn.Active, webviewOptions(env.extensionUri));
    return new FactorizePanel(env, panel, loaded);
  }

  /** Rebuilds a panel that VS Code restored after a reload (the serializer's job). */
  static async restore(env: FactorizeEnvironment, panel: vscode.WebviewPanel, state: FactorizePanelState | undefined): Promise<void> {
    panel.webview.options = webviewOptions(env.extensionUri);
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
    panel.iconPath = vscode.Uri.joinPath(env.extensionUri, 'media', 'lacuna.svg');
    panel.webview.html = webviewHtml(panel.webview, env.extensionUri, 'factorize', sourceTitle(loaded.source));
    this.disposables.push(
      // One message at a time, in order: a quick run's result must not overtake its `run`,
      // whose record is still being created.
      panel.webview.onDidReceiveMessage((raw) => {
        this.inbox = this.inbox.then(() => this.onMessage(raw));
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    this.postData();
  }

  private postData() {
    this.post({
      type: 'data',
      source: this.loaded.source,
      data: dataPayload(this.loaded),
      config: initialConfig(this.loaded),
      inputs: inputChoices(this.filePath),
      trusted: vscode.workspace.isTrusted,
    });
  }

  /** Messages wait until the webview has said `ready`. */
  private post(message: FactorizeHostToWebview) {
    if (this.ready) void this.panel.webview.postMessage(message);
    else this.outbox.push(message);
  }

  private async onMessage(raw: unknown) {
    const message = parseFactorizeMessage(raw);
    if (!message) {
      this.env.log.appendLine(`[factorize] ignored a malformed message`);
      return;
    }
    try {
      await this.handle(message);
    } catch (err) {
      const text = (err as Error).message ?? String(err);
      this.env.log.appendLine(`[factorize] ${text}`);
      this.post({ type: 'error', message: text });
      if (!(err instanceof ParseError)) void vscode.window.showErrorMessage(`Lacuna: ${text}`);
      else void vscode.window.showErrorMessage(`Lacuna could not read ${basename(err.file)}: line ${err.line}, column ${err.column}: expected ${err.expected}, found ${err.found}.`);
    }
  }

  private async handle(message: FactorizeWebviewToHost) {
    const runs = this.env.runs;
    switch (message.type) {
      case 'ready':
        this.ready = true;
        for (const m of this.outbox.splice(0)) void this.panel.webview.postMessage(m);
        return;
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
        this.postData();
        return;
      }
      case 'run': {
        if (!vscode.workspace.isTrusted) {
          this.post({ type: 'error', message: 'Lacuna runs models and writes outputs only in a trusted workspace.' });
          return;
        }
        const { X } = this.loaded.input;
        checkGrid(message.config.grid, X.rows);
        this.run = await runs.create(this.loaded.source, [X.rows, X.cols], message.config);
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
        if (this.run) this.run = await runs.setStatus(this.run.id, 'failed', message.message);
        this.env.onRunChanged?.();
        this.post({ type: 'status', status: 'failed', message: message.message });
        return;
      case 'cancelled':
        if (this.run) this.run = await runs.setStatus(this.run.id, 'cancelled', 'cancelled by the user');
        this.env.onRunChanged?.();
        this.post({ type: 'status', status: 'cancelled' });
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
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, basename(fileName)) : undefined, saveLabel: 'Export' });
    if (!target) return;
    if (target.scheme === 'file') {
      await writeFileAtomic(target.fsPath, data, this.filePath ? [this.filePath] : []);
    } else {
      await vscode.workspace.fs.writeFile(target, typeof data === 'string' ? new TextEncoder().encode(data) : data);
    }
    this.post({ type: 'saved', path: target.fsPath });
  }

  dispose() {
    if (FactorizePanel.panels.get(this.key) === this) FactorizePanel.panels.delete(this.key);
    // A run still active when its panel closes cannot finish: record that it was interrupted.
    if (this.run?.status === 'running') {
      void this.env.runs.setStatus(this.run.id, 'interrupted', 'the panel was closed while the run was active').then(() => this.env.onRunChanged?.());
    }
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}


type Choice = vscode.QuickPickItem & { id: 'pick' | FactorizeSampleName | 'active' };

/**
 * "Factorize (NMF)": on the right-clicked file, or (from the Command Palette) on a file or a
 * sample chosen in a quick pick.
 */
export async function openFactorize(env: FactorizeEnvironment, uri?: vscode.Uri): Promise<void> {
  let target: vscode.Uri | undefined = uri instanceof vscode.Uri ? uri : undefined;
  let sample: FactorizeSampleName | undefined;
  if (!target) {
    const active = vscode.window.activeTextEditor?.document.uri;
    const activeData = active && active.scheme === 'file' && /\.(csv|tsv|txt|mtx|npy)$/i.test(active.fsPath) ? active : undefined;
    const items: Choice[] = [
      ...(activeData ? [{ id: 'active' as const, label: `$(table) ${basename(activeData.fsPath)}`, detail: 'The data file in the active editor: one observation per column' }] : []),
      { id: 'gaussians', label: '$(graph-line) 1-D Gaussian mixtures (sample)', detail: '100 histograms on [−12, 12], each a mixture of bumps near −6, 0 and 6: the Wasserstein NMF reference example' },
      { id: 'mnist', label: '$(symbol-misc) MNIST digits, 14×14 (sample)', detail: '256 digits from the mnist package, 2×2 average-pooled, each a histogram over pixels' },
      { id: 'pick', label: '$(folder-opened) Choose a data file…', detail: 'A matrix whose columns are observations (.csv, .tsv, .txt, .mtx, .npy)' },
    ];
    const choice = await vscode.window.showQuickPick(items, { title: 'Factorize (NMF): choose the data', placeHolder: 'A sample, or a file whose columns are observations' });
    if (!choice) return;
    if (choice.id === 'active') target = activeData;
    else if (choice.id === 'pick') {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Factorize', title: 'Choose a data file to factorize', filters: { 'Data files': ['csv', 'tsv', 'txt', 'mtx', 'npy'] } });
      target = picked?.[0];
      if (!target) return;
    } else sample = choice.id;
  }
  try {
    let loaded: LoadedFactorizeInput;
    if (sample) {
      loaded = loadFactorizeSample(sample);
    } else {
      if (target!.scheme !== 'file') {
        void vscode.window.showErrorMessage(`Lacuna reads local files; ${target!.toString()} is not one.`);
        return;
      }
      const path = target!.fsPath;
      loaded = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Lacuna: reading ${basename(path)}`, cancellable: true },
        (progress, token) => {
          let reported = 0;
          return loadFactorizeFile(path, {
            isCancelled: () => token.isCancellationRequested,
            onProgress: (fraction) => {
              const percent = Math.floor(fraction * 100);
              if (percent > reported) {
                progress.report({ increment: percent - reported, message: `${percent}%` });
                reported = percent;
              }
            },
          });
        },
      );
    }
    FactorizePanel.show(env, loaded);
  } catch (err) {
    if (err instanceof LoadCancelled) return;
    if (err instanceof ParseError) {
      void vscode.window.showErrorMessage(`Lacuna could not read ${basename(err.file)}: line ${err.line}, column ${err.column}: expected ${err.expected}, found ${err.found}.`);
      return;
    }
    void vscode.window.showErrorMessage(`Lacuna: ${(err as Error).message ?? err}`);
  }
}

/**
 * Registers the command, the panel serializer (so panels come back after a reload), and marks
 * runs a closed window left running as interrupted. `runsRoot` is the run store's folder.
 */
export function registerFactorize(context: vscode.ExtensionContext, log: vscode.OutputChannel, runsRoot: string, onRunChanged?: () => void): FactorizeEnvironment {
  const env: FactorizeEnvironment = { extensionUri: context.extensionUri, runs: new FactorizeRunStore(runsRoot), log, onRunChanged };
  context.subscriptions.push(
    vscode.commands.registerCommand('lacuna.factorize', (uri?: vscode.Uri) => openFactorize(env, uri)),
    vscode.window.registerWebviewPanelSerializer(FACTORIZE_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: FactorizePanelState | undefined) => FactorizePanel.restore(env, panel, state),
    }),
  );
  void env.runs.markInterrupted().then((ids) => {
    if (ids.length) log.appendLine(`[factorize] marked ${ids.length} run(s) interrupted: ${ids.join(', ')}`);
    onRunChanged?.();
  });
  return env;
}

// "Inspect weighting vectors": the command and the panel on the host side. The host reads the
// points (a file from the Explorer, the selected rows of an editor, or a sample) and sends them
// when the webview asks; the webview solves and draws, and reports each solve, which the host
// keeps in a record (.lacuna/magnitude/<id>/). Clicking a point reveals its row in the editor.
import { extname } from 'node:path';
import * as vscode from 'vscode';
import { ParseError } from '../../core/io/errors';
import { DEFAULT_SAMPLE_SIZE } from '../../core/points/samples.node';
import {
  MAGNITUDE_SAMPLE_NAMES, parseMagnitudeMessage, SAMPLE_TITLES,
  type HostToWebview, type MagnitudePanelState, type MagnitudeSample, type MagnitudeSource, type PointsPayload, type WebviewToHost,
} from '../../protocol/magnitude';
import { loadAutoencoderSample, loadPanelPoints, POINT_FILE_EXTENSIONS, sourceTitle } from './data';
import { MagnitudeRecords, type MagnitudeRecord } from './records';
import { PanelChannel } from '../panelChannel';
import { readErrorText, reportReadError } from '../readErrors';
import { isTrusted, saveExport } from '../trust';
import { showMessagePage, webviewHtml, webviewOptions } from '../webviewHtml';

export const MAGNITUDE_VIEW_TYPE = 'lacuna.magnitude';

export interface MagnitudeEnvironment {
  extensionUri: vscode.Uri;
  records: MagnitudeRecords;
  log: vscode.OutputChannel;
  /** Called when a record or an autoencoder run is written (for views that list them). */
  onRecordChanged?: () => void;
}

function sourceKey(source: MagnitudeSource): string {
  switch (source.kind) {
    case 'file':
      return `file:${source.path}`;
    case 'selection':
      return `selection:${source.path}:${source.first}-${source.last}`;
    case 'sample':
      return `sample:${source.sample}:${source.size}`;
  }
}

function sampleSource(sample: MagnitudeSample): MagnitudeSource {
  return { kind: 'sample', sample, size: DEFAULT_SAMPLE_SIZE };
}

function canReveal(source: MagnitudeSource): boolean {
  return source.kind !== 'sample' && extname(source.path).toLowerCase() !== '.npy';
}

export class MagnitudePanel {
  private static readonly panels = new Map<string, MagnitudePanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly channel: PanelChannel<WebviewToHost, HostToWebview>;
  /** The points last sent, so `reveal` and the record name rows the host itself sent. */
  private current: PointsPayload | null = null;
  /** Numeric columns per source, learnt from the first (default) read. */
  private readonly columnsBySource = new Map<string, string[]>();
  /** Solves waiting to be written: only the newest matters, the slider makes many. */
  private pendingSolve: Extract<WebviewToHost, { type: 'solved' }> | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** Autoencoder runs this panel's webview is training (their records are 'running'). */
  private readonly activeAeRuns = new Set<string>();

  static show(env: MagnitudeEnvironment, source: MagnitudeSource, record: MagnitudeRecord, column = vscode.ViewColumn.Active): MagnitudePanel {
    const key = sourceKey(source);
    const existing = MagnitudePanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(MAGNITUDE_VIEW_TYPE, `Weighting vectors: ${sourceTitle(source)}`, column, panelOptions(env.extensionUri));
    return new MagnitudePanel(env, panel, source, record);
  }

  /** Rebuilds a panel VS Code restored after a reload, from its record. */
  static async restore(env: MagnitudeEnvironment, panel: vscode.WebviewPanel, state: MagnitudePanelState | undefined): Promise<void> {
    panel.webview.options = panelOptions(env.extensionUri);
    const record = state?.recordId ? await env.records.get(state.recordId) : null;
    if (!record) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', ['This weighting-vector session is no longer recorded; run "Inspect weighting vectors" again.']);
      return;
    }
    new MagnitudePanel(env, panel, record.source, record);
  }

  private constructor(
    private readonly env: MagnitudeEnvironment,
    readonly panel: vscode.WebviewPanel,
    private readonly source: MagnitudeSource,
    private readonly record: MagnitudeRecord,
  ) {
    MagnitudePanel.panels.set(sourceKey(source), this);
    const title = sourceTitle(source);
    panel.title = `Weighting vectors: ${title}`;
    panel.iconPath = vscode.Uri.joinPath(env.extensionUri, 'media', 'lacuna.svg');
    panel.webview.html = webviewHtml(panel.webview, env.extensionUri, 'magnitude', `Weighting vectors: ${title}`);
    this.channel = new PanelChannel<WebviewToHost, HostToWebview>(panel.webview, {
      parse: parseMagnitudeMessage,
      snapshot: () => this.snapshot(),
      handle: (m) => this.handle(m),
      log: (text) => env.log.appendLine(`[weighting vectors ${record.id}] ${text}`),
    });
    this.disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  /** The full state on every `ready`: the session as last recorded, to resume from. */
  private async snapshot(): Promise<HostToWebview[]> {
    const record = (await this.env.records.get(this.record.id)) ?? this.record;
    const resume = record.last && record.settings && record.request ? { t: record.last.t, solver: record.settings.solver, metric: record.settings.metric, request: record.request } : null;
    return [{ type: 'init', recordId: record.id, source: this.source, title: sourceTitle(this.source), canReveal: canReveal(this.source), trusted: vscode.workspace.isTrusted, resume }];
  }

  private post(message: HostToWebview): void {
    this.channel.post(message);
  }

  private async handle(message: WebviewToHost): Promise<HostToWebview | void> {
    switch (message.type) {
      case 'backend':
        this.env.log.appendLine(`[weighting vectors ${this.record.id}] backend ${message.report.name}: ${message.report.attempts.map((a) => `${a.name} ${a.ok ? 'ok' : a.reason}`).join('; ')}`);
        if (vscode.workspace.isTrusted) {
          await this.env.records.update(this.record.id, (r) => (r.backend = message.report.name));
          this.env.onRecordChanged?.();
        }
        return;
      case 'load':
        await this.load(message.request, message.points);
        return;
      case 'solved':
        this.pendingSolve = message;
        this.writing = this.writing.then(() => this.flushSolve());
        return;
      case 'sweep':
        if (vscode.workspace.isTrusted) {
          await this.env.records.recordSweep(this.record.id, message.sweep);
          this.env.onRecordChanged?.();
        }
        return;
      case 'reveal':
        await this.reveal(message.index);
        return;
      case 'export':
        await this.export(message.fileName, message.data);
        return;
      case 'aeLoad':
        // A request: the reply is the points (a failure replies an error).
        return { type: 'aePoints', ...loadAutoencoderSample(message.sample, message.n) };
      case 'aeStart': {
        // Training runs code and writes a run: not in an untrusted workspace (the webview asks
        // for neither there; this holds even if it did).
        if (!vscode.workspace.isTrusted) throw new Error('This workspace is not trusted: Lacuna trains no models here. Trust the workspace to train the autoencoder.');
        const run = await this.env.records.createAutoencoderRun(this.record.id, message);
        this.activeAeRuns.add(run.id);
        this.env.onRecordChanged?.();
        this.env.log.appendLine(`[weighting vectors ${this.record.id}] autoencoder run ${run.id} on ${message.backend}: ${JSON.stringify(message.settings)}`);
        return { type: 'aeStarted', runId: run.id, path: this.env.records.autoencoderDir(this.record.id, run.id) };
      }
      case 'aeProgress':
        if (!this.activeAeRuns.has(message.runId) || !isTrusted()) return;
        await this.env.records.recordAutoencoderProgress(this.record.id, message.runId, message.steps, message.snapshot);
        if (message.snapshot) this.env.onRecordChanged?.();
        return;
      case 'aeDone':
        if (!this.activeAeRuns.delete(message.runId) || !isTrusted()) return;
        await this.env.records.finishAutoencoderRun(this.record.id, message.runId, message.outcome);
        this.env.onRecordChanged?.();
        this.env.log.appendLine(`[weighting vectors ${this.record.id}] autoencoder run ${message.runId} ${message.outcome.status}${message.outcome.error ? `: ${message.outcome.error}` : ''}`);
        return;
    }
  }

  private async load(request: number, points: Parameters<typeof loadPanelPoints>[1]): Promise<void> {
    const source = points.source === 'input' ? this.source : sampleSource(points.source);
    const key = sourceKey(source);
    const readLines = source.kind === 'selection' ? () => this.documentLines(source.path) : undefined;
    try {
      // The choosable columns come from a default read; a restored session may ask for a subset
      // before any such read, so learn them first.
      if (!this.columnsBySource.has(key) && points.columns.length > 0) {
        const all = await loadPanelPoints(source, { ...points, columns: [], maxPoints: 1 }, readLines);
        this.columnsBySource.set(key, all.availableColumns);
      }
      // A column list that does not belong to this source (the user switched sources) is dropped.
      const known = this.columnsBySource.get(key);
      const columns = known ? points.columns.filter((c) => known.includes(c)) : [];
      const payload = await loadPanelPoints(source, { ...points, columns }, readLines);
      if (payload.availableColumns.length > 0) this.columnsBySource.set(key, payload.availableColumns);
      const full: PointsPayload = { ...payload, request, availableColumns: this.columnsBySource.get(key) ?? payload.columns };
      this.current = full;
      this.post({ type: 'points', ...full });
      if (vscode.workspace.isTrusted) await this.env.records.update(this.record.id, (r) => (r.request = { ...points, columns }));
    } catch (err) {
      const text = readErrorText(err, source.kind === 'sample' ? source.sample : source.path);
      this.post({ type: 'loadFailed', request, message: text });
      if (err instanceof ParseError && source.kind !== 'sample') void this.offerOpenAt(err);
    }
  }

  private offerOpenAt(err: ParseError): Promise<void> {
    return reportReadError(err, err.file);
  }

  /** The lines of an open document (unsaved edits included), else of the file. */
  private async documentLines(path: string): Promise<{ lineAt: (line: number) => string; lineCount: number }> {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
    return { lineAt: (line) => doc.lineAt(line - 1).text, lineCount: doc.lineCount };
  }

  private async flushSolve(): Promise<void> {
    const message = this.pendingSolve;
    this.pendingSolve = null;
    if (!message || !vscode.workspace.isTrusted || !this.current || message.weights.length !== this.current.n) return;
    try {
      await this.env.records.recordSolve(this.record.id, message.summary, message.weights, this.current.rows, message.settings);
      this.env.onRecordChanged?.();
    } catch (err) {
      this.env.log.appendLine(`[weighting vectors ${this.record.id}] could not keep the solve: ${(err as Error).message}`);
    }
  }

  private async reveal(index: number): Promise<void> {
    const points = this.current;
    const source = points?.source;
    if (!points || !source || index >= points.n) return;
    if (source.kind === 'sample' || !points.lines) {
      void vscode.window.showInformationMessage(`Point ${index + 1} is row ${points.rows[index] + 1} of ${source.kind === 'sample' ? `the ${SAMPLE_TITLES[source.sample]} sample` : 'a binary file'}: there is no text row to reveal.`);
      return;
    }
    const line = points.lines[index] - 1;
    const uri = vscode.Uri.file(source.path);
    const doc = await vscode.workspace.openTextDocument(uri);
    if (line >= doc.lineCount) return;
    const range = new vscode.Range(line, 0, line, doc.lineAt(line).text.length);
    const shown = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === uri.fsPath);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: shown?.viewColumn ?? vscode.ViewColumn.Beside, selection: range, preserveFocus: true });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private async export(fileName: string, data: Uint8Array | string): Promise<void> {
    const path = await saveExport(fileName, data, this.source.kind === 'sample' ? [] : [this.source.path]);
    if (path) this.post({ type: 'saved', path });
  }

  dispose(): void {
    MagnitudePanel.panels.delete(sourceKey(this.source));
    // A training still active when its panel closes cannot finish: what it reported stays, marked interrupted.
    if (this.activeAeRuns.size > 0) {
      this.activeAeRuns.clear();
      void this.env.records
        .interruptAutoencoderRuns(this.record.id)
        .then(() => this.env.onRecordChanged?.())
        .catch((err: Error) => this.env.log.appendLine(`[weighting vectors ${this.record.id}] ${err.message}`));
    }
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/**
 * The panel keeps its page while hidden: the Autoencoder tab trains in the webview, and a
 * training should not stop because another editor came to the front.
 */
function panelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return webviewOptions(extensionUri, true);
}

/** The selected rows of the active editor (1-based lines), or null when nothing is selected. */
function selectedLines(editor: vscode.TextEditor): { first: number; last: number } | null {
  const selection = editor.selection;
  if (selection.isEmpty) return null;
  let end = selection.end.line;
  // A selection that ends at the start of a line does not include that line.
  if (selection.end.character === 0 && end > selection.start.line) end--;
  return { first: selection.start.line + 1, last: end + 1 };
}

async function pickSource(): Promise<MagnitudeSource | undefined> {
  const choice = await vscode.window.showQuickPick(
    [
      { label: '$(folder-opened) Open a table of points…', detail: 'A CSV, TSV, TXT or .npy file: one point per row', id: 'open' },
      ...MAGNITUDE_SAMPLE_NAMES.map((s) => ({ label: `$(beaker) Sample: ${SAMPLE_TITLES[s]}`, detail: `${DEFAULT_SAMPLE_SIZE} points`, id: s as string })),
    ],
    { title: 'Inspect weighting vectors of…' },
  );
  if (!choice) return undefined;
  if (choice.id !== 'open') return sampleSource(choice.id as MagnitudeSample);
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Inspect', filters: { 'Tables of points': POINT_FILE_EXTENSIONS.map((e) => e.slice(1)) } });
  return picked?.[0] ? { kind: 'file', path: picked[0].fsPath } : undefined;
}

/** The command: from the Explorer (a file), an editor (its selected rows, or the whole file), or a picked source. */
export async function inspectWeightingVectors(env: MagnitudeEnvironment, uri?: vscode.Uri): Promise<void> {
  let source: MagnitudeSource | undefined;
  let column = vscode.ViewColumn.Active;
  if (uri instanceof vscode.Uri) {
    if (uri.scheme !== 'file') {
      void vscode.window.showErrorMessage(`Lacuna reads local files; ${uri.toString()} is not one.`);
      return;
    }
    source = { kind: 'file', path: uri.fsPath };
  } else {
    const editor = vscode.window.activeTextEditor;
    const path = editor?.document.uri.scheme === 'file' ? editor.document.uri.fsPath : null;
    if (editor && path && POINT_FILE_EXTENSIONS.includes(extname(path).toLowerCase())) {
      const lines = selectedLines(editor);
      source = lines ? { kind: 'selection', path, ...lines } : { kind: 'file', path };
      column = vscode.ViewColumn.Beside;
    } else {
      source = await pickSource();
    }
  }
  if (!source) return;
  const record = vscode.workspace.isTrusted
    ? await env.records.create(source)
    : { version: 1 as const, kind: 'magnitude' as const, id: 'untrusted', createdAt: '', updatedAt: '', source, request: null, settings: null, backend: null, last: null, sweep: null, rows: null };
  if (vscode.workspace.isTrusted) env.onRecordChanged?.();
  MagnitudePanel.show(env, source, record, column);
}

/** Registers the command and the panel serializer; the records live beside the run store. */
export function registerMagnitude(
  context: vscode.ExtensionContext,
  options: { root: string; base: string | null; extensionUri: vscode.Uri; log: vscode.OutputChannel; onRecordChanged?: () => void },
): MagnitudeEnvironment & { interruptAll(): Promise<void> } {
  const env: MagnitudeEnvironment = { extensionUri: options.extensionUri, records: new MagnitudeRecords(options.root, undefined, options.base), log: options.log, onRecordChanged: options.onRecordChanged };
  // Trainings a closed or reloaded window left running cannot finish: mark them interrupted
  // (called by activation once the workspace is trusted).
  const interruptAll = async () => {
    try {
      for (const record of await env.records.list()) {
        const count = await env.records.interruptAutoencoderRuns(record.id);
        if (count) options.log.appendLine(`[weighting vectors ${record.id}] marked ${count} autoencoder run(s) interrupted`);
      }
    } catch (err) {
      options.log.appendLine(`[weighting vectors] ${(err as Error).message}`);
    }
  };
  context.subscriptions.push(
    vscode.commands.registerCommand('lacuna.inspectWeightingVectors', (uri?: vscode.Uri) => inspectWeightingVectors(env, uri)),
    vscode.window.registerWebviewPanelSerializer(MAGNITUDE_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: MagnitudePanelState | undefined) => MagnitudePanel.restore(env, panel, state),
    }),
  );
  return { ...env, interruptAll };
}

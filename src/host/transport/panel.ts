// The Transport panel on the host side: one webview per pair of clouds. The host reads the two
// clouds and sends them on every `ready`; the page runs Sinkhorn and trains the map (core code,
// on its tfjs backend) and reports to the host, which keeps the run's record (transport.json)
// and, when it completes, writes mapped.csv, displacement.csv, plan.csv and history.json.
import * as vscode from 'vscode';
import { displacementCsv, planCsv, pointsCsv } from '../../core/transport/tables';
import { parseTransportMessage, type TransportHostToPage, type TransportPageToHost, type TransportPanelState, type TransportResultPayload, type TransportSource } from '../../protocol/transport';
import { PanelChannel } from '../panelChannel';
import { requireTrust, saveExport } from '../trust';
import { mountPanelPage, revealOpen, showMessagePage, webviewOptions, type PanelEnvironment } from '../webviewHtml';
import { isTransportSource } from '../../protocol/transport';
import { loadTransportSource, type LoadedTransport } from './data';
import type { TransportRunRecord, TransportRunStore } from './runs';

export const TRANSPORT_VIEW_TYPE = 'lacuna.transport';

export type TransportEnvironment = PanelEnvironment<TransportRunStore>;

const sourceKey = (s: TransportSource) => (s.kind === 'files' ? `files:${s.a}|${s.b}` : `sample:${s.name}`);

/** History writes at most this often while training (the last one always). */
const HISTORY_EVERY_MS = 500;

export class TransportPanel {
  private static readonly panels = new Map<string, TransportPanel>();
  private readonly channel: PanelChannel<TransportPageToHost, TransportHostToPage>;
  private readonly disposables: vscode.Disposable[] = [];
  private run: TransportRunRecord | null = null;
  private lastHistoryWrite = 0;

  static show(env: TransportEnvironment, loaded: LoadedTransport): TransportPanel {
    const existing = revealOpen(TransportPanel.panels, sourceKey(loaded.source));
    if (existing) return existing;
    // Training lives in the page: retained while hidden, so switching tabs never stops it.
    const panel = vscode.window.createWebviewPanel(TRANSPORT_VIEW_TYPE, loaded.title, vscode.ViewColumn.Active, webviewOptions(env.extensionUri, true));
    return new TransportPanel(env, panel, loaded);
  }

  static async restore(env: TransportEnvironment, panel: vscode.WebviewPanel, state: TransportPanelState | undefined): Promise<void> {
    panel.webview.options = webviewOptions(env.extensionUri, true);
    if (!isTransportSource(state?.source)) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', ['Run “Lacuna: Transport between data sets” to open this panel again.']);
      return;
    }
    try {
      new TransportPanel(env, panel, await loadTransportSource(state.source));
    } catch (err) {
      showMessagePage(panel.webview, env.extensionUri, 'Lacuna', [`Lacuna could not reopen this transport: ${(err as Error).message}`]);
    }
  }

  private constructor(
    private readonly env: TransportEnvironment,
    readonly panel: vscode.WebviewPanel,
    private readonly loaded: LoadedTransport,
  ) {
    TransportPanel.panels.set(sourceKey(loaded.source), this);
    this.channel = mountPanelPage<TransportPageToHost, TransportHostToPage>(panel, env, 'transport', loaded.title, {
      parse: parseTransportMessage,
      snapshot: () => [this.dataMessage(), ...(this.run ? [{ type: 'status' as const, status: this.run.status, runId: this.run.id }] : [])],
      handle: (m) => this.handle(m),
    });
    this.disposables.push(this.channel, panel.onDidDispose(() => this.dispose()));
  }

  private dataMessage(): TransportHostToPage {
    const { source, title, a, b, columns, support, config } = this.loaded;
    return { type: 'data', source, title, a, b, columns, support, config, trusted: vscode.workspace.isTrusted };
  }

  private async handle(message: TransportPageToHost) {
    const runs = this.env.runs;
    if (message.type !== 'ready' && message.type !== 'backend') requireTrust();
    const running = this.run?.status === 'running' ? this.run : null;
    switch (message.type) {
      case 'backend':
        this.env.log.appendLine(`[transport] backend ${message.report.name} (${message.report.attempts.map((a) => `${a.name}: ${a.ok ? 'ok' : a.reason}`).join('; ')})`);
        return;
      case 'run': {
        if (running) throw new Error('a run is going on in this panel: wait for it or cancel it');
        const { a, b } = this.loaded;
        this.run = await runs.create(this.loaded.source, [a.n, b.n], a.dim, message.config, this.loaded.digests);
        this.lastHistoryWrite = 0;
        this.env.log.appendLine(`[transport] run ${this.run.id}: ${message.config.method} on ${this.loaded.title}`);
        this.env.onRunChanged?.();
        this.channel.post({ type: 'status', status: 'running', runId: this.run.id });
        return;
      }
      case 'sinkhorn':
        if (running) this.run = await runs.update(running.id, (r) => void (r.sinkhorn = message.summary));
        this.env.onRunChanged?.();
        return;
      case 'progress': {
        if (!running) return;
        const now = Date.now();
        if (now - this.lastHistoryWrite < HISTORY_EVERY_MS && message.point.step < running.config.iterations) return;
        this.lastHistoryWrite = now;
        this.run = await runs.appendHistory(running.id, message.point);
        this.env.onRunChanged?.();
        return;
      }
      case 'failed':
      case 'cancelled':
        this.run = (await runs.endRun(running?.id, message, this.env.onRunChanged, (m) => this.channel.post(m))) ?? this.run;
        return;
      case 'result':
        await this.complete(message.result);
        return;
      case 'export': {
        const protect = this.loaded.source.kind === 'files' ? [this.loaded.source.a, this.loaded.source.b] : [];
        const path = await saveExport(message.fileName, message.data, protect);
        if (path) this.channel.post({ type: 'saved', path });
        return;
      }
    }
  }

  private async complete(result: TransportResultPayload) {
    const { a, columns } = this.loaded;
    if (result.mapped.length !== a.n * a.dim || result.perCoordinate.length !== a.dim) {
      throw new Error(`the result has ${result.mapped.length} mapped numbers and ${result.perCoordinate.length} displacements; ${a.n} × ${a.dim} and ${a.dim} expected`);
    }
    const run = this.run;
    if (!run || run.status !== 'running') return;
    const runs = this.env.runs;
    const id = run.id;
    const plan = result.plan;
    const outputs = [
      await runs.writeOutput(id, 'mapped.csv', pointsCsv(columns, result.mapped, a.dim)),
      await runs.writeOutput(id, 'displacement.csv', displacementCsv(columns, result.perCoordinate)),
      ...(plan ? [await runs.writeOutput(id, 'plan.csv', planCsv(Array.from(plan.mass, (m, t): [number, number, number] => [plan.source[t], plan.target[t], m])))] : []),
      await runs.writeOutput(id, 'history.json', JSON.stringify({ sinkhorn: result.sinkhorn, map: result.map }, null, 2) + '\n'),
    ];
    const moved = columns.map((c, k) => [c, result.perCoordinate[k]] as const).filter(([, v]) => v > 0.1).sort((p, q) => q[1] - p[1]).map(([c]) => c);
    this.run = await runs.update(id, (r) => {
      r.status = 'completed';
      r.message = null;
      r.sinkhorn = result.sinkhorn;
      r.result = { meanDimension: result.meanDimension, moved, divergenceAfter: result.map?.divergenceAfter ?? null, mongeGap: result.map?.mongeGap ?? null, seconds: result.seconds, backend: result.backend, outputs };
    });
    this.env.log.appendLine(`[transport] run ${id} completed in ${result.seconds.toFixed(1)} s; files in ${runs.dir(id)}`);
    this.env.onRunChanged?.();
    this.channel.post({ type: 'status', status: 'completed', runId: id, message: `Done. The mapped points, the displacement${plan ? ', the plan' : ''} and the curves are in ${runs.dir(id)}.` });
  }

  dispose() {
    const key = sourceKey(this.loaded.source);
    if (TransportPanel.panels.get(key) === this) TransportPanel.panels.delete(key);
    if (this.run?.status === 'running' && vscode.workspace.isTrusted) {
      void this.env.runs.setStatus(this.run.id, 'interrupted', 'the panel was closed while the run was active').then(() => this.env.onRunChanged?.());
    }
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

// Extension activation: the run store, the commands, the Runs view and the panel serializer.
// The host never loads tfjs: models run in the webviews (and in the CLI).
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { ParseError } from '../core/io/errors';
import { detectFormat } from '../core/io/read';
import { fileSource } from '../core/io/node';
import { registerFactorize } from './factorize/panel';
import { LoadCancelled, loadMatrix } from './loadMatrix';
import { MagnitudePanel, registerMagnitude, type MagnitudeEnvironment } from './magnitude/panel';
import { RunStore } from './impute/runs';
import { lineOfKey, outputFile, recordFile, recordFocus, type RunNode } from './runs/tree';
import { compareRunsMarkdown, RunsView, type RunsNode } from './runs/view';
import { TRAINING_VIEW_TYPE, TrainingPanel, type PanelEnvironment } from './impute/panel';
import type { RunConfig, TrainingPanelState } from '../protocol/training';

const DEFAULT_CONFIG: RunConfig = { method: 'neighbor', maskRatio: 0.8, seed: 0 };
const LOCATIONS_KEY = 'lacuna.locationsFor:';
const NO_LOCATIONS = '';

function runStoreRoot(context: vscode.ExtensionContext): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') return join(folder.uri.fsPath, '.lacuna', 'runs');
  return join(context.globalStorageUri.fsPath, 'runs');
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Lacuna');
  const store = new RunStore(runStoreRoot(context));
  // The Runs view lists the runs of every store; each refreshes it when it writes.
  const runsView = new RunsView(() => ({ runs: store, factorize: factorize.runs, magnitude: magnitude.records }));
  const refreshRuns = () => runsView.refresh();
  const magnitude = registerMagnitude(context, { runsRoot: store.root, extensionUri: context.extensionUri, log, onRecordChanged: refreshRuns });
  const factorize = registerFactorize(context, log, store.root, refreshRuns);
  const env: PanelEnvironment = { extensionUri: context.extensionUri, store, onRunChanged: refreshRuns, log };
  context.subscriptions.push(log, runsView, vscode.window.registerTreeDataProvider('lacuna.runs', runsView));

  // Runs that were active when the window went away are interrupted, not lost.
  void store.markInterrupted().then((ids) => {
    if (ids.length) log.appendLine(`marked ${ids.length} run(s) interrupted: ${ids.join(', ')}`);
    refreshRuns();
  });

  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: TrainingPanelState | undefined) => TrainingPanel.restore(env, panel, state),
    }),
    vscode.commands.registerCommand('lacuna.imputeMatrix', (uri?: vscode.Uri) => imputeMatrix(context, env, uri)),
    vscode.commands.registerCommand('lacuna.openTrainingPanel', (node?: RunsNode) => openRun(env, node)),
    vscode.commands.registerCommand('lacuna.runs.open', (node?: RunsNode) => (node && node.kind !== 'run' && node.kind !== 'input' ? openOtherRun(magnitude, node) : openRun(env, node))),
    vscode.commands.registerCommand('lacuna.runs.refresh', refreshRuns),
    vscode.commands.registerCommand('lacuna.runs.revealOutputs', async (node?: RunsNode) => {
      let target: string;
      if (node && node.kind !== 'input') target = outputFile(node);
      else {
        const run = await pickRun(store, 'Reveal the outputs of which run?');
        if (!run) return;
        target = outputFile({ kind: 'run', run, dir: store.dir(run.id) });
      }
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(target));
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target));
    }),
    vscode.commands.registerCommand('lacuna.runs.delete', async (node?: RunsNode) => {
      const run = node?.kind === 'run' ? node.run : await pickRun(store, 'Delete which run?');
      if (!run) return;
      const answer = await vscode.window.showWarningMessage(`Delete run ${run.config.method} (${run.id}) and its folder? Output files beside the input are kept.`, { modal: true }, 'Delete');
      if (answer !== 'Delete') return;
      TrainingPanel.get(run.id)?.panel.dispose();
      await store.delete(run.id);
      refreshRuns();
    }),
    vscode.commands.registerCommand('lacuna.runs.compare', async (node?: RunsNode, selected?: RunsNode[]) => {
      let runs = (selected ?? []).filter((n): n is Extract<RunsNode, { kind: 'run' }> => n.kind === 'run').map((n) => n.run);
      if (runs.length !== 2) {
        const all = await store.list();
        const picked = await vscode.window.showQuickPick(
          all.map((r) => ({ label: `${r.config.method} · ${r.status}`, description: `${basename(r.input.path)} ${r.result ? `MAE ${r.result.metrics.mae.toFixed(3)}` : ''}`, detail: r.id, run: r })),
          { canPickMany: true, title: 'Compare two runs', placeHolder: 'Pick exactly two runs' },
        );
        if (!picked) return;
        runs = picked.map((p) => p.run);
      }
      if (runs.length !== 2) {
        void vscode.window.showWarningMessage(`Lacuna compares exactly two runs; ${runs.length} were chosen.`);
        return;
      }
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: compareRunsMarkdown(runs[0], runs[1]) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
  );
  log.appendLine(`activated in ${(performance.now() - started).toFixed(1)} ms; runs in ${store.root}`);
}

async function pickRun(store: RunStore, title: string) {
  const runs = await store.list();
  if (runs.length === 0) {
    void vscode.window.showInformationMessage('Lacuna has no runs yet. Right-click a data file and choose "Impute matrix".');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    runs.map((r) => ({ label: `${r.config.method} · ${r.status}`, description: basename(r.input.path), detail: r.id, run: r })),
    { title },
  );
  return picked?.run;
}

async function openRun(env: PanelEnvironment, node?: RunsNode) {
  const run = node?.kind === 'run' ? node.run : await pickRun(env.store, 'Open which run in the training panel?');
  if (!run) return;
  const existing = TrainingPanel.get(run.id);
  if (existing) {
    existing.panel.reveal();
    return;
  }
  try {
    const data = await loadMatrix(run.input.path, { locations: run.input.locations });
    TrainingPanel.show(env, run, data);
  } catch (err) {
    await reportReadError(err, run.input.path);
  }
}

/**
 * Opens a run that is not an imputation run: a magnitude session reopens its panel from its
 * record (as after a reload); a factorisation or autoencoder run opens its record at the result.
 */
async function openOtherRun(magnitude: MagnitudeEnvironment, node: Exclude<RunNode, { kind: 'run' }>) {
  if (node.kind === 'magnitudeSession') {
    const record = (await magnitude.records.get(node.record.id)) ?? node.record;
    MagnitudePanel.show(magnitude, record.source, record);
    return;
  }
  const path = recordFile(node);
  if (!existsSync(path)) {
    void vscode.window.showWarningMessage(`Lacuna cannot find ${path}: the run was deleted. Refresh the Runs view.`);
    return;
  }
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path));
  const key = recordFocus(node);
  const line = key ? lineOfKey(doc.getText(), key) : 0;
  const at = new vscode.Position(line, 0);
  await vscode.window.showTextDocument(doc, { preview: true, selection: new vscode.Range(at, at) });
}

/** Which file to act on: the Explorer's, else the active editor's, else ask. */
async function resolveDataFile(uri?: vscode.Uri): Promise<vscode.Uri | undefined> {
  if (uri instanceof vscode.Uri) return uri;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active && active.scheme === 'file') return active;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    openLabel: 'Impute',
    title: 'Choose a data file to impute',
    filters: { 'Data files': ['csv', 'tsv', 'txt', 'mtx', 'npy'] },
  });
  return picked?.[0];
}

/** For a wide table, a sensor-locations file: asked once per data file, then remembered. */
async function locationsFor(context: vscode.ExtensionContext, dataPath: string): Promise<string | null | undefined> {
  const key = LOCATIONS_KEY + dataPath;
  const remembered = context.workspaceState.get<string>(key);
  if (remembered !== undefined && (remembered === NO_LOCATIONS || existsSync(remembered))) return remembered || null;
  // Files beside the data whose names say they hold locations are offered first.
  const nearby = (await readdir(dirname(dataPath)).catch(() => [] as string[]))
    .filter((n) => n !== basename(dataPath) && /(location|latlng|latlon|sensors|stations)/i.test(n) && /\.(csv|tsv|txt)$/i.test(n))
    .sort();
  const choice = await vscode.window.showQuickPick(
    [
      ...nearby.map((n) => ({ label: `$(location) ${n}`, detail: 'Use these sensor locations (sensor_id, latitude, longitude)', id: `file:${join(dirname(dataPath), n)}` })),
      { label: '$(folder-opened) Choose a sensor-locations file…', detail: 'A CSV of sensor_id, latitude, longitude: places every column on an H3 cell and enables the map', id: 'pick' },
      { label: '$(table) Continue without locations', detail: 'Neighbours are then the adjacent matrix cells', id: 'none' },
    ],
    { title: `Locations for ${basename(dataPath)}`, ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  if (choice.id === 'none') {
    await context.workspaceState.update(key, NO_LOCATIONS);
    return null;
  }
  if (choice.id.startsWith('file:')) {
    const path = choice.id.slice(5);
    await context.workspaceState.update(key, path);
    return path;
  }
  const picked = await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(dirname(dataPath)), canSelectMany: false, openLabel: 'Use these locations', filters: { 'Locations (CSV)': ['csv', 'tsv', 'txt'] } });
  if (!picked?.[0]) return undefined;
  await context.workspaceState.update(key, picked[0].fsPath);
  return picked[0].fsPath;
}

async function reportReadError(err: unknown, dataPath: string) {
  if (err instanceof LoadCancelled) return;
  if (err instanceof ParseError) {
    const action = err.line > 0 ? `Open at line ${err.line}` : undefined;
    const answer = await vscode.window.showErrorMessage(
      `Lacuna could not read ${basename(err.file)}: line ${err.line}, column ${err.column}: expected ${err.expected}, found ${err.found}.`,
      ...(action ? [action] : []),
    );
    if (answer === action && existsSync(err.file) && !err.file.endsWith('.npy')) {
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(err.file));
      const position = new vscode.Position(Math.max(0, err.line - 1), Math.max(0, err.column - 1));
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(position, position) });
    }
    return;
  }
  void vscode.window.showErrorMessage(`Lacuna could not read ${basename(dataPath)}: ${(err as Error).message ?? err}`);
}

async function imputeMatrix(context: vscode.ExtensionContext, env: PanelEnvironment, uri?: vscode.Uri) {
  const target = await resolveDataFile(uri);
  if (!target) return;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Lacuna reads local files; ${target.toString()} is not one.`);
    return;
  }
  const path = target.fsPath;
  if (!vscode.workspace.isTrusted) {
    const answer = await vscode.window.showWarningMessage('Lacuna runs models and writes outputs only in a trusted workspace.', 'Manage Workspace Trust');
    if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
    return;
  }
  let locations: string | null | undefined = null;
  try {
    if ((await detectFormat(fileSource(path))) === 'wide') {
      locations = await locationsFor(context, path);
      if (locations === undefined) return; // the user dismissed the question
    }
  } catch (err) {
    await reportReadError(err, path);
    return;
  }
  try {
    const data = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Lacuna: reading ${basename(path)}`, cancellable: true },
      async (progress, token) => {
        let reported = 0;
        return loadMatrix(path, {
          locations,
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
    const run = await env.store.create({ path, format: data.format, locations }, DEFAULT_CONFIG);
    env.onRunChanged();
    TrainingPanel.show(env, run, data);
  } catch (err) {
    await reportReadError(err, path);
  }
}

export function deactivate(): void {}

// Extension activation: the stores, each feature's register module, the Runs view and its
// commands. The host never loads tfjs: models run in the webviews (and in the CLI).
// In an untrusted workspace activation writes nothing: the start-up marking of interrupted runs
// waits until the workspace is trusted.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { registerFactorize } from './factorize/register';
import { ImputePanel, type ImputeEnvironment } from './impute/panel';
import { openImputeRun, pickImputeRun, registerImpute } from './impute/register';
import { ImputeRuns } from './impute/runs';
import { MagnitudePanel, registerMagnitude, type MagnitudeEnvironment } from './magnitude/panel';
import { PlacementRecords } from './placement/records';
import { lineOfKey, outputFile, recordFile, recordFocus, type RunNode } from './runs/tree';
import { compareRunsMarkdown, RunsView, type RunsNode } from './runs/view';
import { registerTransport } from './transport/register';
import { mayRead, requireTrust } from './trust';

/** Where Lacuna keeps its records: `<workspace>/.lacuna/`, or the extension's storage. */
function lacunaRoot(context: vscode.ExtensionContext): { root: string; base: string | null } {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file') return { root: join(folder.uri.fsPath, '.lacuna'), base: folder.uri.fsPath };
  return { root: context.globalStorageUri.fsPath, base: null };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Lacuna');
  const { root, base } = lacunaRoot(context);
  const runs = new ImputeRuns(join(root, 'runs'), undefined, base);
  const placements = new PlacementRecords(join(root, 'placement'), undefined, base);
  // The Runs view lists the runs of every store; each refreshes it when it writes.
  const runsView = new RunsView(() => ({ runs, factorize: factorize.runs, magnitude: magnitude.records, placements, transport: transport.runs }));
  const refreshRuns = () => runsView.refresh();
  const magnitude = registerMagnitude(context, { root: join(root, 'magnitude'), base, extensionUri: context.extensionUri, log, onRecordChanged: refreshRuns });
  const factorize = registerFactorize(context, log, runs.root, base, refreshRuns);
  const transport = registerTransport(context, log, runs.root, base, refreshRuns);
  const env: ImputeEnvironment = { extensionUri: context.extensionUri, runs, placements, onRunChanged: refreshRuns, log };
  registerImpute(context, env);
  context.subscriptions.push(log, runsView, vscode.window.registerTreeDataProvider('lacuna.runs', runsView));

  // Runs that were active when the window went away are interrupted, not lost: recorded once the
  // workspace is trusted (activation writes nothing in an untrusted one).
  const markInterrupted = async () => {
    for (const [name, store] of [['imputation', runs], ['factorisation', factorize.runs], ['placement', placements], ['transport', transport.runs]] as const) {
      const ids = await store.markInterrupted().catch((err: Error) => (log.appendLine(`${name}: ${err.message}`), [] as string[]));
      if (ids.length) log.appendLine(`marked ${ids.length} ${name} run(s) interrupted: ${ids.join(', ')}`);
    }
    await magnitude.interruptAll();
    refreshRuns();
  };
  if (vscode.workspace.isTrusted) void markInterrupted();
  else context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => void markInterrupted()));

  const imputeNode = (node?: RunsNode) => (node?.kind === 'imputeRun' ? node.run : undefined);
  context.subscriptions.push(
    vscode.commands.registerCommand('lacuna.openTrainingPanel', (node?: RunsNode) => openImputeRun(env, imputeNode(node))),
    vscode.commands.registerCommand('lacuna.runs.open', (node?: RunsNode) => (node && node.kind !== 'imputeRun' && node.kind !== 'input' ? openOtherRun(magnitude, node) : openImputeRun(env, imputeNode(node)))),
    vscode.commands.registerCommand('lacuna.runs.refresh', refreshRuns),
    vscode.commands.registerCommand('lacuna.runs.revealOutputs', async (node?: RunsNode) => {
      let target: string;
      if (node && node.kind !== 'input') target = outputFile(node);
      else {
        const run = await pickImputeRun(env, 'Reveal the outputs of which run?');
        if (!run) return;
        target = outputFile({ kind: 'imputeRun', run, dir: runs.dir(run.id) });
      }
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(target));
      await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target));
    }),
    vscode.commands.registerCommand('lacuna.runs.delete', async (node?: RunsNode) => {
      const run = imputeNode(node) ?? (await pickImputeRun(env, 'Delete which run?'));
      if (!run) return;
      requireTrust();
      const answer = await vscode.window.showWarningMessage(`Delete run ${run.config.method} (${run.id}) and its folder? Output files beside the input are kept.`, { modal: true }, 'Delete');
      if (answer !== 'Delete') return;
      ImputePanel.get(run.id)?.panel.dispose();
      await runs.delete(run.id);
      refreshRuns();
    }),
    vscode.commands.registerCommand('lacuna.runs.compare', async (_node?: RunsNode, selected?: RunsNode[]) => {
      let chosen = (selected ?? []).filter((n): n is Extract<RunsNode, { kind: 'imputeRun' }> => n.kind === 'imputeRun').map((n) => n.run);
      if (chosen.length !== 2) {
        const all = await runs.list();
        const picked = await vscode.window.showQuickPick(
          all.map((r) => ({ label: `${r.config.method} · ${r.status}`, description: `${r.input.path.split(/[\\/]/).pop()} ${typeof r.result?.metrics.mae === 'number' ? `MAE ${r.result.metrics.mae.toFixed(3)}` : ''}`, detail: r.id, run: r })),
          { canPickMany: true, title: 'Compare two runs', placeHolder: 'Pick exactly two runs' },
        );
        if (!picked) return;
        chosen = picked.map((p) => p.run);
      }
      if (chosen.length !== 2) {
        void vscode.window.showWarningMessage(`Lacuna compares exactly two runs; ${chosen.length} were chosen.`);
        return;
      }
      const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: compareRunsMarkdown(chosen[0], chosen[1]) });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
  );
  log.appendLine(`activated in ${(performance.now() - started).toFixed(1)} ms; runs in ${runs.root}`);
}

/**
 * Opens a run that is not an imputation run: a magnitude session reopens its panel from its
 * record (as after a reload); a factorisation, autoencoder or damaged record opens its file.
 */
async function openOtherRun(magnitude: MagnitudeEnvironment, node: Exclude<RunNode, { kind: 'imputeRun' }>) {
  if (node.kind === 'magnitudeSession') {
    const record = (await magnitude.records.get(node.record.id)) ?? node.record;
    if (record.source.kind !== 'sample' && !(await mayRead([record.source.path], `Session ${record.id}`))) return;
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

export function deactivate(): void {}

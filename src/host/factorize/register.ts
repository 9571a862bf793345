// "Factorize (NMF)": the command (on a file, or a sample picked from a quick pick), the panel
// serializer, and the start-up marking of runs a closed window left running.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { FactorizeSampleName } from '../../core/factorize/input';
import type { FactorizePanelState } from '../../protocol/factorize';
import { readProgress } from '../progress';
import { reportReadError } from '../readErrors';
import { loadFactorizeFile, loadFactorizeSample, type LoadedFactorizeInput } from './data';
import { FACTORIZE_VIEW_TYPE, FactorizePanel, type FactorizeEnvironment } from './panel';
import { FactorizeRunStore } from './runs';

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
      loaded = await readProgress(path, (options) => loadFactorizeFile(path, options));
    }
    FactorizePanel.show(env, loaded);
  } catch (err) {
    await reportReadError(err, target?.fsPath ?? String(sample));
  }
}

/**
 * Registers the command, the panel serializer (so panels come back after a reload), and marks
 * runs a closed window left running as interrupted. `runsRoot` is the run store's folder.
 */
export function registerFactorize(context: vscode.ExtensionContext, log: vscode.OutputChannel, runsRoot: string, base: string | null, onRunChanged?: () => void): FactorizeEnvironment {
  const env: FactorizeEnvironment = { extensionUri: context.extensionUri, runs: new FactorizeRunStore(runsRoot, undefined, base), log, onRunChanged };
  context.subscriptions.push(
    vscode.commands.registerCommand('lacuna.factorize', (uri?: vscode.Uri) => openFactorize(env, uri)),
    vscode.window.registerWebviewPanelSerializer(FACTORIZE_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: FactorizePanelState | undefined) => FactorizePanel.restore(env, panel, state),
    }),
  );
  return env;
}

// "Transport between data sets": the command (on two files selected in the Explorer, on one
// file with the target chosen next, or from the Command Palette on a sample pair or two files),
// the panel serializer, and the start-up marking of runs a closed window left running.
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { TRANSPORT_SAMPLES, type TransportSampleName } from '../../core/transport/points';
import type { TransportPanelState } from '../../protocol/transport';
import { readProgress } from '../progress';
import { reportReadError } from '../readErrors';
import { loadTransportFiles, loadTransportSample, TRANSPORT_SAMPLE_INFO } from './data';
import { TRANSPORT_VIEW_TYPE, TransportPanel, type TransportEnvironment } from './panel';
import { TransportRunStore } from './runs';

const DATA_FILE = /\.(csv|tsv|txt|npy)$/i;
const FILTERS = { 'Point files': ['csv', 'tsv', 'txt', 'npy'] };

type Choice = vscode.QuickPickItem & { path?: string; sample?: TransportSampleName; browse?: true };

/** The target for source A: another data file beside it, or one chosen in a dialog. */
async function pickTarget(a: vscode.Uri): Promise<vscode.Uri | undefined> {
  const folder = dirname(a.fsPath);
  const siblings = (await readdir(folder).catch(() => [] as string[])).filter((f) => DATA_FILE.test(f) && f !== basename(a.fsPath)).sort();
  const items: Choice[] = [...siblings.map((f) => ({ label: `$(table) ${f}`, description: 'beside it', path: join(folder, f) })), { label: '$(folder-opened) Choose a file…', browse: true }];
  const choice = await vscode.window.showQuickPick(items, { title: `Transport ${basename(a.fsPath)} to…`, placeHolder: 'The target point cloud (the same columns)' });
  if (!choice) return undefined;
  if (choice.path) return vscode.Uri.file(choice.path);
  return (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Target', title: 'Choose the target point file', filters: FILTERS }))?.[0];
}

export async function openTransport(env: TransportEnvironment, uri?: vscode.Uri, selected?: vscode.Uri[]): Promise<void> {
  let a: vscode.Uri | undefined = uri instanceof vscode.Uri ? uri : undefined;
  let b: vscode.Uri | undefined;
  const others = (Array.isArray(selected) ? selected : []).filter((u) => u instanceof vscode.Uri && a && u.toString() !== a.toString());
  if (a && others.length === 1) b = others[0];
  else if (a) b = await pickTarget(a);
  else {
    const items: Choice[] = [
      ...TRANSPORT_SAMPLES.map((s) => ({ label: `$(beaker) ${TRANSPORT_SAMPLE_INFO[s].title} (sample)`, detail: TRANSPORT_SAMPLE_INFO[s].detail, sample: s })),
      { label: '$(folder-opened) Choose two point files…', detail: 'A source and a target with the same columns (.csv, .tsv, .txt, .npy)', browse: true },
    ];
    const choice = await vscode.window.showQuickPick(items, { title: 'Transport between data sets', placeHolder: 'A sample pair, or two files' });
    if (!choice) return;
    if (choice.sample) {
      TransportPanel.show(env, loadTransportSample(choice.sample));
      return;
    }
    a = (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Source', title: 'Choose the source point file', filters: FILTERS }))?.[0];
    if (a) b = await pickTarget(a);
  }
  if (!a || !b) return;
  if (a.scheme !== 'file' || b.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Lacuna reads local files; ${(a.scheme !== 'file' ? a : b).toString()} is not one.`);
    return;
  }
  const [pathA, pathB] = [a.fsPath, b.fsPath];
  try {
    const loaded = await readProgress(pathA, (options) => loadTransportFiles(pathA, pathB, options));
    TransportPanel.show(env, loaded);
  } catch (err) {
    await reportReadError(err, pathA);
  }
}

export function registerTransport(context: vscode.ExtensionContext, log: vscode.OutputChannel, runsRoot: string, base: string | null, onRunChanged?: () => void): TransportEnvironment {
  const env: TransportEnvironment = { extensionUri: context.extensionUri, runs: new TransportRunStore(runsRoot, undefined, base), log, onRunChanged };
  context.subscriptions.push(
    vscode.commands.registerCommand('lacuna.transport', (uri?: vscode.Uri, selected?: vscode.Uri[]) => openTransport(env, uri, selected)),
    vscode.window.registerWebviewPanelSerializer(TRANSPORT_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: TransportPanelState | undefined) => TransportPanel.restore(env, panel, state),
    }),
  );
  return env;
}

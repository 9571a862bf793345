// "Impute matrix" and the impute panel's other entry points: the command, the locations
// question, opening a run, and the serializer that brings panels back after a reload.
//
// The walk from the command to the written file (ARCHITECTURE.md, "Impute matrix"):
// host sniffs the format and delimiter (a head read) -> core reads and parses the file once, hashing the same
// chunks -> host creates the run and opens the panel -> page imputes with core -> host writes the
// result with core's writeImputed.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_MASK_RATIO } from '../../core/impute/job';
import { sniffFormat } from '../../core/io/read';
import { fileSource } from '../../core/io/node';
import { detectDelimiter, readFirstLine } from '../../core/io/delimited';
import { hasLatLngHeader } from '../../core/io/tables';
import type { RunConfig, TrainingPanelState } from '../../protocol/impute';
import { loadMatrix } from '../loadMatrix';
import { readProgress } from '../progress';
import { reportReadError } from '../readErrors';
import { explainUntrusted, mayRead } from '../trust';
import { IMPUTE_VIEW_TYPE, ImputePanel, type ImputeEnvironment } from './panel';
import type { ImputeRunRecord } from './runs';

const DEFAULT_CONFIG: RunConfig = { method: 'neighbor', maskRatio: DEFAULT_MASK_RATIO, seed: 0 };
const LOCATIONS_KEY = 'lacuna.locationsFor:';
const NO_LOCATIONS = '';

export function registerImpute(context: vscode.ExtensionContext, env: ImputeEnvironment): void {
  context.subscriptions.push(
    vscode.window.registerWebviewPanelSerializer(IMPUTE_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state: TrainingPanelState | undefined) => ImputePanel.restore(env, panel, state),
    }),
    vscode.commands.registerCommand('lacuna.imputeMatrix', (uri?: vscode.Uri) => imputeMatrix(context, env, uri)),
  );
}

export async function pickImputeRun(env: ImputeEnvironment, title: string): Promise<ImputeRunRecord | undefined> {
  const runs = await env.runs.list();
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

/** Opens an imputation run in its panel; a record naming files outside the workspace asks first. */
export async function openImputeRun(env: ImputeEnvironment, run: ImputeRunRecord | undefined): Promise<void> {
  run ??= await pickImputeRun(env, 'Open which run in the training panel?');
  if (!run) return;
  const existing = ImputePanel.get(run.id);
  if (existing) {
    existing.panel.reveal();
    return;
  }
  const files = [run.input.path, ...(run.input.locations ? [run.input.locations] : [])];
  if (!(await mayRead(files, `Run ${run.id}`))) return;
  try {
    const data = await loadMatrix(run.input.path, { locations: run.input.locations, shape: run.input.shape });
    ImputePanel.show(env, run, data);
  } catch (err) {
    await reportReadError(err, run.input.path);
  }
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
  // Files beside the data whose names say they hold locations are offered first, when their
  // header names latitude and longitude columns (a point cloud named *location* is not offered).
  const named = (await readdir(dirname(dataPath)).catch(() => [] as string[]))
    .filter((n) => n !== basename(dataPath) && /(location|latlng|latlon|sensors|stations)/i.test(n) && /\.(csv|tsv|txt)$/i.test(n))
    .sort();
  const nearby: string[] = [];
  for (const n of named) if (await namesLatLng(join(dirname(dataPath), n))) nearby.push(n);
  const choice = await vscode.window.showQuickPick(
    [
      ...nearby.map((n) => ({ label: `$(location) ${n}`, detail: 'Use these sensor locations (sensor_id, latitude, longitude)', id: `file:${join(dirname(dataPath), n)}` })),
      { label: '$(folder-opened) Choose a sensor-locations file…', detail: 'A CSV of sensor_id, latitude, longitude: places every column on an H3 cell and enables the map', id: 'pick' },
      { label: '$(table) Continue without locations', detail: 'Neighbours are then the adjacent matrix cells', id: 'none' },
    ],
    { title: `Locations for ${basename(dataPath)}`, ignoreFocusOut: true },
  );
  if (!choice) return undefined;
  let path: string | null;
  if (choice.id === 'none') path = null;
  else if (choice.id.startsWith('file:')) path = choice.id.slice(5);
  else {
    const picked = await vscode.window.showOpenDialog({ defaultUri: vscode.Uri.file(dirname(dataPath)), canSelectMany: false, openLabel: 'Use these locations', filters: { 'Locations (CSV)': ['csv', 'tsv', 'txt'] } });
    if (!picked?.[0]) return undefined;
    path = picked[0].fsPath;
  }
  await context.workspaceState.update(key, path ?? NO_LOCATIONS);
  return path;
}

/** Whether a file's first line names latitude and longitude columns. */
async function namesLatLng(path: string): Promise<boolean> {
  try {
    const first = (await readFirstLine(fileSource(path), 1 << 16)).replace(/^\uFEFF/, '');
    return hasLatLngHeader(first.split(detectDelimiter(first, path)).map((f) => f.replace(/^"|"$/g, '')));
  } catch {
    return false;
  }
}

async function imputeMatrix(context: vscode.ExtensionContext, env: ImputeEnvironment, uri?: vscode.Uri) {
  const target = await resolveDataFile(uri);
  if (!target) return;
  if (target.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Lacuna reads local files; ${target.toString()} is not one.`);
    return;
  }
  const path = target.fsPath;
  if (!vscode.workspace.isTrusted) return explainUntrusted();
  try {
    // Detected once (from the file's head), then passed on to the reader.
    const { format, delimiter } = await sniffFormat(fileSource(path));
    const locations = format === 'wide' ? await locationsFor(context, path) : null;
    if (locations === undefined) return; // the user dismissed the question
    const data = await readProgress(path, (options) => loadMatrix(path, { ...options, format, delimiter, locations }));
    const run = await env.runs.create({ path, format: data.format, sha256: data.sha256, bytes: data.bytes, locations }, DEFAULT_CONFIG);
    env.onRunChanged();
    ImputePanel.show(env, run, data);
  } catch (err) {
    await reportReadError(err, path);
  }
}

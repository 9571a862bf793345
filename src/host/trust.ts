// Workspace Trust and the user's own files, in one place: every host write path calls
// `requireTrust()` (or checks `isTrusted()` where a write is optional), exports go through one
// save dialog, and "open" reads only files inside the workspace unless the user agrees.
import { realpathSync } from 'node:fs';
import { basename, relative, isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../core/io/node';

export const UNTRUSTED = 'Lacuna runs models and writes files only in a trusted workspace.';

export function isTrusted(): boolean {
  return vscode.workspace.isTrusted;
}

/** Throws (the panel shows it) unless the workspace is trusted. */
export function requireTrust(): void {
  if (!vscode.workspace.isTrusted) throw new Error(UNTRUSTED);
}

/** Tells the user why nothing ran, with the way to trust the folder. */
export async function explainUntrusted(): Promise<void> {
  const answer = await vscode.window.showWarningMessage(UNTRUSTED, 'Manage Workspace Trust');
  if (answer) await vscode.commands.executeCommand('workbench.trust.manage');
}

/** Saves a chart or table the page exported, through a save dialog; returns the path, or null. */
export async function saveExport(fileName: string, data: Uint8Array | string, protect: string[]): Promise<string | null> {
  requireTrust();
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({ defaultUri: folder ? vscode.Uri.joinPath(folder, basename(fileName)) : undefined, saveLabel: 'Export' });
  if (!target) return null;
  if (target.scheme === 'file') await writeFileAtomic(target.fsPath, data, protect);
  else await vscode.workspace.fs.writeFile(target, typeof data === 'string' ? new TextEncoder().encode(data) : data);
  return target.fsPath;
}

/** Is `path` (links resolved) inside one of the workspace folders? */
export function insideWorkspace(path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    real = path;
  }
  return (vscode.workspace.workspaceFolders ?? []).some((f) => {
    if (f.uri.scheme !== 'file') return false;
    let root = f.uri.fsPath;
    try {
      root = realpathSync(root);
    } catch {
      /* keep it as named */
    }
    const rel = relative(root, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  });
}

/**
 * A record names the files it was made from; a record from someone else's repository could name
 * any file on this machine. Files outside the workspace are read only when the user agrees.
 */
export async function mayRead(paths: string[], why: string): Promise<boolean> {
  const outside = paths.filter((p) => !insideWorkspace(p));
  if (outside.length === 0) return true;
  const answer = await vscode.window.showWarningMessage(
    `${why} reads ${outside.length === 1 ? 'a file' : 'files'} outside this workspace: ${outside.join(', ')}. Read ${outside.length === 1 ? 'it' : 'them'}?`,
    { modal: true },
    'Read',
  );
  return answer === 'Read';
}

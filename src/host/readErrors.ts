// How the host tells the user a file could not be read: one wording for every panel and
// command (file, line, column, what was expected and found), with a way to the spot.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ParseError } from '../core/io/errors';
import { LoadCancelled } from './loadMatrix';

/** The one sentence for a read error. */
export function readErrorText(err: unknown, path: string): string {
  if (err instanceof ParseError) return `Lacuna could not read ${basename(err.file)}: line ${err.line}, column ${err.column}: expected ${err.expected}, found ${err.found}.`;
  return `Lacuna could not read ${basename(path)}: ${(err as Error)?.message ?? err}`;
}

/** Shows a read error; a parse error offers to open the file at its line. A cancelled read says nothing. */
export async function reportReadError(err: unknown, path: string): Promise<void> {
  if (err instanceof LoadCancelled) return;
  const action = err instanceof ParseError && err.line > 0 && !err.file.endsWith('.npy') ? `Open at line ${err.line}` : undefined;
  const answer = await vscode.window.showErrorMessage(readErrorText(err, path), ...(action ? [action] : []));
  if (answer && answer === action && err instanceof ParseError && existsSync(err.file)) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(err.file));
    const position = new vscode.Position(Math.max(0, err.line - 1), Math.max(0, err.column - 1));
    await vscode.window.showTextDocument(doc, { selection: new vscode.Range(position, position) });
  }
}

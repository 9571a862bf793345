// Extension activation: registers Lacuna's commands. The host never loads tfjs; models run in
// the webviews and the CLI.
import * as vscode from 'vscode';

/** Commands contributed in the manifest whose implementation lands in a later release. */
const PLANNED: Record<string, string> = {
  'lacuna.imputeMatrix': 'Impute matrix (the training panel)',
  'lacuna.openTrainingPanel': 'Open training panel',
  'lacuna.inspectWeightingVectors': 'Inspect weighting vectors',
  'lacuna.factorize': 'Factorize (NMF)',
};

export function activate(context: vscode.ExtensionContext): void {
  for (const [command, title] of Object.entries(PLANNED)) {
    context.subscriptions.push(
      vscode.commands.registerCommand(command, () =>
        vscode.window.showInformationMessage(
          `Lacuna: "${title}" is not available in this version of the extension yet. The \`lacuna\` command line can already impute files: run \`lacuna impute FILE\`.`,
        ),
      ),
    );
  }
}

export function deactivate(): void {}

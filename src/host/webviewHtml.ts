// The VS Code side of the HTML shell (htmlShell.ts): the webview's options (scripts only from
// dist/, resources only from dist/ and media/) and the two kinds of page a panel shows: its
// script entry, or a message (an error, a missing run) with no script at all.
import * as vscode from 'vscode';
import { ParseError } from '../core/io/errors';
import type { Envelope } from '../protocol/common';
import { APP_ROOT, messageBody, pageShell } from './htmlShell';
import { PanelChannel, type ChannelOptions } from './panelChannel';
import { readErrorText } from './readErrors';

export { nonce } from './htmlShell';

/**
 * `retain` keeps the page alive while hidden. Panels whose runs live in the page (impute,
 * factorize, magnitude's autoencoder) retain it, so switching editor tabs never stops a run
 * (see ARCHITECTURE.md for the memory this costs).
 */
export function webviewOptions(extensionUri: vscode.Uri, retain = false): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: retain,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string): string {
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  return pageShell(
    {
      cspSource: webview.cspSource,
      styles: [uri('media', 'panel.css'), uri('media', `${entry}.css`)],
      script: uri('dist', 'webview', `${entry}.js`),
      assets: uri('dist', 'webview'),
    },
    title,
    APP_ROOT,
  );
}

/** A page that only says something (escaped), under the same CSP, with scripts turned off. */
export function showMessagePage(webview: vscode.Webview, extensionUri: vscode.Uri, title: string, lines: string[]): void {
  webview.options = { ...webviewOptions(extensionUri), enableScripts: false };
  const uri = (...parts: string[]) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...parts)).toString();
  webview.html = pageShell({ cspSource: webview.cspSource, styles: [uri('media', 'panel.css')], script: null }, title, messageBody(lines));
}

/**
 * Dresses a panel for one page (its icon, the CSP shell of `entry`) and opens its channel: the
 * log lines go to the output channel as `[entry] …`, a handler's error to an error message (a
 * read error with its file, line and column).
 */
export function mountPanelPage<In extends Envelope, Out extends Envelope>(
  panel: vscode.WebviewPanel,
  env: { extensionUri: vscode.Uri; log: { appendLine(text: string): void } },
  entry: string,
  title: string,
  options: Pick<ChannelOptions<In, Out>, 'parse' | 'snapshot' | 'handle'>,
): PanelChannel<In, Out> {
  panel.iconPath = vscode.Uri.joinPath(env.extensionUri, 'media', 'lacuna.svg');
  panel.webview.html = webviewHtml(panel.webview, env.extensionUri, entry, title);
  return new PanelChannel<In, Out>(panel.webview, {
    ...options,
    log: (text) => env.log.appendLine(`[${entry}] ${text}`),
    onError: (err) => void vscode.window.showErrorMessage(err instanceof ParseError ? readErrorText(err, err.file) : `Lacuna: ${(err as Error).message ?? err}`),
  });
}

/** What a panel of runs needs from the extension: its folder, its run store, the log, and who to tell when a run changes (views that list runs). */
export interface PanelEnvironment<Runs> {
  extensionUri: vscode.Uri;
  runs: Runs;
  log: vscode.OutputChannel;
  /** Called when a run record changes (for views that list runs). */
  onRunChanged?: () => void;
}

/** The panel already open under `key`, brought to the front; undefined when none is. */
export function revealOpen<P extends { panel: vscode.WebviewPanel }>(panels: Map<string, P>, key: string): P | undefined {
  const open = panels.get(key);
  open?.panel.reveal();
  return open;
}

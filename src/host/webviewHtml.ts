// The VS Code side of the HTML shell (htmlShell.ts): the webview's options (scripts only from
// dist/, resources only from dist/ and media/) and the two kinds of page a panel shows: its
// script entry, or a message (an error, a missing run) with no script at all.
import * as vscode from 'vscode';
import { APP_ROOT, messageBody, pageShell } from './htmlShell';

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

// The HTML shell for a webview: a strict Content Security Policy with a per-load nonce, and
// only resources from the extension's dist/ and media/ folders.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, entry: string, title: string): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${entry}.js`));
  const base = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${entry}.css`));
  const assets = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview'));
  // 'wasm-unsafe-eval' lets the tfjs wasm backend compile its module; nothing allows eval.
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data: blob:`,
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `font-src ${webview.cspSource}`,
    `script-src 'nonce-${n}' 'wasm-unsafe-eval'`,
    `connect-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${base}" nonce="${n}">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>${title}</title>
</head>
<body data-assets="${assets}">
<div id="app"></div>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}

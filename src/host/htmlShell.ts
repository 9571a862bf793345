// The one HTML shell every webview page goes through: a strict Content Security Policy with a
// per-load nonce, resources only from the extension's own folders, and every piece of data
// escaped. Panels never build HTML by hand: a page is either a panel's script entry or a message
// page (an error, a missing run), and both come from here. No `vscode` import: tested in Node.
import { randomBytes } from 'node:crypto';

export function nonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Markup that is already safe (built by `html`); anything else interpolated is escaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** A tagged template that escapes every interpolated value unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof SafeHtml ? x.text : escapeHtml(String(x)))).join('') : v instanceof SafeHtml ? v.text : escapeHtml(String(v));
    out += part + strings[i + 1];
  });
  return new SafeHtml(out);
}

export interface ShellResources {
  /** The webview's `cspSource` (where its own resources come from). */
  cspSource: string;
  /** Stylesheet URLs (media/). */
  styles: string[];
  /** The page's script URL (dist/webview/<entry>.js), or null for a page without script. */
  script: string | null;
  /** The URL of the page's bundled assets (wasm), given to the script as data-assets. */
  assets?: string;
}

/**
 * A page under the strict CSP. Scripts run only with the nonce (and only the extension's own
 * bundle); 'wasm-unsafe-eval' lets the tfjs wasm backend compile its module; nothing allows eval.
 */
export function pageShell(resources: ShellResources, title: string, body: SafeHtml, n = nonce()): string {
  const { cspSource } = resources;
  const csp = [
    "default-src 'none'",
    `img-src ${cspSource} data: blob:`,
    `style-src ${cspSource} 'nonce-${n}'`,
    `font-src ${cspSource}`,
    resources.script ? `script-src 'nonce-${n}' 'wasm-unsafe-eval'` : "script-src 'none'",
    resources.script ? `connect-src ${cspSource}` : "connect-src 'none'",
  ].join('; ');
  // Built from VS Code's cspSource and our nonce only; a quote would end the attribute.
  if (/["<>]/.test(csp)) throw new Error('unexpected characters in the content security policy');
  const styles = resources.styles.map((href) => html`<link rel="stylesheet" href="${href}" nonce="${n}">`);
  const script = resources.script ? html`<script nonce="${n}" src="${resources.script}"></script>` : '';
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${new SafeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${styles}
<title>${title}</title>
</head>
<body${resources.assets ? html` data-assets="${resources.assets}"` : ''}>
${body}
${script instanceof SafeHtml ? script : ''}
</body>
</html>`.text;
}

/** The body of a panel page: the app root its script fills. */
export const APP_ROOT = html`<div id="app"></div>`;

/** The body of a message page: a paragraph per line of text, escaped. */
export function messageBody(lines: string[]): SafeHtml {
  return html`<main class="message">${lines.map((l) => html`<p>${l}</p>`)}</main>`;
}

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, html, messageBody, pageShell } from '../../src/host/htmlShell';

const hostile = '<img src=x onerror=alert(1)>.csv';

test('a message page escapes its data, carries the strict CSP, and allows no script', () => {
  const page = pageShell({ cspSource: 'vscode-resource:', styles: ['https://x/panel.css'], script: null }, `Lacuna: ${hostile}`, messageBody([`could not reopen ${hostile}: "quoted" & 'single'`]), 'NONCE');
  assert.ok(!page.includes('<img'), page);
  assert.ok(page.includes('&#60;img src=x onerror=alert(1)&#62;.csv'));
  assert.match(page, /Content-Security-Policy" content="default-src 'none';[^"]*script-src 'none'/);
  assert.ok(!/<script/.test(page));
  assert.match(page, /<link rel="stylesheet" href="https:\/\/x\/panel.css" nonce="NONCE">/);
});

test('a panel page loads only its nonce-tagged script', () => {
  const page = pageShell({ cspSource: 'vscode-resource:', styles: [], script: 'https://x/dist/webview/impute.js', assets: 'https://x/dist/webview' }, 'T', html`<div id="app"></div>`, 'N0NCE');
  assert.match(page, /script-src 'nonce-N0NCE' 'wasm-unsafe-eval'/);
  assert.match(page, /<script nonce="N0NCE" src="https:\/\/x\/dist\/webview\/impute.js"><\/script>/);
  assert.match(page, /<body data-assets="https:\/\/x\/dist\/webview">/);
  assert.equal(escapeHtml(`"'<>&\``), '&#34;&#39;&#60;&#62;&#38;&#96;');
  assert.equal(html`<p title="${'" onclick="x'}">${[html`<b>ok</b>`, '<i>']}</p>`.text, '<p title="&#34; onclick=&#34;x"><b>ok</b>&#60;i&#62;</p>');
});

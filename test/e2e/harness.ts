// End-to-end harness: the real VS Code 1.100 (code-server 4.100.3, installed by test/e2e/setup.sh)
// in headless Chromium, driven by playwright-core. Loopback only: code-server binds 127.0.0.1 and
// Chromium resolves no host name but 127.0.0.1.
//
// Environment:
//   E2E_KEEP=1       keep the temp folder (user data, logs, workspace copies) after stop()
//   E2E_VERBOSE=1    echo code-server's log and the browser console as they come
//   E2E_CHROMIUM     the browser binary (default /usr/bin/chromium)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { writeDelimited } from '../../src/core/io/read';
import { trafficSample } from '../../src/core/sample';

/** The repository root: the nearest folder, from the working directory up, holding test/e2e/setup.sh. */
function findRepoRoot(): string {
  let dir = process.cwd();
  while (!existsSync(join(dir, 'test', 'e2e', 'setup.sh'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`run the e2e tests from inside the repository (cwd ${process.cwd()})`);
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRepoRoot();
export const CODE_SERVER_DIR = join(REPO_ROOT, '.e2e-cache', 'code-server');
export const CODE_SERVER_BIN = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
export const RESULTS_DIR = join(REPO_ROOT, 'test-results', 'e2e');
export const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';

/** Timeouts, in milliseconds. Generous: the CI machines have two cores. */
export const TIMEOUTS = {
  package: 120_000,
  install: 120_000,
  serverReady: 60_000,
  workbench: 120_000,
  action: 15_000,
  stop: 10_000,
};

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--disable-dev-shm-usage',
  // WebGPU over SwiftShader (Vulkan on the CPU): see docs/OFFLINE.md.
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-webgpu-adapter=swiftshader',
  // No network but loopback: every host name except 127.0.0.1 fails to resolve.
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'chat.commandCenter.enabled': false,
  'window.commandCenter': false,
};

export interface VsCode {
  url: string;
  port: number;
  page: Page;
  browser: Browser;
  /** The temp folder holding user-data/, extensions/, code-server.log, browser.log. */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout and stderr. */
  logFile: string;
  /** Prints code-server's log, the browser console and the extension host logs to stderr. */
  dumpLogs(): void;
  /** Closes the browser and kills code-server's process group. Safe to call twice. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function log(message: string): void {
  process.stderr.write(`[e2e] ${message}\n`);
}

/** Races a promise against a timer; the message names what timed out. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function codeServerEnv(tempDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  // Keep code-server's own config and data inside the temp folder, never in ~/.config or ~/.local.
  env.XDG_CONFIG_HOME = join(tempDir, 'xdg-config');
  env.XDG_DATA_HOME = join(tempDir, 'xdg-data');
  // No proxy to anything: the tests talk to 127.0.0.1 only.
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'PASSWORD', 'HASHED_PASSWORD', 'PORT']) delete env[k];
  delete env.NODE_OPTIONS; // the test runner's --import tsx must not leak into code-server
  env.VSCODE_CLI_DISABLE_UPDATE = '1';
  return env;
}

export function assertCodeServerInstalled(): void {
  if (!existsSync(CODE_SERVER_BIN)) {
    throw new Error(`code-server not found at ${CODE_SERVER_BIN}: run "bash test/e2e/setup.sh" first`);
  }
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: run "bash test/e2e/setup.sh" first`);
}

/**
 * Packages the extension with vsce into a temp folder and returns the .vsix path.
 * The caller runs `npm run build` first.
 */
export async function packageExtension(): Promise<string> {
  const outDir = makeTempDir('lacuna-vsix-');
  const vsix = join(outDir, 'lacuna.vsix');
  const localVsce = join(REPO_ROOT, 'node_modules', '.bin', 'vsce');
  const [cmd, args] = existsSync(localVsce)
    ? [localVsce, [] as string[]]
    : ['npx', ['--yes', 'vsce']];
  const result = spawnSync(cmd, [...args, 'package', '--allow-missing-repository', '--no-rewrite-relative-links', '--no-dependencies', '-o', vsix], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: TIMEOUTS.package,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
  });
  if (result.status !== 0 || !existsSync(vsix)) {
    throw new Error(
      `vsce package failed (status ${result.status}, signal ${result.signal}, error ${result.error?.message ?? 'none'}):\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return vsix;
}

/** A free TCP port on 127.0.0.1 (asks the OS, then closes the probe). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      const { port } = address;
      server.close(() => resolvePort(port));
    });
  });
}

function readTail(file: string, maxChars = 20_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch {
    return `(no ${file})`;
  }
}

function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walkFiles(path) : [path];
  });
}

// Process groups of every code-server still running, killed on exit whatever happens.
const liveGroups = new Set<number>();
const liveTempDirs = new Set<string>();

/**
 * A fresh temp folder, removed when this process ends (even on SIGINT/SIGTERM) unless E2E_KEEP=1.
 * Remove it earlier with removeTempDir().
 */
export function makeTempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  liveTempDirs.add(dir);
  return dir;
}

/**
 * A fresh workspace holding the embedded traffic sample as `traffic.csv` (time × sensors) and its
 * `traffic_locations.csv` (sensor_id, latitude, longitude), as a user's folder would.
 */
export function makeTrafficWorkspace(prefix: string): string {
  const dir = makeTempDir(prefix);
  const { matrix, locations } = trafficSample();
  writeFileSync(join(dir, 'traffic.csv'), [...writeDelimited(matrix, { indexName: 'time' })].join(''));
  writeFileSync(join(dir, 'traffic_locations.csv'), ['sensor_id,latitude,longitude', ...locations.map((l) => `${l.id},${l.lat},${l.lng}`)].join('\n') + '\n');
  return dir;
}

export function removeTempDir(dir: string): void {
  if (process.env.E2E_KEEP === '1') log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  liveTempDirs.delete(dir);
}

function killLiveGroups(): void {
  for (const pgid of liveGroups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  liveGroups.clear();
  if (process.env.E2E_KEEP !== '1') {
    for (const dir of liveTempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
      } catch (e) {
        process.stderr.write(`[e2e] could not remove ${dir}: ${(e as Error).message}\n`);
      }
    }
  }
  liveTempDirs.clear();
}
process.on('exit', killLiveGroups);
// A signal would end this process without 'exit' handlers: kill the servers first. (Playwright
// closes its browsers on these signals by itself.)
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.once(signal, () => {
    killLiveGroups();
    process.exit(code);
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
}

async function stopCodeServer(child: ChildProcess): Promise<void> {
  const pgid = child.pid;
  if (pgid === undefined) return;
  if (killGroup(pgid, 'SIGTERM')) {
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && killGroup(pgid, 0)) await sleep(100);
    killGroup(pgid, 'SIGKILL');
  }
  liveGroups.delete(pgid);
}

async function waitForServer(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + TIMEOUTS.serverReady;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`code-server exited (code ${child.exitCode}, signal ${child.signalCode}) before answering:\n${readTail(logFile)}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
    } catch (e) {
      lastError = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`code-server did not answer on ${url} within ${TIMEOUTS.serverReady} ms (${lastError}):\n${readTail(logFile)}`);
}

/** Waits until the workbench shows the Explorer with the folder open. */
export async function waitForWorkbench(page: Page, timeoutMs = TIMEOUTS.workbench): Promise<void> {
  await page.locator('.monaco-workbench').first().waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.explorer-folders-view').first().waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/**
 * Starts code-server with a fresh user-data and extensions folder, the extension installed, and
 * headless Chromium on the workbench for `workspace`. On any failure it prints the logs, cleans up
 * and rethrows.
 */
/** `untrusted` opens the workspace in Restricted Mode (Workspace Trust on, the folder not trusted). */
export async function startVsCode(options: { workspace: string; vsix?: string; settings?: Record<string, unknown>; untrusted?: boolean }): Promise<VsCode> {
  assertCodeServerInstalled();
  const workspace = resolve(options.workspace);
  const tempDir = makeTempDir('lacuna-e2e-');
  const userDataDir = join(tempDir, 'user-data');
  const extensionsDir = join(tempDir, 'extensions');
  const logFile = join(tempDir, 'code-server.log');
  const browserLog = join(tempDir, 'browser.log');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  mkdirSync(join(tempDir, 'xdg-config'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...SETTINGS, ...options.settings }, null, 2));
  const env = codeServerEnv(tempDir);
  const configFile = join(tempDir, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  const common = ['--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];

  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  let stopped = false;
  const browserLines: string[] = [];
  const verbose = process.env.E2E_VERBOSE === '1';

  const dumpLogs = () => {
    const parts = [`===== code-server log (${logFile}) =====`, readTail(logFile)];
    parts.push(`===== browser console (${browserLines.length} lines) =====`, browserLines.slice(-200).join('\n'));
    for (const f of walkFiles(join(userDataDir, 'logs')).filter((f) => /exthost|remoteagent|Lacuna|lacuna/i.test(f))) {
      parts.push(`===== ${f} =====`, readTail(f, 8_000));
    }
    process.stderr.write(`${parts.join('\n')}\n`);
  };

  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      writeFileSync(browserLog, browserLines.join('\n'));
    } catch {
      /* temp dir gone */
    }
    if (browser) await withTimeout(browser.close(), TIMEOUTS.stop, 'browser.close()').catch((e) => log(`browser close: ${(e as Error).message}`));
    if (child) await stopCodeServer(child);
    removeTempDir(tempDir);
  };

  try {
    if (options.vsix) {
      const t0 = Date.now();
      const install = spawnSync(CODE_SERVER_BIN, [...common, '--force', '--install-extension', options.vsix], {
        env,
        encoding: 'utf8',
        timeout: TIMEOUTS.install,
      });
      if (install.status !== 0 || !/successfully installed/i.test(`${install.stdout}${install.stderr}`)) {
        throw new Error(`installing ${options.vsix} failed (status ${install.status}, signal ${install.signal}):\n${install.stdout}\n${install.stderr}`);
      }
      log(`extension installed in ${Date.now() - t0} ms`);
    }

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const out = openSync(logFile, 'a');
    const t0 = Date.now();
    child = spawn(
      CODE_SERVER_BIN,
      [
        ...common,
        '--auth', 'none',
        '--bind-addr', `127.0.0.1:${port}`,
        '--disable-telemetry',
        '--disable-update-check',
        ...(options.untrusted ? [] : ['--disable-workspace-trust']),
        '--disable-getting-started-override',
        '--disable-proxy',
        '--ignore-last-opened',
        workspace,
      ],
      { env, stdio: ['ignore', out, out], detached: true },
    );
    closeSync(out);
    if (child.pid !== undefined) liveGroups.add(child.pid);
    child.on('error', (e) => log(`code-server spawn error: ${e.message}`));
    await waitForServer(url, child, logFile);
    log(`code-server answered on ${url} in ${Date.now() - t0} ms`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 60_000,
      env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tempDir },
    });
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUTS.action);
    page.on('console', (m) => {
      const line = `[${m.type()}] ${m.text()}`;
      browserLines.push(line);
      if (verbose) log(`browser ${line}`);
    });
    page.on('pageerror', (e) => browserLines.push(`[pageerror] ${e.message}`));
    const target = `${url}/?folder=${encodeURIComponent(workspace)}`;
    await page.goto(target, { waitUntil: 'domcontentloaded', timeout: 60_000 });
    await waitForWorkbench(page);
    log(`workbench ready in ${Date.now() - t0} ms`);
    return { url: target, port, page, browser, tempDir, userDataDir, extensionsDir, logFile, dumpLogs, stop };
  } catch (e) {
    dumpLogs();
    if (browser) {
      const page = browser.contexts()[0]?.pages()[0];
      if (page) await screenshot(page, 'startup-failure').catch(() => undefined);
    }
    await stop();
    throw e;
  }
}

/**
 * Runs `fn` against a fresh VS Code; on failure it saves a screenshot and prints the logs, and it
 * always stops everything.
 */
export async function withVsCode<T>(options: Parameters<typeof startVsCode>[0], fn: (vscode: VsCode) => Promise<T>): Promise<T> {
  const vscode = await startVsCode(options);
  try {
    return await fn(vscode);
  } catch (e) {
    await screenshot(vscode.page, 'failure').catch(() => undefined);
    vscode.dumpLogs();
    throw e;
  } finally {
    await vscode.stop();
  }
}

/** The Explorer row for a file or folder whose label is exactly `fileName`. */
export function explorerRow(page: Page, fileName: string) {
  return page
    .locator('.explorer-folders-view .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(fileName)}$`) }) })
    .first();
}

/**
 * Right-clicks `fileName` in the Explorer and clicks the context-menu entry titled `commandTitle`.
 * An open menu never updates, and extensions' menu entries register a few seconds after the
 * Explorer shows: so when the entry is missing, it closes the menu and right-clicks again.
 */
export async function rightClickAndRun(page: Page, fileName: string, commandTitle: string, timeoutMs = 30_000): Promise<void> {
  const row = explorerRow(page, fileName);
  await row.waitFor({ state: 'visible', timeout: TIMEOUTS.action });
  // Lacuna's entries carry a "Lacuna: " prefix in the menu; a title given without it finds them too.
  const item = page.locator('.monaco-menu .action-label', { hasText: new RegExp(`^\\s*(?:Lacuna: )?${escapeRegExp(commandTitle.replace(/^Lacuna: /, ''))}\\s*$`) }).first();
  const deadline = Date.now() + timeoutMs;
  while (true) {
    // A hover tooltip (the Explorer shows a folder's full path) can lie over the row and take
    // the click: move the pointer away, close any hover, and retry a click that was intercepted.
    await page.mouse.move(1, 1);
    await page.keyboard.press('Escape');
    const clicked = await row.click({ button: 'right', timeout: 3_000 }).then(() => true, (e: unknown) => {
      if (Date.now() > deadline) throw e;
      return false;
    });
    if (!clicked) continue;
    try {
      await item.waitFor({ state: 'visible', timeout: 2_000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        const entries = (await page.locator('.monaco-menu .action-label').allInnerTexts()).filter((t) => t.trim() !== '');
        throw new Error(`no "${commandTitle}" in the context menu of ${fileName} after ${timeoutMs} ms; entries: ${entries.join(' | ')}`, { cause: e });
      }
      await page.keyboard.press('Escape');
      await sleep(500);
    }
  }
  // A menu ignores a click that comes too soon after it opened: click until it closes.
  const menu = page.locator('.monaco-menu').first();
  for (let attempt = 0; ; attempt++) {
    if (await item.isVisible().catch(() => false)) await item.click({ timeout: 2_000 }).catch(() => undefined);
    try {
      await menu.waitFor({ state: 'hidden', timeout: 2_000 });
      return;
    } catch (e) {
      if (attempt === 4) throw new Error(`the context menu stayed open after clicking "${commandTitle}"`, { cause: e });
    }
  }
}

/** Opens the Command Palette (F1), types `title` and runs the entry whose label contains it. */
export async function runCommandFromPalette(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.keyboard.press('F1');
    try {
      await input.waitFor({ state: 'visible', timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: TIMEOUTS.action });
  await row.click();
}

/**
 * Answers code-server's save dialog (a quick input holding a path) with `target` and waits for
 * the file to be written. The dialog fills in its default path a moment after it shows, which
 * can overwrite a path typed too early: ours is written until it has stuck for two checks.
 */
export async function saveThroughDialog(page: Page, target: string, timeoutMs = 20_000): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: timeoutMs });
  let stuck = 0;
  for (let attempt = 0; attempt < 40 && stuck < 2; attempt++) {
    if ((await input.inputValue()) === target) stuck++;
    else {
      stuck = 0;
      await input.fill(target);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.keyboard.press('Enter');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(target) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (!existsSync(target)) throw new Error(`the save dialog did not write ${target} within ${timeoutMs} ms`);
}

/** Opens a workspace file in an editor through Quick Open. */
export async function openFile(page: Page, relativePath: string): Promise<void> {
  await runCommandFromPalette(page, 'Go to File');
  const input = page.locator('.quick-input-widget input');
  await input.fill(relativePath);
  const name = relativePath.split('/').pop() ?? relativePath;
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();
  await row.waitFor({ state: 'visible', timeout: TIMEOUTS.action });
  await row.click();
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor({ state: 'visible', timeout: TIMEOUTS.action });
}

/**
 * Polls every frame of the page, nested webview iframes included, until one holds `selector`;
 * returns that frame.
 */
export async function findFrameWith(page: Page, selector: string, timeoutMs = 30_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    for (const frame of page.frames()) {
      if (frame.isDetached()) continue;
      try {
        if (await frame.$(selector)) return frame;
      } catch {
        /* frame navigated or detached while we looked */
      }
    }
    if (Date.now() > deadline) {
      const urls = page.frames().map((f) => `  ${f.url().slice(0, 160)}`).join('\n');
      throw new Error(`no frame holds ${selector} after ${timeoutMs} ms; frames:\n${urls}`);
    }
    await sleep(250);
  }
}

/** The texts of every notification shown now (toasts and the notification center). */
export async function notifications(page: Page): Promise<string[]> {
  const texts = await page.locator('.notification-list-item-message').allInnerTexts();
  return [...new Set(texts.map((t) => t.trim()).filter((t) => t.length > 0))];
}

/** Waits until a notification matching `pattern` (any, when omitted) shows; returns its text. */
export async function waitForNotification(page: Page, pattern?: RegExp, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const hit = (await notifications(page)).find((t) => pattern === undefined || pattern.test(t));
    if (hit !== undefined) return hit;
    if (Date.now() > deadline) throw new Error(`no notification matching ${pattern ?? 'anything'} after ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The visible Quick Pick / Input box (title and entries), or null when none is open. */
export async function quickInput(page: Page): Promise<{ title: string; items: string[] } | null> {
  const widget = page.locator('.quick-input-widget').first();
  if (!(await widget.isVisible().catch(() => false))) return null;
  const title = (await page.locator('.quick-input-widget .quick-input-title').first().innerText().catch(() => '')).trim();
  const items = (await page.locator('.quick-input-widget .quick-input-list .monaco-list-row').allInnerTexts()).map((t) => t.trim());
  return { title, items };
}

/** Saves a full-page PNG to test-results/e2e/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file, timeout: TIMEOUTS.action });
  return file;
}

/** Runs "Developer: Reload Window" and waits for the reloaded workbench. */
export async function reloadWindow(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as Record<string, unknown>).__lacunaBeforeReload = true;
  });
  await runCommandFromPalette(page, 'Developer: Reload Window');
  const deadline = Date.now() + TIMEOUTS.workbench;
  while (true) {
    const stillOld = await page
      .evaluate(() => (globalThis as unknown as Record<string, unknown>).__lacunaBeforeReload === true)
      .catch(() => true); // navigating: the old context is gone, the new one not ready
    if (!stillOld) break;
    if (Date.now() > deadline) throw new Error('the window did not reload');
    await sleep(250);
  }
  await waitForWorkbench(page);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

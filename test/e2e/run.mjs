// Runs the end-to-end tests: installs what they need (test/e2e/setup.sh, a no-op once done), then
// the tests under Node's test runner. Assumes `npm run build` ran.
// Usage: node test/e2e/run.mjs [filter]   (filter: a substring of the test file path, e.g.
// `autoencoder`; env: E2E_TIMEOUT_MS, default 20 minutes for the whole run)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const all = ['test/e2e/impute.test.ts', 'test/e2e/platform.test.ts', 'test/e2e/deep.test.ts', 'test/e2e/factorize.test.ts', 'test/e2e/preview.test.ts', 'test/e2e/magnitude.test.ts', 'test/e2e/autoencoder.test.ts', 'test/e2e/webgpu.test.ts', 'test/e2e/placement.test.ts', 'test/e2e/transport.test.ts'];
const filter = process.argv[2] ?? '';
const files = all.filter((f) => f.includes(filter));
if (files.length === 0) {
  console.error(`[e2e] no test files match "${filter}"; choose from ${all.join(', ')}`);
  process.exit(1);
}
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS ?? 45 * 60_000);

const t0 = Date.now();
const setup = spawnSync('bash', [join(root, 'test/e2e/setup.sh')], { cwd: root, stdio: 'inherit', timeout: 30 * 60_000 });
if (setup.status !== 0) {
  console.error(`[e2e] setup failed (status ${setup.status}, signal ${setup.signal})`);
  process.exit(setup.status || 1);
}
console.error(`[e2e] setup took ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// Fresh screenshots for every run.
rmSync(join(root, 'test-results/e2e'), { recursive: true, force: true });
mkdirSync(join(root, 'test-results/e2e'), { recursive: true });
const t1 = Date.now();
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit', detached: true },
);
// Kill the runner's whole process group (browsers and code-servers included) on timeout or interrupt.
const killAll = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* gone */
  }
};
const timer = setTimeout(() => {
  console.error(`[e2e] timed out after ${timeoutMs} ms; killing the test run`);
  killAll('SIGTERM');
  setTimeout(() => killAll('SIGKILL'), 5_000).unref();
}, timeoutMs);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll(signal);
    setTimeout(() => {
      killAll('SIGKILL');
      process.exit(130);
    }, 5_000).unref();
  });
}
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  console.error(`[e2e] tests took ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  process.exit(code ?? (signal ? 1 : 0));
});

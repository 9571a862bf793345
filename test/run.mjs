// Runs every unit test under Node's built-in runner, with tsx compiling TypeScript on the fly.
// Usage: node test/run.mjs [filter]   (filter: a substring of the test file path)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2] ?? '';

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = walk(join(root, 'test/unit'))
  .filter((f) => f.endsWith('.test.ts') && f.includes(filter))
  .map((f) => relative(root, f))
  .sort();
if (files.length === 0) {
  console.error(`no test files match "${filter}"`);
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=4096`.trim() },
});
process.exit(result.status ?? 1);

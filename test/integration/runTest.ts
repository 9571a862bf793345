// Integration tests inside a real VS Code, via @vscode/test-electron. That package downloads
// VS Code, which the offline CI machines cannot do: there the end-to-end tests (test/e2e, real
// VS Code 1.100 served by code-server) cover the same ground. Run this where downloads work:
//   npm run build && npx tsx test/integration/runTest.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { build } from 'esbuild';

async function main() {
  const root = resolve(__dirname, '../..');
  // The suite runs inside VS Code's extension host, which loads plain JavaScript.
  const suite = join(mkdtempSync(join(tmpdir(), 'lacuna-integration-')), 'suite.js');
  await build({ entryPoints: [resolve(__dirname, 'suite/index.ts')], bundle: true, platform: 'node', format: 'cjs', external: ['vscode'], outfile: suite });
  await runTests({
    version: '1.100.0',
    extensionDevelopmentPath: root,
    extensionTestsPath: suite,
    launchArgs: [resolve(root, 'test/integration/workspace'), '--disable-extensions'],
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

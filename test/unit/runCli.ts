// Runs a CLI command in-process with captured stdout and stderr, as the CLI tests need.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import type { Io } from '../../src/cli/common';

function capture(): NodeJS.WriteStream & { text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & { text: () => string };
  let out = '';
  s.on('data', (d: Buffer) => (out += d.toString()));
  s.text = () => out;
  return s;
}

/** Runs `command` (the whole `lacuna` by default) and returns its exit code and output. */
export async function runCli(args: string[], command: (args: string[], io: Io) => Promise<number> = main) {
  const stdout = capture();
  const stderr = capture();
  const code = await command(args, { stdout, stderr });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

// The `lacuna` command line: the same core code as the extension, for scripts and benchmarks.
// This file only dispatches: each command family lives in its own file (impute.ts, demo.ts,
// nmf.ts, autoencode.ts, magnitude.ts, place.ts, transport.ts).
import { ParseError } from '../core/io/errors';
import { joinNegativeNumbers, UsageError, type Io } from './common';
import { AUTOENCODE_USAGE, autoencodeCommand } from './autoencode';
import { DEMO_USAGE, demoCommand, sampleCommand } from './demo';
import { IMPUTE_USAGE, imputeCommand } from './impute';
import { NMF_USAGE, nmfCommand } from './nmf';
import { MAGNITUDE_USAGE, magnitudeCommand } from './magnitude';
import { TRANSPORT_USAGE, transportCommand } from './transport';
import { PLACE_USAGE, placeCommand } from './place';

const VERSION = '0.1.0';

const USAGE = `lacuna ${VERSION}: impute sparse spatio-temporal matrices

Usage:
${IMPUTE_USAGE}
${DEMO_USAGE}
${NMF_USAGE}
${AUTOENCODE_USAGE}
${MAGNITUDE_USAGE}
${PLACE_USAGE}
${TRANSPORT_USAGE}
  lacuna --help | --version

Files: wide tables (.csv, .tsv, ;-separated, .txt), long tables with latitude,
longitude, timestamp and value columns, Matrix Market (.mtx) and NumPy (.npy).
Exit codes: 0 success, 1 bad input or failure, 2 bad usage.`;

/** Every sub-command: `lacuna NAME ARGS...`. */
const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  impute: imputeCommand,
  demo: demoCommand,
  sample: sampleCommand,
  nmf: nmfCommand,
  autoencode: autoencodeCommand,
  magnitude: magnitudeCommand,
  place: placeCommand,
  transport: transportCommand,
};

export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const run = command !== undefined ? COMMANDS[command] : undefined;
    if (run) return await run(joinNegativeNumbers(rest), io);
    switch (command) {
      case '--version':
      case '-v':
        io.stdout.write(`${VERSION}\n`);
        return 0;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`lacuna: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof ParseError) {
      io.stderr.write(`lacuna: error: ${err.message}\n`);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && e.path) {
      io.stderr.write(`lacuna: error: no such file: ${e.path}\n`);
      return 1;
    }
    io.stderr.write(`lacuna: error: ${e.message ?? String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`lacuna: internal error: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}

// The files of a run in the Runs view: its record, its main output, and where to open the record
// (split from tree.ts, which re-exports them). Plain Node (no `vscode`).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FACTORIZE_RECORD } from '../factorize/runs';
import { PLACEMENT_RECORD } from '../placement/records';
import { TRANSPORT_RECORD } from '../transport/runs';
import type { RunNode } from './tree';

/** The record file of a run. */
export function recordFile(node: RunNode): string {
  switch (node.kind) {
    case 'imputeRun':
      return join(node.dir, 'run.json');
    case 'damaged':
      return node.file;
    case 'factorizeRun':
      return join(node.dir, FACTORIZE_RECORD);
    case 'transportRun':
      return join(node.dir, TRANSPORT_RECORD);
    case 'magnitudeSession':
      return join(node.dir, 'record.json');
    case 'autoencoderRun':
      return join(node.dir, 'run.json');
    case 'placementRun':
      return join(node.dir, PLACEMENT_RECORD);
  }
}

/** The run's main output when it exists (the imputed file, the atoms, the weights, the codes), else its record. */
export function outputFile(node: RunNode): string {
  const main =
    node.kind === 'damaged' || node.kind === 'placementRun'
      ? null
      : node.kind === 'imputeRun' || node.kind === 'factorizeRun' || node.kind === 'transportRun'
        ? node.run.result?.outputs[0]
        : join(node.dir, node.kind === 'magnitudeSession' ? 'weights.csv' : 'codes.csv');
  return main && existsSync(main) ? main : recordFile(node);
}

/**
 * The top-level key of a record worth showing first when it is opened (the result comes after a
 * long history), or null.
 */
export function recordFocus(node: RunNode): string | null {
  return node.kind === 'factorizeRun' || node.kind === 'transportRun' ? 'result' : node.kind === 'autoencoderRun' ? 'rho' : node.kind === 'placementRun' ? 'results' : null;
}

/** The 0-based line of a top-level key in a record written by JSON.stringify(record, null, 2), or 0. */
export function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(`\n  ${JSON.stringify(key)}:`);
  return at < 0 ? 0 : text.slice(0, at + 1).split('\n').length - 1;
}

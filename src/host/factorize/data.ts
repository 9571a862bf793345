// The Factorize panel's data on the host side: a file read with the same core readers as the
// CLI (complete and non-negative, or a clear error), or a built-in sample; and the payload the
// webview receives. No `vscode` here, so it is tested in Node.
import { basename } from 'node:path';
import { FACTORIZE_SAMPLES, SAMPLE_TITLES, factorizeInputFromRead, inputGrid, type FactorizeInput } from '../../core/factorize/input';
import type { ReadResult } from '../../core/io/read';
import { defaultFactorizeConfig, type FactorizeConfig } from '../../core/factorize/job';
import { factorizeSample } from '../../core/factorize/samples.node';
import type { FactorizeDataPayload, FactorizeInputChoice, FactorizeSource } from '../../protocol/factorize';
import { loadMatrix, type LoadOptions } from '../loadMatrix';
import { previewPayload, type PreviewChoice, type PreviewPayload } from '../../protocol/preview';

export interface LoadedFactorizeInput {
  source: FactorizeSource;
  input: FactorizeInput;
  /** A file's hash and size, from the pass that read it (null for a sample). */
  digest: { sha256: string; bytes: number } | null;
  /** What the reader returned for a file (its shape and head feed the data preview). */
  read?: ReadResult;
}

/** Reads a data file for factorisation; throws the reader's ParseError or a clear Error. */
export async function loadFactorizeFile(path: string, options: Omit<LoadOptions, 'shape'> & { shape?: PreviewChoice } = {}): Promise<LoadedFactorizeInput> {
  const read = await loadMatrix(path, { ...options, purpose: 'factorize' });
  const chosen = options.shape && Object.keys(options.shape).length > 0 ? { shape: options.shape } : {};
  return {
    source: { kind: 'file', path, fileName: basename(path), format: read.format, ...chosen },
    input: factorizeInputFromRead(read, path, basename(path)),
    digest: { sha256: read.sha256, bytes: read.bytes },
    read,
  };
}

export function loadFactorizeSample(name: (typeof FACTORIZE_SAMPLES)[number]): LoadedFactorizeInput {
  return { source: { kind: 'sample', name }, input: factorizeSample(name), digest: null };
}

/** The inputs a panel offers: its own file (when it has one), then the samples. */
export function inputChoices(filePath: string | null): { choice: FactorizeInputChoice; label: string }[] {
  return [
    ...(filePath ? [{ choice: 'file' as const, label: basename(filePath) }] : []),
    ...FACTORIZE_SAMPLES.map((name) => ({ choice: name, label: `Sample: ${SAMPLE_TITLES[name]}` })),
  ];
}

/**
 * The settings a panel starts with: Wasserstein on the data's grid with the reference example's
 * values (k = 3 on a line, 25 on an image, never more than the data's smaller side; 10 outer
 * iterations, 15 for MNIST).
 */
export function initialConfig(loaded: LoadedFactorizeInput): FactorizeConfig {
  const { X } = loaded.input;
  const grid = inputGrid(loaded.input).grid;
  const config = defaultFactorizeConfig('wasserstein', grid, Math.max(1, Math.min(grid.kind === 'image' ? 25 : 3, X.rows, X.cols)));
  return loaded.input.sample === 'mnist' ? { ...config, iterations: 15 } : config;
}

/** The data preview of a file (its first rows and the inferred shape); null for a sample. */
export function previewOf(loaded: LoadedFactorizeInput): PreviewPayload | null {
  if (!loaded.read || loaded.source.kind !== 'file') return null;
  return previewPayload(loaded.read, loaded.source.fileName, inputGrid(loaded.input));
}

export function dataPayload(loaded: LoadedFactorizeInput): FactorizeDataPayload {
  const { X } = loaded.input;
  return { rows: X.rows, cols: X.cols, values: X.values, colIds: loaded.input.colIds, grid: inputGrid(loaded.input).grid };
}

// The data a factorisation starts from, and its factors as tables: shared by the CLI, the host
// (which sends the data to the Factorize panel and writes the factors of its runs) and the tests.
import type { MaskedMatrix } from '../matrix/masked';
import { createMaskedMatrix } from '../matrix/masked';
import { formatNumber, type ReadResult } from '../io/read';
import type { DenseMatrix } from './dense';
import type { GridSpec } from './job';
import { gridPositions, inferGridWithReason } from './job';

export const FACTORIZE_SAMPLES = ['gaussians', 'mnist'] as const;
export type FactorizeSampleName = (typeof FACTORIZE_SAMPLES)[number];

/** The samples as people see them named. */
export const SAMPLE_TITLES: Record<FactorizeSampleName, string> = {
  gaussians: '1-D Gaussian mixtures (100 bins × 100)',
  mnist: 'MNIST digits, 14×14 (256)',
};

/** The data to factorise, with what a report needs to name it. */
export interface FactorizeInput {
  X: DenseMatrix;
  /** The file's path, or null for a sample. */
  path: string | null;
  sample: FactorizeSampleName | null;
  /** The grid the data comes with (a sample's), or null to infer one. */
  grid: GridSpec | null;
  /** One id per observation (column). */
  colIds: string[];
  format: string;
  /** One label per bin (row), when the file labels them (positions, pixel names): the grid is inferred from them. */
  rowLabels?: string[];
  /** The name of what labels the bins (the label column's header, when the file is read as stored). */
  axisName?: string;
  /** What the reader inferred about the file's shape (labels, orientation), one line each. */
  notes?: string[];
}

/** A file read for a factorisation (readMatrix with purpose 'factorize'), as the job's input. */
export function factorizeInputFromRead(read: ReadResult, path: string, name: string): FactorizeInput {
  return {
    X: completeNonNegative(read.matrix, name),
    path,
    sample: null,
    grid: null,
    colIds: read.matrix.colIds,
    format: read.format,
    rowLabels: read.matrix.rowLabels,
    axisName: read.transposed ? '' : (read.indexName ?? ''),
    notes: read.notes,
  };
}

/** The grid of an input: a sample's own, else inferred from the bins' labels, with the reason. */
export function inputGrid(input: FactorizeInput): { grid: GridSpec; reason: string } {
  if (input.grid) return { grid: input.grid, reason: `the ${input.sample ?? 'data'}'s own grid` };
  return inferGridWithReason(input.X.rows, input.rowLabels, input.axisName);
}

/**
 * The matrix as NMF needs it: complete and non-negative. Missing entries are refused rather
 * than filled, since any fill would be a modelling choice made silently (impute first).
 */
export function completeNonNegative(m: MaskedMatrix, name: string): DenseMatrix {
  let missing = 0;
  let first = -1;
  for (let t = 0; t < m.observed.length; t++) {
    if (!m.observed[t]) {
      missing++;
      if (first < 0) first = t;
    }
  }
  const where = (t: number) => `row ${Math.floor(t / m.cols) + 1} (${m.rowLabels[Math.floor(t / m.cols)]}), column ${m.colIds[t % m.cols]}`;
  if (missing > 0) {
    throw new Error(`NMF needs complete data: ${name} has ${missing} missing ${missing === 1 ? 'entry' : 'entries'}, the first at ${where(first)}. Fill the gaps first (lacuna impute).`);
  }
  if (m.rows < 1 || m.cols < 1) throw new Error(`${name} holds no data`);
  for (let t = 0; t < m.values.length; t++) {
    const v = m.values[t];
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`NMF needs non-negative data: ${name} holds ${v} at ${where(t)}.`);
  }
  return { rows: m.rows, cols: m.cols, values: m.values.slice() };
}

/** One atom per column: rows are the bins (their position on a line grid, 1-based on an image). */
export function atomsTable(D: DenseMatrix, grid: GridSpec): MaskedMatrix {
  const positions = gridPositions(grid, D.rows);
  const table = createMaskedMatrix(D.rows, D.cols, {
    rowLabels: Array.from({ length: D.rows }, (_, i) => (grid.kind === 'line' ? formatNumber(positions[i]) : String(i + 1))),
    colIds: Array.from({ length: D.cols }, (_, a) => `atom_${a + 1}`),
  });
  table.values.set(D.values);
  table.observed.fill(1);
  return table;
}

/** The header of the atoms table's first column. */
export function atomsIndexName(grid: GridSpec): string {
  return grid.kind === 'line' ? 'position' : 'pixel';
}

/** The weights, one observation per column as in X: rows are the atoms. */
export function weightsTable(Lambda: DenseMatrix, colIds: string[]): MaskedMatrix {
  if (colIds.length !== Lambda.cols) throw new RangeError(`${colIds.length} observation ids for ${Lambda.cols} columns`);
  const table = createMaskedMatrix(Lambda.rows, Lambda.cols, {
    rowLabels: Array.from({ length: Lambda.rows }, (_, a) => `atom_${a + 1}`),
    colIds,
  });
  table.values.set(Lambda.values);
  table.observed.fill(1);
  return table;
}

// The points for the "Inspect weighting vectors" panel, read on the host: a file, a selection of
// rows in an editor (with the file's header when the selection leaves it out), or a sample.
// No `vscode` here, so it is tested in Node; the panel passes the editor's lines in.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { parseCell, detectDelimiter } from '../../core/io/delimited';
import { fileSource } from '../../core/io/node';
import { memorySource, extensionOf } from '../../core/io/source';
import { readPointTable } from '../../core/points/readPointTable';
import { normalisePoints, subsamplePoints } from '../../core/points/readPoints';
import { loadPointSample } from '../../core/points/samples.node';
import { SAMPLE_TITLES, type AeSample, type HostToWebview, type MagnitudeSource, type PointsPayload, type PointsRequest } from '../../protocol/magnitude';
import type { PointCloud } from '../../core/points/samples';

/** Extensions whose files are read as point tables. */
export const POINT_FILE_EXTENSIONS = ['.csv', '.tsv', '.txt', '.npy'];

/** Whether a delimited line is a header: some field is text (neither a number nor a missing marker). */
export function isHeaderLine(line: string, fileName = ''): boolean {
  const fields = line.split(detectDelimiter(line, fileName));
  return fields.some((f) => parseCell(f) === undefined);
}

export interface SelectionText {
  text: string;
  /** The 1-based file line of each line of `text`. */
  fileLines: Int32Array;
  /** Whether the file's header was put in front of the selected rows. */
  headerAdded: boolean;
}

/**
 * The text to parse for lines first..last (1-based, inclusive) of a document: those lines, and
 * the document's first line in front when that is a header the selection does not include.
 */
export function selectionText(lineAt: (line: number) => string, lineCount: number, first: number, last: number, fileName = ''): SelectionText {
  if (!(first >= 1 && last >= first && last <= lineCount)) throw new RangeError(`lines ${first}–${last} are not inside the document's ${lineCount} lines`);
  const lines: string[] = [];
  const fileLines: number[] = [];
  const header = lineCount > 0 ? lineAt(1) : '';
  const headerAdded = first > 1 && isHeaderLine(header, fileName);
  if (headerAdded) {
    lines.push(header);
    fileLines.push(1);
  }
  for (let line = first; line <= last; line++) {
    lines.push(lineAt(line));
    fileLines.push(line);
  }
  return { text: lines.join('\n') + '\n', fileLines: Int32Array.from(fileLines), headerAdded };
}

export function sourceTitle(source: MagnitudeSource): string {
  switch (source.kind) {
    case 'file':
      return basename(source.path);
    case 'selection':
      return `${basename(source.path)}, lines ${source.first}–${source.last}`;
    case 'sample':
      return `${SAMPLE_TITLES[source.sample]} (${source.size} points)`;
  }
}

/** Distinct label texts, sorted (the indices readPoints gives `labels`), or null. */
function distinctLabels(texts: string[] | null): string[] | null {
  return texts ? [...new Set(texts)].sort() : null;
}

/**
 * Reads the points for one request. `readLines` gives the text of a selection's document (the
 * editor's, which may hold unsaved edits); without it, a selection is read from the file.
 */
export async function loadPanelPoints(
  source: MagnitudeSource,
  request: PointsRequest,
  readLines?: () => Promise<{ lineAt: (line: number) => string; lineCount: number }>,
): Promise<Omit<PointsPayload, 'request'>> {
  const notes: string[] = [];
  let cloud: PointCloud;
  let columns: string[];
  let availableColumns: string[];
  let lines: Int32Array | null = null;
  let labelNames: string[] | null = null;
  let label: string;
  if (source.kind === 'sample') {
    const sample = loadPointSample(source.sample, source.size);
    const chosen = request.columns.length > 0 ? request.columns.map((c) => {
      const j = sample.columns.indexOf(c);
      if (j < 0) throw new Error(`the ${SAMPLE_TITLES[source.sample]} sample has no column ${JSON.stringify(c)}`);
      return j;
    }) : sample.columns.map((_, j) => j);
    const data = new Float64Array(sample.n * chosen.length);
    for (let i = 0; i < sample.n; i++) chosen.forEach((j, k) => (data[i * chosen.length + k] = sample.data[i * sample.dim + j]));
    cloud = { n: sample.n, dim: chosen.length, data, labels: sample.labels };
    normalisePoints(cloud, request.normalise);
    columns = chosen.map((j) => sample.columns[j]);
    availableColumns = sample.columns;
    labelNames = sample.labelNames;
    label = sample.description;
  } else {
    let table;
    let fileLines: Int32Array | null = null;
    if (source.kind === 'selection') {
      if (extensionOf(source.path) === '.npy') throw new Error('a selection of rows works in a text table (CSV, TSV or TXT), not in a .npy file');
      const doc = readLines ? await readLines() : await readFileLines(source.path);
      const selected = selectionText(doc.lineAt, doc.lineCount, source.first, source.last, source.path);
      fileLines = selected.fileLines;
      if (selected.headerAdded) notes.push(`the selection leaves out the header, so line 1 of ${basename(source.path)} was used as its header`);
      table = await readPointTable(memorySource(source.path, selected.text), { columns: request.columns, normalise: request.normalise });
    } else {
      table = await readPointTable(fileSource(source.path), { columns: request.columns, normalise: request.normalise });
    }
    lines = fileLines ? Int32Array.from(table.lines, (l) => fileLines![l - 1]) : table.lines;
    if (extensionOf(source.path) === '.npy') lines = null;
    cloud = table;
    columns = table.columns;
    availableColumns = request.columns.length === 0 ? table.columns : [];
    labelNames = distinctLabels(table.labelNames);
    label = `${table.n} points in ${table.dim}-D (columns ${table.columns.join(', ')})`;
  }
  const totalRows = cloud.n;
  const { points, rows } = subsamplePoints(cloud, request.maxPoints, 0);
  if (points.n < totalRows) notes.push(`subsampled ${points.n} of ${totalRows} points (seeded)`);
  if (request.normalise !== 'none') label += `, normalised (${request.normalise})`;
  return {
    source,
    label,
    n: points.n,
    dim: points.dim,
    points: points.data,
    columns,
    availableColumns,
    rows,
    lines: lines ? Int32Array.from(rows, (r) => lines![r]) : null,
    totalRows,
    labels: points.labels ?? null,
    labelNames,
    normalise: request.normalise,
    notes,
  };
}

async function readFileLines(path: string): Promise<{ lineAt: (line: number) => string; lineCount: number }> {
  const all = (await readFile(path, 'utf8')).split(/\r?\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return { lineAt: (line) => all[line - 1] ?? '', lineCount: all.length };
}

/** Most points the Autoencoder tab trains on: the seed's largest run is 3,000 MNIST digits. */
export const AE_MAX_POINTS = 5000;

/** A sample for the Autoencoder tab, at the size asked for. */
export function loadAutoencoderSample(sample: AeSample, n: number): Omit<Extract<HostToWebview, { type: 'aePoints' }>, 'type' | 'request'> {
  if (!Number.isInteger(n) || n < 3 || n > AE_MAX_POINTS) throw new RangeError(`the autoencoder trains on 3 to ${AE_MAX_POINTS} points, not ${n}`);
  const s = loadPointSample(sample, n);
  return { label: s.description, n: s.n, dim: s.dim, points: s.data, labels: s.labels ?? null, labelNames: s.labelNames };
}

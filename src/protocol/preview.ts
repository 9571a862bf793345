// The data preview's messages: what the host read (the first rows as text, and what Lacuna
// inferred about the table's shape, with the reasons) and what the person changes in place (the
// label and value columns, the orientation, the grid). One payload and one choice for every panel
// that shows the preview (webview/common/preview.ts).

import type { GridSpec } from '../core/factorize/job';
import type { ReadResult } from '../core/io/read';
import { PREVIEW_ROWS } from '../core/io/shape';

export interface PreviewPayload {
  fileName: string;
  /** The column names (the header's, or 1-based numbers for a headerless file). */
  names: string[];
  hasHeader: boolean;
  /** The first rows as text (at most PREVIEW_ROWS rows and PREVIEW_COLUMNS columns). */
  head: string[][];
  labelColumns: number[];
  timeColumn: number | null;
  valueColumns: number[];
  skipped: number[];
  transpose: boolean;
  /** The matrix as read: rows × columns, after the orientation. */
  rows: number;
  cols: number;
  reasons: { labels: string; time: string; orientation: string; grid: string | null };
  /** Whether the columns and the orientation were chosen rather than inferred. */
  chosen: { columns: boolean; orientation: boolean };
  /** The grid the bins sit on (a factorisation only). */
  grid: GridSpec | null;
}

/** What the preview's controls set; anything left out is inferred again. */
export interface PreviewChoice {
  labelColumns?: number[];
  valueColumns?: number[];
  transpose?: boolean;
}

/** The preview of a wide table as read, or null for formats with no text columns (.mtx, .npy, long tables). */
export function previewPayload(read: ReadResult, fileName: string, grid: { grid: GridSpec; reason: string } | null): PreviewPayload | null {
  const s = read.shape;
  if (!s || !read.head) return null;
  return {
    fileName,
    names: s.names,
    hasHeader: s.hasHeader,
    head: read.head.slice(0, PREVIEW_ROWS).map((row) => row.slice(0, PREVIEW_COLUMNS)),
    labelColumns: s.labelColumns,
    timeColumn: s.timeColumn,
    valueColumns: s.valueColumns,
    skipped: s.skipped,
    transpose: s.transpose,
    rows: read.matrix.rows,
    cols: read.matrix.cols,
    reasons: { labels: s.labelReason, time: s.timeReason, orientation: s.orientationReason, grid: grid?.reason ?? null },
    chosen: { columns: s.chosen, orientation: s.orientationChosen },
    grid: grid?.grid ?? null,
  };
}

const MAX_COLUMNS = 1_000_000;
/** The preview's table shows at most this many columns (the summary counts them all). */
export const PREVIEW_COLUMNS = 200;

function isColumnList(v: unknown): v is number[] {
  return Array.isArray(v) && v.length <= MAX_COLUMNS && v.every((j) => typeof j === 'number' && Number.isInteger(j) && j >= 0 && j < MAX_COLUMNS);
}

/** Validates a choice sent by a page: the host trusts nothing it did not check. */
export function parsePreviewChoice(v: unknown): PreviewChoice | null {
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const out: PreviewChoice = {};
  if (r.labelColumns !== undefined) {
    if (!isColumnList(r.labelColumns)) return null;
    out.labelColumns = r.labelColumns;
  }
  if (r.valueColumns !== undefined) {
    if (!isColumnList(r.valueColumns)) return null;
    out.valueColumns = r.valueColumns;
  }
  if (r.transpose !== undefined) {
    if (typeof r.transpose !== 'boolean') return null;
    out.transpose = r.transpose;
  }
  return out;
}


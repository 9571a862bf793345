// The sensor-placement charts' data, pure (no DOM; tested in Node): where each sensor sits and
// its rank, and the y range of the error-against-budget curves with their bands.
import { cellToLatLng } from 'h3-js';

export interface SensorPoint {
  column: number;
  id: string;
  lat: number;
  lng: number;
  cell: string | null;
  /** 1 = chosen first; null when not chosen. */
  rank: number | null;
}

/** Where a column sits on the map: its own coordinates, else its cell's centre. */
export function sensorPoints(colIds: string[], places: ({ lat: number; lng: number; cell: string } | null)[], ranks: Map<number, number>): SensorPoint[] {
  const out: SensorPoint[] = [];
  places.forEach((p, column) => {
    if (!p) return;
    let { lat, lng } = p;
    if (!(Number.isFinite(lat) && Number.isFinite(lng)) && p.cell) [lat, lng] = cellToLatLng(p.cell);
    if (!(Number.isFinite(lat) && Number.isFinite(lng))) return;
    out.push({ column, id: colIds[column] ?? String(column), lat, lng, cell: p.cell || null, rank: ranks.get(column) ?? null });
  });
  return out;
}

export interface CurveSeries {
  method: string;
  label: string;
  points: { kept: number; error: number; lo?: number; hi?: number }[];
}

/** The y range of the curves, bands included (finite values only), padded a little. */
export function curveExtent(series: CurveSeries[]): [number, number] {
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.error, p.lo ?? p.error, p.hi ?? p.error])).filter(Number.isFinite);
  if (ys.length === 0) return [0, 1];
  const lo = Math.min(...ys);
  const hi = Math.max(...ys);
  const pad = hi > lo ? (hi - lo) * 0.05 : Math.abs(hi) * 0.05 || 1;
  return [Math.max(0, lo - pad), hi + pad];
}

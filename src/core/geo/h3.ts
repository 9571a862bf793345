// H3 partitioning with h3-js: points to cells, and the grid distance between cells that the
// neighbour baseline (and later the spatial attention bias) uses.
import { cellToBoundary, cellToLatLng, greatCircleDistance, gridDistance, latLngToCell, getHexagonEdgeLengthAvg, UNITS } from 'h3-js';
import type { Place } from '../matrix/masked';

/** Resolution 7 cells are about 5 km² (edge about 1.4 km): a city block group for sensor data. */
export const DEFAULT_H3_RESOLUTION = 7;

export function placeOf(lat: number, lng: number, resolution: number): Place {
  return { lat, lng, cell: latLngToCell(lat, lng, resolution) };
}

export function cellCenter(cell: string): { lat: number; lng: number } {
  const [lat, lng] = cellToLatLng(cell);
  return { lat, lng };
}

/** The cell's boundary as [lat, lng] pairs. */
export function cellBoundary(cell: string): [number, number][] {
  return cellToBoundary(cell) as [number, number][];
}

/**
 * Grid distance (number of hexagon steps) between two cells. h3 cannot measure across some
 * pentagon distortions or very far apart; then we estimate it from the great-circle distance
 * and the resolution's average edge length, so every pair still gets an ordering.
 */
export function cellDistance(a: string, b: string, resolution: number): number {
  if (a === b) return 0;
  try {
    const d = gridDistance(a, b);
    if (d >= 0) return d;
  } catch {
    // fall through to the estimate
  }
  const [la, ga] = cellToLatLng(a);
  const [lb, gb] = cellToLatLng(b);
  const km = greatCircleDistance([la, ga], [lb, gb], UNITS.km);
  // Adjacent cell centres are sqrt(3) edge lengths apart.
  return Math.max(1, Math.round(km / (Math.sqrt(3) * getHexagonEdgeLengthAvg(resolution, UNITS.km))));
}

/** Pairwise grid distances between column places (Infinity where a place is unknown). */
export function placeDistances(places: (Place | null)[], resolution: number): Float64Array {
  const n = places.length;
  const d = new Float64Array(n * n).fill(Infinity);
  for (let i = 0; i < n; i++) {
    const pi = places[i];
    if (!pi) continue;
    d[i * n + i] = 0;
    for (let j = i + 1; j < n; j++) {
      const pj = places[j];
      if (!pj) continue;
      const v = cellDistance(pi.cell, pj.cell, resolution);
      d[i * n + j] = v;
      d[j * n + i] = v;
    }
  }
  return d;
}

/**
 * The coarsest resolution at which most points fall in distinct cells: at least `share` of them
 * (default 0.8) have as many cells as points would, counting distinct cells. Sensors 10 m apart
 * get a fine grid, sensors across a country a coarse one. Points on the same spot never separate,
 * so the search stops at `max` (default 12, edge about 10 m).
 */
export function distinctCellResolution(points: readonly { lat: number; lng: number }[], share = 0.8, max = 12): number {
  const good = points.filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lng));
  if (good.length < 2) return DEFAULT_H3_RESOLUTION;
  const spots = new Set(good.map((p) => `${p.lat},${p.lng}`)).size;
  const want = Math.ceil(share * spots);
  for (let r = 0; r < max; r++) if (new Set(good.map((p) => latLngToCell(p.lat, p.lng, r))).size >= want) return r;
  return max;
}

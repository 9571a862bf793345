// The embedded default sample: hourly traffic counts from sensors on a city's H3 grid, made
// deterministically from a seed. It has what the real thing has and the baselines must cope
// with: a daily rhythm with two rush hours, quieter weekends, busy centres and quiet edges,
// true zeros at night, sensors that sit in the same cell, and outages (missing, not zero).
import { gridDisk, cellToLatLng } from 'h3-js';
import { placeOf } from './geo/h3';
import { createMaskedMatrix, type MaskedMatrix } from './matrix/masked';
import { normal, poisson, seededRng } from './random';

export interface TrafficSampleOptions {
  seed?: number;
  days?: number;
  /** Number of sensors (columns). */
  sensors?: number;
  /** H3 resolution of the sensors' cells. */
  resolution?: number;
  /** Fraction of sensor-hours lost to outages. */
  outageRate?: number;
}

export interface TrafficSample {
  matrix: MaskedMatrix;
  locations: { id: string; lat: number; lng: number }[];
}

const CENTER = { lat: 25.0418, lng: 121.5654 }; // a city centre (Taipei, as in the seed)

export function trafficSample(options: TrafficSampleOptions = {}): TrafficSample {
  const seed = options.seed ?? 7;
  const days = options.days ?? 28;
  const sensors = options.sensors ?? 48;
  const resolution = options.resolution ?? 8;
  const outageRate = options.outageRate ?? 0.1;
  const rng = seededRng(seed);

  // Sensors sit on cells of a disk around the centre; a few cells get two sensors.
  const center = placeOf(CENTER.lat, CENTER.lng, resolution).cell;
  const disk = gridDisk(center, 5).sort();
  const locations: { id: string; lat: number; lng: number }[] = [];
  const weight: number[] = [];
  for (let s = 0; s < sensors; s++) {
    const cell = disk[Math.floor(rng() * disk.length)];
    const [clat, clng] = cellToLatLng(cell);
    // Jitter inside the cell (well under an edge length), so sensors are points, not centres.
    const lat = clat + (rng() - 0.5) * 0.002;
    const lng = clng + (rng() - 0.5) * 0.002;
    locations.push({ id: `S${String(s + 1).padStart(3, '0')}`, lat: Number(lat.toFixed(6)), lng: Number(lng.toFixed(6)) });
    const dist = Math.hypot(lat - CENTER.lat, (lng - CENTER.lng) * Math.cos((CENTER.lat * Math.PI) / 180));
    // Busy near the centre, and a few busy arterials anywhere.
    weight.push(40 * Math.exp(-dist / 0.02) + (rng() < 0.2 ? 25 : 3) + 4 * rng());
  }

  const rows = days * 24;
  const start = Date.UTC(2024, 3, 1); // 2024-04-01 00:00, as the seed's data
  const times = new Float64Array(rows);
  const rowLabels: string[] = [];
  for (let i = 0; i < rows; i++) {
    times[i] = start + i * 3_600_000;
    rowLabels.push(new Date(times[i]).toISOString().slice(0, 19).replace('T', ' '));
  }
  const m = createMaskedMatrix(rows, sensors, { rowLabels, times, colIds: locations.map((l) => l.id) });
  m.places = locations.map((l) => placeOf(l.lat, l.lng, resolution));
  m.h3Resolution = resolution;

  // A city-wide daily rhythm shared by neighbours makes neighbour averaging meaningful.
  const cityNoise = Array.from({ length: rows }, () => Math.exp(0.15 * normal(rng)));
  for (let i = 0; i < rows; i++) {
    const hour = i % 24;
    const weekday = (Math.floor(i / 24) + 1) % 7; // 2024-04-01 was a Monday
    const weekend = weekday === 6 || weekday === 0;
    const rush = Math.exp(-((hour - 8) ** 2) / 3) + 0.9 * Math.exp(-((hour - 18) ** 2) / 4);
    const daytime = hour >= 6 && hour <= 22 ? 0.35 : 0.02;
    const rhythm = (weekend ? 0.6 : 1) * (daytime + (weekend ? 0.4 : 1) * rush) * cityNoise[i];
    for (let j = 0; j < sensors; j++) {
      const k = i * sensors + j;
      m.values[k] = poisson(weight[j] * rhythm, rng);
      m.observed[k] = 1;
    }
  }
  // Outages: runs of missing hours per sensor.
  for (let j = 0; j < sensors; j++) {
    let i = 0;
    while (i < rows) {
      if (rng() < outageRate / 6) {
        const len = 1 + Math.floor(rng() * 11);
        for (let g = i; g < Math.min(rows, i + len); g++) {
          m.observed[g * sensors + j] = 0;
          m.values[g * sensors + j] = 0;
        }
        i += len;
      } else i++;
    }
  }
  return { matrix: m, locations };
}

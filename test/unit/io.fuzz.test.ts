// Every reader on seeded mutations of valid files: each either refuses with a clean error
// (ParseError, or a plain Error with a message; never a TypeError, RangeError or stack
// overflow) or returns a valid result: the promised shape, finite where observed, a time axis
// strictly increasing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDistanceMatrix } from '../../src/core/io/distanceMatrix';
import { ParseError } from '../../src/core/io/errors';
import { writeNpy } from '../../src/core/io/npy';
import { readMatrix } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { readLocations } from '../../src/core/io/tables';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { readPoints } from '../../src/core/points/readPoints';
import { seededRng, type Rng } from '../../src/core/random';

const enc = new TextEncoder();

const npyBytes = (() => {
  const m = createMaskedMatrix(3, 4);
  for (let k = 0; k < 12; k++) {
    m.values[k] = k * 1.5 - 4;
    m.observed[k] = k % 5 === 3 ? 0 : 1;
  }
  return writeNpy(m);
})();

/** Valid seeds, one per reader and format, with the name that picks the format. */
const SEEDS: { name: string; bytes: Uint8Array; read: (name: string, bytes: Uint8Array, chunk: number) => Promise<unknown> }[] = [
  {
    name: 'wide.csv',
    bytes: enc.encode('time,a,b,c\n2024-01-01 00:00,1,2,\n2024-01-01 01:00,NA,3.5,-1e3\n2024-01-01 02:00,4,"5",6\n2024-01-01 03:00,,1e-3,7\n'),
    read: (n, b, c) => readMatrix(memorySource(n, b, c)),
  },
  {
    name: 'index.tsv',
    bytes: enc.encode('step\tx\ty\n1\t0.5\t\n2\t1.5\t2\n3\t\t-3\n'),
    read: (n, b, c) => readMatrix(memorySource(n, b, c)),
  },
  {
    name: 'long.csv',
    bytes: enc.encode('lat,lng,timestamp,value,sensor_id\n40.71,-74.0,2024-01-01T00:05:00,3,a\n40.72,-74.01,2024-01-01T00:20:00,4,b\n40.71,-74.0,2024-01-01T01:05:00,,a\n'),
    read: (n, b, c) => readMatrix(memorySource(n, b, c), { timeBinMs: 15 * 60_000 }),
  },
  {
    name: 'coo.mtx',
    bytes: enc.encode('%%MatrixMarket matrix coordinate real general\n% a comment\n3 3 4\n1 1 1.5\n2 3 -2\n3 1 nan\n3 3 4e2\n'),
    read: (n, b, c) => readMatrix(memorySource(n, b, c), { unlisted: 'missing' }),
  },
  {
    name: 'array.mtx',
    bytes: enc.encode('%%MatrixMarket matrix array real symmetric\n2 2\n1\n2\n3\n'),
    read: (n, b, c) => readMatrix(memorySource(n, b, c)),
  },
  { name: 'm.npy', bytes: npyBytes, read: (n, b, c) => readMatrix(memorySource(n, b, c)) },
  {
    name: 'locations.csv',
    bytes: enc.encode('sensor_id,latitude,longitude\n1001,40.71,-74.0\n1002,40.72,-74.01\n'),
    read: (n, b, c) => readLocations(memorySource(n, b, c)),
  },
  {
    name: 'distances.csv',
    bytes: enc.encode('0,1,2\n1,0,1.5\n2,1.5,0\n'),
    read: (n, b, c) => readDistanceMatrix(memorySource(n, b, c)),
  },
  {
    name: 'points.csv',
    bytes: enc.encode('x,y,label\n0,1,a\n1.5,-2,b\n3,4e-1,a\n'),
    read: (n, b, c) => readPoints(memorySource(n, b, c)),
  },
];

const PIECES = ['"', ',', '\t', ';', '\n', '\r\n', '\r', '-', 'e', 'E309', 'inf', '-Infinity', 'nan', '0x1F', '\u0000', '\uFEFF', '9'.repeat(400), '1e308', '2024-13-01', '2024-01-01 00:00', '%', ' ', 'NA', '\u00e9', '1.5D3'];

function mutate(seed: Uint8Array, rng: Rng): Uint8Array {
  let b = Array.from(seed);
  const ops = 1 + Math.floor(rng() * 3);
  const pick = (n: number) => Math.floor(rng() * n);
  for (let o = 0; o < ops; o++) {
    const at = pick(b.length + 1);
    switch (pick(6)) {
      case 0: // flip a byte
        if (b.length) b[Math.min(at, b.length - 1)] ^= 1 << pick(8);
        break;
      case 1: // insert a troublesome piece
        b.splice(at, 0, ...enc.encode(PIECES[pick(PIECES.length)]));
        break;
      case 2: // delete a range
        b.splice(at, 1 + pick(8));
        break;
      case 3: {
        // duplicate a line
        const text = new TextDecoder().decode(Uint8Array.from(b));
        const lines = text.split('\n');
        const i = pick(lines.length);
        lines.splice(i, 0, lines[i]);
        b = Array.from(enc.encode(lines.join('\n')));
        break;
      }
      case 4: {
        // swap two lines
        const lines = new TextDecoder().decode(Uint8Array.from(b)).split('\n');
        const i = pick(lines.length);
        const j = pick(lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        b = Array.from(enc.encode(lines.join('\n')));
        break;
      }
      default: // truncate
        b = b.slice(0, at);
    }
  }
  return Uint8Array.from(b);
}

function checkMatrix(m: MaskedMatrix, what: string): void {
  assert.ok(Number.isInteger(m.rows) && m.rows >= 0 && Number.isInteger(m.cols) && m.cols >= 0, what);
  assert.equal(m.values.length, m.rows * m.cols, what);
  assert.equal(m.observed.length, m.rows * m.cols, what);
  assert.equal(m.rowLabels.length, m.rows, what);
  assert.equal(m.colIds.length, m.cols, what);
  for (let k = 0; k < m.values.length; k++) {
    assert.ok(m.observed[k] === 0 || m.observed[k] === 1, what);
    if (m.observed[k]) assert.ok(Number.isFinite(m.values[k]), `${what}: observed entry ${k} is ${m.values[k]}`);
  }
  if (m.times) {
    assert.equal(m.times.length, m.rows, what);
    for (let i = 1; i < m.rows; i++) assert.ok(m.times[i] > m.times[i - 1], `${what}: times not strictly increasing at row ${i}`);
  }
}

function checkResult(result: unknown, what: string): void {
  const r = result as Record<string, unknown>;
  if ('matrix' in r) return checkMatrix(r.matrix as MaskedMatrix, what);
  if (Array.isArray(result)) {
    for (const l of result as { lat: number; lng: number }[]) assert.ok(Number.isFinite(l.lat) && Number.isFinite(l.lng), what);
    return;
  }
  if ('dim' in r) {
    const p = r as unknown as { n: number; dim: number; data: Float64Array };
    assert.equal(p.data.length, p.n * p.dim, what);
    for (const x of p.data) assert.ok(Number.isFinite(x), what);
    return;
  }
  const d = r as unknown as { n: number; data: Float64Array };
  assert.equal(d.data.length, d.n * d.n, what);
  for (const x of d.data) assert.ok(Number.isFinite(x) && x >= 0, what);
}

test('fuzz: every reader, 500 seeded mutations of a valid file each: a clean error or a valid result', async () => {
  // A mutated date can stretch a long table over centuries: the memory guard refuses it before
  // allocating, against a small limit here so no mutation allocates much.
  const prior = process.env.LACUNA_MEMORY_LIMIT;
  process.env.LACUNA_MEMORY_LIMIT = '64M';
  try {
    const rng = seededRng(16);
    const tally = { accepted: 0, refused: 0 };
    const perSeed = 500;
    for (const seed of SEEDS) {
      // The seed itself is valid.
      checkResult(await seed.read(seed.name, seed.bytes, 1 << 16), `${seed.name} (unmutated)`);
      for (let t = 0; t < perSeed; t++) {
        const bytes = mutate(seed.bytes, rng);
        const chunk = 1 + Math.floor(rng() * 16);
        const what = `${seed.name} mutation ${t}: ${JSON.stringify(new TextDecoder().decode(bytes).slice(0, 200))}`;
        let result: unknown;
        try {
          result = await seed.read(seed.name, bytes, chunk);
        } catch (err) {
          const e = err as Error;
          assert.ok(e instanceof ParseError || e.constructor === Error || e.name === 'MemoryGuardError', `${what}: unclean ${e.name}: ${e.message}\n${e.stack}`);
          assert.ok(e.message.length > 0 && !/Maximum call stack|Invalid typed array length|undefined/.test(e.message), `${what}: ${e.message}`);
          if (e instanceof ParseError) assert.ok(e.message.startsWith(`${seed.name}:`), e.message);
          tally.refused++;
          continue;
        }
        checkResult(result, what);
        tally.accepted++;
      }
    }
    assert.equal(tally.accepted + tally.refused, 500 * SEEDS.length);
    // The mutations exercise both outcomes.
    assert.ok(tally.accepted > 50 && tally.refused > 50, JSON.stringify(tally));
  } finally {
    if (prior === undefined) delete process.env.LACUNA_MEMORY_LIMIT;
    else process.env.LACUNA_MEMORY_LIMIT = prior;
  }
});

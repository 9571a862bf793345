// Reading files: Lacuna's streaming readers against numpy and scipy on the same files.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileSource } from '../core/io/node';
import { readMatrixMarket } from '../core/io/matrixMarket';
import { readNpy, writeNpy } from '../core/io/npy';
import { readWideTable } from '../core/io/tables';
import { createMaskedMatrix } from '../core/matrix/masked';
import { seededRng } from '../core/random';
import { runPython, timeIt, type BenchSection } from './harness';

const PEER_TIMER = `
import json, sys, time
def median_time(fn, repeats=3):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2]
def median_cpu(fn, repeats=3):
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.process_time(); fn(); ts.append(time.process_time() - t0)
    ts.sort()
    return ts[len(ts) // 2]
`;

/** Median CPU seconds (user + system, all the process's threads) of `repeats` runs after a warm-up. */
async function cpuTime(fn: () => Promise<unknown>, repeats = 3): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const before = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function writeNumericCsv(path: string, rows: number, cols: number): number {
  const rng = seededRng(1);
  const header = 'index,' + Array.from({ length: cols }, (_, j) => `c${j}`).join(',') + '\n';
  const parts: string[] = [header];
  let bytes = header.length;
  for (let i = 0; i < rows; i++) {
    let line = String(i);
    for (let j = 0; j < cols; j++) line += ',' + (rng() * 1000).toFixed(3);
    line += '\n';
    bytes += line.length;
    parts.push(line);
  }
  writeFileSync(path, parts.join(''));
  return bytes;
}

function writeMtx(path: string, rows: number, cols: number, nnz: number) {
  const rng = seededRng(2);
  const parts = ['%%MatrixMarket matrix coordinate real general\n', `${rows} ${cols} ${nnz}\n`];
  const seen = new Set<number>();
  while (seen.size < nnz) seen.add(Math.floor(rng() * rows * cols));
  for (const k of seen) parts.push(`${Math.floor(k / cols) + 1} ${(k % cols) + 1} ${(rng() * 100).toFixed(4)}\n`);
  writeFileSync(path, parts.join(''));
}

export async function ioBench(dir: string): Promise<BenchSection> {
  const csv = join(dir, 'wide.csv');
  const csvBytes = writeNumericCsv(csv, 100_000, 64);
  const mtx = join(dir, 'm.mtx');
  writeMtx(mtx, 20_000, 2_000, 1_000_000);
  const npy = join(dir, 'm.npy');
  const big = createMaskedMatrix(2000, 2000);
  const rng = seededRng(3);
  for (let k = 0; k < big.values.length; k++) {
    big.values[k] = rng();
    big.observed[k] = 1;
  }
  writeFileSync(npy, writeNpy(big));

  // Interleaved: Lacuna's three readers, then the peers', twice; each side keeps the better median.
  type Times = { csv: number; pandas: number; pandasCpu: number; mtx: number; npy: number };
  let ours: { csv: number; csvCpu: number; mtx: number; npy: number } | null = null;
  let peer: Times | null = null;
  const loadBefore = loadavg();
  for (let round = 0; round < 2; round++) {
    const mine = {
      csv: await timeIt(() => readWideTable(fileSource(csv))),
      csvCpu: await cpuTime(() => readWideTable(fileSource(csv))),
      mtx: await timeIt(() => readMatrixMarket(fileSource(mtx))),
      npy: await timeIt(() => readNpy(fileSource(npy))),
    };
    const theirs = runPython<Times>(
      `${PEER_TIMER}
import numpy as np, pandas as pd, scipy.io
csv, mtx, npy = sys.argv[1:4]
r = {}
r['csv'] = median_time(lambda: np.loadtxt(csv, delimiter=',', skiprows=1))
r['pandas'] = median_time(lambda: pd.read_csv(csv, engine='c'))
r['pandasCpu'] = median_cpu(lambda: pd.read_csv(csv, engine='c'))
r['mtx'] = median_time(lambda: scipy.io.mmread(mtx))
r['npy'] = median_time(lambda: np.load(npy))
print(json.dumps(r))`,
      [csv, mtx, npy],
    );
    ours = ours ? { csv: Math.min(ours.csv, mine.csv), csvCpu: Math.min(ours.csvCpu, mine.csvCpu), mtx: Math.min(ours.mtx, mine.mtx), npy: Math.min(ours.npy, mine.npy) } : mine;
    peer = peer ? { csv: Math.min(peer.csv, theirs.csv), pandas: Math.min(peer.pandas, theirs.pandas), pandasCpu: Math.min(peer.pandasCpu, theirs.pandasCpu), mtx: Math.min(peer.mtx, theirs.mtx), npy: Math.min(peer.npy, theirs.npy) } : theirs;
  }
  const loadAfter = loadavg();
  const ratio = (a: number, b: number) => `Lacuna/peer ${(a / b).toFixed(2)}×`;
  return {
    title: 'Reading files',
    intro:
      'Wall time to read each file into memory (median of 3 after a warm-up; Lacuna and the peers alternate twice and each keeps its better median); for the wide CSV against pandas also the CPU time of the same reads, measured the same way. Lacuna parses a quote-free line’s cells in place (a plain decimal of up to 15 digits as an integer over a power of ten, exactly the double `Number` gives; anything else through the cell parser) and takes records a chunk at a time. Lacuna streams in 1 MiB chunks and builds the masked matrix (values and observed-mask); the peers build a dense array, a pandas DataFrame (its C parser, one thread, as `pd.read_csv(path)` runs by default) or a COO matrix. ' +
      `The machine is shared: load average (1, 5, 15 min) ${loadBefore.map((l) => l.toFixed(1)).join(', ')} at the start and ${loadAfter.map((l) => l.toFixed(1)).join(', ')} at the end, on 2 cores.`,
    commands: ['npm run bench -- io'],
    rows: [
      { case: `wide CSV, 100,000 × 65, ${(csvBytes / 2 ** 20).toFixed(0)} MiB`, lacuna: ours!.csv, peer: peer!.pandas, peerName: "pandas.read_csv (C parser)", note: `${ratio(ours!.csv, peer!.pandas)} (target ≤ 1.5×); CPU time (user + system, all threads; less sensitive to the shared machine's load than wall time) Lacuna ${ours!.csvCpu.toFixed(3)} s, pandas ${peer!.pandasCpu.toFixed(3)} s: ${(ours!.csvCpu / peer!.pandasCpu).toFixed(2)}×` },
      { case: `wide CSV, 100,000 × 65, ${(csvBytes / 2 ** 20).toFixed(0)} MiB`, lacuna: ours!.csv, peer: peer!.csv, peerName: 'numpy.loadtxt', note: ratio(ours!.csv, peer!.csv) },
      { case: 'Matrix Market, 20,000 × 2,000, 1M entries', lacuna: ours!.mtx, peer: peer!.mtx, peerName: 'scipy.io.mmread', note: ratio(ours!.mtx, peer!.mtx) },
      { case: 'NPY float64, 2,000 × 2,000', lacuna: ours!.npy, peer: peer!.npy, peerName: 'numpy.load', note: `${ratio(ours!.npy, peer!.npy)}; the data bytes are copied once into the values, the mask set in one pass` },
    ],
  };
}

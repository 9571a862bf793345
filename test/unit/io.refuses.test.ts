// Issue 16: inputs that were accepted with a wrong answer, shapes that exhausted the machine,
// and output paths that replaced what they should not. One test per numbered item.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ParseError } from '../../src/core/io/errors';
import { fileSource, writeFileAtomic } from '../../src/core/io/node';
import { detectFormat, readMatrix } from '../../src/core/io/read';
import { memorySource } from '../../src/core/io/source';
import { writeNpy } from '../../src/core/io/npy';
import { createMaskedMatrix } from '../../src/core/matrix/masked';
import { columnMeans } from '../../src/core/impute/baselines';
import { runCli } from './runCli';

const ROOT = resolve(__dirname, '../..');

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'lacuna-refuses-'));
}

/** A wide hourly table: `rows` rows × 3 columns of smooth values with about a third missing. */
function hourly(rows: number, stamp: (i: number) => string = (i) => new Date(Date.UTC(2024, 0, 1, i)).toISOString().slice(0, 16).replace('T', ' ')): string[] {
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    const cells = [0, 1, 2].map((j) => ((i * 7 + j * 3) % 3 === 0 ? '' : String(10 + j + Math.sin(i / 3) * 5)));
    lines.push(`${stamp(i)},${cells.join(',')}`);
  }
  return lines;
}

const HEADER = 'time,a,b,c';

function readCsv(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
}

test('1. duplicate timestamps are an error naming both lines; --duplicates merges them; no Infinity is written', async () => {
  const dir = tmp();
  const rows = hourly(40);
  rows.splice(11, 0, rows[10].replace(/,[^,]*,/, ',99,')); // line 13 repeats the time of line 12
  const input = join(dir, 'dup.csv');
  writeFileSync(input, [HEADER, ...rows].join('\n') + '\n');
  const bad = await runCli(['impute', input, '--method', 'linear', '--out', join(dir, 'o.csv')]);
  assert.equal(bad.code, 1, bad.stdout);
  assert.match(bad.stderr, /dup\.csv:13:1: .*line 12 has the same time/);
  assert.ok(!existsSync(join(dir, 'o.csv')));
  for (const policy of ['mean', 'sum', 'first']) {
    const out = join(dir, `${policy}.csv`);
    const r = await runCli(['impute', input, '--method', 'linear', '--duplicates', policy, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 duplicate timestamp row merged/);
    const text = readFileSync(out, 'utf8');
    assert.doesNotMatch(text, /Infinity|NaN/);
    assert.equal(readCsv(out).length, 41, 'header + 40 distinct times');
  }
});

test('2. unsorted timestamps are sorted (with a note): linear interpolates in time, not file order', async () => {
  const dir = tmp();
  const rows = hourly(30);
  const shuffled = [...rows.slice(20), ...rows.slice(0, 10), ...rows.slice(10, 20)];
  writeFileSync(join(dir, 'sorted.csv'), [HEADER, ...rows].join('\n') + '\n');
  writeFileSync(join(dir, 'shuffled.csv'), [HEADER, ...shuffled].join('\n') + '\n');
  const a = await runCli(['impute', join(dir, 'sorted.csv'), '--method', 'linear', '--out', join(dir, 'a.csv')]);
  const b = await runCli(['impute', join(dir, 'shuffled.csv'), '--method', 'linear', '--out', join(dir, 'b.csv')]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /note {6}rows sorted by time/);
  assert.deepEqual(readCsv(join(dir, 'b.csv')), readCsv(join(dir, 'a.csv')));
});

test('2b. irregular time steps are reported', async () => {
  const rows = hourly(10, (i) => `2024-01-01 ${String(i < 5 ? i : i + 3).padStart(2, '0')}:00`);
  const r = await readMatrix(memorySource('gaps.csv', [HEADER, ...rows].join('\n')));
  assert.ok(r.matrix.times);
  assert.ok(r.notes.some((n) => /irregular time steps: the usual step is 1 h, 1 of 9 differ \(the largest, 4 h/.test(n)), r.notes.join('; '));
});

test('3. a typo in the first timestamp is an error at its line and column, as on any other row', async () => {
  for (const at of [0, 6]) {
    const rows = hourly(20);
    rows[at] = rows[at].replace('2024-01-01', '2024-01-0x');
    await assert.rejects(
      readMatrix(memorySource('typo.csv', [HEADER, ...rows].join('\n'))),
      (e: ParseError) => e instanceof ParseError && e.line === at + 2 && e.column === 1 && /a timestamp/.test(e.expected) && /2024-01-0x/.test(e.found),
    );
  }
  // An index column stays an index column: no timestamp anywhere.
  const plain = await readMatrix(memorySource('index.csv', 'step,a\n1,2\n2,3\n'));
  assert.equal(plain.matrix.times, null);
});

test('4. means of values near 1e308 do not overflow; the output reads back', async () => {
  const dir = tmp();
  // Column a: all near +1.7e308 (a plain sum overflows); b: alternating signs (b − a overflows).
  const rows = hourly(24).map((line, i) => {
    const [time, , , c] = line.split(',');
    const a = i % 5 === 2 ? '' : String(1.5e308 + (i % 3) * 1e307);
    const b = i % 4 === 1 ? '' : String((i % 2 ? 1 : -1) * 1.7e308);
    return [time, a, b, c].join(',');
  });
  const input = join(dir, 'big.csv');
  writeFileSync(input, [HEADER, ...rows].join('\n') + '\n');
  for (const method of ['mean', 'linear', 'neighbor']) {
    const out = join(dir, `${method}.csv`);
    const r = await runCli(['impute', input, '--method', method, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(readFileSync(out, 'utf8'), /Infinity|NaN/);
    const back = await readMatrix(fileSource(out));
    assert.equal(back.matrix.rows, 24);
    for (let k = 0; k < back.matrix.values.length; k++) assert.ok(Number.isFinite(back.matrix.values[k]));
  }
  // The mean itself: 1e308 and 1.5e308 average to 1.25e308.
  const m = (await readMatrix(memorySource('two.csv', 'time,a\n2024-01-01 00:00,1e308\n2024-01-01 01:00,\n2024-01-01 02:00,1.5e308\n'))).matrix;
  assert.equal(columnMeans(m)[0], 1.25e308);
});

test('5. infinities are refused in CSV, .mtx and .npy alike, at their place', async () => {
  await assert.rejects(readMatrix(memorySource('a.csv', 'time,a\n2024-01-01,1\n2024-01-02,inf\n')), (e: ParseError) => e instanceof ParseError && e.line === 3);
  await assert.rejects(readMatrix(memorySource('a.csv', 'time,a\n2024-01-01,1\n2024-01-02,1e309\n')), (e: ParseError) => e instanceof ParseError && e.line === 3);
  await assert.rejects(
    readMatrix(memorySource('a.mtx', '%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 inf\n')),
    (e: ParseError) => e instanceof ParseError && e.line === 4 && e.column === 5 && /infinities are refused/.test(e.found),
  );
  await assert.rejects(
    readMatrix(memorySource('a.mtx', '%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1e308\n1 1 1e308\n')),
    (e: ParseError) => e instanceof ParseError && e.line === 4 && /sum/.test(e.found),
  );
  // An .npy written by numpy with np.inf in it (writeNpy writes the same bytes).
  const m = createMaskedMatrix(2, 2);
  m.values.set([1, 2, 3, 4]);
  m.observed.fill(1);
  const bytes = writeNpy(m);
  new DataView(bytes.buffer, bytes.byteOffset).setFloat64(bytes.length - 8, Infinity, true);
  await assert.rejects(readMatrix(memorySource('a.npy', bytes)), (e: ParseError) => e instanceof ParseError && /row 2, column 2/.test(e.found));
  // And the CLI exits 1 instead of filling gaps with Infinity.
  const dir = tmp();
  writeFileSync(join(dir, 'inf.npy'), bytes);
  const r = await runCli(['impute', join(dir, 'inf.npy'), '--out', join(dir, 'out.npy')]);
  assert.equal(r.code, 1);
  assert.ok(!existsSync(join(dir, 'out.npy')));
});

test('6. number flags are strict, negative values parse in both spellings, and the seed used is the seed shown', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(60)].join('\n') + '\n');
  const out = join(dir, 'out.csv');
  for (const bad of ['1e300', '0x10', '1_000', 'Infinity', '', '4294967296']) {
    const r = await runCli(['impute', input, '--seed', bad, '--out', out]);
    assert.equal(r.code, 2, bad);
    assert.match(r.stderr, new RegExp(`--seed expects a non-negative integer, found "${bad}" \\(at most 4294967295\\)`));
  }
  const spaced = await runCli(['impute', input, '--seed', '-1', '--out', out]);
  const joined = await runCli(['impute', input, '--seed=-1', '--out', out]);
  assert.equal(spaced.code, 2);
  assert.doesNotMatch(spaced.stderr, /ambiguous/);
  assert.equal(spaced.stderr, joined.stderr);
  const ok = await runCli(['impute', input, '--seed', '4294967295', '--out', out]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /\(seed 4294967295\)/);
  const r = await runCli(['nmf', input, '--k', '0x2']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--k expects a positive integer, found "0x2"/);
});

test('7. a long table with --time-bin 1ms is refused before allocating, with the estimate, the free memory and a bin that fits', async () => {
  const dir = tmp();
  const lines = ['lat,lng,timestamp,value'];
  for (let i = 0; i < 300; i++) lines.push(`${(40 + (i % 17) / 20).toFixed(3)},${(-74 + (i % 13) / 20).toFixed(3)},2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')} 00:00:00,${i}`);
  const input = join(dir, 'long.csv');
  writeFileSync(input, lines.join('\n') + '\n');
  assert.ok(statSync(input).size < 16_384);
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const prior = process.env.LACUNA_MEMORY_LIMIT;
  process.env.LACUNA_MEMORY_LIMIT = '64M';
  try {
    const r = await runCli(['impute', input, '--time-bin', '1ms', '--method', 'mean']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /time bins × \d+ H3 cells .* needs about [\d.]+ TiB.*64\.0 MiB is free.*use --time-bin (\S+) or wider/);
    assert.ok(performance.now() - t0 < 5000);
    assert.ok(process.memoryUsage().rss - before < 512 * 2 ** 20);
    // The suggestion works.
    const bin = /use --time-bin (\S+) or wider/.exec(r.stderr)![1];
    const ok = await runCli(['impute', input, '--time-bin', bin, '--method', 'mean', '--out', join(dir, 'o.csv')]);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    if (prior === undefined) delete process.env.LACUNA_MEMORY_LIMIT;
    else process.env.LACUNA_MEMORY_LIMIT = prior;
  }
});

test('8. one row of 200,000 columns reads and imputes (no spread of a record into arguments)', async () => {
  const cols = 200_000;
  const header = 'idx,' + Array.from({ length: cols }, (_, j) => `c${j}`).join(',');
  const row1 = '1,' + Array.from({ length: cols }, (_, j) => (j % 3 === 0 ? '' : String(j % 7))).join(',');
  const text = `${header}\n${row1}\n`;
  assert.equal(await detectFormat(memorySource('wide.csv', text)), 'wide');
  const r = await readMatrix(memorySource('wide.csv', text));
  assert.equal(r.matrix.cols, cols);
  const dir = tmp();
  writeFileSync(join(dir, 'wide.csv'), `${text}${row1.replace(/^1,/, '2,')}\n`);
  const cli = await runCli(['impute', join(dir, 'wide.csv'), '--method', 'mean', '--mask-ratio', '0.5', '--out', join(dir, 'o.csv'), '--json']);
  assert.equal(cli.code, 0, cli.stderr.slice(0, 500));
  assert.deepEqual(JSON.parse(cli.stdout).shape, [2, cols]);
});

test('9. lines past the cap are an error at their line: /dev/zero and a 10 MB header', async () => {
  const r = await runCli(['impute', '/dev/zero']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\/dev\/zero:1:1: expected a line of at most 67108864 characters/);
  const header = 'idx,' + Array.from({ length: 1_300_000 }, (_, j) => `c${j}`).join(',');
  assert.ok(header.length > 10e6);
  await assert.rejects(readMatrix(memorySource('wide.csv', `${header}\n`)), (e: ParseError) => e instanceof ParseError && /at least one data row/.test(e.expected));
  // A line past a (smaller) cap names its line, and quoted fields count too.
  const { readDelimited } = await import('../../src/core/io/delimited');
  const collect = async (text: string) => {
    for await (const rec of readDelimited(memorySource('x.csv', text, 7), { delimiter: ',', maxLineChars: 50 })) void rec;
  };
  await assert.rejects(collect(`a,b\n1,2\n${'9'.repeat(80)}\n`), (e: ParseError) => e.line === 3);
  await assert.rejects(collect(`a,b\n1,"${'x\n'.repeat(40)}"\n`), (e: ParseError) => e.line === 2);
});

test('10. sizes are bounded before any work: --depth, --k, --n, and autoencode on 20,000 points', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  const depth = await runCli(['impute', input, '--method', 'kron', '--depth', '100000']);
  assert.equal(depth.code, 2);
  assert.match(depth.stderr, /--depth expects a positive integer, found "100000" \(at most 64\)/);
  const k = await runCli(['nmf', input, '--k', '1000000']);
  assert.equal(k.code, 2);
  assert.match(k.stderr, /--k expects a positive integer, found "1000000" \(at most 10000\)/);
  const n = await runCli(['magnitude', '--sample', 'swissroll', '--n', '1e12', '--t', '1']);
  assert.equal(n.code, 2);
  assert.match(n.stderr, /--n expects a positive integer, found "1e12" \(at most 1000000\)/);
  // A dense solve that does not fit is refused with an --n that does, and that --n works.
  const prior = process.env.LACUNA_MEMORY_LIMIT;
  process.env.LACUNA_MEMORY_LIMIT = '8M';
  try {
    const big = await runCli(['magnitude', '--sample', 'swissroll', '--n', '3000', '--t', '1', '--solver', 'cholesky']);
    assert.equal(big.code, 1);
    assert.match(big.stderr, /dense 3000 × 3000 Z\) needs about 75\.\d MiB; 8\.0 MiB is free .*use --n (\d+) or fewer, or --solver cg/);
    const fit = /use --n (\d+) or fewer/.exec(big.stderr)![1];
    const ok = await runCli(['magnitude', '--sample', 'swissroll', '--n', fit, '--t', '1', '--solver', 'cholesky', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
  } finally {
    if (prior === undefined) delete process.env.LACUNA_MEMORY_LIMIT;
    else process.env.LACUNA_MEMORY_LIMIT = prior;
  }
  const points = ['x,y,z'];
  for (let i = 0; i < 20_000; i++) points.push(`${Math.sin(i)},${Math.cos(i * 1.3)},${(i % 97) / 97}`);
  writeFileSync(join(dir, 'pts.csv'), points.join('\n') + '\n');
  const t0 = performance.now();
  const ae = await runCli(['autoencode', join(dir, 'pts.csv'), '--epochs', '1']);
  assert.equal(ae.code, 1);
  assert.match(ae.stderr, /at most 18000 points; the data has 20000: use --n 18000 or fewer/);
  assert.ok(performance.now() - t0 < 10_000, 'refused before the scale search');
});

test('11. special files are refused as outputs and left as they are', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  const fifo = join(dir, 'fifo');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const link = join(dir, 'fd-link'); // like /proc/self/fd/N: a link to a special file
  symlinkSync(fifo, link);
  const targets = [fifo, link];
  if (process.getuid?.() === 0) {
    // As root, a device node of our own stands in for /dev/null.
    const node = join(dir, 'null');
    if (spawnSync('mknod', [node, 'c', '1', '3']).status === 0) targets.push(node);
  }
  for (const target of targets) {
    const before = statSync(target);
    const r = await runCli(['impute', input, '--out', target]);
    assert.equal(r.code, 1, target);
    assert.match(r.stderr, /refusing to write .*(FIFO|character device).*, not a regular file/);
    const after = statSync(target);
    assert.equal(after.ino, before.ino);
    assert.equal(after.mode, before.mode);
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
});

test('12. a read-only output file is not replaced', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  const out = join(dir, 'out.csv');
  writeFileSync(out, 'keep me\n');
  chmodSync(out, 0o444);
  const r = await runCli(['impute', input, '--out', out]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to write .*out\.csv: the file is read-only/);
  assert.equal(readFileSync(out, 'utf8'), 'keep me\n');
});

test('13. --out DIR/ writes DIR/<name>.imputed.<ext> (made if missing); an existing folder works without the slash', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  const r = await runCli(['impute', input, '--out', join(dir, 'newdir') + '/']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(statSync(join(dir, 'newdir')).isDirectory());
  assert.ok(statSync(join(dir, 'newdir', 'in.imputed.csv')).isFile());
  const again = await runCli(['impute', input, '--out', join(dir, 'newdir'), '--json']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).output, join(dir, 'newdir', 'in.imputed.csv'));
});

test('13b. every output flag takes DIR/ (made if missing) and writes DIR/<name>, as impute --out does', async () => {
  const dir = tmp();
  const rows = ['time,a,b,c'];
  for (let i = 0; i < 12; i++) rows.push(`2024-01-01 ${String(i).padStart(2, '0')}:00,${1 + (i % 3)},${2 + (i % 5)},${3 + (i % 2)}`);
  const full = join(dir, 'full.csv');
  writeFileSync(full, rows.join('\n') + '\n');
  const pts = (name: string, shift: number) => {
    const path = join(dir, name);
    writeFileSync(path, ['x,y', ...Array.from({ length: 30 }, (_, i) => `${Math.sin(i) + shift},${Math.cos(i * 1.7)}`)].join('\n') + '\n');
    return path;
  };
  const [p1, p2] = [pts('p1.csv', 0), pts('p2.csv', 1)];
  const cases: [string[], string][] = [
    [['nmf', full, '--k', '2', '--atoms-out', join(dir, 'a') + '/', '--weights-out', join(dir, 'w') + '/'], join(dir, 'a', 'full.atoms.csv')],
    [['magnitude', p1, '--t', '1', '--out', join(dir, 'm') + '/'], join(dir, 'm', 'p1.weights.csv')],
    [['transport', p1, p2, '--plan-out', join(dir, 't') + '/'], join(dir, 't', 'plan.csv')],
    [['place', full, '--budget', '1', '--out', join(dir, 'p') + '/'], join(dir, 'p', 'full.placement-greedy.csv')],
  ];
  for (const [args, written] of cases) {
    const r = await runCli(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(statSync(written).isFile(), written);
  }
  assert.ok(statSync(join(dir, 'w', 'full.weights.csv')).isFile());
});

test('14. temp files: removed on SIGINT and SIGTERM, swept when stale, never named in errors', async () => {
  const dir = tmp();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const target = join(dir, `out-${signal}.csv`);
    const script = `
      const { writeFileAtomic } = require(${JSON.stringify(join(ROOT, 'src/core/io/node.ts'))});
      function* slow() { for (let i = 0; ; i++) { if (i === 3) process.kill(process.pid, ${JSON.stringify(signal)}); yield 'x'.repeat(1 << 20); } }
      writeFileAtomic(${JSON.stringify(target)}, slow()).then(() => process.exit(0));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.signal, signal, child.stderr);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith(`.out-${signal}`)), [], 'no temp file left');
    assert.ok(!existsSync(target));
  }
  // A temp file a killed (SIGKILL) write left more than a day ago is swept by the next write there.
  const stale = join(dir, '.out.csv.12345.abc123.tmp');
  const fresh = join(dir, '.other.csv.12345.abc124.tmp');
  writeFileSync(stale, 'x');
  writeFileSync(fresh, 'x');
  const old = Date.now() / 1000 - 2 * 86_400;
  utimesSync(stale, old, old);
  await writeFileAtomic(join(dir, 'next.csv'), 'a,b\n');
  assert.ok(!existsSync(stale));
  assert.ok(existsSync(fresh), 'a recent temp may belong to a write in progress');
  // A write that fails part way names the user's path and leaves nothing behind.
  const target = join(dir, 'fails.csv');
  function* failing() {
    yield 'a,b\n';
    throw new Error('the data ran out');
  }
  await assert.rejects(writeFileAtomic(target, failing()), (e: Error) => e.message.includes(target) && !e.message.includes('.tmp'));
  const sub = join(dir, 'nofolder', 'x.csv');
  await assert.rejects(writeFileAtomic(sub, 'x'), (e: Error) => e.message.includes(sub) && !e.message.includes('.tmp'));
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.fails')), []);
});

test('15. a directory as input or locations file names the path', async () => {
  const dir = tmp();
  const folder = join(dir, 'folder');
  mkdirSync(folder);
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  for (const args of [['impute', folder], ['impute', input, '--locations', folder], ['nmf', folder, '--k', '2']]) {
    const r = await runCli(args);
    assert.equal(r.code, 1, args.join(' '));
    assert.equal(r.stderr, `lacuna: error: cannot read ${folder}: it is a directory; give a data file\n`);
  }
});

test('every CLI number flag has a documented maximum (FLAG_MAX, and the README table)', async () => {
  const { FLAG_MAX } = await import('../../src/cli/common');
  const names = new Set<string>();
  const durations = new Set<string>();
  for (const f of readdirSync(join(ROOT, 'src/cli'))) {
    const text = readFileSync(join(ROOT, 'src/cli', f), 'utf8');
    for (const m of text.matchAll(/(?:parseNumberFlag|positiveInteger|positiveNumber|whole)\('([a-z0-9-]+)'/g)) names.add(m[1]);
    for (const m of text.matchAll(/durationFlag\('([a-z0-9-]+)'/g)) durations.add(m[1]);
  }
  assert.ok(names.size >= 25, [...names].join(' '));
  assert.deepEqual([...durations].sort(), ['budget', 'time-budget']);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('Number flags and their largest values'));
  for (const name of names) {
    assert.ok(FLAG_MAX[name] !== undefined, `--${name} has no maximum in FLAG_MAX`);
    assert.match(table, new RegExp('`--' + name + '`'), `--${name} is not in the README table`);
  }
  for (const name of durations) assert.match(table, new RegExp('`--' + name + ' DURATION`'), `--${name} DURATION is not in the README table`);
});

test('place and duration flags are bounded too: --population, --draws, --budget 8d are refused at once', async () => {
  const dir = tmp();
  const input = join(dir, 'in.csv');
  writeFileSync(input, [HEADER, ...hourly(30)].join('\n') + '\n');
  for (const [args, message] of [
    [['place', input, '--budget', '1', '--method', 'genetic', '--population', '1000000000'], /--population expects a whole number ≥ 2, found "1000000000" \(at most 10000\)/],
    [['place', input, '--budget', '1', '--method', 'random', '--draws', '1000000000'], /--draws expects .* \(at most 1000000\)/],
    [['place', input, '--budget', '1', '--proxy-samples', '1000000000'], /--proxy-samples expects .* \(at most 10000\)/],
    [['place', input, '--budget', '1', '--method', 'genetic', '--time-budget', '100000000d'], /--time-budget expects a positive duration .* at most a week/],
    [['impute', input, '--budget', '8d'], /--budget expects a positive duration .* at most a week/],
  ] as [string[], RegExp][]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, message);
  }
});

test('a transport sample too large for memory is refused with an --n that fits, not a raw typed-array error', async () => {
  const prior = process.env.LACUNA_MEMORY_LIMIT;
  process.env.LACUNA_MEMORY_LIMIT = '64M';
  try {
    const r = await runCli(['transport', '--sample', 'sparse-shift', '--n', '1000000', '--dim', '100000']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /Invalid typed array length/);
    assert.match(r.stderr, /sparse-shift sample of 2 × 1000000 points in 100000 dimensions needs about .*; use --n (\d+) or fewer/);
    const fit = Number(/use --n (\d+) or fewer/.exec(r.stderr)![1]);
    assert.ok(fit >= 2 && 4 * 8 * fit * 100_000 <= 64 * 2 ** 20);
  } finally {
    if (prior === undefined) delete process.env.LACUNA_MEMORY_LIMIT;
    else process.env.LACUNA_MEMORY_LIMIT = prior;
  }
});

test('nmf on one row says so and names --transpose (no --grid was given); impute --json reports the seed and mask ratio used', async () => {
  const dir = tmp();
  const input = join(dir, 'one.csv');
  writeFileSync(input, `${Array.from({ length: 50 }, (_, j) => `c${j}`).join(',')}\n${Array.from({ length: 50 }, (_, j) => 1 + (j % 7)).join(',')}\n`);
  const r = await runCli(['nmf', input, '--k', '1', '--no-transpose']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /one\.csv gives 1 bin \(row\) × \d+ columns: if each row is one observation, give --transpose/);
  assert.doesNotMatch(r.stderr, /--grid/);
  const csv = join(dir, 'in.csv');
  writeFileSync(csv, [HEADER, ...hourly(30)].join('\n') + '\n');
  const j = JSON.parse((await runCli(['impute', csv, '--method', 'mean', '--json', '--out', join(dir, 'o.csv')])).stdout);
  assert.equal(j.seed, 0);
  assert.equal(j.maskRatio, 0.8);
  assert.equal(JSON.parse((await runCli(['impute', csv, '--method', 'mean', '--seed=7', '--mask-ratio', '0.5', '--json', '--out', join(dir, 'o.csv')])).stdout).seed, 7);
});

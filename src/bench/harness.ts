// Benchmark plumbing: the machine, timing, the Python peers (Debian's python3-* packages run
// with /usr/bin/python3, for comparison only) and the Markdown they are reported in.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, totalmem, type as osType, release } from 'node:os';

export const PYTHON = '/usr/bin/python3';

export interface BenchRow {
  case: string;
  lacuna: number;
  peer: number | null;
  peerName: string;
  /** Extra columns (e.g. accuracy agreement). */
  note?: string;
}

export interface BenchSection {
  title: string;
  intro: string;
  commands: string[];
  rows: BenchRow[];
  /** Markdown after the table (accuracy tables, curves). */
  extra?: string;
}

/** Median wall time in seconds of `repeats` runs (after one warm-up when `warmup`). */
export async function timeIt(fn: () => unknown | Promise<unknown>, repeats = 3, warmup = true): Promise<number> {
  if (warmup) await fn();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    await fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** Runs a Python script that prints one JSON object; returns it. Throws with its stderr. */
export function runPython<T>(script: string, args: string[] = [], env?: NodeJS.ProcessEnv): T {
  const r = spawnSync(PYTHON, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, ...(env ? { env: { ...process.env, ...env } } : {}) });
  if (r.status !== 0) throw new Error(`python peer failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  const last = r.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(last) as T;
}

/** numpy's BLAS (OpenBLAS) and OpenMP on one thread, for a peer that must match a one-thread Lacuna. */
export const ONE_THREAD_ENV: NodeJS.ProcessEnv = { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

export function pythonVersions(): string {
  try {
    return runPython<{ v: string }>(
      `import json, sys, importlib
mods = []
for name in ['numpy', 'scipy', 'sklearn', 'ot', 'torch']:
    try:
        mods.append(name + ' ' + importlib.import_module(name).__version__)
    except Exception:
        pass
print(json.dumps({'v': 'Python ' + sys.version.split()[0] + ', ' + ', '.join(mods)}))`,
    ).v;
  } catch (err) {
    return `unavailable (${(err as Error).message})`;
  }
}

export function machineDescription(): string {
  const cpu = cpus();
  return [
    `- CPU: ${cpu[0]?.model ?? 'unknown'}, ${cpu.length} cores`,
    `- memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    `- OS: ${osType()} ${release()}`,
    `- Node ${process.version}`,
    `- peers: ${pythonVersions()}`,
  ].join('\n');
}

function fmtSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  return s >= 10 ? s.toFixed(1) : s >= 0.1 ? s.toFixed(3) : s.toFixed(4);
}

export function sectionMarkdown(s: BenchSection): string {
  const lines = [`## ${s.title}`, '', s.intro];
  // A section whose results are all in its own tables (extra) has no timing rows.
  if (s.rows.length) lines.push('', '| case | Lacuna (s) | peer | peer (s) | peer / Lacuna | notes |', '|---|---|---|---|---|---|');
  for (const r of s.rows) {
    const ratio = r.peer !== null && r.lacuna > 0 ? `${(r.peer / r.lacuna).toFixed(2)}×` : '—';
    lines.push(`| ${r.case} | ${fmtSeconds(r.lacuna)} | ${r.peerName} | ${fmtSeconds(r.peer)} | ${ratio} | ${r.note ?? ''} |`);
  }
  if (s.extra) lines.push('', s.extra);
  lines.push('', 'Reproduce:', '', '```sh', ...s.commands, '```', '');
  return lines.join('\n');
}

/** SwiftShader's Vulkan driver, as Debian's chromium ships it (test/e2e/setup.sh installs it). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Dawn's environment for SwiftShader (as test/e2e/webgpu.test.ts sets it), or null without it. */
export function swiftShaderEnv(): NodeJS.ProcessEnv | null {
  if (!existsSync(SWIFTSHADER_ICD)) return null;
  const systemLoader = ['/usr/lib/x86_64-linux-gnu/libvulkan.so.1', '/usr/lib/aarch64-linux-gnu/libvulkan.so.1'].some(existsSync);
  return {
    ...process.env,
    VK_ICD_FILENAMES: SWIFTSHADER_ICD,
    XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp',
    ...(systemLoader ? {} : { LD_LIBRARY_PATH: ['/usr/lib/chromium', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') }),
  };
}

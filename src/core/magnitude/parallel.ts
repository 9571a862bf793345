// Threads for the dense Cholesky's trailing update: Node worker_threads run the same WebAssembly
// kernel on the same shared memory, so nothing is copied. Only where the runtime offers them:
// in Node (CLI, extension host, tests) `process.getBuiltinModule('node:worker_threads')`; in a
// webview there is no `process` (and no cross-origin isolation, so no shared memory either) and
// the factorization runs on one thread, unchanged.
//
// Protocol (all on 16 Int32 control words inside the shared memory, see wasmKernel.ts):
//   - per factorization the main thread posts {module, memory} to each worker; the worker
//     instantiates the module on that memory, counts itself in ATTACHED and blocks on GEN;
//   - per panel the main thread writes the task (the trailing update as COUNT column chunks),
//     resets the counters and bumps GEN; every thread, main included, takes chunks from the
//     atomic counter NEXT until none are left (so a thread slowed by other load simply takes
//     fewer), and each worker then counts itself in FINISHED; the main thread continues only when
//     every worker has finished, so a task's words are never rewritten under a worker;
//   - the first EARLY chunks cover the next panel's columns: the main thread factors that panel
//     (the sequential part) as soon as they are done, while the workers finish the update
//     (look-ahead), into the other of two packed-panel buffers;
//   - CMD = EXIT sends the workers back to their message loop.
// Which thread updates which chunk never changes the arithmetic, so the factor is bitwise the
// same on any number of threads (the tests check this).

import { CONTROL_BYTE_OFFSET, WORKSPACE_BASE_BYTES, type WasmWorkspace } from './wasmKernel';

const GEN = 0, CMD = 1, NEXT = 2, DONE_EARLY = 3, FINISHED = 4, ATTACHED = 5, FAILED = 6;
const COUNT = 7, EARLY = 8, FIRST = 9, CHUNK = 10, LD = 11, PACK = 12, PACK_STRIDE = 13, DEPTH = 14, K0 = 15;
const CONTROL_WORDS = 16;
const RUN = 1, EXIT = 2;

/**
 * The worker, as source (bundled as a string, so the same code runs from tsx, the CLI bundle and
 * the extension host bundle). Its chunk arithmetic mirrors `UpdateTask` below.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const [GEN, CMD, NEXT, DONE_EARLY, FINISHED, ATTACHED, FAILED, COUNT, EARLY, FIRST, CHUNK, LD, PACK, PACK_STRIDE, DEPTH, K0] = [${[GEN, CMD, NEXT, DONE_EARLY, FINISHED, ATTACHED, FAILED, COUNT, EARLY, FIRST, CHUNK, LD, PACK, PACK_STRIDE, DEPTH, K0].join(', ')}];
const EXIT = ${EXIT};
parentPort.on('message', ({ module, memory, controlByte, baseByte }) => {
  const c = new Int32Array(memory.buffer, controlByte, ${CONTROL_WORDS});
  try {
    const gemm = new WebAssembly.Instance(module, { env: { mem: memory } }).exports.gemmNt;
    Atomics.add(c, ATTACHED, 1);
    Atomics.notify(c, ATTACHED);
    let seen = 0;
    for (;;) {
      if (Atomics.load(c, CMD) === EXIT) break;
      Atomics.wait(c, GEN, seen);
      const g = Atomics.load(c, GEN);
      if (g === seen) continue;
      seen = g;
      if (Atomics.load(c, CMD) === EXIT) break;
      const count = c[COUNT], early = c[EARLY], first = c[FIRST], chunk = c[CHUNK], ld = c[LD];
      const pack = c[PACK], packStride = c[PACK_STRIDE], depth = c[DEPTH], k0 = c[K0];
      for (let i; (i = Atomics.add(c, NEXT, 1)) < count;) {
        const jc = first + i * chunk;
        const cb = Math.min(chunk, ld - jc);
        const pa = baseByte + 8 * (pack + ((jc - k0) >> 2) * packStride);
        gemm(baseByte + 8 * (jc * ld + jc), 8 * ld, pa, 8 * packStride, pa, 8 * packStride, (ld - jc) >> 2, cb >> 2, depth, 1);
        if (i < early) {
          Atomics.add(c, DONE_EARLY, 1);
          Atomics.notify(c, DONE_EARLY);
        }
      }
      Atomics.add(c, FINISHED, 1);
      Atomics.notify(c, FINISHED);
    }
  } catch (err) {
    Atomics.store(c, FAILED, 1);
    Atomics.add(c, ATTACHED, 1 << 20);
    Atomics.notify(c, ATTACHED);
    Atomics.add(c, FINISHED, 1);
    Atomics.notify(c, FINISHED);
    Atomics.add(c, DONE_EARLY, 1 << 20);
    Atomics.notify(c, DONE_EARLY);
  }
});
`;

// The slices of Node's API used here, typed locally (src/core carries no Node typings).
interface NodeWorker {
  postMessage(message: unknown): void;
  unref(): void;
  on(event: 'error' | 'exit', listener: () => void): void;
}
interface WorkerThreads {
  Worker: new (source: string, options: { eval: true }) => NodeWorker;
  isMainThread: boolean;
}
type AtomicsWithWait = typeof Atomics & { wait(array: Int32Array, index: number, value: number, timeout?: number): string };

function nodeModule<T>(id: string): T | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return (proc?.getBuiltinModule?.(id) as T | undefined) ?? null;
  } catch {
    return null;
  }
}

let workers: NodeWorker[] = [];
let broken = false;

/** Threads the machine offers (1 where workers are unavailable). */
export function availableThreads(): number {
  const wt = nodeModule<WorkerThreads>('node:worker_threads');
  const os = nodeModule<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (!wt || !os || broken || typeof SharedArrayBuffer !== 'function') return 1;
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/** Up to `count` workers, started once per process and unref'd (they never keep it alive). */
function pool(count: number): NodeWorker[] {
  const wt = nodeModule<WorkerThreads>('node:worker_threads');
  if (!wt || broken) return [];
  while (workers.length < count) {
    try {
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
      worker.unref();
      const forget = (): void => {
        workers = workers.filter((w) => w !== worker);
      };
      worker.on('error', forget);
      worker.on('exit', forget);
      workers.push(worker);
    } catch {
      broken = true;
      break;
    }
  }
  return workers.slice(0, count);
}

/** One trailing update: column chunks [first + i·chunk, …) of the lower triangle, by a packed panel. */
export interface UpdateTask {
  count: number;
  /** Chunks the look-ahead waits for (they cover the next panel's columns). */
  early: number;
  first: number;
  chunk: number;
  ld: number;
  pack: number;
  packStride: number;
  depth: number;
  k0: number;
}

/** Thrown when a worker failed mid-task; the caller redoes the factorization on one thread. */
export class WorkerFailure extends Error {}

/** The workers bound to one shared workspace for one factorization. */
export class UpdateTeam {
  private readonly control: Int32Array;
  private released = false;

  private constructor(workspace: WasmWorkspace, readonly workers: number) {
    this.control = new Int32Array(workspace.memory.buffer as ArrayBufferLike, CONTROL_BYTE_OFFSET, CONTROL_WORDS);
    this.control.fill(0);
  }

  /**
   * Posts the workspace to `threads − 1` workers (the caller is the last thread). Returns null
   * when the workspace is not shared or no worker could be started. The workers attach in the
   * background; `ready` waits for them.
   */
  static start(workspace: WasmWorkspace, threads: number): UpdateTeam | null {
    if (!workspace.shared || threads < 2) return null;
    const members = pool(threads - 1);
    if (members.length === 0) return null;
    const team = new UpdateTeam(workspace, members.length);
    for (const worker of members) {
      worker.postMessage({ module: workspace.module, memory: workspace.memory, controlByte: CONTROL_BYTE_OFFSET, baseByte: WORKSPACE_BASE_BYTES });
    }
    return team;
  }

  /** Waits (up to `timeoutMs`) until every worker has attached; false (and released) if not. */
  ready(timeoutMs: number): boolean {
    const c = this.control;
    const deadline = Date.now() + timeoutMs;
    for (let seen; (seen = Atomics.load(c, ATTACHED)) < this.workers;) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.release();
        return false;
      }
      (Atomics as AtomicsWithWait).wait(c, ATTACHED, seen, left);
    }
    if (Atomics.load(c, FAILED) !== 0) {
      this.release();
      broken = true;
      return false;
    }
    return true;
  }

  /**
   * Runs the update on every thread; `chunk(i)` is the caller's own share. Calls `lookahead`
   * (on this thread) as soon as the first `task.early` chunks are done and returns its result.
   */
  run(task: UpdateTask, chunk: (i: number) => void, lookahead: () => number): number {
    const c = this.control;
    c[COUNT] = task.count;
    c[EARLY] = task.early;
    c[FIRST] = task.first;
    c[CHUNK] = task.chunk;
    c[LD] = task.ld;
    c[PACK] = task.pack;
    c[PACK_STRIDE] = task.packStride;
    c[DEPTH] = task.depth;
    c[K0] = task.k0;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, DONE_EARLY, 0);
    Atomics.store(c, FINISHED, 0);
    Atomics.store(c, CMD, RUN);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
    const wait = Atomics as AtomicsWithWait;
    let result = -1;
    let looked = false;
    for (;;) {
      if (!looked && Atomics.load(c, DONE_EARLY) >= task.early) {
        looked = true;
        result = lookahead();
      }
      const i = Atomics.add(c, NEXT, 1);
      if (i >= task.count) break;
      chunk(i);
      if (i < task.early) Atomics.add(c, DONE_EARLY, 1);
    }
    if (!looked) {
      for (let seen; (seen = Atomics.load(c, DONE_EARLY)) < task.early;) wait.wait(c, DONE_EARLY, seen);
      result = lookahead();
    }
    for (let seen; (seen = Atomics.load(c, FINISHED)) < this.workers;) wait.wait(c, FINISHED, seen);
    if (Atomics.load(c, FAILED) !== 0) {
      this.release();
      broken = true;
      throw new WorkerFailure('a Cholesky worker thread failed');
    }
    return result;
  }

  /** Sends the workers back to their message loop (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    Atomics.store(this.control, CMD, EXIT);
    Atomics.add(this.control, GEN, 1);
    Atomics.notify(this.control, GEN);
  }
}

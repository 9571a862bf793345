// The host side of the impute panel's "Sensor placement" tab. The search runs here, in the
// extension host, on core/sampling's runPlacement (the one implementation `lacuna place` and the
// bench use): the page stays free, and every imputer evaluation first yields to the event loop,
// so the extension host keeps answering while a search runs. Progress goes to the page (at most
// ten messages a second); each method's result is kept in its record as soon as it finishes, so
// a cancel, a closed panel or a crash keeps what was done. Writes need a trusted workspace.
// Plain Node: VS Code comes in through the environment (trust, the save dialog), so tests drive it.
import { basename } from 'node:path';
import type { MaskedMatrix } from '../../core/matrix/masked';
import { classicalImputer, isClassicalImputer, lowRankImputer } from '../../core/sampling/imputers';
import { PlacementCancelled } from '../../core/sampling/greedy';
import { chosenCsv, runPlacement } from '../../core/sampling/placement';
import { placementProblem, resolveBudget, type PlacementImputer } from '../../core/sampling/problem';
import type { PlacementSettings, PlacementToHost, PlacementToPage } from '../../protocol/placement';
import { toPayload, type PlacementRecord, type PlacementRecords } from './records';

export interface PlacementEnvironment {
  records: PlacementRecords;
  /** The panel's file: its path, hash and size as read, its locations file, and the matrix. */
  input: { path: string; sha256: string; bytes: number; locations: string | null };
  matrix: MaskedMatrix;
  post(message: PlacementToPage): void;
  isTrusted(): boolean;
  /** Throws when the workspace is not trusted (trust.ts requireTrust). */
  requireTrust(): void;
  /** Saves an export through the save dialog, atomically, never over `protect` (trust.ts saveExport); the path, or null if dismissed. */
  save(fileName: string, data: string, protect: string[]): Promise<string | null>;
  onRecordChanged(): void;
  log(text: string): void;
}

/** Yields to the event loop before each evaluation, so a long search never blocks the host. */
function yielding(imputer: PlacementImputer): PlacementImputer {
  return {
    name: imputer.name,
    impute: async (m) => {
      await new Promise((r) => setImmediate(r));
      return imputer.impute(m);
    },
  };
}

export function placementImputer(name: PlacementSettings['imputer'], problem: ReturnType<typeof placementProblem>, budget: number, seed: number): PlacementImputer {
  if (name === 'lowrank') return lowRankImputer(problem, budget);
  if (isClassicalImputer(name)) return classicalImputer(name, problem, budget, seed);
  throw new Error(`unknown imputer ${name}`);
}

export class PlacementSession {
  private active: { id: string; signal: { aborted: boolean }; done: Promise<void> } | null = null;
  private lastProgress = 0;

  constructor(private readonly env: PlacementEnvironment) {}

  /** The tab's state, sent with the panel's snapshot on every `ready`. */
  async snapshot(): Promise<PlacementToPage[]> {
    const m = this.env.matrix;
    const places = m.places ? m.places.map((p) => (p ? { lat: p.lat, lng: p.lng, cell: p.cell } : null)) : null;
    let latest: PlacementRecord | null = null;
    try {
      latest = await this.env.records.latestFor(this.env.input.path);
    } catch (err) {
      this.env.log(`placement records: ${(err as Error).message}`);
    }
    return [{ type: 'placementInit', cols: m.cols, colIds: m.colIds, places, trusted: this.env.isTrusted(), run: latest ? toPayload(latest) : null }];
  }

  async handle(message: PlacementToHost): Promise<void> {
    switch (message.type) {
      case 'placementStart':
        this.env.requireTrust();
        if (this.active) throw new Error('a placement search is already running in this panel; cancel it first');
        await this.start(message.settings);
        return;
      case 'placementCancel':
        if (this.active) this.active.signal.aborted = true;
        return;
      case 'placementExport': {
        this.env.requireTrust();
        const record = await this.env.records.get(message.runId);
        const result = record?.results.find((r) => r.method === message.method);
        if (!record || !result) throw new Error(`no ${message.method} result in placement search ${message.runId}`);
        const stem = basename(record.input.path).replace(/\.[^.]*$/, '');
        const protect = [record.input.path, ...(record.input.locations ? [record.input.locations] : [])];
        const path = await this.env.save(`${stem}.placement-${result.method}.csv`, chosenCsv(result, this.env.matrix.places), protect);
        if (path) this.env.post({ type: 'placementSaved', path });
        return;
      }
    }
  }

  /** Creates the record and starts the search; resolves once it is under way (the end is reported). */
  private async start(settings: PlacementSettings): Promise<void> {
    const m = this.env.matrix;
    const budget = resolveBudget(m.cols, { budget: settings.budget });
    if (settings.methods.includes('coverage') && !m.places) throw new Error('coverage needs the columns’ places: open the file with a sensor-locations file, or leave coverage out');
    const problem = placementProblem(m);
    const record = await this.env.records.create({ ...this.env.input, shape: [m.rows, m.cols] }, settings);
    this.env.onRecordChanged();
    const signal = { aborted: false };
    const done = this.search(record.id, settings, problem, budget, signal);
    this.active = { id: record.id, signal, done };
    this.env.post({ type: 'placementRun', run: toPayload(record) });
  }

  private async search(id: string, settings: PlacementSettings, problem: ReturnType<typeof placementProblem>, budget: number, signal: { aborted: boolean }): Promise<void> {
    const records = this.env.records;
    let record: PlacementRecord | null = null;
    const finish = async (status: PlacementRecord['status'], message: string | null) => {
      if (!this.env.isTrusted()) return;
      record = await records.update(id, (r) => {
        r.status = status;
        r.message = message;
      });
      this.env.onRecordChanged();
      this.env.post({ type: 'placementRun', run: toPayload(record) });
    };
    try {
      // Let the reply to the start go out first.
      await new Promise((r) => setImmediate(r));
      const imputer = yielding(placementImputer(settings.imputer, problem, budget, settings.seed));
      for (const method of settings.methods) {
        const result = await runPlacement(problem, imputer, {
          method,
          budget,
          seed: settings.seed,
          genetic: { population: settings.population, generations: settings.generations },
          signal,
          onProgress: (p) => {
            const now = Date.now();
            if (now - this.lastProgress < 100) return;
            this.lastProgress = now;
            this.env.post({ type: 'placementProgress', method, message: p.message, fraction: p.fraction ?? null });
          },
        });
        if (signal.aborted) throw new PlacementCancelled();
        if (!this.env.isTrusted()) throw new Error('the workspace is no longer trusted: the search stopped and wrote nothing more');
        record = await records.addResult(id, result);
        this.env.onRecordChanged();
        this.env.post({ type: 'placementRun', run: toPayload(record) });
      }
      await finish('completed', null);
    } catch (err) {
      const cancelled = err instanceof PlacementCancelled || signal.aborted;
      const text = cancelled ? 'cancelled by the user' : ((err as Error).message ?? String(err));
      this.env.log(`placement ${id}: ${text}`);
      await finish(cancelled ? 'cancelled' : 'failed', text).catch((e: Error) => this.env.log(`placement ${id}: ${e.message}`));
    } finally {
      if (this.active?.id === id) this.active = null;
    }
  }

  /** The panel closed: stop the search; the record says it was interrupted. */
  dispose(): void {
    const active = this.active;
    if (!active) return;
    active.signal.aborted = true;
    this.active = null;
    if (!this.env.isTrusted()) return;
    void active.done.then(() => this.env.records.update(active.id, (r) => {
      if (r.status === 'cancelled') {
        r.status = 'interrupted';
        r.message = 'the panel was closed while the search ran';
      }
    })).then(() => this.env.onRecordChanged(), (err: Error) => this.env.log(`placement ${active.id}: ${err.message}`));
  }
}

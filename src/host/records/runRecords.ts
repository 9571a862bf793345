// What the typed run stores share on top of RecordStore: a record with a status, a message and a
// progress history, and the verbs every panel's store offers (get, list, update, setStatus,
// appendHistory, markInterrupted, writeOutput, delete). A feature's store extends it with its own
// `create` and files (ImputeRuns, FactorizeRunStore; the next panels' stores the same way).
import { basename } from 'node:path';
import { RecordStore, type BaseRecord, type RecordKind } from './recordStore';

export interface RunLike extends BaseRecord {
  status: string;
  message: string | null;
  history: { at: string }[];
}

export class RunRecords<R extends RunLike> {
  readonly records: RecordStore<R>;

  constructor(root: string, kind: RecordKind<R>, clock: () => Date = () => new Date(), base: string | null = null) {
    this.records = new RecordStore(root, kind, clock, base);
  }

  get root(): string {
    return this.records.root;
  }

  dir(id: string): string {
    return this.records.dir(id);
  }

  get(id: string): Promise<R | null> {
    return this.records.get(id);
  }

  /** Every readable run, newest first (the Runs view lists the damaged ones too, via `records.list()`). */
  list(): Promise<R[]> {
    return this.records.records();
  }

  update(id: string, change: (record: R) => void): Promise<R> {
    return this.records.update(id, change);
  }

  setStatus(id: string, status: R['status'], message: string | null = null): Promise<R> {
    return this.update(id, (r) => {
      r.status = status;
      r.message = message;
    });
  }

  /**
   * A run that ended without a result (its page failed, or the user cancelled), the same in every
   * panel: the record says so (when there is one), the Runs view refreshes, and the page is told.
   * Returns the updated record.
   */
  async endRun(
    id: string | undefined,
    end: { type: 'failed'; message: string } | { type: 'cancelled' },
    refresh: (() => void) | undefined,
    tell: (status: { type: 'status'; status: 'failed' | 'cancelled'; message?: string }) => void,
  ): Promise<R | undefined> {
    const record = id ? await this.setStatus(id, end.type as R['status'], end.type === 'failed' ? end.message : 'cancelled by the user') : undefined;
    refresh?.();
    tell(end.type === 'failed' ? { type: 'status', status: 'failed', message: end.message } : { type: 'status', status: 'cancelled' });
    return record;
  }

  /** Records a progress snapshot; keeps the newest `keep` of them. */
  appendHistory(id: string, entry: Omit<R['history'][number], 'at'>, keep = 1000): Promise<R> {
    return this.update(id, (r) => {
      r.history.push({ at: this.records.now(), ...entry } as R['history'][number]);
      if (r.history.length > keep) r.history.splice(0, r.history.length - keep);
    });
  }

  markInterrupted(): Promise<string[]> {
    return this.records.markInterrupted();
  }

  /** Writes a file into the run's folder atomically (a plain name: any folder part is dropped); returns its path. */
  writeOutput(id: string, name: string, data: string | Uint8Array | Iterable<string | Uint8Array>): Promise<string> {
    return this.records.writeFile(id, basename(name), data);
  }

  delete(id: string): Promise<void> {
    return this.records.delete(id);
  }
}

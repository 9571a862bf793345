// The records of factorisation runs. They live beside the imputation runs, in the same
// `<root>/<id>/` layout, in `factorization.json` with `kind: "factorize"`: each store reads only
// its own file, so neither misreads the other's records. A thin typed layer over RecordStore
// (validation, atomic serialised writes, interruption, damaged records, no links followed).
import { isArrayOf, isCount, isFiniteNumber, isNullOr, isNumberNotNaN, isObject, isOneOf, isPositiveInteger, isString, isTimestamp } from '../../protocol/common';
import { isFactorizeConfig, type FactorizeConfig, type FactorizeResultPayload, type FactorizeRunStatus, type FactorizeSource } from '../../protocol/factorize';
import type { BaseRecord, RecordKind } from '../records/recordStore';
import { RunRecords } from '../records/runRecords';

export const FACTORIZE_RECORD = 'factorization.json';

export type FactorizeRecordStatus = Exclude<FactorizeRunStatus, 'idle'>;
const STATUSES: readonly FactorizeRecordStatus[] = ['running', 'completed', 'failed', 'cancelled', 'interrupted'];

/** A finished run as kept: the result payload without the factors and history, plus the files written. */
export type FactorizeRunResult = Omit<FactorizeResultPayload, 'config' | 'D' | 'Lambda' | 'history'> & {
  /** Absolute paths of the files this run wrote (atoms.csv, weights.csv, history.json). */
  outputs: string[];
};

export interface FactorizeRunRecord extends BaseRecord {
  kind: 'factorize';
  status: FactorizeRecordStatus;
  /** A file (with its hash, so a changed input is noticed) or a built-in sample. */
  input: ({ kind: 'file'; path: string; sha256: string; bytes: number; format: string } | { kind: 'sample'; name: string }) & { shape: [number, number] };
  config: FactorizeConfig;
  /** The objective after each finished iteration, newest last. */
  history: { at: string; iteration: number; objective: number | null; fraction: number }[];
  result: FactorizeRunResult | null;
  message: string | null;
}

function checkFactorizeRun(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1 || v.kind !== 'factorize') return 'not a version-1 factorisation record';
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isOneOf(STATUSES)(v.status)) return `unknown status ${JSON.stringify(v.status)}`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  const i = v.input;
  if (!isObject(i) || !Array.isArray(i.shape) || i.shape.length !== 2 || !i.shape.every(isCount)) return 'input lacks its shape';
  if (i.kind === 'file' ? !(isString(i.path) && isString(i.sha256) && isCount(i.bytes) && isString(i.format)) : !(i.kind === 'sample' && isString(i.name))) return 'input is neither a file nor a sample';
  if (!isFactorizeConfig(v.config)) return 'config is not a valid factorisation config';
  if (!isArrayOf((h: unknown): h is object => isObject(h) && isCount(h.iteration) && isNullOr(isNumberNotNaN)(h.objective))(v.history)) return 'history is not a list of iterations';
  const r = v.result;
  if (r !== null && !(isObject(r) && isNullOr(isNumberNotNaN)(r.objective) && isPositiveInteger(r.iterations) && typeof r.converged === 'boolean' && isString(r.reason) && isNullOr(isNumberNotNaN)(r.reconstructionError) && isFiniteNumber(r.seconds) && isString(r.backend) && isArrayOf(isString)(r.outputs))) return 'result lacks objective, iterations, reason, error, seconds, backend or outputs';
  if (!isNullOr(isString)(v.message)) return 'message is not text';
  return null;
}

export const FACTORIZE_RUN_KIND: RecordKind<FactorizeRunRecord> = {
  file: FACTORIZE_RECORD,
  noun: 'factorisation run',
  check: checkFactorizeRun,
  layout: { files: /^(atoms\.csv|weights\.csv|history\.json)$/ },
  isActive: (r) => r.status === 'running',
  interrupt: (r, reason) => {
    r.status = 'interrupted';
    r.message = reason;
  },
};

export class FactorizeRunStore extends RunRecords<FactorizeRunRecord> {
  constructor(root: string, clock: () => Date = () => new Date(), base: string | null = null) {
    super(root, FACTORIZE_RUN_KIND, clock, base);
  }

  /** `digest` is the file's hash and size from the pass that read it (null for a sample). */
  create(source: FactorizeSource, shape: [number, number], config: FactorizeConfig, digest: { sha256: string; bytes: number } | null): Promise<FactorizeRunRecord> {
    let input: FactorizeRunRecord['input'];
    if (source.kind === 'file') {
      if (!digest) throw new Error(`the hash of ${source.path} is unknown`);
      input = { kind: 'file', path: source.path, sha256: digest.sha256, bytes: digest.bytes, format: source.format, shape };
    } else input = { kind: 'sample', name: source.name, shape };
    return this.records.create((base) => ({ ...base, kind: 'factorize', status: 'running', input, config, history: [], result: null, message: null }));
  }

  /** Records a progress snapshot; keeps the newest 2,000. */
  override appendHistory(id: string, entry: Omit<FactorizeRunRecord['history'][number], 'at'>, keep = 2000): Promise<FactorizeRunRecord> {
    return super.appendHistory(id, entry, keep);
  }
}

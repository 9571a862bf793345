// The records of transport runs: `<root>/<id>/transport.json` with `kind: "transport"`, beside
// the imputation and factorisation runs (each store reads only its own file). A thin typed
// layer over RunRecords: validation, atomic serialised writes, interruption, damaged records.
import { isArrayOf, isCount, isFiniteNumber, isNullOr, isNumberNotNaN, isObject, isOneOf, isPositiveInteger, isString, isTimestamp } from '../../protocol/common';
import { isSinkhornSummary, isTransportConfig, type SinkhornSummary, type TransportConfig, type TransportRunStatus, type TransportSource } from '../../protocol/transport';
import { basename } from 'node:path';
import { formatFigure } from '../../core/format';
import type { BaseRecord, RecordKind } from '../records/recordStore';
import { code, md } from '../runs/markdown';
import { RunRecords } from '../records/runRecords';

export const TRANSPORT_RECORD = 'transport.json';

export type TransportRecordStatus = Exclude<TransportRunStatus, 'idle'>;
const STATUSES: readonly TransportRecordStatus[] = ['running', 'completed', 'failed', 'cancelled', 'interrupted'];

type FileInput = { path: string; sha256: string; bytes: number };

export interface TransportRunRecord extends BaseRecord {
  kind: 'transport';
  status: TransportRecordStatus;
  input: ({ kind: 'files'; a: FileInput; b: FileInput } | { kind: 'sample'; name: string }) & { points: [number, number]; dim: number };
  config: TransportConfig;
  sinkhorn: SinkhornSummary | null;
  /** The training curve of a learned map, newest last. */
  history: { at: string; step: number; loss: number; divergence: number | null; mongeGap: number | null; lambda: number; displacementDim: number }[];
  result: {
    meanDimension: number;
    /** The columns whose mean |Δ| exceeds 0.1, largest first. */
    moved: string[];
    divergenceAfter: number | null;
    mongeGap: number | null;
    seconds: number;
    backend: string;
    /** Absolute paths of the files this run wrote. */
    outputs: string[];
  } | null;
  message: string | null;
}

const isFileInput = (v: unknown): v is FileInput => isObject(v) && isString(v.path) && isString(v.sha256) && isCount(v.bytes);
const isNumberOrNull = isNullOr(isNumberNotNaN);

function checkTransportRun(v: unknown, id: string): string | null {
  if (!isObject(v)) return 'not a JSON object';
  if (v.version !== 1 || v.kind !== 'transport') return 'not a version-1 transport record';
  if (v.id !== id) return `its id ${JSON.stringify(v.id)} is not its folder's`;
  if (!isOneOf(STATUSES)(v.status)) return `unknown status ${JSON.stringify(v.status)}`;
  if (!isTimestamp(v.createdAt) || !isTimestamp(v.updatedAt)) return 'createdAt or updatedAt is not a time';
  const i = v.input;
  if (!isObject(i) || !Array.isArray(i.points) || i.points.length !== 2 || !i.points.every(isPositiveInteger) || !isPositiveInteger(i.dim)) return 'input lacks its points and dimension';
  if (i.kind === 'files' ? !(isFileInput(i.a) && isFileInput(i.b)) : !(i.kind === 'sample' && isString(i.name))) return 'input is neither two files nor a sample';
  if (!isTransportConfig(v.config)) return 'config is not a valid transport config';
  if (v.sinkhorn !== null && !isSinkhornSummary(v.sinkhorn)) return 'sinkhorn is not a Sinkhorn summary';
  const isPoint = (h: unknown): h is object => isObject(h) && isPositiveInteger(h.step) && isNumberNotNaN(h.loss) && isNumberOrNull(h.divergence) && isNumberOrNull(h.mongeGap) && isFiniteNumber(h.lambda) && isFiniteNumber(h.displacementDim);
  if (!isArrayOf(isPoint)(v.history)) return 'history is not a list of training steps';
  const r = v.result;
  if (r !== null && !(isObject(r) && isFiniteNumber(r.meanDimension) && isArrayOf(isString)(r.moved) && isNumberOrNull(r.divergenceAfter) && isNumberOrNull(r.mongeGap) && isFiniteNumber(r.seconds) && isString(r.backend) && isArrayOf(isString)(r.outputs))) {
    return 'result lacks the displacement, the figures, seconds, backend or outputs';
  }
  if (!isNullOr(isString)(v.message)) return 'message is not text';
  return null;
}

export const TRANSPORT_RUN_KIND: RecordKind<TransportRunRecord> = {
  file: TRANSPORT_RECORD,
  noun: 'transport run',
  check: checkTransportRun,
  layout: { files: /^(mapped\.csv|displacement\.csv|plan\.csv|history\.json)$/ },
  isActive: (r) => r.status === 'running',
  interrupt: (r, reason) => {
    r.status = 'interrupted';
    r.message = reason;
  },
};

export class TransportRunStore extends RunRecords<TransportRunRecord> {
  constructor(root: string, clock: () => Date = () => new Date(), base: string | null = null) {
    super(root, TRANSPORT_RUN_KIND, clock, base);
  }

  create(
    source: TransportSource,
    points: [number, number],
    dim: number,
    config: TransportConfig,
    digests: { a: { sha256: string; bytes: number }; b: { sha256: string; bytes: number } } | null,
  ): Promise<TransportRunRecord> {
    let input: TransportRunRecord['input'];
    if (source.kind === 'files') {
      if (!digests) throw new Error(`the hashes of ${source.a} and ${source.b} are unknown`);
      input = { kind: 'files', a: { path: source.a, ...digests.a }, b: { path: source.b, ...digests.b }, points, dim };
    } else input = { kind: 'sample', name: source.name, points, dim };
    return this.records.create((base) => ({ ...base, kind: 'transport', status: 'running', input, config, sinkhorn: null, history: [], result: null, message: null }));
  }
}

const short = (v: number | null | undefined, digits = 4) => formatFigure(v, { digits, style: 'short' });
const METHOD_NAMES: Record<string, string> = { sinkhorn: 'Sinkhorn', icnn: 'ICNN dual', 'monge-gap': 'Monge gap + MLP' };

/** The Runs view's group of a run: its source file (the pair named in the row), or its sample. */
export function transportInput(input: TransportRunRecord['input'], fileInput: (path: string) => { key: string; label: string; path: string | null }) {
  return input.kind === 'files' ? fileInput(input.a.path) : { key: `sample:transport:${input.name}`, label: `Transport sample: ${input.name}`, path: null };
}

/** The Runs view's row of a transport run (label, description, icon, escaped Markdown tooltip). */
export function describeTransportRun(run: TransportRunRecord, icons: Record<string, string>, when: (iso: string) => string) {
  const c = run.config;
  const method = METHOD_NAMES[c.method] ?? c.method;
  const s = run.sinkhorn;
  const r = run.result;
  const last = run.history.at(-1);
  const headline = r ? `divergence ${short(s?.divergence)} · moves ${short(r.meanDimension, 3)} coords` : last ? `step ${last.step} · loss ${short(last.loss)}` : s ? `divergence ${short(s.divergence)}` : null;
  const input = run.input.kind === 'files' ? md`${code(basename(run.input.a.path))} → ${code(basename(run.input.b.path))}` : md`the ${run.input.name} sample`;
  const lines = [
    md`**Transport (${method})** ` + input + md`, ${run.input.points[0]} and ${run.input.points[1]} points in ${run.input.dim}-D`,
    md`status: ${run.status}${run.message ? ` (${run.message})` : ''}`,
    c.method === 'sinkhorn' ? md`ε ${c.epsilon ?? 'default (5% of the mean squared distance)'}` : md`${c.iterations} steps, sparsity ${c.sparsity}${c.sparsity === 'none' ? '' : `, λ ${c.lambda}${c.targetDim !== null ? `, target dimension ${c.targetDim}` : ''}`}, seed ${c.seed}`,
    s && md`Sinkhorn: cost ${short(s.cost, 6)}, divergence ${short(s.divergence, 6)}, ε ${short(s.epsilon)}, ${s.iterations} iterations, ${s.converged ? 'converged' : 'NOT converged'} (marginal error ${short(s.marginalError, 2)})`,
    r && md`mean displacement dimension ${short(r.meanDimension, 3)}; moves ${r.moved.slice(0, 8).join(', ') || 'no coordinate'}${r.moved.length > 8 ? ', …' : ''}`,
    r && r.mongeGap !== null && md`Monge gap ${short(r.mongeGap)}, divergence after ${short(r.divergenceAfter)}`,
    r && md`backend: ${r.backend}, ${short(r.seconds, 3)} s`,
    md`run ${run.id}`,
  ];
  return {
    label: `Transport: ${method} · ${run.status}`,
    description: [headline, when(run.createdAt)].filter(Boolean).join(' · '),
    icon: icons[run.status] ?? 'circle-outline',
    tooltip: lines.filter(Boolean).join('\n\n'),
  };
}

// The data of the Runs view: every run the host keeps, grouped by input. Imputation and
// factorisation runs live in the run store's folder, weighting-vector (magnitude) sessions and
// their autoencoder runs beside it. Each row says its kind, its headline figure and its status.
// Plain Node (no `vscode`): runsView.ts turns these rows into TreeItems, the tests read them.
import { formatFigure } from '../../core/format';
import { basename, dirname } from 'node:path';
import { SAMPLE_TITLES as FACTORIZE_SAMPLE_TITLES } from '../../core/factorize/input';
import { SAMPLE_TITLES as MAGNITUDE_SAMPLE_TITLES, type MagnitudeSource } from '../../protocol/magnitude';
import { sourceTitle } from '../magnitude/data';
import type { FactorizeRunRecord, FactorizeRunStore } from '../factorize/runs';
import type { AutoencoderRun, MagnitudeRecord, MagnitudeRecords } from '../magnitude/records';
import type { ImputeRunRecord, ImputeRuns } from '../impute/runs';
import { describePlacement, type PlacementRecord, type PlacementRecords } from '../placement/records';
import type { Entry } from '../records/recordStore';
import { describeTransportRun, transportInput, type TransportRunRecord, type TransportRunStore } from '../transport/runs';
import { code, md } from './markdown';

export { escapeMarkdown } from './markdown';
export { lineOfKey, outputFile, recordFile, recordFocus } from './files';

/** The stores the view lists. */
export interface RunsSources {
  runs: ImputeRuns;
  factorize: FactorizeRunStore;
  magnitude: MagnitudeRecords;
  placements: PlacementRecords;
  transport: TransportRunStore;
}

/**
 * One run. The commands that act on imputation runs (open, reveal, delete, compare) take
 * `imputeRun` nodes. A record that cannot be read is a `damaged` node with the reason.
 */
export type RunNode =
  | { kind: 'imputeRun'; run: ImputeRunRecord; dir: string }
  | { kind: 'damaged'; noun: string; id: string; dir: string; file: string; reason: string }
  | { kind: 'factorizeRun'; run: FactorizeRunRecord; dir: string }
  | { kind: 'transportRun'; run: TransportRunRecord; dir: string }
  | { kind: 'magnitudeSession'; record: MagnitudeRecord; dir: string }
  | { kind: 'autoencoderRun'; run: AutoencoderRun; session: MagnitudeRecord; dir: string }
  | { kind: 'placementRun'; run: PlacementRecord; dir: string };

/** The runs on one input: a file, or a built-in sample (`path` null). */
export interface InputNode {
  kind: 'input';
  key: string;
  label: string;
  path: string | null;
  runs: RunNode[];
}

export type RunsNode = InputNode | RunNode;

/** The context value of each row; package.json's menus show imputation actions on `lacunaRun` only. */
export const CONTEXT_VALUES = {
  input: 'lacunaInput',
  imputeRun: 'lacunaRun',
  damaged: 'lacunaDamagedRun',
  factorizeRun: 'lacunaFactorizeRun',
  transportRun: 'lacunaTransportRun',
  magnitudeSession: 'lacunaMagnitudeSession',
  autoencoderRun: 'lacunaAutoencoderRun',
  placementRun: 'lacunaPlacementRun',
} as const satisfies Record<RunsNode['kind'], string>;

const STATUS_ICON: Record<string, string> = {
  created: 'circle-outline',
  running: 'sync~spin',
  paused: 'debug-pause',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  interrupted: 'debug-pause',
};

/** A store's entries as nodes: good ones through `good`, damaged ones with their reason. */
function nodesOf<R>(entries: Entry<R>[], noun: string, good: (record: R) => RunNode): RunNode[] {
  return entries.map((e) => (e.ok ? good(e.record) : { kind: 'damaged', noun, id: e.id, dir: e.dir, file: e.file, reason: e.reason }));
}

/** Every run of every store, newest first; damaged records are listed, never dropped. */
export async function listRuns(sources: RunsSources): Promise<RunNode[]> {
  const [runs, factorize, sessions, placements, transport] = await Promise.all([sources.runs.records.list(), sources.factorize.records.list(), sources.magnitude.sessions.list(), sources.placements.records.list(), sources.transport.records.list()]);
  const autoencoder = (
    await Promise.all(
      sessions.flatMap((e) => (e.ok ? [e.record] : [])).map(async (session) =>
        nodesOf(await sources.magnitude.autoencoderEntries(session.id), 'autoencoder run', (run): RunNode => ({ kind: 'autoencoderRun', run, session, dir: sources.magnitude.autoencoderDir(session.id, run.id) })),
      ),
    )
  ).flat();
  const nodes: RunNode[] = [
    ...nodesOf(runs, 'imputation run', (run): RunNode => ({ kind: 'imputeRun', run, dir: sources.runs.dir(run.id) })),
    ...nodesOf(factorize, 'factorisation run', (run): RunNode => ({ kind: 'factorizeRun', run, dir: sources.factorize.dir(run.id) })),
    ...nodesOf(sessions, 'weighting-vector record', (record): RunNode => ({ kind: 'magnitudeSession', record, dir: sources.magnitude.dir(record.id) })),
    ...nodesOf(transport, 'transport run', (run): RunNode => ({ kind: 'transportRun', run, dir: sources.transport.dir(run.id) })),
    ...autoencoder,
    ...nodesOf(placements, 'placement search', (run): RunNode => ({ kind: 'placementRun', run, dir: sources.placements.dir(run.id) })),
  ];
  return nodes.sort((a, b) => {
    const [ca, cb] = [createdAt(a), createdAt(b)];
    return ca < cb ? 1 : ca > cb ? -1 : nodeId(b).localeCompare(nodeId(a));
  });
}

/** The view's top level: one group per input, the group of the newest run first, runs newest first. */
export async function buildRunsTree(sources: RunsSources): Promise<InputNode[]> {
  const groups = new Map<string, InputNode>();
  for (const node of await listRuns(sources)) {
    const input = inputOf(node);
    const group = groups.get(input.key) ?? { kind: 'input', ...input, runs: [] };
    group.runs.push(node);
    groups.set(input.key, group);
  }
  return [...groups.values()];
}

function createdAt(node: RunNode): string {
  if (node.kind === 'damaged') return '';
  return (node.kind === 'magnitudeSession' ? node.record.createdAt : node.run.createdAt) ?? '';
}

/** A tree id, unique across kinds (an imputation run keeps its bare id). */
export function nodeId(node: RunsNode): string {
  switch (node.kind) {
    case 'input':
      return `input:${node.key}`;
    case 'imputeRun':
      return node.run.id;
    case 'damaged':
      return `damaged:${node.file}`;
    case 'factorizeRun':
      return `factorize:${node.run.id}`;
    case 'transportRun':
      return `transport:${node.run.id}`;
    case 'magnitudeSession':
      return `magnitude:${node.record.id}`;
    case 'autoencoderRun':
      return `autoencoder:${node.session.id}/${node.run.id}`;
    case 'placementRun':
      return `placement:${node.run.id}`;
  }
}

type Input = Pick<InputNode, 'key' | 'label' | 'path'>;

const fileInput = (path: string): Input => ({ key: `file:${path}`, label: basename(path), path });

function sampleInput(family: 'factorize' | 'magnitude', name: string, title: string | undefined): Input {
  const text = title ?? name;
  return { key: `sample:${family}:${name}`, label: text.charAt(0).toUpperCase() + text.slice(1), path: null };
}

/** A recorded sample name is a string: an unknown one (a newer Lacuna's) is shown as it is. */
const factorizeSampleTitle = (name: string): string | undefined => (FACTORIZE_SAMPLE_TITLES as Record<string, string | undefined>)[name];

function magnitudeInput(source: MagnitudeSource): Input {
  return source.kind === 'sample' ? sampleInput('magnitude', source.sample, MAGNITUDE_SAMPLE_TITLES[source.sample]) : fileInput(source.path);
}

/** The input a run belongs to. An autoencoder trained on a sample belongs to that sample, not to its session's input. */
export function inputOf(node: RunNode): Input {
  switch (node.kind) {
    case 'imputeRun':
    case 'placementRun':
      return fileInput(node.run.input.path);
    case 'damaged':
      return { key: 'damaged', label: 'Damaged records', path: null };
    case 'factorizeRun': {
      const input = node.run.input;
      return input.kind === 'file' ? fileInput(input.path) : sampleInput('factorize', input.name, factorizeSampleTitle(input.name));
    }
    case 'transportRun':
      return transportInput(node.run.input, fileInput);
    case 'magnitudeSession':
      return magnitudeInput(node.record.source);
    case 'autoencoderRun': {
      const dataset = node.run.settings.dataset;
      return dataset === 'current' ? magnitudeInput(node.session.source) : sampleInput('magnitude', dataset, MAGNITUDE_SAMPLE_TITLES[dataset]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Rows

/** What a tree row shows, before it becomes a vscode.TreeItem. */
export interface RunsRow {
  id: string;
  label: string;
  description: string;
  /** A codicon id; 'file' for a file (shown with the file's own icon). */
  icon: string;
  contextValue: string;
  /** Markdown. */
  tooltip: string;
  /** Input groups have children, shown expanded. */
  expanded: boolean;
  /** The file a group stands for. */
  resourcePath: string | null;
}

/** A number in a few significant digits ('–' when absent or not finite). */
export const figure = (v: number | null | undefined, digits = 4): string => formatFigure(v, { digits, style: 'short' });

/** A metric to `digits` decimals; '–' when JSON kept it as null (NaN: no targets of that kind). */
const fixed = (v: number | null, digits: number) => formatFigure(v, { digits });
const when = (iso: string | undefined) => (iso ?? '').slice(0, 16).replace('T', ' ');
const joinParts = (parts: (string | false | null | undefined)[], separator: string) => parts.filter(Boolean).join(separator);
const statusLine = (status: string, message: string | null | undefined) => md`status: ${status}${message ? ` (${message})` : ''}`;

const KIND_NAMES: Record<RunNode['kind'], string> = {
  imputeRun: 'imputation',
  damaged: 'damaged',
  factorizeRun: 'factorisation',
  transportRun: 'transport',
  magnitudeSession: 'magnitude session',
  autoencoderRun: 'autoencoder',
  placementRun: 'placement',
};

const LOSS_NAMES: Record<string, string> = { frobenius: 'Frobenius', kl: 'KL', wasserstein: 'Wasserstein' };

/** The row of a node. `relativePath` shows a folder as the workspace names it. */
export function describeNode(node: RunsNode, relativePath: (path: string) => string = (p) => p): RunsRow {
  const base = { id: nodeId(node), contextValue: CONTEXT_VALUES[node.kind], expanded: false, resourcePath: null };
  switch (node.kind) {
    case 'input': {
      const counts = new Map<string, number>();
      for (const run of node.runs) counts.set(KIND_NAMES[run.kind], (counts.get(KIND_NAMES[run.kind]) ?? 0) + 1);
      const summary = `${node.runs.length} run(s): ${[...counts].map(([kind, n]) => `${kind} ${n}`).join(', ')}`;
      return {
        ...base,
        label: node.label,
        description: node.path ? relativePath(dirname(node.path)) : 'sample',
        icon: node.path ? 'file' : 'beaker',
        tooltip: (node.path ? md`${code(node.path)}` : md`the built-in ${node.label} sample`) + `\n\n${summary}`,
        expanded: true,
        resourcePath: node.path,
      };
    }
    case 'damaged':
      return {
        ...base,
        label: `Damaged: ${node.id || basename(node.dir)}`,
        description: node.reason,
        icon: 'warning',
        tooltip: joinParts([md`**A damaged ${node.noun}**: ${node.file}`, md`${node.reason}`, 'Lacuna lists it and leaves it as it is; open it to see the file.'], '\n\n'),
      };
    case 'imputeRun': {
      const run = node.run;
      return {
        ...base,
        label: `Impute: ${run.config.method} · ${run.status}`,
        description: joinParts([run.result && `MAE ${fixed(run.result.metrics.mae, 3)}`, when(run.createdAt)], ' · '),
        icon: STATUS_ICON[run.status] ?? 'circle-outline',
        tooltip: joinParts(
          [
            md`**Impute: ${run.config.method}** on ${code(basename(run.input.path))}`,
            statusLine(run.status, run.message),
            md`mask ratio ${run.config.maskRatio}, seed ${run.config.seed}`,
            run.backend && md`backend: ${run.backend}`,
            run.result && md`MAE ${fixed(run.result.metrics.mae, 4)}, RMSE ${fixed(run.result.metrics.rmse, 4)} over ${run.result.targets} targets`,
            md`run ${run.id}`,
          ],
          '\n\n',
        ),
      };
    }
    case 'factorizeRun': {
      const run = node.run;
      const c = run.config;
      const loss = LOSS_NAMES[c.loss] ?? c.loss;
      const last = run.history.at(-1);
      const headline = run.result
        ? `objective ${figure(run.result.objective)} · ‖X − DΛ‖ ${figure(run.result.reconstructionError)}`
        : last && `iteration ${last.iteration} · objective ${figure(last.objective)}`;
      const input = run.input.kind === 'file' ? code(basename(run.input.path)) : `the ${factorizeSampleTitle(run.input.name) ?? run.input.name} sample`;
      const settings =
        c.loss === 'wasserstein'
          ? `k ${c.k}, ε ${c.epsilon}, ρ₁ ${c.rho1}, ρ₂ ${c.rho2}, ${c.iterations} outer iterations of at most ${c.innerIterations} L-BFGS steps (gradient tolerance ${c.gradTol}), seed ${c.seed}`
          : `k ${c.k}, ${c.iterations} multiplicative updates (tolerance ${c.tolerance}), seed ${c.seed}`;
      const grid = c.grid?.kind === 'image' ? `grid: ${c.grid.width} × ${c.grid.height} image` : c.grid ? `grid: a line on [${c.grid.lo}, ${c.grid.hi}]` : null;
      const r = run.result;
      return {
        ...base,
        label: `NMF: ${loss}, k ${c.k} · ${run.status}`,
        description: joinParts([headline, when(run.createdAt)], ' · '),
        icon: STATUS_ICON[run.status] ?? 'circle-outline',
        tooltip: joinParts(
          [
            md`**NMF (${loss})** on ${input}, ${run.input.shape[0]} × ${run.input.shape[1]}`,
            statusLine(run.status, run.message),
            md`${settings}`,
            grid && md`${grid}`,
            r && md`backend: ${r.backend}`,
            r && md`objective ${figure(r.objective, 6)}, reconstruction error ‖X − DΛ‖ ${figure(r.reconstructionError, 6)} after ${r.iterations} iterations (${r.converged ? 'converged' : r.reason}) in ${figure(r.seconds, 3)} s`,
            md`run ${run.id}`,
          ],
          '\n\n',
        ),
      };
    }
    case 'transportRun':
      return { ...base, ...describeTransportRun(node.run, STATUS_ICON, when) };
    case 'magnitudeSession': {
      const record = node.record;
      const last = record.last;
      const request = record.request;
      return {
        ...base,
        label: last ? `Magnitude: n ${last.n}, t ${figure(last.t)}` : 'Magnitude: not solved yet',
        description: joinParts([last && `magnitude ${figure(last.magnitude)}`, when(record.createdAt)], ' · '),
        icon: last ? 'pass' : 'circle-outline',
        tooltip: joinParts(
          [
            md`**Weighting vectors** on ${record.source.kind === 'sample' ? 'the ' : ''}${code(sourceTitle(record.source))}`,
            record.settings && md`solver ${record.settings.solver}, metric ${record.settings.metric}`,
            request && md`points: ${request.columns.length ? `columns ${request.columns.join(', ')}` : 'every numeric column'}, normalisation ${request.normalise}, at most ${request.maxPoints}`,
            (last?.backend ?? record.backend) && md`backend: ${last?.backend ?? record.backend}`,
            last &&
              md`at t ${figure(last.t)}: magnitude ${figure(last.magnitude, 6)} over ${last.n} points (${last.solver}${last.iterations !== null ? `, ${last.iterations} iterations` : ''}, residual ${figure(last.residual, 2)}${last.converged ? '' : ', not converged'}) in ${figure(last.seconds, 3)} s`,
            record.sweep && md`suggested scale t ${figure(record.sweep.suggestedScale)} (${record.sweep.suggestedReason})`,
            md`session ${record.id}`,
          ],
          '\n\n',
        ),
      };
    }
    case 'placementRun':
      return { ...base, ...describePlacement(node.run, STATUS_ICON[node.run.status] ?? 'circle-outline') };
    case 'autoencoderRun': {
      const run = node.run;
      const s = run.settings;
      const rho = run.rho.autoencoder ?? run.latest?.rho ?? null;
      const live = run.rho.autoencoder === null && run.latest ? ` (${run.latest.phase} epoch ${run.latest.epoch})` : '';
      return {
        ...base,
        label: `Autoencoder: ${s.architecture}, n ${run.dataset.n} · ${run.status}`,
        description: joinParts([rho !== null && `ρ ${figure(rho, 3)}${live}`, when(run.createdAt)], ' · '),
        icon: STATUS_ICON[run.status] ?? 'circle-outline',
        tooltip: joinParts(
          [
            md`**Magnitude autoencoder (${s.architecture})** on ${run.dataset.label}`,
            statusLine(run.status, run.error),
            md`n ${run.dataset.n}, dimension ${run.dataset.dim}, t ${s.t}, λ ${s.lambda}, ${s.epochs} epochs (${s.burnIn} burn-in), seed ${s.seed}`,
            md`backend: ${run.backend}`,
            md`ρ(w_X, w_code): autoencoder ${figure(run.rho.autoencoder, 3)}, PCA ${figure(run.rho.pca, 3)}, t-SNE ${figure(run.rho.tsne, 3)}`,
            run.final && md`final loss ${figure(run.final.total)} (L_recons ${figure(run.final.recons)}, L_weight ${figure(run.final.weight)})`,
            run.seconds.total !== null && md`${figure(run.seconds.total, 3)} s`,
            md`run ${run.id} of session ${run.session}`,
          ],
          '\n\n',
        ),
      };
    }
  }
}

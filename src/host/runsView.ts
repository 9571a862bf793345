// The Runs tree in the Lacuna sidebar: runs grouped by input file, each with its status and
// headline MAE.
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import type { RunRecord, RunStore } from './runStore';

export type RunsNode = { kind: 'file'; path: string; runs: RunRecord[] } | { kind: 'run'; run: RunRecord };

const STATUS_ICON: Record<RunRecord['status'], string> = {
  created: 'circle-outline',
  running: 'sync~spin',
  paused: 'debug-pause',
  completed: 'pass',
  failed: 'error',
  cancelled: 'circle-slash',
  interrupted: 'debug-pause',
};

export function runLabel(run: RunRecord): string {
  return `${run.config.method} · ${run.status}`;
}

export function runDescription(run: RunRecord): string {
  const mae = run.result ? `MAE ${run.result.metrics.mae.toFixed(3)} · ` : '';
  return `${mae}${run.createdAt.slice(0, 16).replace('T', ' ')}`;
}

export class RunsView implements vscode.TreeDataProvider<RunsNode> {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: RunStore) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const item = new vscode.TreeItem(basename(node.path), vscode.TreeItemCollapsibleState.Expanded);
      item.description = vscode.workspace.asRelativePath(dirname(node.path));
      item.resourceUri = vscode.Uri.file(node.path);
      item.iconPath = vscode.ThemeIcon.File;
      item.contextValue = 'lacunaInput';
      item.tooltip = `${node.path}\n${node.runs.length} run(s)`;
      return item;
    }
    const run = node.run;
    const item = new vscode.TreeItem(runLabel(run), vscode.TreeItemCollapsibleState.None);
    item.id = run.id;
    item.description = runDescription(run);
    item.iconPath = new vscode.ThemeIcon(STATUS_ICON[run.status]);
    item.contextValue = 'lacunaRun';
    item.tooltip = new vscode.MarkdownString(
      [`**${run.config.method}** on \`${basename(run.input.path)}\``, `status: ${run.status}${run.message ? ` (${run.message})` : ''}`, `mask ratio ${run.config.maskRatio}, seed ${run.config.seed}`, run.backend ? `backend: ${run.backend}` : '', run.result ? `MAE ${run.result.metrics.mae.toFixed(4)}, RMSE ${run.result.metrics.rmse.toFixed(4)} over ${run.result.targets} targets` : '', `run ${run.id}`]
        .filter(Boolean)
        .join('\n\n'),
    );
    item.command = { command: 'lacuna.runs.open', title: 'Open run', arguments: [node] };
    return item;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (node?.kind === 'run') return [];
    if (node?.kind === 'file') return node.runs.map((run) => ({ kind: 'run', run }));
    const runs = await this.store.list();
    const byFile = new Map<string, RunRecord[]>();
    for (const run of runs) {
      const list = byFile.get(run.input.path) ?? [];
      list.push(run);
      byFile.set(run.input.path, list);
    }
    return [...byFile].map(([path, list]) => ({ kind: 'file', path, runs: list }));
  }
}

/** A Markdown table of two runs' metrics side by side. */
export function compareRunsMarkdown(a: RunRecord, b: RunRecord): string {
  const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(4));
  const row = (name: string, pick: (r: RunRecord) => number | undefined) => `| ${name} | ${f(pick(a))} | ${f(pick(b))} |`;
  return [
    `# Compare runs`,
    '',
    `| | ${a.config.method} (${a.id}) | ${b.config.method} (${b.id}) |`,
    '|---|---|---|',
    `| input | ${basename(a.input.path)} | ${basename(b.input.path)} |`,
    `| status | ${a.status} | ${b.status} |`,
    `| mask ratio / seed | ${a.config.maskRatio} / ${a.config.seed} | ${b.config.maskRatio} / ${b.config.seed} |`,
    `| targets | ${a.result?.targets ?? '–'} | ${b.result?.targets ?? '–'} |`,
    row('MAE', (r) => r.result?.metrics.mae),
    row('RMSE', (r) => r.result?.metrics.rmse),
    row('MSE', (r) => r.result?.metrics.mse),
    row('MRE', (r) => r.result?.metrics.mre),
    row('MAE, nonzero truth', (r) => r.result?.metrics.nonzero.mae),
    row('MAE, zero truth', (r) => r.result?.metrics.zero.mae),
    row('seconds', (r) => r.result?.seconds),
    `| backend | ${a.backend ?? '–'} | ${b.backend ?? '–'} |`,
    '',
  ].join('\n');
}

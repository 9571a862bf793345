// The Runs tree in the Lacuna sidebar: every run the host keeps (imputation, factorisation,
// weighting-vector sessions, autoencoder trainings) grouped by input, each with its kind, its
// headline figure and its status. The data and the rows come from runsTree.ts (plain Node).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ImputeRunRecord as RunRecord } from '../impute/runs';
import { buildRunsTree, describeNode, escapeMarkdown, type RunsNode, type RunsSources } from './tree';

export type { RunsNode } from './tree';

/** Stores write often (a magnitude session on every move of its t slider): refreshes are coalesced. */
const REFRESH_DELAY_MS = 150;

export class RunsView implements vscode.TreeDataProvider<RunsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private pending: ReturnType<typeof setTimeout> | undefined;

  /** The stores, asked for when the tree is built (they are created after the view). */
  constructor(private readonly sources: () => RunsSources) {}

  refresh(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.changed.fire(undefined);
    }, REFRESH_DELAY_MS);
  }

  getTreeItem(node: RunsNode): vscode.TreeItem {
    const row = describeNode(node, (path) => vscode.workspace.asRelativePath(path));
    const item = new vscode.TreeItem(row.label, row.expanded ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = row.id;
    item.description = row.description;
    item.contextValue = row.contextValue;
    // Data in the tooltip is escaped (runsTree's md); no HTML, no commands, no theme icons either.
    const tooltip = new vscode.MarkdownString(row.tooltip, false);
    tooltip.isTrusted = false;
    tooltip.supportHtml = false;
    item.tooltip = tooltip;
    if (row.resourcePath) item.resourceUri = vscode.Uri.file(row.resourcePath);
    item.iconPath = row.icon === 'file' ? vscode.ThemeIcon.File : new vscode.ThemeIcon(row.icon);
    if (node.kind !== 'input') item.command = { command: 'lacuna.runs.open', title: 'Open run', arguments: [node] };
    return item;
  }

  async getChildren(node?: RunsNode): Promise<RunsNode[]> {
    if (!node) return buildRunsTree(this.sources());
    return node.kind === 'input' ? node.runs : [];
  }

  dispose(): void {
    clearTimeout(this.pending);
    this.changed.dispose();
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
    `| input | ${escapeMarkdown(basename(a.input.path))} | ${escapeMarkdown(basename(b.input.path))} |`,
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

// Reading a file under a cancellable progress notification (by bytes read): one helper for every
// command that reads data.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { LoadOptions } from './loadMatrix';

export function readProgress<T>(path: string, load: (options: Pick<LoadOptions, 'isCancelled' | 'onProgress'>) => Promise<T>): Promise<T> {
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Lacuna: reading ${basename(path)}`, cancellable: true }, (progress, token) => {
      let reported = 0;
      return load({
        isCancelled: () => token.isCancellationRequested,
        onProgress: (fraction) => {
          const percent = Math.floor(fraction * 100);
          if (percent > reported) {
            progress.report({ increment: percent - reported, message: `${percent}%` });
            reported = percent;
          }
        },
      });
    }),
  );
}

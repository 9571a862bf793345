// The baselines on AQI-36, against the same methods in sklearn and numpy on the same data,
// timed and cross-checked: the peers' MAE must agree with Lacuna's.
import { resolve } from 'node:path';
import { imputeLinear, imputeMean } from '../core/impute/baselines';
import { evaluate } from '../core/impute/metrics';
import { truthProtocol } from '../core/impute/protocol';
import { fileSource } from '../core/io/node';
import { readWideTable } from '../core/io/tables';
import { runPython, timeIt, type BenchSection } from './harness';

export async function imputeBench(root: string): Promise<BenchSection> {
  const dir = resolve(root, '../shared/data/aqi36');
  const missingPath = `${dir}/pm25_missing.txt`;
  const groundPath = `${dir}/pm25_ground.txt`;
  const input = await readWideTable(fileSource(missingPath));
  const truth = await readWideTable(fileSource(groundPath));
  const setup = truthProtocol(input, truth, [3, 6, 9, 12]);
  const lacunaMeanT = await timeIt(() => imputeMean(setup.input), 5);
  const lacunaLinearT = await timeIt(() => imputeLinear(setup.input), 5);
  const maeMean = evaluate(imputeMean(setup.input), setup.truth, setup.targets, input.cols).mae;
  const maeLinear = evaluate(imputeLinear(setup.input), setup.truth, setup.targets, input.cols).mae;

  const peer = runPython<{ mean: number; linear: number; mae_mean: number; mae_linear: number }>(
    `
import json, sys, time
import numpy as np
from sklearn.impute import SimpleImputer
def load(path):
    rows = [l.rstrip('\\n').split(',') for l in open(path)][1:]
    months = np.array([int(r[0][5:7]) for r in rows])
    x = np.array([[float(v) if v != '' else np.nan for v in r[1:]] for r in rows])
    return x, months
x, months = load(sys.argv[1])
g, _ = load(sys.argv[2])
targets = np.isnan(x) & ~np.isnan(g) & np.isin(months, [3, 6, 9, 12])[:, None]
def median_time(fn, repeats=5):
    fn(); ts = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    ts.sort(); return ts[len(ts) // 2]
def mean_impute():
    return SimpleImputer(strategy='mean').fit_transform(x)
def linear_impute():
    out = x.copy(); idx = np.arange(x.shape[0])
    for j in range(x.shape[1]):
        ok = ~np.isnan(x[:, j])
        out[~ok, j] = np.interp(idx[~ok], idx[ok], x[ok, j])
    return out
r = {'mean': median_time(mean_impute), 'linear': median_time(linear_impute)}
r['mae_mean'] = float(np.abs(mean_impute()[targets] - g[targets]).mean())
r['mae_linear'] = float(np.abs(linear_impute()[targets] - g[targets]).mean())
print(json.dumps(r))`,
    [missingPath, groundPath],
  );
  return {
    title: 'Baselines on AQI-36 (8,759 × 36, 20,434 targets)',
    intro:
      'Wall time of the imputation itself (data already in memory; median of 5). The peers run the same method on the same input, and their MAE on the standard targets is shown beside Lacuna’s as a cross-check.',
    commands: ['npm run bench -- impute'],
    rows: [
      { case: 'column mean', lacuna: lacunaMeanT, peer: peer.mean, peerName: 'sklearn SimpleImputer(mean)', note: `MAE Lacuna ${maeMean.toFixed(3)}, peer ${peer.mae_mean.toFixed(3)}` },
      { case: 'linear interpolation in time', lacuna: lacunaLinearT, peer: peer.linear, peerName: 'numpy.interp per column', note: `MAE Lacuna ${maeLinear.toFixed(3)}, peer ${peer.mae_linear.toFixed(3)}` },
    ],
  };
}

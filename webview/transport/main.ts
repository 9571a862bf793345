// The Transport panel's page: picks a tfjs backend, runs Sinkhorn and trains the map with the
// same core code as `lacuna transport` (src/core/transport/job.ts), draws the results as they
// come, and reports them to the host, which keeps the run. State: state.ts; DOM: view.ts.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { runTransportJob } from '../../src/core/transport/job';
import type { TransportHostToPage, TransportPageToHost, TransportPanelState, TransportTrainPoint } from '../../src/protocol/transport';
import { createChannel } from '../common/channel';
import { pageBackendEnv, pickTfBackend, showBackendBadge } from '../common/backend';
import type { ExportMime } from '../common/ui';
import { cloudOf, fmt, planeView, readTransportConfig, type PlaneView } from './state';
import { createTransportView } from './view';

const channel = createChannel<TransportPageToHost, TransportHostToPage, TransportPanelState>();
const post = (m: TransportPageToHost) => channel.post(m);
const exportTo = (fileName: string, mime: ExportMime, data: Uint8Array | string) => post({ type: 'export', fileName, mime, data });
const view = createTransportView(document.getElementById('app')!, exportTo);

/** The page's state: the data shown, its plane view, the tfjs backend, the run going on (its abort) and its curve. */
const page: { data: Extract<TransportHostToPage, { type: 'data' }> | null; plane: PlaneView | null; backendName: string | null; abort: AbortController | null; history: TransportTrainPoint[] } = {
  data: null,
  plane: null,
  backendName: null,
  abort: null,
  history: [],
};

// wasm first: every training step reads the batch's cost matrices back for the Float64 Sinkhorn
// and sends the plans in again, so a GPU backend spends its time on round trips at these batch
// sizes (and WebGPU on a CPU emulation lost its device mid-run in the end-to-end test).
const backendReady = pickTfBackend(tf, { ...pageBackendEnv(), order: ['wasm', 'webgpu', 'webgl', 'cpu'] }).then((picked) => {
  showBackendBadge(document.getElementById('backend')!, picked);
  if (picked.backend) {
    page.backendName = picked.backend.name;
    post({ type: 'backend', report: { name: picked.backend.name, attempts: picked.backend.attempts } });
  } else view.setMessage(`No tfjs backend started (${picked.error}): Sinkhorn runs, the learned maps do not.`, 'error');
});

channel.on('data', (m) => {
  const first = page.data === null;
  page.data = m;
  channel.setState({ source: m.source });
  page.plane = planeView(m.a, m.b, m.columns);
  view.showData(m.title, m.a, m.b, m.columns);
  if (first) view.setForm(m.config);
  view.setRunning(page.abort !== null, m.trusted);
  if (!m.trusted) view.setMessage('This workspace is not trusted: Lacuna shows the data but runs nothing and writes nothing.', 'error');
  // Before any run: the two clouds alone.
  if (first) view.showMap(page.plane, m.a, m.b, new Float64Array(0), m.a.dim > 2 ? `The first two principal axes of A and B together (d = ${m.a.dim}).` : '');
});

channel.on('status', (m) => {
  if (m.runId) document.body.dataset.runId = m.runId;
  view.setStatus(m.status);
  if (m.message) view.setMessage(m.message, m.status === 'failed' ? 'error' : 'info');
});
channel.on('saved', (m) => view.setMessage(`Saved ${m.path}.`));
channel.on('error', (m) => view.setMessage(m.message, 'error'));

async function run() {
  if (!page.data || !page.plane || page.abort) return;
  const config = readTransportConfig(view.form());
  if (typeof config === 'string') {
    view.setMessage(config, 'error');
    return;
  }
  await backendReady;
  if (config.method !== 'sinkhorn' && !page.backendName) {
    view.setMessage('No tfjs backend is available for a learned map; Sinkhorn still runs.', 'error');
    return;
  }
  try {
    await channel.request({ type: 'run', config });
  } catch (err) {
    view.setMessage((err as Error).message, 'error');
    return;
  }
  const { a, b, columns, support } = page.data;
  const shownPlane = page.plane;
  page.abort = new AbortController();
  page.history = [];
  view.setRunning(true, page.data.trusted);
  view.setMessage(config.method === 'sinkhorn' ? 'Solving Sinkhorn…' : 'Solving Sinkhorn, then training the map…');
  // Redraw the curves at most every 300 ms.
  let lastDraw = 0;
  try {
    const result = await runTransportJob(tf, cloudOf(a), cloudOf(b), config, {
      signal: page.abort.signal,
      onSinkhorn: (s) => {
        view.showSinkhorn(s);
        post({ type: 'sinkhorn', summary: s });
      },
      onProgress: (p) => {
        const point: TransportTrainPoint = { step: p.step, loss: p.loss, divergence: Number.isFinite(p.divergence) ? p.divergence : null, mongeGap: Number.isFinite(p.mongeGap) ? p.mongeGap : null, lambda: p.lambda, displacementDim: p.displacementDim };
        if (!Number.isFinite(point.loss)) return;
        page.history.push(point);
        post({ type: 'progress', point });
        view.setProgress(`step ${p.step} / ${config.iterations}: loss ${fmt(p.loss)}${config.sparsity === 'none' ? '' : `, λ ${fmt(p.lambda, 3)} (${p.phase})`}, moves ${fmt(p.displacementDim, 3)} coordinates`);
        if (performance.now() - lastDraw > 300) {
          lastDraw = performance.now();
          view.showCurves(page.history);
        }
      },
    });
    view.showCurves(page.history);
    view.showMap(shownPlane, a, b, result.mapped, `${config.method === 'sinkhorn' ? 'Arrows: each point of A to where the entropic plan sends it on average (its barycentric projection).' : `Arrows: the learned map T after ${result.map?.steps} steps.`}${a.dim > 2 ? ` Projected on the first two principal axes of A and B (d = ${a.dim}); the colour is the full-dimensional length.` : ''}`);
    view.showDisplacement(columns, result.perCoordinate, result.meanDimension, support);
    if (result.cancelled) {
      post({ type: 'cancelled' });
      view.setMessage(`Cancelled after ${result.map?.steps ?? 0} steps; the map so far is shown, nothing was kept.`);
    } else {
      post({ type: 'result', result: { config, sinkhorn: result.sinkhorn, mapped: result.mapped, perCoordinate: result.perCoordinate, meanDimension: result.meanDimension, map: result.map, plan: result.plan, seconds: result.seconds, backend: config.method === 'sinkhorn' ? 'cpu-float64' : `tfjs-${page.backendName}` } });
      view.setProgress(result.map ? `done: divergence after ${fmt(result.map.divergenceAfter)}, Monge gap ${fmt(result.map.mongeGap)}` : 'done');
    }
  } catch (err) {
    const text = (err as Error).message ?? String(err);
    post({ type: 'failed', message: text });
    view.setMessage(`The run failed: ${text}`, 'error');
  } finally {
    page.abort = null;
    view.setRunning(false, page.data?.trusted ?? false);
  }
}

view.runButton.addEventListener('click', () => void run());
view.cancelButton.addEventListener('click', () => {
  page.abort?.abort();
  view.setProgress('cancelling…');
});
channel.ready();

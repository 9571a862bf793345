// `npm run bench -- deepspeed`: the learned imputers' throughput (issue 7, "Throughput"). Training
// steps per second per backend at AQI-36 size; the same ViT's training step in PyTorch CPU,
// measured in the same run; and how the Kron attention's forward + backward grows with N and P
// against full softmax attention over all P·N tokens. Each backend runs in its own child process
// (src/bench/deepSpeedRun.ts): WebGPU in Node needs Dawn's Vulkan environment from the start.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { DEEP_METHODS, MODEL_DEFAULTS, type DeepMethod } from '../core/impute/models';
import { DEFAULT_CORRUPTION, fitNormaliser, makeBatch } from '../core/impute/windows';
import { seededRng } from '../core/random';
import { loadAqi } from './deepCurve';
// Types only: importing deepSpeedRun's values would run the child's main here.
import type { AttentionJob, AttentionReport, ProbeReport, SpeedJob, TrainJob, TrainReport, TrainTiming } from './deepSpeedRun';
import { runPython, swiftShaderEnv, type BenchRow, type BenchSection } from './harness';

export const BATCH = 16;
const NAMES: Record<DeepMethod, string> = { kron: 'Kron', vit: 'ViT', unet: 'UNet' };

/** The attention grid: window lengths P, columns N, channels C, batch B. */
const ATTENTION: Omit<AttentionJob, 'kind' | 'backend'> = {
  steps: [12, 24, 48],
  cols: [16, 36, 64, 128],
  channels: 16,
  keyWidth: MODEL_DEFAULTS.kron.keyWidth,
  batch: 4,
  maxSeconds: 10,
  maxBytes: 1.5 * 2 ** 30,
  margin: 1.5,
};

export function runChild<T>(root: string, job: SpeedJob, env: NodeJS.ProcessEnv = process.env, timeoutSeconds = 900): T {
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/bench/deepSpeedRun.ts'), JSON.stringify(job)], {
    cwd: root,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 << 20,
    timeout: timeoutSeconds * 1000,
  });
  if (child.status !== 0) throw new Error(`src/bench/deepSpeedRun.ts ${job.kind} ${job.backend} failed (status ${child.status}, signal ${child.signal})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as T;
}


/**
 * The ViT imputer's training step in PyTorch: the architecture of src/core/impute/models/vit.ts
 * (patches of the values, visibility bits and interpolation embedded linearly, learned
 * positional and mean hour-of-day / day-of-week embeddings per patch row, pre-norm transformer
 * blocks with an MLP of twice the width and tanh GELU, a final norm and a linear head to the
 * patch's entries, added to the interpolation), and trainImputer's step: the nonzero- and
 * zero-truth masked L1 losses, weighted, with the two unweighted gradient norms at the head in
 * closed form (as GradNorm takes them), then Adam. Prints one JSON line.
 */
export const TORCH_VIT = String.raw`
import json, os, sys, time
# Passive OpenMP waits: spinning threads on a machine loaded past its cores made 2 threads far
# slower than 1 (set before torch loads libgomp, which reads it once).
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
import torch
import torch.nn as nn
import torch.nn.functional as F

spec = json.load(open(sys.argv[1]))
threads, warmup, steps = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
cfg = spec['config']
B, P, N = spec['batch'], cfg['steps'], cfg['cols']
pt, pn, D, depth, H = cfg['patchSteps'], cfg['patchCols'], cfg['width'], cfg['depth'], cfg['heads']
R, C = -(-P // pt), -(-N // pn)
T, PP, PN, dh = R * C, R * pt, C * pn, D // H

def t3(name):
    return torch.tensor(spec[name], dtype=torch.float32).reshape(B, P, N)

values, visible, interp = t3('values'), t3('visible'), t3('interpolated')
target, truth, zero = t3('target'), t3('truth'), t3('zeroTruth')
hour = torch.tensor(spec['hour'], dtype=torch.long).reshape(B, P)
weekday = torch.tensor(spec['weekday'], dtype=torch.long).reshape(B, P)

def patchify(x):  # [B, P, N, F] -> [B*T, pt*pn*F]
    f = x.shape[3]
    x = F.pad(x, (0, 0, 0, PN - N, 0, PP - P))
    return x.reshape(B, R, pt, C, pn * f).permute(0, 1, 3, 2, 4).reshape(B * T, pt * pn * f)

def unpatchify(x):  # [B*T, pt*pn] -> [B, P, N]
    return x.reshape(B, R, C, pt, pn).permute(0, 1, 3, 2, 4).reshape(B, PP, PN)[:, :P, :N]

def row_mean(codes, depth_):  # [B, P] -> [B*R, depth]
    h = F.one_hot(codes, depth_).float()
    h = F.pad(h, (0, 0, 0, PP - P))
    return h.reshape(B, R, pt, depth_).mean(2).reshape(B * R, depth_)

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(D, eps=1e-5), nn.LayerNorm(D, eps=1e-5)
        self.qkv, self.out = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.mlp1, self.mlp2 = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)

    def forward(self, x):  # [B, T, D]
        q, k, v = self.qkv(self.norm1(x)).split(D, dim=2)
        split = lambda z: z.reshape(B, T, H, dh).transpose(1, 2)
        a = torch.softmax(split(q) @ split(k).transpose(2, 3) / dh ** 0.5, dim=-1)
        x = x + self.out((a @ split(v)).transpose(1, 2).reshape(B, T, D))
        return x + self.mlp2(F.gelu(self.mlp1(self.norm2(x)), approximate='tanh'))

class Vit(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(3 * pt * pn, D)
        self.position = nn.Parameter(0.1 * torch.randn(T, D))
        self.hour = nn.Parameter(0.1 * torch.randn(24, D))
        self.weekday = nn.Parameter(0.1 * torch.randn(7, D))
        self.blocks = nn.ModuleList([Block() for _ in range(depth)])
        self.norm = nn.LayerNorm(D, eps=1e-5)
        self.head = nn.Linear(D, pt * pn)

    def forward(self):
        x = self.embed(patchify(torch.stack([values, visible, interp], 3))).reshape(B, R, C, D)
        x = x + self.position.reshape(1, R, C, D)
        time_ = row_mean(hour, 24) @ self.hour + row_mean(weekday, 7) @ self.weekday
        x = (x + time_.reshape(B, R, 1, D)).reshape(B, T, D)
        for blk in self.blocks:
            x = blk(x)
        head_input = self.norm(x).reshape(B * T, D)
        return interp + unpatchify(self.head(head_input)), head_input

model = Vit()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
masks = [target * (1 - zero), target * zero]
counts = [m.sum() + 1e-6 for m in masks]
all_count = target.sum() + 1e-6
weights = [1.0, 1.0]

def step():
    pred, head_input = model()
    diff = pred - truth
    err = diff.abs()
    l_nz, l_z = [(err * m).sum() / c for m, c in zip(masks, counts)]
    loss_all = (err * target).sum() / all_count
    with torch.no_grad():
        slope = diff.sign()
        head_t = head_input.t()
        norms = [(head_t @ patchify((slope * m / c).unsqueeze(3))).norm() for m, c in zip(masks, counts)]
    loss = weights[0] * l_nz + weights[1] * l_z
    opt.zero_grad()
    loss.backward()
    opt.step()
    return [loss_all.item(), l_nz.item(), l_z.item()] + [n.item() for n in norms]

for _ in range(warmup):
    step()
times = []
losses = []
t_all = time.perf_counter()
for _ in range(steps):
    t0 = time.perf_counter()
    losses.append(step()[0])
    times.append(time.perf_counter() - t0)
total = time.perf_counter() - t_all
times.sort()
print(json.dumps({'threads': torch.get_num_threads(), 'torch': torch.__version__, 'steps': steps, 'seconds': total,
                  'median': times[len(times) // 2], 'parameters': sum(p.numel() for p in model.parameters()),
                  'finite': all(l == l for l in losses), 'waitPolicy': os.environ['OMP_WAIT_POLICY']}))
`;

export interface TorchTiming {
  threads: number;
  torch: string;
  steps: number;
  seconds: number;
  median: number;
  parameters: number;
  finite: boolean;
  waitPolicy: string;
}

const perStep = (r: { steps: number; seconds: number }) => r.seconds / r.steps;

function trainRow(label: string, r: TrainTiming, warmup: number): BenchRow {
  return {
    case: `${NAMES[r.method]} training step, ${label}`,
    lacuna: perStep(r),
    peer: null,
    peerName: '—',
    note: `**${(1 / perStep(r)).toFixed(2)} steps/s** (${r.steps} timed steps after ${warmup} warm-up, median step ${r.medianStep.toFixed(3)} s); ${r.parameters.toLocaleString('en')} parameters; ${r.leakedTensors} tensors leaked, count ${r.flat ? 'flat' : 'NOT flat'} across steps${r.finiteLoss ? '' : '; a loss was not finite'}`,
  };
}

/** One real AQI-36 training batch (the ViT's windows and corruption) as JSON, for the PyTorch peer. */
export async function writeVitBatch(root: string, dir: string): Promise<string> {
  const { setup } = await loadAqi(root);
  const data = setup.input;
  const config: Record<string, number> = { ...MODEL_DEFAULTS.vit, cols: data.cols };
  const rng = seededRng(1);
  const starts = Array.from({ length: BATCH }, () => Math.floor(rng() * (data.rows - config.steps + 1)));
  const batch = makeBatch(data, fitNormaliser(data), starts, config.steps, { rng, corruption: DEFAULT_CORRUPTION });
  const batchFile = join(dir, 'deepspeed-vit-batch.json');
  writeFileSync(
    batchFile,
    JSON.stringify({
      config,
      batch: BATCH,
      ...Object.fromEntries((['values', 'visible', 'interpolated', 'target', 'truth', 'zeroTruth', 'hour', 'weekday'] as const).map((k) => [k, Array.from(batch[k])])),
    }),
  );
  return batchFile;
}

export async function deepSpeedBench(root: string, dir: string): Promise<BenchSection> {
  const loadBefore = loadavg();
  const started = performance.now();
  const cores = cpus().length;
  const rows: BenchRow[] = [];
  const notes: string[] = [];
  const methods = [...DEEP_METHODS];

  // 1. Training steps per second per backend, on AQI-36 (36 columns, the default window of 24).
  const plans: { backend: 'wasm' | 'cpu'; warmup: number; steps: number; budgetSeconds: number }[] = [
    { backend: 'wasm', warmup: 3, steps: 20, budgetSeconds: 60 },
    // The plain-JS cpu backend is 6–40× slower: fewer timed steps, within a time budget per model.
    { backend: 'cpu', warmup: 1, steps: 20, budgetSeconds: 25 },
  ];
  const reports = new Map<string, TrainReport>();
  for (const plan of plans) {
    process.stderr.write(`bench: deepspeed: training steps on ${plan.backend}…\n`);
    const job: TrainJob = { kind: 'train', methods, batchSize: BATCH, ...plan };
    const report = runChild<TrainReport>(root, job);
    reports.set(plan.backend, report);
    const label = plan.backend === 'wasm' ? `wasm in Node (${report.wasmThreads ? 'threaded' : 'single-threaded'} SIMD)` : 'cpu (plain JS) in Node';
    for (const r of report.runs) rows.push(trainRow(label, r, plan.warmup));
  }

  // WebGPU in Node through Dawn: a real adapter first (the process's own environment), else
  // SwiftShader's Vulkan. SwiftShader emulates a GPU on the CPU: a trial step of the Kron model
  // took minutes on this machine, so it is timed only on request (LACUNA_BENCH_DEEPSPEED_EMULATED=1).
  process.stderr.write('bench: deepspeed: probing WebGPU through Dawn…\n');
  let gpuEnv: NodeJS.ProcessEnv = process.env;
  let probe = runChild<ProbeReport>(root, { kind: 'probe', backend: 'webgpu' }, gpuEnv, 120);
  // "no tfjs backend could initialise: webgpu (REASON)" → REASON
  const noRealAdapter = probe.error?.match(/webgpu \((.*)\)$/)?.[1] ?? probe.error;
  const shader = swiftShaderEnv();
  if (!probe.backend && shader) {
    gpuEnv = shader;
    probe = runChild<ProbeReport>(root, { kind: 'probe', backend: 'webgpu' }, gpuEnv, 120);
  }
  const runEmulated = process.env.LACUNA_BENCH_DEEPSPEED_EMULATED === '1';
  if (!probe.backend) {
    rows.push({ case: 'training steps, webgpu in Node (Dawn)', lacuna: NaN, peer: null, peerName: '—', note: `skipped: ${noRealAdapter}${shader ? `; with SwiftShader: ${probe.error}` : '; no SwiftShader driver to fall back on'}` });
  } else if (probe.emulated && !runEmulated) {
    rows.push({
      case: 'training steps, webgpu in Node (Dawn on SwiftShader, emulated)',
      lacuna: NaN,
      peer: null,
      peerName: '—',
      note: `skipped: in the process's own environment: ${noRealAdapter}; with SwiftShader's Vulkan, only ${probe.adapter}. SwiftShader runs the shaders on the CPU, so its times say nothing about a GPU, and a trial Kron step took over 3 minutes on this busy machine; \`LACUNA_BENCH_DEEPSPEED_EMULATED=1\` times 1 step per model anyway`,
    });
  } else {
    const emulated = probe.emulated === true;
    const plan = emulated ? { warmup: 1, steps: 1, budgetSeconds: 0 } : { warmup: 3, steps: 20, budgetSeconds: 60 };
    process.stderr.write(`bench: deepspeed: training steps on webgpu (${probe.adapter})…\n`);
    const report = runChild<TrainReport>(root, { kind: 'train', backend: 'webgpu', methods, batchSize: BATCH, ...plan }, gpuEnv, 3600);
    reports.set('webgpu', report);
    const label = emulated ? `webgpu in Node on ${probe.adapter}, **emulated**` : `webgpu in Node on ${probe.adapter}`;
    if (report.skipped) rows.push({ case: `training steps, ${label}`, lacuna: NaN, peer: null, peerName: '—', note: `skipped: ${report.skipped}` });
    for (const r of report.runs) rows.push(trainRow(label, r, plan.warmup));
  }

  // 2. The ViT's step in PyTorch CPU on one real AQI-36 training batch (same windows, same corruption).
  process.stderr.write('bench: deepspeed: the ViT in PyTorch…\n');
  const vit = reports.get('wasm')?.runs.find((r) => r.method === 'vit');
  const batchFile = await writeVitBatch(root, dir);
  const torchThreads = [...new Set([cores, 1])];
  const torchRuns: TorchTiming[] = [];
  for (const threads of torchThreads) {
    try {
      torchRuns.push(runPython<TorchTiming>(TORCH_VIT, [batchFile, String(threads), '3', '20']));
    } catch (err) {
      notes.push(`PyTorch with ${threads} thread(s) failed: ${(err as Error).message}`);
    }
  }
  if (vit) {
    for (const t of torchRuns) {
      rows.push({
        case: `ViT training step, wasm (single-threaded) vs PyTorch CPU with ${t.threads} thread${t.threads === 1 ? '' : 's'}`,
        lacuna: perStep(vit),
        peer: perStep(t),
        peerName: `PyTorch ${t.torch} CPU, ${t.threads} thread${t.threads === 1 ? '' : 's'}`,
        note: `PyTorch ${(1 / perStep(t)).toFixed(1)} steps/s (${t.steps} timed after 3 warm-up, median ${t.median.toFixed(4)} s); ${perStep(vit) >= perStep(t) ? `Lacuna is **${(perStep(vit) / perStep(t)).toFixed(1)}× slower**` : `Lacuna is **${(perStep(t) / perStep(vit)).toFixed(1)}× faster**`}; the torch step reuses one batch, Lacuna's draws and corrupts a new one each step; ${t.parameters.toLocaleString('en')} parameters in torch, ${vit.parameters.toLocaleString('en')} in Lacuna${t.finite ? '' : '; a torch loss was not finite'}`,
      });
    }
  }

  // 3. Kron attention against full attention, forward + backward, on wasm.
  process.stderr.write('bench: deepspeed: Kron vs full attention…\n');
  const attention = runChild<AttentionReport>(root, { kind: 'attention', backend: 'wasm', ...ATTENTION });
  const ms = (s: number | null) => (s === null ? '—' : (s * 1000).toFixed(s >= 1 ? 0 : 1));
  const attentionTable = [
    `| P | N | tokens P·N | Kron (ms) | full attention (ms) | full / Kron | tensors leaked |`,
    '|---|---|---|---|---|---|---|',
    ...[...attention.cases]
      .sort((a, b) => a.steps - b.steps || a.cols - b.cols)
      .map((c) => `| ${c.steps} | ${c.cols} | ${c.tokens} | ${ms(c.kron)} | ${c.dense === null ? `not run: ${c.denseSkipped}` : ms(c.dense)} | ${c.dense !== null && c.kron ? `${(c.dense / c.kron).toFixed(1)}×` : '—'} | ${c.leakedTensors} |`),
  ].join('\n');
  // Growth exponents along each axis, from the smallest to the largest size measured.
  const growth = (pick: (c: AttentionReport['cases'][number]) => number | null, along: 'steps' | 'cols', fixed: number) => {
    const line = attention.cases.filter((c) => (along === 'steps' ? c.cols : c.steps) === fixed && pick(c) !== null).sort((a, b) => a[along] - b[along]);
    if (line.length < 2) return null;
    const [lo, hi] = [line[0], line[line.length - 1]];
    return { exponent: Math.log(pick(hi)! / pick(lo)!) / Math.log(hi[along] / lo[along]), from: lo[along], to: hi[along] };
  };
  const exponents: string[] = [];
  for (const [along, fixed, other] of [['cols', 24, 'P'], ['steps', 36, 'N']] as const) {
    const k = growth((c) => c.kron, along, fixed);
    const d = growth((c) => c.dense, along, fixed);
    const axis = along === 'cols' ? 'N' : 'P';
    if (k) exponents.push(`along ${axis} (${other} = ${fixed}, ${axis} ${k.from}→${k.to}) the Kron step grows as ${axis}^${k.exponent.toFixed(2)}${d ? `, full attention as ${axis}^${d.exponent.toFixed(2)} (${axis} ${d.from}→${d.to})` : ''}`);
  }

  const seconds = (performance.now() - started) / 1000;
  const loadAfter = loadavg();
  const wasm = reports.get('wasm');
  const extra = [
    '**Training steps per second** (AQI-36: 36 columns, window 24, batch 16, default model settings; one step = forward, backward and Adam, with GradNorm\'s norms from the head, as `trainImputer` runs it, the window sampling and corruption included):',
    '',
    '| model | ' + [...reports.keys()].join(' | ') + ' |',
    '|---|' + [...reports.keys()].map(() => '---').join('|') + '|',
    ...methods.map((m) => `| ${NAMES[m]} | ${[...reports.values()].map((rep) => { const r = rep.runs.find((x) => x.method === m); return r ? (1 / perStep(r)).toFixed(2) : '—'; }).join(' | ')} |`),
    '',
    `**Kron attention against full attention** (forward + backward of \`kronMaps\` + \`kronMessage\`, gradients for X and every weight, against softmax(QKᵀ/√d)·X over all P·N tokens written with the same tfjs ops in src/bench/deepSpeedRun.ts; C = ${ATTENTION.channels}, key width ${ATTENTION.keyWidth}, batch ${ATTENTION.batch}; ${attention.backend} backend, ${attention.wasmThreads ? 'threaded' : 'single-threaded'}; median of up to 5 steps after a warm-up, 1 when a step takes over a second). A full-attention case is not run when its working set (about six B·(PN)² float32 arrays) would pass ${(ATTENTION.maxBytes / 2 ** 30).toFixed(1)} GiB, or when the largest measured one, scaled by (PN/PN′)² × ${ATTENTION.margin}, predicts over ${ATTENTION.maxSeconds} s a step:`,
    '',
    attentionTable,
    '',
    exponents.length ? `Growth: ${exponents.join('; ')}. The Kron step is O(P²N + N²P)·C; full attention is O((PN)²).` : '',
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
  return {
    title: 'Deep imputers: throughput',
    intro: [
      `Each backend in its own Node process (\`node --import tsx src/bench/deepSpeedRun.ts\`), the PyTorch peer with /usr/bin/python3 (Debian's python3-torch) on the same AQI-36 batch, in the same run.`,
      `PyTorch ran with torch.set_num_threads(${cores}) (this machine's cores) and with 1 thread, the like-for-like with Lacuna's ${wasm?.wasmThreads ? 'threaded' : 'single-threaded'} wasm (with OMP_WAIT_POLICY=${torchRuns[0]?.waitPolicy ?? 'PASSIVE'}: with OpenMP's default spinning waits, on this machine loaded past its cores, a trial 2-thread step took 2.2 s against 0.07 s passive).`,
      `The machine is shared and was busy: the load average (1, 5, 15 min) was ${loadBefore.map((l) => l.toFixed(1)).join(', ')} when this section started and ${loadAfter.map((l) => l.toFixed(1)).join(', ')} when it ended, ${seconds.toFixed(0)} s later, on ${cores} cores, so absolute times are inflated (the processes got a fraction of a core) and ratios are noisy.`,
    ].join(' '),
    commands: ['node src/scripts/build.mjs && node dist/bench.js deepspeed   # or: npm run bench -- deepspeed', 'LACUNA_BENCH_DEEPSPEED_EMULATED=1 npm run bench -- deepspeed   # also time WebGPU on SwiftShader (CPU emulation; slow)'],
    rows,
    extra,
  };
}

// The ViT imputer, the seed's model: the window (time × columns) is cut into patches of
// patchSteps × patchCols entries (zero-padded at the end when the window's sides are not
// multiples); each patch's visible values, visibility bits and interpolation are embedded
// linearly into a token, plus a learned positional embedding per patch and time embeddings of
// the patch's hours of day and days of week. A pre-norm transformer encoder (multi-head self-
// attention, then an MLP, each residual) mixes the tokens; a linear head maps every token to
// its patch's entries. The head predicts a correction to the window's linear interpolation.
import type * as tfType from '@tensorflow/tfjs';
import { batchMatMul, matMul2d } from '../../tf/matmul';
import type { WindowBatch } from '../windows';
import { Parameters, inputChannels, oneHotRows } from './parameters';
import type { BaseModelConfig, ForwardResult, ImputerModel } from './types';

type Tf = typeof tfType;

export interface VitConfig extends BaseModelConfig {
  /** Patch size in time steps. */
  patchSteps: number;
  /** Patch size in columns. */
  patchCols: number;
  /** Token width D. */
  width: number;
  /** Transformer blocks. */
  depth: number;
  /** Attention heads (they split the width). */
  heads: number;
  /** 1: the head predicts a correction to the window's linear interpolation; 0: the values themselves. */
  residual: number;
}

export const DEFAULT_VIT: Omit<VitConfig, 'cols'> = { steps: 24, patchSteps: 4, patchCols: 4, width: 64, depth: 3, heads: 4, residual: 1, seed: 0 };

const INPUTS = 3;

interface Block {
  norm1: tfType.Variable;
  norm1b: tfType.Variable;
  qkv: tfType.Variable;
  qkvb: tfType.Variable;
  out: tfType.Variable;
  outb: tfType.Variable;
  norm2: tfType.Variable;
  norm2b: tfType.Variable;
  mlp1: tfType.Variable;
  mlp1b: tfType.Variable;
  mlp2: tfType.Variable;
  mlp2b: tfType.Variable;
}

/** The patch grid of a window: padded sides and token counts. */
export function patchGrid(config: Pick<VitConfig, 'steps' | 'cols' | 'patchSteps' | 'patchCols'>) {
  const rows = Math.ceil(config.steps / config.patchSteps);
  const cols = Math.ceil(config.cols / config.patchCols);
  return { rows, cols, tokens: rows * cols, paddedSteps: rows * config.patchSteps, paddedCols: cols * config.patchCols };
}

export class VitImputer implements ImputerModel {
  readonly method = 'vit' as const;
  readonly variables: tfType.Variable[];
  private readonly embed: tfType.Variable;
  private readonly embedBias: tfType.Variable;
  private readonly position: tfType.Variable;
  private readonly hour: tfType.Variable;
  private readonly weekday: tfType.Variable;
  private readonly blocks: Block[] = [];
  private readonly finalNorm: tfType.Variable;
  private readonly finalNormBias: tfType.Variable;
  /** The head, [D, patchSteps · patchCols]: the last shared layer. */
  readonly shared: tfType.Variable;
  private readonly headBias: tfType.Variable;
  private readonly grid: ReturnType<typeof patchGrid>;

  constructor(
    private readonly tf: Tf,
    readonly config: VitConfig,
  ) {
    const { width: d, heads, patchSteps, patchCols } = config;
    for (const [name, v] of [['patchSteps', patchSteps], ['patchCols', patchCols], ['width', d], ['depth', config.depth], ['heads', heads]] as const) {
      if (!(Number.isInteger(v) && v >= (name === 'depth' ? 0 : 1))) throw new Error(`the ViT's ${name} must be a whole number ≥ ${name === 'depth' ? 0 : 1}, found ${v}`);
    }
    if (d % heads !== 0) throw new Error(`the ViT's width (${d}) must be a multiple of its heads (${heads})`);
    this.grid = patchGrid(config);
    const params = new Parameters(tf, 'vit', config.seed);
    this.variables = params.variables;
    const make = params.make;
    const patch = patchSteps * patchCols;
    this.embed = make([INPUTS * patch, d], 1 / Math.sqrt(INPUTS * patch));
    this.embedBias = make([d], 0, 'zeros');
    this.position = make([this.grid.tokens, d], 0.1);
    this.hour = make([24, d], 0.1);
    this.weekday = make([7, d], 0.1);
    for (let l = 0; l < config.depth; l++) {
      this.blocks.push({
        norm1: make([d], 0, 'ones'),
        norm1b: make([d], 0, 'zeros'),
        qkv: make([d, 3 * d], 1 / Math.sqrt(d)),
        qkvb: make([3 * d], 0, 'zeros'),
        out: make([d, d], 0.5 / Math.sqrt(d)),
        outb: make([d], 0, 'zeros'),
        norm2: make([d], 0, 'ones'),
        norm2b: make([d], 0, 'zeros'),
        mlp1: make([d, 2 * d], 1 / Math.sqrt(d)),
        mlp1b: make([2 * d], 0, 'zeros'),
        mlp2: make([2 * d, d], 0.5 / Math.sqrt(2 * d)),
        mlp2b: make([d], 0, 'zeros'),
      });
    }
    this.finalNorm = make([d], 0, 'ones');
    this.finalNormBias = make([d], 0, 'zeros');
    this.shared = make([d, patch], 0.01);
    this.headBias = make([patch], 0, 'zeros');
  }

  private layerNorm(x: tfType.Tensor, gain: tfType.Tensor, bias: tfType.Tensor): tfType.Tensor {
    const { mean, variance } = this.tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gain).add(bias);
  }

  /** x · w for 2-D x and w (with a gradient that is fast on wasm, see core/tf/matmul). */
  private dense(x: tfType.Tensor, w: tfType.Tensor): tfType.Tensor2D {
    return matMul2d(this.tf, x as tfType.Tensor2D, w as tfType.Tensor2D);
  }

  /** [B, P, N, F] → [B·tokens, patchSteps·patchCols·F], patches in row-major grid order. */
  private patchify(x: tfType.Tensor4D): tfType.Tensor2D {
    const { patchSteps: pt, patchCols: pn } = this.config;
    const g = this.grid;
    const [b, p, n, f] = x.shape;
    const padded = this.tf.pad(x, [
      [0, 0],
      [0, g.paddedSteps - p],
      [0, g.paddedCols - n],
      [0, 0],
    ]);
    return padded
      .reshape([b, g.rows, pt, g.cols, pn * f])
      .transpose([0, 1, 3, 2, 4])
      .reshape([b * g.tokens, pt * pn * f]) as tfType.Tensor2D;
  }

  /** The inverse of patchify for one feature: [B·tokens, patchSteps·patchCols] → [B, P, N] (padding cropped). */
  private unpatchify(x: tfType.Tensor2D, b: number, p: number, n: number): tfType.Tensor3D {
    const { patchSteps: pt, patchCols: pn } = this.config;
    const g = this.grid;
    return x
      .reshape([b, g.rows, g.cols, pt, pn])
      .transpose([0, 1, 3, 2, 4])
      .reshape([b, g.paddedSteps, g.paddedCols])
      .slice([0, 0, 0], [b, p, n]) as tfType.Tensor3D;
  }

  forward(batch: WindowBatch): ForwardResult {
    const tf = this.tf;
    const { batch: b, steps: p, cols: n } = batch;
    if (p !== this.config.steps || n !== this.config.cols) throw new Error(`the ViT was built for ${this.config.steps} × ${this.config.cols} windows, given ${p} × ${n}`);
    const { width: d, heads, patchSteps: pt } = this.config;
    const g = this.grid;
    const shape: [number, number, number] = [b, p, n];
    const interpolated = tf.tensor3d(batch.interpolated, shape);
    const patches = this.patchify(inputChannels(tf, batch));
    let x = this.dense(patches, this.embed).add(this.embedBias).reshape([b, g.rows, g.cols, d]);
    x = x.add(this.position.reshape([1, g.rows, g.cols, d]));
    // Time embeddings: each patch row gets the mean of its steps' hour and weekday embeddings
    // (one-hot products rather than gather: the wasm backend lacks gather's gradient kernel).
    const rowMean = (codes: Int32Array, depth: number) =>
      oneHotRows(tf, codes, depth)
        .reshape([b, p, depth])
        .pad([
          [0, 0],
          [0, g.paddedSteps - p],
          [0, 0],
        ])
        .reshape([b, g.rows, pt, depth])
        .mean(2)
        .reshape([b * g.rows, depth]);
    const time = this.dense(rowMean(batch.hour, 24), this.hour).add(this.dense(rowMean(batch.weekday, 7), this.weekday));
    x = x.add(time.reshape([b, g.rows, 1, d]));
    let tokens = x.reshape([b, g.tokens, d]) as tfType.Tensor3D;
    const t = g.tokens;
    const dh = d / heads;
    const scale = tf.scalar(1 / Math.sqrt(dh));
    // [B, T, D] → [B·H, T, dh]
    const split = (z: tfType.Tensor) => z.reshape([b, t, heads, dh]).transpose([0, 2, 1, 3]).reshape([b * heads, t, dh]) as tfType.Tensor3D;
    for (const blk of this.blocks) {
      const h = this.layerNorm(tokens, blk.norm1, blk.norm1b).reshape([b * t, d]);
      const qkv = this.dense(h, blk.qkv).add(blk.qkvb).reshape([b, t, 3 * d]);
      const [q, k, v] = tf.split(qkv, 3, 2).map(split);
      const attention = tf.softmax(batchMatMul(tf, q, k, true).mul(scale)) as tfType.Tensor3D;
      const mixed = batchMatMul(tf, attention, v).reshape([b, heads, t, dh]).transpose([0, 2, 1, 3]).reshape([b * t, d]);
      tokens = tokens.add(this.dense(mixed, blk.out).add(blk.outb).reshape([b, t, d]));
      const h2 = this.layerNorm(tokens, blk.norm2, blk.norm2b).reshape([b * t, d]);
      const mlp = this.dense(gelu(tf, this.dense(h2, blk.mlp1).add(blk.mlp1b)), blk.mlp2).add(blk.mlp2b);
      tokens = tokens.add(mlp.reshape([b, t, d]));
    }
    const headInput = this.layerNorm(tokens, this.finalNorm, this.finalNormBias).reshape([b * t, d]) as tfType.Tensor2D;
    const correction = this.unpatchify(this.dense(headInput, this.shared).add(this.headBias) as tfType.Tensor2D, b, p, n);
    return { prediction: (this.config.residual ? interpolated.add(correction) : correction) as tfType.Tensor3D, headInput };
  }

  /** The adjoint of the head's unpatchify: pad with zeros, then cut into patches. */
  toHead(perEntry: tfType.Tensor3D): tfType.Tensor2D {
    return this.patchify(perEntry.expandDims(3) as tfType.Tensor4D);
  }

  dispose(): void {
    this.tf.dispose(this.variables);
  }
}

/**
 * GELU, tanh approximation: ½x(1 + tanh u) with u = √(2/π)(x + 0.044715x³), written as the equal
 * x·σ(2u). Its gradient needs only elementwise kernels, on every backend; and tfjs-wasm runs the
 * sigmoid with XNNPACK's SIMD kernel but tanh as a scalar loop: on an [864, 128] activation (the
 * ViT's MLP at batch 16) tanh took ~40 ms against ~0.1 ms for the sigmoid, and this GELU's forward
 * plus backward 2–3× less time than the tanh form. The two agree to float32 rounding (5e-7).
 */
function gelu(tf: Tf, x: tfType.Tensor): tfType.Tensor {
  const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(2 * Math.sqrt(2 / Math.PI));
  return x.mul(tf.sigmoid(inner));
}

// The Kron imputer: tokens are (time step, column) pairs embedded from the visible value, the
// visibility bit, the window's linear interpolation, and learned column, position, hour and
// weekday embeddings. Each block passes messages with Kronecker-factored attention (a P×P
// temporal map and an N×N spatial map), then a per-token MLP. The head predicts a correction
// to the interpolation, so the model starts from a strong baseline and learns what time alone
// cannot see: the other columns.
import type * as tfType from '@tensorflow/tfjs';
import type { WindowBatch } from '../windows';
import { kronMaps, kronMessage } from './kronAttention';
import { matMul2d } from '../../tf/matmul';
import { inputChannels, oneHotRows, Parameters } from './parameters';
import type { BaseModelConfig, ForwardResult, ImputerModel, ModelContext } from './types';

type Tf = typeof tfType;

export interface KronConfig extends BaseModelConfig {
  channels: number;
  depth: number;
  /** Width of the attention queries and keys. */
  keyWidth: number;
  /**
   * 1: add −β_l·D to each block's spatial attention scores, with D the columns' H3 grid
   * distances (from the data's places, divided by their mean) and β_l = b_l² learned per block
   * (b_l starts at 1). 0 (the default): attention learns space from the data alone.
   */
  spatialBias?: number;
}

// Small, so that a CPU budget buys many steps: 16 channels × 2 blocks.
export const DEFAULT_KRON: Omit<KronConfig, 'cols'> = { steps: 24, channels: 16, depth: 2, keyWidth: 16, seed: 0, spatialBias: 0 };

interface Block {
  qT: tfType.Variable;
  kT: tfType.Variable;
  qS: tfType.Variable;
  kS: tfType.Variable;
  value: tfType.Variable;
  out: tfType.Variable;
  norm1: tfType.Variable;
  norm2: tfType.Variable;
  mlp1: tfType.Variable;
  mlp1b: tfType.Variable;
  mlp2: tfType.Variable;
  mlp2b: tfType.Variable;
  /** b_l of the spatial bias −b_l²·D (only with spatialBias). */
  distanceScale: tfType.Variable | null;
}

/**
 * The columns' grid distances as the spatial bias uses them: divided by the mean finite
 * off-diagonal distance, with unknown places (Infinity) set one unit beyond the farthest known.
 */
export function normalisedDistances(distances: ArrayLike<number>, cols: number): Float32Array {
  if (distances.length !== cols * cols) throw new RangeError(`the column distances hold ${distances.length} values; ${cols} columns need ${cols * cols}`);
  let sum = 0;
  let count = 0;
  let max = 0;
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < cols; j++) {
      const d = distances[i * cols + j];
      if (i !== j && Number.isFinite(d)) {
        sum += d;
        count++;
        max = Math.max(max, d);
      }
    }
  }
  const mean = count > 0 && sum > 0 ? sum / count : 1;
  const out = new Float32Array(cols * cols);
  for (let k = 0; k < out.length; k++) {
    const d = distances[k];
    out[k] = Math.floor(k / cols) === k % cols ? 0 : Number.isFinite(d) ? d / mean : max / mean + 1;
  }
  return out;
}

export class KronImputer implements ImputerModel {
  readonly method = 'kron' as const;
  readonly variables: tfType.Variable[];
  private readonly input: tfType.Variable;
  private readonly inputBias: tfType.Variable;
  private readonly column: tfType.Variable;
  private readonly position: tfType.Variable;
  private readonly hour: tfType.Variable;
  private readonly weekday: tfType.Variable;
  private readonly blocks: Block[] = [];
  /** The last shared layer (GradNorm measures gradient norms here). */
  readonly shared: tfType.Variable;
  private readonly headBias: tfType.Variable;

  /** The normalised column distances [N, N] of the spatial bias (kept, not trained). */
  private readonly distance: tfType.Tensor2D | null;

  constructor(
    private readonly tf: Tf,
    readonly config: KronConfig,
    context: ModelContext = {},
  ) {
    if (config.spatialBias) {
      if (!context.columnDistances) throw new Error('the Kron model\'s spatial bias needs a place for every column: give a locations file (or a long table with latitude and longitude)');
      this.distance = tf.keep(tf.tensor2d(normalisedDistances(context.columnDistances, config.cols), [config.cols, config.cols]));
    } else this.distance = null;
    const params = new Parameters(tf, 'kron', config.seed);
    this.variables = params.variables;
    const make = params.make;
    const c = config.channels;
    this.input = make([3, c], 1 / Math.sqrt(3));
    this.inputBias = make([c], 0, 'zeros');
    this.column = make([config.cols, c], 0.1);
    this.position = make([config.steps, c], 0.1);
    this.hour = make([24, c], 0.1);
    this.weekday = make([7, c], 0.1);
    for (let l = 0; l < config.depth; l++) {
      const k = config.keyWidth;
      this.blocks.push({
        qT: make([c, k], 1 / Math.sqrt(c)),
        kT: make([c, k], 1 / Math.sqrt(c)),
        qS: make([c, k], 1 / Math.sqrt(c)),
        kS: make([c, k], 1 / Math.sqrt(c)),
        value: make([c, c], 1 / Math.sqrt(c)),
        out: make([c, c], 0.5 / Math.sqrt(c)),
        norm1: make([c], 0, 'ones'),
        norm2: make([c], 0, 'ones'),
        mlp1: make([c, 2 * c], 1 / Math.sqrt(c)),
        mlp1b: make([2 * c], 0, 'zeros'),
        mlp2: make([2 * c, c], 0.5 / Math.sqrt(2 * c)),
        mlp2b: make([c], 0, 'zeros'),
        distanceScale: this.distance ? make([1], 0, 'ones') : null,
      });
    }
    this.shared = make([c, 1], 0.01);
    this.headBias = make([1], 0, 'zeros');
  }

  private layerNorm(x: tfType.Tensor, gain: tfType.Tensor): tfType.Tensor {
    const tf = this.tf;
    const { mean, variance } = tf.moments(x, -1, true);
    return x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gain);
  }

  forward(batch: WindowBatch): ForwardResult {
    const tf = this.tf;
    const { batch: b, steps: p, cols: n } = batch;
    const c = this.config.channels;
    const shape = [b, p, n];
    const interpolated = tf.tensor3d(batch.interpolated, shape as [number, number, number]);
    const features = inputChannels(tf, batch).reshape([b * p * n, 3]);
    // matMul2d: the same products, with gradients that avoid wasm's slow transposed matMul.
    const mm = (a: tfType.Tensor, w: tfType.Tensor) => matMul2d(tf, a as tfType.Tensor2D, w as tfType.Tensor2D);
    let x = mm(features, this.input).add(this.inputBias).reshape([b, p, n, c]);
    x = x.add(this.column.reshape([1, 1, n, c])).add(this.position.reshape([1, p, 1, c]));
    // One-hot products rather than gather: the wasm backend lacks gather's gradient kernel.
    const hours = mm(oneHotRows(tf, batch.hour, 24), this.hour).reshape([b, p, 1, c]);
    const days = mm(oneHotRows(tf, batch.weekday, 7), this.weekday).reshape([b, p, 1, c]);
    x = x.add(hours).add(days) as tfType.Tensor4D;
    for (const blk of this.blocks) {
      const h = this.layerNorm(x, blk.norm1) as tfType.Tensor4D;
      const bias = this.distance && blk.distanceScale ? (this.distance.mul(blk.distanceScale.square().neg()) as tfType.Tensor2D) : undefined;
      const { thetaT, thetaS } = kronMaps(tf, h, { qT: blk.qT as tfType.Tensor2D, kT: blk.kT as tfType.Tensor2D, qS: blk.qS as tfType.Tensor2D, kS: blk.kS as tfType.Tensor2D }, bias);
      const v = mm(h.reshape([b * p * n, c]), blk.value).reshape([b, p, n, c]) as tfType.Tensor4D;
      const msg = mm(kronMessage(tf, v, thetaT, thetaS).reshape([b * p * n, c]), blk.out).reshape([b, p, n, c]);
      x = x.add(msg);
      const h2 = this.layerNorm(x, blk.norm2).reshape([b * p * n, c]);
      const mlp = mm(tf.relu(mm(h2, blk.mlp1).add(blk.mlp1b)), blk.mlp2).add(blk.mlp2b).reshape([b, p, n, c]);
      x = x.add(mlp);
    }
    const headInput = x.reshape([b * p * n, c]) as tfType.Tensor2D;
    const correction = mm(headInput, this.shared).add(this.headBias).reshape([b, p, n]);
    return { prediction: interpolated.add(correction) as tfType.Tensor3D, headInput };
  }

  toHead(perEntry: tfType.Tensor3D): tfType.Tensor2D {
    return perEntry.reshape([perEntry.size, 1]);
  }

  dispose(): void {
    this.tf.dispose(this.variables);
    this.distance?.dispose();
  }
}

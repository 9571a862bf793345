// The UNet imputer, the seed's baseline: the window is an image (time × columns) whose input
// channels are the visible values (hidden and missing zeroed), the visibility bit and the
// window's linear interpolation. An encoder of 3×3 convolution blocks and 2×2 average pooling,
// a bottleneck, and a decoder of nearest-neighbour upsampling, skip concatenation and
// convolution blocks; the last shared layer is the final 1×1 convolution (a per-pixel linear
// map), which predicts a correction to the interpolation, as the Kron imputer's head does.
//
// The convolutions are the stride-1 valid ones of core/tf/conv (after zero padding), whose
// filter gradients use forward convolutions only, so the UNet trains on the wasm backend, which
// lacks Conv2DBackpropFilter. Pooling and upsampling use AvgPool and ResizeNearestNeighbor,
// whose gradient kernels every backend has. Windows whose sides are not multiples of 2^levels
// are zero-padded at the end, and the output is cropped back.
import type * as tfType from '@tensorflow/tfjs';
import { conv2dValid } from '../../tf/conv';
import { matMul2d } from '../../tf/matmul';
import type { WindowBatch } from '../windows';
import { inputChannels, Parameters } from './parameters';
import type { BaseModelConfig, ForwardResult, ImputerModel } from './types';

type Tf = typeof tfType;
type T4 = tfType.Tensor4D;

export interface UnetConfig extends BaseModelConfig {
  /** Channels at the finest level; each coarser level doubles them. */
  channels: number;
  /** Number of 2× downsamplings. */
  levels: number;
}

export const DEFAULT_UNET: Omit<UnetConfig, 'cols'> = { steps: 24, channels: 16, levels: 2, seed: 0 };

const INPUTS = 3;

interface Conv {
  w: tfType.Variable;
  b: tfType.Variable;
}

export class UnetImputer implements ImputerModel {
  readonly method = 'unet' as const;
  readonly variables: tfType.Variable[];
  /** Two convolutions per block: encoder levels, then the bottleneck, then decoder levels (fine to coarse). */
  private readonly encoder: Conv[][] = [];
  private readonly bottleneck: Conv[];
  private readonly decoder: Conv[][] = [];
  /** The final 1×1 convolution, [C, 1]: the last shared layer. */
  readonly shared: tfType.Variable;
  private readonly headBias: tfType.Variable;

  constructor(
    private readonly tf: Tf,
    readonly config: UnetConfig,
  ) {
    if (!(config.levels >= 0 && Number.isInteger(config.levels))) throw new Error(`the UNet's levels must be a whole number ≥ 0, found ${config.levels}`);
    const params = new Parameters(tf, 'unet', config.seed);
    this.variables = params.variables;
    // He initialisation for ReLU layers.
    const conv = (cin: number, cout: number): Conv => ({ w: params.make([3, 3, cin, cout], Math.sqrt(2 / (9 * cin))), b: params.make([cout], 0, 'zeros') });
    const width = (l: number) => config.channels * 2 ** l;
    let cin = INPUTS;
    for (let l = 0; l < config.levels; l++) {
      this.encoder.push([conv(cin, width(l)), conv(width(l), width(l))]);
      cin = width(l);
    }
    this.bottleneck = [conv(cin, width(config.levels)), conv(width(config.levels), width(config.levels))];
    for (let l = 0; l < config.levels; l++) {
      // Input: the upsampled coarser features concatenated with this level's skip.
      this.decoder.push([conv(width(l + 1) + width(l), width(l)), conv(width(l), width(l))]);
    }
    this.shared = params.make([config.channels, 1], 0.01);
    this.headBias = params.make([1], 0, 'zeros');
  }

  /** Two 3×3 'same' convolutions with ReLU. */
  private block(x: T4, convs: Conv[]): T4 {
    const tf = this.tf;
    for (const c of convs) {
      const padded = tf.pad(x, [
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]) as T4;
      x = tf.relu(conv2dValid(tf, padded, c.w as tfType.Tensor as T4).add(c.b)) as T4;
    }
    return x;
  }

  forward(batch: WindowBatch): ForwardResult {
    const tf = this.tf;
    const { batch: b, steps: p, cols: n } = batch;
    const shape: [number, number, number] = [b, p, n];
    const interpolated = tf.tensor3d(batch.interpolated, shape);
    const unit = 2 ** this.config.levels;
    const [ph, pw] = [Math.ceil(p / unit) * unit, Math.ceil(n / unit) * unit];
    let x = tf.pad(inputChannels(tf, batch), [
      [0, 0],
      [0, ph - p],
      [0, pw - n],
      [0, 0],
    ]) as T4;
    const skips: T4[] = [];
    for (const convs of this.encoder) {
      x = this.block(x, convs);
      skips.push(x);
      x = tf.avgPool(x, 2, 2, 'valid');
    }
    x = this.block(x, this.bottleneck);
    for (let l = this.config.levels - 1; l >= 0; l--) {
      const skip = skips[l];
      const up = tf.image.resizeNearestNeighbor(x, [skip.shape[1], skip.shape[2]]);
      x = this.block(tf.concat([up, skip], 3), this.decoder[l]);
    }
    const c = this.config.channels;
    const headInput = x.slice([0, 0, 0, 0], [b, p, n, c]).reshape([b * p * n, c]) as tfType.Tensor2D;
    const correction = matMul2d(tf, headInput, this.shared as tfType.Tensor as tfType.Tensor2D).add(this.headBias).reshape(shape);
    return { prediction: interpolated.add(correction) as tfType.Tensor3D, headInput };
  }

  toHead(perEntry: tfType.Tensor3D): tfType.Tensor2D {
    return perEntry.reshape([perEntry.size, 1]);
  }

  dispose(): void {
    this.tf.dispose(this.variables);
  }
}

// The seed's two autoencoders, written with tfjs ops and variables we own (no tfjs-layers), so
// the initialisation is seeded here and every backend trains them the same way.
//
// Linear (3-D shapes): encoder inputDim → [64 → SiLU → BatchNorm] × 6 → 2; decoder mirrored,
//   2 → [64 → SiLU → BatchNorm] × 6 → inputDim. SiLU, not ReLU: ReLU can send distinct points to
//   one code, and then Z(h) is singular. The BatchNorm layers are the seed's (its code has one
//   after every hidden SiLU); `batchNorm: false` drops them.
// Convolutional (28×28 images): encoder Conv(1→8, k9) → SiLU → Conv(8→4, k9) → SiLU → flatten
//   (12·12·4 = 576) → 1000 → 500 → 250 (each SiLU → BatchNorm) → 2; decoder 2 → 250 → 500 (SiLU →
//   BatchNorm) → 1000 → SiLU → as a 1×1×1000 image → ConvTranspose(1000→4, k12) → 12×12 → SiLU →
//   ConvTranspose(4→4, k17) → 28×28 → SiLU → Conv(4→1, k1) → tanh.
//   (The seed applies SiLU twice in a row before the first transposed convolution; once is kept
//   here, SiLU∘SiLU being no more expressive.)
//
// BatchNorm uses the statistics of the batch it sees, always: the seed never switched its models
// to evaluation mode, and its codes come from a full-batch pass, where batch statistics are the
// data's. Initialisation is PyTorch's default: weights and biases uniform in ±1/√fan_in.

import type * as tfjs from '@tensorflow/tfjs';
import { seededRng, type Rng } from '../../random';
import { conv2dTransposeValid, conv2dValid } from '../../tf/conv';
import type { TfNamespace } from './weightingGrad';

export type Architecture = 'linear' | 'conv';
export const ARCHITECTURES: readonly Architecture[] = ['linear', 'conv'];

export interface AutoencoderModel {
  architecture: Architecture;
  inputDim: number;
  codeDim: number;
  /** Every trainable variable, in a fixed order (the optimizer's state follows it). */
  variables: tfjs.Variable[];
  parameterCount: number;
  /** x: [N, inputDim] → codes [N, codeDim]. N ≥ 2 (batch statistics). */
  encode(x: tfjs.Tensor2D): tfjs.Tensor2D;
  /** codes [N, codeDim] → reconstructions [N, inputDim]. */
  decode(h: tfjs.Tensor2D): tfjs.Tensor2D;
  dispose(): void;
}

export interface ModelOptions {
  seed?: number;
  batchNorm?: boolean;
  /** Linear model: hidden width and depth. Default 64 and 6. */
  hidden?: number;
  depth?: number;
  codeDim?: number;
}

const BN_EPS = 1e-5;

class Params {
  readonly variables: tfjs.Variable[] = [];
  private count = 0;
  constructor(private readonly tf: TfNamespace, private readonly rng: Rng, private readonly prefix: string) {}

  uniform(shape: number[], bound: number): tfjs.Variable {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (2 * this.rng() - 1) * bound;
    return this.add(this.tf.tensor(values, shape));
  }

  constant(shape: number[], value: number): tfjs.Variable {
    return this.add(this.tf.fill(shape, value));
  }

  private add(initial: tfjs.Tensor): tfjs.Variable {
    const v = this.tf.variable(initial, true, `${this.prefix}/${this.variables.length}`);
    initial.dispose();
    this.variables.push(v);
    this.count += v.size;
    return v;
  }

  get parameterCount(): number {
    return this.count;
  }
}

let modelCounter = 0;

function silu(tf: TfNamespace, x: tfjs.Tensor): tfjs.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

interface Dense {
  w: tfjs.Variable;
  b: tfjs.Variable;
}

function dense(params: Params, fanIn: number, fanOut: number): Dense {
  const bound = 1 / Math.sqrt(fanIn);
  return { w: params.uniform([fanIn, fanOut], bound), b: params.uniform([fanOut], bound) };
}

interface Norm {
  gamma: tfjs.Variable;
  beta: tfjs.Variable;
}

function norm(params: Params, width: number): Norm {
  return { gamma: params.constant([width], 1), beta: params.constant([width], 0) };
}

function applyDense(tf: TfNamespace, x: tfjs.Tensor2D, d: Dense): tfjs.Tensor2D {
  return tf.add(tf.matMul(x, d.w), d.b) as tfjs.Tensor2D;
}

function applyNorm(tf: TfNamespace, x: tfjs.Tensor2D, n: Norm | null): tfjs.Tensor2D {
  if (!n) return x;
  const { mean, variance } = tf.moments(x, 0);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, BN_EPS))), n.gamma), n.beta) as tfjs.Tensor2D;
}

/** A stack of [dense → SiLU → BatchNorm] layers followed by one plain dense layer. */
function mlp(tf: TfNamespace, params: Params, widths: number[], batchNorm: boolean) {
  const layers: Array<{ dense: Dense; norm: Norm | null }> = [];
  for (let i = 0; i + 2 < widths.length; i++) layers.push({ dense: dense(params, widths[i], widths[i + 1]), norm: batchNorm ? norm(params, widths[i + 1]) : null });
  const last = dense(params, widths[widths.length - 2], widths[widths.length - 1]);
  return (x: tfjs.Tensor2D): tfjs.Tensor2D => {
    let y = x;
    for (const layer of layers) y = applyNorm(tf, silu(tf, applyDense(tf, y, layer.dense)) as tfjs.Tensor2D, layer.norm);
    return applyDense(tf, y, last);
  };
}

export function linearAutoencoder(tf: TfNamespace, inputDim: number, options: ModelOptions = {}): AutoencoderModel {
  const hidden = options.hidden ?? 64;
  const depth = options.depth ?? 6;
  const codeDim = options.codeDim ?? 2;
  const batchNorm = options.batchNorm ?? true;
  const params = new Params(tf, seededRng(options.seed ?? 42), `ae${modelCounter++}`);
  const encoder = mlp(tf, params, [inputDim, ...Array<number>(depth).fill(hidden), codeDim], batchNorm);
  const decoder = mlp(tf, params, [codeDim, ...Array<number>(depth).fill(hidden), inputDim], batchNorm);
  return {
    architecture: 'linear',
    inputDim,
    codeDim,
    variables: params.variables,
    parameterCount: params.parameterCount,
    encode: (x) => encoder(x),
    decode: (h) => decoder(h),
    dispose: () => params.variables.forEach((v) => v.dispose()),
  };
}

/** The convolutional autoencoder for side × side single-channel images (side 28 for MNIST). */
export function convAutoencoder(tf: TfNamespace, side = 28, options: ModelOptions = {}): AutoencoderModel {
  const k1 = 9;
  const k2 = 9;
  const inner = side - (k1 - 1) - (k2 - 1);
  if (inner < 1) throw new RangeError(`the conv autoencoder needs images of at least 17×17, got ${side}×${side}`);
  // The decoder's transposed convolutions grow 1×1 to side×side: kernels 12 and side − 11.
  const t1 = 12;
  const t2 = side - t1 + 1;
  if (t2 < 1) throw new RangeError(`the conv decoder needs images of at least 12×12, got ${side}×${side}`);
  const codeDim = options.codeDim ?? 2;
  const batchNorm = options.batchNorm ?? true;
  const params = new Params(tf, seededRng(options.seed ?? 42), `cae${modelCounter++}`);
  const convBound = (fanIn: number) => 1 / Math.sqrt(fanIn);
  // Conv filters [k, k, Cin, Cout]; PyTorch's fan-in is Cin·k·k.
  const c1 = { w: params.uniform([k1, k1, 1, 8], convBound(k1 * k1)), b: params.uniform([8], convBound(k1 * k1)) };
  const c2 = { w: params.uniform([k2, k2, 8, 4], convBound(8 * k2 * k2)), b: params.uniform([4], convBound(8 * k2 * k2)) };
  const flat = inner * inner * 4;
  const encoderHead = mlp(tf, params, [flat, 1000, 500, 250, codeDim], batchNorm);
  const decoderHead = mlp(tf, params, [codeDim, 250, 500, 1000], batchNorm);
  // Transposed-conv filters in tfjs's layout [k, k, Cout, Cin]; PyTorch's fan-in is Cout·k·k.
  const d1 = { w: params.uniform([t1, t1, 4, 1000], convBound(4 * t1 * t1)), b: params.uniform([4], convBound(4 * t1 * t1)) };
  const d2 = { w: params.uniform([t2, t2, 4, 4], convBound(4 * t2 * t2)), b: params.uniform([4], convBound(4 * t2 * t2)) };
  const out = { w: params.uniform([1, 1, 4, 1], convBound(4)), b: params.uniform([1], convBound(4)) };
  const inputDim = side * side;
  return {
    architecture: 'conv',
    inputDim,
    codeDim,
    variables: params.variables,
    parameterCount: params.parameterCount,
    encode(x) {
      const n = x.shape[0];
      const img = tf.reshape(x, [n, side, side, 1]) as tfjs.Tensor4D;
      const a = silu(tf, tf.add(conv2dValid(tf, img, c1.w as tfjs.Tensor4D), c1.b)) as tfjs.Tensor4D;
      const b = silu(tf, tf.add(conv2dValid(tf, a, c2.w as tfjs.Tensor4D), c2.b));
      return encoderHead(tf.reshape(b, [n, flat]) as tfjs.Tensor2D);
    },
    decode(h) {
      const n = h.shape[0];
      // decoderHead ends in a plain dense layer (500 → 1000); the seed follows it with SiLU.
      const z = silu(tf, decoderHead(h));
      const img = tf.reshape(z, [n, 1, 1, 1000]) as tfjs.Tensor4D;
      const a = silu(tf, tf.add(conv2dTransposeValid(tf, img, d1.w as tfjs.Tensor4D), d1.b)) as tfjs.Tensor4D;
      const b = silu(tf, tf.add(conv2dTransposeValid(tf, a, d2.w as tfjs.Tensor4D), d2.b)) as tfjs.Tensor4D;
      const y = tf.tanh(tf.add(conv2dValid(tf, b, out.w as tfjs.Tensor4D), out.b));
      return tf.reshape(y, [n, inputDim]) as tfjs.Tensor2D;
    },
    dispose: () => params.variables.forEach((v) => v.dispose()),
  };
}

export function createAutoencoder(tf: TfNamespace, architecture: Architecture, inputDim: number, options: ModelOptions = {}): AutoencoderModel {
  if (architecture === 'linear') return linearAutoencoder(tf, inputDim, options);
  const side = Math.round(Math.sqrt(inputDim));
  if (side * side !== inputDim) throw new RangeError(`the conv autoencoder needs square single-channel images; ${inputDim} values per point is not a square`);
  return convAutoencoder(tf, side, options);
}

// Seeded parameter creation for the imputers: every variable drawn from one generator in a
// fixed order, so a model is reproducible from its seed, and listed so it can be saved.
import type * as tfType from '@tensorflow/tfjs';
import { normal, seededRng } from '../../random';

type Tf = typeof tfType;

let instances = 0;

export class Parameters {
  readonly variables: tfType.Variable[] = [];
  private readonly rng: () => number;
  private readonly prefix: string;

  constructor(
    private readonly tf: Tf,
    kind: string,
    seed: number,
  ) {
    this.rng = seededRng(seed);
    // Variable names must be unique in the tfjs engine; they carry no meaning beyond that.
    this.prefix = `${kind}${instances++}`;
  }

  /** A trainable variable: normal(0, scale²) entries, or all zeros / all ones. */
  make = (shape: number[], scale: number, init: 'normal' | 'zeros' | 'ones' = 'normal'): tfType.Variable => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, () => (init === 'normal' ? scale * normal(this.rng) : init === 'ones' ? 1 : 0));
    // The variable shares the initial tensor's data; the initial tensor itself must be freed,
    // or it outlives the model's dispose() as a leaked tensor.
    const initial = this.tf.tensor(data, shape);
    const v = this.tf.variable(initial, true, `${this.prefix}_${this.variables.length}`);
    initial.dispose();
    this.variables.push(v);
    return v;
  };
}

/**
 * One-hot rows [codes.length, depth] in float32, built in JS. The models multiply these by an
 * embedding table instead of gathering (the wasm backend lacks gather's gradient), and build
 * them here rather than with tf.oneHot: an int32 one-hot cast to float breaks the webgpu
 * backend's transpose shader in later reductions (tfjs 4.22, seen on Dawn).
 */
export function oneHotRows(tf: Tf, codes: Int32Array, depth: number): tfType.Tensor2D {
  const out = new Float32Array(codes.length * depth);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    if (c >= 0 && c < depth) out[i * depth + c] = 1;
  }
  return tf.tensor2d(out, [codes.length, depth]);
}

/**
 * A window batch's three input channels (values, visible, interpolated) as one [B, P, N, 3]
 * tensor, interleaved here rather than by tf.stack: the same numbers, but the wasm backend's
 * Pack along the last axis copied element by element and took about 9% of a ViT step; this
 * loop costs about 0.1 ms.
 */
export function inputChannels(tf: Tf, batch: { batch: number; steps: number; cols: number; values: Float32Array; visible: Float32Array; interpolated: Float32Array }): tfType.Tensor4D {
  const { values, visible, interpolated } = batch;
  const cells = batch.batch * batch.steps * batch.cols;
  const out = new Float32Array(cells * 3);
  for (let k = 0; k < cells; k++) {
    out[3 * k] = values[k];
    out[3 * k + 1] = visible[k];
    out[3 * k + 2] = interpolated[k];
  }
  return tf.tensor4d(out, [batch.batch, batch.steps, batch.cols, 3]);
}

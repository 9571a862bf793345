// The map networks of neural optimal transport, on tfjs:
// - an input-convex neural network (Amos, Xu and Kolter 2017), f(x) convex in x, whose gradient
//   T = ∇f (by tfjs autodiff) is a Brenier map candidate for the squared Euclidean cost;
// - an MLP map T(x) = x + x·A + c + MLP(x), with no structure at all, for the Monge gap.
// Both are built from seeded Float32 weights, saved and restored as plain arrays.
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs';
import type { TfNamespace } from '../tf/backend';
import { normal, seededRng, type Rng } from '../random';
import { symmetricSqrt, type AffineMap } from './points';

export type NetworkKind = 'icnn' | 'mlp';

export interface SavedNetwork {
  kind: NetworkKind;
  dim: number;
  hidden: number[];
  /** Named weight arrays with their shapes. */
  weights: { name: string; shape: number[]; values: number[] }[];
}

/** A map x ↦ T(x) with trainable variables. */
export interface MapNetwork {
  readonly kind: NetworkKind;
  readonly dim: number;
  readonly hidden: number[];
  readonly variables: Variable[];
  /** T(x) for a batch (B × dim). Differentiable with respect to the variables. */
  map(x: Tensor2D): Tensor2D;
  /** Restores the constraints after an optimiser step (non-negative ICNN weights). */
  project(): void;
  save(): SavedNetwork;
  dispose(): void;
}

function randomArray(rng: Rng, length: number, scale: number, positive = false): Float32Array {
  const out = new Float32Array(length);
  for (let t = 0; t < length; t++) {
    const v = normal(rng) * scale;
    out[t] = positive ? Math.abs(v) : v;
  }
  return out;
}

class Parameters {
  readonly list: Variable[] = [];
  readonly names: string[] = [];
  constructor(private readonly tf: TfNamespace) {}
  add(name: string, shape: number[], values: Float32Array): Variable {
    // The variable shares the initial tensor's data: that tensor is disposed, or each network would leave one behind per weight.
    const initial = this.tf.tensor(values, shape, 'float32');
    const v = this.tf.variable(initial, true, undefined, 'float32');
    initial.dispose();
    this.list.push(v);
    this.names.push(name);
    return v;
  }
  save(): SavedNetwork['weights'] {
    return this.list.map((v, k) => ({ name: this.names[k], shape: v.shape.slice(), values: Array.from(v.dataSync()) }));
  }
  load(weights: SavedNetwork['weights']): void {
    for (const w of weights) {
      const k = this.names.indexOf(w.name);
      if (k < 0) throw new Error(`saved map: unknown weight ${JSON.stringify(w.name)}`);
      const v = this.list[k];
      if (w.shape.join('×') !== v.shape.join('×') || w.values.length !== v.size) {
        throw new Error(`saved map: weight ${w.name} has shape ${w.shape.join('×')}, expected ${v.shape.join('×')}`);
      }
      if (!w.values.every(Number.isFinite)) throw new Error(`saved map: weight ${w.name} holds a value that is not a finite number`);
      this.tf.tidy(() => v.assign(this.tf.tensor(w.values, v.shape, 'float32')));
    }
  }
  dispose(): void {
    for (const v of this.list) v.dispose();
  }
}

export interface NetworkOptions {
  hidden?: number[];
  seed?: number;
  /**
   * Start at this affine map: for the ICNN, the quadratic skip term ½‖x Q‖² with QQᵀ = A and
   * the linear term c, so ∇f(x) ≈ A x + c (A must be symmetric positive semi-definite, as a
   * Gaussian (Bures) map is); for the MLP, its linear skip. Default: the identity map.
   */
  init?: AffineMap;
}

/**
 * f(x) = u⁺·z_L + w·x + ½‖x Q‖², z_1 = softplus(x W_0 + b_0),
 * z_{k+1} = softplus(z_k U_k + x W_k + b_k) with U_k ≥ 0 and u ≥ 0 (kept by clamping after
 * each step): softplus is convex and non-decreasing, so every z_k and f are convex in x.
 */
export class Icnn implements MapNetwork {
  readonly kind = 'icnn' as const;
  readonly dim: number;
  readonly hidden: number[];
  private readonly params: Parameters;
  private readonly inputWeights: Variable[] = [];
  private readonly biases: Variable[] = [];
  /** Hidden-to-hidden weights, then the output weights u: all clamped at ≥ 0. */
  private readonly convexWeights: Variable[] = [];
  private readonly linear: Variable;
  private readonly quadratic: Variable;

  constructor(private readonly tf: TfNamespace, dim: number, options: NetworkOptions = {}) {
    this.dim = dim;
    this.hidden = options.hidden ?? [64, 64];
    if (this.hidden.length === 0 || this.hidden.some((h) => !Number.isInteger(h) || h < 1)) throw new RangeError('an ICNN needs at least one hidden layer of positive width');
    const rng = seededRng(options.seed ?? 0);
    this.params = new Parameters(tf);
    let previous = 0;
    this.hidden.forEach((h, k) => {
      this.inputWeights.push(this.params.add(`W${k}`, [dim, h], randomArray(rng, dim * h, 1 / Math.sqrt(dim))));
      this.biases.push(this.params.add(`b${k}`, [1, h], new Float32Array(h)));
      if (k > 0) this.convexWeights.push(this.params.add(`U${k}`, [previous, h], randomArray(rng, previous * h, 1 / previous, true)));
      previous = h;
    });
    // Small output weights: at the start f is close to its quadratic and linear terms.
    this.convexWeights.push(this.params.add('u', [previous, 1], randomArray(rng, previous, 0.01 / previous, true)));
    const init = options.init;
    const q = new Float32Array(dim * dim);
    const c = new Float32Array(dim);
    if (init) {
      const root = symmetricSqrt(init.matrix, dim);
      for (let t = 0; t < q.length; t++) q[t] = root[t];
      for (let k = 0; k < dim; k++) c[k] = init.shift[k];
    } else {
      for (let k = 0; k < dim; k++) q[k * dim + k] = 1;
    }
    this.linear = this.params.add('w', [dim, 1], c);
    this.quadratic = this.params.add('Q', [dim, dim], q);
  }

  get variables(): Variable[] {
    return this.params.list;
  }

  /** f(x), one value per row (B × 1). */
  potential(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    return tf.tidy(() => {
      let z = tf.softplus(tf.add(tf.matMul(x, this.inputWeights[0]), this.biases[0])) as Tensor2D;
      for (let k = 1; k < this.hidden.length; k++) {
        z = tf.softplus(tf.add(tf.add(tf.matMul(z, this.convexWeights[k - 1]), tf.matMul(x, this.inputWeights[k])), this.biases[k])) as Tensor2D;
      }
      const out = tf.matMul(z, this.convexWeights[this.convexWeights.length - 1]);
      const xq = tf.matMul(x, this.quadratic);
      const quadratic = tf.mul(0.5, tf.sum(tf.square(xq), 1, true));
      return tf.add(tf.add(out, tf.matMul(x, this.linear)), quadratic) as Tensor2D;
    });
  }

  /** T(x) = ∇f(x), by autodiff (differentiable again with respect to the variables). */
  map(x: Tensor2D): Tensor2D {
    return this.tf.grad((input: Tensor) => this.tf.sum(this.potential(input as Tensor2D)))(x) as Tensor2D;
  }

  project(): void {
    const tf = this.tf;
    for (const v of this.convexWeights) tf.tidy(() => v.assign(tf.relu(v)));
  }

  save(): SavedNetwork {
    return { kind: 'icnn', dim: this.dim, hidden: this.hidden.slice(), weights: this.params.save() };
  }

  load(saved: SavedNetwork): void {
    this.params.load(saved.weights);
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** T(x) = x + x A + c + MLP(x), with ELU hidden layers; A = 0, c = 0 (the identity) at the start unless `init`. */
export class MlpMap implements MapNetwork {
  readonly kind = 'mlp' as const;
  readonly dim: number;
  readonly hidden: number[];
  private readonly params: Parameters;
  private readonly layers: { w: Variable; b: Variable }[] = [];
  private readonly skip: Variable;
  private readonly offset: Variable;

  constructor(private readonly tf: TfNamespace, dim: number, options: NetworkOptions = {}) {
    this.dim = dim;
    this.hidden = options.hidden ?? [64, 64];
    const rng = seededRng(options.seed ?? 0);
    this.params = new Parameters(tf);
    const widths = [dim, ...this.hidden, dim];
    for (let k = 0; k + 1 < widths.length; k++) {
      const last = k + 2 === widths.length;
      // The last layer starts at zero: the map starts at its linear skip exactly.
      const w = last ? new Float32Array(widths[k] * widths[k + 1]) : randomArray(rng, widths[k] * widths[k + 1], Math.sqrt(2 / widths[k]));
      this.layers.push({ w: this.params.add(`W${k}`, [widths[k], widths[k + 1]], w), b: this.params.add(`b${k}`, [1, widths[k + 1]], new Float32Array(widths[k + 1])) });
    }
    const a = new Float32Array(dim * dim);
    const c = new Float32Array(dim);
    if (options.init) {
      // x A' with A' = Aᵀ − I, so x + x A' = x Aᵀ (row vectors).
      for (let p = 0; p < dim; p++) for (let q = 0; q < dim; q++) a[q * dim + p] = options.init.matrix[p * dim + q] - (p === q ? 1 : 0);
      for (let k = 0; k < dim; k++) c[k] = options.init.shift[k];
    }
    this.skip = this.params.add('A', [dim, dim], a);
    this.offset = this.params.add('c', [1, dim], c);
  }

  get variables(): Variable[] {
    return this.params.list;
  }

  map(x: Tensor2D): Tensor2D {
    const tf = this.tf;
    return tf.tidy(() => {
      let h: Tensor2D = x;
      this.layers.forEach(({ w, b }, k) => {
        const z = tf.add(tf.matMul(h, w), b) as Tensor2D;
        h = k + 1 < this.layers.length ? (tf.elu(z) as Tensor2D) : z;
      });
      return tf.add(tf.add(tf.add(x, tf.matMul(x, this.skip)), this.offset), h) as Tensor2D;
    });
  }

  project(): void {}

  save(): SavedNetwork {
    return { kind: 'mlp', dim: this.dim, hidden: this.hidden.slice(), weights: this.params.save() };
  }

  load(saved: SavedNetwork): void {
    this.params.load(saved.weights);
  }

  dispose(): void {
    this.params.dispose();
  }
}

export function createNetwork(tf: TfNamespace, kind: NetworkKind, dim: number, options: NetworkOptions = {}): Icnn | MlpMap {
  return kind === 'icnn' ? new Icnn(tf, dim, options) : new MlpMap(tf, dim, options);
}

/** A network restored from `save()`; throws a clear error on a malformed file. */
export function loadNetwork(tf: TfNamespace, saved: unknown): Icnn | MlpMap {
  const s = saved as Partial<SavedNetwork>;
  if (!s || (s.kind !== 'icnn' && s.kind !== 'mlp') || !Number.isInteger(s.dim) || !Array.isArray(s.hidden) || !Array.isArray(s.weights)) {
    throw new Error('not a saved transport map (expected kind icnn or mlp, dim, hidden and weights)');
  }
  const net = createNetwork(tf, s.kind, s.dim!, { hidden: s.hidden });
  try {
    net.load(s as SavedNetwork);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}

/** T(x) for every row of a Float64 cloud, in batches, as Float64 rows. */
export function applyNetwork(tf: TfNamespace, net: MapNetwork, data: Float64Array, n: number, batch = 1024): Float64Array {
  const d = net.dim;
  const out = new Float64Array(n * d);
  for (let start = 0; start < n; start += batch) {
    const rows = Math.min(batch, n - start);
    const values = tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(data.subarray(start * d, (start + rows) * d)), [rows, d]);
      return net.map(x).dataSync();
    });
    out.set(values, start * d);
  }
  return out;
}

// Adam with weight decay, on tfjs variables, written out so the decay is the seed's.
//
// The seed used torch.optim.Adam(lr, weight_decay=1e-5): that is L2 regularisation coupled into
// the gradient (g ← g + wd·θ before the moment estimates), not AdamW's decoupled decay. 'l2' is
// therefore the default; 'decoupled' (θ ← θ − lr·wd·θ beside the Adam step) is the option.
// tfjs's own AdamOptimizer has no weight decay, hence this class.

import type * as tfjs from '@tensorflow/tfjs';
import type { TfNamespace } from './weightingGrad';

export type WeightDecayMode = 'l2' | 'decoupled';

export interface AdamOptions {
  learningRate: number;
  weightDecay?: number;
  weightDecayMode?: WeightDecayMode;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  private readonly m: tfjs.Variable[];
  private readonly v: tfjs.Variable[];
  private step = 0;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly weightDecayMode: WeightDecayMode;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;

  constructor(private readonly tf: TfNamespace, private readonly variables: tfjs.Variable[], options: AdamOptions) {
    this.learningRate = options.learningRate;
    this.weightDecay = options.weightDecay ?? 0;
    this.weightDecayMode = options.weightDecayMode ?? 'l2';
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
    // tf.variable keeps its own reference: the tidy disposes the zeros it was made from.
    this.m = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
    this.v = variables.map((v) => tf.tidy(() => tf.variable(tf.zerosLike(v), false)));
  }

  /** Applies one step with the gradients (same order as the variables). Disposes nothing given. */
  apply(grads: tfjs.Tensor[]): void {
    const tf = this.tf;
    this.step++;
    const { beta1, beta2, epsilon, weightDecay, learningRate } = this;
    const correction1 = 1 - beta1 ** this.step;
    const correction2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      this.variables.forEach((param, i) => {
        let g = grads[i];
        if (weightDecay > 0 && this.weightDecayMode === 'l2') g = tf.add(g, tf.mul(param, weightDecay));
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        let next = tf.sub(param, tf.mul(update, learningRate));
        if (weightDecay > 0 && this.weightDecayMode === 'decoupled') next = tf.sub(next, tf.mul(param, learningRate * weightDecay));
        param.assign(next);
      });
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}

// GradNorm (Chen et al. 2018) for two or more losses that share a network: it learns the loss
// weights so that each weighted loss pulls on the last shared layer W with a strength matched
// to how far that loss still has to go. Lacuna uses it to balance the loss on entries whose
// truth is nonzero against the loss on entries whose truth is zero (the seed's idea).
//
// With G_i = ‖∇_W (w_i L_i)‖ = w_i ‖∇_W L_i‖ (first-order gradients suffice), the update is
//   Ḡ = mean G_i;  r_i = (L_i / L_i(0)) / mean_j (L_j / L_j(0));  target_i = Ḡ r_i^α (constant);
//   L_grad = Σ |G_i − target_i|,  ∂L_grad/∂w_i = sign(G_i − target_i) ‖∇_W L_i‖;
// an Adam step on w (as the paper's reference training does: the raw gradient scales with
// ‖∇_W L_i‖, which can differ by orders of magnitude between losses, and Adam's normalised
// step keeps the weights from slamming to the floor), then w_i > 0 and Σ w_i = number of losses.

export interface GradNormOptions {
  /** Restoring force toward balanced training rates (1.5 in the paper and by default). */
  alpha?: number;
  /** Learning rate of the weights (Adam on L_grad). */
  learningRate?: number;
  /** Floor that keeps every weight positive. */
  minWeight?: number;
}

export interface GradNormStep {
  weights: number[];
  /** G_i before the update. */
  weightedGradNorms: number[];
  targets: number[];
  /** Relative inverse training rates r_i. */
  rates: number[];
  /** L_grad before the update. */
  gradLoss: number;
}

export interface GradNormState {
  weights: number[];
  initialLosses: number[] | null;
  m: number[];
  v: number[];
  steps: number;
}

export class GradNorm {
  readonly weights: number[];
  private initialLosses: number[] | null = null;
  private readonly alpha: number;
  private readonly learningRate: number;
  private readonly minWeight: number;
  private readonly m: number[];
  private readonly v: number[];
  private steps = 0;

  constructor(
    readonly tasks: number,
    options: GradNormOptions = {},
  ) {
    if (!(tasks >= 2)) throw new Error(`GradNorm balances two or more losses, not ${tasks}`);
    this.weights = new Array(tasks).fill(1);
    this.m = new Array(tasks).fill(0);
    this.v = new Array(tasks).fill(0);
    this.alpha = options.alpha ?? 1.5;
    this.learningRate = options.learningRate ?? 0.025;
    this.minWeight = options.minWeight ?? 1e-3;
  }

  /** L_i(0), recorded at the first step. */
  get initial(): readonly number[] | null {
    return this.initialLosses;
  }

  /**
   * One update of the weights from the current losses L_i and the unweighted gradient norms
   * ‖∇_W L_i‖ at the last shared layer. Returns what it saw and the new weights.
   */
  update(losses: number[], gradNorms: number[]): GradNormStep {
    if (losses.length !== this.tasks || gradNorms.length !== this.tasks) throw new Error(`expected ${this.tasks} losses and gradient norms`);
    if (!this.initialLosses) this.initialLosses = losses.map((l) => (l > 0 ? l : Number.MIN_VALUE));
    const g = gradNorms.map((n, i) => this.weights[i] * n);
    const gBar = g.reduce((a, b) => a + b, 0) / this.tasks;
    const ratios = losses.map((l, i) => l / this.initialLosses![i]);
    const meanRatio = ratios.reduce((a, b) => a + b, 0) / this.tasks;
    const rates = ratios.map((r) => (meanRatio > 0 ? r / meanRatio : 1));
    const targets = rates.map((r) => gBar * Math.pow(r, this.alpha));
    const gradLoss = g.reduce((s, gi, i) => s + Math.abs(gi - targets[i]), 0);
    this.steps++;
    const b1 = 0.9;
    const b2 = 0.999;
    for (let i = 0; i < this.tasks; i++) {
      const grad = Math.sign(g[i] - targets[i]) * gradNorms[i];
      this.m[i] = b1 * this.m[i] + (1 - b1) * grad;
      this.v[i] = b2 * this.v[i] + (1 - b2) * grad * grad;
      const mHat = this.m[i] / (1 - b1 ** this.steps);
      const vHat = this.v[i] / (1 - b2 ** this.steps);
      this.weights[i] = Math.max(this.minWeight, this.weights[i] - (this.learningRate * mHat) / (Math.sqrt(vHat) + 1e-12));
    }
    const total = this.weights.reduce((a, b) => a + b, 0);
    for (let i = 0; i < this.tasks; i++) this.weights[i] *= this.tasks / total;
    return { weights: [...this.weights], weightedGradNorms: g, targets, rates, gradLoss };
  }

  /** For checkpoints: the weights and L_i(0). */
  state(): GradNormState {
    return { weights: [...this.weights], initialLosses: this.initialLosses ? [...this.initialLosses] : null, m: [...this.m], v: [...this.v], steps: this.steps };
  }

  restore(state: GradNormState): void {
    if (state.weights.length !== this.tasks) throw new Error('GradNorm state is for another number of losses');
    for (let i = 0; i < this.tasks; i++) {
      this.weights[i] = state.weights[i];
      this.m[i] = state.m[i];
      this.v[i] = state.v[i];
    }
    this.steps = state.steps;
    this.initialLosses = state.initialLosses ? [...state.initialLosses] : null;
  }
}

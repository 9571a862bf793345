// Shampoo: a Kronecker-factored preconditioner. For a matrix parameter W (m x n) with gradient
// G it keeps L = Σ G Gᵀ (m x m) and R = Σ Gᵀ G (n x n) and steps along L^(-1/4) G R^(-1/4).
// The inverse fourth roots come from the coupled Newton iteration, which is all matmuls (so it
// runs on any tfjs backend, GPU included). Vectors and scalars get a diagonal AdaGrad step.
// The state kept between steps (statistics, inverse roots, accumulators) is kept explicitly
// (variables, or tf.keep for the roots), so a step may run inside a caller's tidy, and it is
// freed by dispose(); getState/setState carry it through a checkpoint.
import type * as tfType from '@tensorflow/tfjs';

type Tf = typeof tfType;

/**
 * A^(-1/p) for a symmetric positive semi-definite A by the coupled Newton iteration:
 *   z = (1 + p) / (2 ‖A‖_F),  X₀ = z^(1/p) I,  M₀ = z A,
 *   T_k = ((p + 1) I − M_k) / p,  X_{k+1} = X_k T_k,  M_{k+1} = T_k^p M_k,
 * which drives M to I and X to A^(-1/p). `ridge` (times the largest diagonal entry) keeps A
 * invertible.
 */
export function inversePthRoot(tf: Tf, a: tfType.Tensor2D, p: number, options: { iterations?: number; ridge?: number; tolerance?: number } = {}): tfType.Tensor2D {
  const iterations = options.iterations ?? 100;
  const tolerance = options.tolerance ?? 1e-6;
  return tf.tidy(() => {
    const n = a.shape[0];
    const eye = tf.eye(n);
    const maxDiag = a.mul(eye).max().dataSync()[0];
    const regular = a.add(eye.mul((options.ridge ?? 1e-6) * Math.max(maxDiag, 1e-30)));
    const norm = regular.norm().dataSync()[0];
    const z = (1 + p) / (2 * norm);
    let x = eye.mul(Math.pow(z, 1 / p)) as tfType.Tensor2D;
    let m = regular.mul(z) as tfType.Tensor2D;
    let previousError = Infinity;
    for (let k = 0; k < iterations; k++) {
      const [nx, nm, error] = tf.tidy(() => {
        const t = eye.mul(p + 1).sub(m).div(p) as tfType.Tensor2D;
        let tp: tfType.Tensor2D = t;
        for (let j = 1; j < p; j++) tp = tp.matMul(t) as tfType.Tensor2D;
        const next = tp.matMul(m);
        return [x.matMul(t), next, next.sub(eye).abs().max().dataSync()[0]] as const;
      });
      x.dispose();
      m.dispose();
      x = nx as tfType.Tensor2D;
      m = nm as tfType.Tensor2D;
      // Stop when M is the identity, or when rounding stops the error from falling.
      if (error < tolerance || error > previousError * 1.2) break;
      previousError = error;
    }
    return x;
  });
}

export interface ShampooOptions {
  learningRate?: number;
  /** Recompute the inverse roots every this many steps (they are the expensive part). */
  rootEvery?: number;
  /** Statistics start at ε I, so the first roots exist. */
  epsilon?: number;
}

interface MatrixState {
  left: tfType.Variable;
  right: tfType.Variable;
  leftRoot: tfType.Tensor2D;
  rightRoot: tfType.Tensor2D;
}

export class ShampooOptimizer {
  private readonly matrices = new Map<string, MatrixState>();
  private readonly diagonals = new Map<string, tfType.Variable>();
  private step = 0;
  readonly learningRate: number;
  private readonly rootEvery: number;
  private readonly epsilon: number;

  constructor(
    private readonly tf: Tf,
    options: ShampooOptions = {},
  ) {
    this.learningRate = options.learningRate ?? 0.05;
    this.rootEvery = options.rootEvery ?? 1;
    this.epsilon = options.epsilon ?? 1e-4;
  }

  /** Minimises `loss` over `variables` by one Shampoo step; returns the loss before the step. */
  minimize(loss: () => tfType.Scalar, variables: tfType.Variable[]): number {
    const tf = this.tf;
    const { value, grads } = tf.variableGrads(loss, variables);
    const before = value.dataSync()[0];
    value.dispose();
    this.applyGradients(grads);
    tf.dispose(Object.values(grads));
    return before;
  }

  applyGradients(grads: Record<string, tfType.Tensor>): void {
    const tf = this.tf;
    this.step++;
    for (const [name, grad] of Object.entries(grads)) {
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`no variable named ${name}`);
      if (grad.rank === 2) this.matrixStep(name, variable, grad as tfType.Tensor2D);
      else this.diagonalStep(name, variable, grad);
    }
  }

  private matrixStep(name: string, variable: tfType.Variable, grad: tfType.Tensor2D) {
    const tf = this.tf;
    let state = this.matrices.get(name);
    if (!state) {
      const [m, n] = grad.shape;
      state = {
        left: tf.variable(tf.eye(m).mul(this.epsilon), false),
        right: tf.variable(tf.eye(n).mul(this.epsilon), false),
        leftRoot: tf.keep(tf.eye(m)) as tfType.Tensor2D,
        rightRoot: tf.keep(tf.eye(n)) as tfType.Tensor2D,
      };
      this.matrices.set(name, state);
    }
    const s = state;
    tf.tidy(() => {
      s.left.assign(s.left.add(grad.matMul(grad, false, true)));
      s.right.assign(s.right.add(grad.matMul(grad, true, false)));
    });
    if ((this.step - 1) % this.rootEvery === 0) {
      // Kept: the roots live until the next recomputation, past any tidy the step runs in.
      const leftRoot = tf.keep(inversePthRoot(tf, s.left as unknown as tfType.Tensor2D, 4));
      const rightRoot = tf.keep(inversePthRoot(tf, s.right as unknown as tfType.Tensor2D, 4));
      s.leftRoot.dispose();
      s.rightRoot.dispose();
      s.leftRoot = leftRoot;
      s.rightRoot = rightRoot;
    }
    tf.tidy(() => {
      const direction = s.leftRoot.matMul(grad).matMul(s.rightRoot);
      variable.assign(variable.sub(direction.mul(this.learningRate)));
    });
  }

  private diagonalStep(name: string, variable: tfType.Variable, grad: tfType.Tensor) {
    const tf = this.tf;
    let acc = this.diagonals.get(name);
    if (!acc) {
      acc = tf.variable(tf.zerosLike(grad).add(this.epsilon), false);
      this.diagonals.set(name, acc);
    }
    const a = acc;
    tf.tidy(() => {
      a.assign(a.add(grad.square()));
      variable.assign(variable.sub(grad.div(a.sqrt()).mul(this.learningRate)));
    });
  }

  /**
   * The state, for a checkpoint: per variable (by its index in `variables`) the statistics and
   * roots of a matrix or the accumulator of a vector, and the step count.
   */
  async getState(variables: tfType.Variable[]): Promise<{ name: string; shape: number[]; values: Float32Array }[]> {
    const out: { name: string; shape: number[]; values: Float32Array }[] = [{ name: 'shampoo/step', shape: [1], values: Float32Array.of(this.step) }];
    const read = async (name: string, t: tfType.Tensor) => out.push({ name, shape: [...t.shape], values: Float32Array.from((await t.data()) as Float32Array) });
    for (const [i, v] of variables.entries()) {
      const m = this.matrices.get(v.name);
      if (m) {
        await read(`shampoo/${i}/left`, m.left);
        await read(`shampoo/${i}/right`, m.right);
        await read(`shampoo/${i}/leftRoot`, m.leftRoot);
        await read(`shampoo/${i}/rightRoot`, m.rightRoot);
      }
      const d = this.diagonals.get(v.name);
      if (d) await read(`shampoo/${i}/accumulator`, d);
    }
    return out;
  }

  /** Restores what getState saved, onto `variables` (the same model layout, possibly new names). */
  setState(variables: tfType.Variable[], state: { name: string; shape: number[]; values: Float32Array }[]): void {
    const tf = this.tf;
    this.dispose();
    const byName = new Map(state.map((s) => [s.name, s]));
    const step = byName.get('shampoo/step');
    if (!step) throw new Error('the saved optimizer state is not Shampoo state (no step count)');
    this.step = step.values[0];
    const tensor = (name: string) => {
      const s = byName.get(name)!;
      return tf.tensor(s.values, s.shape);
    };
    for (const [i, v] of variables.entries()) {
      if (byName.has(`shampoo/${i}/left`)) {
        const [l, r] = [tensor(`shampoo/${i}/left`), tensor(`shampoo/${i}/right`)];
        this.matrices.set(v.name, {
          left: tf.variable(l, false),
          right: tf.variable(r, false),
          leftRoot: tf.keep(tensor(`shampoo/${i}/leftRoot`)) as tfType.Tensor2D,
          rightRoot: tf.keep(tensor(`shampoo/${i}/rightRoot`)) as tfType.Tensor2D,
        });
        tf.dispose([l, r]);
      }
      if (byName.has(`shampoo/${i}/accumulator`)) {
        const a = tensor(`shampoo/${i}/accumulator`);
        this.diagonals.set(v.name, tf.variable(a, false));
        a.dispose();
      }
    }
  }

  dispose(): void {
    for (const s of this.matrices.values()) this.tf.dispose([s.left, s.right, s.leftRoot, s.rightRoot]);
    for (const v of this.diagonals.values()) v.dispose();
    this.matrices.clear();
    this.diagonals.clear();
  }
}

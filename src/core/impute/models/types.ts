// What the training loop needs from a learned imputer, whatever its architecture.
import type * as tfType from '@tensorflow/tfjs';
import type { WindowBatch } from '../windows';

export const DEEP_METHODS = ['kron', 'vit', 'unet'] as const;
export type DeepMethod = (typeof DEEP_METHODS)[number];

/** Settings every architecture shares; each adds its own (patch, heads, ...). */
export interface BaseModelConfig {
  /** Window length P (time steps per window). */
  steps: number;
  /** Columns N (sensors or cells). */
  cols: number;
  seed: number;
}

/** What a model may take from the data beyond its settings. */
export interface ModelContext {
  /** N×N H3 grid distances between the columns (Infinity where a place is unknown): Kron's spatial bias. */
  columnDistances?: ArrayLike<number> | null;
}

export interface ForwardResult {
  prediction: tfType.Tensor3D;
  /** [R, C]: R head rows (entries, pixels or patches), C features. */
  headInput: tfType.Tensor2D;
}

export interface ImputerModel {
  readonly method: DeepMethod;
  /** Everything the model needs to be rebuilt with the same shapes (saved with the weights). */
  readonly config: BaseModelConfig;
  /** Trainable variables, in a fixed order (saved and restored in this order). */
  readonly variables: tfType.Variable[];
  /** The last shared layer: GradNorm measures the losses' gradient norms here. */
  readonly shared: tfType.Variable;
  /**
   * Normalised predictions for every entry of the batch, [B, P, N], and the input of the
   * head (the last shared layer): the prediction is `headInput · shared` rearranged into
   * [B, P, N] plus terms that do not depend on `shared`. Call inside a tidy.
   */
  forward(batch: WindowBatch): ForwardResult;
  /**
   * Rearranges a per-entry tensor [B, P, N] into the layout of `headInput · shared` (the
   * adjoint of the head's rearrangement). With it, ∇_shared L = headInputᵀ · toHead(∂L/∂pred),
   * which is how GradNorm gets its gradient norms without a second backward pass.
   */
  toHead(perEntry: tfType.Tensor3D): tfType.Tensor2D;
  dispose(): void;
}

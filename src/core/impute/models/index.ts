// The learned imputers by name, with their default settings: what the CLI, the panel and the
// saved-model loader build from.
import type * as tfType from '@tensorflow/tfjs';
import { DEFAULT_KRON, KronImputer } from './kron';
import type { DeepMethod, ImputerModel, ModelContext } from './types';
import { DEFAULT_UNET, UnetImputer } from './unet';
import { DEFAULT_VIT, VitImputer } from './vit';

type Tf = typeof tfType;

export { DEEP_METHODS, type DeepMethod, type ImputerModel, type ModelContext } from './types';

/** Architecture settings per method (numbers only, so they round-trip through JSON and flags). */
export const MODEL_DEFAULTS: Record<DeepMethod, Record<string, number>> = {
  kron: { ...DEFAULT_KRON },
  vit: { ...DEFAULT_VIT },
  unet: { ...DEFAULT_UNET },
};

export function createImputer(tf: Tf, method: DeepMethod, settings: Record<string, number>, cols: number, context: ModelContext = {}): ImputerModel {
  const config = { ...MODEL_DEFAULTS[method], ...settings, cols };
  switch (method) {
    case 'kron':
      return new KronImputer(tf, config as unknown as ConstructorParameters<typeof KronImputer>[1], context);
    case 'vit':
      return new VitImputer(tf, config as unknown as ConstructorParameters<typeof VitImputer>[1]);
    case 'unet':
      return new UnetImputer(tf, config as unknown as ConstructorParameters<typeof UnetImputer>[1]);
    default:
      throw new Error(`the ${method} imputer is not available yet`);
  }
}

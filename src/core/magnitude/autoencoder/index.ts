// The magnitude autoencoder: a 2-D map trained to keep the input's weighting vector (its
// boundary), with the differentiable weighting vector it needs.
export {
  differentiableWeighting, weightingWithAdjoint, weightingGradientFromAdjoint, pairwiseDistances, conjugateGradientTf,
  WEIGHTING_SOLVERS, type DifferentiableWeighting, type DifferentiableWeightingOptions, type WeightingSolveStats,
  type WeightingSolverName, type TfNamespace,
} from './weightingGrad';
export { SimilarityFactor } from './denseSpd';
export { conv2dValid, conv2dTransposeValid, filterGradient } from '../../tf/conv';
export {
  createAutoencoder, linearAutoencoder, convAutoencoder, ARCHITECTURES, type Architecture, type AutoencoderModel, type ModelOptions,
} from './models';
export { Adam, type AdamOptions, type WeightDecayMode } from './adam';
export { pearson, exactWeights, codeRho } from './compare';
export { codesCsv, type CodeColumns } from './codesCsv';
export {
  trainAutoencoder, defaultAutoencoderConfig, suggestedScale,
  type AutoencoderConfig, type AutoencoderInput, type AutoencoderResult, type EpochSnapshot, type TrainingCallbacks,
  type TrainingPhase, type TrainingStep, type WeightLoss,
} from './train';

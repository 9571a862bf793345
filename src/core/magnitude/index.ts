// Magnitude and weighting vectors of finite metric spaces: the public surface of src/core/magnitude.

export * from './metrics';
export * from './types';
export { weightingVectorCholesky, DenseTooLargeError, DENSE_MAX_N, type CholeskyOptions } from './cholesky';
export {
  weightingVectorCg, buildCgPreconditioner, blockJacobiPreconditioner, nystromPreconditioner, hybridPreconditioner,
  pivotedCholesky, type CgOptions, type CgPreconditionerName, type LowRankFactor,
} from './cg';
export { weightingVectorSparse, truncatedKernelMatrix, TooManyNonZerosError, type SparseOptions, type SparseKernelMatrix } from './sparse';
export { weightingVector, chooseSolver, meanNeighbourCount, type SolverChoice, type SolverDecision, type WeightingOptions } from './auto';
export { weightingVectorTf, type TfCgOptions, type TfNamespace } from './tfCg';
export {
  magnitudeFunction, magnitudeFunctionAsync, SWEEP_TOLERANCE, magnitudeSweep, suggestBoundaryScale, spaceScales,
  type MagnitudeFunctionOptions, type MagnitudeFunctionResult, type MagnitudePoint, type SweepRequest, type SweepSolve,
} from './magnitudeFunction';
export { topWeights, weightSpread, type RankedPoint, type WeightSpread } from './boundary';
export { KernelOperator, rmsResidualOf } from './operator';
export { neighbourIndex, nearestDistances, type NeighbourIndex } from './neighbours';
export { pcgOnes, type LinearOperator, type Preconditioner, type PcgOptions, type PcgResult } from './pcg';

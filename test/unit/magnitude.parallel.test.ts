// The threaded dense Cholesky: workers on a shared memory must give bitwise the same factor as
// one thread (which thread updates which chunk never changes the arithmetic), through the jitter
// path too, and the reusable factorization must solve any right-hand side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DenseCholesky, weightingVectorCholesky } from '../../src/core/magnitude/cholesky';
import { distanceOracle, pointSpace, type PointSet } from '../../src/core/magnitude/metrics';
import { KernelOperator } from '../../src/core/magnitude/operator';
import { availableThreads } from '../../src/core/magnitude/parallel';
import { kernelModuleBytes } from '../../src/core/magnitude/wasmKernel';
import { seededRng } from '../../src/core/random';

function uniformPoints(n: number, dim: number, seed: number): PointSet {
  const rng = seededRng(seed);
  return { n, dim, data: Float64Array.from({ length: n * dim }, () => rng()) };
}

function assertBitwiseEqual(a: Float64Array, b: Float64Array, label: string): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${label}: entry ${i} differs, ${a[i]} vs ${b[i]}`);
}

test('Node offers worker threads, and the shared-memory kernel module validates', () => {
  assert.ok(availableThreads() >= 1);
  const api = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;
  assert.ok(api.validate(kernelModuleBytes(true)), 'the shared-memory variant must validate');
});

test('two and three threads give bitwise the factor of one thread, over many panels', () => {
  // Small panels (16 columns) make ~40 panels, each a separate task with its own look-ahead.
  const space = pointSpace(uniformPoints(642, 3, 11));
  for (const t of [0.5, 10]) {
    const one = weightingVectorCholesky(space, t, { threads: 1, blockSize: 16 });
    assert.equal(one.threads, 1);
    for (const threads of [2, 3]) {
      const many = weightingVectorCholesky(space, t, { threads, blockSize: 16 });
      assert.equal(many.threads, threads, 'the workers must have joined');
      assertBitwiseEqual(many.weights, one.weights, `t = ${t}, ${threads} threads`);
      assert.equal(many.residual, one.residual);
    }
    // Default panels too (n = 642 → 3 panels of 256).
    assertBitwiseEqual(weightingVectorCholesky(space, t, { threads: 2 }).weights, weightingVectorCholesky(space, t, { threads: 1 }).weights, `t = ${t}, default panels`);
  }
});

test('the jitter path (coincident points) is the same on two threads', () => {
  const points = uniformPoints(500, 2, 12);
  for (let k = 0; k < 4; k++) {
    points.data[2 * (499 - k)] = points.data[2 * k];
    points.data[2 * (499 - k) + 1] = points.data[2 * k + 1];
  }
  const space = pointSpace(points);
  const one = weightingVectorCholesky(space, 1, { threads: 1, blockSize: 32 });
  const two = weightingVectorCholesky(space, 1, { threads: 2, blockSize: 32 });
  assert.ok(one.notes.some((note) => /jitter|added/.test(note)), `expected a jitter note: ${one.notes.join('; ')}`);
  assert.deepEqual(two.notes, one.notes);
  assertBitwiseEqual(two.weights, one.weights, 'jittered');
});

test('DenseCholesky factors once and solves any right-hand side, on one or two threads', () => {
  const points = uniformPoints(900, 2, 13);
  const space = pointSpace(points);
  const t = 3;
  const z = new KernelOperator(space, t, false);
  for (const threads of [1, 2]) {
    const dense = new DenseCholesky(points.n, { threads, blockSize: 64 });
    const report = dense.factorKernel(distanceOracle(space), t);
    assert.equal(report.indefinite, false);
    assert.equal(dense.threadsUsed, threads);
    const rng = seededRng(threads);
    const b = Float64Array.from({ length: points.n }, () => rng() - 0.5);
    const x = Float64Array.from(b);
    dense.solve(x);
    const zx = new Float64Array(points.n);
    z.apply(x, zx);
    let err = 0;
    let norm = 0;
    for (let i = 0; i < points.n; i++) {
      err += (zx[i] - b[i]) ** 2;
      norm += b[i] ** 2;
    }
    assert.ok(Math.sqrt(err / norm) < 1e-9, `relative residual ${Math.sqrt(err / norm)} on ${threads} thread(s)`);
  }
});

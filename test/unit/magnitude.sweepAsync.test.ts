// The magnitude function with an asynchronous solver follows the same schedule and gives the
// same summary as the synchronous one (one sweep implementation serves both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { magnitudeFunction, magnitudeFunctionAsync, pointSpace, weightingVector } from '../../src/core/magnitude/index';
import { disk } from '../../src/core/points/samples';

test('magnitudeFunctionAsync equals magnitudeFunction, with warm starts and progress per point', async () => {
  const space = pointSpace(disk(250, { seed: 3 }));
  const sync = magnitudeFunction(space, { count: 10, solver: 'cg' });
  const seen: number[] = [];
  let warmStarts = 0;
  const async = await magnitudeFunctionAsync(
    space,
    async ({ t, initial, preconditionerCache, tol }) => {
      if (initial) warmStarts++;
      await new Promise((r) => setImmediate(r));
      return weightingVector(space, t, { solver: 'cg', tol, initial, cg: { preconditionerCache } });
    },
    { count: 10, onPoint: (p, done, total) => (seen.push(p.t), assert.ok(done <= total)) },
  );
  assert.deepEqual(async.points.map((p) => p.t), sync.points.map((p) => p.t));
  async.points.forEach((p, i) => assert.ok(Math.abs(p.magnitude - sync.points[i].magnitude) < 1e-7 * p.magnitude));
  assert.equal(async.tConv, sync.tConv);
  assert.equal(async.suggestedScale.t, sync.suggestedScale.t);
  assert.equal(async.suggestedScale.reason, sync.suggestedScale.reason);
  assert.deepEqual(seen, sync.points.map((p) => p.t));
  assert.equal(warmStarts, sync.points.length - 1, 'every solve after the first is warm-started');
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMaskedMatrix, type MaskedMatrix } from '../../src/core/matrix/masked';
import { holdoutMasks, maskProtocol, truthProtocol } from '../../src/core/impute/protocol';
import { runImputation } from '../../src/core/impute/job';
import { seededRng } from '../../src/core/random';
import { trafficSample } from '../../src/core/sample';

/** Every mask of the split is consistent: validation entries never train, never targets. */
function checkDisjoint(data: MaskedMatrix, h: ReturnType<typeof holdoutMasks>) {
  let validation = 0;
  for (let k = 0; k < h.validation.length; k++) {
    const row = Math.floor(k / data.cols);
    if (h.validation[k]) {
      validation++;
      assert.equal(data.observed[k], 1, 'a validation entry is observed in the data');
      assert.equal(h.train[k], 0, 'a validation entry never trains');
      assert.equal(h.fitInput.observed[k], 0, 'a validation entry is hidden from the fit');
      assert.equal(h.fitInput.values[k], 0, 'and its value is gone too');
      assert.equal(h.targets[k], 0, 'a validation entry is never a target');
      assert.equal(h.validationRows[row], 1);
      assert.equal(h.trainRows[row], 0, 'validation entries lie in rows no model trains on');
    }
    if (h.train[k]) {
      assert.equal(h.trainRows[row], 1);
      assert.equal(h.targets[k], 0, 'a target never trains');
    }
    if (h.targets[k]) assert.equal(h.fitInput.observed[k], 0, 'a target is hidden from the fit');
  }
  for (let i = 0; i < data.rows; i++) assert.ok(!(h.trainRows[i] && h.validationRows[i]), 'training and validation rows are disjoint');
  assert.ok(validation > 0, 'there are validation entries');
}

test('seed protocol: validation entries are the hidden entries of the validation rows and never enter training', () => {
  const { matrix } = trafficSample({ days: 14, sensors: 12 });
  const setup = maskProtocol(matrix, { maskRatio: 0.8, seed: 3 });
  const h = holdoutMasks(matrix, setup, { seed: 3 });
  checkDisjoint(matrix, h);
  const n = matrix.rows;
  assert.deepEqual(h.validationRanges, [[Math.round(n * 0.7), Math.round(n * 0.85)]]);
  for (let k = 0; k < h.validation.length; k++) if (setup.hidden![k] && h.validationRows[Math.floor(k / matrix.cols)]) assert.equal(h.validation[k], 1);
});

test('truth protocol: validation rows come from non-target months, hidden in the targets’ pattern', () => {
  // Hourly rows over four months, columns with a block-gap pattern in the test month (month 3).
  const rows = 24 * 120;
  const cols = 6;
  const times = Float64Array.from({ length: rows }, (_, i) => Date.UTC(2024, 0, 1, i));
  const truth = createMaskedMatrix(rows, cols, { times });
  const rng = seededRng(1);
  for (let k = 0; k < rows * cols; k++) {
    truth.values[k] = 10 + rng();
    truth.observed[k] = 1;
  }
  const input = { ...truth, values: truth.values.slice(), observed: truth.observed.slice() };
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      // blanks every 40 hours for 8 hours, staggered by column, all months
      if ((i + 7 * j) % 40 < 8) {
        input.observed[i * cols + j] = 0;
        input.values[i * cols + j] = 0;
      }
    }
  }
  const setup = truthProtocol(input, truth, [3]);
  const h = holdoutMasks(input, setup, { seed: 0 });
  checkDisjoint(input, h);
  for (let i = 0; i < rows; i++) {
    if (h.validationRows[i]) assert.notEqual(new Date(times[i]).getUTCMonth() + 1, 3, 'no validation row in a target month');
  }
  // Runs of non-target rows: Jan-Feb and Apr; each ends in a validation block.
  assert.equal(h.validationRanges.length, 2);
  // The pattern is the targets': hidden runs of up to 8 hours in a column.
  let run = 0;
  let longest = 0;
  for (let i = 0; i < rows; i++) {
    run = h.validation[i * cols] ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  assert.ok(longest >= 4 && longest <= 8, `validation gaps look like the target gaps (longest ${longest})`);
  // Another seed copies the pattern from another offset.
  assert.notDeepEqual(holdoutMasks(input, setup, { seed: 5 }).validation, h.validation);
});

test('the job scores the validation entries, and its validation never sees them', () => {
  const { matrix } = trafficSample({ days: 14, sensors: 12 });
  const job = runImputation(matrix, { method: 'linear', maskRatio: 0.8, seed: 0 });
  assert.ok(job.validation.count > 0);
  assert.ok(Number.isFinite(job.validation.mae));
  checkDisjoint(matrix, job.holdout);
});

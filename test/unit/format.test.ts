import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFigure } from '../../src/core/format';

test('one figure format: fixed, significant, short, exponent outside the plain range, a dash for no number', () => {
  assert.equal(formatFigure(0.12345, { digits: 3 }), '0.123');
  assert.equal(formatFigure(0.5, { digits: 3, style: 'significant' }), '0.500');
  assert.equal(formatFigure(0.5, { digits: 3, style: 'short' }), '0.5');
  assert.equal(formatFigure(123456, { digits: 2, exponent: 3 }), '1.235e+5');
  assert.equal(formatFigure(0.0001, { digits: 2, exponent: 2 }), '1.00e-4');
  assert.equal(formatFigure(0, { digits: 2, exponent: 2 }), '0.00');
  for (const v of [NaN, Infinity, null, undefined]) assert.equal(formatFigure(v), '–');
});

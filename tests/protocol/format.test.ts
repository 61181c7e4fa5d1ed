/** Shares and durations as a reader takes them in (the panel and the report). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSeconds, formatShare } from '../../src/protocol/format';

test('a share reads as a percentage from 0.1% up, below that as a power of ten', () => {
  assert.equal(formatShare(0.45), '45%');
  assert.equal(formatShare(0.0123), '1.2%');
  assert.equal(formatShare(1e-3), '0.10%');
  assert.equal(formatShare(2.4e-9), '2e-9');
  assert.equal(formatShare(0), '0');
});

test('a duration reads in the unit a person would say it in', () => {
  assert.equal(formatSeconds(0.4), 'under a second');
  assert.equal(formatSeconds(37.4), '37 s');
  assert.equal(formatSeconds(95), '2 min');
  assert.equal(formatSeconds(7200), '2.0 h');
  // each unit from its first whole value
  assert.equal(formatSeconds(1), '1 s');
  assert.equal(formatSeconds(90), '2 min');
  assert.equal(formatSeconds(5400), '1.5 h');
});

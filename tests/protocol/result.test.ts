/**
 * What every front end shows next to a result: the warning when exact solves stopped at their
 * bound, the other warnings, and which optimum the interactions come from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  largestRelativeGap,
  optimumSummary,
  resultWarnings,
  storedResultNote,
  unconvergedWarning
} from '../../src/protocol/result';
import { sampleResult } from '../lab/fixtures';

test('converged exact solves give no warning; stopped ones are counted with their gap', () => {
  const result = sampleResult();
  result.options.solver = { ...result.options.solver, kind: 'exact', tolerance: 1e-6 };
  const cells = result.perSample.flat();
  cells.forEach(cell => (cell.solve = { ...cell.solve, gap: 1e-9 * cell.solve.objective }));
  assert.equal(unconvergedWarning(result), null);

  cells[0].solve = { ...cells[0].solve, gap: 0.5 * cells[0].solve.objective };
  cells[1].solve = { ...cells[1].solve, gap: 0.25 * cells[1].solve.objective };
  assert.match(
    unconvergedWarning(result) ?? '',
    new RegExp(`^2 of ${cells.length} \\(sample, layer\\) problems .* up to 50% `)
  );

  assert.equal(largestRelativeGap(result), 0.5);

  result.options.solver = { ...result.options.solver, kind: 'lab-sgd' };
  assert.equal(unconvergedWarning(result), null, 'lab-sgd has no certified gap to judge by');
  cells[2].solve = { ...cells[2].solve, gap: null };
  assert.equal(largestRelativeGap(result), null, 'a solve without a certified gap');
});

test('the result says which optimum it reports and how far the alternatives are from it', () => {
  const result = sampleResult();
  const cells = result.perSample.flat();
  assert.equal(
    optimumSummary(result),
    'the canonical optimal solution (tie-break mix-hash); no alternatives compared'
  );
  cells.forEach(
    (cell, i) => (cell.ambiguity = { optima: 5, meanIoU: i === 0 ? 0.25 : 1, salient: [] })
  );
  const mean = (0.25 + (cells.length - 1)) / cells.length;
  assert.equal(
    optimumSummary(result),
    'the canonical optimal solution (tie-break mix-hash); against 4 alternative optimal ' +
      `solutions its salient interactions have a mean IoU of ${mean.toFixed(2)} (lowest 0.25 ` +
      'over samples and layers)'
  );
  result.options.solver = { ...result.options.solver, tieBreak: 'none' };
  assert.match(optimumSummary(result) ?? '', /tie-break none/);
  result.options.solver = { ...result.options.solver, kind: 'lab-sgd' };
  assert.equal(optimumSummary(result), null);
});

test('the warnings of the result come before the unconverged one', () => {
  const result = sampleResult();
  result.warnings = ['collapsed'];
  assert.deepEqual(resultWarnings(result), ['collapsed']);
  const cell = result.perSample[0][0];
  cell.solve = { ...cell.solve, gap: cell.solve.objective };
  assert.equal(resultWarnings(result).length, 2);
  assert.equal(resultWarnings(result)[0], 'collapsed');
});

test('a stored result says when and how fast it was computed', () => {
  const result = sampleResult();
  assert.equal(
    storedResultNote(result),
    'Stored result from 2025-01-01 00:00 UTC, computed in 1.5 s; not computed again now.'
  );
});

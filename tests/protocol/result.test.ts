/**
 * The warning every front end shows when exact solves stopped at the work bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unconvergedWarning } from '../../src/protocol/result';
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

  result.options.solver = { ...result.options.solver, kind: 'lab-sgd' };
  assert.equal(unconvergedWarning(result), null, 'lab-sgd has no certified gap to judge by');
});

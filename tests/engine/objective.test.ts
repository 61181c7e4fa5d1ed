/** The conventions every solver shares (solver/objective.ts): what a game must be, Harsanyi. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkValues, harsanyiOnly } from '../../src/engine/solver/objective';
import { mlpGame } from './solverGames';

describe('solver conventions', () => {
  it('takes games of 2^n outputs for n >= 1 and refuses other lengths', () => {
    assert.throws(() => checkValues([1]), /length 2\^n \(n >= 1\), got 1/);
    assert.throws(() => checkValues([1, 2, 3]), /got 3/);
    assert.doesNotThrow(() => checkValues([1, 2]));
    assert.doesNotThrow(() => checkValues([1, 2, 3, 4]));
  });

  it('refuses NaN and infinite outputs', () => {
    assert.throws(() => checkValues([1, Number.NaN]), /NaN or infinite/);
    assert.throws(() => checkValues([1, 2, Infinity, 4]), /NaN or infinite/);
  });

  it('the Harsanyi transform reports its own time in seconds', () => {
    const values = mlpGame(12, 1);
    const started = performance.now();
    const solution = harsanyiOnly(values);
    const elapsed = (performance.now() - started) / 1000;
    assert.ok(solution.report.seconds > 0 && solution.report.seconds <= elapsed);
  });
});

/**
 * method.md 3a on the demo's own n = 10 games (tests/fixtures/demo_games_n10.json): the
 * canonical optimum and its alternatives against the two-stage LP. Sample 1 at dense_1 has a
 * long primal path over the optimal face, so its alternatives are solved afresh.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { solveExact } from '../../src/engine/solver/exact';
import { EXACT, assertAlternatives, assertCanonical } from './canonicalChecks';

const demoGames = (
  JSON.parse(
    readFileSync(path.join(__dirname, '..', 'fixtures', 'demo_games_n10.json'), 'utf8')
  ) as { games: { sample: number; layer: string; values: number[] }[] }
).games;

describe("exact: the canonical optimum of the demo's games", () => {
  for (const game of demoGames) {
    it(`sample ${game.sample} at ${game.layer}, n = 10`, async () => {
      const values = Float64Array.from(game.values);
      const solution = solveExact(values, EXACT);
      await assertCanonical(values, solution);
      if (game.sample === 1) {
        await assertAlternatives(values, solution);
      }
    });
  }
});

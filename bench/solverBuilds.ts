/**
 * Two builds of `exact` on the same games in this process, alternating per game (so a
 * machine's drift in speed hits both alike): this tree's solver against an older build, e.g.
 *   git worktree add /tmp/base COMMIT && (cd /tmp/base && npm ci && npx tsc -p tsconfig.node.json)
 *   npx tsx bench/solverBuilds.ts /tmp/base/build [GAMES.json] [N] [STRIDE]
 * GAMES.json: from bench/demoGames.ts (default /tmp/layerwise-demo-games.json, n = 10, every
 * game). Prints both times over the games both builds solve to optimality (a game stopped at
 * the time bound takes that bound in either), their ratio and the largest difference between
 * the two optima.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { solveExact } from '../src/engine/solver/exact';
import { SolverOptions } from '../src/protocol/options';
import type { DemoGame } from './demoGames';

const [baseBuild, gamesPath = '/tmp/layerwise-demo-games.json', n = '10', stride = '1'] =
  process.argv.slice(2);
if (!baseBuild) {
  console.error('usage: npx tsx bench/solverBuilds.ts OLD_BUILD_DIR [GAMES.json] [N] [STRIDE]');
  process.exit(2);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const base = require(join(resolve(baseBuild), 'engine', 'solver', 'exact.js')) as {
  solveExact: typeof solveExact;
};
const settings = SolverOptions.parse({ kind: 'exact' });
const games = (JSON.parse(readFileSync(gamesPath, 'utf8')) as DemoGame[])
  .filter(game => game.n === Number(n))
  .filter((_, i) => i % Number(stride) === 0);
const seconds = { base: 0, tree: 0 };
let worst = 0;
let bounded = 0;
for (const [i, game] of games.entries()) {
  const solvers = [
    ['base', base.solveExact],
    ['tree', solveExact]
  ] as const;
  const timed = (i % 2 ? solvers : [...solvers].reverse()).map(([name, solve]) => {
    const started = performance.now();
    const solution = solve(game.values, settings);
    return { name, solution, seconds: (performance.now() - started) / 1000 };
  });
  if (!timed.every(({ solution }) => solution.stats.converged)) {
    bounded++;
    continue;
  }
  timed.forEach(({ name, seconds: spent }) => (seconds[name] += spent));
  const results = timed.map(({ solution }) => solution);
  for (let mask = 0; mask < game.values.length; mask++) {
    worst = Math.max(
      worst,
      Math.abs(results[0].and[mask] - results[1].and[mask]),
      Math.abs(results[0].or[mask] - results[1].or[mask])
    );
  }
}
console.log(
  `${games.length - bounded} games at n = ${n} (${bounded} left out: stopped at a bound): ` +
    `${baseBuild} ${seconds.base.toFixed(2)} s, this tree ` +
    `${seconds.tree.toFixed(2)} s (${(seconds.base / seconds.tree).toFixed(2)}x); largest ` +
    `difference between their optima ${worst.toExponential(1)}`
);

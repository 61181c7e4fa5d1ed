/**
 * Two builds of `exact` on the same games in one thread, alternating per game (so a machine's
 * drift in speed hits both alike): an older build against this tree's (`npm run build:node`
 * first), e.g.
 *   git worktree add /tmp/base COMMIT && (cd /tmp/base && npm ci && npx tsc -p tsconfig.node.json)
 *   npx tsx bench/solverBuilds.ts /tmp/base/build [GAMES.json] [N] [STRIDE]
 * GAMES.json: from bench/demoGames.ts (default /tmp/layerwise-demo-games.json, n = 10, every
 * game). Prints both times over the games both builds solve to optimality (a game stopped at
 * the time bound takes that bound in either), their ratio and the largest difference between
 * the two optima. The games run in a worker thread without tsx: tsx's module loading detaches
 * ArrayBuffers, and after that V8 checks every typed-array access of the thread, which slows
 * a solver written in JavaScript far more than one whose loops are WebAssembly.
 */
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const [baseBuild, gamesPath = '/tmp/layerwise-demo-games.json', n = '10', stride = '1'] =
  process.argv.slice(2);
if (!baseBuild) {
  console.error('usage: npx tsx bench/solverBuilds.ts OLD_BUILD_DIR [GAMES.json] [N] [STRIDE]');
  process.exit(2);
}

const compare = `
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parentPort, workerData } = require('node:worker_threads');
const { builds, gamesPath, n, stride } = workerData;
const solvers = builds.map(dir => require(join(dir, 'engine', 'solver', 'exact.js')).solveExact);
const settings = require(join(builds[1], 'protocol', 'options.js')).SolverOptions.parse({ kind: 'exact' });
const games = JSON.parse(readFileSync(gamesPath, 'utf8'))
  .filter(game => game.n === n)
  .filter((_, i) => i % stride === 0);
const seconds = [0, 0];
let worst = 0;
let bounded = 0;
games.forEach((game, i) => {
  const order = i % 2 ? [0, 1] : [1, 0];
  const timed = [];
  for (const which of order) {
    const started = performance.now();
    timed[which] = { solution: solvers[which](game.values, settings), seconds: (performance.now() - started) / 1000 };
  }
  if (!timed.every(({ solution }) => solution.stats.converged)) {
    bounded++;
    return;
  }
  timed.forEach(({ seconds: spent }, which) => (seconds[which] += spent));
  for (let mask = 0; mask < game.values.length; mask++) {
    for (const kind of ['and', 'or']) {
      worst = Math.max(worst, Math.abs(timed[0].solution[kind][mask] - timed[1].solution[kind][mask]));
    }
  }
});
parentPort.postMessage({ solved: games.length - bounded, bounded, seconds, worst });
`;

const builds = [resolve(baseBuild), resolve(__dirname, '..', 'build')];
const worker = new Worker(compare, {
  eval: true,
  execArgv: [],
  workerData: { builds, gamesPath, n: Number(n), stride: Number(stride) }
});
worker.on('message', ({ solved, bounded, seconds, worst }) => {
  console.log(
    `${solved} games at n = ${n} (${bounded} left out: stopped at a bound): ${builds[0]} ` +
      `${seconds[0].toFixed(2)} s, ${builds[1]} ${seconds[1].toFixed(2)} s ` +
      `(${(seconds[0] / seconds[1]).toFixed(2)}x); largest difference between their optima ` +
      `${worst.toExponential(1)}`
  );
});
worker.on('error', error => {
  console.error(error);
  process.exit(1);
});

/**
 * How good `exact` is when its pivot budget stops it early, on games from bench/demoGames.ts:
 * per game, a reference solve to convergence, then the same solve capped at fixed budgets and
 * at fractions of its own pivot count, and lab-sgd with default options. Each row: time,
 * objective, certified relative gap, excess objective over the reference, and the IoU of the
 * salient sets (method.md 4; tau = tauFactor x max |I| of each solution) with the reference's.
 * Writes one JSON row per line.
 *
 * npx tsx bench/budgetSweep.ts GAMES.json OUT.jsonl [SHARD SHARDS]
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { solveAndOr, type AndOrSolution } from '../src/engine/andOr';
import { solveExact } from '../src/engine/solver/exact';
import { maxStrength, salientMasks } from '../src/engine/salience';
import { subsetOrders } from '../src/engine/subsets';
import { SalienceOptions, SolverOptions } from '../src/protocol/options';
import type { DemoGame } from './demoGames';

const BUDGETS = [500, 1000, 2000, 4000, 8000];
/** Budgets as fractions of the reference's pivots: how the answer improves near the end. */
const FRACTIONS = [0.5, 0.75, 0.9, 0.95];
/** The reference solve's cap: a game not converged here gets no rows. */
const REFERENCE_PIVOTS = 40000;

const defaults = SolverOptions.parse({});
const tauFactor = SalienceOptions.parse({}).tauFactor;

function salientSet(solution: AndOrSolution, orders: Uint8Array): Set<string> {
  const tau = tauFactor * maxStrength(solution.and, solution.or);
  return new Set([
    ...salientMasks(solution.and, tau, orders, 1).map(m => `a${m}`),
    ...salientMasks(solution.or, tau, orders, 2).map(m => `o${m}`)
  ]);
}

function iou(a: Set<string>, b: Set<string>): number {
  let both = 0;
  a.forEach(key => (both += b.has(key) ? 1 : 0));
  const union = a.size + b.size - both;
  return union === 0 ? 1 : both / union;
}

async function sweep(game: DemoGame, out: string): Promise<void> {
  const orders = subsetOrders(game.n);
  const exact = (maxPivots: number) => solveExact(game.values, { ...defaults, maxPivots });
  const reference = exact(REFERENCE_PIVOTS);
  const base = { sample: game.sample, layer: game.layer, n: game.n };
  if (!reference.stats.converged) {
    appendFileSync(
      out,
      JSON.stringify({ ...base, method: 'unconverged', ...reference.report }) + '\n'
    );
    return;
  }
  const best = reference.report.objective;
  const salient = salientSet(reference, orders);
  const row = (method: string, solution: AndOrSolution, pivots: number | null) => {
    const { objective, gap, seconds } = solution.report;
    const found = salientSet(solution, orders);
    appendFileSync(
      out,
      JSON.stringify({
        ...base,
        method,
        pivots,
        seconds,
        objective,
        relGap: gap === null ? null : gap / objective,
        excess: objective / best - 1,
        iou: iou(found, salient),
        salient: found.size
      }) + '\n'
    );
  };
  row('converged', reference, reference.stats.pivots);
  for (const budget of BUDGETS) {
    // A budget at or above the converged pivot count repeats the reference solve exactly.
    const solution = budget >= reference.stats.pivots ? reference : exact(budget);
    row(`exact ${budget}`, solution, solution.report.iterations);
  }
  for (const fraction of FRACTIONS) {
    const solution = exact(Math.round(fraction * reference.stats.pivots));
    row(`exact ${fraction} x converged`, solution, solution.report.iterations);
  }
  row('lab-sgd', await solveAndOr(game.values, { ...defaults, kind: 'lab-sgd' }), null);
}

async function main(): Promise<void> {
  const [gamesPath, out, shard = '0', shards = '1'] = process.argv.slice(2);
  const games = (JSON.parse(readFileSync(gamesPath, 'utf8')) as DemoGame[]).filter(
    (_, i) => i % Number(shards) === Number(shard)
  );
  // Small games first, so partial results cover both sizes.
  games.sort((a, b) => a.n - b.n);
  for (const game of games) {
    await sweep(game, out);
  }
}

main().catch(error => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

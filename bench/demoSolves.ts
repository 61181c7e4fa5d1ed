/**
 * `exact` on every (sample, layer) problem of a demo spec (bench/demoGames.ts), one after the
 * other in this process on one core, with the default options (the canonical optimum and its
 * alternatives, the default time bound): the distribution of the solve times that issue 10's
 * targets are stated in, and lab-sgd's 20,000 steps on the first sample's problems in the same
 * process for scale.
 *
 * In `npm run bench` (section demo-solves: the n = 12 spec, 30 samples, about 4 minutes), or
 * alone: npx tsx bench/demoSolves.ts [SPEC] [SAMPLES] (the same defaults)
 */
import { join } from 'node:path';
import { solveAndOr } from '../src/engine/andOr';
import type { ExactSolution } from '../src/engine/solver/exact';
import { SolverOptions } from '../src/protocol/options';
import { demoGames } from './demoGames';
import { runAlone } from './runAlone';

const EXACT = SolverOptions.parse({ kind: 'exact' });
const LAB_SGD = SolverOptions.parse({ kind: 'lab-sgd' });

function quantile(sorted: number[], q: number): number {
  const at = q * (sorted.length - 1);
  const low = Math.floor(at);
  return sorted[low] + (at - low) * ((sorted[Math.ceil(at)] ?? sorted[low]) - sorted[low]);
}

export async function demoSolvesSection(
  specPath = join('examples', 'demo', 'spec-n12.json'),
  samples = 30
): Promise<string> {
  const games = await demoGames(samples, specPath, [0]);
  const solves: { seconds: number; label: string }[] = [];
  let bounded = 0;
  let alternativesMissing = 0;
  for (const game of games) {
    const started = performance.now();
    const solution = (await solveAndOr(game.values, EXACT)) as ExactSolution;
    const elapsed = (performance.now() - started) / 1000;
    solves.push({ seconds: elapsed, label: `sample ${game.sample}, ${game.layer}` });
    if (!solution.stats.converged) {
      bounded++;
    }
    if ((solution.alternatives?.length ?? 0) < EXACT.alternatives) {
      alternativesMissing++;
    }
  }
  const firstSample = games.filter(game => game.sample === 0);
  let exactFirst = 0;
  let sgdFirst = 0;
  for (const game of firstSample) {
    let started = performance.now();
    await solveAndOr(game.values, EXACT);
    exactFirst += performance.now() - started;
    started = performance.now();
    await solveAndOr(game.values, LAB_SGD);
    sgdFirst += performance.now() - started;
  }
  const seconds = solves.map(solve => solve.seconds);
  const sorted = [...seconds].sort((a, b) => a - b);
  const top = [...solves]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, 3)
    .map(solve => `${solve.seconds.toFixed(2)} s: ${solve.label}`);
  const n = games[0]?.n ?? 0;
  return [
    `## \`exact\` on the demo's problems at n = ${n}`,
    '',
    `\`npx tsx bench/demoSolves.ts ${specPath} ${samples}\`: ${games.length} problems ` +
      `(${samples} samples x ${games.length / samples} layers), solved one after the other ` +
      'on one core with the default options (canonical optimum, 4 alternatives, default time ' +
      'bound).',
    '',
    '| median | mean | 90th percentile | max | over 10 s | stopped at the bound | alternatives missing |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${quantile(sorted, 0.5).toFixed(2)} s | ${(seconds.reduce((a, b) => a + b, 0) / seconds.length).toFixed(2)} s | ${quantile(sorted, 0.9).toFixed(2)} s | ${sorted[sorted.length - 1].toFixed(2)} s | ${seconds.filter(s => s > 10).length} | ${bounded} | ${alternativesMissing} |`,
    '',
    `Slowest: ${top.join('; ')}. Sample 0's ${firstSample.length} problems in the same ` +
      `process: \`exact\` ${(exactFirst / 1000).toFixed(2)} s, \`lab-sgd\` (20,000 steps) ` +
      `${(sgdFirst / 1000).toFixed(2)} s, ${(sgdFirst / exactFirst).toFixed(1)}x.`
  ].join('\n');
}

if (require.main === module) {
  runAlone(demoSolvesSection(process.argv[2], process.argv[3] ? Number(process.argv[3]) : 30));
}

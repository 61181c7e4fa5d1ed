/**
 * The AND-OR solvers side by side (method.md 3): `exact` against `lab-sgd` (the public
 * recipe, 20,000 steps) on (sample, layer)-like problems, timed in the same process.
 * Run alone: `npx tsx bench/solvers.ts [n ...]` (default 8 10 12 14).
 */
import { solveAndOr } from '../src/engine/andOr';
import { solveExact } from '../src/engine/solver/exact';
import { SolverOptions } from '../src/protocol/options';
import { mlpGame, plantedGame } from '../tests/engine/solverGames';

const EXACT = SolverOptions.parse({ kind: 'exact' });
const LAB_SGD = SolverOptions.parse({ kind: 'lab-sgd' });
const PROBLEMS_PER_GAME = 3;
/** Above this n, lab-sgd runs this many steps and its time is scaled to the full recipe. */
const FULL_SGD_UP_TO = 12;
const SHORT_SGD_STEPS = 2000;

interface Row {
  n: number;
  game: string;
  exactMs: number;
  exactObjective: number;
  worstRelativeGap: number;
  pivots: number;
  basisSize: number;
  sgdMs: number;
  sgdObjective: number;
  sgdSteps: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
}

function gameOf(kind: string, n: number, seed: number): Float64Array {
  return kind === 'planted'
    ? plantedGame(n, { andTerms: 8, orTerms: 6, noise: 0.02, seed }).values
    : mlpGame(n, seed);
}

async function benchGame(n: number, kind: string): Promise<Row> {
  const exactMs: number[] = [];
  const exactObjective: number[] = [];
  const pivots: number[] = [];
  const basisSize: number[] = [];
  const sgdMs: number[] = [];
  const sgdObjective: number[] = [];
  let worstRelativeGap = 0;
  const sgdSteps = n <= FULL_SGD_UP_TO ? LAB_SGD.steps : SHORT_SGD_STEPS;
  for (let seed = 1; seed <= PROBLEMS_PER_GAME; seed++) {
    const values = gameOf(kind, n, seed);
    let started = performance.now();
    const exact = solveExact(values, EXACT);
    exactMs.push(performance.now() - started);
    exactObjective.push(exact.report.objective);
    pivots.push(exact.stats.pivots);
    basisSize.push(exact.stats.basisSize);
    worstRelativeGap = Math.max(worstRelativeGap, exact.report.gap! / exact.report.objective);
    started = performance.now();
    const sgd = await solveAndOr(values, { ...LAB_SGD, steps: sgdSteps });
    sgdMs.push(((performance.now() - started) * LAB_SGD.steps) / sgdSteps);
    sgdObjective.push(sgd.report.objective);
    console.error(
      `  n=${n} ${kind} #${seed}: exact ${exactMs.at(-1)!.toFixed(1)} ms ` +
        `(${exact.stats.pivots} pivots), lab-sgd ${sgdMs.at(-1)!.toFixed(0)} ms`
    );
  }
  return {
    n,
    game: kind,
    exactMs: median(exactMs),
    exactObjective: median(exactObjective),
    worstRelativeGap,
    pivots: median(pivots),
    basisSize: median(basisSize),
    sgdMs: median(sgdMs),
    sgdObjective: median(sgdObjective),
    sgdSteps
  };
}

export async function benchSolvers(sizes: number[] = [8, 10, 12, 14]): Promise<string> {
  // one untimed solve of each kind first, so JIT warm-up is not billed to the first row
  const warm = gameOf('planted', 8, 99);
  solveExact(warm, EXACT);
  await solveAndOr(warm, { ...LAB_SGD, steps: 200 });
  const rows: Row[] = [];
  for (const n of sizes) {
    for (const kind of ['planted', 'mlp']) {
      rows.push(await benchGame(n, kind));
    }
  }
  const format = (value: number, digits = 1) => value.toFixed(digits);
  const lines = [
    '## AND-OR solvers: `exact` vs `lab-sgd`',
    '',
    `Medians over ${PROBLEMS_PER_GAME} problems per row, one core, both solvers timed in the same ` +
      'process. Games: `planted` = 8 AND + 6 OR terms of orders 1-4 with uniform noise 0.02; ' +
      '`mlp` = masked log-odds of a random 2-hidden-layer tanh MLP (dense, far from sparse). ' +
      `kappa factor ${EXACT.kappaFactor}; exact tolerance ${EXACT.tolerance}; lab-sgd lr0 ` +
      `${LAB_SGD.lr0}, momentum ${LAB_SGD.momentum}, ${LAB_SGD.steps} steps` +
      (sizes.some(n => n > FULL_SGD_UP_TO)
        ? ` (for n > ${FULL_SGD_UP_TO}: ${SHORT_SGD_STEPS} steps timed, time scaled ` +
          `x${LAB_SGD.steps / SHORT_SGD_STEPS}, objective after ${SHORT_SGD_STEPS} steps).`
        : ').'),
    '',
    '| n | game | exact ms | exact objective | worst rel. gap | pivots | basis | lab-sgd ms | lab-sgd objective | speed-up | objective ratio |',
    '|---|---|---|---|---|---|---|---|---|---|---|'
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.n} | ${row.game} | ${format(row.exactMs)} | ${format(row.exactObjective, 4)} | ` +
        `${row.worstRelativeGap.toExponential(1)} | ${row.pivots} | ${row.basisSize} | ` +
        `${format(row.sgdMs, 0)}${row.sgdSteps < LAB_SGD.steps ? ' (scaled)' : ''} | ` +
        `${format(row.sgdObjective, 4)} | ${format(row.sgdMs / row.exactMs)}x | ` +
        `${format(row.sgdObjective / row.exactObjective, 2)} |`
    );
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number);
  benchSolvers(sizes.length > 0 ? sizes : undefined)
    .then(text => console.log(text))
    .catch(error => {
      console.error(error);
      process.exit(1);
    });
}

/**
 * What the canonical optimum and its ambiguity cost (method.md 3a), on the demo's own games
 * (bench/demoGames.ts, n = 10): the same solves with the plain pivoting rule (tieBreak none),
 * with the canonical tie-break, and with its 4 alternatives, one after the other in this
 * process on one core; and how far apart the optima are (salient-set IoU).
 *
 * Alone: npx tsx bench/canonical.ts (LAYERWISE_BENCH_CANONICAL_SAMPLES, default 10 samples)
 */
import { solveExact, type ExactSolution } from '../src/engine/solver/exact';
import { SolverOptions } from '../src/protocol/options';
import { demoGames } from './demoGames';
import { runAlone } from './runAlone';

const SAMPLES = Number(process.env.LAYERWISE_BENCH_CANONICAL_SAMPLES ?? 10);
const TAU_FACTOR = 0.05;

type Terms = { and: ArrayLike<number>; or: ArrayLike<number> };

function salient(terms: Terms): Set<string> {
  let max = 0;
  for (let mask = 1; mask < terms.and.length; mask++) {
    max = Math.max(max, Math.abs(terms.and[mask]), Math.abs(terms.or[mask]));
  }
  const set = new Set<string>();
  for (let mask = 1; mask < terms.and.length; mask++) {
    for (const kind of ['and', 'or'] as const) {
      if (Math.abs(terms[kind][mask]) > TAU_FACTOR * max) {
        set.add(`${kind} ${mask}`);
      }
    }
  }
  return set;
}

function iou(a: Set<string>, b: Set<string>): number {
  const shared = [...a].filter(key => b.has(key)).length;
  const union = a.size + b.size - shared;
  return union === 0 ? 1 : shared / union;
}

function timed(values: Float64Array, settings: SolverOptions): [ExactSolution, number] {
  const started = performance.now();
  const solution = solveExact(values, settings);
  return [solution, performance.now() - started];
}

const quantiles = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `${at(0).toFixed(2)} / ${at(0.5).toFixed(2)} / ${sorted[sorted.length - 1].toFixed(2)}`;
};

export async function benchCanonical(): Promise<string> {
  const games = await demoGames(SAMPLES, undefined, [0]);
  const plain = SolverOptions.parse({ kind: 'exact', tieBreak: 'none', alternatives: 0 });
  const canonical = SolverOptions.parse({ kind: 'exact', alternatives: 0 });
  const ambiguity = SolverOptions.parse({ kind: 'exact' });
  const totals = { plain: 0, canonical: 0, ambiguity: 0 };
  const pivots = { plain: 0, canonical: 0, alternatives: 0 };
  const plainIoU: number[] = [];
  const alternativeIoU: number[] = [];
  const perResolve: number[] = [];
  let afresh = 0;
  let stopped = 0;
  for (const game of games) {
    const values = Float64Array.from(game.values);
    const [a, ta] = timed(values, plain);
    const [b, tb] = timed(values, canonical);
    const [c, tc] = timed(values, ambiguity);
    totals.plain += ta;
    totals.canonical += tb;
    totals.ambiguity += tc;
    pivots.plain += a.stats.pivots;
    pivots.canonical += b.stats.pivots;
    pivots.alternatives += c.stats.alternativePivots;
    afresh += c.stats.alternativesSolvedAfresh;
    if (!b.stats.converged) {
      stopped++;
      continue;
    }
    const reference = salient(b);
    plainIoU.push(iou(reference, salient(a)));
    for (const alternative of c.alternatives ?? []) {
      alternativeIoU.push(iou(reference, salient(alternative)));
    }
    perResolve.push(c.stats.alternativePivots / Math.max(1, c.alternatives?.length ?? 1));
  }
  const count = games.length;
  return [
    "## The canonical optimum and its ambiguity on the demo's games",
    '',
    `The demo's first ${SAMPLES} samples at every layer (${count} games, n = ${games[0]?.n}), ` +
      'each solved three times one after the other on one core: the plain pivoting rule ' +
      '(tieBreak none), the canonical optimum (mix-hash), and the canonical optimum with its ' +
      `${ambiguity.alternatives} alternatives. IoU: of salient sets (tau = 0.05 max |I|), against ` +
      `the canonical optimum; min / median / max. ${stopped} game(s) stopped at the work or time ` +
      'bound are left out of the IoU columns.',
    '',
    '| | seconds (sum) | × plain | pivots (sum) |',
    '| --- | --- | --- | --- |',
    `| plain pivoting rule | ${(totals.plain / 1000).toFixed(1)} | 1.00 | ${pivots.plain} |`,
    `| canonical | ${(totals.canonical / 1000).toFixed(1)} | ${(totals.canonical / totals.plain).toFixed(2)} | ${pivots.canonical} |`,
    `| canonical + ${ambiguity.alternatives} alternatives | ${(totals.ambiguity / 1000).toFixed(1)} | ${(totals.ambiguity / totals.plain).toFixed(2)} | ${pivots.canonical} + ${pivots.alternatives} |`,
    '',
    `Pivots per alternative re-solve (min / median / max per game): ${quantiles(perResolve)}; ` +
      `alternatives solved afresh where the primal path was long: ${afresh} of ` +
      `${count * ambiguity.alternatives}. IoU of the plain rule's optimum with the canonical one: ` +
      `${quantiles(plainIoU)}; of the alternatives with the canonical one: ${quantiles(alternativeIoU)}.`,
    ''
  ].join('\n');
}

if (require.main === module) {
  runAlone(benchCanonical());
}

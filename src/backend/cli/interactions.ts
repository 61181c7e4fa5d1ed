/**
 * `layerwise interactions VALUES.npy --out FILE.json`: the AND-OR decomposition of one vector
 * of 2^n masked outputs (index = subset bit mask), as an InteractionsFile.
 */
import { SolverKind, SolverOptions } from '../../protocol/options';
import { InteractionsFile } from '../../protocol/result';
import { solveAndOr } from '../../engine/andOr';
import { DEGENERATE_KAPPA_SHARE, degenerateKappa } from '../../engine/solver/objective';
import { readNpy, toFloat64 } from '../npy';
import { optionalNumber, oneOf, parseCommandLine, requiredString } from './args';
import { UserError } from './errors';
import { guardVariables, interactionsCost } from './limits';
import { writeAtomic } from './output';
import type { Command } from './command';

const usage = `usage: layerwise interactions VALUES.npy --out FILE.json [options]

VALUES.npy holds v(x_S) for every subset S of n variables: a float32 or float64 vector of
length 2^n, index = subset bit mask (bit i set = variable i present).

options:
  --out FILE.json         where to write the interactions (required)
  --solver KIND           exact (default), lab-sgd, or none (the plain Harsanyi transform)
  --kappa-factor F        bound on the noise term: kappa = F |v(x_N) - v(x_{})| (default 0.04)
  --kappa-reference R     endpoints (default: |v(x_N) - v(x_{})|, the paper's) or range
                          (max v - min v, for games whose full and empty inputs score alike)
  --tie-break RULE        exact: mix-hash (default, the canonical optimum) or none
  --max-seconds S         exact: stop after S seconds with the certified gap (default 20 at n = 12,
                          x2 per variable more, /2 per variable fewer, at least 10)
  --force                 allow n > 16`;

/** n from the vector's length, which must be a power of two. */
export function variablesOf(length: number, name: string): number {
  const n = Math.log2(length);
  if (length < 2 || !Number.isInteger(n)) {
    throw new UserError(
      `${name}: expected 2^n values (2, 4, 8, ...) for n variables, got ${length}`
    );
  }
  return n;
}

export function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new UserError(`${name}: value ${i} is ${values[i]}; every value must be finite`);
    }
  }
}

async function run(args: string[]): Promise<void> {
  const parsed = parseCommandLine(
    args,
    {
      out: { type: 'string' },
      solver: { type: 'string' },
      'kappa-factor': { type: 'string' },
      'kappa-reference': { type: 'string' },
      'tie-break': { type: 'string' },
      'max-seconds': { type: 'string' },
      force: { type: 'boolean', default: false }
    },
    usage,
    1
  );
  const out = requiredString(parsed, 'out', usage);
  const kind = oneOf(parsed, 'solver', SolverKind.options, 'exact');
  const kappaFactor = optionalNumber(parsed, 'kappa-factor', v => v >= 0 && v <= 1, 'in [0, 1]');
  const kappaReference = oneOf(parsed, 'kappa-reference', ['endpoints', 'range'], 'endpoints');
  const tieBreak = oneOf(parsed, 'tie-break', ['mix-hash', 'none'], 'mix-hash');
  const maxSeconds = optionalNumber(parsed, 'max-seconds', v => v > 0, 'positive');
  const path = parsed.positionals[0];

  const array = await readNpy(path);
  if (array.dtype !== 'float32' && array.dtype !== 'float64') {
    throw new UserError(
      `${path}: expected float32 or float64 values, got ${array.dtype} (convert with arr.astype(np.float64))`
    );
  }
  if (array.shape.length !== 1) {
    throw new UserError(
      `${path}: expected a 1-D vector of 2^n values, got shape (${array.shape.join(', ')})`
    );
  }
  const values = toFloat64(array);
  const n = variablesOf(values.length, path);
  checkFinite(values, path);
  guardVariables(n, parsed.values.force === true, interactionsCost(n));

  const options = SolverOptions.parse({
    kind,
    kappaFactor,
    kappaReference,
    tieBreak,
    maxSeconds,
    alternatives: 0
  });
  // said before the solve, which is where a collapsed bound costs the time
  const warnings: string[] = [];
  const degenerate = kind === 'none' ? null : degenerateKappa(values, kappaReference);
  if (degenerate) {
    warnings.push(
      `|v(x_N) - v(x_{})| = ${degenerate.endpoints.toPrecision(3)} is ` +
        `${((100 * degenerate.endpoints) / degenerate.range).toFixed(1)}% of the range of v ` +
        `(${degenerate.range.toPrecision(3)}), below ${100 * DEGENERATE_KAPPA_SHARE}%: the noise ` +
        'bound almost vanishes and the decomposition needs many terms. Use ' +
        '--kappa-reference range to bound the noise by the range of v.'
    );
    console.error(`warning: ${warnings[0]}`);
  }
  const solution = await solveAndOr(values, options);
  const { gap, objective } = solution.report;
  if (kind === 'exact' && gap !== null && gap > options.tolerance * objective) {
    warnings.push(
      `the solve stopped at its work or time bound before the optimum: certified gap ` +
        `${((100 * gap) / objective).toFixed(1)}% of the objective; raise --max-seconds`
    );
    console.error(`warning: ${warnings.at(-1)}`);
  }
  const file = InteractionsFile.parse({
    n,
    solver: solution.report.solver,
    tieBreak: kind === 'exact' ? tieBreak : null,
    kappa: solution.report.kappa,
    and: Array.from(solution.and),
    or: Array.from(solution.or),
    delta: Array.from(solution.delta),
    objective: solution.report.objective,
    gap: solution.report.gap,
    iterations: solution.report.iterations,
    seconds: solution.report.seconds,
    warnings
  });
  await writeAtomic(out, JSON.stringify(file) + '\n');
  const gapText = file.gap === null ? 'no gap bound' : `gap ${file.gap.toExponential(2)}`;
  console.error(
    `n = ${n}, solver ${file.solver}: objective ${file.objective.toPrecision(6)}, ${gapText}, ` +
      `${file.iterations} iterations, ${file.seconds.toFixed(3)} s`
  );
  console.log(out);
}

export const interactionsCommand: Command = {
  summary: 'AND-OR interactions of a vector of 2^n masked outputs (.npy)',
  usage,
  run
};

/**
 * The guard on the number of variables: the work doubles with every variable, so above the
 * limit the CLI refuses and says what the run would cost, unless the user passes --force.
 */
import { UserError } from './errors';

export const DEFAULT_MAX_VARIABLES = 16;

const count = (value: number) => Math.round(value).toLocaleString('en-US');

function bytes(value: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** Cost of decomposing one vector of 2^n outputs. */
export function interactionsCost(n: number): string {
  const subsets = 2 ** n;
  return (
    `2^${n} = ${count(subsets)} subsets: each solver iteration costs about n·2^n = ` +
    `${count(n * subsets)} operations, and the output JSON holds 3 × 2^n numbers (about ${bytes(3 * subsets * 20)})`
  );
}

/** Cost of a layer-wise analysis: 2^n masked forward passes per sample, one solve per layer. */
export function analysisCost(n: number, samples: number): string {
  const subsets = 2 ** n;
  return (
    `2^${n} = ${count(subsets)} masked forward passes per sample, ${count(subsets * samples)} for ` +
    `${samples} sample(s), and per sample and analysed layer one AND-OR problem of ${count(subsets)} values`
  );
}

export function guardVariables(
  n: number,
  force: boolean,
  cost: string,
  limit = DEFAULT_MAX_VARIABLES
): void {
  if (n > limit && !force) {
    throw new UserError(
      `n = ${n} variables is above the limit of ${limit}. Estimated cost: ${cost}. ` +
        `Use fewer variables, or pass --force to run it anyway.`
    );
  }
}

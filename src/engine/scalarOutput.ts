/**
 * The scalar output v of a sample (method.md 1): the log-odds of the target class, computed
 * from logits without ever forming probabilities, so huge logits stay finite.
 */

/**
 * v = z_y - logsumexp_{c != y} z_c for `columns` >= 2 logits starting at `offset`; for a
 * single sigmoid logit z, v = z for class 1 and -z for class 0.
 */
export function logOdds(
  logits: ArrayLike<number>,
  offset: number,
  columns: number,
  target: number
): number {
  if (columns === 1) {
    const z = logits[offset];
    return target === 1 ? z : -z;
  }
  let max = -Infinity;
  for (let c = 0; c < columns; c++) {
    if (c !== target && logits[offset + c] > max) {
      max = logits[offset + c];
    }
  }
  if (max === -Infinity) {
    return Infinity;
  }
  let sum = 0;
  for (let c = 0; c < columns; c++) {
    if (c !== target) {
      sum += Math.exp(logits[offset + c] - max);
    }
  }
  return logits[offset + target] - (max + Math.log(sum));
}

/** The predicted class: argmax of the logits, or z > 0 for a single sigmoid logit. */
export function predictedClass(logits: ArrayLike<number>, offset: number, columns: number): number {
  if (columns === 1) {
    return logits[offset] > 0 ? 1 : 0;
  }
  let best = 0;
  for (let c = 1; c < columns; c++) {
    if (logits[offset + c] > logits[offset + best]) {
      best = c;
    }
  }
  return best;
}

/** A single logit column is a binary (sigmoid) task with classes 0 and 1. */
export function classCount(columns: number): number {
  return columns === 1 ? 2 : columns;
}

/** The class whose log-odds is analysed (method.md 1): the label unless told otherwise. */
export function targetClass(
  mode: 'label' | 'predicted',
  label: number | null,
  predicted: number
): number {
  return mode === 'label' && label !== null ? label : predicted;
}

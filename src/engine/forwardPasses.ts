/**
 * Forward passes in chunks: the runner sees at most `batchSize` inputs at a time, and every
 * output is checked for NaN/Inf, so a broken model fails with the layer and sample named.
 */
import { AnalysisInputError } from './errors';
import type { ForwardOutputs, ModelRunner } from './runner';

/** Runs between chunks: cancellation checks and yielding to the event loop. */
export type Between = () => Promise<void>;

/** The first non-finite entry of a [rows, width] array, as (row, value); null if none. */
export function firstNonFinite(
  values: Float32Array,
  rows: number
): { row: number; value: number } | null {
  const width = rows ? values.length / rows : 0;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      return { row: Math.floor(i / width), value: values[i] };
    }
  }
  return null;
}

/**
 * Checks a chunk's outputs; `where(row)` describes the input of a row for the message, and
 * the last tapped name is the output layer's.
 */
export function checkFinite(
  outputs: ForwardOutputs,
  rows: number,
  layerNames: string[],
  outputLayer: string,
  where: (row: number) => string
): void {
  const arrays = [...outputs.features, outputs.logits];
  arrays.forEach((values, i) => {
    const bad = firstNonFinite(values, rows);
    if (bad) {
      const layer =
        i < layerNames.length ? `layer '${layerNames[i]}'` : `the output (layer '${outputLayer}')`;
      throw new AnalysisInputError(
        `the model produced ${bad.value} at ${layer} for ${where(bad.row)}`
      );
    }
  });
}

/**
 * Runs `count` inputs of `inputSize` values (produced chunk by chunk by `inputsOf`) through
 * the runner; `consume` gets each chunk's outputs with its first row's position.
 */
export async function forwardInChunks(
  runner: ModelRunner,
  count: number,
  batchSize: number,
  layerNames: string[],
  inputsOf: (start: number, rows: number) => Float32Array,
  consume: (outputs: ForwardOutputs, start: number, rows: number) => Promise<void> | void,
  between: Between
): Promise<void> {
  for (let start = 0; start < count; start += batchSize) {
    const rows = Math.min(batchSize, count - start);
    const outputs = await runner.run(inputsOf(start, rows), rows, layerNames);
    await consume(outputs, start, rows);
    await between();
  }
}

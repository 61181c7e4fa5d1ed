/**
 * Masked samples x_S (method.md 1): variables in S keep their values, the others take the
 * baseline. Inputs are flat (row-major) vectors of one sample's raw inputs.
 */
import type { AnalysisOptions, BaselineOptions } from '../protocol/options';
import { AnalysisInputError } from './errors';

/** Training inputs, [count, inputSize] row-major. */
export interface TrainingInputs {
  data: Float32Array;
  count: number;
}

/** The baseline value of every raw input (length inputSize). */
export function baselineOf(
  options: BaselineOptions,
  inputSize: number,
  training?: TrainingInputs | null
): Float32Array {
  switch (options.kind) {
    case 'zero':
      return new Float32Array(inputSize);
    case 'mask-token':
      return new Float32Array(inputSize).fill(options.tokenId);
    case 'given':
      if (options.values.length !== inputSize) {
        throw new AnalysisInputError(
          `the given baseline has ${options.values.length} values; the model's input has ${inputSize}`
        );
      }
      return Float32Array.from(options.values);
    case 'mean':
      return trainingMean(inputSize, training);
  }
}

function trainingMean(inputSize: number, training?: TrainingInputs | null): Float32Array {
  if (!training || training.count === 0) {
    throw new AnalysisInputError(
      "the 'mean' baseline needs training inputs; give them or choose the 'zero' or 'given' baseline"
    );
  }
  // float64 sums: a float32 running sum over many samples loses digits.
  const sums = new Float64Array(inputSize);
  for (let s = 0; s < training.count; s++) {
    const row = s * inputSize;
    for (let i = 0; i < inputSize; i++) {
      sums[i] += training.data[row + i];
    }
  }
  const mean = new Float32Array(inputSize);
  for (let i = 0; i < inputSize; i++) {
    mean[i] = sums[i] / training.count;
  }
  return mean;
}

/** Checks that every variable's raw inputs exist and that no raw input is in two variables. */
export function validateVariables(variables: number[][], inputSize: number): void {
  const owner = new Int32Array(inputSize).fill(-1);
  variables.forEach((indices, v) => {
    for (const index of indices) {
      if (!Number.isInteger(index) || index < 0 || index >= inputSize) {
        throw new AnalysisInputError(
          `variable ${v} refers to raw input ${index}, but one sample has ${inputSize} raw inputs (valid: 0..${inputSize - 1})`
        );
      }
      if (owner[index] !== -1 && owner[index] !== v) {
        throw new AnalysisInputError(
          `raw input ${index} belongs to both variable ${owner[index]} and variable ${v}; variables must not overlap`
        );
      }
      owner[index] = v;
    }
  });
}

/** Writes the 2^n masked versions of one sample, a contiguous range of masks at a time. */
export class MaskedSampler {
  private readonly absent: Float32Array;

  constructor(
    private readonly sample: Float32Array,
    baseline: Float32Array,
    private readonly variables: number[][],
    unassigned: AnalysisOptions['unassignedInputs']
  ) {
    // x_{}: every variable at its baseline; unassigned inputs as the option says.
    this.absent = Float32Array.from(unassigned === 'baseline' ? baseline : sample);
    for (const indices of variables) {
      for (const index of indices) {
        this.absent[index] = baseline[index];
      }
    }
  }

  get inputSize(): number {
    return this.sample.length;
  }

  /** Masks start..start+count-1, [count, inputSize] row-major. */
  batch(start: number, count: number): Float32Array {
    const size = this.sample.length;
    const out = new Float32Array(count * size);
    for (let k = 0; k < count; k++) {
      const mask = start + k;
      const row = k * size;
      out.set(this.absent, row);
      for (let v = 0; v < this.variables.length; v++) {
        if ((mask >>> v) & 1) {
          for (const index of this.variables[v]) {
            out[row + index] = this.sample[index];
          }
        }
      }
    }
    return out;
  }
}

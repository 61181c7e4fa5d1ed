/**
 * SPEC.json: what `layerwise analyze` runs. File paths are relative to the spec file; the
 * analysis options are AnalysisOptions (options.ts), with the variables, their names, the
 * baseline and the layers lifted to the top level because every spec sets them.
 */
import { z } from 'zod';
import { AnalysisOptions, BaselineOptions, type AnalysisOptionsInput } from './options';

const Index = z.number().int().nonnegative();
const Positive = z.number().int().positive();

/**
 * Image patches as variables: the input (channels last) is cut into patch-sized cells, row by
 * row; each cell not excluded is one variable holding all its pixels and channels.
 */
export const GridVariables = z.strictObject({
  grid: z
    .strictObject({
      /** One sample's input shape: [height, width] or [height, width, channels]. */
      shape: z.array(Positive).min(2).max(3),
      /** Cell size in pixels: [rows, columns]. */
      patch: z.tuple([Positive, Positive]),
      /** Cells to leave out, as [cell row, cell column]. */
      exclude: z.array(z.tuple([Index, Index])).default([])
    })
    .refine(g => g.shape[0] % g.patch[0] === 0 && g.shape[1] % g.patch[1] === 0, {
      message: 'the patch size must divide the image height and width'
    })
});
export type GridVariables = z.infer<typeof GridVariables>;

const SpecOptions = z.strictObject(
  AnalysisOptions.omit({
    variables: true,
    variableNames: true,
    baseline: true,
    layers: true
  }).partial().shape
);

export const AnalysisSpec = z.strictObject({
  /**
   * TF.js layers model.json (its weight files next to it), or an .onnx file exported by the
   * kernel plugin (a name ending in .onnx; run on ONNX Runtime).
   */
  model: z.string().min(1),
  /** .npy [samples, ...inputShape]: the samples to analyse. */
  samples: z.string().min(1),
  /** .npy [samples]: integer class labels (the target class; else the predicted class). */
  sampleLabels: z.string().min(1).optional(),
  /** Analyse only the first K samples. */
  maxSamples: Positive.optional(),
  /** Training data: the probes' training set and the mean baseline. */
  training: z.strictObject({ inputs: z.string().min(1), labels: z.string().min(1) }).optional(),
  /** Groups of flat (row-major) input indices, or image patches on a grid. */
  variables: z.union([z.array(z.array(Index).min(1)).min(1), GridVariables]),
  variableNames: z.array(z.string()).optional(),
  baseline: BaselineOptions.optional(),
  /** Layer names; absent or empty = every layer with weights. */
  layers: z.array(z.string()).optional(),
  options: SpecOptions.default({})
});
export type AnalysisSpec = z.infer<typeof AnalysisSpec>;
export type AnalysisSpecInput = z.input<typeof AnalysisSpec>;

export interface ExpandedVariables {
  variables: number[][];
  /** Default names: the grid cell ("r1c2") for grids, none for explicit groups. */
  names: string[] | undefined;
}

export function expandVariables(variables: AnalysisSpec['variables']): ExpandedVariables {
  if (Array.isArray(variables)) {
    return { variables, names: undefined };
  }
  const { shape, patch, exclude } = variables.grid;
  const [height, width] = shape;
  const channels = shape[2] ?? 1;
  const rows = height / patch[0];
  const columns = width / patch[1];
  const excluded = new Set(exclude.map(([r, c]) => `${r},${c}`));
  const groups: number[][] = [];
  const names: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      if (excluded.has(`${r},${c}`)) {
        continue;
      }
      const group: number[] = [];
      for (let y = r * patch[0]; y < (r + 1) * patch[0]; y++) {
        for (let x = c * patch[1]; x < (c + 1) * patch[1]; x++) {
          for (let ch = 0; ch < channels; ch++) {
            group.push((y * width + x) * channels + ch);
          }
        }
      }
      groups.push(group);
      names.push(`r${r}c${c}`);
    }
  }
  return { variables: groups, names };
}

/** The spec's analysis options, validated with every default filled in. */
export function specOptions(spec: AnalysisSpec): AnalysisOptions {
  const expanded = expandVariables(spec.variables);
  const input: AnalysisOptionsInput = {
    ...spec.options,
    variables: expanded.variables,
    variableNames: spec.variableNames ?? expanded.names,
    baseline: spec.baseline,
    layers: spec.layers
  };
  return AnalysisOptions.parse(input);
}

/**
 * The user's settings (schema/analyze.json) as a typed object. Kept free of JupyterLab
 * imports so the defaults can be checked in node tests against the schema file.
 */
import type { ExportPresetName } from './export/presets';

export interface ILayerwiseSettings {
  variables: number;
  samples: number;
  trainRows: number;
  imagePatchSize: number;
  solver: 'exact' | 'lab-sgd' | 'none';
  tauFactor: number;
  kappaFactor: number;
  kappaReference: 'endpoints' | 'range';
  alternatives: number;
  salienceMode: 'per-sample' | 'per-layer';
  maxVariables: number;
  interactionKind: 'and' | 'or';
  reference: 'final' | 'previous';
  heatmapInteractions: number;
  exportPreset: ExportPresetName;
  pngScale: number;
  /** Redis URL the jobs' solves go to; '' leaves it to the backend. */
  queue: string;
}

export const DEFAULT_SETTINGS: Readonly<ILayerwiseSettings> = Object.freeze({
  variables: 10,
  samples: 10,
  trainRows: 10000,
  imagePatchSize: 0,
  solver: 'exact',
  tauFactor: 0.05,
  kappaFactor: 0.04,
  kappaReference: 'endpoints',
  alternatives: 4,
  salienceMode: 'per-sample',
  maxVariables: 12,
  interactionKind: 'and',
  reference: 'final',
  heatmapInteractions: 40,
  exportPreset: 'single-column',
  pngScale: 3,
  queue: ''
});

/**
 * Merges the registry's composite settings over the defaults, keeping only keys and value
 * types the schema knows, so a hand-edited settings file cannot break the panel.
 */
export function readSettings(composite: Record<string, unknown>): ILayerwiseSettings {
  const out: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, fallback] of Object.entries(DEFAULT_SETTINGS)) {
    const value = composite[key];
    if (typeof value === typeof fallback && !(typeof value === 'number' && !isFinite(value))) {
      out[key] = value;
    }
  }
  return out as unknown as ILayerwiseSettings;
}

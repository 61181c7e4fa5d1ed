/**
 * A small, schema-valid AnalysisResult (3 variables, 3 layers, 2 samples) for the lab tests;
 * the metrics follow method.md 5 so identities hold as in real results.
 */
import type { IFigureView } from '../../src/figures/builders';
import { AnalysisOptions } from '../../src/protocol/options';
import { AnalysisResult, SCHEMA_VERSION, type OrderMetrics } from '../../src/protocol/result';

function order(
  m: number,
  all: number,
  allReference: number,
  overlap: number,
  salientCount: number
): OrderMetrics {
  return {
    order: m,
    all,
    allReference,
    overlap,
    forget: all - overlap,
    new: allReference - overlap,
    completeness: allReference > 0 ? overlap / allReference : null,
    redundancy: all > 0 ? (all - overlap) / all : null,
    salientCount,
    spread: null
  };
}

export function sampleResult(): AnalysisResult {
  const layers = ['dense', 'dense_1', 'output'];
  const solve = {
    solver: 'exact' as const,
    kappa: 0.1,
    objective: 1,
    gap: 0,
    iterations: 3,
    seconds: 0.01
  };
  const cell = {
    vFull: 2,
    vEmpty: -1,
    tau: 0.05,
    solve,
    ambiguity: null,
    and: [{ mask: 3, order: 2, value: 0.5 }],
    or: [{ mask: 6, order: 2, value: -0.25 }]
  };
  return AnalysisResult.parse({
    schemaVersion: SCHEMA_VERSION,
    createdAt: '2025-01-01T00:00:00.000Z',
    tool: { name: 'layerwise', version: '0.1.0' },
    runtime: { backend: 'cpu', runner: 'tfjs', seconds: 1.5 },
    options: AnalysisOptions.parse({ variables: [[0], [1], [2]] }),
    model: { source: 'model', inputShape: [null, 3], classes: 10 },
    variables: { n: 3, names: ['a', 'b', 'c'] },
    layers: [
      {
        name: 'dense',
        label: 'dense',
        index: 0,
        kind: 'probe',
        probe: {
          trainAccuracy: 0.8,
          heldOutAccuracy: 0.7,
          sampleAccuracy: 0.5,
          sampleCount: 2,
          epochs: 12,
          featureSize: 16
        },
        normaliser: 2
      },
      {
        name: 'dense_1',
        label: 'dense_1',
        index: 1,
        kind: 'probe',
        probe: {
          trainAccuracy: 0.9,
          heldOutAccuracy: 0.85,
          sampleAccuracy: 1,
          sampleCount: 2,
          epochs: 9,
          featureSize: 8
        },
        normaliser: 3
      },
      { name: 'output', label: 'output', index: 2, kind: 'output', probe: null, normaliser: 3 }
    ],
    samples: [
      { index: 0, label: 1, target: 1, predicted: 1 },
      { index: 1, label: 2, target: 2, predicted: 0 }
    ],
    perSample: [layers.map(() => cell), layers.map(() => cell)],
    metrics: {
      final: [
        {
          layer: 'dense',
          and: [order(1, 1, 1.2, 0.8, 2), order(2, 0.6, 0.3, 0.2, 1.5)],
          or: [order(2, 0.4, 0.5, 0.1, 1)]
        },
        {
          layer: 'dense_1',
          and: [order(1, 1.1, 1.2, 1, 2), order(2, 0.4, 0.3, 0.25, 1)],
          or: [order(2, 0.5, 0.5, 0.4, 1)]
        },
        {
          layer: 'output',
          and: [order(1, 1.2, 1.2, 1.2, 2), order(2, 0.3, 0.3, 0.3, 1)],
          or: [order(2, 0.5, 0.5, 0.5, 1)]
        }
      ],
      previous: [
        {
          layer: 'dense',
          and: [order(1, 1, 0, 0, 2), order(2, 0.6, 0, 0, 1.5)],
          or: [order(2, 0.4, 0, 0, 1)]
        },
        {
          layer: 'dense_1',
          and: [order(1, 1.1, 1, 0.9, 2), order(2, 0.4, 0.6, 0.3, 1)],
          or: [order(2, 0.5, 0.4, 0.3, 1)]
        },
        {
          layer: 'output',
          and: [order(1, 1.2, 1.1, 1.05, 2), order(2, 0.3, 0.4, 0.25, 1)],
          or: [order(2, 0.5, 0.5, 0.45, 1)]
        }
      ]
    },
    tracking: [
      {
        kind: 'and',
        mask: 3,
        order: 2,
        strength: [0.5, 0.4, -0.2],
        salientIn: [0, 1],
        agreement: [1, 0.4, null]
      },
      {
        kind: 'and',
        mask: 1,
        order: 1,
        strength: [0.9, 1.0, 1.1],
        salientIn: [0, 1, 2],
        agreement: [null, null, null]
      },
      {
        kind: 'or',
        mask: 6,
        order: 2,
        strength: [-0.3, -0.25, -0.2],
        salientIn: [2],
        agreement: [null, null, null]
      }
    ],
    stability: null,
    warnings: []
  });
}

/** The panel's default figure view (AND, against the final layer), with any field changed. */
export function figureView(over: Partial<IFigureView> = {}): IFigureView {
  return { kind: 'and', reference: 'final', heatmapInteractions: 40, ...over };
}

/**
 * The numbers each figure draws and exports (CSV/JSON tables), read back against the result's
 * own fields: a figure that shows or exports a wrong number must fail here, not only one that
 * draws the wrong number of traces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildFigure,
  comparisonFigure,
  completenessFigure,
  divergingColor,
  FIGURE_IDS,
  probeFigure,
  salientFigure,
  stabilityFigure,
  strengthFigure,
  trackingFigure
} from '../../src/figures/builders';
import { paperTheme } from '../../src/figures/theme';
import type { AnalysisResult, ComparisonRow, OrderMetrics } from '../../src/protocol/result';
import { figureView, sampleResult } from './fixtures';

const theme = paperTheme(12);

type Series = { x: unknown[]; y: unknown[]; name?: string };

/** The result with a stability analysis, for the figures that need one. */
function withStability(): AnalysisResult {
  return {
    ...sampleResult(),
    stability: [
      {
        kind: 'and',
        layer: 'dense',
        stability: [
          { order: 1, value: 2.5 },
          { order: 2, value: 1.25 }
        ]
      },
      { kind: 'or', layer: 'dense', stability: [{ order: 2, value: 0.75 }] },
      {
        kind: 'and',
        layer: 'dense_1',
        stability: [
          { order: 1, value: 3 },
          { order: 2, value: null }
        ]
      }
    ]
  };
}

test('every table row has one cell per column, with and without the spread over the optima', () => {
  const result = withStability();
  result.metrics.final[0].and[0].spread = {
    overlap: [0.7, 0.9],
    forget: [0.1, 0.3],
    new: [0.3, 0.5],
    completeness: [0.5, 0.75],
    redundancy: [0.1, 0.25]
  };
  for (const id of FIGURE_IDS) {
    for (const kind of ['and', 'or'] as const) {
      const fig = buildFigure(id, result, figureView({ kind }), theme);
      assert.ok(fig.table.columns.length > 0, `${id}: columns`);
      for (const row of fig.table.rows) {
        assert.equal(row.length, fig.table.columns.length, `${id} ${kind}: ${row.join(',')}`);
      }
    }
  }
});

test('strength table: the metrics of every layer and order, spread columns null without it', () => {
  const result = sampleResult();
  const fig = strengthFigure(result, figureView(), theme);
  assert.deepEqual(fig.table.columns, [
    'layer',
    'order',
    'all',
    'allReference',
    'overlap',
    'forget',
    'new',
    'overlapMin',
    'overlapMax',
    'forgetMin',
    'forgetMax',
    'newMin',
    'newMax'
  ]);
  const expected = result.metrics.final.flatMap(layer =>
    layer.and.map(m => [
      layer.layer,
      m.order,
      m.all,
      m.allReference,
      m.overlap,
      m.forget,
      m.new,
      null,
      null,
      null,
      null,
      null,
      null
    ])
  );
  assert.deepEqual(fig.table.rows, expected);
  // the bars: overlap and forget up, new down, per layer facet
  const bars = fig.data as Series[];
  assert.deepEqual(
    bars[2].y,
    result.metrics.final[0].and.map(m => -m.new)
  );
  assert.deepEqual(bars[2].x, [1, 2]);
});

test('completeness and salient tables: values per layer and order, in the order of the orders', () => {
  const result = sampleResult();
  // dense has no order-1 AND interaction at all; its first order is 2
  result.metrics.final[0].and = [result.metrics.final[0].and[1]];
  const at = (layer: number, order: number): OrderMetrics | undefined =>
    result.metrics.final[layer].and.find(m => m.order === order);

  const completeness = completenessFigure(result, figureView(), theme);
  assert.deepEqual(completeness.table.columns, [
    'layer',
    'order',
    'completeness',
    'redundancy',
    'completenessMin',
    'completenessMax',
    'redundancyMin',
    'redundancyMax'
  ]);
  const expected = [1, 2].flatMap(order =>
    [0, 1].map(layer => [
      result.metrics.final[layer].layer,
      order,
      at(layer, order)?.completeness ?? null,
      at(layer, order)?.redundancy ?? null,
      null,
      null,
      null,
      null
    ])
  );
  assert.deepEqual(completeness.table.rows, expected);
  assert.equal(expected[0][2], null, 'the missing order is a gap, not a zero');
  const curves = completeness.data as Series[];
  assert.deepEqual(
    curves.map(c => c.name),
    ['1', '1', '2', '2']
  );
  assert.deepEqual(curves[0].y, [null, 1 / 1.2]);
  assert.deepEqual(curves[3].y, [(0.6 - 0.2) / 0.6, (0.4 - 0.25) / 0.4]);

  const salient = salientFigure(result, figureView(), theme);
  assert.deepEqual(salient.table.columns, ['layer', 'order', 'salientPerSample']);
  assert.deepEqual(salient.table.rows, [
    ['dense', 1, 0],
    ['dense_1', 1, 2],
    ['output', 1, 2],
    ['dense', 2, 1.5],
    ['dense_1', 2, 1],
    ['output', 2, 1]
  ]);
  assert.deepEqual(
    (salient.data as Series[]).map(t => t.name),
    ['1', '2']
  );
});

test('tracking heat map: rows by order then variables, cells coloured by their own strength', () => {
  const result = sampleResult();
  // {c} is the strongest and {b} the weakest: the kept rows are not in (order, mask) order
  result.tracking.push(
    {
      kind: 'and',
      mask: 4,
      order: 1,
      strength: [-2, 0.5, 1],
      salientIn: [0, 2],
      agreement: [0.6, null, 0.5]
    },
    {
      kind: 'and',
      mask: 2,
      order: 1,
      strength: [0.1, 0, 0],
      salientIn: [],
      agreement: [null, null, null]
    }
  );
  const fig = trackingFigure(result, figureView({ heatmapInteractions: 3 }), theme);
  const ticktext = (fig.layout.yaxis as { ticktext: string[] }).ticktext;
  assert.deepEqual(ticktext, ['{a}', '{c}', '{a, b}']);
  assert.deepEqual((fig.layout.yaxis as { tickvals: number[] }).tickvals, [0, 1, 2]);
  assert.deepEqual((fig.layout.xaxis as { tickvals: number[] }).tickvals, [0, 1, 2]);
  assert.deepEqual((fig.layout.xaxis as { ticktext: string[] }).ticktext, [
    'dense',
    'dense_1',
    'output'
  ]);

  const strengths = [
    [0.9, 1.0, 1.1],
    [-2, 0.5, 1],
    [0.5, 0.4, -0.2]
  ];
  assert.deepEqual(
    fig.table.rows.map(row => row[5]),
    strengths.flat()
  );
  assert.deepEqual(fig.table.columns, [
    'kind',
    'mask',
    'variables',
    'order',
    'layer',
    'strength',
    'salient',
    'optimaShare'
  ]);
  assert.deepEqual(fig.table.rows[3], ['and', 4, '{c}', 1, 'dense', -2, true, 0.6]);
  assert.deepEqual(fig.table.rows[5], ['and', 4, '{c}', 1, 'output', 1, true, 0.5]);
  // the colour scale spans +-2, the largest |strength| kept
  const cells = fig.data[0] as { x: number[]; y: number[]; marker: Record<string, unknown> };
  assert.deepEqual([cells.marker.cmin, cells.marker.cmax], [-2, 2]);
  assert.deepEqual(cells.marker.color, strengths.flat());
  assert.deepEqual(cells.y, [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  // hand-interpolated on the scale's stops: 0.5 of 2 is t = 0.625, halfway from #f7f7f7 to
  // #f4a582; -2 is the scale's end
  const fills = (fig.layout.shapes as { fillcolor: string }[]).map(s => s.fillcolor);
  assert.equal(fills[4], 'rgb(246,206,189)');
  assert.equal(fills[3], 'rgb(33,102,172)');
  // {c} at dense: salient in 60% of the optima, a dot, at output in exactly half, still a dot
  // (a ring is fewer than half); {a, b} at dense_1: 40%, a ring
  const hover = (fig.data[0] as { customdata: string[] }).customdata;
  assert.match(
    hover[3],
    /^AND \{c\}<br>order 1, layer dense<br>strength -2\.000<br>salient in 60% of the optimal solutions$/
  );
  assert.match(hover[7], /salient in 40% of the optimal solutions$/);
  assert.equal(hover[4], 'AND {c}<br>order 1, layer dense_1<br>strength 0.5000');
  assert.deepEqual(cells.x, [0, 1, 2, 0, 1, 2, 0, 1, 2]);
  const dots = fig.data[1] as Series;
  const rings = fig.data[2] as Series;
  assert.deepEqual(
    [dots.x, dots.y],
    [
      [0, 1, 2, 0, 2, 0],
      [0, 0, 0, 1, 1, 2]
    ]
  );
  assert.deepEqual([rings.x, rings.y], [[1], [2]]);
});

test('diverging colours interpolate between the stops at |value| / zmax', () => {
  const scale = paperTheme(10).diverging;
  // t = (1 / 4 + 1) / 2 = 0.625: halfway from #f7f7f7 (247,247,247) to #f4a582 (244,165,130)
  assert.equal(divergingColor(1, 4, scale), 'rgb(246,206,189)');
  // t = 0.125: halfway from #2166ac (33,102,172) to #92c5de (146,197,222)
  assert.equal(divergingColor(-3, 4, scale), 'rgb(90,150,197)');
});

test('probe table: every probed layer with its accuracies, epochs and feature size', () => {
  const result = sampleResult();
  const fig = probeFigure(result, figureView(), theme);
  assert.deepEqual(fig.table.columns, [
    'layer',
    'trainAccuracy',
    'heldOutAccuracy',
    'sampleAccuracy',
    'sampleCount',
    'epochs',
    'featureSize'
  ]);
  assert.deepEqual(fig.table.rows, [
    ['dense', 0.8, 0.7, 0.5, 2, 12, 16],
    ['dense_1', 0.9, 0.85, 1, 2, 9, 8]
  ]);
  const [train, heldOut, samples, chance] = fig.data as Series[];
  assert.deepEqual(
    [train.y, heldOut.y, samples.y],
    [
      [0.8, 0.9],
      [0.7, 0.85],
      [0.5, 1]
    ]
  );
  assert.equal(samples.name, 'analysed samples (n = 2)');
  assert.deepEqual(chance.y, [0.1, 0.1], 'ten classes');
});

test('stability figure: one curve per layer over the orders, its table the same numbers', () => {
  const fig = stabilityFigure(withStability(), figureView(), theme);
  assert.deepEqual(
    (fig.data as Series[]).map(c => [c.name, c.x, c.y]),
    [
      ['dense', [1, 2], [2.5, 1.25]],
      ['dense_1', [1, 2], [3, null]]
    ]
  );
  assert.deepEqual(fig.table.columns, ['layer', 'order', 'stability']);
  assert.deepEqual(fig.table.rows, [
    ['dense', 1, 2.5],
    ['dense', 2, 1.25],
    ['dense_1', 1, 3],
    ['dense_1', 2, null]
  ]);
  const or = stabilityFigure(withStability(), figureView({ kind: 'or' }), theme);
  assert.deepEqual(or.table.rows, [['dense', 2, 0.75]]);
});

test('comparison figure: one IoU curve per layer pair, the spread as error bars and columns', () => {
  // the pairs share layers (d1 on either side), so each curve must match both of its layers
  const row = (layerA: string, layerB: string, order: number, iou: number | null) => ({
    layerA,
    layerB,
    kind: 'and' as const,
    order,
    iou,
    samples: iou === null ? 0 : 3,
    spread: null as [number, number] | null
  });
  const rows: ComparisonRow[] = [
    { ...row('d1', 'd1', 1, 0.8), spread: [0.7, 0.9] },
    row('d1', 'd1', 2, 0.5),
    row('d1', 'c3', 1, null),
    row('d1', 'c3', 2, 0.25),
    row('d2', 'd1', 3, 0.125),
    { ...row('d1', 'd1', 2, 0.6), kind: 'or' }
  ];
  const fig = comparisonFigure(rows, 'and', theme);
  const curves = fig.data as (Series & {
    error_y?: { array: number[]; arrayminus: number[] };
  })[];
  assert.deepEqual(
    curves.map(c => [c.name, c.x, c.y]),
    [
      ['d1', [1, 2], [0.8, 0.5]],
      ['d1 / c3', [1, 2], [null, 0.25]],
      ['d2 / d1', [3], [0.125]]
    ]
  );
  const bars = curves[0].error_y!;
  assert.ok(Math.abs(bars.array[0] - 0.1) < 1e-12 && Math.abs(bars.arrayminus[0] - 0.1) < 1e-12);
  assert.deepEqual([bars.array[1], bars.arrayminus[1]], [0, 0]);
  assert.equal(curves[1].error_y, undefined, 'no spread, no bars');
  assert.deepEqual(fig.table.columns, [
    'layerA',
    'layerB',
    'order',
    'iou',
    'iouMin',
    'iouMax',
    'samples'
  ]);
  assert.deepEqual(fig.table.rows, [
    ['d1', 'd1', 1, 0.8, 0.7, 0.9, 3],
    ['d1', 'd1', 2, 0.5, null, null, 3],
    ['d1', 'c3', 1, null, null, null, 0],
    ['d1', 'c3', 2, 0.25, null, null, 3],
    ['d2', 'd1', 3, 0.125, null, null, 3]
  ]);
  assert.deepEqual(comparisonFigure(rows, 'or', theme).table.rows, [
    ['d1', 'd1', 2, 0.6, null, null, 3]
  ]);
});

test('figures without their data are empty, and names follow the reference layer', () => {
  const result = sampleResult();
  const names = (reference: 'final' | 'previous') =>
    (strengthFigure(result, figureView({ reference }), theme).data as Series[])
      .slice(0, 3)
      .map(t => t.name);
  assert.deepEqual(names('final'), [
    'shared with the final layer',
    'forgotten later',
    'emerges later'
  ]);
  assert.deepEqual(names('previous'), [
    'kept from the previous layer',
    'forgotten at this layer',
    'newly emerged at this layer'
  ]);
  const panels = completenessFigure(result, figureView(), theme).layout.annotations as {
    text: string;
    yref: string;
  }[];
  assert.deepEqual(
    panels.map(a => [a.text, a.yref]),
    [
      ['completeness', 'y domain'],
      ['redundancy', 'y2 domain']
    ]
  );
  // the ids name the exported files
  assert.equal(stabilityFigure(result, figureView(), theme).id, 'stability');
  assert.equal(comparisonFigure([], 'and', theme).id, 'iou');
  const stability = stabilityFigure(result, figureView(), theme);
  assert.deepEqual([stability.data, stability.table.rows], [[], []]);
  const previous = completenessFigure(result, figureView({ reference: 'previous' }), theme);
  assert.match(
    previous.caption,
    /^Completeness: the share of this layer's salient strength the previous layer already had/
  );
  assert.doesNotMatch(previous.caption, /final layer/);
});

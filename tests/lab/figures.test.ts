import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildFigure,
  completenessFigure,
  facetGrid,
  orderTicks,
  divergingColor,
  FIGURE_IDS,
  probeFigure,
  salientFigure,
  strengthFigure,
  strongestTracked,
  subsetLabel,
  trackingFigure
} from '../../src/figures/builders';
import { orderColor, paperTheme } from '../../src/figures/theme';
import { jupyterTheme } from '../../src/lab/plots/jupyterTheme';
import { figureView, sampleResult } from './fixtures';

const theme = paperTheme(12);

test('subset labels list the variables whose bits are set', () => {
  assert.equal(subsetLabel(0b101, ['a', 'b', 'c']), '{a, c}');
  assert.equal(subsetLabel(0, ['a']), '{}');
});

test('strength bars: one facet per layer; overlap and forget stack to the total, new points down', () => {
  const result = sampleResult();
  const fig = strengthFigure(result, figureView(), theme);
  assert.equal(fig.data.length, 3 * 3);
  const traces = fig.data as { y: number[]; x: number[]; xaxis: string; showlegend: boolean }[];
  assert.deepEqual(
    traces.map(t => t.xaxis),
    ['x', 'x', 'x', 'x2', 'x2', 'x2', 'x3', 'x3', 'x3']
  );
  assert.deepEqual(
    traces.map(t => t.showlegend),
    [true, true, true, false, false, false, false, false, false]
  );
  result.metrics.final.forEach((layer, i) => {
    const [overlap, forget, emerge] = traces.slice(3 * i, 3 * i + 3);
    assert.deepEqual(overlap.x, [1, 2]);
    layer.and.forEach((m, k) => {
      assert.ok(Math.abs(overlap.y[k] + forget.y[k] - m.all) < 1e-12);
      assert.equal(emerge.y[k], -m.new);
    });
  });
  assert.equal(fig.layout.barmode, 'relative');
  assert.equal((fig.layout.yaxis2 as { matches: string }).matches, 'y');
  assert.deepEqual(
    (fig.layout.annotations as { text: string }[]).map(a => a.text),
    ['dense', 'dense_1', 'output']
  );
  assert.equal(fig.table.rows.length, 6);
});

test('strength bars follow the AND/OR switch and the reference switch', () => {
  const result = sampleResult();
  const or = strengthFigure(result, figureView({ kind: 'or' }), theme);
  assert.deepEqual(
    [0, 3, 6].map(i => (or.data[i] as { y: number[] }).y),
    [[0.1], [0.4], [0.5]]
  );
  assert.match(or.title, /^OR/);
  const prev = strengthFigure(result, figureView({ reference: 'previous' }), theme);
  assert.deepEqual((prev.data[3] as { y: number[] }).y, [0.9, 0.3]);
  assert.notEqual((prev.data[0] as { name: string }).name, (or.data[0] as { name: string }).name);
});

test('order ticks: every order up to 5, then 1, multiples of 5 and an uncrowded top', () => {
  const ticks = (n: number) => (orderTicks(n) as { tickvals: number[] }).tickvals;
  assert.deepEqual(ticks(4), [1, 2, 3, 4]);
  assert.deepEqual(ticks(5), [1, 2, 3, 4, 5]);
  assert.deepEqual(ticks(6), [1, 5]);
  assert.deepEqual(ticks(8), [1, 5, 8]);
  assert.deepEqual(ticks(10), [1, 5, 10]);
  assert.deepEqual(ticks(12), [1, 5, 10]);
  assert.deepEqual(ticks(13), [1, 5, 10, 13]);
});

test('facets: at most three columns', () => {
  assert.deepEqual(facetGrid(1), { rows: 1, columns: 1 });
  assert.deepEqual(facetGrid(3), { rows: 1, columns: 3 });
  assert.deepEqual(facetGrid(7), { rows: 3, columns: 3 });
});

test('completeness figure: one completeness and one redundancy curve per order', () => {
  const result = sampleResult();
  const fig = completenessFigure(result, figureView(), theme);
  assert.equal(fig.data.length, 4);
  const c1 = fig.data[0] as { y: (number | null)[]; yaxis?: string };
  const r1 = fig.data[1] as { y: (number | null)[]; yaxis?: string };
  assert.equal(c1.yaxis, undefined);
  assert.equal(r1.yaxis, 'y2');
  assert.ok(Math.abs((c1.y[0] as number) - 0.8 / 1.2) < 1e-12);
  assert.ok(Math.abs((r1.y[0] as number) - 0.2) < 1e-12);
  // The final layer against itself (complete, not redundant by definition) is not drawn...
  assert.deepEqual((c1 as unknown as { x: string[] }).x, ['dense', 'dense_1']);
  assert.match(fig.caption, /final layer itself is left out/);
  // ...but against the previous layer it is a real comparison.
  const previous = completenessFigure(result, figureView({ reference: 'previous' }), theme);
  assert.deepEqual((previous.data[0] as { x: string[] }).x, ['dense', 'dense_1', 'output']);
});

test('completeness figure: error bars and table columns from the spread over the optima', () => {
  const result = sampleResult();
  const plain = completenessFigure(result, figureView(), theme);
  assert.ok(
    plain.data.every(trace => trace.error_y === undefined),
    'no spread, no bars'
  );
  const dense = result.metrics.final[0].and[0];
  dense.spread = {
    overlap: [0.7, 0.9],
    forget: [0.1, 0.3],
    new: [0.3, 0.5],
    completeness: [0.5, 0.75],
    redundancy: [0.1, 0.25]
  };
  const fig = completenessFigure(result, figureView(), theme);
  const bars = (fig.data[0] as { error_y: { array: number[]; arrayminus: number[] } }).error_y;
  const value = dense.completeness!;
  assert.ok(Math.abs(bars.array[0] - (0.75 - value)) < 1e-12);
  assert.ok(Math.abs(bars.arrayminus[0] - (value - 0.5)) < 1e-12);
  assert.deepEqual([bars.array[1], bars.arrayminus[1]], [0, 0], 'layers without a spread');
  const columns = fig.table.columns;
  const first = fig.table.rows[0];
  assert.deepEqual(
    ['completenessMin', 'completenessMax', 'redundancyMin', 'redundancyMax'].map(
      c => first[columns.indexOf(c)]
    ),
    [0.5, 0.75, 0.1, 0.25]
  );
  const strength = strengthFigure(result, figureView(), theme);
  const row = strength.table.rows[0];
  assert.deepEqual(
    ['overlapMin', 'overlapMax', 'newMax'].map(c => row[strength.table.columns.indexOf(c)]),
    [0.7, 0.9, 0.5]
  );
});

test('salient counts stack by order per layer', () => {
  const fig = salientFigure(sampleResult(), figureView(), theme);
  assert.deepEqual(
    fig.data.map(t => (t as { y: number[] }).y),
    [
      [2, 2, 2],
      [1.5, 1, 1]
    ]
  );
});

test('tracking heat map: one vector cell per interaction and layer, strongest first kept', () => {
  const result = sampleResult();
  const fig = trackingFigure(result, figureView(), theme);
  const shapes = fig.layout.shapes as { fillcolor: string }[];
  assert.equal(shapes.length, 2 * 3);
  assert.deepEqual((fig.layout.yaxis as { ticktext: string[] }).ticktext, ['{a}', '{a, b}']);
  const dots = fig.data[1] as { x: number[]; y: number[] };
  assert.deepEqual(dots.x, [0, 1, 2, 0]);
  // {a, b} is salient at layer 1 in 40% of the optimal solutions there: a ring, not a dot
  const rings = fig.data[2] as { x: number[]; y: number[]; marker: { symbol: string } };
  assert.deepEqual([rings.x, rings.y, rings.marker.symbol], [[1], [1], 'circle-open']);
  assert.deepEqual(
    fig.table.rows.filter(row => row.at(-1) !== null).map(row => [row[2], row[4], row.at(-1)]),
    [
      ['{a, b}', 'dense', 1],
      ['{a, b}', 'dense_1', 0.4]
    ]
  );
  assert.ok(!fig.data.some(t => t.type === 'heatmap'), 'Plotly heatmaps are rasterised in SVG');
  const top1 = trackingFigure(result, figureView({ heatmapInteractions: 1 }), theme);
  assert.deepEqual((top1.layout.yaxis as { ticktext: string[] }).ticktext, ['{a}']);
  const or = trackingFigure(result, figureView({ kind: 'or' }), theme);
  assert.deepEqual((or.layout.yaxis as { ticktext: string[] }).ticktext, ['{b, c}']);
});

test('tracking heat map: rows of text never closer than 1.5 lines, within the page', () => {
  const result = sampleResult();
  // Font 12 px: a row takes 18 px and the axes 120 px, so two rows need 156 px and a page of
  // 150 px has room for one.
  const fits = trackingFigure(result, figureView(), paperTheme(12, 1000));
  assert.equal(fits.minHeightPx, 156);
  const page = trackingFigure(result, figureView(), paperTheme(12, 150));
  assert.deepEqual((page.layout.yaxis as { ticktext: string[] }).ticktext, ['{a}']);
  assert.match(page.caption, /^The 1 strongest/);
});

test('order legends: titled once, numbers as entries, listed in order', () => {
  for (const build of [completenessFigure, salientFigure]) {
    const fig = build(sampleResult(), figureView(), theme);
    const legend = fig.layout.legend as { title: { text: string }; traceorder: string };
    assert.equal(legend.title.text, 'order');
    assert.equal(legend.traceorder, 'normal');
    const names = fig.data.filter(t => t.showlegend !== false).map(t => t.name);
    assert.deepEqual(names, ['1', '2']);
  }
});

test('strength figure: the legend fills the empty cells of the last row', () => {
  const result = sampleResult();
  const legend = (fig: ReturnType<typeof strengthFigure>) =>
    fig.layout.legend as { orientation: string; x: number; y: number };
  // three layers: one row, no empty cell, the legend stays on top
  assert.equal(legend(strengthFigure(result, figureView(), theme)).orientation, 'h');
  const extra = (count: number) => {
    const more = { ...result, metrics: { ...result.metrics } };
    const added = Array.from({ length: count }, (_, i) => ({
      ...result.metrics.final[0],
      layer: `extra_${i}`
    }));
    more.metrics.final = [...result.metrics.final, ...added];
    return legend(strengthFigure(more, figureView(), theme));
  };
  // 5 facets in a 2 x 3 grid leave one cell, too narrow: the legend stays on top
  assert.equal(extra(2).orientation, 'h');
  const placed = extra(1);
  // 4 facets in a 2 x 3 grid: the last row has one facet and two empty cells from x = 1/3
  assert.equal(placed.orientation, 'v');
  assert.ok(Math.abs(placed.x - (1 / 3 + 0.06)) < 1e-12);
  assert.equal(placed.y, 0);
});

test('diverging colours: white at zero, the scale ends at +-zmax and beyond', () => {
  const scale = paperTheme(10).diverging;
  assert.equal(divergingColor(0, 1, scale), 'rgb(247,247,247)');
  assert.equal(divergingColor(1, 1, scale), 'rgb(178,24,43)');
  assert.equal(divergingColor(-5, 1, scale), 'rgb(33,102,172)');
});

test('probe figure skips the output layer and draws the chance level', () => {
  const fig = probeFigure(sampleResult(), figureView(), theme);
  const lines = fig.data as { name: string; x: string[]; y: number[] }[];
  assert.deepEqual(lines[0].x, ['dense', 'dense_1']);
  assert.deepEqual(
    lines.map(l => [l.name, l.y]),
    [
      ['training rows', [0.8, 0.9]],
      ['held-out training rows', [0.7, 0.85]],
      ['analysed samples (n = 2)', [0.5, 1]],
      ['chance', [0.1, 0.1]]
    ]
  );
  assert.deepEqual(fig.table.columns.slice(3, 5), ['sampleAccuracy', 'sampleCount']);
  assert.deepEqual(
    fig.table.rows.map(row => row.slice(3, 5)),
    [
      [0.5, 2],
      [1, 2]
    ]
  );
});

test('probe figure leaves out the analysed samples when they have no labels', () => {
  const result = sampleResult();
  for (const layer of result.layers) {
    if (layer.probe) {
      layer.probe = { ...layer.probe, sampleAccuracy: null, sampleCount: 0 };
    }
  }
  const names = probeFigure(result, figureView(), theme).data.map(t => t.name);
  assert.deepEqual(names, ['training rows', 'held-out training rows', 'chance']);
});

test('every figure builds and uses the theme colours', () => {
  const dark = jupyterTheme(
    name => ({ '--jp-layout-color1': '#111111', '--jp-ui-font-color1': '#eeeeee' })[name] ?? '',
    false
  );
  for (const id of FIGURE_IDS) {
    const fig = buildFigure(id, sampleResult(), figureView(), dark);
    assert.equal(fig.id, id);
    assert.equal(fig.layout.paper_bgcolor, '#111111');
    assert.equal((fig.layout.font as { color: string }).color, '#eeeeee');
    assert.ok(fig.aspect > 0);
  }
});

test('order colours run from the first to the last stop', () => {
  assert.equal(orderColor(1, 5), '#440154');
  assert.equal(orderColor(5, 5), '#b5a626');
  assert.notEqual(orderColor(2, 5), orderColor(3, 5));
});

test('strongest tracked interactions: by peak |strength|, whatever the sign', () => {
  const tracking = sampleResult().tracking;
  assert.deepEqual(
    strongestTracked(tracking, 2).map(t => t.mask),
    [1, 3]
  );
  assert.equal(strongestTracked(tracking, 10).length, 3);
  assert.equal(tracking[0].mask, 3, 'the input is not reordered');
});

test('figures and their CSV name layers by their labels (type and path), not their ids', () => {
  const result = sampleResult();
  const labels = ['features.0 (Conv2d)', '1 (ReLU)', 'output (Net)'];
  result.layers.forEach((layer, i) => (layer.label = labels[i]));
  result.stability = (['dense', 'output'] as const).map(layer => ({
    kind: 'and' as const,
    layer,
    stability: [{ order: 1, value: 2 }]
  }));
  const build = (id: (typeof FIGURE_IDS)[number]) => buildFigure(id, result, figureView(), theme);
  const firstCells = (id: (typeof FIGURE_IDS)[number]) => [
    ...new Set(build(id).table.rows.map(row => row[0]))
  ];

  const strength = build('strength');
  assert.deepEqual(
    (strength.layout.annotations as { text: string }[]).map(a => a.text),
    labels
  );
  assert.deepEqual(firstCells('strength'), labels);
  // (the final layer is left out of completeness against itself)
  assert.deepEqual((build('completeness').data[0] as { x: string[] }).x, labels.slice(0, 2));
  assert.deepEqual((build('salient').data[0] as { x: string[] }).x, labels);
  assert.deepEqual(firstCells('salient'), labels);
  const tracking = build('tracking').layout.xaxis as { ticktext: string[] };
  assert.deepEqual(tracking.ticktext, labels);
  assert.deepEqual((build('probes').data[0] as { x: string[] }).x, labels.slice(0, 2));
  assert.deepEqual(firstCells('probes'), labels.slice(0, 2));
  assert.deepEqual(
    build('stability').data.map(t => t.name),
    ['features.0 (Conv2d)', 'output (Net)']
  );
  assert.deepEqual(firstCells('stability'), ['features.0 (Conv2d)', 'output (Net)']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildFigure,
  completenessFigure,
  facetGrid,
  divergingColor,
  FIGURE_IDS,
  probeFigure,
  salientFigure,
  strengthFigure,
  strongestTracked,
  subsetLabel,
  trackingFigure,
  type IFigureView
} from '../../src/figures/builders';
import { orderColor, paperTheme } from '../../src/figures/theme';
import { jupyterTheme } from '../../src/lab/plots/jupyterTheme';
import { sampleResult } from './fixtures';

const theme = paperTheme(12);
const view = (over: Partial<IFigureView> = {}): IFigureView => ({
  kind: 'and',
  reference: 'final',
  heatmapInteractions: 40,
  ...over
});

test('subset labels list the variables whose bits are set', () => {
  assert.equal(subsetLabel(0b101, ['a', 'b', 'c']), '{a, c}');
  assert.equal(subsetLabel(0, ['a']), '{}');
});

test('strength bars: one facet per layer; overlap and forget stack to the total, new points down', () => {
  const result = sampleResult();
  const fig = strengthFigure(result, view(), theme);
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
  const or = strengthFigure(result, view({ kind: 'or' }), theme);
  assert.deepEqual(
    [0, 3, 6].map(i => (or.data[i] as { y: number[] }).y),
    [[0.1], [0.4], [0.5]]
  );
  assert.match(or.title, /^OR/);
  const prev = strengthFigure(result, view({ reference: 'previous' }), theme);
  assert.deepEqual((prev.data[3] as { y: number[] }).y, [0.9, 0.3]);
  assert.notEqual((prev.data[0] as { name: string }).name, (or.data[0] as { name: string }).name);
});

test('facets: at most three columns', () => {
  assert.deepEqual(facetGrid(1), { rows: 1, columns: 1 });
  assert.deepEqual(facetGrid(3), { rows: 1, columns: 3 });
  assert.deepEqual(facetGrid(7), { rows: 3, columns: 3 });
});

test('completeness figure: one completeness and one redundancy curve per order', () => {
  const fig = completenessFigure(sampleResult(), view(), theme);
  assert.equal(fig.data.length, 4);
  const c1 = fig.data[0] as { y: (number | null)[]; yaxis?: string };
  const r1 = fig.data[1] as { y: (number | null)[]; yaxis?: string };
  assert.equal(c1.yaxis, undefined);
  assert.equal(r1.yaxis, 'y2');
  assert.ok(Math.abs((c1.y[0] as number) - 0.8 / 1.2) < 1e-12);
  assert.equal(c1.y[2], 1);
  assert.ok(Math.abs((r1.y[0] as number) - 0.2) < 1e-12);
});

test('completeness figure: error bars and table columns from the spread over the optima', () => {
  const result = sampleResult();
  const plain = completenessFigure(result, view(), theme);
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
  const fig = completenessFigure(result, view(), theme);
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
  const strength = strengthFigure(result, view(), theme);
  const row = strength.table.rows[0];
  assert.deepEqual(
    ['overlapMin', 'overlapMax', 'newMax'].map(c => row[strength.table.columns.indexOf(c)]),
    [0.7, 0.9, 0.5]
  );
});

test('salient counts stack by order per layer', () => {
  const fig = salientFigure(sampleResult(), view(), theme);
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
  const fig = trackingFigure(result, view(), theme);
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
  const top1 = trackingFigure(result, view({ heatmapInteractions: 1 }), theme);
  assert.deepEqual((top1.layout.yaxis as { ticktext: string[] }).ticktext, ['{a}']);
  const or = trackingFigure(result, view({ kind: 'or' }), theme);
  assert.deepEqual((or.layout.yaxis as { ticktext: string[] }).ticktext, ['{b, c}']);
});

test('diverging colours: white at zero, the scale ends at +-zmax and beyond', () => {
  const scale = paperTheme(10).diverging;
  assert.equal(divergingColor(0, 1, scale), 'rgb(247,247,247)');
  assert.equal(divergingColor(1, 1, scale), 'rgb(178,24,43)');
  assert.equal(divergingColor(-5, 1, scale), 'rgb(33,102,172)');
});

test('probe figure skips the output layer and draws the chance level', () => {
  const fig = probeFigure(sampleResult(), view(), theme);
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
  const names = probeFigure(result, view(), theme).data.map(t => t.name);
  assert.deepEqual(names, ['training rows', 'held-out training rows', 'chance']);
});

test('every figure builds and uses the theme colours', () => {
  const dark = jupyterTheme(
    name => ({ '--jp-layout-color1': '#111111', '--jp-ui-font-color1': '#eeeeee' })[name] ?? '',
    false
  );
  for (const id of FIGURE_IDS) {
    const fig = buildFigure(id, sampleResult(), view(), dark);
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
  const build = (id: (typeof FIGURE_IDS)[number]) => buildFigure(id, result, view(), theme);
  const firstCells = (id: (typeof FIGURE_IDS)[number]) => [
    ...new Set(build(id).table.rows.map(row => row[0]))
  ];

  const strength = build('strength');
  assert.deepEqual(
    (strength.layout.annotations as { text: string }[]).map(a => a.text),
    labels
  );
  assert.deepEqual(firstCells('strength'), labels);
  assert.deepEqual((build('completeness').data[0] as { x: string[] }).x, labels);
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

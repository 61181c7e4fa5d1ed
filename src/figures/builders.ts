/**
 * The figures of an AnalysisResult as plain Plotly specs: no DOM, no Plotly import, so the
 * same specs serve the JupyterLab panel (its screen theme), the panel's exports and the CLI's
 * report.html (paper theme), and can be checked in node tests. Each figure carries the table
 * of numbers it plots, which is what the CSV/JSON exports write.
 */
import type {
  AnalysisResult,
  ComparisonRow,
  LayerMetrics,
  OrderMetrics,
  TrackedInteraction
} from '../protocol/result';
import type { IPlotTheme } from './theme';

export type InteractionKind = 'and' | 'or';
export type Reference = 'final' | 'previous';

export interface IFigureView {
  kind: InteractionKind;
  reference: Reference;
  /** Most tracked interactions in the heat map. */
  heatmapInteractions: number;
}

export type Cell = string | number | boolean | null;

export interface IFigureTable {
  columns: string[];
  rows: Cell[][];
}

export type Trace = Record<string, unknown>;
export type Layout = Record<string, unknown>;

export interface IFigure {
  id: FigureId | 'iou';
  title: string;
  data: Trace[];
  layout: Layout;
  /** Height / width for exports. */
  aspect: number;
  /** The least height in px that keeps stacked rows of text apart, whatever the width. */
  minHeightPx?: number;
  /** What is drawn and how to read it: shown under the figure, left to a paper's caption. */
  caption: string;
  table: IFigureTable;
}

export type FigureId =
  | 'strength'
  | 'completeness'
  | 'salient'
  | 'tracking'
  | 'probes'
  | 'stability';

/** The panel's figures; the report adds the stability figure where the result has one. */
export const FIGURE_IDS: readonly FigureId[] = [
  'strength',
  'completeness',
  'salient',
  'tracking',
  'probes'
];

export const KIND_LABEL: Record<InteractionKind, string> = { and: 'AND', or: 'OR' };

/**
 * Overlap / forget / new compare an earlier and a later layer: against the final layer the
 * row's layer is the earlier one, against the previous layer it is the later one.
 */
export const PART_LABELS: Record<Reference, { overlap: string; forget: string; emerge: string }> = {
  final: {
    overlap: 'shared with the final layer',
    forget: 'forgotten later',
    emerge: 'emerges later'
  },
  previous: {
    overlap: 'kept from the previous layer',
    forget: 'forgotten at this layer',
    emerge: 'newly emerged at this layer'
  }
};

/** A subset's variable names, e.g. "{x1, x4}"; the mask's bit i is variable i. */
export function subsetLabel(mask: number, names: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    if (mask & (1 << i)) {
      parts.push(names[i]);
    }
  }
  return `{${parts.join(', ')}}`;
}

/** A layer's label (LayerInfo.label: name and type) by its name, which stays its id. */
function labeller(result: AnalysisResult): (name: string) => string {
  const labels = new Map(result.layers.map(l => [l.name, l.label]));
  return name => labels.get(name) ?? name;
}

/** The metrics against `reference`, each layer under its label. */
function metricsOf(result: AnalysisResult, reference: Reference): LayerMetrics[] {
  const label = labeller(result);
  const metrics = reference === 'final' ? result.metrics.final : result.metrics.previous;
  return metrics.map(m => ({ ...m, layer: label(m.layer) }));
}

function ordersOf(metrics: LayerMetrics[], kind: InteractionKind): number[] {
  const orders = new Set<number>();
  for (const layer of metrics) {
    for (const m of layer[kind]) {
      orders.add(m.order);
    }
  }
  return [...orders].sort((a, b) => a - b);
}

/**
 * Layout shared by every figure. No Plotly title: the panel's card and the paper's caption
 * carry it (slide exports add it back); the legend sits on top, where a narrow panel has room.
 */
function baseLayout(theme: IPlotTheme): Layout {
  const axis = {
    gridcolor: theme.grid,
    zerolinecolor: theme.zeroLine,
    linecolor: theme.zeroLine,
    tickcolor: theme.zeroLine,
    automargin: true
  };
  return {
    paper_bgcolor: theme.background,
    plot_bgcolor: theme.plotBackground,
    font: { family: theme.fontFamily, size: theme.fontSize, color: theme.text },
    margin: { l: 50, r: 10, t: 10, b: 40 },
    legend: {
      orientation: 'h',
      x: 0,
      xanchor: 'left',
      y: 1.02,
      yanchor: 'bottom',
      // Plotly lists stacked bars top-down; every figure lists its entries in data order.
      traceorder: 'normal',
      itemwidth: 30,
      font: { color: theme.text }
    },
    xaxis: { ...axis },
    yaxis: { ...axis },
    hoverlabel: { font: { family: theme.fontFamily } }
  };
}

const SPREAD_NOTE =
  ' Error bars, where drawn: the range over the alternative optimal solutions (method.md 3a).';

/**
 * Layer names along x, slanted: Plotly keeps them level while they barely fit, where they
 * then nearly touch, and slants only later.
 */
const LAYER_AXIS = { type: 'category', tickangle: -45, title: { text: 'layer' } };

/** A line with markers: every curve of every figure looks the same. */
function curve(color: string, trace: Trace): Trace {
  return {
    type: 'scatter',
    mode: 'lines+markers',
    line: { color, width: 1.5 },
    marker: { color, size: 5 },
    ...trace
  };
}

/** Rows and columns of small multiples: at most three columns, so facets stay readable. */
export function facetGrid(count: number): { rows: number; columns: number } {
  const columns = Math.min(3, Math.max(1, count));
  return { rows: Math.max(1, Math.ceil(count / columns)), columns };
}

/**
 * Order ticks a narrow facet has room for, upright: every order up to 5, else 1, the multiples
 * of 5 and the highest order (where it is not crowding the last multiple).
 */
export function orderTicks(maxOrder: number): Layout {
  let tickvals = Array.from({ length: maxOrder }, (_, i) => i + 1);
  if (maxOrder > 5) {
    tickvals = [1, ...tickvals.filter(order => order % 5 === 0)];
    if (maxOrder - tickvals[tickvals.length - 1] >= 3) {
      tickvals.push(maxOrder);
    }
  }
  return { tickmode: 'array', tickvals, tickangle: 0 };
}

/** A panel's name, above its top left corner. */
function panelName(text: string, yaxis: string, theme: IPlotTheme): Record<string, unknown> {
  return {
    text,
    showarrow: false,
    xref: 'paper',
    yref: `${yaxis} domain`,
    x: 0,
    y: 1,
    xanchor: 'left',
    yanchor: 'bottom',
    font: { size: theme.fontSize, color: theme.text }
  };
}

/**
 * Orders are told apart by colour: a legend titled "order" whose entries are the numbers, each
 * only as wide as it needs, so ten orders take one or two rows, not five.
 */
function orderLegend(layout: Layout, theme: IPlotTheme): void {
  layout.legend = {
    ...(layout.legend as object),
    title: { text: 'order' },
    // The text's width (Plotly's default column is far wider than a number).
    entrywidth: 1.3 * theme.fontSize,
    entrywidthmode: 'pixels'
  };
}

/**
 * Paper Fig. 3a: for every layer (one small multiple each) and order, the strength shared
 * with the reference layer and the forgotten strength stacked up, the newly emerged strength
 * pointing down. All facets share the y scale so layers compare at a glance.
 */
export function strengthFigure(
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  const metrics = metricsOf(result, view.reference);
  const labels = PART_LABELS[view.reference];
  const { rows: gridRows, columns } = facetGrid(metrics.length);
  const maxOrder = Math.max(1, ...ordersOf(metrics, view.kind));
  const layout = baseLayout(theme);
  const axis = layout.xaxis as object;
  const data: Trace[] = [];
  const annotations: Record<string, unknown>[] = [];
  const rows: Cell[][] = [];
  const parts = [
    { key: 'overlap', name: labels.overlap, color: theme.overlap, sign: 1 },
    { key: 'forget', name: labels.forget, color: theme.forget, sign: 1 },
    { key: 'new', name: labels.emerge, color: theme.emerge, sign: -1 }
  ] as const;
  metrics.forEach((layer, i) => {
    const suffix = i === 0 ? '' : String(i + 1);
    const orders = layer[view.kind].map(m => m.order);
    for (const part of parts) {
      data.push({
        type: 'bar',
        name: part.name,
        legendgroup: part.key,
        showlegend: i === 0,
        x: orders,
        y: layer[view.kind].map(m => part.sign * m[part.key]),
        xaxis: `x${suffix}`,
        yaxis: `y${suffix}`,
        marker: { color: part.color },
        hovertemplate: `${layer.layer}, order %{x}<br>${part.name}: %{y:.4g}<extra></extra>`
      });
    }
    for (const m of layer[view.kind]) {
      rows.push([
        layer.layer,
        m.order,
        m.all,
        m.allReference,
        m.overlap,
        m.forget,
        m.new,
        ...spreadCells(m, ['overlap', 'forget', 'new'])
      ]);
    }
    const firstColumn = i % columns === 0;
    // Shared scales: order ticks only under the lowest facet of each column, strength ticks
    // only on the first column, each axis titled once.
    const lowest = i + columns >= metrics.length;
    layout[`xaxis${suffix}`] = {
      ...axis,
      ...orderTicks(maxOrder),
      matches: i === 0 ? undefined : 'x',
      showticklabels: lowest,
      title: i === metrics.length - 1 ? { text: 'order' } : undefined
    };
    layout[`yaxis${suffix}`] = {
      ...(layout.yaxis as object),
      zeroline: true,
      matches: i === 0 ? undefined : 'y',
      showticklabels: firstColumn,
      title:
        firstColumn && Math.floor(i / columns) === Math.floor((gridRows - 1) / 2)
          ? { text: 'normalised strength' }
          : undefined
    };
    annotations.push({
      text: layer.layer,
      showarrow: false,
      xref: `x${suffix} domain`,
      yref: `y${suffix} domain`,
      x: 0.5,
      y: 1,
      xanchor: 'center',
      yanchor: 'bottom',
      font: { size: theme.fontSize * 0.9, color: theme.mutedText }
    });
  });
  layout.barmode = 'relative';
  const empty = gridRows * columns - metrics.length;
  if (gridRows > 1 && empty >= 2) {
    // Two empty cells of the bottom row hold the legend (one is too narrow for its names):
    // the facets get the height it would take on top.
    layout.legend = {
      ...(layout.legend as object),
      orientation: 'v',
      x: (columns - empty) / columns + 0.06,
      xanchor: 'left',
      y: 0,
      yanchor: 'bottom'
    };
  }
  // The top strip, between the legend and the facets, holds the first row's layer names.
  layout.grid = {
    rows: gridRows,
    columns,
    pattern: 'independent',
    xgap: 0.1,
    ygap: 0.35,
    domain: { x: [0, 1], y: [0, gridRows > 1 ? 0.95 : 0.92] }
  };
  layout.annotations = annotations;
  return {
    id: 'strength',
    title: `${KIND_LABEL[view.kind]} interaction strength by layer and order`,
    data,
    layout,
    aspect: 0.35 + 0.3 * gridRows,
    caption:
      `Per layer (one panel each) and order, the summed strength of the salient interactions, ` +
      `normalised by the layer's c_l (its mean |v(N) - v(∅)| over the samples) and averaged ` +
      `over the samples. "${labels.overlap}" and "${labels.forget}" stack upwards; ` +
      `"${labels.emerge}" points down, so the three stay apart.`,
    table: {
      columns: [
        'layer',
        'order',
        'all',
        'allReference',
        'overlap',
        'forget',
        'new',
        ...spreadColumns(['overlap', 'forget', 'new'])
      ],
      rows
    }
  };
}

function ratioAt(m: OrderMetrics | undefined, key: 'completeness' | 'redundancy'): number | null {
  return m === undefined ? null : m[key];
}

type SpreadField = keyof NonNullable<OrderMetrics['spread']>;

/** Table columns of the metrics' range over the optima (method.md 3a): fieldMin, fieldMax. */
function spreadColumns(fields: SpreadField[]): string[] {
  return fields.flatMap(field => [`${field}Min`, `${field}Max`]);
}

function spreadCells(m: OrderMetrics | undefined, fields: SpreadField[]): Cell[] {
  return fields.flatMap(field => m?.spread?.[field] ?? [null, null]);
}

/**
 * Error bars from each point's range over the optima; none where the result has no
 * alternatives, so figures of results without them look as before.
 */
function spreadBars(
  points: (OrderMetrics | undefined)[],
  field: 'completeness' | 'redundancy',
  color: string
): Trace {
  const spans = points.map(m => (m?.[field] == null ? null : (m.spread?.[field] ?? null)));
  if (spans.every(span => span === null)) {
    return {};
  }
  return {
    error_y: {
      type: 'data',
      symmetric: false,
      array: spans.map((span, i) => (span ? span[1] - (points[i]![field] as number) : 0)),
      arrayminus: spans.map((span, i) => (span ? (points[i]![field] as number) - span[0] : 0)),
      color,
      thickness: 1,
      width: 3
    }
  };
}

/** Paper Fig. 3b: completeness and redundancy against depth, one curve per order. */
export function completenessFigure(
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  // Against itself the final layer is complete and not redundant by definition: not drawn.
  const all = metricsOf(result, view.reference);
  const metrics = view.reference === 'final' ? all.slice(0, -1) : all;
  const layers = metrics.map(l => l.layer);
  const orders = ordersOf(metrics, view.kind);
  const maxOrder = orders.length > 0 ? orders[orders.length - 1] : 1;
  const data: Trace[] = [];
  const rows: Cell[][] = [];
  for (const order of orders) {
    const byLayer = metrics.map(l => l[view.kind].find(m => m.order === order));
    const color = theme.orderColor(order, maxOrder);
    const common = curve(color, {
      x: layers,
      name: String(order),
      legendgroup: `order ${order}`
    });
    data.push({
      ...common,
      ...spreadBars(byLayer, 'completeness', color),
      y: byLayer.map(m => ratioAt(m, 'completeness')),
      hovertemplate: `%{x}<br>order ${order} completeness: %{y:.3f}<extra></extra>`
    });
    data.push({
      ...common,
      ...spreadBars(byLayer, 'redundancy', color),
      yaxis: 'y2',
      showlegend: false,
      y: byLayer.map(m => ratioAt(m, 'redundancy')),
      hovertemplate: `%{x}<br>order ${order} redundancy: %{y:.3f}<extra></extra>`
    });
    byLayer.forEach((m, i) =>
      rows.push([
        layers[i],
        order,
        ratioAt(m, 'completeness'),
        ratioAt(m, 'redundancy'),
        ...spreadCells(m, ['completeness', 'redundancy'])
      ])
    );
  }
  // Completeness above redundancy, one shared layer axis: readable in a narrow panel. Each
  // panel is named above it, not by a rotated axis title longer than the panel is high.
  const layout = baseLayout(theme);
  orderLegend(layout, theme);
  const ratioAxis = { ...(layout.yaxis as object), range: [-0.02, 1.05] };
  layout.xaxis = {
    ...(layout.xaxis as object),
    ...LAYER_AXIS,
    anchor: 'y2'
  };
  layout.yaxis = { ...ratioAxis, domain: [0.56, 0.9] };
  layout.yaxis2 = { ...ratioAxis, domain: [0, 0.36] };
  layout.annotations = [
    panelName('completeness', 'y', theme),
    panelName('redundancy', 'y2', theme)
  ];
  return {
    id: 'completeness',
    title: `${KIND_LABEL[view.kind]} completeness and redundancy vs depth`,
    data,
    layout,
    aspect: 0.9,
    caption:
      (view.reference === 'final'
        ? "Completeness: the share of the final layer's salient strength this layer already " +
          "has; redundancy: the share of this layer's strength the final layer no longer has. " +
          'The final layer itself is left out (against itself it is complete and not redundant ' +
          'by definition).'
        : "Completeness: the share of this layer's salient strength the previous layer " +
          "already had; redundancy: the share of the previous layer's strength this layer " +
          'no longer has.') + SPREAD_NOTE,
    table: {
      columns: [
        'layer',
        'order',
        'completeness',
        'redundancy',
        ...spreadColumns(['completeness', 'redundancy'])
      ],
      rows
    }
  };
}

/** Salient interactions per layer (sample average), stacked by order. */
export function salientFigure(
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  const metrics = metricsOf(result, 'final');
  const layers = metrics.map(l => l.layer);
  const orders = ordersOf(metrics, view.kind);
  const maxOrder = orders.length > 0 ? orders[orders.length - 1] : 1;
  const rows: Cell[][] = [];
  const data: Trace[] = orders.map(order => {
    const y = metrics.map(l => l[view.kind].find(m => m.order === order)?.salientCount ?? 0);
    y.forEach((count, i) => rows.push([layers[i], order, count]));
    return {
      type: 'bar',
      name: String(order),
      x: layers,
      y,
      marker: { color: theme.orderColor(order, maxOrder) },
      hovertemplate: `%{x}<br>order ${order}: %{y:.3g} salient<extra></extra>`
    };
  });
  const layout = baseLayout(theme);
  orderLegend(layout, theme);
  layout.barmode = 'stack';
  layout.xaxis = { ...(layout.xaxis as object), ...LAYER_AXIS };
  layout.yaxis = {
    ...(layout.yaxis as object),
    title: { text: 'salient per sample' }
  };
  return {
    id: 'salient',
    title: `Salient ${KIND_LABEL[view.kind]} interactions per layer`,
    data,
    layout,
    aspect: 0.7,
    caption:
      'Salient interactions (|I(S)| above the threshold tau of method.md 4) per sample, ' +
      'averaged over the samples, stacked by order.',
    table: { columns: ['layer', 'order', 'salientPerSample'], rows }
  };
}

/** The colour of `value` on a diverging scale spanning [-zmax, zmax]. */
export function divergingColor(value: number, zmax: number, scale: [number, string][]): string {
  const t = Math.min(Math.max((value / zmax + 1) / 2, 0), 1);
  let i = 0;
  while (i < scale.length - 2 && t > scale[i + 1][0]) {
    i++;
  }
  const [t0, c0] = scale[i];
  const [t1, c1] = scale[i + 1];
  const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
  const rgb0 = [1, 3, 5].map(k => parseInt(c0.slice(k, k + 2), 16));
  const rgb1 = [1, 3, 5].map(k => parseInt(c1.slice(k, k + 2), 16));
  return `rgb(${rgb0.map((v, k) => Math.round(v + (rgb1[k] - v) * f)).join(',')})`;
}

/** The largest |strength| of a tracked interaction over the layers. */
export function peakStrength(t: TrackedInteraction): number {
  return t.strength.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
}

/** The `limit` tracked interactions with the largest peak strength, strongest first. */
export function strongestTracked(
  tracking: readonly TrackedInteraction[],
  limit: number
): TrackedInteraction[] {
  return [...tracking].sort((a, b) => peakStrength(b) - peakStrength(a)).slice(0, limit);
}

/**
 * Layers x interactions heat map: the strongest tracked interactions (signed, normalised,
 * sample-averaged strength), so one pattern can be followed through the network; a dot marks
 * the layers where it is salient in at least one sample, a ring instead where it is salient in
 * fewer than half of the LP's optimal solutions (method.md 3a; averaged over the samples where
 * the canonical one has it salient). Cells are drawn as rectangles, not
 * as a Plotly heatmap, because Plotly rasterises heatmaps, and an exported PDF or SVG must
 * stay vector; an invisible marker per cell carries the hover text and the colour bar.
 */
export function trackingFigure(
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  const layers = result.layers.map(l => l.label);
  const names = result.variables.names;
  // A row of the heat map needs 1.5 lines of text; the axes about ten lines more.
  const rowPx = 1.5 * theme.fontSize;
  const framePx = 10 * theme.fontSize;
  const rowsThatFit =
    theme.maxHeightPx === undefined || rowPx === 0
      ? Infinity
      : Math.floor((theme.maxHeightPx - framePx) / rowPx);
  const tracked = strongestTracked(
    result.tracking.filter(t => t.kind === view.kind),
    Math.max(1, Math.min(view.heatmapInteractions, rowsThatFit))
  ).sort((a, b) => a.order - b.order || a.mask - b.mask);
  const labels = tracked.map(t => subsetLabel(t.mask, names));
  const zmax = Math.max(1e-12, ...tracked.map(peakStrength));
  const shapes: Record<string, unknown>[] = [];
  const cx: number[] = [];
  const cy: number[] = [];
  const cz: number[] = [];
  const hover: string[] = [];
  const dotX: number[] = [];
  const dotY: number[] = [];
  const ringX: number[] = [];
  const ringY: number[] = [];
  const rows: Cell[][] = [];
  tracked.forEach((t, r) =>
    layers.forEach((layer, l) => {
      const value = t.strength[l] ?? 0;
      const salient = t.salientIn.includes(l);
      const agreement = t.agreement[l] ?? null;
      // a ring: salient in the canonical optimum, but in fewer than half of the optima
      const fragile = salient && agreement !== null && agreement < 0.5;
      shapes.push({
        type: 'rect',
        xref: 'x',
        yref: 'y',
        x0: l - 0.5,
        x1: l + 0.5,
        y0: r - 0.5,
        y1: r + 0.5,
        fillcolor: divergingColor(value, zmax, theme.diverging),
        line: { width: 0 },
        layer: 'below'
      });
      cx.push(l);
      cy.push(r);
      cz.push(value);
      hover.push(
        `${KIND_LABEL[view.kind]} ${labels[r]}<br>order ${t.order}, layer ${layer}<br>` +
          `strength ${value.toPrecision(4)}` +
          (salient ? '<br>salient' : '') +
          (salient && agreement !== null
            ? ` in ${Math.round(100 * agreement)}% of the optimal solutions`
            : '')
      );
      if (fragile) {
        ringX.push(l);
        ringY.push(r);
      } else if (salient) {
        dotX.push(l);
        dotY.push(r);
      }
      rows.push([
        t.kind,
        t.mask,
        labels[r],
        t.order,
        layer,
        t.strength[l] ?? null,
        salient,
        salient ? agreement : null
      ]);
    })
  );
  const layout = baseLayout(theme);
  layout.shapes = shapes;
  layout.showlegend = false;
  layout.hovermode = 'closest';
  layout.xaxis = {
    ...(layout.xaxis as object),
    showgrid: false,
    zeroline: false,
    range: [-0.5, layers.length - 0.5],
    tickvals: layers.map((_, i) => i),
    ticktext: layers,
    // Upright names would overlap in a heat map's narrow columns.
    tickangle: -90,
    title: { text: 'layer' }
  };
  layout.yaxis = {
    ...(layout.yaxis as object),
    showgrid: false,
    zeroline: false,
    range: [tracked.length - 0.5, -0.5],
    tickvals: labels.map((_, i) => i),
    ticktext: labels,
    title: { text: 'interaction (variables)' }
  };
  layout.margin = { l: 10, r: 10, t: 10, b: 40 };
  return {
    id: 'tracking',
    title: `${KIND_LABEL[view.kind]} interactions through the layers`,
    data: [
      {
        type: 'scatter',
        mode: 'markers',
        x: cx,
        y: cy,
        marker: {
          size: 14,
          opacity: 0,
          color: cz,
          colorscale: theme.diverging,
          cmin: -zmax,
          cmax: zmax,
          showscale: true,
          // Above the map, not beside it: a narrow column's width goes to the cells; three
          // ticks fit the narrowest.
          colorbar: {
            orientation: 'h',
            x: 0,
            xanchor: 'left',
            y: 1,
            yanchor: 'bottom',
            len: 1,
            tickangle: 0,
            nticks: 3,
            title: { text: 'normalised strength', side: 'top' },
            thickness: 8,
            outlinewidth: 0
          }
        },
        customdata: hover,
        hovertemplate: '%{customdata}<extra></extra>'
      },
      {
        type: 'scatter',
        mode: 'markers',
        x: dotX,
        y: dotY,
        marker: { size: 4, color: theme.text, symbol: 'circle' },
        hoverinfo: 'skip'
      },
      {
        type: 'scatter',
        mode: 'markers',
        x: ringX,
        y: ringY,
        marker: { size: 6, color: theme.text, symbol: 'circle-open', line: { width: 1 } },
        hoverinfo: 'skip'
      }
    ],
    layout,
    aspect: Math.min(0.35 + 0.035 * tracked.length, 2.5),
    minHeightPx: framePx + rowPx * tracked.length,
    caption:
      `The ${tracked.length} strongest interactions (rows) through the layers. Colour: the ` +
      "signed strength, normalised by the layer's c_l and averaged over the samples. A dot: " +
      'salient at that layer in at least one sample; a ring: salient, but in fewer than half ' +
      'of the optimal solutions of the LP (the choice among optima decides it).',
    table: {
      columns: [
        'kind',
        'mask',
        'variables',
        'order',
        'layer',
        'strength',
        'salient',
        'optimaShare'
      ],
      rows
    }
  };
}

/**
 * The paper's Fig. 5: the IoU of two models' salient interactions against the order, one curve
 * per compared layer pair, with the range over the alternative optima as error bars.
 */
export function comparisonFigure(
  rows: readonly ComparisonRow[],
  kind: InteractionKind,
  theme: IPlotTheme
): IFigure {
  const ofKind = rows.filter(r => r.kind === kind);
  const pairs = [...new Set(ofKind.map(r => `${r.layerA}\u0000${r.layerB}`))];
  const data: Trace[] = pairs.map((pair, i) => {
    const [layerA, layerB] = pair.split('\u0000');
    const points = ofKind.filter(r => r.layerA === layerA && r.layerB === layerB);
    const name = layerA === layerB ? layerA : `${layerA} / ${layerB}`;
    const withSpread = points.some(p => p.spread !== null && p.iou !== null);
    const color = theme.orderColor(i + 1, pairs.length);
    return curve(color, {
      name,
      x: points.map(p => p.order),
      y: points.map(p => p.iou),
      ...(withSpread
        ? {
            error_y: {
              type: 'data',
              symmetric: false,
              array: points.map(p => (p.spread && p.iou !== null ? p.spread[1] - p.iou : 0)),
              arrayminus: points.map(p => (p.spread && p.iou !== null ? p.iou - p.spread[0] : 0)),
              color,
              thickness: 1,
              width: 3
            }
          }
        : {}),
      hovertemplate: `${name}, order %{x}<br>IoU %{y:.3f}<extra></extra>`
    });
  });
  const layout = baseLayout(theme);
  layout.xaxis = { ...(layout.xaxis as object), dtick: 1, title: { text: 'order' } };
  layout.yaxis = {
    ...(layout.yaxis as object),
    range: [-0.02, 1.05],
    title: { text: 'IoU of salient sets' }
  };
  return {
    id: 'iou',
    title: `${KIND_LABEL[kind]} interactions shared by the two models, by order`,
    data,
    layout,
    aspect: 0.7,
    caption:
      "Intersection over union of the two models' salient sets, per order, averaged over the " +
      'samples (1: the same interactions).' +
      SPREAD_NOTE,
    table: {
      columns: ['layerA', 'layerB', 'order', 'iou', 'iouMin', 'iouMax', 'samples'],
      rows: ofKind.map(r => [
        r.layerA,
        r.layerB,
        r.order,
        r.iou,
        r.spread?.[0] ?? null,
        r.spread?.[1] ?? null,
        r.samples
      ])
    }
  };
}

/**
 * Probe accuracy per layer: a layer whose probe cannot classify has meaningless interactions.
 * The held-out rows are a split of the training data, so that line is near 1 wherever the
 * model fits its training data; the analysed samples (labelled ones only) show whether the
 * probe reads the samples the analysis explains.
 */
export function probeFigure(
  result: AnalysisResult,
  _view: IFigureView,
  theme: IPlotTheme
): IFigure {
  const probed = result.layers.filter(l => l.probe !== null);
  const layers = probed.map(l => l.label);
  const train = probed.map(l => l.probe?.trainAccuracy ?? null);
  const heldOut = probed.map(l => l.probe?.heldOutAccuracy ?? null);
  const onSamples = probed.map(l => l.probe?.sampleAccuracy ?? null);
  const sampleCount = Math.max(0, ...probed.map(l => l.probe?.sampleCount ?? 0));
  const chance = result.model.classes > 0 ? 1 / Math.max(result.model.classes, 2) : null;
  const line = (name: string, y: (number | null)[], color: string): Trace =>
    curve(color, { name, x: layers, y, hovertemplate: `%{x}<br>${name}: %{y:.3f}<extra></extra>` });
  const data = [
    line('training rows', train, theme.train),
    line('held-out training rows', heldOut, theme.heldOut)
  ];
  if (sampleCount > 0) {
    const name = `analysed samples (n = ${sampleCount})`;
    data.push({
      ...line(name, onSamples, theme.samples),
      // dashed, so it stays apart from the held-out line without telling red from green
      line: { color: theme.samples, width: 1.5, dash: 'dash' }
    });
  }
  if (chance !== null && layers.length > 0) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      name: 'chance',
      x: layers,
      y: layers.map(() => chance),
      line: { color: theme.mutedText, dash: 'dot', width: 1 },
      hoverinfo: 'skip'
    });
  }
  const layout = baseLayout(theme);
  layout.xaxis = { ...(layout.xaxis as object), ...LAYER_AXIS };
  layout.yaxis = { ...(layout.yaxis as object), range: [0, 1.02], title: { text: 'accuracy' } };
  return {
    id: 'probes',
    title: 'Probe accuracy per layer',
    data,
    layout,
    aspect: 0.75,
    caption:
      'Accuracy of the linear probe read from each layer (its log-odds is the game v_l): on ' +
      'its training rows, on rows held out of them, and on the analysed samples where they ' +
      'have labels. The interactions of a layer whose probe is near chance say little.',
    table: {
      columns: [
        'layer',
        'trainAccuracy',
        'heldOutAccuracy',
        'sampleAccuracy',
        'sampleCount',
        'epochs',
        'featureSize'
      ],
      rows: probed.map(l => [
        l.label,
        l.probe?.trainAccuracy ?? null,
        l.probe?.heldOutAccuracy ?? null,
        l.probe?.sampleAccuracy ?? null,
        l.probe?.sampleCount ?? null,
        l.probe?.epochs ?? null,
        l.probe?.featureSize ?? null
      ])
    }
  };
}

/**
 * Method.md 6: stability = |mean| / std of an interaction over noisy copies of the input, by
 * order, one curve per layer. Empty when the analysis did not measure it.
 */
export function stabilityFigure(
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  const label = labeller(result);
  const byLayer = (result.stability ?? [])
    .filter(s => s.kind === view.kind)
    .map(s => ({ ...s, layer: label(s.layer) }));
  const rows: Cell[][] = [];
  const data: Trace[] = byLayer.map((entry, i) => {
    const color = theme.orderColor(i + 1, byLayer.length);
    for (const s of entry.stability) {
      rows.push([entry.layer, s.order, s.value]);
    }
    return curve(color, {
      name: entry.layer,
      x: entry.stability.map(s => s.order),
      y: entry.stability.map(s => s.value),
      hovertemplate: `${entry.layer}, order %{x}<br>stability: %{y:.3g}<extra></extra>`
    });
  });
  const layout = baseLayout(theme);
  layout.xaxis = { ...(layout.xaxis as object), dtick: 1, title: { text: 'order' } };
  layout.yaxis = { ...(layout.yaxis as object), title: { text: 'stability (|mean| / std)' } };
  return {
    id: 'stability',
    title: `${KIND_LABEL[view.kind]} interaction stability under input noise`,
    data,
    layout,
    aspect: 0.6,
    caption:
      '|mean| / std of each salient interaction over noisy copies of the input, averaged over ' +
      'the interactions of an order and the samples: higher is more stable.',
    table: { columns: ['layer', 'order', 'stability'], rows }
  };
}

const BUILDERS: Record<
  FigureId,
  (result: AnalysisResult, view: IFigureView, theme: IPlotTheme) => IFigure
> = {
  strength: strengthFigure,
  completeness: completenessFigure,
  salient: salientFigure,
  tracking: trackingFigure,
  probes: probeFigure,
  stability: stabilityFigure
};

export function buildFigure(
  id: FigureId,
  result: AnalysisResult,
  view: IFigureView,
  theme: IPlotTheme
): IFigure {
  return BUILDERS[id](result, view, theme);
}

/** The plot's height on screen in px (the width follows the page). */
export function plotHeight(figure: IFigure): number {
  if (figure.id === 'tracking') {
    const rows = (figure.layout.yaxis as { tickvals?: unknown[] }).tickvals?.length ?? 0;
    return Math.max(260, 120 + rows * 18);
  }
  if (figure.id === 'strength') {
    const grid = figure.layout.grid as { rows: number } | undefined;
    return 120 + 170 * (grid?.rows ?? 1);
  }
  return figure.id === 'completeness' ? 420 : 340;
}

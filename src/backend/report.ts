/**
 * The self-contained report.html of an analysis: plotly.js and the result are inlined, so the
 * file opens offline and can be mailed around. The figures are built here (testable, no DOM);
 * the page's own script only draws them and switches the reference layer.
 */
import { readFileSync } from 'node:fs';
import type { AnalysisResult, InteractionKind, LayerMetrics } from '../protocol/result';

export type Reference = 'final' | 'previous';

export interface Figure {
  id: string;
  title: string;
  /** Which reference layer's metrics it shows; null when it does not depend on one. */
  variants: Partial<Record<Reference, { data: object[]; layout: object }>>;
}

const KINDS: InteractionKind[] = ['and', 'or'];
const KIND_LABEL: Record<InteractionKind, string> = { and: 'AND', or: 'OR' };
const REFERENCE_LABEL: Record<Reference, string> = {
  final: 'against the final layer',
  previous: 'against the previous layer'
};
const PART_COLOURS = { overlap: '#4c78a8', forget: '#e45756', new: '#54a24b' };

/** Distinct colours from dark (low order) to light (high order): a viridis-like ramp. */
function orderColour(index: number, count: number): string {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37]
  ];
  const t = count <= 1 ? 0 : index / (count - 1);
  const position = t * (stops.length - 1);
  const low = Math.min(Math.floor(position), stops.length - 2);
  const f = position - low;
  const rgb = stops[low].map((c, i) => Math.round(c + f * (stops[low + 1][i] - c)));
  return `rgb(${rgb.join(',')})`;
}

function baseLayout(title: string, xTitle: string, yTitle: string, extra: object = {}): object {
  return {
    title: { text: title, font: { size: 13 }, x: 0.01, xanchor: 'left', xref: 'container' },
    xaxis: { title: { text: xTitle }, type: 'category', automargin: true },
    yaxis: { title: { text: yTitle }, automargin: true },
    margin: { t: 60, r: 10, b: 50, l: 60 },
    legend: { orientation: 'h', y: -0.25 },
    height: 360,
    ...extra
  };
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

function orderValue(
  layer: LayerMetrics,
  kind: InteractionKind,
  order: number,
  pick: (m: LayerMetrics['and'][number]) => number | null
): number | null {
  const m = layer[kind].find(x => x.order === order);
  return m ? pick(m) : null;
}

/** Paper Fig. 3a: per layer and order, the strength shared with, lost to and new in the reference. */
function overlapBars(metrics: LayerMetrics[], kind: InteractionKind, ref: Reference) {
  const orders = ordersOf(metrics, kind);
  const layerAxis = metrics.flatMap(l => orders.map(() => l.layer));
  const orderAxis = metrics.flatMap(() => orders.map(o => `${o}`));
  const parts = [
    ['overlap', 'overlap'],
    ['forget', 'forgotten'],
    ['new', 'newly emerged']
  ] as const;
  const data = parts.map(([key, name]) => ({
    type: 'bar',
    name,
    x: [layerAxis, orderAxis],
    y: metrics.flatMap(l => orders.map(o => orderValue(l, kind, o, m => m[key]))),
    marker: { color: PART_COLOURS[key] }
  }));
  const layout = baseLayout(
    `${KIND_LABEL[kind]}: overlap, forgotten, new (${REFERENCE_LABEL[ref]})`,
    'layer / order',
    'normalised strength',
    {
      barmode: 'stack',
      xaxis: { title: { text: 'layer / order' }, type: 'multicategory', automargin: true }
    }
  );
  return { data, layout };
}

/** Paper Fig. 3b: one curve per order across the layers. */
function curvesByOrder(
  metrics: LayerMetrics[],
  kind: InteractionKind,
  title: string,
  yTitle: string,
  pick: (m: LayerMetrics['and'][number]) => number | null,
  extra: object = {}
) {
  const orders = ordersOf(metrics, kind);
  const data = orders.map((order, i) => ({
    type: 'scatter',
    mode: 'lines+markers',
    name: `order ${order}`,
    x: metrics.map(l => l.layer),
    y: metrics.map(l => orderValue(l, kind, order, pick)),
    line: { color: orderColour(i, orders.length) },
    connectgaps: false
  }));
  return { data, layout: baseLayout(title, 'layer', yTitle, extra) };
}

function perLayerFigures(result: AnalysisResult, kind: InteractionKind): Figure[] {
  const label = KIND_LABEL[kind];
  const references: Reference[] = ['final', 'previous'];
  const byReference = (
    build: (metrics: LayerMetrics[], ref: Reference) => { data: object[]; layout: object }
  ) => Object.fromEntries(references.map(ref => [ref, build(result.metrics[ref], ref)]));
  const ratio = { yaxis: { title: { text: 'ratio' }, range: [0, 1.05], automargin: true } };
  const final = result.metrics.final;
  return [
    {
      id: `${kind}-overlap`,
      title: `${label} overlap, forgotten and new`,
      variants: byReference((m, ref) => overlapBars(m, kind, ref))
    },
    {
      id: `${kind}-completeness`,
      title: `${label} completeness`,
      variants: byReference((m, ref) =>
        curvesByOrder(
          m,
          kind,
          `${label}: completeness = overlap / all of the reference (${REFERENCE_LABEL[ref]})`,
          'ratio',
          x => x.completeness,
          ratio
        )
      )
    },
    {
      id: `${kind}-redundancy`,
      title: `${label} redundancy`,
      variants: byReference((m, ref) =>
        curvesByOrder(
          m,
          kind,
          `${label}: redundancy = forgotten / all of the layer (${REFERENCE_LABEL[ref]})`,
          'ratio',
          x => x.redundancy,
          ratio
        )
      )
    },
    {
      id: `${kind}-salient`,
      title: `${label} salient interactions per layer`,
      variants: {
        final: (() => {
          const orders = ordersOf(final, kind);
          return {
            data: orders.map((order, i) => ({
              type: 'bar',
              name: `order ${order}`,
              x: final.map(l => l.layer),
              y: final.map(l => orderValue(l, kind, order, m => m.salientCount)),
              marker: { color: orderColour(i, orders.length) }
            })),
            layout: baseLayout(
              `${label}: salient interactions per sample, by order`,
              'layer',
              'count (mean over samples)',
              { barmode: 'stack' }
            )
          };
        })()
      }
    },
    {
      id: `${kind}-strength`,
      title: `${label} strength by order`,
      variants: {
        final: {
          data: final.map((layer, i) => ({
            type: 'scatter',
            mode: 'lines+markers',
            name: layer.layer,
            x: layer[kind].map(m => m.order),
            y: layer[kind].map(m => m.all),
            line: { color: orderColour(i, final.length) }
          })),
          layout: baseLayout(
            `${label}: strength of salient interactions by order, per layer`,
            'order',
            'normalised strength (mean over samples)',
            { xaxis: { title: { text: 'order' }, dtick: 1, automargin: true } }
          )
        }
      }
    }
  ];
}

function probeFigure(result: AnalysisResult): Figure {
  const probed = result.layers.filter(l => l.probe !== null);
  const series = [
    ['train', (l: (typeof probed)[number]) => l.probe?.trainAccuracy ?? null],
    ['held out', (l: (typeof probed)[number]) => l.probe?.heldOutAccuracy ?? null]
  ] as const;
  return {
    id: 'probe-accuracy',
    title: 'Probe accuracy',
    variants: {
      final: {
        data: series.map(([name, pick], i) => ({
          type: 'scatter',
          mode: 'lines+markers',
          name,
          x: probed.map(l => l.name),
          y: probed.map(pick),
          line: { color: i === 0 ? '#4c78a8' : '#f58518' }
        })),
        layout: baseLayout('Linear probe accuracy per layer', 'layer', 'accuracy', {
          yaxis: { title: { text: 'accuracy' }, range: [0, 1.05], automargin: true }
        })
      }
    }
  };
}

function stabilityFigures(result: AnalysisResult): Figure[] {
  if (!result.stability) {
    return [];
  }
  const stability = result.stability;
  return KINDS.map(kind => {
    const rows = stability.filter(s => s.kind === kind);
    return {
      id: `${kind}-stability`,
      title: `${KIND_LABEL[kind]} stability`,
      variants: {
        final: {
          data: rows.map((row, i) => ({
            type: 'scatter',
            mode: 'lines+markers',
            name: row.layer,
            x: row.stability.map(s => s.order),
            y: row.stability.map(s => s.value),
            line: { color: orderColour(i, rows.length) }
          })),
          layout: baseLayout(
            `${KIND_LABEL[kind]}: stability under input noise, by order`,
            'order',
            '|mean| / std',
            { xaxis: { title: { text: 'order' }, dtick: 1, automargin: true } }
          )
        }
      }
    };
  });
}

/** Every figure of the report, AND and OR side by side. */
export function buildFigures(result: AnalysisResult): Figure[] {
  const [and, or] = KINDS.map(kind => perLayerFigures(result, kind));
  const paired = and.flatMap((figure, i) => [figure, or[i]]);
  return [...paired, ...stabilityFigures(result), probeFigure(result)];
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string
  );
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function format(value: number | null | undefined, digits = 3): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '–'
    : Number(value.toPrecision(digits)).toString();
}

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

function headerTable(result: AnalysisResult): string {
  const { options, runtime, model, variables, samples } = result;
  const solves = result.perSample.flat().map(s => s.solve);
  const gaps = solves.map(s => s.gap).filter((g): g is number => g !== null);
  const labels = samples.filter(s => s.label !== null);
  const correct = labels.filter(s => s.label === s.predicted).length;
  const solver = options.solver;
  const rows: [string, string][] = [
    ['model', `${model.source} (input [${model.inputShape.join(', ')}], ${model.classes} classes)`],
    ['backend', `${runtime.runner} / ${runtime.backend}, ${runtime.seconds.toFixed(1)} s`],
    [
      'solver',
      `${solver.kind}, kappa factor ${solver.kappaFactor}; ` +
        `mean objective ${format(mean(solves.map(s => s.objective)))}, ` +
        (gaps.length ? `largest gap ${format(Math.max(...gaps))}` : 'no gap bound')
    ],
    ['n', `${variables.n} variables: ${variables.names.join(', ')}`],
    [
      'samples',
      `${samples.length} (indices ${samples.map(s => s.index).join(', ')})` +
        (labels.length ? `; network correct on ${correct} of ${labels.length}` : '')
    ],
    [
      'options',
      `baseline ${options.baseline.kind}, target ${options.target}, salience ` +
        `${options.salience.mode} tau factor ${options.salience.tauFactor}, metrics ${options.metricsForm}, ` +
        `unassigned inputs ${options.unassignedInputs}, features ${options.features}`
    ],
    ['created', `${result.createdAt} by ${result.tool.name} ${result.tool.version}`]
  ];
  return rows
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
}

function layerTable(result: AnalysisResult): string {
  const head =
    '<tr><th>layer</th><th>kind</th><th>probe train</th><th>probe held out</th>' +
    '<th>c<sub>l</sub></th><th>salient AND</th><th>salient OR</th></tr>';
  const body = result.layers.map((layer, l) => {
    const perSample = result.perSample.map(sample => sample[l]).filter(Boolean);
    const cells = [
      layer.name,
      layer.kind,
      format(layer.probe?.trainAccuracy),
      format(layer.probe?.heldOutAccuracy),
      format(layer.normaliser),
      format(mean(perSample.map(s => s.and.length))),
      format(mean(perSample.map(s => s.or.length)))
    ];
    return `<tr>${cells.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return [head, ...body].join('\n');
}

function trackingTable(result: AnalysisResult, limit = 15): string {
  const names = result.variables.names;
  const strongest = [...result.tracking]
    .sort((a, b) => Math.max(...b.strength.map(Math.abs)) - Math.max(...a.strength.map(Math.abs)))
    .slice(0, limit);
  if (strongest.length === 0) {
    return '';
  }
  const head = `<tr><th>kind</th><th>variables</th>${result.layers
    .map(l => `<th>${escapeHtml(l.name)}</th>`)
    .join('')}</tr>`;
  const body = strongest.map(t => {
    const members = names.filter((_, i) => (t.mask >>> i) & 1).join(', ');
    const cells = t.strength
      .map((s, l) => {
        const salient = t.salientIn.includes(l) ? ' class="salient"' : '';
        return `<td${salient}>${escapeHtml(format(s))}</td>`;
      })
      .join('');
    return `<tr><td>${KIND_LABEL[t.kind]}</td><td>${escapeHtml(`{${members}}`)}</td>${cells}</tr>`;
  });
  return (
    `<h2>Strongest interactions across layers</h2><p>Normalised strength, mean over samples; ` +
    `bold where salient in at least one sample.</p><table>${[head, ...body].join('\n')}</table>`
  );
}

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 1.5rem; color: #222; background: #fff; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }
th, td { border: 1px solid #ddd; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f5f5f5; } td.salient { font-weight: bold; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 1rem; }
.figure { border: 1px solid #eee; min-height: 360px; }
.controls { margin: 1rem 0; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #1e1e1e; } th { background: #2a2a2a; } th, td { border-color: #444; }
  .figure { border-color: #333; }
}`;

/** Draws the figures and switches between the final and previous reference layer. */
const PAGE_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('layerwise-figures').textContent);
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  function draw(reference, first) {
    figures.forEach(function (figure) {
      var variant = figure.variants[reference] || figure.variants.final;
      var layout = Object.assign({}, variant.layout);
      if (dark) {
        layout.paper_bgcolor = '#1e1e1e'; layout.plot_bgcolor = '#1e1e1e';
        layout.font = { color: '#ddd' };
      }
      var element = document.getElementById('figure-' + figure.id);
      if (first || figure.variants[reference]) {
        Plotly.react(element, variant.data, layout, { responsive: true, displaylogo: false });
      }
    });
  }
  document.querySelectorAll('input[name=reference]').forEach(function (input) {
    input.addEventListener('change', function () { draw(input.value, false); });
  });
  document.getElementById('download-result').addEventListener('click', function () {
    var text = document.getElementById('layerwise-result').textContent;
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.download = 'result.json';
    link.click();
  });
  draw('final', true);
})();`;

function plotlyBundle(): string {
  return readFileSync(
    require.resolve('plotly.js-cartesian-dist-min/plotly-cartesian.min.js'),
    'utf8'
  );
}

/** The whole report page: no external resources. */
export function renderReport(result: AnalysisResult): string {
  const figures = buildFigures(result);
  const title = `Layerwise report: ${result.model.source}`;
  const divs = figures
    .map(f => `<div class="figure" id="figure-${f.id}" title="${escapeHtml(f.title)}"></div>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<table>${headerTable(result)}</table>
<p><button id="download-result" type="button">Download result.json</button></p>
<h2>Layers</h2>
<table>${layerTable(result)}</table>
<h2>Emergence and forgetting</h2>
<p>Strengths are normalised per layer by c<sub>l</sub> and averaged over samples; AND on the left, OR on the right.</p>
<div class="controls">Compare each layer
<label><input type="radio" name="reference" value="final" checked> with the final layer (the paper)</label>
<label><input type="radio" name="reference" value="previous"> with the previous layer</label>
</div>
<div class="grid">
${divs}
</div>
${trackingTable(result)}
<script type="application/json" id="layerwise-figures">${scriptJson(figures)}</script>
<script type="application/json" id="layerwise-result">${scriptJson(result)}</script>
<script>${plotlyBundle()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

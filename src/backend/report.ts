/**
 * The self-contained report.html of an analysis: plotly.js and the result are inlined, so the
 * file opens offline and can be mailed around. Its figures are the panel's (src/figures) in
 * the paper theme; the page's own script only draws them and switches the reference layer.
 */
import { readFileSync } from 'node:fs';
import {
  buildFigure,
  FIGURE_IDS,
  KIND_LABEL,
  plotHeight,
  strongestTracked,
  subsetLabel,
  type FigureId,
  type InteractionKind,
  type Layout,
  type Reference,
  type Trace
} from '../figures/builders';
import { paperTheme } from '../figures/theme';
import { formatShare } from '../protocol/format';
import {
  largestRelativeGap,
  optimumSummary,
  resultWarnings,
  type AnalysisResult
} from '../protocol/result';

/** One figure of the page, drawn for the reference layer the reader picks. */
export interface IReportFigure {
  id: string;
  title: string;
  /** Plot height in px. */
  height: number;
  /** `previous` only where the figure depends on the reference layer. */
  variants: { final: IPlot; previous?: IPlot };
}

interface IPlot {
  data: Trace[];
  layout: Layout;
  caption: string;
}

const KINDS: InteractionKind[] = ['and', 'or'];
const THEME = paperTheme(12);
/** The panel's default (settings: heatmapInteractions). */
const HEATMAP_INTERACTIONS = 40;

export function reportFigure(
  result: AnalysisResult,
  id: FigureId,
  kind: InteractionKind
): IReportFigure {
  const build = (reference: Reference) =>
    buildFigure(id, result, { kind, reference, heatmapInteractions: HEATMAP_INTERACTIONS }, THEME);
  const final = build('final');
  const plot: IPlot = { data: final.data, layout: final.layout, caption: final.caption };
  const previous = build('previous');
  const previousPlot: IPlot = {
    data: previous.data,
    layout: previous.layout,
    caption: previous.caption
  };
  const dependsOnReference = JSON.stringify(plot) !== JSON.stringify(previousPlot);
  return {
    id: id === 'probes' ? id : `${kind}-${id}`,
    title: final.title,
    height: plotHeight(final),
    variants: dependsOnReference ? { final: plot, previous: previousPlot } : { final: plot }
  };
}

/** Every figure of the panel, AND and OR side by side, then stability and the probes. */
export function reportFigures(result: AnalysisResult): IReportFigure[] {
  const paired: FigureId[] = FIGURE_IDS.filter(id => id !== 'probes');
  if (result.stability !== null) {
    paired.push('stability');
  }
  return [
    ...paired.flatMap(id => KINDS.map(kind => reportFigure(result, id, kind))),
    reportFigure(result, 'probes', 'and')
  ];
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
  const largestGap = largestRelativeGap(result);
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
        (largestGap === null
          ? 'no gap bound'
          : `largest certified gap ${formatShare(largestGap)} of the objective`)
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
  rows.splice(
    3,
    0,
    ...resultWarnings(result).map((warning): [string, string] => ['warning', warning])
  );
  const optimum = optimumSummary(result);
  if (optimum !== null) {
    rows.splice(3, 0, ['optimum', optimum]);
  }
  return keyValueRows(rows);
}

/** A header table's rows: each key and value as escaped text. */
export function keyValueRows(rows: [string, string][]): string {
  return rows
    .map(([key, value]) => `<tr><th>${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
    .join('\n');
}

function layerTable(result: AnalysisResult): string {
  // The held-out rows are training data; the analysed samples need not be (a test split).
  const sampleCount = Math.max(0, ...result.layers.map(l => l.probe?.sampleCount ?? 0));
  const head =
    '<tr><th>layer</th><th>kind</th><th>probe train</th><th>probe held out (training rows)</th>' +
    `<th>probe on the analysed samples${sampleCount > 0 ? ` (n = ${sampleCount})` : ''}</th>` +
    '<th>c<sub>l</sub></th><th>salient AND</th><th>salient OR</th></tr>';
  const body = result.layers.map((layer, l) => {
    const perSample = result.perSample.map(sample => sample[l]).filter(Boolean);
    const cells = [
      layer.label,
      layer.kind,
      format(layer.probe?.trainAccuracy),
      format(layer.probe?.heldOutAccuracy),
      format(layer.probe?.sampleAccuracy),
      format(layer.normaliser),
      format(mean(perSample.map(s => s.and.length))),
      format(mean(perSample.map(s => s.or.length)))
    ];
    return `<tr>${cells.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`;
  });
  return [head, ...body].join('\n');
}

function trackingTable(result: AnalysisResult, limit = 15): string {
  const strongest = strongestTracked(result.tracking, limit);
  if (strongest.length === 0) {
    return '';
  }
  const head = `<tr><th>kind</th><th>variables</th>${result.layers
    .map(l => `<th>${escapeHtml(l.label)}</th>`)
    .join('')}</tr>`;
  const body = strongest.map(t => {
    const cells = t.strength
      .map((s, l) => {
        const salient = t.salientIn.includes(l) ? ' class="salient"' : '';
        return `<td${salient}>${escapeHtml(format(s))}</td>`;
      })
      .join('');
    const variables = escapeHtml(subsetLabel(t.mask, result.variables.names));
    return `<tr><td>${KIND_LABEL[t.kind]}</td><td>${variables}</td>${cells}</tr>`;
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
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
@media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.figure { margin: 0; border: 1px solid #eee; background: #fff; color: #222; }
.figure figcaption { font-weight: 600; font-size: 0.9rem; padding: 0.5rem 0.5rem 0; }
.figure .caption { font-size: 0.8rem; margin: 0 0.5rem 0.5rem; opacity: 0.8; }
.controls { margin: 1rem 0; }
@media (prefers-color-scheme: dark) {
  body { color: #ddd; background: #1e1e1e; } th { background: #2a2a2a; } th, td { border-color: #444; }
  .figure { border-color: #333; }
}`;

/** Draws the figures and switches between the final and previous reference layer. */
const PAGE_SCRIPT = `
(function () {
  var figures = JSON.parse(document.getElementById('layerwise-figures').textContent);
  function draw(reference, first) {
    figures.forEach(function (figure) {
      var variant = figure.variants[reference] || figure.variants.final;
      var element = document.getElementById('figure-' + figure.id);
      if (first || figure.variants[reference]) {
        Plotly.react(element, variant.data, variant.layout, { responsive: true, displaylogo: false });
        element.nextElementSibling.textContent = variant.caption;
      }
    });
  }
  document.querySelectorAll('input[name=reference]').forEach(function (input) {
    input.addEventListener('change', function () { draw(input.value, false); });
  });
  var download = document.getElementById('download-result');
  download.addEventListener('click', function () {
    var text = document.getElementById('layerwise-result').textContent;
    var link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    link.download = download.dataset.file;
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

/** The figures' cells in a two-column grid. */
export function figureGrid(figures: IReportFigure[]): string {
  const divs = figures
    .map(
      f =>
        `<figure class="figure"><figcaption>${escapeHtml(f.title)}</figcaption>` +
        `<div id="figure-${f.id}" style="height: ${f.height}px"></div>` +
        `<p class="caption"></p></figure>`
    )
    .join('\n');
  return `<div class="grid">\n${divs}\n</div>`;
}

export const REFERENCE_SWITCH = `<div class="controls">Compare each layer
<label><input type="radio" name="reference" value="final" checked> with the final layer (the paper)</label>
<label><input type="radio" name="reference" value="previous"> with the previous layer</label>
</div>`;

/**
 * A self-contained page: no external resources. `header` and `body` are trusted HTML, with
 * the download button between them; `data` is embedded as JSON and offered as `fileName`.
 */
export function renderPage(page: {
  title: string;
  header: string;
  body: string;
  figures: IReportFigure[];
  data: unknown;
  fileName: string;
}): string {
  const { title, header, body, figures, data, fileName } = page;
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
${header}
<p><button id="download-result" type="button" data-file="${escapeHtml(fileName)}">Download ${escapeHtml(fileName)}</button></p>
${body}
<script type="application/json" id="layerwise-figures">${scriptJson(figures)}</script>
<script type="application/json" id="layerwise-result">${scriptJson(data)}</script>
<script>${plotlyBundle()}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}

/** The whole report page of one analysis. */
export function renderReport(result: AnalysisResult): string {
  const figures = reportFigures(result);
  return renderPage({
    title: `Layerwise report: ${result.model.source}`,
    header: `<table>${headerTable(result)}</table>`,
    body: `<h2>Layers</h2>
<table>${layerTable(result)}</table>
<h2>Emergence and forgetting</h2>
<p>Strengths are normalised per layer by c<sub>l</sub> and averaged over samples; AND on the left, OR on the right.</p>
${REFERENCE_SWITCH}
${figureGrid(figures)}
${trackingTable(result)}`,
    figures,
    data: result,
    fileName: 'result.json'
  });
}

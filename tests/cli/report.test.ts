import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, type DefaultTreeAdapterMap } from 'parse5';
import { renderReport, type IReportFigure } from '../../src/backend/report';
import {
  buildFigure,
  type FigureId,
  type IFigureView,
  type InteractionKind,
  type Reference
} from '../../src/figures/builders';
import { paperTheme } from '../../src/figures/theme';
import type { AnalysisResult, SampleLayerResult } from '../../src/protocol/result';
import { sampleResult } from '../lab/fixtures';

function embedded(html: string, id: string): unknown {
  const match = new RegExp(`<script type="application/json" id="${id}">(.*?)</script>`, 's').exec(
    html
  );
  assert.ok(match, id);
  return JSON.parse(match[1]);
}

/** The panel's figure in the paper theme, as the page's JSON carries it. */
function panelPlot(
  result: AnalysisResult,
  id: FigureId,
  kind: InteractionKind,
  reference: Reference
) {
  const view: IFigureView = { kind, reference, heatmapInteractions: 40 };
  const figure = buildFigure(id, result, view, paperTheme(12));
  const plot = JSON.parse(
    JSON.stringify({ data: figure.data, layout: figure.layout, caption: figure.caption })
  );
  return { title: figure.title, plot };
}

function withStability(): AnalysisResult {
  return {
    ...sampleResult(),
    stability: [
      { kind: 'and', layer: 'dense', stability: [{ order: 1, value: 2.5 }] },
      { kind: 'and', layer: 'output', stability: [{ order: 1, value: 3 }] },
      { kind: 'or', layer: 'output', stability: [{ order: 2, value: null }] }
    ]
  };
}

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

/** The elements under a node, in document order. */
function descendants(root: Node): Element[] {
  const found: Element[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node && node !== root) {
      found.push(node);
    }
    if ('childNodes' in node) {
      node.childNodes.forEach(walk);
    }
  };
  walk(root);
  return found;
}

/** The elements of a page as a browser's HTML parser builds them, in document order. */
const elements = (html: string) => descendants(parse(html));

/** A table's rows, each as its header and data cells. */
const rows = (table: Element) =>
  descendants(table)
    .filter(e => e.tagName === 'tr')
    .map(tr => descendants(tr).filter(e => e.tagName === 'th' || e.tagName === 'td'));

function textOf(node: Node): string {
  if (node.nodeName === '#text') {
    return (node as DefaultTreeAdapterMap['textNode']).value;
  }
  return 'childNodes' in node ? node.childNodes.map(textOf).join('') : '';
}

const attribute = (element: Element, name: string) =>
  element.attrs.find(a => a.name === name)?.value;

/** Names a report must show as text: markup, a script end tag, an event handler. */
const HOSTILE = [
  '</script><script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned = 2">',
  'a & b <!-- \u2028 \u2029 \' " -->'
];

function hostileResult(): AnalysisResult {
  const result = sampleResult();
  return {
    ...result,
    model: { ...result.model, source: HOSTILE[1] },
    variables: { ...result.variables, names: HOSTILE },
    layers: result.layers.map((layer, l) => ({ ...layer, name: HOSTILE[l], label: HOSTILE[l] })),
    tracking: result.tracking.map(t => ({ ...t, mask: 7 }))
  };
}

const PAIRED: FigureId[] = ['strength', 'completeness', 'salient', 'tracking'];

describe('report.html', () => {
  it("draws the panel's figures, AND and OR, in the paper theme", () => {
    const result = sampleResult();
    const html = renderReport(result);
    const figures = embedded(html, 'layerwise-figures') as IReportFigure[];
    const expected = [...PAIRED.flatMap(id => [`and-${id}`, `or-${id}`]), 'probes'];
    assert.deepEqual(
      figures.map(f => f.id),
      expected
    );
    for (const figure of figures) {
      const [kind, id] = (figure.id === 'probes' ? ['and', 'probes'] : figure.id.split('-')) as [
        InteractionKind,
        FigureId
      ];
      const final = panelPlot(result, id, kind, 'final');
      assert.equal(figure.title, final.title);
      assert.deepEqual(figure.variants.final, final.plot, figure.id);
      assert.match(html, new RegExp(`<figcaption>${final.title}</figcaption>`));
      assert.match(html, new RegExp(`<div id="figure-${figure.id}" style="height: \\d+px">`));
    }
    assert.match(html, /<figcaption>OR interaction strength by layer and order<\/figcaption>/);
  });

  it('switches the reference layer only for the figures that depend on it', () => {
    const result = sampleResult();
    const figures = embedded(renderReport(result), 'layerwise-figures') as IReportFigure[];
    const withPrevious = figures.filter(f => f.variants.previous !== undefined).map(f => f.id);
    assert.deepEqual(withPrevious, [
      'and-strength',
      'or-strength',
      'and-completeness',
      'or-completeness'
    ]);
    assert.deepEqual(
      figures.find(f => f.id === 'or-completeness')!.variants.previous,
      panelPlot(result, 'completeness', 'or', 'previous').plot
    );
  });

  it('adds the stability figures when the result measured stability', () => {
    const result = withStability();
    const figures = embedded(renderReport(result), 'layerwise-figures') as IReportFigure[];
    const and = figures.find(f => f.id === 'and-stability');
    assert.ok(and && figures.some(f => f.id === 'or-stability'));
    const curves = and.variants.final.data as { name: string; y: (number | null)[] }[];
    assert.deepEqual(
      curves.map(c => [c.name, c.y]),
      [
        ['dense', [2.5]],
        ['output', [3]]
      ]
    );
  });

  it('is self-contained and keeps the tables the panel does not have', () => {
    const result = sampleResult();
    const html = renderReport(result);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'no external resources');
    assert.match(html, /plotly\.js \(cartesian - minified\)/, 'plotly is inlined');
    assert.deepEqual(embedded(html, 'layerwise-result'), result);
    assert.match(html, /<h2>Layers<\/h2>/);
    assert.match(html, /<td>AND<\/td><td>\{a\}<\/td><td class="salient">0\.9<\/td>/);
  });

  it('counts the samples the network got right', () => {
    // sample 0: label 1, predicted 1; sample 1: label 2, predicted 0
    assert.match(renderReport(sampleResult()), /; network correct on 1 of 2<\/td>/);
    const result = sampleResult();
    const allWrong = {
      ...result,
      samples: result.samples.map(s => ({ ...s, predicted: (s.label as number) + 1 }))
    };
    assert.match(renderReport(allWrong), /; network correct on 0 of 2<\/td>/);
    const unlabelled = { ...result, samples: result.samples.map(s => ({ ...s, label: null })) };
    assert.doesNotMatch(renderReport(unlabelled), /network correct/);
  });

  it('shows hostile variable, layer and model names as text, never as markup', () => {
    const result = hostileResult();
    const html = renderReport(result);
    const all = elements(html);
    const plain = elements(renderReport(sampleResult()));
    assert.deepEqual(
      all.map(e => e.tagName),
      plain.map(e => e.tagName),
      'the same elements as a report with plain names'
    );
    assert.equal(
      all.some(e => e.tagName === 'img' || e.attrs.some(a => a.name.startsWith('on'))),
      false
    );
    const scripts = all.filter(e => e.tagName === 'script');
    assert.deepEqual(
      scripts.map(s => attribute(s, 'id') ?? null),
      ['layerwise-figures', 'layerwise-result', null, null]
    );
    // the embedded JSON is exactly the result, read as the page's script reads it
    assert.deepEqual(JSON.parse(textOf(scripts[1])), JSON.parse(JSON.stringify(result)));
    const figures = JSON.parse(textOf(scripts[0])) as IReportFigure[];
    assert.ok(JSON.stringify(figures).includes(HOSTILE[0]), 'names reach the figures intact');
    // the tables and the title show the names as they are
    const cells = all.filter(e => e.tagName === 'td' || e.tagName === 'th').map(textOf);
    for (const name of HOSTILE) {
      assert.ok(cells.includes(name), `layer name ${name} in a cell`);
    }
    assert.ok(cells.includes(`{${HOSTILE.join(', ')}}`), 'the tracked subset');
    assert.ok(cells.some(c => c.startsWith(`3 variables: ${HOSTILE.join(', ')}`)));
    const title = all.find(e => e.tagName === 'title')!;
    assert.equal(textOf(title), `Layerwise report: ${HOSTILE[1]}`);
  });

  it('fills the header, layer and tracking tables from the result', () => {
    const base = sampleResult();
    const objectives = [1, 2, 3, 4, 5, 9];
    // relative gaps 1e-7, 0, 6.7e-7, 0, 1e-7, 5.6e-7: below the solver's tolerance, so no
    // warning; the largest absolute gap (5e-6) is not the largest relative one
    const gaps = [1e-7, 0, 2e-6, 0, 5e-7, 5e-6];
    const result: AnalysisResult = {
      ...base,
      samples: base.samples.map((s, i) => ({ ...s, index: [3, 7][i] })),
      perSample: base.perSample.map((row, s) =>
        row.map((cell, l) => ({
          ...cell,
          solve: { ...cell.solve, objective: objectives[3 * s + l], gap: gaps[3 * s + l] },
          // layer dense: 2 and 1 AND terms, 0 and 1 OR terms
          and: l === 0 && s === 0 ? [...cell.and, { mask: 1, order: 1, value: 0.7 }] : cell.and,
          or: l === 0 && s === 0 ? [] : cell.or
        }))
      )
    };
    const html = renderReport(result);
    const all = elements(html);
    const tables = all.filter(e => e.tagName === 'table');
    const texts = (table: Element) => rows(table).map(row => row.map(textOf));
    assert.equal(tables.length, 3);
    assert.deepEqual(texts(tables[0]), [
      ['model', 'model (input [, 3], 10 classes)'],
      ['backend', 'tfjs / cpu, 1.5 s'],
      [
        'solver',
        'exact, kappa factor 0.04; mean objective 4, largest certified gap 7e-7 of the objective'
      ],
      ['optimum', 'the canonical optimal solution (tie-break mix-hash); no alternatives compared'],
      ['n', '3 variables: a, b, c'],
      ['samples', '2 (indices 3, 7); network correct on 1 of 2'],
      [
        'options',
        'baseline mean, target label, salience per-sample tau factor 0.05, metrics exact, ' +
          'unassigned inputs keep, features flatten'
      ],
      ['created', '2025-01-01T00:00:00.000Z by layerwise 0.1.0']
    ]);
    // the markup of a row, so no stray text lands between its cells
    assert.ok(
      html.includes(
        '<tr><td>dense</td><td>probe</td><td>0.8</td><td>0.7</td><td>0.5</td><td>2</td><td>1.5</td><td>0.5</td></tr>'
      )
    );
    assert.ok(
      html.includes(
        '<tr><td>AND</td><td>{a, b}</td><td class="salient">0.5</td><td class="salient">0.4</td><td>-0.2</td></tr>'
      )
    );
    assert.ok(html.includes('<h2>Strongest interactions across layers</h2><p>Normalised strength'));
    assert.deepEqual(texts(tables[1]), [
      [
        'layer',
        'kind',
        'probe train',
        'probe held out (training rows)',
        'probe on the analysed samples (n = 2)',
        'cl',
        'salient AND',
        'salient OR'
      ],
      ['dense', 'probe', '0.8', '0.7', '0.5', '2', '1.5', '0.5'],
      ['dense_1', 'probe', '0.9', '0.85', '1', '3', '1', '1'],
      ['output', 'output', '–', '–', '–', '3', '1', '1']
    ]);
    // strongest first; bold (class salient) where salient in some sample
    assert.deepEqual(texts(tables[2]), [
      ['kind', 'variables', 'dense', 'dense_1', 'output'],
      ['AND', '{a}', '0.9', '1', '1.1'],
      ['AND', '{a, b}', '0.5', '0.4', '-0.2'],
      ['OR', '{b, c}', '-0.3', '-0.25', '-0.2']
    ]);
    assert.deepEqual(
      rows(tables[2])
        .slice(1)
        .map(row => row.slice(2).map(cell => attribute(cell, 'class') === 'salient')),
      [
        [true, true, true],
        [true, true, false],
        [false, false, true]
      ]
    );
  });

  it('names layers by their labels in the layer and tracking tables', () => {
    const base = sampleResult();
    const labels = ['features.0 (Conv2d)', '1 (ReLU)', 'output (Net)'];
    const result = { ...base, layers: base.layers.map((l, i) => ({ ...l, label: labels[i] })) };
    const tables = elements(renderReport(result)).filter(e => e.tagName === 'table');
    const texts = (table: Element) => rows(table).map(row => row.map(textOf));
    assert.deepEqual(
      texts(tables[1])
        .slice(1)
        .map(row => row[0]),
      labels
    );
    assert.deepEqual(texts(tables[2])[0].slice(2), labels);
  });

  it('warns about unconverged solves, says when there is no gap, leaves out an empty tracking', () => {
    const base = sampleResult();
    const cells = (solve: (cell: SampleLayerResult) => SampleLayerResult['solve']) =>
      base.perSample.map(row => row.map(cell => ({ ...cell, solve: solve(cell) })));
    const stopped: AnalysisResult = {
      ...base,
      perSample: cells(cell => ({ ...cell.solve, objective: 2, gap: 0 })).map((row, s) =>
        row.map((cell, l) =>
          s === 1 && l === 2 ? { ...cell, solve: { ...cell.solve, gap: 0.5 } } : cell
        )
      )
    };
    const header = (result: AnalysisResult) =>
      rows(elements(renderReport(result)).find(e => e.tagName === 'table')!).map(row =>
        row.map(textOf)
      );
    const warned = header(stopped);
    assert.deepEqual(
      warned.map(row => row[0]),
      ['model', 'backend', 'solver', 'optimum', 'warning', 'n', 'samples', 'options', 'created']
    );
    assert.match(warned[4][1], /^1 of 6 \(sample, layer\) problems .* up to 25%/);
    assert.match(warned[2][1], /mean objective 2, largest certified gap 25% of the objective$/);

    const noGaps: AnalysisResult = {
      ...base,
      options: { ...base.options, solver: { ...base.options.solver, kind: 'lab-sgd' } },
      perSample: cells(cell => ({ ...cell.solve, solver: 'lab-sgd', gap: null })),
      samples: base.samples.map(s => ({ ...s, label: null })),
      tracking: []
    };
    const plain = header(noGaps);
    assert.equal(plain.length, 7);
    assert.match(plain[2][1], /mean objective 1, no gap bound$/);
    assert.deepEqual(plain[4], ['samples', '2 (indices 0, 1)']);
    const html = renderReport(noGaps);
    assert.doesNotMatch(html, /Strongest interactions/);
    assert.equal(elements(html).filter(e => e.tagName === 'table').length, 2);
  });

  it('gives the page script every element it looks up, and styles every class it uses', () => {
    const html = renderReport(sampleResult());
    const all = elements(html);
    const ids = new Set(all.map(e => attribute(e, 'id')).filter(id => id !== undefined));
    const scripts = all.filter(e => e.tagName === 'script');
    const page = textOf(scripts[scripts.length - 1]);
    const looked = [...page.matchAll(/getElementById\('([^']+)'\)/g)].map(m => m[1]);
    assert.deepEqual(looked.sort(), ['download-result', 'layerwise-figures', 'layerwise-result']);
    looked.forEach(id => assert.ok(ids.has(id), id));
    const figures = JSON.parse(textOf(scripts[0])) as IReportFigure[];
    figures.forEach(f => assert.ok(ids.has(`figure-${f.id}`), f.id));
    assert.match(page, /Plotly\.react\(element, variant\.data, variant\.layout/);
    assert.match(page, /element\.nextElementSibling\.textContent = variant\.caption/);
    assert.ok(
      all.filter(e => attribute(e, 'class') === 'caption').length === figures.length,
      'a caption under every figure'
    );
    const radios = all.filter(e => attribute(e, 'name') === 'reference');
    assert.deepEqual(
      radios.map(r => attribute(r, 'value')),
      ['final', 'previous']
    );
    const style = textOf(all.find(e => e.tagName === 'style')!);
    const classes = new Set(all.flatMap(e => attribute(e, 'class')?.split(/\s+/) ?? []));
    assert.deepEqual([...classes].sort(), ['caption', 'controls', 'figure', 'grid', 'salient']);
    classes.forEach(c => assert.match(style, new RegExp(`\\.${c}\\b`), c));
  });
});

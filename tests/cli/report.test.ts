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
import type { AnalysisResult } from '../../src/protocol/result';
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
  const plot = JSON.parse(JSON.stringify({ data: figure.data, layout: figure.layout }));
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

/** The elements of a page as a browser's HTML parser builds them, in document order. */
function elements(html: string): Element[] {
  const found: Element[] = [];
  const walk = (node: Node) => {
    if ('tagName' in node) {
      found.push(node);
    }
    if ('childNodes' in node) {
      node.childNodes.forEach(walk);
    }
    if (node.nodeName === 'template') {
      walk((node as DefaultTreeAdapterMap['template']).content);
    }
  };
  walk(parse(html));
  return found;
}

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
  'a & b <!-- \u2028 \' " -->'
];

function hostileResult(): AnalysisResult {
  const result = sampleResult();
  return {
    ...result,
    model: { ...result.model, source: HOSTILE[1] },
    variables: { ...result.variables, names: HOSTILE },
    layers: result.layers.map((layer, l) => ({ ...layer, name: HOSTILE[l] })),
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
});

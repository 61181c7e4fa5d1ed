import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
});

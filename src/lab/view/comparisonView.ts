/**
 * "Compare with another model" under the results (method.md 6, the paper's section 4): pick
 * another model of the kernel, it is analysed on the same samples and options, and the IoU of
 * the two models' salient interactions is drawn by order, AND and OR, with every export.
 */
import { Widget } from '@lumino/widgets';
import {
  buildFigure,
  comparisonFigure,
  plotHeight,
  type IFigure,
  type IFigureView,
  type InteractionKind
} from '../../figures/builders';
import type { IPlotTheme } from '../../figures/theme';
import type { ExportPresetName } from '../export/presets';
import type { AnalysisModel, IComparison } from '../model/analysisModel';
import { loadPlotly, type IPlotly } from '../plots/plotlyApi';
import { h } from './dom';
import { drawFigure, figureCard } from './figureCard';
import { figureJson } from '../export/data';
import { exportWithButton, type ExportFormat } from '../export/exportButton';

const KINDS: InteractionKind[] = ['and', 'or'];

/** One figure of the comparison: its card's plot, how to build it, how to export it. */
interface IComparisonPlot {
  id: string;
  plot: HTMLElement;
  build: (theme: IPlotTheme) => IFigure;
  stem: () => string;
  json: (figure: IFigure) => string;
}

export interface IComparisonActions {
  compare(other: string): void;
  comparePairs(pairs: [string, string][]): void;
}

export class ComparisonView extends Widget {
  private plotly: IPlotly | null = null;
  private readonly plots: IComparisonPlot[] = [];

  constructor(
    private readonly model: AnalysisModel,
    private readonly screenTheme: () => IPlotTheme,
    private readonly preset: () => ExportPresetName,
    private readonly actions: IComparisonActions
  ) {
    super();
    this.addClass('jp-Layerwise-comparison');
    model.changed.connect((_, what) => {
      if (what === 'result' || what === 'comparison') {
        this.build();
      } else if (what === 'settings' || what === 'kind' || what === 'reference') {
        void this.renderPlots();
      }
    });
    this.build();
  }

  /** Redraws the plots, e.g. after JupyterLab's theme changed. */
  refreshTheme(): void {
    void this.renderPlots();
  }

  private build(): void {
    this.purge();
    this.node.textContent = '';
    const m = this.model;
    const others = m.comparableModels;
    const comparison = m.comparison;
    if (m.result === null || (others.length === 0 && comparison === null)) {
      return;
    }
    const choice = h(
      'select',
      { class: 'jp-mod-styled jp-Layerwise-compareWith', 'aria-label': 'Model to compare with' },
      ...others.map(name =>
        h('option', { value: name, selected: name === comparison?.other }, name)
      )
    );
    const start = h(
      'button',
      { type: 'button', class: 'jp-mod-styled jp-Layerwise-compare' },
      'Compare'
    );
    start.disabled = comparison?.state === 'running' || others.length === 0;
    start.addEventListener('click', () => this.actions.compare(choice.value));
    this.node.append(
      h('h3', {}, 'Compare with another model'),
      h(
        'p',
        { class: 'jp-Layerwise-hint' },
        'Analyses the chosen model of the kernel on the same samples, variables and options, ' +
          'and draws how many salient interactions the two share at each layer and order.'
      ),
      h('div', { class: 'jp-Layerwise-compareRow' }, choice, start)
    );
    if (comparison !== null) {
      this.node.append(...this.status(comparison));
    }
    if (comparison?.state === 'pairs') {
      this.node.append(this.pairPicker(comparison));
    }
    if (comparison?.state === 'done') {
      for (const spec of this.plotSpecs(comparison)) {
        const { card, plot } = figureCard(
          spec.id,
          (format, button) => void this.export(spec, format, button)
        );
        this.plots.push({ ...spec, plot });
        this.node.append(card);
      }
      void this.renderPlots();
    }
  }

  /**
   * For each analysed layer of the first model, the layer of the second to compare it with
   * (or none); it starts at the same relative depth.
   */
  private pairPicker(comparison: IComparison): HTMLElement {
    // values are the layers' ids, which the comparison matches by; the text their labels
    const firstLayers = this.model.result!.layers;
    const secondLayers = comparison.result!.layers;
    const first = firstLayers.map(l => l.name);
    const selects = first.map((name, i) => {
      const at = Math.round((i * (secondLayers.length - 1)) / Math.max(1, first.length - 1));
      return h(
        'select',
        { class: 'jp-mod-styled jp-Layerwise-pairLayer', 'data-layer': name },
        h('option', { value: '' }, '(none)'),
        ...secondLayers.map((other, j) =>
          h('option', { value: other.name, selected: j === at }, other.label)
        )
      );
    });
    const go = h(
      'button',
      { type: 'button', class: 'jp-mod-styled jp-Layerwise-comparePairs' },
      'Compare these pairs'
    );
    go.addEventListener('click', () =>
      this.actions.comparePairs(
        selects.flatMap((select, i): [string, string][] =>
          select.value ? [[first[i], select.value]] : []
        )
      )
    );
    return h(
      'div',
      { class: 'jp-Layerwise-pairs' },
      ...firstLayers.map((layer, i) => h('label', {}, `${layer.label} with `, selects[i])),
      go
    );
  }

  private status(comparison: IComparison): HTMLElement[] {
    switch (comparison.state) {
      case 'pairs':
        return [h('p', { class: 'jp-Layerwise-compareStatus' }, comparison.message)];
      case 'running':
        return [
          h(
            'p',
            { class: 'jp-Layerwise-compareStatus' },
            `${comparison.other}: ${comparison.message}`
          )
        ];
      case 'failed':
        return [
          h(
            'p',
            { class: 'jp-Layerwise-warning jp-Layerwise-compareStatus' },
            `The comparison with ${comparison.other} failed: ${comparison.message}`
          )
        ];
      case 'done':
        return [
          h(
            'p',
            { class: 'jp-Layerwise-compareStatus' },
            `${this.model.form.model} against ${comparison.other}, ` +
              `${comparison.result?.samples.length ?? 0} samples.`
          )
        ];
    }
  }

  /**
   * The shared interactions, AND and OR, then the other model's emergence and forgetting
   * (beside the analysed model's above, in the view the toolbar picks).
   */
  private plotSpecs(comparison: IComparison): Omit<IComparisonPlot, 'plot'>[] {
    const m = this.model;
    const { rows, other } = comparison;
    const second = comparison.result!;
    const pair = `${m.form.model}-${other}`;
    const iou = KINDS.map(kind => ({
      id: `iou-${kind}`,
      stem: () => `layerwise-iou-${kind}-${pair}`,
      build: (theme: IPlotTheme) => comparisonFigure(rows, kind, theme),
      json: () =>
        JSON.stringify(
          {
            figure: 'iou',
            kind,
            a: m.form.model,
            b: other,
            options: m.result?.options,
            rows: rows.filter(r => r.kind === kind)
          },
          null,
          2
        )
    }));
    const view = (): IFigureView => ({
      kind: m.kind,
      reference: m.reference,
      heatmapInteractions: m.settings.heatmapInteractions
    });
    const strength = {
      id: 'other-strength',
      stem: () => `layerwise-strength-${other}-${m.kind}-${m.reference}`,
      build: (theme: IPlotTheme) => {
        const figure = buildFigure('strength', second, view(), theme);
        return { ...figure, title: `${other}: ${figure.title}` };
      },
      json: (figure: IFigure) => figureJson(figure, view(), second)
    };
    return [...iou, strength];
  }

  private async renderPlots(): Promise<void> {
    if (this.plots.length === 0) {
      return;
    }
    this.plotly ??= await loadPlotly();
    const theme = this.screenTheme();
    for (const { plot, build } of this.plots) {
      const figure = build(theme);
      await drawFigure(this.plotly, plot, figure, plotHeight(figure));
    }
    this.node.dataset.rendered = 'comparison';
  }

  private async export(
    spec: Omit<IComparisonPlot, 'plot'>,
    format: ExportFormat,
    button: HTMLButtonElement
  ) {
    await exportWithButton(button, {
      build: spec.build,
      format,
      preset: this.preset(),
      pngScale: this.model.settings.pngScale,
      screenTheme: this.screenTheme(),
      stem: spec.stem(),
      json: spec.json
    });
  }

  private purge(): void {
    if (this.plotly !== null) {
      for (const { plot } of this.plots) {
        this.plotly.purge(plot);
      }
    }
    this.plots.length = 0;
    delete this.node.dataset.rendered;
  }

  dispose(): void {
    this.purge();
    super.dispose();
  }
}

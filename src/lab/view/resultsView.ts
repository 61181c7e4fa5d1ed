/**
 * The result: a summary, the AND/OR and reference-layer switches, and one card per figure
 * with its exports (SVG, vector PDF, PNG, CSV, JSON).
 */
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { formatShare } from '../../protocol/format';
import {
  largestRelativeGap,
  optimumSummary,
  resultWarnings,
  storedResultNote,
  type AnalysisResult
} from '../../protocol/result';
import { figureJson } from '../export/data';
import { exportWithButton, type ExportFormat } from '../export/exportButton';
import type { FigureBuilder } from '../export/figureExport';
import { EXPORT_PRESETS, type ExportPresetName } from '../export/presets';
import type { AnalysisModel } from '../model/analysisModel';
import {
  buildFigure,
  FIGURE_IDS,
  plotHeight,
  type FigureId,
  type IFigureView
} from '../../figures/builders';
import type { IPlotTheme } from '../../figures/theme';
import { loadPlotly, type IPlotly } from '../plots/plotlyApi';
import { ComparisonView, type IComparisonActions } from './comparisonView';
import { h, segmented } from './dom';
import { drawFigure, figureCard } from './figureCard';

/** Held-out probe accuracy below this multiple of chance gets a warning. */
const WEAK_PROBE = 1.5;

export interface IResultsActions extends IComparisonActions {
  reconfigure(): void;
}

export class ResultsView extends Widget {
  private readonly summary = h('div', { class: 'jp-Layerwise-summary' });
  private readonly toolbar = h('div', { class: 'jp-Layerwise-resultsToolbar' });
  private readonly cards = h('div', { class: 'jp-Layerwise-figures' });
  private readonly plots = new Map<FigureId, HTMLElement>();
  private preset: ExportPresetName;
  private plotly: IPlotly | null = null;
  private renderCount = 0;
  private readonly comparison: ComparisonView;

  constructor(
    private readonly model: AnalysisModel,
    private readonly screenTheme: () => IPlotTheme,
    private readonly actions: IResultsActions
  ) {
    super();
    this.addClass('jp-Layerwise-results');
    this.preset = model.settings.exportPreset;
    this.comparison = new ComparisonView(model, screenTheme, () => this.preset, actions);
    this.node.append(this.summary, this.toolbar, this.cards, this.comparison.node);
    model.changed.connect((_, what) => {
      if (what === 'result') {
        this.build();
      } else if (what === 'kind' || what === 'reference') {
        this.renderToolbar();
        void this.renderPlots();
      } else if (what === 'settings') {
        void this.renderPlots();
      }
    });
    this.build();
  }

  /** Redraws the plots, e.g. after JupyterLab's theme changed. */
  refreshTheme(): void {
    void this.renderPlots();
    this.comparison.refreshTheme();
  }

  protected onResize(): void {
    this.resizePlots();
  }

  protected onAfterShow(_msg: Message): void {
    this.resizePlots();
  }

  private resizePlots(): void {
    if (this.plotly === null) {
      return;
    }
    for (const div of this.plots.values()) {
      if (div.offsetParent !== null) {
        void this.plotly.Plots.resize(div);
      }
    }
  }

  protected onBeforeDetach(_msg: Message): void {
    this.purge();
  }

  dispose(): void {
    this.purge();
    this.comparison.dispose();
    super.dispose();
  }

  private purge(): void {
    if (this.plotly !== null) {
      for (const div of this.plots.values()) {
        this.plotly.purge(div);
      }
    }
  }

  private get view(): IFigureView {
    return {
      kind: this.model.kind,
      reference: this.model.reference,
      heatmapInteractions: this.model.settings.heatmapInteractions
    };
  }

  private build(): void {
    const result = this.model.result;
    this.purge();
    this.plots.clear();
    this.cards.textContent = '';
    this.summary.textContent = '';
    if (result === null) {
      return;
    }
    if (this.model.resultStored) {
      this.summary.append(h('p', { class: 'jp-Layerwise-stored' }, storedResultNote(result)));
    }
    this.summary.append(...summarise(result));
    this.renderToolbar();
    const figures: FigureId[] = result.stability ? [...FIGURE_IDS, 'stability'] : [...FIGURE_IDS];
    for (const id of figures) {
      const { card, plot } = figureCard(
        id,
        (format, button) => void this.exportFigure(id, format, button)
      );
      this.plots.set(id, plot);
      this.cards.append(card);
    }
    void this.renderPlots();
  }

  private renderToolbar(): void {
    const m = this.model;
    const presetSelect = h(
      'select',
      { class: 'jp-mod-styled jp-Layerwise-preset', 'aria-label': 'Export preset' },
      ...Object.values(EXPORT_PRESETS).map(p =>
        h('option', { value: p.name, selected: p.name === this.preset }, p.label)
      )
    );
    presetSelect.addEventListener('change', () => {
      this.preset = presetSelect.value as ExportPresetName;
    });
    const again = h(
      'button',
      { type: 'button', class: 'jp-mod-styled jp-Layerwise-again' },
      'New analysis'
    );
    again.addEventListener('click', () => this.actions.reconfigure());
    this.toolbar.textContent = '';
    this.toolbar.append(
      segmented(
        'Interactions',
        [
          { value: 'and', label: 'AND' },
          { value: 'or', label: 'OR' }
        ],
        m.kind,
        v => (m.kind = v),
        'jp-Layerwise-kindSwitch'
      ),
      segmented(
        'Compared with',
        [
          { value: 'final', label: 'final layer' },
          { value: 'previous', label: 'previous layer' }
        ],
        m.reference,
        v => (m.reference = v),
        'jp-Layerwise-referenceSwitch'
      ),
      h('label', { class: 'jp-Layerwise-switch' }, h('span', {}, 'Export for'), presetSelect),
      again
    );
  }

  private async renderPlots(): Promise<void> {
    const result = this.model.result;
    if (result === null) {
      return;
    }
    const count = ++this.renderCount;
    try {
      this.plotly = await loadPlotly();
    } catch (error) {
      this.cards.prepend(
        h('p', { class: 'jp-Layerwise-error' }, `Plotly failed to load: ${String(error)}`)
      );
      return;
    }
    if (count !== this.renderCount || this.isDisposed) {
      return;
    }
    const theme = this.screenTheme();
    const view = this.view;
    for (const [id, div] of this.plots) {
      const figure = buildFigure(id, result, view, theme);
      await drawFigure(this.plotly, div, figure, plotHeight(figure));
    }
    this.node.dataset.rendered = `${view.kind}-${view.reference}`;
  }

  private builder(id: FigureId, result: AnalysisResult): FigureBuilder {
    const view = this.view;
    return theme => buildFigure(id, result, view, theme);
  }

  private async exportFigure(id: FigureId, format: ExportFormat, button: HTMLButtonElement) {
    const result = this.model.result;
    if (result === null) {
      return;
    }
    const view = this.view;
    await exportWithButton(button, {
      build: this.builder(id, result),
      format,
      preset: this.preset,
      pngScale: this.model.settings.pngScale,
      screenTheme: this.screenTheme(),
      stem: `layerwise-${id}-${view.kind}-${view.reference}`,
      json: figure => figureJson(figure, view, result)
    });
  }
}

function summarise(result: AnalysisResult): HTMLElement[] {
  const maxGap = largestRelativeGap(result);
  const solver = result.options.solver.kind;
  const chance = 1 / Math.max(result.model.classes, 2);
  const weak = result.layers.filter(
    l => l.probe !== null && l.probe.heldOutAccuracy < WEAK_PROBE * chance
  );
  const lines: HTMLElement[] = [
    h(
      'p',
      {},
      `${result.model.source}: ${result.samples.length} samples, n = ${result.variables.n} ` +
        `variables, ${result.layers.length} layers; ${solver} solver` +
        (maxGap !== null
          ? ` (largest certified gap ${formatShare(maxGap)} of the objective)`
          : '') +
        `; ${result.runtime.backend} backend, ${result.runtime.seconds.toFixed(1)} s.`
    )
  ];
  const optimum = optimumSummary(result);
  if (optimum !== null) {
    lines.push(h('p', {}, `Interactions of ${optimum}.`));
  }
  for (const warning of resultWarnings(result)) {
    lines.push(h('p', { class: 'jp-Layerwise-warning' }, warning));
  }
  if (weak.length > 0) {
    lines.push(
      h(
        'p',
        { class: 'jp-Layerwise-warning' },
        `The probes of ${weak.map(l => l.label).join(', ')} barely beat chance on held-out data: ` +
          'their interactions say little about what those layers encode.'
      )
    );
  }
  return lines;
}

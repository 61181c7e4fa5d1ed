/**
 * The Layerwise panel: the form, the progress and the result of one analysis, shown by phase.
 */
import { Panel, Widget } from '@lumino/widgets';
import type { AnalysisModel, Phase } from '../model/analysisModel';
import type { IPlotTheme } from '../../figures/theme';
import { ConfigureView } from './configureView';
import { h } from './dom';
import { ProgressView } from './progressView';
import { ResultsView } from './resultsView';

export interface IPanelActions {
  run(): void;
  compare(other: string): void;
  comparePairs(pairs: [string, string][]): void;
  cancel(): void;
  reconfigure(): void;
  /** Asks the kernel again for the cell's model (after a failure, e.g. a kernel restart). */
  inspect(): void;
  previewSample(): void;
}

const SHOWS: Record<'configure' | 'progress' | 'results', Phase[]> = {
  configure: ['configuring', 'failed', 'cancelled'],
  progress: ['inspecting', 'uploading', 'running', 'loading-result'],
  results: ['done']
};

export class LayerwisePanel extends Panel {
  private readonly message = new Widget({ node: h('div', { role: 'status' }) });
  private readonly messageText = h('span', { class: 'jp-Layerwise-messageText' });
  private readonly retry = h(
    'button',
    { type: 'button', class: 'jp-mod-styled jp-Layerwise-retry' },
    'Inspect the kernel again'
  );
  private readonly configure: ConfigureView;
  private readonly progress: ProgressView;
  private readonly results: ResultsView;

  constructor(
    readonly model: AnalysisModel,
    actions: IPanelActions,
    screenTheme: () => IPlotTheme
  ) {
    super();
    this.addClass('jp-Layerwise-panel');
    this.message.addClass('jp-Layerwise-message');
    // a failed panel always offers the next step: the form below it where there is one, and
    // a fresh look at the kernel (the cell re-run, the kernel restarted)
    this.retry.addEventListener('click', () => actions.inspect());
    this.message.node.append(this.messageText, this.retry);
    this.configure = new ConfigureView(model, actions);
    this.progress = new ProgressView(model, () => actions.cancel());
    this.results = new ResultsView(model, screenTheme, actions);
    this.addWidget(this.message);
    this.addWidget(this.progress);
    this.addWidget(this.configure);
    this.addWidget(this.results);
    model.changed.connect((_, what) => {
      if (what === 'phase') {
        this.showPhase();
      }
    });
    this.showPhase();
  }

  refreshTheme(): void {
    this.results.refreshTheme();
  }

  private showPhase(): void {
    const phase = this.model.phase;
    this.node.dataset.phase = phase;
    this.configure.setHidden(!SHOWS.configure.includes(phase) || this.model.inspection === null);
    this.progress.setHidden(!SHOWS.progress.includes(phase));
    this.results.setHidden(!SHOWS.results.includes(phase));
    const failed = phase === 'failed' && this.model.error !== null;
    this.messageText.textContent = failed
      ? this.model.error
      : phase === 'cancelled'
        ? 'The analysis was cancelled.'
        : '';
    this.retry.hidden = !failed;
    this.message.node.classList.toggle('jp-Layerwise-error', failed);
    this.message.setHidden(this.messageText.textContent === '');
  }
}

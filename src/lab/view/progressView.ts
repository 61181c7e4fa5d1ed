/** The running job: stage, a progress bar, the time left and Cancel. */
import { Widget } from '@lumino/widgets';
import { formatSeconds } from '../../protocol/format';
import type { AnalysisModel } from '../model/analysisModel';
import { h } from './dom';

const PHASE_TEXT: Partial<Record<string, string>> = {
  inspecting: 'Looking for the model in the cell...',
  uploading: 'Handing the model and data to the backend...',
  'loading-result': 'Loading the result...'
};

/** The backend's stage names (api.ts Progress.stage) in the user's words; others as sent. */
const STAGE_TEXT: Partial<Record<string, string>> = {
  starting: 'Starting',
  loading: 'Loading the model',
  features: "Computing the layers' features of the training data",
  probes: 'Training the linear probes',
  passes: 'Masked forward passes',
  solves: 'Solving for AND-OR interactions',
  metrics: 'Comparing the layers',
  cancelling: 'Cancelling',
  done: 'Done'
};

export class ProgressView extends Widget {
  private readonly stage = h('div', { class: 'jp-Layerwise-stage', 'aria-live': 'polite' });
  private readonly fill = h('div', { class: 'jp-Layerwise-progressFill' });
  private readonly bar = h(
    'div',
    {
      class: 'jp-Layerwise-progressBar',
      role: 'progressbar',
      'aria-valuemin': 0,
      'aria-valuemax': 100
    },
    this.fill
  );
  private readonly eta = h('div', { class: 'jp-Layerwise-eta' });
  private readonly cancelButton = h(
    'button',
    { type: 'button', class: 'jp-mod-styled jp-mod-warn jp-Layerwise-cancel' },
    'Cancel'
  );

  constructor(
    private readonly model: AnalysisModel,
    onCancel: () => void
  ) {
    super();
    this.addClass('jp-Layerwise-progress');
    this.cancelButton.addEventListener('click', () => {
      this.cancelButton.disabled = true;
      onCancel();
    });
    this.node.append(this.stage, this.bar, this.eta, this.cancelButton);
    model.changed.connect((_, what) => {
      if (what === 'job' || what === 'phase' || what === 'activity') {
        this.refresh();
      }
    });
    this.refresh();
  }

  private refresh(): void {
    const m = this.model;
    const job = m.job;
    const progress = job?.progress ?? null;
    const running = m.phase === 'running';
    let stage = (m.phase === 'uploading' && m.activity) || PHASE_TEXT[m.phase] || '';
    if (running) {
      stage =
        job?.state === 'queued'
          ? `Queued${job.queuePosition !== null ? ` (position ${job.queuePosition})` : ''}`
          : progress
            ? `${STAGE_TEXT[progress.stage] ?? progress.stage}${progress.message ? `: ${progress.message}` : ''}`
            : 'Starting...';
    }
    this.stage.textContent = stage;
    const fraction = running ? (progress?.fraction ?? 0) : null;
    if (fraction === null) {
      this.bar.classList.add('jp-mod-indeterminate');
      this.bar.removeAttribute('aria-valuenow');
      this.fill.style.width = '';
    } else {
      this.bar.classList.remove('jp-mod-indeterminate');
      this.bar.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
      this.fill.style.width = `${(fraction * 100).toFixed(1)}%`;
    }
    const eta = progress?.etaSeconds;
    this.eta.textContent =
      !running || eta === null || eta === undefined
        ? ''
        : eta < 1
          ? 'under a second left'
          : `about ${formatSeconds(eta)} left`;
    this.cancelButton.hidden = !running;
    if (!running) {
      this.cancelButton.disabled = false;
    }
  }
}

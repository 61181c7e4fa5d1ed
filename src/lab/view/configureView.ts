/**
 * The configure form: the model the kernel found, the samples and training arrays, the input
 * variables, baseline, layers, solver and the estimated cost, and the Run button.
 */
import { Widget } from '@lumino/widgets';
import { formatSeconds } from '../../protocol/format';
import type { ArrayInfo } from '../../protocol/kernelMessages';
import type { AnalysisModel, IAnalysisForm } from '../model/analysisModel';
import { field, h, numberInput, select } from './dom';
import { imageGeometry } from '../model/variables';
import { renderVariablePicker } from './variablePicker';

export interface IConfigureActions {
  run(): void;
  /** The first analysed sample changed: fetch it for the patch grid. */
  previewSample(): void;
}

export class ConfigureView extends Widget {
  private readonly pickerHost = h('div', { class: 'jp-Layerwise-pickerHost' });
  private readonly costLine = h('p', { class: 'jp-Layerwise-cost', 'aria-live': 'polite' });
  private readonly blockerLine = h('p', { class: 'jp-Layerwise-blocker', 'aria-live': 'polite' });
  private readonly forceRow = h('label', { class: 'jp-Layerwise-force' });
  private readonly runButton = h(
    'button',
    { type: 'button', class: 'jp-mod-styled jp-mod-accept jp-Layerwise-run' },
    'Run analysis'
  );
  private readonly nLabel = h('span', { class: 'jp-Layerwise-n' });
  /** Hints that say what the data and the picker make of a setting. */
  private readonly trainRowsHint = h('span', { class: 'jp-Layerwise-hint' });
  private readonly patchHint = h('span', { class: 'jp-Layerwise-hint' });

  constructor(
    private readonly model: AnalysisModel,
    private readonly actions: IConfigureActions
  ) {
    super();
    this.addClass('jp-Layerwise-configure');
    this.runButton.addEventListener('click', () => {
      if (this.model.blocker === null) {
        this.actions.run();
      }
    });
    model.changed.connect((_, what) => {
      if (what === 'inspection' || what === 'modelInfo') {
        this.build();
      } else if (what === 'form' || what === 'preview' || what === 'settings') {
        this.refresh();
      }
    });
    this.build();
  }

  /** Rebuilds the whole form: only when the kernel's findings change. */
  private build(): void {
    this.node.textContent = '';
    const inspection = this.model.inspection;
    if (inspection === null) {
      return;
    }
    const m = this.model;
    const f = m.form;
    const info = m.modelInfo;
    const shape = m.inputShape;
    const inputArrays = inspection.arrays.filter(
      a => shape === null || a.shape.length === shape.length + 1
    );
    const labelArrays = inspection.arrays.filter(a => a.shape.length <= 2);
    const options = (arrays: ArrayInfo[], none?: string) => [
      ...(none !== undefined ? [{ value: '', label: none }] : []),
      ...arrays.map(a => ({
        value: a.name,
        label: `${a.name}  [${a.shape.join(' x ')}] ${a.dtype}`
      }))
    ];
    const chooseArray =
      (key: 'samples' | 'sampleLabels' | 'trainInputs' | 'trainLabels') => (value: string) => {
        m.updateForm({ [key]: value === '' ? null : value });
        if (key === 'samples') {
          this.actions.previewSample();
        }
      };
    const modelSelect = select(
      inspection.models.map(model => ({
        value: model.name,
        label: `${model.name} (${model.className}${model.inCell ? '' : ', not in this cell'})`
      })),
      f.model,
      value => {
        m.chooseModel(value);
        this.actions.previewSample();
      },
      { class: 'jp-mod-styled jp-Layerwise-model' }
    );
    const summary = h(
      'div',
      { class: 'jp-Layerwise-modelSummary' },
      inspection.models.length > 1 ? field('Model', modelSelect) : null,
      info
        ? h(
            'p',
            {},
            h('strong', {}, info.modelName),
            ' (variable ',
            h('code', {}, info.name),
            `): input [${shape?.join(' x ') ?? 'unknown'}], ${info.classes ?? '?'} classes, ` +
              `${info.layers.length} layers`
          )
        : null,
      ...[...inspection.warnings, ...(info?.warnings ?? [])].map(w =>
        h('p', { class: 'jp-Layerwise-warning' }, w)
      )
    );
    const data = h(
      'fieldset',
      { class: 'jp-Layerwise-section' },
      h('legend', {}, 'Data'),
      field(
        'Samples',
        select(options(inputArrays, 'choose an array'), f.samples ?? '', chooseArray('samples'), {
          class: 'jp-mod-styled jp-Layerwise-samples'
        })
      ),
      field(
        'First sample',
        numberInput(
          f.sampleStart,
          v => {
            m.updateForm({ sampleStart: Math.max(0, Math.floor(v)) });
            this.actions.previewSample();
          },
          { min: 0, step: 1, class: 'jp-mod-styled jp-Layerwise-sampleStart' }
        )
      ),
      field(
        'Number of samples',
        numberInput(f.sampleCount, v => m.updateForm({ sampleCount: Math.max(1, Math.floor(v)) }), {
          min: 1,
          step: 1,
          class: 'jp-mod-styled jp-Layerwise-sampleCount'
        })
      ),
      field(
        'Sample labels',
        select(
          options(labelArrays, 'none: explain the predicted class'),
          f.sampleLabels ?? '',
          chooseArray('sampleLabels'),
          { class: 'jp-mod-styled jp-Layerwise-sampleLabels' }
        )
      ),
      field(
        'Training inputs',
        select(
          options(inputArrays, 'choose an array'),
          f.trainInputs ?? '',
          chooseArray('trainInputs'),
          {
            class: 'jp-mod-styled jp-Layerwise-trainInputs'
          }
        ),
        'The probes of hidden layers and the mean baseline use them.'
      ),
      field(
        'Training labels',
        select(
          options(labelArrays, 'choose an array'),
          f.trainLabels ?? '',
          chooseArray('trainLabels'),
          {
            class: 'jp-mod-styled jp-Layerwise-trainLabels'
          }
        )
      ),
      field(
        'Training rows (at most)',
        numberInput(f.trainRows, v => m.updateForm({ trainRows: Math.max(10, Math.floor(v)) }), {
          min: 10,
          step: 100,
          class: 'jp-mod-styled jp-Layerwise-trainRows'
        }),
        this.trainRowsHint
      )
    );
    const variables = h(
      'fieldset',
      { class: 'jp-Layerwise-section' },
      h('legend', {}, 'Input variables ', this.nLabel),
      m.inputKind === 'image'
        ? field(
            'Patch size (px)',
            numberInput(
              f.patchSize,
              v => m.updateForm({ patchSize: Math.max(0, Math.floor(v)), picked: [] }),
              { min: 0, step: 1, class: 'jp-mod-styled jp-Layerwise-patchSize' }
            ),
            this.patchHint
          )
        : null,
      this.pickerHost
    );
    const modelLayers = info?.layers ?? [];
    const outputLayer = info?.outputLayer ?? modelLayers.at(-1)?.name;
    const layerBoxes = modelLayers.map(layer => {
      const isOutput = layer.name === outputLayer;
      const box = h('input', {
        type: 'checkbox',
        checked: isOutput || f.layers.includes(layer.name),
        disabled: isOutput || !layer.supported,
        'data-layer': layer.name
      });
      box.addEventListener('change', () => {
        const chosen = new Set(m.form.layers);
        if (box.checked) {
          chosen.add(layer.name);
        } else {
          chosen.delete(layer.name);
        }
        m.updateForm({ layers: modelLayers.map(l => l.name).filter(n => chosen.has(n)) });
      });
      return h(
        'label',
        {
          class: 'jp-Layerwise-layer',
          title: isOutput ? 'The output layer is always analysed.' : (layer.problem ?? '')
        },
        box,
        `${layer.name} `,
        h(
          'span',
          { class: 'jp-Layerwise-hint' },
          layer.supported ? layer.className : `${layer.className}, not supported`
        )
      );
    });
    const method = h(
      'fieldset',
      { class: 'jp-Layerwise-section' },
      h('legend', {}, 'Method'),
      field(
        'Baseline',
        select(
          [
            { value: 'mean', label: 'mean of the training inputs (paper)' },
            { value: 'zero', label: 'zero' },
            ...(m.inputKind === 'sequence'
              ? [{ value: 'mask-token', label: 'a mask token (text)' }]
              : [])
          ],
          f.baseline,
          v => {
            m.updateForm({ baseline: v as IAnalysisForm['baseline'] });
            this.build();
          },
          { class: 'jp-mod-styled jp-Layerwise-baseline' }
        )
      ),
      f.baseline === 'mask-token'
        ? field(
            'Mask token id',
            numberInput(f.maskTokenId, v => m.updateForm({ maskTokenId: Math.floor(v) }), {
              step: 1,
              class: 'jp-mod-styled jp-Layerwise-maskToken'
            })
          )
        : null,
      field(
        'Solver',
        select(
          [
            { value: 'exact', label: 'exact (LP optimum, reports its gap)' },
            { value: 'lab-sgd', label: 'lab-sgd (the public SGD recipe)' },
            { value: 'none', label: 'none (AND interactions only, no OR split)' }
          ],
          f.solver,
          v => m.updateForm({ solver: v as 'exact' | 'lab-sgd' | 'none' }),
          { class: 'jp-mod-styled jp-Layerwise-solver' }
        )
      ),
      field(
        'Salience factor',
        numberInput(f.tauFactor, v => m.updateForm({ tauFactor: v }), {
          min: 0,
          max: 1,
          step: 0.01,
          class: 'jp-mod-styled jp-Layerwise-tau'
        }),
        'tau = factor x max |I|'
      ),
      field(
        'Noise bound factor',
        numberInput(f.kappaFactor, v => m.updateForm({ kappaFactor: v }), {
          min: 0,
          max: 1,
          step: 0.01,
          class: 'jp-mod-styled jp-Layerwise-kappa'
        }),
        'kappa = factor x |v(x_N) - v(x_{})|'
      ),
      field(
        'Salience threshold',
        select(
          [
            { value: 'per-sample', label: 'per sample and layer (paper)' },
            { value: 'per-layer', label: 'per layer, over all samples' }
          ],
          f.salienceMode,
          v => m.updateForm({ salienceMode: v as 'per-sample' | 'per-layer' })
        )
      ),
      this.stabilityField()
    );
    const layers = h(
      'fieldset',
      { class: 'jp-Layerwise-section' },
      h('legend', {}, 'Layers'),
      h('div', { class: 'jp-Layerwise-layerList' }, ...layerBoxes)
    );
    const reuse = h('input', {
      type: 'checkbox',
      class: 'jp-Layerwise-useCache',
      checked: f.useCache
    });
    reuse.addEventListener('change', () => m.updateForm({ useCache: reuse.checked }));
    const run = h(
      'div',
      { class: 'jp-Layerwise-runRow' },
      this.costLine,
      h(
        'label',
        { class: 'jp-Layerwise-reuse' },
        reuse,
        ' Reuse a stored result of the same model, data and options'
      ),
      this.forceRow,
      this.blockerLine,
      this.runButton
    );
    this.node.append(summary, data, variables, layers, method, run);
    this.refresh();
  }

  /** Stability under input noise: off by default, since each draw repeats the whole cost. */
  private stabilityField(): HTMLElement {
    const m = this.model;
    const f = m.form;
    const box = h('input', {
      type: 'checkbox',
      class: 'jp-Layerwise-stability',
      checked: f.stability
    });
    box.addEventListener('change', () => {
      m.updateForm({ stability: box.checked });
      this.build();
    });
    return field(
      'Stability',
      h(
        'div',
        { class: 'jp-Layerwise-stabilityRow' },
        h('label', {}, box, ' under input noise'),
        ...(f.stability
          ? [
              h(
                'label',
                {},
                'draws ',
                numberInput(
                  f.stabilityDraws,
                  v => m.updateForm({ stabilityDraws: Math.floor(v) }),
                  {
                    min: 1,
                    max: 100,
                    step: 1,
                    class: 'jp-mod-styled jp-Layerwise-draws'
                  }
                )
              ),
              h(
                'label',
                {},
                'sigma ',
                numberInput(f.stabilitySigma, v => m.updateForm({ stabilitySigma: v }), {
                  min: 0.001,
                  step: 0.01,
                  class: 'jp-mod-styled jp-Layerwise-sigma'
                })
              )
            ]
          : [])
      ),
      'each draw adds Gaussian noise to the whole input and solves every problem again'
    );
  }

  /** Updates what depends on the choices without rebuilding inputs (keeps focus). */
  private refresh(): void {
    const m = this.model;
    if (m.inspection === null) {
      return;
    }
    this.pickerHost.textContent = '';
    this.pickerHost.append(renderVariablePicker(m));
    const rows = m.availableTrainRows;
    this.trainRowsHint.textContent =
      rows === null
        ? ''
        : rows > m.form.trainRows
          ? `${m.form.trainRows.toLocaleString()} of the ${rows.toLocaleString()} rows, a seeded random subset`
          : `all ${rows.toLocaleString()} rows (there are no more)`;
    if (m.inputKind === 'image') {
      const g = imageGeometry(m.inputShape ?? [], m.form.patchSize);
      this.patchHint.textContent =
        m.form.patchSize === 0 ? `0 = automatic: ${g.patch} px here` : '';
    }
    const n = m.form.picked.length;
    this.nLabel.textContent = `(n = ${n})`;
    const cost = m.cost;
    this.costLine.textContent =
      n === 0
        ? ''
        : `${m.effectiveSampleCount} samples x 2^${n}` +
          (m.form.stability ? ` x (1 + ${m.form.stabilityDraws} noise draws)` : '') +
          ` = ${cost.passes.toLocaleString()} masked ` +
          `forward passes; ${cost.problems.toLocaleString()} AND-OR problems of ` +
          `${(2 ** n).toLocaleString()} subsets` +
          (cost.seconds !== null ? `; roughly ${formatSeconds(cost.seconds)}.` : '.');
    this.forceRow.textContent = '';
    if (n > m.settings.maxVariables) {
      const box = h('input', { type: 'checkbox', checked: m.form.force });
      box.addEventListener('change', () => m.updateForm({ force: box.checked }));
      this.forceRow.append(
        box,
        ` Run with n = ${n} anyway (more than ${m.settings.maxVariables}: see the cost above)`
      );
    }
    const blocker = m.blocker;
    this.blockerLine.textContent = blocker ?? '';
    this.runButton.disabled = blocker !== null;
  }
}

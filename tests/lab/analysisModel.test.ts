import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleResult } from './fixtures';
import { AnalysisOptions } from '../../src/protocol/options';
import type { Inspection, ModelInfo } from '../../src/protocol/kernelMessages';
import { AnalysisModel } from '../../src/lab/model/analysisModel';
import { DEFAULT_SETTINGS } from '../../src/lab/settings';

function modelInfo(over: Partial<ModelInfo> = {}): ModelInfo {
  const layer = (name: string, hasWeights: boolean) => ({
    name,
    className: hasWeights ? 'Dense' : 'Flatten',
    outputShape: null,
    hasWeights,
    params: hasWeights ? 10 : 0,
    supported: true
  });
  return {
    name: 'model',
    framework: 'keras',
    className: 'Sequential',
    modelName: 'digits_mlp',
    inCell: true,
    inputShape: [4, 4],
    inputDtype: 'float32',
    classes: 10,
    numInputs: 1,
    numOutputs: 1,
    layers: [layer('flatten', false), layer('dense', true), layer('logits', true)],
    exportable: true,
    problem: null,
    suggested: {
      samples: 'x_test',
      sampleLabels: 'y_test',
      trainInputs: 'x_train',
      trainLabels: 'y_train'
    },
    ...over
  };
}

function inspection(models: ModelInfo[]): Inspection {
  const array = (name: string, shape: number[]) => ({
    name,
    kind: 'numpy' as const,
    shape,
    dtype: 'float32',
    inCell: false,
    featureNames: null
  });
  return {
    type: 'inspection',
    requestId: 'r',
    models,
    arrays: [
      array('x_test', [5, 4, 4]),
      array('y_test', [5]),
      array('x_train', [20, 4, 4]),
      array('y_train', [20])
    ],
    warnings: []
  };
}

test('the kernel suggestions fill the form; picked patches become valid options', () => {
  const model = new AnalysisModel('demo.ipynb', 'cell', { ...DEFAULT_SETTINGS, samples: 3 });
  model.setInspection(inspection([modelInfo()]));
  assert.equal(model.phase, 'configuring');
  assert.equal(model.inputKind, 'image');
  assert.deepEqual(model.form.layers, ['dense', 'logits']);
  assert.equal(model.blocker, 'Pick at least one input variable.');
  model.updateForm({ patchSize: 2, picked: [3, 0, 3] });
  assert.deepEqual(model.form.picked, [0, 3]);
  assert.equal(model.blocker, null);
  assert.equal(model.effectiveSampleCount, 3);
  assert.equal(model.cost.passes, 3 * 4);
  const options = AnalysisOptions.parse(model.analysisOptions());
  assert.deepEqual(options.variables, [
    [0, 1, 4, 5],
    [10, 11, 14, 15]
  ]);
  assert.deepEqual(options.variableNames, ['r1c1', 'r2c2']);
  assert.equal(options.target, 'label');
  assert.deepEqual(options.layers, ['dense', 'logits']);
});

test('one name per variable: the user renames it, the options carry it, duplicates block', () => {
  const model = new AnalysisModel('demo.ipynb', 'cell', DEFAULT_SETTINGS);
  model.setInspection(inspection([modelInfo()]));
  model.updateForm({ patchSize: 2, picked: [0, 3] });
  model.renameItem(3, '  stroke  ');
  assert.deepEqual(
    model.variables.map(v => v.name),
    ['r1c1', 'stroke']
  );
  assert.deepEqual(AnalysisOptions.parse(model.analysisOptions()).variableNames, [
    'r1c1',
    'stroke'
  ]);
  model.renameItem(3, 'r1c1');
  assert.equal(model.blocker, 'Two variables are named "r1c1": give each its own name.');
  // an empty name gives the default back
  model.renameItem(3, ' ');
  assert.deepEqual(
    model.variables.map(v => v.name),
    ['r1c1', 'r2c2']
  );
  assert.equal(model.blocker, null);
  // another patch size numbers the patches anew: the names go with it
  model.renameItem(0, 'corner');
  model.updateForm({ patchSize: 1, picked: [0] });
  assert.deepEqual(
    model.variables.map(v => v.name),
    ['r1c1']
  );
});

test('the training rows the chosen array has', () => {
  const model = new AnalysisModel('demo.ipynb', 'cell', DEFAULT_SETTINGS);
  assert.equal(model.availableTrainRows, null);
  model.setInspection(inspection([modelInfo()]));
  assert.equal(model.availableTrainRows, 20);
});

test('the form says why it cannot run', () => {
  const model = new AnalysisModel('demo.ipynb', null, { ...DEFAULT_SETTINGS, maxVariables: 2 });
  model.setInspection(
    inspection([modelInfo({ exportable: false, problem: 'Conv3D is not supported' })])
  );
  assert.equal(model.blocker, 'Conv3D is not supported');
  model.setInspection(inspection([modelInfo({ inputShape: [3, 3] })]));
  model.updateForm({ picked: [0] });
  assert.match(model.blocker ?? '', /x_test has samples of shape \[4,4\], the model takes \[3,3\]/);
  model.setInspection(inspection([modelInfo()]));
  model.updateForm({ picked: [0, 1, 2], sampleStart: 5 });
  assert.match(model.blocker ?? '', /no sample at index 5/);
  model.updateForm({ sampleStart: 4 });
  assert.match(model.blocker ?? '', /pick at most 2 variables/);
  model.updateForm({ force: true });
  assert.equal(model.blocker, null);
  assert.equal(model.effectiveSampleCount, 1);
  model.updateForm({ sampleLabels: null });
  assert.equal(model.analysisOptions().target, 'predicted');
});

test('stability under input noise: off by default; on, in the options and in the cost', () => {
  const model = new AnalysisModel('demo.ipynb', null, DEFAULT_SETTINGS);
  model.setInspection(inspection([modelInfo()]));
  model.updateForm({ picked: [0, 1, 2] });
  assert.equal(AnalysisOptions.parse(model.analysisOptions()).stability.enabled, false);
  const plain = model.cost;
  model.updateForm({ stability: true, stabilityDraws: 5, stabilitySigma: 0.1 });
  assert.deepEqual(AnalysisOptions.parse(model.analysisOptions()).stability, {
    enabled: true,
    draws: 5,
    sigma: 0.1,
    seed: 0
  });
  // every draw repeats each sample's 2^n passes and its problems
  assert.equal(model.cost.passes, 6 * plain.passes);
  assert.equal(model.cost.problems, 6 * plain.problems);
});

test("models to compare with: the kernel's others that take the same input and export", () => {
  const model = new AnalysisModel('demo.ipynb', null, DEFAULT_SETTINGS);
  model.setInspection(
    inspection([
      modelInfo(),
      modelInfo({ name: 'model_seed1', inCell: false }),
      modelInfo({ name: 'wide', inCell: false, inputShape: [8, 8] }),
      modelInfo({ name: 'broken', inCell: false, exportable: false })
    ])
  );
  assert.deepEqual(model.comparableModels, ['model_seed1']);
  assert.deepEqual(model.defaultLayers('model_seed1'), ['dense', 'logits']);
  model.setComparison({
    other: 'model_seed1',
    state: 'running',
    message: '',
    result: null,
    rows: []
  });
  assert.equal(model.comparison?.state, 'running');
  model.setResult(model.result ?? sampleResult(), null, false);
  assert.equal(model.comparison, null, 'a new result drops the old comparison');
});

test('the settings choose the noise bound reference and the alternative optima', () => {
  const settings = { ...DEFAULT_SETTINGS, kappaReference: 'range' as const, alternatives: 0 };
  const model = new AnalysisModel('demo.ipynb', null, settings);
  model.setInspection(inspection([modelInfo()]));
  model.updateForm({ picked: [0, 1] });
  const { solver } = AnalysisOptions.parse(model.analysisOptions());
  assert.deepEqual([solver.kappaReference, solver.alternatives], ['range', 0]);
  const defaults = new AnalysisModel('demo.ipynb', null, DEFAULT_SETTINGS);
  defaults.setInspection(inspection([modelInfo()]));
  defaults.updateForm({ picked: [0, 1] });
  const plain = AnalysisOptions.parse(defaults.analysisOptions()).solver;
  assert.deepEqual([plain.kappaReference, plain.alternatives], ['endpoints', 4]);
});

test('sequences of token ids: positions as variables, a mask token as the baseline', () => {
  const model = new AnalysisModel('nlp.ipynb', null, DEFAULT_SETTINGS);
  const info = modelInfo({ inputShape: [6], name: 'bert' });
  const found = inspection([info]);
  found.arrays = [{ ...found.arrays[0], shape: [5, 6] }];
  model.setInspection(found);
  assert.equal(model.inputKind, 'tabular');
  model.setInspection(inspection([{ ...info, inputDtype: 'int32' }]));
  assert.equal(model.inputKind, 'sequence');
  const seq = modelInfo({ inputShape: [6, 2] });
  model.setInspection(inspection([seq]));
  assert.equal(model.inputKind, 'sequence');
  model.updateForm({ picked: [1, 4], baseline: 'mask-token', maskTokenId: 103 });
  const options = AnalysisOptions.parse(model.analysisOptions());
  assert.deepEqual(options.variables, [
    [2, 3],
    [8, 9]
  ]);
  assert.deepEqual(options.baseline, { kind: 'mask-token', tokenId: 103 });
});

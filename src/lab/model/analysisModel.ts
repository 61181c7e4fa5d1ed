/**
 * The panel's state: what the kernel found in the cell, the user's choices, the running
 * job and its result. Views read it and call its setters; the controller drives the phases.
 * No DOM and no JupyterLab services here.
 */
import { Signal, type ISignal } from '@lumino/signaling';
import type { Progress } from '../../protocol/api';
import type { ArrayInfo, Inspection, ModelInfo } from '../../protocol/kernelMessages';
import type { AnalysisOptionsInput } from '../../protocol/options';
import type { AnalysisResult, ComparisonRow } from '../../protocol/result';
import type { InteractionKind, Reference } from '../../figures/builders';
import type { ILayerwiseSettings } from '../settings';
import {
  estimateCost,
  featureVariable,
  imageGeometry,
  inputKind,
  patchVariable,
  sequenceWidth,
  tokenVariable,
  type ICostEstimate,
  type InputKind,
  type IVariable
} from './variables';

export type Phase =
  | 'inspecting'
  | 'configuring'
  | 'uploading'
  | 'running'
  | 'loading-result'
  | 'done'
  | 'failed'
  | 'cancelled';

export interface IAnalysisForm {
  /** The model's variable name in the kernel. */
  model: string | null;
  samples: string | null;
  sampleLabels: string | null;
  trainInputs: string | null;
  trainLabels: string | null;
  /** Samples analysed: rows sampleStart .. sampleStart + sampleCount - 1. */
  sampleStart: number;
  sampleCount: number;
  patchSize: number;
  /** Picked patches (image), features (tabular) or positions (sequence), ascending. */
  picked: number[];
  /** The user's names for picked items, by item; the others keep their default names. */
  names: Record<number, string>;
  baseline: 'mean' | 'zero' | 'mask-token';
  /** Sequences of token ids: the id masked positions take (e.g. [MASK] = 103 for BERT). */
  maskTokenId: number;
  layers: string[];
  solver: 'exact' | 'lab-sgd' | 'none';
  tauFactor: number;
  kappaFactor: number;
  salienceMode: 'per-sample' | 'per-layer';
  /** At most this many training rows go to the probes (a seeded random subset). */
  trainRows: number;
  /** Stability under input noise (method.md 6): K noisy copies of each sample, re-solved. */
  stability: boolean;
  stabilityDraws: number;
  stabilitySigma: number;
  force: boolean;
  /** Show a stored result of the same model, data and options instead of running again. */
  useCache: boolean;
}

/** The analysis of a second model on the same samples and options, and the comparison. */
export interface IComparison {
  /** The other model's variable name in the kernel. */
  other: string;
  /** pairs: both analysed, of different depths: the user picks the layer pairs. */
  state: 'running' | 'pairs' | 'done' | 'failed';
  /** What runs now, or why it failed. */
  message: string;
  result: AnalysisResult | null;
  rows: ComparisonRow[];
}

export interface IJobState {
  id: string;
  state: string;
  progress: Progress | null;
  queuePosition: number | null;
}

export class AnalysisModel {
  private _phase: Phase = 'inspecting';
  private _inspection: Inspection | null = null;
  private _form: IAnalysisForm;
  private _job: IJobState | null = null;
  private _result: AnalysisResult | null = null;
  private _resultKey: string | null = null;
  private _resultStored = false;
  private _comparison: IComparison | null = null;
  private _error: string | null = null;
  private _kind: InteractionKind;
  private _reference: Reference;
  private _preview: Float32Array | null = null;
  private _computeThreads: number | null = null;
  private _activity = '';
  private readonly _changed = new Signal<this, keyof AnalysisModel>(this);

  constructor(
    readonly notebookPath: string,
    readonly cellId: string | null,
    private _settings: ILayerwiseSettings
  ) {
    this._kind = _settings.interactionKind;
    this._reference = _settings.reference;
    this._form = {
      model: null,
      samples: null,
      sampleLabels: null,
      trainInputs: null,
      trainLabels: null,
      sampleStart: 0,
      sampleCount: _settings.samples,
      patchSize: _settings.imagePatchSize,
      picked: [],
      names: {},
      baseline: 'mean',
      maskTokenId: 0,
      layers: [],
      solver: _settings.solver,
      tauFactor: _settings.tauFactor,
      kappaFactor: _settings.kappaFactor,
      salienceMode: _settings.salienceMode,
      trainRows: _settings.trainRows,
      stability: false,
      stabilityDraws: 20,
      stabilitySigma: 0.02,
      force: false,
      useCache: true
    };
  }

  /** Emits the name of what changed. */
  get comparison(): IComparison | null {
    return this._comparison;
  }

  setComparison(comparison: IComparison | null): void {
    this._comparison = comparison;
    this._changed.emit('comparison');
  }

  /** The kernel's other models that take the analysed model's input, to compare it with. */
  get comparableModels(): string[] {
    const info = this.modelInfo;
    if (info === null) {
      return [];
    }
    return (this._inspection?.models ?? [])
      .filter(
        other =>
          other.name !== info.name &&
          other.exportable &&
          JSON.stringify(other.inputShape) === JSON.stringify(info.inputShape)
      )
      .map(other => other.name);
  }

  /** The layers an analysis of a model taps unless the user picks others. */
  defaultLayers(name: string): string[] {
    const info = this._inspection?.models.find(m => m.name === name);
    return info?.layers.filter(l => l.suggested ?? l.hasWeights).map(l => l.name) ?? [];
  }

  /** Whether the result shown was read from the backend's store rather than computed now. */
  get resultStored(): boolean {
    return this._resultStored;
  }

  get changed(): ISignal<this, keyof AnalysisModel> {
    return this._changed;
  }

  get settings(): ILayerwiseSettings {
    return this._settings;
  }

  set settings(value: ILayerwiseSettings) {
    this._settings = value;
    this._changed.emit('settings');
  }

  get phase(): Phase {
    return this._phase;
  }

  get inspection(): Inspection | null {
    return this._inspection;
  }

  /** The chosen model, as the kernel described it. */
  get modelInfo(): ModelInfo | null {
    return this._inspection?.models.find(m => m.name === this._form.model) ?? null;
  }

  /** One sample's shape (no batch axis), or null while the model's input is unknown. */
  get inputShape(): number[] | null {
    const dims = this.modelInfo?.inputShape;
    return dims && dims.every(d => d !== null) ? (dims as number[]) : null;
  }

  /** Column names of a DataFrame of samples, when the samples are one. */
  get featureNames(): string[] | null {
    return this.array(this._form.samples)?.featureNames ?? null;
  }

  get form(): Readonly<IAnalysisForm> {
    return this._form;
  }

  get job(): IJobState | null {
    return this._job;
  }

  get result(): AnalysisResult | null {
    return this._result;
  }

  get resultKey(): string | null {
    return this._resultKey;
  }

  get error(): string | null {
    return this._error;
  }

  get kind(): InteractionKind {
    return this._kind;
  }

  set kind(value: InteractionKind) {
    if (value !== this._kind) {
      this._kind = value;
      this._changed.emit('kind');
    }
  }

  get reference(): Reference {
    return this._reference;
  }

  set reference(value: Reference) {
    if (value !== this._reference) {
      this._reference = value;
      this._changed.emit('reference');
    }
  }

  /** What the hand-over to the backend is doing, for the progress view. */
  get activity(): string {
    return this._activity;
  }

  setActivity(text: string): void {
    this._activity = text;
    this._changed.emit('activity');
  }

  /** The first analysed sample's values, for drawing the patch grid. */
  get preview(): Float32Array | null {
    return this._preview;
  }

  set preview(value: Float32Array | null) {
    this._preview = value;
    this._changed.emit('preview');
  }

  get inputKind(): InputKind | null {
    const shape = this.inputShape;
    return shape ? inputKind(shape, this.modelInfo?.inputDtype ?? null) : null;
  }

  /** Rows of the chosen samples array, or 0 before one is chosen. */
  get availableSamples(): number {
    const array = this.array(this._form.samples);
    return array?.shape[0] ?? 0;
  }

  /** Rows of the chosen training inputs, once chosen. */
  get availableTrainRows(): number | null {
    return this.array(this._form.trainInputs)?.shape[0] ?? null;
  }

  /** The backend's worker threads (its health answer), once known. */
  get computeThreads(): number | null {
    return this._computeThreads;
  }

  set computeThreads(value: number | null) {
    this._computeThreads = value;
    this._changed.emit('form');
  }

  get cost(): ICostEstimate {
    const layers = this._form.layers.length || this.modelInfo?.layers.length || 1;
    const draws = this._form.stability ? this._form.stabilityDraws : 0;
    return estimateCost(this._form.picked.length, this.effectiveSampleCount, layers, {
      draws,
      threads: this._computeThreads
    });
  }

  get effectiveSampleCount(): number {
    const available = this.availableSamples;
    const wanted = Math.max(1, this._form.sampleCount);
    return available > 0 ? Math.max(0, Math.min(wanted, available - this._form.sampleStart)) : 0;
  }

  /**
   * The picked items as variables (flat index groups with names), in index order: one name
   * per variable, the same on the picker, in the plots, hovers and CSV.
   */
  get variables(): IVariable[] {
    const named = (item: number, v: IVariable): IVariable => ({
      ...v,
      name: this._form.names[item] ?? v.name
    });
    const shape = this.inputShape ?? [];
    switch (this.inputKind) {
      case 'image': {
        const g = imageGeometry(shape, this._form.patchSize);
        return this._form.picked.map(k => named(k, patchVariable(g, k)));
      }
      case 'tabular':
        return this._form.picked.map(i =>
          named(i, featureVariable(i, this.featureNames ?? undefined))
        );
      case 'sequence':
        return this._form.picked.map(t => named(t, tokenVariable(t, sequenceWidth(shape))));
      default:
        return [];
    }
  }

  /** Names an item; an empty name gives it back its default. */
  renameItem(item: number, name: string): void {
    const names = { ...this._form.names };
    if (name.trim() === '') {
      delete names[item];
    } else {
      names[item] = name.trim();
    }
    this.updateForm({ names });
  }

  /** The AnalysisOptions the form describes (the schema's defaults fill in the rest). */
  analysisOptions(): AnalysisOptionsInput {
    const f = this._form;
    const variables = this.variables;
    return {
      variables: variables.map(v => v.indices),
      variableNames: variables.map(v => v.name),
      baseline:
        f.baseline === 'mask-token'
          ? { kind: 'mask-token', tokenId: f.maskTokenId }
          : { kind: f.baseline },
      layers: f.layers,
      solver: {
        kind: f.solver,
        kappaFactor: f.kappaFactor,
        kappaReference: this._settings.kappaReference,
        alternatives: this._settings.alternatives
      },
      salience: { tauFactor: f.tauFactor, mode: f.salienceMode },
      stability: { enabled: f.stability, draws: f.stabilityDraws, sigma: f.stabilitySigma },
      target: f.sampleLabels ? 'label' : 'predicted',
      maxVariables: this._settings.maxVariables,
      force: f.force
    };
  }

  array(name: string | null): ArrayInfo | undefined {
    return name === null ? undefined : this._inspection?.arrays.find(a => a.name === name);
  }

  /** Why the form cannot run yet, or null when it can. */
  get blocker(): string | null {
    const f = this._form;
    const info = this.modelInfo;
    if (info === null) {
      return 'Choose a model.';
    }
    if (!info.exportable) {
      return info.problem ?? `${info.name} cannot be exported for the analysis.`;
    }
    const shape = this.inputShape;
    if (shape === null) {
      return `${info.name} has no known input shape yet: run the cell that builds and trains it.`;
    }
    if (f.samples === null) {
      return 'Choose the array of samples to analyse.';
    }
    const samples = this.array(f.samples);
    if (samples && !sameShape(samples.shape.slice(1), shape)) {
      return `${f.samples} has samples of shape [${samples.shape.slice(1)}], the model takes [${shape}].`;
    }
    if (this.effectiveSampleCount < 1) {
      return `${f.samples} has no sample at index ${f.sampleStart}.`;
    }
    if (f.trainInputs === null || f.trainLabels === null) {
      return 'Choose the training inputs and labels: the probes of the hidden layers train on them.';
    }
    if (f.picked.length === 0) {
      return 'Pick at least one input variable.';
    }
    const names = this.variables.map(v => v.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) {
      return `Two variables are named "${twice}": give each its own name.`;
    }
    if (f.picked.length > this._settings.maxVariables && !f.force) {
      return `n = ${f.picked.length} needs 2^${f.picked.length} forward passes per sample; pick at most ${this._settings.maxVariables} variables or tick "Allow large n".`;
    }
    return null;
  }

  updateForm(patch: Partial<IAnalysisForm>): void {
    this._form = { ...this._form, ...patch };
    if (patch.patchSize !== undefined) {
      // another patch size numbers the patches anew: the old names would land elsewhere
      this._form.names = patch.names ?? {};
    }
    if (patch.picked) {
      this._form.picked = [...new Set(patch.picked)].sort((a, b) => a - b);
    }
    this._changed.emit('form');
  }

  togglePicked(index: number): void {
    const picked = new Set(this._form.picked);
    if (picked.has(index)) {
      picked.delete(index);
    } else {
      picked.add(index);
    }
    this.updateForm({ picked: [...picked] });
  }

  /**
   * The kernel's findings: the cell's first model (the kernel lists the cell's models first)
   * and its suggested arrays fill the form.
   */
  setInspection(inspection: Inspection): void {
    this._inspection = inspection;
    this._form = { ...this._form, model: null, picked: [], names: {} };
    this.chooseModel(inspection.models[0]?.name ?? null);
    this._changed.emit('inspection');
    this.setPhase('configuring');
  }

  chooseModel(name: string | null): void {
    const info = this._inspection?.models.find(m => m.name === name) ?? null;
    const s = info?.suggested;
    this._form = {
      ...this._form,
      model: info?.name ?? null,
      samples: s?.samples ?? null,
      sampleLabels: s?.sampleLabels ?? null,
      trainInputs: s?.trainInputs ?? null,
      trainLabels: s?.trainLabels ?? null,
      layers: info ? this.defaultLayers(info.name) : [],
      // another model's items are other inputs
      names: {}
    };
    this._changed.emit('modelInfo');
  }

  setPhase(phase: Phase, error: string | null = null): void {
    this._phase = phase;
    this._error = error;
    this._changed.emit('phase');
  }

  setJob(job: IJobState | null): void {
    this._job = job;
    this._changed.emit('job');
  }

  /**
   * `stored`: the result was not computed now but read from the backend's store (a reused
   * result, or the notebook's last one), which the panel must say.
   */
  setResult(result: AnalysisResult, key: string | null, stored: boolean): void {
    this._result = result;
    this._resultKey = key;
    this._resultStored = stored;
    this._comparison = null;
    this._changed.emit('result');
    this.setPhase('done');
  }
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

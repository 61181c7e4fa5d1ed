/**
 * Drives one analysis through its phases: ask the kernel what the cell defines, let the user
 * configure, hand the model and arrays to the backend, follow the job, show the result.
 */
import type { IDisposable } from '@lumino/disposable';
import type { CreateJobRequestInput, JobStatus, ModelRef } from '../protocol/api';
import type { AnalysisResult } from '../protocol/result';
import { BackendError, type BackendClient } from './backendClient';
import type { IKernelSession } from './kernelBridge';
import type { IExport, IKernelArray } from './kernelParts';
import { compareResults, matchLayers } from '../engine/comparison';
import type { AnalysisModel, IComparison } from './model/analysisModel';
import { imageGeometry, salientPatches } from './model/variables';
import type { IPanelActions } from './view/panel';

export interface IControllerHooks {
  /** A result is shown: remember it so it reopens with the notebook. */
  resultShown(key: string, jobId: string | null, result: AnalysisResult): void;
}

export class AnalysisController implements IPanelActions, IDisposable {
  private watch: IDisposable | null = null;
  private jobId: string | null = null;
  private disposed = false;

  constructor(
    private readonly model: AnalysisModel,
    private readonly kernel: () => IKernelSession | null,
    private readonly backend: BackendClient,
    private readonly hooks: IControllerHooks,
    /** The source of the cell to analyse, read when the analysis starts. */
    private readonly cellSource: () => string | null
  ) {}

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    this.disposed = true;
    this.watch?.dispose();
  }

  /** Asks the kernel for the model the cell defines and the arrays it could use. */
  async inspect(): Promise<void> {
    const m = this.model;
    m.setPhase('inspecting');
    try {
      const kernel = this.requireKernel();
      const source = this.cellSource();
      if (source === null) {
        throw new Error('The cell to analyse is gone from the notebook.');
      }
      // the time estimate divides the work by the backend's threads; without them it counts one
      this.backend
        .health()
        .then(health => (m.computeThreads = health.computeThreads))
        .catch(() => undefined);
      const inspection = await kernel.inspect(source);
      if (inspection.models.length === 0) {
        // the kernel plugin's warnings say why (the cell has not run, or defines no model)
        throw new Error(
          inspection.warnings.length > 0
            ? inspection.warnings.join(' ')
            : 'No model found in this cell or in the kernel: run the cell that defines the model first.'
        );
      }
      m.setInspection(inspection);
      await this.loadPreview();
      m.updateForm({ picked: this.defaultPicks() });
    } catch (error) {
      this.fail(error);
    }
  }

  previewSample(): void {
    void this.loadPreview().catch(() => (this.model.preview = null));
  }

  reconfigure(): void {
    if (this.model.inspection === null) {
      void this.inspect();
    } else {
      this.model.setPhase('configuring');
    }
  }

  async run(): Promise<void> {
    const m = this.model;
    if (m.modelInfo === null || m.blocker !== null) {
      return;
    }
    m.setPhase('uploading');
    try {
      const job = await this.submit(m.form.model as string, m.form.layers, text =>
        m.setActivity(text)
      );
      this.follow(job);
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Analyses another model of the kernel on the analysed samples, variables and options
   * (its own default layers), then compares the two results (method.md 6). The result shown
   * stays; the comparison is drawn beside it.
   */
  async compare(other: string): Promise<void> {
    const m = this.model;
    const first = m.result;
    if (first === null) {
      return;
    }
    const update = (state: IComparison['state'], message: string, extra = {}) =>
      m.setComparison({ other, state, message, result: null, rows: [], ...extra });
    update('running', 'Exporting the model and data from the kernel...');
    try {
      const job = await this.submit(other, m.defaultLayers(other), text => update('running', text));
      const status = await this.finished(job, progress => update('running', progress));
      const second = await this.backend.jobResult(status.id);
      if (second.layers.length !== first.layers.length) {
        update('pairs', 'The two models have different depths: pick the layers to compare.', {
          result: second
        });
        return;
      }
      const rows = compareResults(first, second, matchLayers(first, second));
      update('done', '', { result: second, rows });
    } catch (error) {
      update('failed', error instanceof Error ? error.message : String(error));
    }
  }

  /** Compares the two analysed models at the layer pairs the user picked. */
  comparePairs(pairs: [string, string][]): void {
    const m = this.model;
    const comparison = m.comparison;
    if (m.result === null || comparison?.result == null) {
      return;
    }
    try {
      const second = comparison.result;
      const rows = compareResults(m.result, second, matchLayers(m.result, second, pairs));
      m.setComparison({ ...comparison, state: 'done', message: '', rows });
    } catch (error) {
      m.setComparison({
        ...comparison,
        state: 'failed',
        message: error instanceof Error ? error.message : String(error)
      });
    }
  }

  /** Exports a model and the form's arrays from the kernel, uploads them, starts a job. */
  private async submit(
    modelName: string,
    layers: string[],
    activity: (text: string) => void
  ): Promise<JobStatus> {
    const m = this.model;
    const kernel = this.requireKernel();
    const f = m.form;
    const count = m.effectiveSampleCount;
    const rows = { start: f.sampleStart, count };
    activity('Exporting the model and data from the kernel...');
    const exported = await kernel.export(
      {
        model: modelName,
        arrays: {
          samples: { name: f.samples as string, ...rows },
          ...(f.sampleLabels ? { sampleLabels: { name: f.sampleLabels, ...rows } } : {}),
          trainInputs: { name: f.trainInputs as string },
          trainLabels: { name: f.trainLabels as string }
        },
        layers,
        maxTrainRows: f.trainRows
      },
      bytes => activity(`Receiving from the kernel: ${megabytes(bytes)}`)
    );
    const { samples, sampleLabels, trainInputs, trainLabels } = exported.arrays;
    if (!samples || !trainInputs || !trainLabels) {
      throw new Error('The kernel did not send all the arrays asked for.');
    }
    activity('Uploading to the Layerwise backend...');
    const upload = (a: IKernelArray) =>
      this.backend.uploadArray(a.dtype, a.shape, a.data).then(info => info.id);
    const request: CreateJobRequestInput = {
      name: `${modelName} (${m.notebookPath})`,
      model: await this.uploadModel(exported, modelName),
      samples: await upload(samples),
      sampleLabels: sampleLabels ? await upload(sampleLabels) : undefined,
      training: { inputs: await upload(trainInputs), labels: await upload(trainLabels) },
      options: { ...m.analysisOptions(), layers },
      useCache: f.useCache,
      ...(m.settings.queue ? { queue: m.settings.queue } : {})
    };
    return this.backend.createJob(request);
  }

  /** Waits for a job to end: its status when done, else an error with the reason. */
  private finished(job: JobStatus, progress: (text: string) => void): Promise<JobStatus> {
    return new Promise((resolve, reject) => {
      let watch: IDisposable | null = null;
      const onStatus = (status: JobStatus) => {
        if (status.state === 'done') {
          watch?.dispose();
          resolve(status);
        } else if (['failed', 'cancelled', 'interrupted'].includes(status.state)) {
          watch?.dispose();
          reject(new Error(status.error ?? `The analysis ended ${status.state}.`));
        } else if (status.progress) {
          progress(
            `${status.progress.stage}${status.progress.message ? `: ${status.progress.message}` : ''}`
          );
        }
      };
      if (['done', 'failed', 'cancelled', 'interrupted'].includes(job.state)) {
        onStatus(job);
        return;
      }
      watch = this.backend.watchJob(job.id, onStatus, reject);
    });
  }

  private async uploadModel(exported: IExport, source: string): Promise<ModelRef> {
    const { modelJson, weights, onnx } = exported;
    if (onnx) {
      const info = await this.backend.uploadOnnx(onnx);
      return { format: 'onnx', onnx: info.id, source };
    }
    if (!modelJson || !weights) {
      throw new Error('The kernel did not send the model.');
    }
    const modelInfo = await this.backend.uploadModelJson(modelJson);
    const weightsInfo = await this.backend.uploadWeights(weights);
    return { format: 'tfjs-layers', modelJson: modelInfo.id, weights: weightsInfo.id, source };
  }

  cancel(): void {
    if (this.jobId !== null) {
      this.backend.cancelJob(this.jobId).catch(error => this.fail(error));
    }
  }

  /** Shows a stored result (the notebook's last one) without running anything. */
  async restore(key: string): Promise<void> {
    this.model.setPhase('loading-result');
    try {
      const result = await this.backend.result(key);
      this.model.setResult(result, key, true);
    } catch (error) {
      if (error instanceof BackendError && error.status === 404) {
        this.model.setPhase(
          'failed',
          'The last analysis of this notebook is no longer in the backend store. ' +
            'Right-click the model cell and choose "Analyze layers" to run it again.'
        );
      } else if (error instanceof BackendError && error.code === 'bad-response') {
        // e.g. a result of an older schema, stored before an upgrade
        this.model.setPhase(
          'failed',
          'The last analysis of this notebook was stored by another version of Layerwise and ' +
            'cannot be shown. Right-click the model cell and choose "Analyze layers" to run it again.'
        );
      } else {
        this.fail(error);
      }
    }
  }

  private follow(job: JobStatus): void {
    this.jobId = job.id;
    this.model.setPhase('running');
    this.onStatus(job);
    this.watch?.dispose();
    if (!['done', 'failed', 'cancelled', 'interrupted'].includes(job.state)) {
      this.watch = this.backend.watchJob(
        job.id,
        status => this.onStatus(status),
        error => this.fail(error)
      );
    }
  }

  private onStatus(status: JobStatus): void {
    if (this.disposed) {
      return;
    }
    this.model.setJob({
      id: status.id,
      state: status.state,
      progress: status.progress,
      queuePosition: status.queuePosition
    });
    switch (status.state) {
      case 'done':
        void this.showResult(status);
        break;
      case 'failed':
        this.model.setPhase('failed', status.error ?? 'The analysis failed.');
        break;
      case 'interrupted':
        this.model.setPhase(
          'failed',
          'The Layerwise backend stopped before this analysis finished. Press Run analysis to run it again.'
        );
        break;
      case 'cancelled':
        this.model.setPhase('cancelled');
        break;
    }
  }

  private async showResult(status: JobStatus): Promise<void> {
    this.model.setPhase('loading-result');
    try {
      const result = await this.backend.jobResult(status.id);
      this.model.setResult(result, status.resultKey, status.cached);
      this.hooks.resultShown(status.resultKey, status.id, result);
    } catch (error) {
      this.fail(error);
    }
  }

  private async loadPreview(): Promise<void> {
    const m = this.model;
    if (m.form.samples === null || m.inputKind === 'tabular') {
      m.preview = null;
      return;
    }
    const kernel = this.requireKernel();
    const exported = await kernel.export({
      model: null,
      arrays: { samples: { name: m.form.samples, start: m.form.sampleStart, count: 1 } }
    });
    const sample = exported.arrays.samples;
    m.preview = sample ? toFloat32(sample) : null;
  }

  private defaultPicks(): number[] {
    const m = this.model;
    const shape = m.inputShape ?? [];
    const n = m.settings.variables;
    if (m.inputKind === 'image') {
      const g = imageGeometry(shape, m.form.patchSize);
      return m.preview
        ? salientPatches(m.preview, g, n)
        : Array.from({ length: Math.min(n, g.rows * g.cols) }, (_, i) => i);
    }
    return Array.from({ length: Math.min(n, shape[0] ?? 0) }, (_, i) => i);
  }

  private requireKernel(): IKernelSession {
    const kernel = this.kernel();
    if (kernel === null) {
      throw new Error('The notebook has no running kernel: run the notebook first.');
    }
    return kernel;
  }

  private fail(error: unknown): void {
    if (this.disposed) {
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.model.setPhase('failed', message);
  }
}

function megabytes(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

const VIEWS: Partial<Record<string, new (buffer: ArrayBuffer) => ArrayLike<number>>> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  bool: Uint8Array
};

/** A fetched array's values as float32, for drawing; 64-bit integers are not drawn. */
export function toFloat32(array: IKernelArray): Float32Array | null {
  const View = VIEWS[array.dtype];
  if (View === undefined) {
    return null;
  }
  const bytes = array.data;
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return Float32Array.from(new View(copy as ArrayBuffer));
}

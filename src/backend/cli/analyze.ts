/**
 * `layerwise analyze SPEC.json --out DIR`: loads the spec's model (a TF.js model.json on the
 * chosen tfjs backend, or an .onnx file on ONNX Runtime) and arrays, runs the engine, and
 * writes DIR/result.json and DIR/report.html. TF.js, ONNX Runtime and the engine load only
 * here (lazily), so the other commands start fast.
 */
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { AnalysisResult, resultWarnings } from '../../protocol/result';
import { AnalysisSpec, specOptions } from '../../protocol/spec';
import type { AnalysisProgress } from '../../engine/analyze';
import type { OpenedModel } from '../modelRunners';
import { readInputFile } from '../inputFiles';
import { readNpy, toFloat32, toIntegers, type NpyArray } from '../npy';
import { stageEta } from '../progressEta';
import { optionalNumber, parseCommandLine, requiredString, type Parsed } from './args';
import type { Command } from './command';
import { invalidFile, UserError } from './errors';
import { analysisCost, guardVariables } from './limits';
import { writeAtomic } from './output';
import { parseRedisUrl } from '../queue/redisUrl';

export interface AnalysisRun {
  specPath: string;
  out: string;
  /** tfjs backend preference: auto (default; LAYERWISE_BACKEND applies), or one backend. */
  backend?: string;
  force: boolean;
  /** Overrides the spec's maxSamples. */
  samples?: number;
  /** redis://host:port: the solves go to `layerwise worker`s through this Redis. */
  queue?: string;
}

export const BACKEND_HELP =
  '--backend NAME          tfjs backend: auto (default; or LAYERWISE_BACKEND), tensorflow-gpu,\n' +
  '                        tensorflow, wasm, cpu (a named one falls back to the slower ones)';

export const QUEUE_HELP =
  '--queue URL             send the solves to `layerwise worker`s through Redis at URL\n' +
  '                        (redis://[user:pass@]host:port; docs/scale-out.md)';

const usage = `usage: layerwise analyze SPEC.json --out DIR [options]

Runs the layer-wise AND-OR analysis that SPEC.json describes (paths in it are relative to
it) and writes DIR/result.json and DIR/report.html. The spec's model is a TF.js model.json
or an .onnx file exported by the kernel plugin (run on ONNX Runtime; the probes still train
on the tfjs backend).

options:
  --out DIR               output folder (required)
  ${BACKEND_HELP.replace(/\n/g, '\n  ')}
  --samples K             analyse only the first K samples
  --force                 allow more variables than the limit (default 16)
  ${QUEUE_HELP.replace(/\n/g, '\n  ')}`;

export const analysisOptions = {
  out: { type: 'string' },
  queue: { type: 'string' },
  backend: { type: 'string' },
  samples: { type: 'string' },
  force: { type: 'boolean', default: false }
} as const;

/** A --queue URL, checked before the model loads. */
function checkedQueue(url: string): string {
  parseRedisUrl(url);
  return url;
}

export function analysisRunOf(parsed: Parsed, specPath: string, commandUsage: string): AnalysisRun {
  return {
    specPath,
    out: requiredString(parsed, 'out', commandUsage),
    backend: typeof parsed.values.backend === 'string' ? parsed.values.backend : undefined,
    force: parsed.values.force === true,
    queue: typeof parsed.values.queue === 'string' ? checkedQueue(parsed.values.queue) : undefined,
    samples: optionalNumber(
      parsed,
      'samples',
      v => Number.isInteger(v) && v > 0,
      'a positive integer'
    )
  };
}

export function toolVersion(): string {
  try {
    const text = readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8');
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function readSpec(path: string): Promise<AnalysisSpec> {
  const text = (await readInputFile(path)).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = AnalysisSpec.safeParse(json);
  if (!parsed.success) {
    throw invalidFile(`the spec ${path}`, parsed.error);
  }
  return parsed.data;
}

function checkFiniteInputs(data: Float32Array, rowSize: number, path: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new UserError(
        `${path}: sample ${Math.floor(i / rowSize)} holds ${data[i]}; inputs must be finite`
      );
    }
  }
}

/** The first `count` rows of an array's values as float32, with the size of one row. */
function rows(
  array: NpyArray,
  count: number,
  path: string
): { data: Float32Array; rowSize: number } {
  if (array.shape.length < 1 || array.shape[0] === 0) {
    throw new UserError(
      `${path}: expected [samples, ...input shape], got shape (${array.shape.join(', ')})`
    );
  }
  const rowSize = array.shape.slice(1).reduce((a, b) => a * b, 1);
  const data = toFloat32(array).subarray(0, count * rowSize);
  checkFiniteInputs(data, rowSize, path);
  return { data, rowSize };
}

function labelsOf(array: NpyArray, count: number, path: string): Int32Array {
  if (array.shape.length !== 1) {
    throw new UserError(
      `${path}: expected a 1-D vector of class labels, got shape (${array.shape.join(', ')})`
    );
  }
  return toIntegers(array, path).subarray(0, count);
}

/**
 * Progress lines on stderr: at each new stage and every 10% within one, with the time left
 * at the pace measured within the stage (`nowMs`: a monotonic clock in milliseconds).
 */
export function progressPrinter(
  write: (line: string) => void = line => console.error(line),
  nowMs: () => number = () => performance.now()
): (progress: AnalysisProgress) => void {
  const eta = stageEta();
  let stage = '';
  let printed = -1;
  return progress => {
    const secondsLeft = eta(progress, nowMs());
    const { done, total } = progress;
    if (progress.stage !== stage) {
      stage = progress.stage;
      printed = -1;
    }
    const fraction = total > 0 ? done / total : 1;
    const step = Math.floor(fraction * 10);
    if (step === printed) {
      return;
    }
    printed = step;
    const left =
      secondsLeft !== null && fraction < 1 ? `, about ${Math.ceil(secondsLeft)} s left` : '';
    write(`[${stage}] ${(fraction * 100).toFixed(0).padStart(3)}% (${done}/${total})${left}`);
  };
}

function summary(result: AnalysisResult): string {
  const lines = result.layers.map((layer, l) => {
    const mean = (pick: (s: AnalysisResult['perSample'][number][number]) => number) =>
      result.perSample.reduce((sum, sample) => sum + pick(sample[l]), 0) / result.perSample.length;
    const onSamples =
      layer.probe?.sampleAccuracy != null
        ? `, on the analysed samples ${layer.probe.sampleAccuracy.toFixed(3)} (n = ${layer.probe.sampleCount})`
        : '';
    const probe = layer.probe
      ? `probe held-out accuracy ${layer.probe.heldOutAccuracy.toFixed(3)}${onSamples}`
      : 'network output';
    return `  ${layer.label}: ${mean(s => s.and.length).toFixed(1)} AND + ${mean(s => s.or.length).toFixed(1)} OR salient per sample; ${probe}`;
  });
  return lines.join('\n');
}

/** The model as a runner, by its extension: `.onnx` on ONNX Runtime, else TF.js model.json. */
async function openModel(path: string, tfjsBackend: string): Promise<OpenedModel> {
  const { openRunner } = await import('../modelRunners');
  let opened: OpenedModel;
  if (extname(path).toLowerCase() === '.onnx') {
    opened = await openRunner(
      { format: 'onnx', onnx: await readInputFile(path) },
      path,
      tfjsBackend
    );
  } else {
    const { readModelArtifacts } = await import('../modelLoader');
    const { modelJson, weights } = await readModelArtifacts(path);
    opened = await openRunner({ format: 'tfjs-layers', modelJson, weights }, path, tfjsBackend);
  }
  console.error(`model: ${opened.runner.runner} on ${opened.runner.backend}`);
  for (const warning of opened.runner.warnings) {
    console.error(`warning: ${warning}`);
  }
  return opened;
}

/**
 * The queue the solves go to, and Ctrl-C as a cancel that takes this run's tasks off it (and
 * off the workers solving them) before the process ends.
 */
async function openQueue(url: string): Promise<{
  solver: import('../queue/queueSolver').QueueSolver;
  signal: AbortSignal;
  close(): Promise<void>;
}> {
  const { QueueSolver } = await import('../queue/queueSolver');
  const solver = await QueueSolver.open({
    url,
    version: toolVersion(),
    log: line => console.error(line)
  });
  const controller = new AbortController();
  let cancelling: Promise<void> = Promise.resolve();
  const interrupt = () => {
    console.error("cancelling: taking this run's tasks off the queue");
    controller.abort();
    cancelling = solver.cancel();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  return {
    solver,
    signal: controller.signal,
    close: async () => {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      await cancelling.catch(() => undefined);
      await solver.close();
    }
  };
}

export async function runAnalysis(run: AnalysisRun): Promise<AnalysisResult> {
  const specPath = resolve(run.specPath);
  const spec = await readSpec(specPath);
  const base = dirname(specPath);
  const fileOf = (path: string) => resolve(base, path);
  // Paths in messages and in the result: relative to the working folder when inside it.
  const shown = (path: string) => {
    const inside = relative(process.cwd(), fileOf(path));
    return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : fileOf(path);
  };

  let options;
  try {
    options = specOptions(spec);
  } catch (error) {
    if (error instanceof z.ZodError) {
      throw invalidFile(`the spec ${specPath}`, error);
    }
    throw error;
  }
  options.force = options.force || run.force;

  const samplesArray = await readNpy(fileOf(spec.samples));
  const available = samplesArray.shape[0] ?? 0;
  const wanted = run.samples ?? spec.maxSamples ?? available;
  const count = Math.min(wanted, available);
  const n = options.variables.length;
  guardVariables(n, options.force, analysisCost(n, count), options.maxVariables);

  const samples = rows(samplesArray, count, shown(spec.samples));
  const labels = spec.sampleLabels
    ? labelsOf(await readNpy(fileOf(spec.sampleLabels)), count, shown(spec.sampleLabels))
    : null;
  let training = null;
  if (spec.training) {
    const inputs = await readNpy(fileOf(spec.training.inputs));
    const trainingRows = rows(inputs, inputs.shape[0] ?? 0, shown(spec.training.inputs));
    const trainingLabels = labelsOf(
      await readNpy(fileOf(spec.training.labels)),
      inputs.shape[0] ?? 0,
      shown(spec.training.labels)
    );
    training = { data: trainingRows.data, count: inputs.shape[0], labels: trainingLabels };
  }

  const { selectBackend } = await import('../tfjsBackend');
  const selected = await selectBackend(run.backend, { onNote: line => console.error(line) });
  console.error(`backend: ${selected.backend} (tfjs ${selected.tfjsName})`);
  const { runner, close } = await openModel(fileOf(spec.model), selected.tfjsName);
  const { analyze } = await import('../../engine/analyze');
  // The solves dominate the run: one thread per core (src/backend/computePool.ts), which
  // train the probes too.
  const { ComputePool } = await import('../computePool');
  const pool = new ComputePool();
  const queued = run.queue ? await openQueue(run.queue) : null;
  let result: AnalysisResult;
  try {
    console.error(
      `analysing ${count} sample(s), n = ${n} variables, solver ${options.solver.kind}` +
        (queued ? `, solves on the workers of ${run.queue}` : '')
    );
    result = await analyze(
      {
        runner,
        samples: { data: samples.data, count },
        labels,
        training,
        options,
        source: shown(spec.model),
        toolVersion: toolVersion(),
        sampleIndices: Array.from({ length: count }, (_, i) => i),
        signal: queued?.signal,
        solveBatch:
          options.solver.kind === 'none' ? null : (queued?.solver.solveBatch ?? pool.solveBatch),
        trainProbe: pool.trainProbe
      },
      progressPrinter()
    );
  } finally {
    close();
    await pool.close();
    await queued?.close();
  }
  const checked = AnalysisResult.parse(result);

  const { renderReport } = await import('../report');
  const resultPath = join(run.out, 'result.json');
  const reportPath = join(run.out, 'report.html');
  await writeAtomic(resultPath, JSON.stringify(checked) + '\n');
  await writeAtomic(reportPath, renderReport(checked));
  console.error(summary(checked));
  for (const warning of resultWarnings(checked)) {
    console.error(`warning: ${warning}`);
  }
  console.error(`done in ${checked.runtime.seconds.toFixed(1)} s on ${checked.runtime.backend}`);
  console.log(resultPath);
  console.log(reportPath);
  return checked;
}

async function run(args: string[]): Promise<void> {
  const parsed = parseCommandLine(args, analysisOptions, usage, 1);
  await runAnalysis(analysisRunOf(parsed, parsed.positionals[0], usage));
}

export const analyzeCommand: Command = {
  summary: 'layer-wise AND-OR analysis of a model described by SPEC.json',
  usage,
  run
};

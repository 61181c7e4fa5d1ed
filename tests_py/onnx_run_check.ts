/**
 * The ONNX Runtime runner (src/backend/onnxRunner.ts) on models exported by the kernel plugin,
 * for the Python tests of the PyTorch export (tests_py/test_torch_onnx.py).
 *
 *   npx tsx tests_py/onnx_run_check.ts run MODEL.onnx INPUT.npy OUTDIR
 *     Runs INPUT through every layer; writes OUTDIR/layer<i>.npy ([batch, ...outputShape], in
 *     runner.layers order; the output layer's file holds the logits).
 *   npx tsx tests_py/onnx_run_check.ts analyze MODEL.onnx JOB.json OUT.json
 *     Runs the engine's analyze with the runner: JOB.json holds `samples`, `trainInputs`,
 *     `trainLabels` (.npy paths) and `options` (AnalysisOptions input); the result, checked
 *     with AnalysisResult.parse, goes to OUT.json.
 *
 * Prints one JSON line: what the runner reports, or {"error": message} with exit code 1.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readNpy, toFloat32, toIntegers, writeNpy } from '../src/backend/npy';
import { loadOnnxRunner, type OnnxRunner } from '../src/backend/onnxRunner';
import { analyze } from '../src/engine/analyze';
import { AnalysisOptions } from '../src/protocol/options';
import { AnalysisResult } from '../src/protocol/result';

function describe(runner: OnnxRunner) {
  return {
    runner: runner.runner,
    backend: runner.backend,
    inputShape: runner.inputShape,
    inputDtype: runner.inputDtype,
    classes: runner.classes,
    layers: runner.layers,
    warnings: runner.warnings
  };
}

async function runLayers(model: string, inputPath: string, outDir: string): Promise<object> {
  const runner = await loadOnnxRunner(model);
  try {
    const input = await readNpy(inputPath);
    const batch = input.shape[0];
    const probed = runner.layers.slice(0, -1);
    const started = performance.now();
    const out = await runner.run(
      toFloat32(input),
      batch,
      probed.map(l => l.name)
    );
    const seconds = (performance.now() - started) / 1000;
    const arrays = [...out.features, out.logits];
    for (const [i, layer] of runner.layers.entries()) {
      const shape = [batch, ...layer.outputShape];
      await writeNpy(join(outDir, `layer${i}.npy`), { shape, data: arrays[i] });
    }
    return { ...describe(runner), seconds };
  } finally {
    runner.dispose();
  }
}

async function runAnalysis(model: string, jobPath: string, outPath: string): Promise<object> {
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as {
    samples: string;
    trainInputs: string;
    trainLabels: string;
    options: unknown;
  };
  await tf.setBackend('cpu');
  const runner = await loadOnnxRunner(model);
  try {
    const samples = await readNpy(job.samples);
    const inputs = await readNpy(job.trainInputs);
    const labels = toIntegers(await readNpy(job.trainLabels), job.trainLabels);
    const result = await analyze({
      runner,
      samples: { data: toFloat32(samples), count: samples.shape[0] },
      training: { data: toFloat32(inputs), count: inputs.shape[0], labels },
      options: AnalysisOptions.parse(job.options),
      source: model,
      toolVersion: 'test'
    });
    const checked = AnalysisResult.parse(JSON.parse(JSON.stringify(result)));
    writeFileSync(outPath, JSON.stringify(checked));
    return describe(runner);
  } finally {
    runner.dispose();
  }
}

async function main(): Promise<void> {
  const [command, ...args] = process.argv.slice(2);
  try {
    const report =
      command === 'run'
        ? await runLayers(args[0], args[1], args[2])
        : command === 'analyze'
          ? await runAnalysis(args[0], args[1], args[2])
          : null;
    if (report === null) {
      throw new Error(`unknown command '${command}' (run, analyze)`);
    }
    console.log(JSON.stringify(report));
  } catch (error) {
    console.log(JSON.stringify({ error: (error as Error).message }));
    process.exitCode = 1;
  }
}

void main();

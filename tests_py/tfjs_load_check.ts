/**
 * Loads an exported TF.js layers model in plain TF.js (CPU backend) and runs it on given
 * inputs, for the Python tests of the kernel plugin's export.
 *
 *   npx tsx tests_py/tfjs_load_check.ts DIR [DIR...]
 *
 * Each DIR holds model.json, weights.bin (all weights, in manifest order), input.bin (raw
 * little-endian values) and input.json ({"shape": [...], "dtype": "float32" | "int32"}).
 * Prints one JSON line per DIR: the model's layer names and classes, its weights' names, the
 * output shape and values, or the error. Loading is strict: a weight missing or left over is
 * an error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

interface InputSpec {
  shape: number[];
  dtype: 'float32' | 'int32';
}

function exactBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

async function check(dir: string): Promise<object> {
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const weightSpecs = modelJson.weightsManifest.flatMap(group => group.weights);
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs,
      weightData: exactBuffer(readFileSync(join(dir, 'weights.bin')))
    }),
    { strict: true }
  );
  const spec = JSON.parse(readFileSync(join(dir, 'input.json'), 'utf8')) as InputSpec;
  const raw = exactBuffer(readFileSync(join(dir, 'input.bin')));
  const values = spec.dtype === 'int32' ? new Int32Array(raw) : new Float32Array(raw);
  const input = tf.tensor(values, spec.shape, spec.dtype);
  const output = model.predict(input) as tf.Tensor;
  return {
    layers: model.layers.map(layer => ({ name: layer.name, className: layer.getClassName() })),
    weightNames: model.weights.map(weight => weight.originalName),
    shape: output.shape,
    values: Array.from(await output.data())
  };
}

async function main(dirs: string[]): Promise<void> {
  await tf.setBackend('cpu');
  for (const dir of dirs) {
    const line = await check(dir).catch((error: unknown) => ({
      error: error instanceof Error ? error.message : String(error)
    }));
    console.log(JSON.stringify({ dir, ...line }));
  }
}

void main(process.argv.slice(2));

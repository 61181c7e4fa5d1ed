/**
 * TF.js layers models on disk (model.json + weight shards) or in memory (the uploaded bytes),
 * loaded through tf.io.fromMemory so no file:// handler (tfjs-node) is needed. Every way a
 * model can be unusable ends in an AnalysisInputError naming the file and the reason.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { AnalysisInputError } from '../engine/errors';
import { WeightsManifest } from '../protocol/api';
import { readInputFile } from './inputFiles';

export interface LoadedModel {
  model: tf.LayersModel;
  /** Where it came from, for the result's `model.source`. */
  source: string;
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8
};

function parseModelJson(text: string, name: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AnalysisInputError(`${name}: not valid JSON (${(error as Error).message})`);
  }
  const candidate = json as Partial<tf.io.ModelJSON> | null;
  if (typeof candidate !== 'object' || candidate === null || !candidate.modelTopology) {
    throw new AnalysisInputError(
      `${name}: not a TF.js layers model.json (no modelTopology); export the model with tensorflowjs or tf.LayersModel.save`
    );
  }
  if (!Array.isArray(candidate.weightsManifest)) {
    throw new AnalysisInputError(`${name}: the model.json has no weightsManifest`);
  }
  const manifest = WeightsManifest.safeParse(candidate.weightsManifest);
  if (!manifest.success) {
    const issue = manifest.error.issues[0];
    throw new AnalysisInputError(
      `${name}: the weightsManifest is malformed (${['weightsManifest', ...issue.path.map(String)].join('.')}: ${issue.message})`
    );
  }
  return candidate as tf.io.ModelJSON;
}

function weightSpecs(json: tf.io.ModelJSON): tf.io.WeightsManifestEntry[] {
  return json.weightsManifest.flatMap(group => group.weights);
}

/** Bytes the manifest expects, or null when quantised weights make it hard to say. */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (spec.quantization || bytes === undefined) {
      return null;
    }
    total += spec.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

/**
 * A model from model.json's text and its weight bytes (all shards concatenated in manifest
 * order). `name` prefixes every error message.
 */
export async function modelFromArtifacts(
  modelJsonText: string,
  weights: Uint8Array,
  name: string
): Promise<tf.LayersModel> {
  const json = parseModelJson(modelJsonText, name);
  const specs = weightSpecs(json);
  const expected = expectedWeightBytes(specs);
  if (expected !== null && expected !== weights.byteLength) {
    throw new AnalysisInputError(
      `${name}: the weights hold ${weights.byteLength} bytes, the manifest describes ${expected}`
    );
  }
  // An ArrayBuffer of exactly the weights: a Buffer's .buffer may be node's shared pool.
  const weightData = new Uint8Array(weights).buffer;
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: specs,
        weightData,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy
      })
    );
  } catch (error) {
    throw new AnalysisInputError(
      `${name}: TF.js cannot load this model (${(error as Error).message})`
    );
  }
}

/**
 * model.json's text and the weight files its manifest names (paths relative to it), as
 * modelFromArtifacts takes them.
 */
export async function readModelArtifacts(
  modelJsonPath: string
): Promise<{ modelJson: string; weights: Buffer; path: string }> {
  const path = resolve(modelJsonPath);
  const modelJson = (await readInputFile(path, 'model')).toString('utf8');
  const json = parseModelJson(modelJson, path);
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) {
      shards.push(await readInputFile(join(dirname(path), shard), 'weights file'));
    }
  }
  return { modelJson, weights: Buffer.concat(shards), path };
}

/** Loads model.json and its weight files. */
export async function loadModelFromDisk(modelJsonPath: string): Promise<LoadedModel> {
  const { modelJson, weights, path } = await readModelArtifacts(modelJsonPath);
  const model = await modelFromArtifacts(modelJson, weights, path);
  return { model, source: modelJsonPath };
}

function joinWeightData(data: tf.io.WeightData | undefined): Uint8Array {
  if (data === undefined) {
    return new Uint8Array(0);
  }
  const parts = Array.isArray(data) ? data : [data];
  return Buffer.concat(parts.map(part => new Uint8Array(part)));
}

/** Saves a model as DIR/model.json + DIR/weights.bin (what loadModelFromDisk reads). */
export async function saveModelToDir(model: tf.LayersModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async artifacts => {
      const weights = joinWeightData(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }]
      };
      for (const [file, bytes] of [
        ['weights.bin', weights],
        ['model.json', JSON.stringify(modelJson)]
      ] as const) {
        const temporary = join(dir, `${file}.${process.pid}.tmp`);
        await writeFile(temporary, bytes);
        await rename(temporary, join(dir, file));
      }
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength
        }
      };
    })
  );
}

/**
 * The content key of a result: a hash of everything that decides its numbers (model bytes,
 * data bytes via their content ids, the options with defaults filled in, the tool version and
 * the result's schema),
 * so the same analysis maps to the same stored result across jobs and restarts.
 */
import { createHash } from 'node:crypto';
import type { CreateJobRequest } from '../../protocol/api';
import { SCHEMA_VERSION } from '../../protocol/result';
import { canonicalJson } from '../canonicalJson';

export function resultKey(
  request: CreateJobRequest,
  toolVersion: string,
  schemaVersion: number = SCHEMA_VERSION
): string {
  const identity = {
    tool: toolVersion,
    // A stored result of another schema cannot be served: the same analysis is run again.
    schema: schemaVersion,
    // Spelled out per format so that the keys of TF.js models stay what they were.
    model:
      request.model.format === 'onnx'
        ? { format: 'onnx', onnx: request.model.onnx }
        : {
            format: request.model.format,
            modelJson: request.model.modelJson,
            weights: request.model.weights
          },
    samples: request.samples,
    sampleLabels: request.sampleLabels ?? null,
    training: request.training ?? null,
    options: request.options
  };
  return createHash('sha256').update(canonicalJson(identity)).digest('hex');
}

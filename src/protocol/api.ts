/**
 * The backend's HTTP + WebSocket API: every request and response body and every progress
 * event, as zod schemas (validated on both sides) and their TypeScript types.
 *
 * Routes (paths are relative to the backend's root; through Jupyter that root is
 * `${baseUrl}layerwise/`, standalone it is `http://127.0.0.1:PORT/`):
 *
 *   GET    api/health                       -> Health
 *   POST   api/uploads/model-json           body: model.json bytes            -> UploadInfo
 *   POST   api/uploads/weights              body: weights bytes (all shards,
 *                                            concatenated in manifest order)   -> UploadInfo
 *   POST   api/uploads/onnx                 body: .onnx bytes (one file, as the kernel
 *                                            plugin exports a PyTorch model)   -> UploadInfo
 *   POST   api/uploads/array?dtype=D&shape=S  body: raw little-endian bytes    -> UploadInfo
 *   GET    api/uploads/:id                  -> UploadInfo   (HEAD: 200/404, to skip re-uploads)
 *   DELETE api/uploads/:id                  -> 204
 *   POST   api/jobs                         body: CreateJobRequest            -> JobStatus (201)
 *   GET    api/jobs                         -> JobList (newest first)
 *   GET    api/jobs/:id                     -> JobStatus (polling)
 *   POST   api/jobs/:id/cancel              -> JobStatus
 *   POST   api/jobs/:id/resubmit            -> JobStatus (201): a new job with the request of
 *                                            an 'interrupted' one (the backend stopped
 *                                            while it was queued or running)
 *   GET    api/jobs/:id/result              -> AnalysisResult (409 until the job is done)
 *   GET    api/results/:key                 -> AnalysisResult by its content key
 *   WS     api/events[?job=ID]              server -> client: JobEvent messages (JSON text)
 *
 * POST api/jobs answers at once with state 'done' and cached: true when the store already holds
 * the result of the same model, data and options; the uploads are then not needed (a client may
 * try its content ids first and upload only on a 400 with code 'unknown-upload').
 *
 * Uploads are binary bodies (Content-Type application/octet-stream, or application/json for
 * model.json), never JSON number lists. An upload's id is the hex sha256 of a one-line header
 * and the bytes: "model-json\n" + bytes, "weights\n" + bytes, "onnx\n" + bytes, or for arrays
 * "array:DTYPE:D0,D1,...\n" + bytes; the same bytes uploaded twice give the same id.
 * Model uploads are checked on arrival (model.json: JSON with a modelTopology; onnx: a
 * protobuf message), a bad one answers 400 'bad-model'; whether the model can run shows when
 * its job loads it (state 'failed' with the reason).
 *
 * A job's model is a ModelRef: { format: 'tfjs-layers' (the default), modelJson, weights } or
 * { format: 'onnx', onnx } (ids of the uploads above), each with an optional `source` name.
 *
 * Every request needs the token: header `X-Layerwise-Token: T` (what the Jupyter proxy
 * adds), or `Authorization: Bearer T`; `?token=T` only on the WebSocket (a browser cannot set
 * its headers). Wrong tokens are answered more slowly each time, then with 429.
 * Every POST and DELETE also needs the header `X-Layerwise-Request: 1`, and a request that
 * carries an Origin (browsers) must come from the origin it is sent to (403 otherwise): behind
 * Jupyter the proxy adds the token to every request that carries the user's cookie, including
 * one a page of another site sends.
 * Uploads are streamed to disk: one larger than the upload limit, or one that would take the
 * uploads in flight past theirs, answers 413; a body that stalls is cut (408).
 * Errors: 4xx/5xx with an ErrorBody; never a stack trace.
 */
import { z } from 'zod';
import { AnalysisOptions } from './options';
import { AnalysisResult } from './result';

export const API_VERSION = 1;
export const TOKEN_HEADER = 'x-layerwise-token';
/** Required with value '1' on every state-changing request (see above). */
export const REQUEST_HEADER = 'x-layerwise-request';
/** The path under the Jupyter server's base URL where jupyter-server-proxy mounts the backend. */
export const PROXY_PATH = 'layerwise/';

/** Route builders, relative to the backend root (join them to the root URL). */
export const apiRoutes = {
  health: () => 'api/health',
  uploadModelJson: () => 'api/uploads/model-json',
  uploadWeights: () => 'api/uploads/weights',
  uploadOnnx: () => 'api/uploads/onnx',
  uploadArray: (dtype: ArrayDType, shape: readonly number[]) =>
    `api/uploads/array?dtype=${dtype}&shape=${shape.join(',')}`,
  upload: (id: string) => `api/uploads/${encodeURIComponent(id)}`,
  jobs: () => 'api/jobs',
  job: (id: string) => `api/jobs/${encodeURIComponent(id)}`,
  cancelJob: (id: string) => `api/jobs/${encodeURIComponent(id)}/cancel`,
  resubmitJob: (id: string) => `api/jobs/${encodeURIComponent(id)}/resubmit`,
  jobResult: (id: string) => `api/jobs/${encodeURIComponent(id)}/result`,
  result: (key: string) => `api/results/${encodeURIComponent(key)}`,
  events: (jobId?: string) =>
    jobId === undefined ? 'api/events' : `api/events?job=${encodeURIComponent(jobId)}`
} as const;

/** Element types of uploaded arrays (numpy's names); bytes are little-endian, row-major. */
export const ArrayDType = z.enum([
  'float32',
  'float64',
  'int8',
  'uint8',
  'int16',
  'uint16',
  'int32',
  'uint32',
  'int64',
  'uint64',
  'bool'
]);
export type ArrayDType = z.infer<typeof ArrayDType>;

export const DTYPE_BYTES: Record<ArrayDType, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  bool: 1
};

/** Lower-case hex sha256. */
export const ContentId = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-digit hex id');
export type ContentId = z.infer<typeof ContentId>;

export const UploadKind = z.enum(['model-json', 'weights', 'onnx', 'array']);
export type UploadKind = z.infer<typeof UploadKind>;

/** Query of `POST api/uploads/array`: shape is comma-separated ("" or absent = a scalar). */
export const ArrayUploadQuery = z.object({
  dtype: ArrayDType,
  shape: z
    .string()
    .default('')
    .transform((s, ctx) => {
      if (s.trim() === '') {
        return [] as number[];
      }
      const dims = s.split(',').map(d => Number(d.trim()));
      if (dims.some(d => !Number.isSafeInteger(d) || d < 0)) {
        ctx.addIssue({
          code: 'custom',
          message: `shape must be comma-separated non-negative integers, got "${s}"`
        });
        return z.NEVER;
      }
      return dims;
    })
});
export type ArrayUploadQuery = z.infer<typeof ArrayUploadQuery>;

export const UploadInfo = z.object({
  id: ContentId,
  kind: UploadKind,
  bytes: z.number().int().nonnegative(),
  /** Arrays only. */
  dtype: ArrayDType.nullable(),
  shape: z.array(z.number().int().nonnegative()).nullable(),
  createdAt: z.string()
});
export type UploadInfo = z.infer<typeof UploadInfo>;

/**
 * The weightsManifest of a TF.js model.json: groups of weight specs whose bytes, in this
 * order, make up the weights upload. Checked when model.json is uploaded, so a malformed
 * manifest is a 400 naming the entry rather than a failed job.
 */
export const WeightsManifest = z.array(
  z
    .object({
      paths: z.array(z.string()),
      weights: z.array(
        z
          .object({
            name: z.string().min(1),
            shape: z.array(z.number().int().nonnegative()),
            dtype: z.enum(['float32', 'int32', 'bool', 'complex64']),
            quantization: z
              .object({ dtype: z.enum(['uint8', 'uint16', 'float16']) })
              .loose()
              .optional()
          })
          .loose()
      )
    })
    .loose()
);
export type WeightsManifest = z.infer<typeof WeightsManifest>;

const WEIGHT_BYTES = {
  float32: 4,
  int32: 4,
  bool: 1,
  complex64: 8,
  uint8: 1,
  uint16: 2,
  float16: 2
};

/** The bytes a weights upload must have for this manifest. */
export function manifestBytes(manifest: WeightsManifest): number {
  let total = 0;
  for (const group of manifest) {
    for (const spec of group.weights) {
      const elements = spec.shape.reduce((a, b) => a * b, 1);
      total += elements * WEIGHT_BYTES[spec.quantization?.dtype ?? spec.dtype];
    }
  }
  return total;
}

/** Shown in the result (`model.source`), e.g. the notebook variable's name. */
const ModelSource = z.string().max(500).optional();

/** A TF.js layers model: model.json (topology + weightsManifest) and its weight bytes. */
export const TfjsModelRef = z.object({
  /** Optional: clients from before ONNX models send no format. */
  format: z.literal('tfjs-layers').optional(),
  modelJson: ContentId,
  weights: ContentId,
  source: ModelSource
});

/** An ONNX model in one file, e.g. a PyTorch model exported by the kernel plugin. */
export const OnnxModelRef = z.object({
  format: z.literal('onnx'),
  onnx: ContentId,
  source: ModelSource
});

export const ModelRef = z
  .discriminatedUnion('format', [TfjsModelRef, OnnxModelRef], {
    error: issue =>
      issue.code === 'invalid_union'
        ? "format must be 'tfjs-layers' (the default) or 'onnx'"
        : undefined
  })
  .transform(model =>
    model.format === 'onnx' ? model : { ...model, format: 'tfjs-layers' as const }
  );
export type ModelRef = z.infer<typeof ModelRef>;
export type ModelRefInput = z.input<typeof ModelRef>;

export const CreateJobRequest = z.object({
  /** Shown in job lists. */
  name: z.string().max(200).optional(),
  model: ModelRef,
  /** Array upload, shape [samples, ...inputShape]. */
  samples: ContentId,
  /** Array upload, shape [samples]: integer class labels. */
  sampleLabels: ContentId.optional(),
  /** Training data for the probes and the mean baseline. */
  training: z
    .object({
      inputs: ContentId,
      labels: ContentId
    })
    .optional(),
  options: AnalysisOptions,
  /** false: run again even if the store holds a result for the same model, data and options. */
  useCache: z.boolean().default(true),
  /**
   * redis://[user:pass@]host:port (or rediss://): the solves go to \`layerwise worker\`s through
   * this Redis (docs/scale-out.md); absent: the backend's own --queue, if any. Does not
   * change the result, so not part of its key.
   */
  queue: z
    .string()
    .max(2048)
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .optional()
});
export type CreateJobRequest = z.infer<typeof CreateJobRequest>;
export type CreateJobRequestInput = z.input<typeof CreateJobRequest>;

/** interrupted: the backend stopped (or crashed) while the job was queued or running. */
export const JobState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof JobState>;

export const Progress = z.object({
  /**
   * What runs now: starting, loading (model and data), features (training features), probes,
   * passes (masked forward passes, with solves alongside), solves (the solves left after the
   * last pass), metrics, cancelling, done.
   */
  stage: z.string(),
  /** Fraction of the whole job done, 0..1. */
  fraction: z.number().min(0).max(1),
  /** Estimated seconds left; null until there is enough to estimate from. */
  etaSeconds: z.number().nonnegative().nullable(),
  message: z.string().optional()
});
export type Progress = z.infer<typeof Progress>;

export const JobStatus = z.object({
  id: z.string(),
  name: z.string().nullable(),
  state: JobState,
  /** 1 = next to run; null unless queued. */
  queuePosition: z.number().int().positive().nullable(),
  progress: Progress.nullable(),
  /** Content key of the result: hash of model bytes, data bytes and normalised options. */
  resultKey: ContentId,
  /** true when the result came from the store without running the analysis. */
  cached: z.boolean(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Why the job failed (user errors verbatim). */
  error: z.string().nullable(),
  /** Something the user should know about a finished job, e.g. the result could not be saved. */
  warning: z.string().nullable(),
  /** Whether the result is on disk (survives a restart) or only in this process's memory. */
  persisted: z.boolean()
});
export type JobStatus = z.infer<typeof JobStatus>;

export const JobList = z.object({ jobs: z.array(JobStatus) });
export type JobList = z.infer<typeof JobList>;

/** Server -> client WebSocket messages. */
export const JobEvent = z.discriminatedUnion('type', [
  /** Sent once on connect: the current state of the watched jobs. */
  z.object({ type: z.literal('snapshot'), jobs: z.array(JobStatus) }),
  /** A job changed: state, progress or queue position. */
  z.object({ type: z.literal('job'), job: JobStatus })
]);
export type JobEvent = z.infer<typeof JobEvent>;

export const Health = z.object({
  ok: z.literal(true),
  name: z.literal('layerwise'),
  apiVersion: z.literal(API_VERSION),
  version: z.string(),
  /** The tfjs backend chosen for analyses, once one is chosen. */
  tfjsBackend: z.string().nullable(),
  /** Worker threads a job's solves and probes run on (the panel's time estimate divides by it). */
  computeThreads: z.number().int().positive(),
  limits: z.object({
    maxUploadBytes: z.number().int(),
    maxStoredUploadBytes: z.number().int(),
    /** Bytes of all uploads being received at once. */
    maxInFlightUploadBytes: z.number().int()
  })
});
export type Health = z.infer<typeof Health>;

export const ErrorBody = z.object({
  error: z.object({
    /** Stable machine-readable code, e.g. "bad-request", "not-found", "too-large". */
    code: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional()
  })
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export { AnalysisResult };

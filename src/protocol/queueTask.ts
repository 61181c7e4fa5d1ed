/**
 * What crosses Redis between `layerwise analyze|demo|serve --queue` and `layerwise worker`
 * (src/backend/queue/): one AND-OR solve as data (never code), and its solution. Typed
 * arrays travel as base64 of their little-endian bytes, so values come back bit for bit.
 */
import { z } from 'zod';
import { SolverOptions } from './options';
import { SolveReport } from './result';

/** Bumped when a task or a result changes shape; a worker refuses tasks of another. */
export const QUEUE_PROTOCOL = 1;

/** The queue's name in Redis (BullMQ prefixes it with "bull:"). */
export const QUEUE_NAME = 'layerwise-solve';

/** Read before the rest, so a task of another version is refused by name, not by shape. */
export const TaskHeader = z.object({
  protocol: z.number().int(),
  version: z.string()
});
export type TaskHeader = z.infer<typeof TaskHeader>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'not base64');

export const WireBasis = z.object({
  values: Base64,
  kappa: z.number(),
  terms: Base64,
  termSigns: Base64,
  rows: Base64,
  rowSides: Base64
});
export type WireBasis = z.infer<typeof WireBasis>;

export const SolveTask = TaskHeader.extend({
  protocol: z.literal(QUEUE_PROTOCOL),
  /** The 2^n masked outputs, float64. */
  values: Base64,
  options: SolverOptions,
  warm: WireBasis.optional()
});
export type SolveTask = z.infer<typeof SolveTask>;

const WireTerms = z.object({ and: Base64, or: Base64 });

export const SolveAnswer = WireTerms.extend({
  delta: Base64,
  report: SolveReport,
  basis: WireBasis.optional(),
  alternatives: z.array(WireTerms).optional()
});
export type SolveAnswer = z.infer<typeof SolveAnswer>;

/** The start of a failure's message when the submitter cancelled the task. */
export const CANCELLED_REASON = 'cancelled by the submitter';

/** Published on this Redis channel (with the queue's prefix) to stop tasks being solved. */
export const CANCEL_CHANNEL = 'layerwise-solve:cancel';

export const CancelMessage = z.object({ jobIds: z.array(z.string()) });

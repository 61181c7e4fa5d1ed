/**
 * What a notebook remembers of its last analysis (in its metadata, so it travels with the
 * file): the backend store's key of the result, from which the panel refetches it.
 */
export const METADATA_KEY = 'layerwise';

export interface ILastResult {
  resultKey: string;
  jobId: string | null;
  cellId: string | null;
  model: string;
  createdAt: string;
}

export function readLastResult(metadata: unknown): ILastResult | null {
  const last = (metadata as { last?: Partial<ILastResult> } | undefined)?.last;
  if (!last || typeof last.resultKey !== 'string' || !/^[0-9a-f]{64}$/.test(last.resultKey)) {
    return null;
  }
  return {
    resultKey: last.resultKey,
    jobId: typeof last.jobId === 'string' ? last.jobId : null,
    cellId: typeof last.cellId === 'string' ? last.cellId : null,
    model: typeof last.model === 'string' ? last.model : '',
    createdAt: typeof last.createdAt === 'string' ? last.createdAt : ''
  };
}

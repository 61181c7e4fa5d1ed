/**
 * How much an analysis depends on the choice among the LP's optima (method.md 3a): the
 * canonical optimum against the alternatives of other tie-break hashes, per (sample, layer)
 * and per metric.
 */
import type { Ambiguity, LayerMetrics, OrderMetrics } from '../protocol/result';

/** One optimum's salient interactions at one (sample, layer), as keys such as 'and 5'. */
export type SalientSet = ReadonlySet<string>;

/** optima[0] is the canonical optimum; the mean IoU is over the others against it. */
export function ambiguityOf(optima: SalientSet[]): Omit<Ambiguity, 'salient'> {
  const [canonical, ...others] = optima;
  const ious = others.flatMap(other => {
    let shared = 0;
    for (const key of other) {
      if (canonical.has(key)) {
        shared++;
      }
    }
    const union = canonical.size + other.size - shared;
    return union > 0 ? [shared / union] : [];
  });
  return {
    optima: optima.length,
    meanIoU: ious.length > 0 ? ious.reduce((a, b) => a + b, 0) / ious.length : null
  };
}

/** In how many of the optima the interaction `key` is salient. */
export function optimaSalient(optima: SalientSet[], key: string): number {
  return optima.filter(set => set.has(key)).length;
}

const SPREAD_FIELDS = ['overlap', 'forget', 'new', 'completeness', 'redundancy'] as const;

/**
 * The canonical metrics with each value's [min, max] over all optima (the canonical one and
 * `alternatives`, each computed like the canonical one); spread stays null without
 * alternatives. Every optimum has the same layers and orders, so rows align by position.
 */
export function metricSpread(
  canonical: LayerMetrics[],
  alternatives: LayerMetrics[][]
): LayerMetrics[] {
  if (alternatives.length === 0) {
    return canonical;
  }
  const spreadOf = (row: number, kind: 'and' | 'or', i: number, metrics: OrderMetrics) => {
    const all = [metrics, ...alternatives.map(optimum => optimum[row][kind][i])];
    const span = (field: (typeof SPREAD_FIELDS)[number]): [number, number] | null => {
      const values = all.map(m => m[field]);
      if (values.some(value => value === null)) {
        return null;
      }
      const numbers = values as number[];
      return [Math.min(...numbers), Math.max(...numbers)];
    };
    return Object.fromEntries(SPREAD_FIELDS.map(field => [field, span(field)])) as NonNullable<
      OrderMetrics['spread']
    >;
  };
  return canonical.map((layer, row) => ({
    ...layer,
    and: layer.and.map((metrics, i) => ({ ...metrics, spread: spreadOf(row, 'and', i, metrics) })),
    or: layer.or.map((metrics, i) => ({ ...metrics, spread: spreadOf(row, 'or', i, metrics) }))
  }));
}

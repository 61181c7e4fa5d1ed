/**
 * Two models compared (method.md 6, the paper's section 4): the IoU of their salient sets per
 * layer pair, kind and order, on the canonical optima, with its range over the alternative
 * optima where both analyses solved them (method.md 3a).
 */
import type { AnalysisResult, ComparisonRow, InteractionKind } from '../protocol/result';
import { AnalysisInputError } from './errors';
import { iouByOrder } from './generalization';

/**
 * What must be equal for the interactions of two analyses to be comparable: the samples, the
 * variables, the baseline and every option that changes which interactions are salient.
 */
const MUST_MATCH: [string, (r: AnalysisResult) => unknown][] = [
  ['samples', r => r.samples.map(s => s.index)],
  ['input variables', r => r.options.variables],
  ['baseline', r => r.options.baseline],
  ['unassigned inputs', r => r.options.unassignedInputs],
  ['target class', r => r.options.target],
  [
    'solver',
    r => {
      const { kind, kappaFactor, kappaReference, tieBreak } = r.options.solver;
      return { kind, kappaFactor, kappaReference, tieBreak };
    }
  ],
  ['salience', r => r.options.salience]
];

/** Refuses two results whose interactions are not comparable, naming every difference. */
export function checkComparable(a: AnalysisResult, b: AnalysisResult): void {
  const differences = MUST_MATCH.filter(
    ([, of]) => JSON.stringify(of(a)) !== JSON.stringify(of(b))
  ).map(([what, of]) => `${what}: ${JSON.stringify(of(a))} vs ${JSON.stringify(of(b))}`);
  if (differences.length > 0) {
    throw new AnalysisInputError(
      `the two analyses differ in what decides their interactions, so they cannot be ` +
        `compared; analyse both with the same settings. Differences: ${differences.join('; ')}`
    );
  }
}

/**
 * The layer pairs to compare: those given by name, or, for models of the same depth, layer i
 * of A with layer i of B.
 */
export function matchLayers(
  a: AnalysisResult,
  b: AnalysisResult,
  picked?: [string, string][]
): [number, number][] {
  const position = (result: AnalysisResult, name: string, which: string) => {
    const at = result.layers.findIndex(l => l.name === name);
    if (at < 0) {
      throw new AnalysisInputError(
        `layer '${name}' is not in ${which}; its layers are: ${result.layers.map(l => l.name).join(', ')}`
      );
    }
    return at;
  };
  if (picked && picked.length > 0) {
    return picked.map(([la, lb]) => [position(a, la, 'A'), position(b, lb, 'B')]);
  }
  if (a.layers.length !== b.layers.length) {
    throw new AnalysisInputError(
      `A has ${a.layers.length} analysed layers and B ${b.layers.length}: pick the pairs to ` +
        `compare (A's: ${a.layers.map(l => l.name).join(', ')}; B's: ${b.layers.map(l => l.name).join(', ')})`
    );
  }
  return a.layers.map((_, i) => [i, i]);
}

const MIN_ORDER: Record<InteractionKind, number> = { and: 1, or: 2 };

/** The IoU rows of every layer pair, AND then OR, by order. */
export function compareResults(
  a: AnalysisResult,
  b: AnalysisResult,
  pairs: [number, number][]
): ComparisonRow[] {
  checkComparable(a, b);
  const n = a.variables.n;
  const rows: ComparisonRow[] = [];
  for (const [la, lb] of pairs) {
    for (const kind of ['and', 'or'] as const) {
      const canonical = (r: AnalysisResult, l: number) =>
        r.perSample.map(sample => sample[l][kind].map(i => i.mask));
      const alternative = (r: AnalysisResult, l: number, j: number) =>
        r.perSample.map(sample => sample[l].ambiguity?.salient[j]?.[kind] ?? null);
      const main = iouByOrder(canonical(a, la), canonical(b, lb), n, MIN_ORDER[kind]);
      // optimum j of A against optimum j of B, where every sample of both has it
      const alternatives = Math.min(
        ...[...a.perSample.map(s => s[la]), ...b.perSample.map(s => s[lb])].map(
          cell => cell.ambiguity?.salient.length ?? 0
        )
      );
      const others = Array.from({ length: alternatives }, (_, j) =>
        iouByOrder(
          alternative(a, la, j) as number[][],
          alternative(b, lb, j) as number[][],
          n,
          MIN_ORDER[kind]
        )
      );
      main.forEach((row, i) => {
        // an optimum with no salient set of this order in any sample has no IoU to add
        const values = [row.iou, ...others.map(o => o[i].iou)].filter(
          (v): v is number => v !== null
        );
        rows.push({
          layerA: a.layers[la].name,
          layerB: b.layers[lb].name,
          kind,
          ...row,
          spread:
            alternatives > 0 && row.iou !== null ? [Math.min(...values), Math.max(...values)] : null
        });
      });
    }
  }
  return rows;
}

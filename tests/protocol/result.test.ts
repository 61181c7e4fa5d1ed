/**
 * What every front end shows next to a result: the warning when exact solves stopped at their
 * bound, the other warnings, and which optimum the interactions come from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AnalysisResult,
  ComparisonFile,
  InteractionsFile,
  largestRelativeGap,
  optimumSummary,
  resultWarnings,
  SCHEMA_VERSION,
  storedResultNote,
  unconvergedWarning
} from '../../src/protocol/result';
import { sampleResult } from '../lab/fixtures';

test('converged exact solves give no warning; stopped ones are counted with their gap', () => {
  const result = sampleResult();
  result.options.solver = { ...result.options.solver, kind: 'exact', tolerance: 1e-6 };
  const cells = result.perSample.flat();
  cells.forEach(cell => (cell.solve = { ...cell.solve, gap: 1e-9 * cell.solve.objective }));
  assert.equal(unconvergedWarning(result), null);

  cells[0].solve = { ...cells[0].solve, gap: 0.5 * cells[0].solve.objective };
  cells[1].solve = { ...cells[1].solve, gap: 0.25 * cells[1].solve.objective };
  assert.match(
    unconvergedWarning(result) ?? '',
    new RegExp(`^2 of ${cells.length} \\(sample, layer\\) problems .* up to 50% `)
  );
  assert.match(
    unconvergedWarning(result) ?? '',
    /Use fewer variables, or raise solver\.maxRounds and solver\.maxSeconds\.$/
  );

  assert.equal(largestRelativeGap(result), 0.5);

  result.options.solver = { ...result.options.solver, kind: 'lab-sgd' };
  assert.equal(unconvergedWarning(result), null, 'lab-sgd has no certified gap to judge by');
  cells[2].solve = { ...cells[2].solve, gap: null };
  assert.equal(largestRelativeGap(result), null, 'a solve without a certified gap');
});

test('the result says which optimum it reports and how far the alternatives are from it', () => {
  const result = sampleResult();
  const cells = result.perSample.flat();
  assert.equal(
    optimumSummary(result),
    'the canonical optimal solution (tie-break mix-hash); no alternatives compared'
  );
  cells.forEach(
    (cell, i) => (cell.ambiguity = { optima: 5, meanIoU: i === 0 ? 0.25 : 1, salient: [] })
  );
  // a cell whose salient sets were all empty has no IoU: it does not enter the mean
  cells[1].ambiguity = { optima: 5, meanIoU: null, salient: [] };
  const mean = (0.25 + (cells.length - 2)) / (cells.length - 1);
  assert.equal(
    optimumSummary(result),
    'the canonical optimal solution (tie-break mix-hash); against 4 alternative optimal ' +
      `solutions its salient interactions have a mean IoU of ${mean.toFixed(2)} (lowest 0.25 ` +
      'over samples and layers)'
  );
  result.options.solver = { ...result.options.solver, tieBreak: 'none' };
  assert.match(optimumSummary(result) ?? '', /tie-break none/);
  result.options.solver = { ...result.options.solver, kind: 'lab-sgd' };
  assert.equal(optimumSummary(result), null);
});

test('the warnings of the result come before the unconverged one', () => {
  const result = sampleResult();
  result.warnings = ['collapsed'];
  assert.deepEqual(resultWarnings(result), ['collapsed']);
  const cell = result.perSample[0][0];
  cell.solve = { ...cell.solve, gap: cell.solve.objective };
  assert.equal(resultWarnings(result).length, 2);
  assert.equal(resultWarnings(result)[0], 'collapsed');
});

test('a stored result says when and how fast it was computed', () => {
  const result = sampleResult();
  assert.equal(
    storedResultNote(result),
    'Stored result from 2025-01-01 00:00 UTC, computed in 1.5 s; not computed again now.'
  );
  result.createdAt = '2025-03-04T05:06:07Z';
  assert.match(storedResultNote(result), /^Stored result from 2025-03-04 05:06 UTC,/);
});

test('the schemas keep every field of a valid file and refuse a malformed one', () => {
  const result = sampleResult();
  result.perSample[0][0].ambiguity = {
    optima: 3,
    meanIoU: 0.5,
    salient: [
      { and: [3], or: [] },
      { and: [3, 5], or: [6] }
    ]
  };
  result.metrics.final[0].and[0].spread = {
    overlap: [0.7, 0.9],
    forget: [0.1, 0.3],
    new: [0.3, 0.5],
    completeness: [0.5, 0.75],
    redundancy: null
  };
  result.stability = [{ kind: 'or', layer: 'dense', stability: [{ order: 2, value: 1.5 }] }];
  const copy = structuredClone(result);
  assert.deepEqual(AnalysisResult.parse(copy), result);

  const parses = (edit: (r: AnalysisResult) => void) => {
    const r = structuredClone(result);
    edit(r);
    return AnalysisResult.safeParse(r).success;
  };
  const malformed: ((r: AnalysisResult) => void)[] = [
    r => (r.runtime.runner = 'keras' as 'tfjs'),
    r => (r.perSample[0][0].ambiguity!.optima = 0),
    r => (r.perSample[0][0].ambiguity!.salient[0].and = [0.5]),
    r => (r.metrics.final[0].and[0].spread!.overlap = [1] as unknown as [number, number]),
    r => (r.stability![0].stability[0].order = 1.5),
    r => (r.perSample[0][0].and[0].mask = -1.5)
  ];
  for (const edit of malformed) {
    assert.equal(parses(edit), false, String(edit));
  }
  assert.equal(
    parses(r => (r.runtime.runner = 'onnx')),
    true
  );

  const interactions: InteractionsFile = {
    n: 2,
    solver: 'exact',
    tieBreak: 'mix-hash',
    kappa: 0.1,
    and: [0, 1, 2, 0.5],
    or: [0, 0, 0, -0.5],
    delta: [0, 0, 0.1, 0],
    objective: 4,
    gap: 0,
    iterations: 7,
    seconds: 0.01,
    warnings: []
  };
  assert.deepEqual(InteractionsFile.parse(structuredClone(interactions)), interactions);
  assert.equal(InteractionsFile.safeParse({ ...interactions, tieBreak: 'golden' }).success, false);
  for (const tieBreak of [null, 'none']) {
    assert.equal(InteractionsFile.safeParse({ ...interactions, tieBreak }).success, true);
  }

  const comparison: ComparisonFile = {
    schemaVersion: SCHEMA_VERSION,
    a: { source: 'a.json', createdAt: '2025-01-01T00:00:00.000Z' },
    b: { source: 'b.json', createdAt: '2025-01-02T00:00:00.000Z' },
    rows: [
      { layerA: 'd', layerB: 'd', kind: 'and', order: 1, iou: 0.5, samples: 2, spread: [0.25, 1] }
    ]
  };
  assert.deepEqual(ComparisonFile.parse(structuredClone(comparison)), comparison);
  assert.equal(ComparisonFile.safeParse({ ...comparison, a: { source: 'a.json' } }).success, false);
  assert.equal(
    ComparisonFile.safeParse({ ...comparison, rows: [{ ...comparison.rows[0], spread: [1] }] })
      .success,
    false
  );
});

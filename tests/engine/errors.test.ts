import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnalysisCancelledError, AnalysisInputError } from '../../src/engine/errors';

describe('engine errors', () => {
  it('carry their class name and a message front ends can print alone', () => {
    const input = new AnalysisInputError('no samples to analyse');
    assert.equal(input.name, 'AnalysisInputError');
    assert.equal(String(input), 'AnalysisInputError: no samples to analyse');
    const cancelled = new AnalysisCancelledError();
    assert.equal(cancelled.name, 'AnalysisCancelledError');
    assert.equal(cancelled.message, 'the analysis was cancelled');
  });
});

/**
 * Errors the engine raises on purpose. Front ends print their message alone: they describe a
 * user's mistake or choice, never a bug.
 */

/** Bad input: options, data or a model the analysis cannot use. */
export class AnalysisInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AnalysisInputError';
  }
}

/** The caller's cancellation signal fired. */
export class AnalysisCancelledError extends Error {
  constructor() {
    super('the analysis was cancelled');
    this.name = 'AnalysisCancelledError';
  }
}

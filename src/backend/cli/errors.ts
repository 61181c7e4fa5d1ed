/**
 * How the CLI tells a user's mistake from a bug: user errors print their message alone;
 * anything else prints a short line and a hint to rerun with LAYERWISE_DEBUG=1 for the stack.
 */
import { z } from 'zod';
import { AnalysisCancelledError, AnalysisInputError } from '../../engine/errors';

/** A mistake in the command line, a file or the spec: its message is all the user needs. */
export class UserError extends Error {
  constructor(
    message: string,
    /** Process exit code: 2 for command-line usage, 1 otherwise. */
    readonly exitCode = 1
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(error: unknown): error is Error {
  return (
    error instanceof UserError ||
    error instanceof AnalysisInputError ||
    error instanceof AnalysisCancelledError
  );
}

/** A zod validation failure of a user's file, as a UserError listing each problem. */
export function invalidFile(what: string, error: z.ZodError): UserError {
  return new UserError(`${what} is invalid:\n${z.prettifyError(error)}`);
}

export function exitCodeOf(error: unknown): number {
  return error instanceof UserError ? error.exitCode : 1;
}

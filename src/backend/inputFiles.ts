/**
 * Reading the files a user points the backend at (models, arrays, specs): a missing or
 * unreadable one is an AnalysisInputError naming the file, never a raw errno trace.
 */
import { readFile } from 'node:fs/promises';
import { AnalysisInputError } from '../engine/errors';

/** `what` ("model", "weights file") goes before the path in the message. */
export async function readInputFile(path: string, what?: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    const name = what === undefined ? path : `${what} ${path}`;
    throw new AnalysisInputError(
      code === 'ENOENT' ? `${name}: no such file` : `${name}: cannot be read (${code})`
    );
  }
}

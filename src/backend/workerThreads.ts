/**
 * Worker threads on a module of src/backend, compiled or run from source.
 */
import { extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Compiled: `${name}.js` next to this file. Under tsx (tests, bench, the CLI from source) the
 * .ts file, which a worker can only load after registering tsx itself: `npx tsx` does not pass
 * its loader on to workers.
 */
export function startWorker(name: string, options: WorkerOptions = {}): Worker {
  const extension = extname(__filename);
  const file = join(__dirname, `${name}${extension}`);
  if (extension !== '.ts') {
    return new Worker(file, options);
  }
  // Resolved here: an eval'd worker resolves modules from the working directory, which the
  // server moves to an empty folder of its own.
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(file)});`, {
    ...options,
    eval: true
  });
}

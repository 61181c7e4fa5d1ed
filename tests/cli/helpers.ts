/** Runs the real `layerwise` CLI (its TypeScript entry, through tsx) as a child process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
export const CLI = join(ROOT, 'src', 'backend', 'cli', 'index.ts');
export const PYTHON = join(ROOT, '.venv', 'bin', 'python');
export const hasPython = existsSync(PYTHON);

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise(resolve => {
    execFile(
      process.execPath,
      args,
      { cwd: ROOT, env: { ...process.env, LAYERWISE_DEBUG: '', ...env }, maxBuffer: 64 << 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      }
    );
  });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return runNode(['--import', 'tsx', CLI, ...args], env);
}

/** A user error: non-zero exit, the expected message on stderr, no stack trace. */
export function assertUserError(run: CliRun, message: RegExp): void {
  assert.notEqual(run.code, 0, `expected a failure, got exit 0; stderr: ${run.stderr}`);
  assert.match(run.stderr, message);
  assert.doesNotMatch(run.stderr, /^\s+at .+\(.*:\d+:\d+\)$/m, 'no stack trace');
  assert.doesNotMatch(run.stderr, /unexpected error/);
}

/** Values of numpy arrays written by the venv's Python: `code` has np imported. */
export function runPython(code: string): Promise<CliRun> {
  return new Promise(resolve => {
    execFile(PYTHON, ['-c', `import numpy as np\n${code}`], (error, stdout, stderr) => {
      resolve({ code: error ? 1 : 0, stdout, stderr });
    });
  });
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The development set-up's Python (scripts/setup.sh), or $LAYERWISE_PYTHON. */
export function python(): string {
  const venv = join(__dirname, '..', '.venv', 'bin', 'python');
  return process.env.LAYERWISE_PYTHON ?? (existsSync(venv) ? venv : 'python3');
}

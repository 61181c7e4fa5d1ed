/**
 * `layerwise demo --out DIR`: the analysis of the bundled demo (an MLP-7 trained on
 * scikit-learn's digits; 12 patches of the 8x8 image; 30 test samples; every layer).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { analysisOptions, analysisRunOf, BACKEND_HELP, QUEUE_HELP, runAnalysis } from './analyze';
import { parseCommandLine } from './args';
import type { Command } from './command';
import { UserError } from './errors';

/** The repository root, from src/backend/cli (tsx) as from build/backend/cli (compiled). */
export const DEMO_SPEC = join(__dirname, '..', '..', '..', 'examples', 'demo', 'spec.json');

const usage = `usage: layerwise demo --out DIR [options]

Analyses the bundled demo model (examples/demo/spec.json) and writes DIR/result.json and
DIR/report.html.

options:
  --out DIR               output folder (required)
  --samples K             analyse the first K of the spec's 30 test samples
  ${BACKEND_HELP.replace(/\n/g, '\n  ')}
  ${QUEUE_HELP.replace(/\n/g, '\n  ')}`;

async function run(args: string[]): Promise<void> {
  const parsed = parseCommandLine(args, analysisOptions, usage, 0);
  if (!existsSync(DEMO_SPEC)) {
    throw new UserError(`the demo is missing (${DEMO_SPEC}); run layerwise from its repository`);
  }
  await runAnalysis(analysisRunOf(parsed, DEMO_SPEC, usage));
}

export const demoCommand: Command = {
  summary: 'the analysis of the bundled demo model (MLP-7 on digits)',
  usage,
  run
};

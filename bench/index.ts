/**
 * `npm run bench`: every benchmark, each timed as ratios against a baseline run in the same
 * process, written to bench/RESULTS.md with the machine and the command.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchSolvers } from './solvers';
import { benchCanonical } from './canonical';
import { benchForward } from './forward';
import { benchDemo } from './demo';
import { benchOnnx } from './onnx';
import { benchProbes } from './probes';

async function main(): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  const sections: string[] = [];
  for (const [name, run] of [
    ['solvers', benchSolvers],
    ['canonical', benchCanonical],
    ['forward', benchForward],
    ['probes', benchProbes],
    ['onnx', benchOnnx],
    ['demo', benchDemo]
  ] as const) {
    console.error(`bench: ${name}...`);
    sections.push(await run());
  }
  const text = [
    '# Benchmark results',
    '',
    `Command: \`npm run bench\` (bench/index.ts). Machine: ${machine}. Date: ${new Date().toISOString()}.`,
    '',
    ...sections
  ].join('\n');
  writeFileSync(join(__dirname, 'RESULTS.md'), text + '\n');
  console.log(text);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});

/**
 * `npm run bench`: every benchmark, each timed as ratios against a baseline run in the same
 * process, written to bench/RESULTS.md with the machine and the command. `npm run bench --
 * NAME...` runs only those and replaces only their sections of RESULTS.md.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchSolvers } from './solvers';
import { benchCanonical } from './canonical';
import { benchForward } from './forward';
import { benchDemo } from './demo';
import { demoSolvesSection } from './demoSolves';
import { benchOnnx } from './onnx';
import { benchProbes } from './probes';
import { benchQueue } from './queue';

const BENCHES = [
  ['solvers', benchSolvers],
  ['canonical', benchCanonical],
  ['forward', benchForward],
  ['probes', benchProbes],
  ['onnx', benchOnnx],
  ['demo', benchDemo],
  ['demo-solves', () => demoSolvesSection()],
  ['queue', benchQueue]
] as const;

/**
 * RESULTS.md with each new section in place of the old one of the same heading (or added),
 * its own command, machine and date under its heading: the rest was measured another time.
 */
function replaceSections(old: string, sections: string[], measured: string): string {
  const parts = old.split(/^(?=## )/m);
  for (const section of sections) {
    const [heading, ...body] = section.split('\n');
    const dated = [heading, '', measured, ...body].join('\n') + '\n';
    const at = parts.findIndex(part => part.startsWith(heading + '\n'));
    if (at >= 0) {
      parts[at] = dated;
    } else {
      parts[parts.length - 1] = parts[parts.length - 1].replace(/\n*$/, '\n\n');
      parts.push(dated);
    }
  }
  return parts.join('');
}

async function main(): Promise<void> {
  const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter(name => !BENCHES.some(([known]) => known === name));
  if (unknown.length > 0) {
    throw new Error(`no bench ${unknown.join(', ')}; known: ${BENCHES.map(([n]) => n).join(', ')}`);
  }
  const sections: string[] = [];
  for (const [name, run] of BENCHES) {
    if (wanted.length === 0 || wanted.includes(name)) {
      console.error(`bench: ${name}...`);
      sections.push(await run());
    }
  }
  const command = wanted.length ? `npm run bench -- ${wanted.join(' ')}` : 'npm run bench';
  const measured = `Command: \`${command}\` (bench/index.ts). Machine: ${machine}. Date: ${new Date().toISOString()}.`;
  const path = join(__dirname, 'RESULTS.md');
  const text =
    wanted.length && existsSync(path)
      ? replaceSections(readFileSync(path, 'utf8'), sections, measured)
      : ['# Benchmark results', '', measured, '', ...sections].join('\n') + '\n';
  writeFileSync(path, text);
  console.log(sections.join('\n'));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});

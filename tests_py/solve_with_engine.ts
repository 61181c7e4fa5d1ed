/**
 * For tests_py/test_lp_reference.py: reads [{values, kappaFactor, kind}] as JSON on stdin,
 * runs the engine's AND-OR solver on each and writes the solutions as JSON on stdout.
 */
import { solveAndOr } from '../src/engine/andOr';
import { SolverOptions } from '../src/protocol/options';

interface Problem {
  values: number[];
  kappaFactor: number;
  kind: 'exact' | 'lab-sgd';
}

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  const problems = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Problem[];
  const solutions = [];
  for (const problem of problems) {
    const options = SolverOptions.parse({ kind: problem.kind, kappaFactor: problem.kappaFactor });
    const solution = await solveAndOr(problem.values, options);
    solutions.push({
      and: Array.from(solution.and),
      or: Array.from(solution.or),
      delta: Array.from(solution.delta),
      report: solution.report
    });
  }
  process.stdout.write(JSON.stringify(solutions));
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});

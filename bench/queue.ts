/**
 * Scale-out on the queue (docs/scale-out.md): the demo at n = 12 (`layerwise analyze
 * examples/demo/spec-n12.json --queue`) with 1, 2 and 4 `layerwise worker` processes of one
 * task each, on a Redis of its own on loopback,
 * emptied before each run so no run reuses another's solved tasks. Speed-up: the 1-worker
 * wall time over the k-worker one; the issue's target is at least 0.8 x k. The workers, the
 * submitter (forward passes, probes) and Redis share this machine's cores, so past its core
 * count more workers only compete. Each run's canonical optima are checked equal to the
 * 1-worker run's where neither was cut short by the solver's time bound. LAYERWISE_BENCH_QUEUE_SAMPLES (default 6) of the demo's 30 samples;
 * LAYERWISE_BENCH_QUEUE_WORKERS (default "1,2,4").
 *
 * Alone: npx tsx bench/queue.ts
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AnalysisResult } from '../src/protocol/result';
import { startRedis, startWorker, type TestWorker } from '../tests/queue/helpers';
import { defaultBackends } from './demo';
import { runAlone } from './runAlone';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'src', 'backend', 'cli', 'index.ts');
const SPEC = join('examples', 'demo', 'spec-n12.json');
const SAMPLES = Number(process.env.LAYERWISE_BENCH_QUEUE_SAMPLES ?? 6);
const WORKERS = (process.env.LAYERWISE_BENCH_QUEUE_WORKERS ?? '1,2,4').split(',').map(Number);

interface QueueRun {
  workers: number;
  wallSeconds: number;
  result: AnalysisResult;
}

function demo(queue: string, backend: string, out: string): Promise<number> {
  const started = performance.now();
  const args = ['--import', 'tsx', CLI, 'analyze', SPEC, '--out', out, '--backend', backend];
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...args, '--samples', `${SAMPLES}`, '--queue', queue],
      { cwd: ROOT, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) =>
        error
          ? reject(new Error(`layerwise analyze --queue failed:\n${stderr}`))
          : resolve((performance.now() - started) / 1000)
    );
  });
}

type Cell = AnalysisResult['perSample'][number][number];

/**
 * A solve the wall-clock bound (solver maxSeconds, 20 s at n = 12) cut short: its optimum, or
 * its alternatives, dropped. Workers sharing cores are slower per solve, so which solves hit
 * the bound differs from run to run; only the others must agree.
 */
const capped = (cell: Cell, tolerance: number) =>
  cell.solve.gap === null ||
  cell.solve.gap > tolerance * cell.solve.objective ||
  cell.ambiguity === null;

/** The canonical optimum's salient interactions, without the alternatives' counts. */
const canonical = (cell: Cell) =>
  [cell.and, cell.or].map(list => list.map(({ mask, order, value }) => ({ mask, order, value })));

/** Cells solved to the optimum in both runs, and those of them whose interactions differ. */
function agreement(
  run: AnalysisResult,
  reference: AnalysisResult
): { both: number; differ: number } {
  const tolerance = reference.options.solver.tolerance;
  let both = 0;
  let differ = 0;
  reference.perSample.forEach((layers, s) =>
    layers.forEach((cell, l) => {
      const other = run.perSample[s][l];
      if (!capped(cell, tolerance) && !capped(other, tolerance)) {
        both++;
        if (!isDeepStrictEqual(canonical(cell), canonical(other))) {
          differ++;
        }
      }
    })
  );
  return { both, differ };
}

export async function benchQueue(): Promise<string> {
  const backend = defaultBackends()[0];
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-bench-queue-'));
  const redis = await startRedis();
  const runs: QueueRun[] = [];
  try {
    for (const count of WORKERS) {
      console.error(`bench queue: ${count} worker(s)...`);
      await redis.flush();
      const workers: TestWorker[] = [];
      try {
        for (let i = 0; i < count; i++) {
          workers.push(await startWorker(redis.url));
        }
        const out = join(dir, `${count}`);
        const wallSeconds = await demo(redis.url, backend, out);
        const result = AnalysisResult.parse(
          JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))
        );
        runs.push({ workers: count, wallSeconds, result });
      } finally {
        await Promise.all(workers.map(worker => worker.stop('SIGKILL')));
      }
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const first = runs[0];
  const rows = runs.map(run => {
    const speedUp = first.wallSeconds / run.wallSeconds;
    const solverSeconds = run.result.perSample
      .flat()
      .reduce((sum, sample) => sum + sample.solve.seconds, 0);
    const target = 0.8 * (run.workers / first.workers);
    const cells = run.result.perSample.flat().length;
    const { both, differ } = agreement(run.result, first.result);
    return (
      `| ${run.workers} | ${run.wallSeconds.toFixed(1)} | ${run.result.runtime.seconds.toFixed(1)} | ` +
      `${(first.result.runtime.seconds / run.result.runtime.seconds).toFixed(2)}x | ${solverSeconds.toFixed(1)} | ` +
      `${speedUp.toFixed(2)}x | ${(speedUp / (run.workers / first.workers)).toFixed(2)} | ` +
      `${speedUp >= target ? 'met' : '**missed**'} | ` +
      `${cells - both} | ${differ === 0 ? `yes, ${both}/${both}` : `**no**, ${differ} of ${both} differ`} |`
    );
  });
  const options = first?.result.options;
  return [
    '## Scale-out: the demo at n = 12 on 1, 2 and 4 queue workers',
    '',
    `\`layerwise analyze ${SPEC} --samples ${SAMPLES} --backend ${backend} --queue redis://127.0.0.1:PORT\`: ` +
      `n = ${options?.variables.length}, ${first?.result.samples.length} samples, ` +
      `${first?.result.layers.length} layers, solver ${options?.solver.kind}; \`layerwise worker ` +
      '--concurrency 1` processes and Redis (redis-server, no persistence) on this machine ' +
      `(${availableParallelism()} cores, shared with the submitter's forward passes and probes). ` +
      'Wall s: the whole command, start-up included; engine s: the analysis alone (features, ' +
      "probes and passes here, solves on the workers), with its own speed-up; solver s: the solves' " +
      'own time summed over the workers. Speed-up (of the wall time) and efficiency against the ' +
      '1-worker run; target: speed-up at least 0.8 x the worker count. Capped: (sample, layer) ' +
      "solves that the solver's wall-clock bound cut short in this run or the 1-worker one (the " +
      'optimum or its alternatives dropped), which differ by design; the canonical optimum of ' +
      "every other one must equal the 1-worker run's.",
    '',
    '| workers | wall s | engine s | engine speed-up | solver s (sum) | speed-up | efficiency | >= 0.8 x linear | capped | optima = 1-worker run |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    ''
  ].join('\n');
}

if (require.main === module) {
  runAlone(benchQueue());
}

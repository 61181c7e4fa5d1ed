/**
 * The whole `layerwise demo` (MLP-7 on digits, n = 12, every layer, 30 samples), run as the
 * real CLI in a child process per tfjs backend: wall time, the engine's own time, the time in
 * the AND-OR solver, and what came out (salient counts, probe accuracy) as a sanity check.
 * The native backend runs when its binding is built (else wasm); set LAYERWISE_BENCH_BACKENDS
 * (e.g. "tensorflow,wasm,cpu") to choose, since the others take minutes. The solves take
 * several seconds per sample even on two cores, so `npm run bench` analyses the first
 * LAYERWISE_BENCH_DEMO_SAMPLES (default 6) of the 30 samples; set it to 30 for the whole demo.
 *
 * Alone: npx tsx bench/demo.ts
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultComputeThreads } from '../src/backend/computePool';
import { nativeBindingPath } from '../src/backend/tfjsBackend';
import { AnalysisResult } from '../src/protocol/result';
import { runAlone } from './runAlone';

const ROOT = join(__dirname, '..');
const CLI = join(ROOT, 'src', 'backend', 'cli', 'index.ts');

interface DemoRun {
  backend: string;
  wallSeconds: number;
  result: AnalysisResult;
}

export function defaultBackends(): string[] {
  const binding = nativeBindingPath('tensorflow');
  return binding !== null && existsSync(binding) ? ['tensorflow'] : ['wasm'];
}

const SAMPLES = Number(process.env.LAYERWISE_BENCH_DEMO_SAMPLES ?? 6);

function runDemo(backend: string, out: string): Promise<DemoRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'demo',
        '--out',
        out,
        '--backend',
        backend,
        '--samples',
        `${SAMPLES}`
      ],
      { cwd: ROOT, maxBuffer: 64 << 20 },
      (error, _stdout, stderr) => {
        if (error) {
          reject(new Error(`layerwise demo --backend ${backend} failed:\n${stderr}`));
          return;
        }
        const wallSeconds = (performance.now() - started) / 1000;
        const result = AnalysisResult.parse(
          JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'))
        );
        resolve({ backend, wallSeconds, result });
      }
    );
  });
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);

function row(run: DemoRun, fastest: number): string {
  const { result } = run;
  const solves = result.perSample.flat().map(s => s.solve);
  const solverSeconds = solves.reduce((sum, s) => sum + s.seconds, 0);
  const gaps = solves.map(s => s.gap).filter((g): g is number => g !== null);
  const last = result.layers.length - 1;
  const salient = (l: number) =>
    mean(result.perSample.map(sample => sample[l].and.length + sample[l].or.length));
  const probes = result.layers.flatMap(l => (l.probe ? [l.probe.heldOutAccuracy] : []));
  const correct = result.samples.filter(s => s.label === s.predicted).length;
  return (
    `| ${result.runtime.backend} | ${run.wallSeconds.toFixed(1)} | ${(run.wallSeconds / fastest).toFixed(2)} | ` +
    `${result.runtime.seconds.toFixed(1)} | ${solverSeconds.toFixed(1)} | ` +
    `${gaps.length ? Math.max(...gaps).toExponential(1) : '–'} | ` +
    `${salient(0).toFixed(1)} / ${salient(last).toFixed(1)} | ` +
    `${Math.min(...probes).toFixed(3)}–${Math.max(...probes).toFixed(3)} | ${correct}/${result.samples.length} |`
  );
}

export async function benchDemo(): Promise<string> {
  const backends =
    process.env.LAYERWISE_BENCH_BACKENDS?.split(',').map(b => b.trim()) ?? defaultBackends();
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-bench-demo-'));
  const runs: DemoRun[] = [];
  try {
    for (const backend of backends) {
      console.error(`bench demo: backend ${backend}...`);
      runs.push(await runDemo(backend, join(dir, backend)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const fastest = Math.min(...runs.map(r => r.wallSeconds));
  const options = runs[0]?.result.options;
  return [
    '## Demo: `layerwise demo` end to end',
    '',
    `MLP-7 (6 × 128 ReLU + 10) on scikit-learn's digits; n = ${options?.variables.length} patches, ` +
      `${runs[0]?.result.samples.length} samples, ${runs[0]?.result.layers.length} layers, solver ` +
      `${options?.solver.kind}, solves on a pool of ${defaultComputeThreads()} threads. One child process per ` +
      "backend (start-up, probes, passes, solves, report); solver s: the solves' own time " +
      'summed over the threads.',
    '',
    '| backend | wall s | × fastest | engine s | solver s (sum) | largest gap | salient per sample, first / last layer | probe held-out acc. | network correct |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...runs.map(run => row(run, fastest)),
    ''
  ].join('\n');
}

if (require.main === module) {
  runAlone(benchDemo());
}

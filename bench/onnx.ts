/**
 * Forward-pass throughput of a PyTorch ResNet-20 (CIFAR shape) on ONNX Runtime for Node, the
 * runner the engine uses for PyTorch models, against PyTorch's own CPU forward on the same
 * inputs with the same thread count, measured in the same run (bench/onnx_torch.py exports the
 * model and times PyTorch in a subprocess). The target: at least PyTorch's throughput. Also
 * checks that ONNX Runtime's logits match PyTorch's.
 * Runs alone with `npx tsx bench/onnx.ts`; needs torch and onnx in the Python of
 * $LAYERWISE_PYTHON (default .venv/bin/python).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, toFloat32 } from '../src/backend/npy';
import { loadOnnxRunner, type OnnxRunner } from '../src/backend/onnxRunner';
import { python } from './python';
import { runAlone } from './runAlone';

const THREADS = 2;
const BATCH = 256;
/** Each case is timed this long after a warm-up pass. */
const TIME_PER_CASE_S = 3;
const TAPS = ['layer1', 'layer2', 'layer3'];

async function throughput(runner: OnnxRunner, inputs: Float32Array, layers: string[]) {
  const first = await runner.run(inputs, BATCH, layers);
  let passes = 0;
  const start = performance.now();
  do {
    await runner.run(inputs, BATCH, layers);
    passes += 1;
  } while (performance.now() - start < TIME_PER_CASE_S * 1000);
  const seconds = (performance.now() - start) / 1000;
  return { perSecond: (passes * BATCH) / seconds, passes, logits: first.logits };
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  let scale = 1e-12;
  let diff = 0;
  expected.forEach((value, i) => {
    scale = Math.max(scale, Math.abs(value));
    diff = Math.max(diff, Math.abs(value - actual[i]));
  });
  return diff / scale;
}

const format = (n: number) => Math.round(n).toLocaleString('en-US');

export async function benchOnnx(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'layerwise-bench-onnx-'));
  try {
    const script = join(__dirname, 'onnx_torch.py');
    const args = [script, dir, String(THREADS), String(BATCH), String(TIME_PER_CASE_S)];
    const report = JSON.parse(
      execFileSync(python(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
        .trim()
        .split('\n')
        .pop() as string
    ) as {
      torch: string;
      threads: number;
      perSecond: number;
      passes: number;
      exportSeconds: number;
    };

    const inputs = toFloat32(await readNpy(join(dir, 'inputs.npy')));
    const torchLogits = toFloat32(await readNpy(join(dir, 'torch_logits.npy')));
    const runner = await loadOnnxRunner(join(dir, 'resnet20.onnx'), { threads: THREADS });
    const rows: string[] = [
      `| PyTorch ${report.torch} CPU (eager, inference mode) | logits | ${format(report.perSecond)} | 1.00x | ${report.passes} | – |`
    ];
    try {
      for (const [what, layers] of [
        ['logits + 3 stage outputs', TAPS],
        ['logits', []]
      ] as const) {
        const result = await throughput(runner, inputs, [...layers]);
        rows.push(
          `| ONNX Runtime (Node, ${runner.backend}) | ${what} | ${format(result.perSecond)} | ` +
            `${(result.perSecond / report.perSecond).toFixed(2)}x | ${result.passes} | ` +
            `${maxRelativeError(result.logits, torchLogits).toExponential(1)} |`
        );
      }
    } finally {
      runner.dispose();
    }
    return [
      '## PyTorch models on ONNX Runtime (Node)',
      '',
      `ResNet-20 (CIFAR, 3x32x32, random weights), batches of ${BATCH} random inputs, ` +
        `${THREADS} threads on both sides (torch.set_num_threads, ORT intra-op threads), each ` +
        `case timed for ${TIME_PER_CASE_S} s after a warm-up pass, PyTorch in a subprocess ` +
        `right before ONNX Runtime. ORT runs the model the kernel plugin exported ` +
        `(${report.exportSeconds.toFixed(1)} s to export), through the engine's runner ` +
        `(float32 rows in, every fetched output copied out); the error is the largest ` +
        `|Δ| of the logits against PyTorch's, relative to their largest magnitude.`,
      '',
      '| runtime | outputs | inputs/s | vs PyTorch | timed passes | max rel. error |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...rows,
      ''
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAlone(benchOnnx());
}

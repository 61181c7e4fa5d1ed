import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { PART_LABELS } from '../../src/figures/builders';
import { saveModelToDir } from '../../src/backend/modelLoader';
import { writeNpy } from '../../src/backend/npy';
import { AnalysisResult } from '../../src/protocol/result';
import type { AnalysisSpecInput } from '../../src/protocol/spec';
import { assertUserError, runCli } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'layerwise-analyze-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const INPUTS = 6;
const TRAINING = 90;
const SAMPLES = 4;

/** Uniform [0, 1) values from a fixed linear congruential sequence. */
function uniform(count: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: count }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  });
}

/** 6 inputs -> 8 ReLU -> 3-class softmax, seeded; labels are its own predictions. */
async function tinyProject(): Promise<void> {
  tf.env().set('PROD', true); // no "install tfjs-node" banner
  await tf.setBackend('cpu');
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [INPUTS],
        units: 8,
        activation: 'relu',
        name: 'hidden',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        biasInitializer: tf.initializers.randomUniform({ minval: 0, maxval: 0.2, seed: 2 })
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        name: 'out',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 3 })
      })
    ]
  });
  await saveModelToDir(model, join(dir, 'model'));
  const labelsOf = async (x: Float32Array, rows: number) => {
    const predicted = tf.tidy(() =>
      (model.predict(tf.tensor2d(x, [rows, INPUTS])) as tf.Tensor).argMax(-1)
    );
    const labels = Int32Array.from(await predicted.data());
    predicted.dispose();
    return labels;
  };
  const trainX = uniform(TRAINING * INPUTS, 7);
  const testX = uniform(SAMPLES * INPUTS, 99);
  await writeNpy(join(dir, 'train_x.npy'), { shape: [TRAINING, INPUTS], data: trainX });
  await writeNpy(join(dir, 'train_y.npy'), {
    shape: [TRAINING],
    data: await labelsOf(trainX, TRAINING)
  });
  await writeNpy(join(dir, 'test_x.npy'), { shape: [SAMPLES, INPUTS], data: testX });
  await writeNpy(join(dir, 'test_y.npy'), {
    shape: [SAMPLES],
    data: await labelsOf(testX, SAMPLES)
  });
  const withNan = testX.slice();
  withNan[INPUTS + 2] = NaN;
  await writeNpy(join(dir, 'nan_x.npy'), { shape: [SAMPLES, INPUTS], data: withNan });
  model.dispose();
}

const baseSpec: AnalysisSpecInput = {
  model: 'model/model.json',
  samples: 'test_x.npy',
  sampleLabels: 'test_y.npy',
  maxSamples: 3,
  training: { inputs: 'train_x.npy', labels: 'train_y.npy' },
  variables: [[0], [1], [2, 3], [4, 5]],
  variableNames: ['a', 'b', 'cd', 'ef'],
  options: { probe: { maxEpochs: 30, patience: 5 } }
};

function spec(
  name: string,
  changes: Partial<AnalysisSpecInput> | Record<string, unknown> = {}
): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ ...baseSpec, ...changes }));
  return path;
}

before(tinyProject);

describe('layerwise analyze', () => {
  it('writes a valid result.json and a self-contained report.html', async () => {
    const out = join(dir, 'out');
    const run = await runCli(['analyze', spec('spec'), '--out', out, '--backend', 'cpu']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      join(out, 'result.json'),
      join(out, 'report.html')
    ]);
    assert.match(run.stderr, /backend: cpu/);
    assert.match(
      run.stderr,
      /\[passes\] 100% \(48\/48\)/,
      '2^4 masked passes for each of 3 samples'
    );
    assert.deepEqual(readdirSync(out).sort(), ['report.html', 'result.json'], 'no temporary files');

    const result = AnalysisResult.parse(JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')));
    assert.deepEqual(
      result.layers.map(l => [l.name, l.kind]),
      [
        ['hidden', 'probe'],
        ['out', 'output']
      ]
    );
    assert.deepEqual(result.variables, { n: 4, names: ['a', 'b', 'cd', 'ef'] });
    assert.deepEqual(
      result.samples.map(s => s.index),
      [0, 1, 2]
    );
    assert.equal(result.runtime.backend, 'cpu');
    assert.equal(result.model.source, join(dir, 'model', 'model.json'));
    assert.equal(result.options.solver.kind, 'exact');
    assert.equal(result.options.probe.maxEpochs, 30);
    assert.equal(result.perSample.length, 3);

    const html = readFileSync(join(out, 'report.html'), 'utf8');
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=/, 'no external resources');
    assert.match(html, /plotly\.js \(cartesian - minified\)/, 'plotly is inlined');
    const embedded = (id: string) => {
      const match = new RegExp(
        `<script type="application/json" id="${id}">(.*?)</script>`,
        's'
      ).exec(html);
      assert.ok(match, id);
      return JSON.parse(match[1]);
    };
    assert.deepEqual(AnalysisResult.parse(embedded('layerwise-result')), result);
    const figures = embedded('layerwise-figures') as {
      id: string;
      variants: Record<string, { data: { name: string; x: unknown; y: (number | null)[] }[] }>;
    }[];
    const ids = figures.map(f => f.id);
    for (const id of ['strength', 'completeness', 'salient', 'tracking']) {
      assert.ok(ids.includes(`and-${id}`) && ids.includes(`or-${id}`), id);
    }
    assert.ok(ids.includes('probes'));
    // The bars of Fig. 3a (one facet per layer) carry the result's own numbers.
    const bars = figures.find(f => f.id === 'and-strength')!.variants.final.data;
    const overlap = bars.filter(t => t.name === PART_LABELS.final.overlap);
    assert.equal(overlap.length, result.metrics.final.length);
    result.metrics.final.forEach((layer, i) => {
      assert.deepEqual(
        overlap[i].x,
        layer.and.map(m => m.order)
      );
      assert.deepEqual(
        overlap[i].y,
        layer.and.map(m => m.overlap)
      );
    });
    const probe = figures.find(f => f.id === 'probes')!.variants.final.data;
    assert.deepEqual(probe[0].y, [result.layers[0].probe!.trainAccuracy]);
  });

  it('refuses user mistakes with a message, a non-zero exit and no stack', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"modelTopology": ');
    writeFileSync(
      join(dir, 'noweights.json'),
      JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['gone.bin'], weights: [] }] })
    );
    const out = join(dir, 'never');
    const cases: [string[], RegExp][] = [
      [['analyze', join(dir, 'absent.json'), '--out', out], /absent\.json: no such file/],
      [
        ['analyze', spec('badfield', { sampels: 'x.npy' }), '--out', out],
        /is invalid:[\s\S]*sampels/
      ],
      [
        ['analyze', spec('spec-unreadable', { model: 'broken.json' }), '--out', out],
        /broken\.json: not valid JSON/
      ],
      [
        ['analyze', spec('spec-noweights', { model: 'noweights.json' }), '--out', out],
        /weights file .*gone\.bin: no such file/
      ],
      [
        ['analyze', spec('layer', { layers: ['nope'] }), '--out', out],
        /unknown layer 'nope'.*hidden, out/
      ],
      [
        ['analyze', spec('nan', { samples: 'nan_x.npy' }), '--out', out],
        /nan_x\.npy: sample 1 holds NaN/
      ],
      [
        ['analyze', spec('missing', { sampleLabels: 'nolabels.npy' }), '--out', out],
        /nolabels\.npy: no such file/
      ],
      [
        [
          'analyze',
          spec('large', {
            variables: Array.from({ length: 17 }, (_, i) => [i]),
            variableNames: undefined
          }),
          '--out',
          out
        ],
        /n = 17 variables is above the limit of 16\. Estimated cost: 2\^17 = 131,072 masked forward passes per sample, 393,216 for 3 sample\(s\).*--force/
      ],
      [
        ['analyze', spec('spec2'), '--out', out, '--backend', 'gpu9000'],
        /unknown tfjs backend 'gpu9000'/
      ],
      [['demo', '--out', out, '--samples', '0'], /--samples must be a positive integer/]
    ];
    const runs = await Promise.all(
      cases.map(([args]) =>
        runCli([...args, ...(args.includes('--backend') ? [] : ['--backend', 'cpu'])])
      )
    );
    runs.forEach((run, i) => assertUserError(run, cases[i][1]));
  });
});

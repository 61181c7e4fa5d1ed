import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { analyze } from '../../src/engine/analyze';
import { TfjsRunner } from '../../src/engine/tfjsRunner';
import { AnalysisOptions } from '../../src/protocol/options';
import { ComparisonFile, type AnalysisResult } from '../../src/protocol/result';
import { assertUserError, runCli } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'layerwise-compare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** v(x_S) = sum over S of w_i x_i: order-1 AND terms only. */
async function linearResult(w: number[], kappaFactor = 0.04): Promise<AnalysisResult> {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 2, name: 'out', useBias: false }));
  model.layers[0].setWeights([
    tf.tensor2d(
      w.flatMap(wi => [0, wi]),
      [3, 2]
    )
  ]);
  return analyze({
    runner: new TfjsRunner(model),
    samples: { data: Float32Array.of(1, 1, 1, 1, -1, 1), count: 2 },
    labels: [1, 1],
    options: AnalysisOptions.parse({
      variables: [[0], [1], [2]],
      baseline: { kind: 'zero' },
      layers: ['out'],
      solver: { kind: 'exact', kappaFactor }
    }),
    source: `linear ${w.join(' ')}`,
    toolVersion: '0.0.0'
  });
}

function write(name: string, result: AnalysisResult): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(result));
  return path;
}

describe('layerwise compare', () => {
  let a: string;
  let b: string;
  let c: string;
  before(async () => {
    a = write('a.json', await linearResult([2, 1, 0.001]));
    // x_2 now matters as much as the others: one more salient order-1 term in each sample
    b = write('b.json', await linearResult([2, 1, 1.5]));
    c = write('c.json', await linearResult([2, 1, 1.5], 0.1));
  });

  it('writes compare.json and an offline compare.html', async () => {
    const out = join(dir, 'ab');
    const run = await runCli(['compare', a, b, '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.trim().split('\n'), [
      join(out, 'compare.json'),
      join(out, 'compare.html')
    ]);
    const file = ComparisonFile.parse(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')));
    assert.deepEqual([file.a.source, file.b.source], ['linear 2 1 0.001', 'linear 2 1 1.5']);
    const order1 = file.rows.find(r => r.kind === 'and' && r.order === 1)!;
    // salient: {x_0, x_1} in A, {x_0, x_1, x_2} in B, in both samples: IoU 2/3
    assert.deepEqual([order1.layerA, order1.layerB, order1.samples], ['out', 'out', 2]);
    assert.ok(Math.abs(order1.iou! - 2 / 3) < 1e-12, `${order1.iou}`);
    assert.deepEqual(
      file.rows.map(r => `${r.kind}${r.order}`),
      ['and1', 'and2', 'and3', 'or2', 'or3']
    );
    const html = readFileSync(join(out, 'compare.html'), 'utf8');
    for (const id of [
      'figure-iou-and',
      'figure-iou-or',
      'figure-A-and-strength',
      'figure-B-or-strength'
    ]) {
      assert.ok(html.includes(`id="${id}"`), id);
    }
    assert.doesNotMatch(html, /<script src=/, 'self-contained');
    assert.match(run.stderr, /out \/ out: IoU by order: AND 0\.67/);
  });

  it('refuses analyses made with different options, saying which', async () => {
    const run = await runCli(['compare', a, c, '--out', join(dir, 'ac')]);
    assertUserError(run, /cannot be compared; .*solver: .*0\.04.* vs .*0\.1/);
  });

  it('refuses files that are not results, and malformed layer pairs', async () => {
    const notJson = join(dir, 'x.json');
    writeFileSync(notJson, 'nope');
    assertUserError(
      await runCli(['compare', a, notJson, '--out', join(dir, 'x')]),
      /x\.json is not JSON/
    );
    assertUserError(
      await runCli(['compare', a, b, '--out', join(dir, 'x'), '--layers', 'out']),
      /--layers takes pairs A:B/
    );
    assertUserError(
      await runCli(['compare', a, b, '--out', join(dir, 'x'), '--layers', 'out:dense']),
      /layer 'dense' is not in B/
    );
  });
});

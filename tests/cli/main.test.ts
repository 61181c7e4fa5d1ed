import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, it, mock } from 'node:test';
import { commands, main } from '../../src/backend/cli/index';
import { UserError } from '../../src/backend/cli/errors';
import { AnalysisSpec, expandVariables, specOptions } from '../../src/protocol/spec';
import { ROOT } from './helpers';

/** Runs main() with a throwing command registered, capturing what it prints. */
async function failWith(error: unknown, debug: string): Promise<{ code: number; printed: string }> {
  const lines: string[] = [];
  mock.method(console, 'error', (...args: unknown[]) => lines.push(args.join(' ')));
  commands.boom = {
    summary: 'fails',
    usage: 'usage: layerwise boom',
    run: () => Promise.reject(error)
  };
  const saved = process.env.LAYERWISE_DEBUG;
  process.env.LAYERWISE_DEBUG = debug;
  try {
    const code = await main(['boom']);
    return { code, printed: lines.join('\n') };
  } finally {
    process.env.LAYERWISE_DEBUG = saved;
    delete commands.boom;
    mock.restoreAll();
  }
}

describe('cli main', () => {
  afterEach(() => mock.restoreAll());

  it('prints a user error alone, with its exit code', async () => {
    const { code, printed } = await failWith(new UserError('bad things', 2), '');
    assert.equal(code, 2);
    assert.equal(printed, 'layerwise: bad things');
  });

  it('prints an unexpected error briefly, with the LAYERWISE_DEBUG hint', async () => {
    const { code, printed } = await failWith(new TypeError('x is undefined'), '');
    assert.equal(code, 1);
    assert.match(
      printed,
      /^layerwise: unexpected error: x is undefined\nRerun with LAYERWISE_DEBUG=1/
    );
    assert.doesNotMatch(printed, /\n\s+at /);
  });

  it('prints the stack under LAYERWISE_DEBUG=1', async () => {
    const { printed } = await failWith(new TypeError('x is undefined'), '1');
    assert.match(printed, /TypeError: x is undefined\n\s+at /);
  });
});

describe('spec', () => {
  it('expands a grid of patches row by row, skipping excluded cells', () => {
    const { variables, names } = expandVariables({
      grid: {
        shape: [8, 8],
        patch: [2, 2],
        exclude: [
          [0, 0],
          [0, 3],
          [3, 0],
          [3, 3]
        ]
      }
    });
    assert.equal(variables.length, 12);
    assert.deepEqual(names?.slice(0, 3), ['r0c1', 'r0c2', 'r1c0']);
    assert.deepEqual(variables[0], [2, 3, 10, 11]);
    assert.deepEqual(variables[11], [52, 53, 60, 61]);
    assert.equal(new Set(variables.flat()).size, 48, 'no pixel in two patches');
  });

  it('keeps every channel of a pixel in its patch', () => {
    const { variables } = expandVariables({
      grid: { shape: [2, 4, 3], patch: [2, 2], exclude: [] }
    });
    assert.deepEqual(variables[1], [6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22, 23]);
  });

  it('takes the stability analysis and the solver options from the spec', () => {
    const spec = AnalysisSpec.parse({
      model: 'm.json',
      samples: 's.npy',
      variables: [[0], [1]],
      options: {
        stability: { enabled: true, draws: 3, sigma: 0.05 },
        solver: { kappaReference: 'range', alternatives: 0 }
      }
    });
    const options = specOptions(spec);
    assert.deepEqual(options.stability, { enabled: true, draws: 3, sigma: 0.05, seed: 0 });
    assert.deepEqual(
      [options.solver.kappaReference, options.solver.alternatives, options.solver.tieBreak],
      ['range', 0, 'mix-hash']
    );
  });

  it('refuses unknown keys and patches that do not tile the image', () => {
    const base = { model: 'm.json', samples: 's.npy', variables: [[0]] };
    assert.equal(AnalysisSpec.safeParse({ ...base, sampels: 'x' }).success, false);
    assert.equal(AnalysisSpec.safeParse({ ...base, options: { solvr: {} } }).success, false);
    const grid = AnalysisSpec.safeParse({
      ...base,
      variables: { grid: { shape: [8, 8], patch: [3, 2] } }
    });
    assert.equal(grid.success, false);
    assert.match(JSON.stringify(grid.error?.issues), /divide the image/);
  });

  it('the demo spec: 10 patches of 4 pixels (the n = 12 spec beside it), 30 samples, every layer', () => {
    const spec = AnalysisSpec.parse(
      JSON.parse(readFileSync(join(ROOT, 'examples', 'demo', 'spec.json'), 'utf8'))
    );
    const options = specOptions(spec);
    assert.equal(options.variables.length, 10);
    assert.ok(options.variables.every(v => v.length === 4));
    assert.deepEqual(options.layers, []);
    assert.equal(spec.maxSamples, 30);
    assert.equal(options.solver.kind, 'exact');
    const n12 = AnalysisSpec.parse(
      JSON.parse(readFileSync(join(ROOT, 'examples', 'demo', 'spec-n12.json'), 'utf8'))
    );
    assert.equal(specOptions(n12).variables.length, 12);
    assert.deepEqual({ ...n12, variables: null }, { ...spec, variables: null });
  });
});

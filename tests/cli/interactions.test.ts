import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeNpy } from '../../src/backend/npy';
import { InteractionsFile } from '../../src/protocol/result';
import { assertUserError, runCli, runNode, ROOT } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'layerwise-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function popcount(x: number): number {
  let count = 0;
  for (; x; x &= x - 1) count++;
  return count;
}

/** I(S) = sum over T subset of S of (-1)^{|S|-|T|} v(T), by brute force (3^n). */
function bruteHarsanyi(values: ArrayLike<number>): number[] {
  return Array.from({ length: values.length }, (_, s) => {
    let sum = 0;
    for (let t = s; ; t = (t - 1) & s) {
      sum += (popcount(s) - popcount(t)) % 2 ? -values[t] : values[t];
      if (t === 0) break;
    }
    return sum;
  });
}

function values(n: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length: 2 ** n }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
}

async function npy(name: string, data: Float32Array | Float64Array | Int32Array, shape?: number[]) {
  const path = join(dir, name);
  await writeNpy(path, { shape: shape ?? [data.length], data });
  return path;
}

describe('layerwise interactions', () => {
  it('--solver none writes the Harsanyi transform with the documented fields', async () => {
    const v = values(5, 3);
    const out = join(dir, 'none.json');
    const run = await runCli([
      'interactions',
      await npy('v5.npy', v),
      '--out',
      out,
      '--solver',
      'none'
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.trim(), out);
    const file = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.deepEqual(Object.keys(JSON.parse(readFileSync(out, 'utf8'))).sort(), [
      'and',
      'delta',
      'gap',
      'iterations',
      'kappa',
      'n',
      'objective',
      'or',
      'seconds',
      'solver',
      'tieBreak',
      'warnings'
    ]);
    assert.equal(file.n, 5);
    assert.equal(file.solver, 'none');
    assert.equal(file.gap, null);
    const expected = bruteHarsanyi(v);
    file.and.forEach((x, s) => assert.ok(Math.abs(x - expected[s]) < 1e-12, `I(${s})`));
    assert.ok(file.or.every(x => x === 0) && file.delta.every(x => x === 0));
    assert.equal(file.or.length, 32);
    const objective = expected.slice(1).reduce((a, b) => a + Math.abs(b), 0);
    assert.ok(Math.abs(file.objective - objective) < 1e-9);
    assert.deepEqual(
      readdirSync(dir).filter(f => f.endsWith('.tmp')),
      [],
      'no temporary file left'
    );
  });

  it('reads float32 values', async () => {
    const v = Float32Array.from(values(3, 11));
    const out = join(dir, 'f32.json');
    const run = await runCli([
      'interactions',
      await npy('v3f.npy', v),
      '--out',
      out,
      '--solver',
      'none'
    ]);
    assert.equal(run.code, 0, run.stderr);
    const expected = bruteHarsanyi(Float64Array.from(v));
    const file = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    file.and.forEach((x, s) => assert.ok(Math.abs(x - expected[s]) < 1e-12));
  });

  it('the default (exact) solver reconstructs every output within kappa', async () => {
    const v = values(4, 5);
    const out = join(dir, 'exact.json');
    const run = await runCli([
      'interactions',
      await npy('v4.npy', v),
      '--out',
      out,
      '--kappa-factor',
      '0.05'
    ]);
    assert.equal(run.code, 0, run.stderr);
    const file = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.equal(file.solver, 'exact');
    assert.ok(Math.abs(file.kappa - 0.05 * Math.abs(v[15] - v[0])) < 1e-12);
    for (let t = 0; t < 16; t++) {
      let sum = 0;
      for (let s = 0; s < 16; s++) {
        if ((s & t) === s) sum += file.and[s];
        if (s & t) sum += file.or[s];
      }
      assert.ok(Math.abs(v[t] - file.delta[t] - sum) < 1e-6, `reconstruction at ${t}`);
      assert.ok(Math.abs(file.delta[t]) <= file.kappa + 1e-9);
    }
  });

  it('warns before solving when the full and empty inputs score alike; range bounds it', async () => {
    // v(x_N) = v(x_{}) = 0 while v spans [-1, 1]: the paper's kappa is 0
    const v = Float64Array.from({ length: 16 }, (_, mask) =>
      mask === 0 || mask === 15 ? 0 : Math.sin(3 * mask)
    );
    const range = Math.max(...v) - Math.min(...v);
    const path = await npy('flat.npy', v);
    const out = join(dir, 'flat.json');
    const flat = await runCli(['interactions', path, '--out', out]);
    assert.equal(flat.code, 0, flat.stderr);
    assert.match(flat.stderr, /warning: \|v\(x_N\) - v\(x_\{\}\)\| = 0\.00 is 0\.0% of the range/);
    const file = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.equal(file.kappa, 0);
    assert.equal(file.tieBreak, 'mix-hash');
    assert.equal(file.warnings.length, 1);
    assert.match(file.warnings[0], /--kappa-reference range/);

    const ranged = await runCli(['interactions', path, '--out', out, '--kappa-reference', 'range']);
    assert.equal(ranged.code, 0, ranged.stderr);
    assert.doesNotMatch(ranged.stderr, /warning/);
    const bounded = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.ok(Math.abs(bounded.kappa - 0.04 * range) < 1e-12);
    assert.deepEqual(bounded.warnings, []);
  });

  it('refuses user mistakes with a message, a non-zero exit and no stack', async () => {
    const out = join(dir, 'never.json');
    const nan = values(3, 1);
    nan[5] = NaN;
    const cases: [string[], RegExp][] = [
      [['interactions', join(dir, 'missing.npy'), '--out', out], /missing\.npy: no such file/],
      [
        ['interactions', await npy('int.npy', Int32Array.of(1, 2, 3, 4)), '--out', out],
        /expected float32 or float64 values, got int32/
      ],
      [
        ['interactions', await npy('v12.npy', new Float64Array(12)), '--out', out],
        /expected 2\^n values .* got 12/
      ],
      [
        ['interactions', await npy('m.npy', new Float64Array(8), [2, 4]), '--out', out],
        /1-D vector .* shape \(2, 4\)/
      ],
      [['interactions', await npy('nan.npy', nan), '--out', out], /value 5 is NaN/],
      [
        ['interactions', await npy('big.npy', new Float64Array(2 ** 17)), '--out', out],
        /n = 17 .*limit of 16.*Estimated cost: 2\^17 = 131,072 subsets.*--force/
      ],
      [
        ['interactions', join(dir, 'v5.npy'), '--out', out, '--solver', 'magic'],
        /--solver must be one of exact, lab-sgd, none/
      ],
      [['interactions', join(dir, 'v5.npy')], /--out is required/],
      [
        ['interactions', join(dir, 'v5.npy'), '--out', out, '--kappa-factor', 'x'],
        /--kappa-factor must be in \[0, 1\]/
      ],
      [['interactions', join(dir, 'v5.npy'), '--out', out, '--bogus'], /Unknown option '--bogus'/]
    ];
    writeFileSync(join(dir, 'garbage.npy'), 'not numpy');
    cases.push([
      ['interactions', join(dir, 'garbage.npy'), '--out', out],
      /not a NumPy \.npy file/
    ]);
    // Concurrently: each run is a fresh process whose start-up dominates.
    const runs = await Promise.all(cases.map(([args]) => runCli(args)));
    runs.forEach((run, i) => assertUserError(run, cases[i][1]));
    assert.equal(existsSync(out), false);
  });

  it('--force lets n > 16 through', async () => {
    const out = join(dir, 'forced.json');
    const v = new Float64Array(2 ** 17);
    v[2 ** 17 - 1] = 1;
    const run = await runCli([
      'interactions',
      await npy('big17.npy', v),
      '--out',
      out,
      '--solver',
      'none',
      '--force'
    ]);
    assert.equal(run.code, 0, run.stderr);
    const file = InteractionsFile.parse(JSON.parse(readFileSync(out, 'utf8')));
    assert.equal(file.n, 17);
    assert.equal(file.and[2 ** 17 - 1], 1);
  });

  it('prints usage for --help and refuses unknown commands', async () => {
    const [help, overview, unknown] = await Promise.all([
      runCli(['interactions', '--help']),
      runCli(['--help']),
      runCli(['frobnicate'])
    ]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: layerwise interactions VALUES\.npy --out FILE\.json/);
    assert.match(overview.stdout, /analyze[\s\S]*demo[\s\S]*interactions/);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  });

  it('the launcher says how to build when build/ is missing', async () => {
    const bin = join(dir, 'pkg', 'bin');
    mkdirSync(bin, { recursive: true });
    copyFileSync(join(ROOT, 'bin', 'layerwise.js'), join(bin, 'layerwise.js'));
    const run = await runNode([join(bin, 'layerwise.js'), '--help']);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /not built[\s\S]*scripts\/setup\.sh/);
  });
});

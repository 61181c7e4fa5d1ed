import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  encodeNpy,
  parseNpy,
  readNpy,
  toFloat32,
  toFloat64,
  toIntegers,
  writeNpy,
  type NpyData
} from '../../src/backend/npy';
import { AnalysisInputError } from '../../src/engine/errors';
import { hasPython, runPython } from './helpers';

const dir = mkdtempSync(join(tmpdir(), 'layerwise-npy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A .npy file by hand: any version, header text and data bytes. */
function handMade(
  version: number,
  header: string,
  data: Uint8Array = new Uint8Array(0)
): Uint8Array {
  const lengthBytes = version === 1 ? 2 : 4;
  const text = new TextEncoder().encode(header + '\n');
  const out = new Uint8Array(8 + lengthBytes + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + text.length);
  return out;
}

function rejects(bytes: Uint8Array, message: RegExp): void {
  assert.throws(
    () => parseNpy(bytes, 'x.npy'),
    (error: unknown) => error instanceof AnalysisInputError && message.test(error.message)
  );
}

describe('npy', () => {
  const cases: [string, NpyData, number[]][] = [
    ['float32', Float32Array.from([1.5, -2, 3.25, 0, 7, 1e-7]), [2, 3]],
    ['float64', Float64Array.from([Math.PI, -1e300, 5e-324, 0]), [4]],
    ['int32', Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 0, 5]), [2, 1, 2]],
    ['int64', BigInt64Array.from([-(2n ** 63n), 2n ** 62n, 3n]), [3]],
    ['uint8', Uint8Array.from([0, 255, 17]), [3]]
  ];
  for (const [dtype, data, shape] of cases) {
    it(`round-trips ${dtype} through a file`, async () => {
      const path = join(dir, `${dtype}.npy`);
      await writeNpy(path, { shape, data });
      const back = await readNpy(path);
      assert.equal(back.dtype, dtype);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual(
        Array.from(back.data as ArrayLike<unknown>),
        Array.from(data as ArrayLike<unknown>)
      );
      assert.equal(readFileSync(path).length % 64, data.byteLength % 64, 'data starts 64-aligned');
    });
  }

  it('round-trips a scalar and an empty array', () => {
    const scalar = parseNpy(encodeNpy({ shape: [], data: Float64Array.of(2.5) }));
    assert.deepEqual([scalar.shape, Array.from(scalar.data as Float64Array)], [[], [2.5]]);
    const empty = parseNpy(encodeNpy({ shape: [0, 4], data: new Float32Array(0) }));
    assert.deepEqual([empty.shape, empty.data.length], [[0, 4], 0]);
  });

  it('reads format versions 2 and 3 and aligns the data', () => {
    const data = new Uint8Array(Float64Array.of(1, 2, 3).buffer);
    for (const version of [2, 3]) {
      const header = `{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } ` + ' '.repeat(3);
      const parsed = parseNpy(handMade(version, header, data));
      assert.deepEqual(Array.from(parsed.data as Float64Array), [1, 2, 3]);
    }
  });

  it('refuses what it cannot read, with the reason', () => {
    rejects(new TextEncoder().encode('just text, no magic'), /not a NumPy \.npy file/);
    rejects(
      handMade(1, `{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }`, new Uint8Array(16)),
      /Fortran-ordered.*ascontiguousarray/
    );
    rejects(
      handMade(1, `{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(4)),
      /big-endian/
    );
    rejects(
      handMade(1, `{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16)),
      /unsupported dtype '<c16'.*float32/
    );
    rejects(
      handMade(1, `{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }`, new Uint8Array(16)),
      /truncated data: shape \(4\) needs 32 bytes, the file has 16$/
    );
    rejects(handMade(4, `{}`), /unsupported \.npy format version 4/);
    rejects(handMade(1, `{'descr': '<f8'}`), /malformed \.npy header/);
  });

  it('refuses a hostile or cut-off header with a reason, never a crash', () => {
    const f8 = (shape: string) => `{'descr': '<f8', 'fortran_order': False, 'shape': ${shape}, }`;
    const full = handMade(1, f8('(2,)'), new Uint8Array(16));
    // one byte of the magic string wrong, the rest right
    const wrongMagic = full.slice();
    wrongMagic[5] = 0x5a;
    rejects(wrongMagic, /not a NumPy \.npy file/);
    rejects(full.subarray(0, 9), /not a NumPy \.npy file/);
    // version 2 keeps its header length in 4 bytes: a file cut inside them
    rejects(handMade(2, f8('(2,)')).subarray(0, 11), /truncated \.npy header/);
    // a header length that points past the end of the file
    const longHeader = full.slice();
    new DataView(longHeader.buffer).setUint16(8, 60000, true);
    rejects(longHeader, /truncated \.npy header/);
    for (const shape of ['(2, -1)', '(2.5,)', '(1e400,)', '(x,)']) {
      rejects(handMade(1, f8(shape), new Uint8Array(16)), /malformed shape/);
    }
    for (const header of [
      `{'descr': <f8, 'fortran_order': False, 'shape': (2,), }`,
      `{'descr': x'<f8', 'fortran_order': False, 'shape': (2,), }`,
      `{'descr': '<f8', 'fortran_order': False, 'shape': 2, }`,
      `{'descr': '<f8', 'shape': (2,), }`,
      `{'descr': True, 'fortran_order': False, 'shape': (2,), }`,
      `{'descr': '<f8', 'fortran_order': False, 'shape': '2', }`
    ]) {
      rejects(handMade(1, header, new Uint8Array(16)), /malformed \.npy header/);
    }
  });

  it('writes the header numpy expects, version 2 when it outgrows version 1', () => {
    const header = (bytes: Uint8Array) =>
      new TextDecoder().decode(
        bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true))
      );
    assert.match(
      header(encodeNpy({ shape: [3], data: Float64Array.of(1, 2, 3) })),
      /'shape': \(3,\), }/
    );
    // 30,000 axes of length 1 make a header of about 90 kB: too long for version 1's 2 bytes
    const shape = new Array<number>(30000).fill(1);
    const bytes = encodeNpy({ shape, data: Float64Array.of(5) });
    assert.deepEqual([bytes[6], bytes[7]], [2, 0]);
    assert.equal(bytes.length % 64, 8, 'the data (8 bytes) starts 64-aligned');
    const back = parseNpy(bytes);
    assert.deepEqual([back.shape.length, Array.from(back.data as Float64Array)], [30000, [5]]);
    assert.throws(
      () => encodeNpy({ shape: [3], data: Float64Array.of(1) }),
      /shape \(3\) holds 3 values, the data 1/
    );
  });

  it('reads the header spellings numpy has used', () => {
    const data = new Uint8Array([7, 8, 9]);
    for (const descr of ['|u1', '<u1', 'u1']) {
      const header = `{"descr": "${descr}", "fortran_order": False, "shape": ( 3L , ), }`;
      const parsed = parseNpy(handMade(1, header, data));
      assert.deepEqual(
        [parsed.dtype, parsed.shape, Array.from(parsed.data as Uint8Array)],
        ['uint8', [3], [7, 8, 9]]
      );
    }
  });

  it('converts any stored type to floats', () => {
    const int64 = parseNpy(encodeNpy({ shape: [2], data: BigInt64Array.of(-3n, 2n ** 40n) }));
    assert.deepEqual(Array.from(toFloat64(int64)), [-3, 2 ** 40]);
    assert.deepEqual(Array.from(toFloat32(int64)), [-3, 2 ** 40]);
    const float64 = parseNpy(encodeNpy({ shape: [2], data: Float64Array.of(0.1, -2) }));
    assert.deepEqual(Array.from(toFloat32(float64)), [Math.fround(0.1), -2]);
    const uint8 = parseNpy(encodeNpy({ shape: [1], data: Uint8Array.of(200) }));
    assert.deepEqual(Array.from(toFloat64(uint8)), [200]);
  });

  it('names a missing file without a stack', async () => {
    await assert.rejects(readNpy(join(dir, 'nope.npy')), /nope\.npy: no such file/);
  });

  it('converts labels to integers and refuses fractions', () => {
    assert.deepEqual(
      Array.from(
        toIntegers(parseNpy(encodeNpy({ shape: [2], data: BigInt64Array.of(3n, 9n) })), 'y')
      ),
      [3, 9]
    );
    assert.throws(
      () => toIntegers(parseNpy(encodeNpy({ shape: [1], data: Float32Array.of(1.5) })), 'y.npy'),
      /y\.npy: expected integer values/
    );
    const edge = encodeNpy({
      shape: [2],
      data: BigInt64Array.of(2n ** 31n - 1n, -(2n ** 31n - 1n))
    });
    assert.deepEqual(Array.from(toIntegers(parseNpy(edge), 'y')), [2 ** 31 - 1, -(2 ** 31 - 1)]);
    assert.throws(
      () => toIntegers(parseNpy(encodeNpy({ shape: [1], data: BigInt64Array.of(2n ** 31n) })), 'y'),
      /found 2147483648 at index 0/
    );
  });

  it('reads files numpy wrote, and numpy reads ours', async t => {
    if (!hasPython) {
      t.skip('no .venv/bin/python with numpy here; the numpy interoperability check is skipped');
      return;
    }
    const written = await runPython(`
np.save(${JSON.stringify(join(dir, 'np_f32.npy'))}, np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8)
np.save(${JSON.stringify(join(dir, 'np_i64.npy'))}, np.array([-5, 0, 2**40], dtype=np.int64))
np.save(${JSON.stringify(join(dir, 'np_u8.npy'))}, np.array([[1, 2], [3, 250]], dtype=np.uint8))
np.save(${JSON.stringify(join(dir, 'np_f64_v2.npy'))}, np.linspace(0, 1, 5), allow_pickle=False)
np.lib.format.write_array(open(${JSON.stringify(join(dir, 'np_v3.npy'))}, 'wb'), np.arange(3, dtype=np.float64), version=(3, 0))
np.save(${JSON.stringify(join(dir, 'np_fortran.npy'))}, np.asfortranarray(np.ones((2, 3), dtype=np.float32)))
np.save(${JSON.stringify(join(dir, 'np_bool.npy'))}, np.array([True, False]))`);
    assert.equal(written.code, 0, written.stderr);
    const f32 = await readNpy(join(dir, 'np_f32.npy'));
    assert.deepEqual(f32.shape, [2, 3, 4]);
    assert.deepEqual(
      Array.from(f32.data as Float32Array),
      Array.from({ length: 24 }, (_, i) => i / 8)
    );
    assert.deepEqual(Array.from((await readNpy(join(dir, 'np_i64.npy'))).data as BigInt64Array), [
      -5n,
      0n,
      2n ** 40n
    ]);
    const u8 = await readNpy(join(dir, 'np_u8.npy'));
    assert.deepEqual(
      [u8.dtype, u8.shape, Array.from(u8.data as Uint8Array)],
      ['uint8', [2, 2], [1, 2, 3, 250]]
    );
    assert.deepEqual(
      Array.from((await readNpy(join(dir, 'np_f64_v2.npy'))).data as Float64Array),
      [0, 0.25, 0.5, 0.75, 1]
    );
    assert.deepEqual(
      Array.from((await readNpy(join(dir, 'np_v3.npy'))).data as Float64Array),
      [0, 1, 2]
    );
    await assert.rejects(readNpy(join(dir, 'np_fortran.npy')), /Fortran-ordered/);
    await assert.rejects(readNpy(join(dir, 'np_bool.npy')), /unsupported dtype '\|b1'/);

    const ours = join(dir, 'ours.npy');
    await writeNpy(ours, { shape: [2, 2], data: Float32Array.of(0.5, -1, 3, 4.25) });
    const read = await runPython(
      `a = np.load(${JSON.stringify(ours)}); print(a.dtype, a.shape, a.flags['C_CONTIGUOUS'], a.ravel().tolist())`
    );
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), 'float32 (2, 2) True [0.5, -1.0, 3.0, 4.25]');
  });
});

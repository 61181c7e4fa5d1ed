/**
 * Solves to and from their Redis form (src/protocol/queueTask.ts), and the content address
 * that names a task: a retried or repeated task gets the same id, so BullMQ keeps one job
 * and one result for it.
 */
import { createHash } from 'node:crypto';
import type { AndOrSolution, DenseTerms, WarmStart } from '../../engine/andOr';
import type { StartBasis } from '../../engine/solver/dualSimplex';
import type { SolverOptions } from '../../protocol/options';
import {
  QUEUE_PROTOCOL,
  type SolveAnswer,
  type SolveTask,
  type WireBasis
} from '../../protocol/queueTask';
import { canonicalJson } from '../canonicalJson';

type Typed = Float64Array | Int32Array | Int8Array;

const bytesOf = (array: Typed) => Buffer.from(array.buffer, array.byteOffset, array.byteLength);
const encode = (array: Typed) => bytesOf(array).toString('base64');

function decoder<T extends Typed>(
  make: (buffer: ArrayBuffer, offset: number, length: number) => T,
  size: number
): (text: string, what: string) => T {
  return (text, what) => {
    const bytes = Buffer.from(text, 'base64');
    if (bytes.length % size !== 0) {
      throw new Error(`${what}: ${bytes.length} bytes is not a whole number of ${size}-byte items`);
    }
    // A copy: the Buffer may sit unaligned in node's shared pool.
    const own = new Uint8Array(bytes);
    return make(own.buffer, 0, bytes.length / size);
  };
}

const float64 = decoder((b, o, n) => new Float64Array(b, o, n), 8);
const int32 = decoder((b, o, n) => new Int32Array(b, o, n), 4);
const int8 = decoder((b, o, n) => new Int8Array(b, o, n), 1);

const basisToWire = (basis: StartBasis): WireBasis => ({
  values: encode(basis.values),
  kappa: basis.kappa,
  terms: encode(basis.terms),
  termSigns: encode(basis.termSigns),
  rows: encode(basis.rows),
  rowSides: encode(basis.rowSides)
});

const basisFromWire = (wire: WireBasis): StartBasis => ({
  values: float64(wire.values, 'basis.values'),
  kappa: wire.kappa,
  terms: int32(wire.terms, 'basis.terms'),
  termSigns: int8(wire.termSigns, 'basis.termSigns'),
  rows: int32(wire.rows, 'basis.rows'),
  rowSides: int8(wire.rowSides, 'basis.rowSides')
});

export function taskOf(
  version: string,
  values: ArrayLike<number>,
  options: SolverOptions,
  warm?: WarmStart
): SolveTask {
  return {
    protocol: QUEUE_PROTOCOL,
    version,
    values: encode(Float64Array.from(values)),
    options,
    ...(warm?.basis ? { warm: basisToWire(warm.basis) } : {})
  };
}

export function taskInputs(task: SolveTask): {
  values: Float64Array;
  options: SolverOptions;
  warm?: WarmStart;
} {
  return {
    values: float64(task.values, 'values'),
    options: task.options,
    warm: task.warm ? { basis: basisFromWire(task.warm) } : undefined
  };
}

/**
 * sha256 of the task's canonical JSON (its keys sorted): the same version, values, solver
 * options and warm start give the same id wherever and whenever they are submitted.
 */
export function taskId(task: SolveTask): string {
  return createHash('sha256').update(canonicalJson(task)).digest('hex');
}

const termsToWire = (terms: DenseTerms) => ({ and: encode(terms.and), or: encode(terms.or) });

export function answerOf(solution: AndOrSolution): SolveAnswer {
  return {
    ...termsToWire(solution),
    delta: encode(solution.delta),
    report: solution.report,
    ...(solution.basis ? { basis: basisToWire(solution.basis) } : {}),
    ...(solution.alternatives ? { alternatives: solution.alternatives.map(termsToWire) } : {})
  };
}

export function solutionOf(answer: SolveAnswer): AndOrSolution {
  const terms = (wire: { and: string; or: string }, what: string): DenseTerms => ({
    and: float64(wire.and, `${what}.and`),
    or: float64(wire.or, `${what}.or`)
  });
  return {
    ...terms(answer, 'solution'),
    delta: float64(answer.delta, 'delta'),
    report: answer.report,
    ...(answer.basis ? { basis: basisFromWire(answer.basis) } : {}),
    ...(answer.alternatives
      ? { alternatives: answer.alternatives.map((t, j) => terms(t, `alternatives[${j}]`)) }
      : {})
  };
}

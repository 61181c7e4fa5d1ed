/**
 * The Redis form of tasks and solutions: bit-for-bit round trips, content ids that follow
 * the content (and only it), and the --queue URL forms.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { solveAndOr } from '../../src/engine/andOr';
import { answerOf, solutionOf, taskId, taskInputs, taskOf } from '../../src/backend/queue/wire';
import { parseRedisUrl } from '../../src/backend/queue/redisUrl';
import { SolverOptions } from '../../src/protocol/options';
import { SolveAnswer, SolveTask } from '../../src/protocol/queueTask';

/** v(x_T) of a planted game on 4 variables, with a value no float32 holds exactly. */
const values = Float64Array.from({ length: 16 }, (_, mask) =>
  mask === 15 ? 1 / 3 : ((mask & 3) === 3 ? 1.5 : 0) + ((mask & 12) !== 0 ? 0.25 : 0)
);

describe('queue wire format', () => {
  it('a solution survives JSON and zod bit for bit, basis and alternatives included', async () => {
    const options = SolverOptions.parse({ alternatives: 2 });
    const solution = await solveAndOr(values, options);
    assert.ok(solution.basis, 'exact gives a basis');
    const wire = SolveAnswer.parse(JSON.parse(JSON.stringify(answerOf(solution))));
    // what AndOrSolution declares; the solver's own stats stay with it
    const { and, or, delta, report, basis, alternatives } = solution;
    assert.deepEqual(solutionOf(wire), { and, or, delta, report, basis, alternatives });
  });

  it('a task carries values, options and warm start exactly; its id follows its content', async () => {
    const options = SolverOptions.parse({});
    const warm = await solveAndOr(values, options);
    const task = SolveTask.parse(
      JSON.parse(JSON.stringify(taskOf('1.2.3', values, options, warm)))
    );
    const inputs = taskInputs(task);
    assert.deepEqual(inputs.values, values);
    assert.deepEqual(inputs.options, options);
    assert.deepEqual(inputs.warm?.basis, warm.basis);

    const id = taskId(taskOf('1.2.3', values, options, warm));
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(taskId(taskOf('1.2.3', Array.from(values), { ...options }, warm)), id);
    const other = Float64Array.from(values);
    other[3] += 2 ** -40;
    for (const changed of [
      taskOf('1.2.4', values, options, warm),
      taskOf('1.2.3', other, options, warm),
      taskOf('1.2.3', values, { ...options, kappaFactor: 0.05 }, warm),
      taskOf('1.2.3', values, options)
    ]) {
      assert.notEqual(taskId(changed), id);
    }
  });

  it('reads redis:// and rediss:// URLs, credentials and database; refuses others', () => {
    assert.deepEqual(parseRedisUrl('redis://127.0.0.1:6390'), {
      connection: { host: '127.0.0.1', port: 6390, db: 0 },
      shown: 'redis://127.0.0.1:6390'
    });
    const full = parseRedisUrl('rediss://user:p%40ss@redis.internal/2');
    assert.deepEqual(full.connection, {
      host: 'redis.internal',
      port: 6379,
      db: 2,
      username: 'user',
      password: 'p@ss',
      tls: { servername: 'redis.internal' }
    });
    assert.equal(full.shown, 'rediss://redis.internal/2');
    assert.throws(
      () => parseRedisUrl('http://host:6379'),
      /must start with redis:\/\/ or rediss:\/\//
    );
    assert.throws(() => parseRedisUrl('localhost:6379'), /must (be a URL|start with)/);
    assert.throws(() => parseRedisUrl('redis://host/x'), /the database must be a number/);
  });
});

/**
 * Time left in a stage from the rate measured within that stage, shared by the CLI's
 * progress lines and the server's job progress. The solves stage starts with the problems
 * solved alongside the passes already counted, so a whole-job fraction (or done/total)
 * extrapolated over the elapsed time says "under a second" while most of the solving is
 * still ahead; only the problems finished since the stage began measure its pace.
 */

export interface StageCount {
  stage: string;
  done: number;
  total: number;
}

/**
 * Seconds until `remaining` more units are done at the pace of `doneInStage` units in
 * `elapsedSeconds`; null while nothing has been done in the stage (no pace to go by).
 */
export function secondsLeft(
  doneInStage: number,
  elapsedSeconds: number,
  remaining: number
): number | null {
  if (remaining <= 0) {
    return 0;
  }
  if (doneInStage <= 0 || elapsedSeconds <= 0) {
    return null;
  }
  return (remaining * elapsedSeconds) / doneInStage;
}

/**
 * A clock per stage: the first count of a stage starts it (time and units done then), and
 * every later count of the same stage is measured against that start.
 * `nowMs` is any monotonic clock in milliseconds.
 */
export function stageEta(): (count: StageCount, nowMs: number) => number | null {
  let stage: string | null = null;
  let startedAt = 0;
  let doneAtStart = 0;
  return ({ stage: current, done, total }, nowMs) => {
    if (current !== stage) {
      stage = current;
      startedAt = nowMs;
      doneAtStart = done;
    }
    return secondsLeft(done - doneAtStart, (nowMs - startedAt) / 1000, total - done);
  };
}

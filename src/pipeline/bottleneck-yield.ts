import type Bottleneck from 'bottleneck';

/**
 * Bottleneck's in-process limiter waits on `setTimeout(0)`, which Node rounds up to 1 ms, at every step of every
 * job: its store yields before each submit, register and free (so the local store behaves as asynchronously as the
 * Redis one), and a job admitted with no wait still starts on a timer. That is about 4 ms added to each request and,
 * because registering is serialised, a ceiling of ~400 jobs/s per limiter whatever its settings (measured in
 * BENCHMARKS.md). `setImmediate` yields just the same, after pending I/O, without the 1 ms floor (measured:
 * ~9,000 jobs/s alone, and 0.1 ms instead of 4.4 ms for one job).
 *
 * Bottleneck 2.19.5 is its last release (2019) and is pinned exactly, so these private hooks are not going to move;
 * the checks below still leave a limiter of another shape alone, which is only slower, never wrong. Set on our own
 * limiter instances, never on Bottleneck's prototypes, so a user's own limiters are untouched.
 */
export function withoutTimerFloor(limiter: Bottleneck): boolean {
  const internals = limiter as unknown as Internals;
  const store = internals._store;
  if (typeof store?.yieldLoop !== 'function' || !hasRunShape(internals)) return false;
  store.yieldLoop = yieldImmediately;
  startImmediately(internals);
  return true;
}

function yieldImmediately(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

interface Job {
  options: { id: string; expiration?: number | null };
  retryCount: number;
  doRun(): void;
  doExecute(chained: unknown, clearGlobalState: () => boolean, run: (wait: number) => unknown, free: (...args: unknown[]) => unknown): Promise<unknown>;
}

interface Internals {
  _store?: { yieldLoop?: unknown };
  _limiter: unknown;
  _scheduled: Record<string, unknown>;
  _run(index: string, job: Job, wait: number): unknown;
  _clearGlobalState(index: string): boolean;
  _free(index: string, job: Job, ...rest: unknown[]): unknown;
  jobStatus(id: string): string | null;
}

function hasRunShape(limiter: Internals): boolean {
  return ['_run', '_clearGlobalState', '_free', 'jobStatus'].every((name) => typeof (limiter as unknown as Record<string, unknown>)[name] === 'function');
}

/**
 * Bottleneck's own `_run` (lib/Bottleneck.js:190) for a first run with no wait and no expiration, started on
 * `setImmediate` instead of `setTimeout(0)`; anything else goes to the original. Its `stop()` cancels a started job
 * with `clearTimeout`, which cannot cancel an immediate, so the job checks it is still RUNNING (a dropped one no
 * longer is) before it executes, which is what the cancelled timer would have achieved.
 */
function startImmediately(limiter: Internals): void {
  const original = limiter._run.bind(limiter);
  limiter._run = (index, job, wait) => {
    if (wait > 0 || job.retryCount !== 0 || job.options.expiration != null) return original(index, job, wait);
    job.doRun();
    const clearGlobalState = limiter._clearGlobalState.bind(limiter, index);
    const run = limiter._run.bind(limiter, index, job);
    const free = limiter._free.bind(limiter, index, job);
    const timeout = setImmediate(() => {
      if (limiter.jobStatus(job.options.id) === 'RUNNING') void job.doExecute(limiter._limiter, clearGlobalState, run, free);
    });
    return (limiter._scheduled[index] = { timeout, expiration: undefined, job });
  };
}

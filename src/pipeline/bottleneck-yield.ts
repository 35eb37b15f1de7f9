import type Bottleneck from 'bottleneck';

/**
 * Bottleneck's in-process store yields to the event loop before every step of every job (submit, register, free)
 * with `setTimeout(0)`, which Node rounds up to 1 ms: about 4 ms added to each request and, because registering is
 * serialised, a ceiling of ~400 jobs/s per limiter whatever its settings (measured in BENCHMARKS.md). The yield
 * exists only so the local store behaves as asynchronously as the Redis one; `setImmediate` yields just the same,
 * after pending I/O, without the 1 ms floor (measured: ~9,800 jobs/s, 1.1 ms p50 per job).
 *
 * Bottleneck 2.19.5 is its last release (2019), so this private hook is not going to move; the check below still
 * leaves an unexpected store alone, which is only slower, never wrong. Set on our own limiter's store instance,
 * never on the shared prototype, so a user's own Bottleneck limiters are untouched.
 */
export function yieldWithoutTimerFloor(limiter: Bottleneck): boolean {
  const store = (limiter as unknown as { _store?: { yieldLoop?: unknown } })._store;
  if (store === undefined || typeof store.yieldLoop !== 'function') return false;
  store.yieldLoop = yieldImmediately;
  return true;
}

function yieldImmediately(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

import type pg from 'pg';

/** What `withLock` hands the function it runs under the lock. */
export interface LinkLock {
  /**
   * Aborted when the connection holding the lock is lost (server restart, network, `pg_terminate_backend`): the
   * server has then dropped the lock and another worker may take it. Check it before an unsafe step (a create).
   */
  readonly signal: AbortSignal;
}

export interface LockOptions {
  /**
   * How long to wait for a worker holding the same link's lock: 0 tries once (`pg_try_advisory_lock`); a busy
   * link then throws `LinkBusyError` at once, for a queue worker that would rather requeue the job than wait.
   * @default Infinity (wait as long as the holder takes)
   */
  timeoutMs?: number;
}

/** Largest `lock_timeout` PostgreSQL takes, in milliseconds. */
const MAX_LOCK_TIMEOUT_MS = 2_147_483_647;

/** `timeoutMs` checked: a whole number of milliseconds, Infinity for no limit. */
export function lockTimeout(options: LockOptions | undefined): number {
  const timeoutMs = options?.timeoutMs ?? Infinity;
  if (timeoutMs === Infinity) return timeoutMs;
  if (!Number.isInteger(timeoutMs) || timeoutMs < 0 || timeoutMs > MAX_LOCK_TIMEOUT_MS) {
    throw new RangeError(`withLock timeoutMs must be Infinity or a whole number of milliseconds from 0 to ${MAX_LOCK_TIMEOUT_MS}`);
  }
  return timeoutMs;
}

/**
 * Run `fn` holding the session-level advisory lock `key` on a connection of `pool` taken for the purpose (not one
 * the store's queries use, so `fn` may use the store however small its pool). The lock is released when `fn`
 * settles, whatever it does; should the unlock fail, the connection is closed instead, which releases the lock on
 * the server. A session lock rather than `pg_advisory_xact_lock`: no transaction stays open across the provider's
 * HTTP calls, so `idle_in_transaction_session_timeout` and vacuum are not in play. `busy` makes the error thrown
 * when the lock is not had within `timeoutMs`; `wrap` maps errors of the lock's own connection (not of `fn`).
 */
export async function withAdvisoryLock<T>(
  pool: pg.Pool,
  key: string,
  timeoutMs: number,
  busy: () => Error,
  wrap: (error: unknown) => unknown,
  fn: (lock: LinkLock) => Promise<T>,
): Promise<T> {
  const client = await pool.connect().catch((error: unknown) => {
    throw wrap(error);
  });
  const controller = new AbortController();
  const onError = (error: Error): void => {
    if (!controller.signal.aborted) {
      controller.abort(new Error('the connection holding the lock was lost; the lock is no longer held', { cause: error }));
    }
  };
  const onEnd = (): void => onError(new Error('connection ended'));
  client.on('error', onError);
  client.on('end', onEnd);
  let destroy: Error | undefined;
  try {
    const locked = await acquire(client, key, timeoutMs).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === '55P03') return false; // lock_timeout
      destroy = error instanceof Error ? error : new Error(String(error));
      throw wrap(error);
    });
    if (!locked) throw busy();
    try {
      return await fn({ signal: controller.signal });
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]);
      } catch (error) {
        destroy = error instanceof Error ? error : new Error(String(error));
      }
      if (controller.signal.aborted) destroy ??= new Error('lock connection lost');
    }
  } finally {
    client.off('error', onError);
    client.off('end', onEnd);
    client.release(destroy);
  }
}

async function acquire(client: pg.PoolClient, key: string, timeoutMs: number): Promise<boolean> {
  if (timeoutMs === 0) {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [key]);
    return result.rows[0]?.locked === true;
  }
  // A session setting on a connection only locks ever use; set before every wait.
  await client.query(`SELECT set_config('lock_timeout', $1, false)`, [timeoutMs === Infinity ? '0' : String(timeoutMs)]);
  await client.query('SELECT pg_advisory_lock($1::bigint)', [key]);
  return true;
}

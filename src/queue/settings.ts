import type { DefaultJobOptions } from 'bullmq';
import { OptionsError } from '../errors/validation-error.js';

/**
 * The prefix of every Redis key customer-sync uses: the push queue (`<namespace>:push:*`) and the shared provider
 * limits (`<namespace>:limit:<provider>`). Processes that share work and limits use the same namespace; another
 * one isolates a deployment (or a test run) on a shared Redis.
 */
export const DEFAULT_NAMESPACE = 'customer-sync';

/** The BullMQ queue name under the namespace, and the name of its jobs. */
export const QUEUE_NAME = 'push';
export const JOB_NAME = 'push' as const;

/** Environment variables the CLI reads: the namespace, and a shorter job lock for tests. */
export const NAMESPACE_ENV = 'CUSTOMER_SYNC_NAMESPACE';
export const LOCK_ENV = 'CUSTOMER_SYNC_WORKER_LOCK_MS';

/** Where a queue is: the Redis URL and the namespace. */
export interface QueueLocation {
  redis: string;
  /** @default 'customer-sync' */
  namespace?: string | undefined;
}

/** BullMQ's `connection` and `prefix` for a location (each BullMQ object opens its own connections from them). */
export function bullOptions(location: QueueLocation): { connection: { url: string }; prefix: string } {
  return { connection: { url: location.redis }, prefix: checkNamespace(location.namespace ?? DEFAULT_NAMESPACE) };
}

/** Letters, digits, `.`, `_`, `-`: it becomes part of Redis keys and must never collide with their separators. */
export function checkNamespace(namespace: string): string {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(namespace)) {
    throw new OptionsError('Invalid customer-sync options', [
      { path: 'namespace', message: 'use 1 to 64 letters, digits, ".", "_" or "-"' },
    ]);
  }
  return namespace;
}

/**
 * Every push job. `attempts` covers failures of our own infrastructure (state database or Redis out of reach):
 * provider failures never fail a job, they are its result. Finished jobs stay a while so a coordinator that was
 * slow to look still finds the result, then go: the job data is personal data.
 */
export const JOB_OPTIONS: DefaultJobOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3_600, count: 10_000 },
};

/**
 * How long a worker's hold on a job lasts without renewal (renewed every half of it while the job runs). A worker
 * that dies stops renewing: after this long, the stalled-job check of any other worker hands its jobs on.
 */
export const DEFAULT_LOCK_MS = 30_000;

export interface WorkerTiming {
  lockDuration: number;
  stalledInterval: number;
  maxStalledCount: number;
}

/**
 * Stalled checks every half lock, so a dead worker's job moves on within 1.5 locks. A job may stall twice (two
 * workers dying under it) before it fails: a push is safe to run again, a job that kills every worker is not.
 */
export function workerTiming(lockDurationMs = DEFAULT_LOCK_MS): WorkerTiming {
  if (!Number.isInteger(lockDurationMs) || lockDurationMs < 1_000) {
    throw new OptionsError('Invalid worker options', [{ path: 'lockDurationMs', message: 'must be a whole number of ms, at least 1000' }]);
  }
  return { lockDuration: lockDurationMs, stalledInterval: Math.max(500, Math.floor(lockDurationMs / 2)), maxStalledCount: 2 };
}

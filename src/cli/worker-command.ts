import { DEFAULT_STATE, isPostgresUrl, openState } from '../config/state-open.js';
import { loadQueueConfig } from './queue-config.js';
import { queueEngine } from '../queue/engine.js';
import { LOCK_ENV, type QueueLocation } from '../queue/settings.js';
import type { StateStore } from '../state/store.js';
import { UsageError, type CliIo } from './io.js';
import { createLogger, logEngineEvents, type LogLevel } from './logger.js';
import { maskPersonalData } from '../errors/mask.js';
import type { Adapter } from '../adapter/adapter.js';
import type { SyncEvents } from '../events.js';

export interface WorkerFlags {
  config: string;
  concurrency?: number | undefined;
  logLevel?: LogLevel | undefined;
  /** Serve GET /metrics (Prometheus) on this port, on every interface. */
  metricsPort?: number | undefined;
}

/**
 * `customer-sync worker`: processes the push queue (`sync --queue`, `enqueue`) with the config's providers,
 * pipeline and state until SIGINT/SIGTERM, then lets the jobs in progress finish and exits 0. Exit 2 when it
 * cannot start: bad config, no `redis`, Redis or the state out of reach.
 */
export async function workerCommand(flags: WorkerFlags, io: CliIo): Promise<number> {
  const lockDurationMs = lockFromEnv(io.env[LOCK_ENV]);
  const { loaded, location } = await loadQueueConfig(flags.config, io, 'worker');
  const namespace = location.namespace;
  // BullMQ is loaded by the commands that use it, not by every start of the CLI.
  const { PushWorker } = await import('../queue/worker.js');
  const stateLocation = loaded.config.state ?? DEFAULT_STATE;
  if (!isPostgresUrl(stateLocation)) await refuseSecondSqliteWorker(location);
  let store: StateStore;
  try {
    store = await openState(stateLocation, { cwd: io.cwd });
  } catch (error) {
    throw new UsageError(`cannot open the state: ${(error as Error).message}`);
  }
  const engine = queueEngine(loaded, store, namespace);
  const log = createLogger(flags.logLevel ?? 'warn', io.stderr);
  logEngineEvents(engine.events, log);
  const worker = new PushWorker({
    ...location,
    engine,
    concurrency: flags.concurrency,
    lockDurationMs,
    onError: (error, job) =>
      log.error({ jobId: job?.id, attemptsMade: job?.attemptsMade, error: maskPersonalData(error.message) }, job ? 'job failed' : 'worker error'),
  });

  let metrics: { port: number; close(): Promise<void> } | undefined;
  let unsubscribe: (() => void) | undefined;
  const stopped = new Promise<void>((done) => {
    unsubscribe = io.onStop?.(() => done());
  });
  try {
    if (flags.metricsPort !== undefined) metrics = await serveWorkerMetrics(flags.metricsPort, engine.events, loaded.adapters, location);
    await worker.start();
    const metricsPort = metrics?.port;
    log.info({ concurrency: flags.concurrency ?? 4, namespace, state: isPostgresUrl(stateLocation) ? 'postgres' : 'sqlite', metricsPort }, 'worker ready');
    await stopped;
    log.info('stopping: finishing the jobs in progress');
  } finally {
    unsubscribe?.();
    await worker.close();
    // After the worker: the jobs it finished while stopping are counted for a last scrape until then.
    await metrics?.close();
  }
  log.info('worker stopped');
  log.flush();
  return 0;
}

/** prom-client and the HTTP server load only with --metrics-port; a port that cannot be had stops the start (exit 2). */
async function serveWorkerMetrics(port: number, events: SyncEvents, adapters: readonly Adapter[], location: QueueLocation) {
  const { startWorkerMetrics } = await import('../metrics/worker.js');
  try {
    return await startWorkerMetrics({ port, events, adapters, location });
  } catch (error) {
    throw new UsageError(`cannot serve the metrics on port ${port}: ${(error as Error).message}`);
  }
}

function lockFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 1_000) throw new UsageError(`${LOCK_ENV} must be a whole number of milliseconds, at least 1000`);
  return ms;
}

/** Best effort (two workers starting together both pass): a SQLite file is one process's state. */
async function refuseSecondSqliteWorker(location: QueueLocation): Promise<void> {
  const { PushQueue } = await import('../queue/producer.js');
  const queue = new PushQueue(location);
  try {
    const workers = await queue.queue.getWorkersCount().catch(() => 0);
    if (workers > 0) {
      throw new UsageError(
        `another worker is already processing this queue and the state is SQLite: several workers need a PostgreSQL state ("state": "postgres://…")`,
      );
    }
  } finally {
    await queue.close();
  }
}

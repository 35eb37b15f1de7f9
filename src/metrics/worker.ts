import type { Adapter } from '../adapter/adapter.js';
import type { SyncEvents } from '../events.js';
import { PushQueue } from '../queue/producer.js';
import type { QueueLocation } from '../queue/settings.js';
import { serveMetrics, type MetricsServer } from './http.js';
import { createMetrics } from './index.js';

/** The job states a scrape reports: those that say how much work is waiting, under way or stuck. */
export const QUEUE_STATES = ['waiting', 'prioritized', 'delayed', 'active', 'failed'] as const;

export interface WorkerMetricsOptions {
  port: number;
  host?: string | undefined;
  /** The worker engine's events. */
  events: SyncEvents;
  /** The config's providers. */
  adapters: readonly Adapter[];
  /** The queue the worker takes jobs from. */
  location: QueueLocation;
}

/**
 * `worker --metrics-port N`: the engine's metrics, the process's and the queue's depth at GET /metrics; `close()`
 * stops serving and lets go of the queue.
 */
export async function startWorkerMetrics(options: WorkerMetricsOptions): Promise<MetricsServer> {
  // Its own connection to the queue: counting jobs never waits behind the worker's blocking fetch of the next job.
  const queue = new PushQueue(options.location);
  const metrics = createMetrics({
    providers: options.adapters.map((adapter) => ({ id: adapter.id, perSecond: adapter.options.rateLimit.perSecond })),
    queueDepth: () => queue.queue.getJobCounts(...QUEUE_STATES),
    processMetrics: true,
  });
  const stop = metrics.observe(options.events);
  let server: MetricsServer;
  try {
    server = await serveMetrics(metrics, { port: options.port, host: options.host });
  } catch (error) {
    stop();
    await queue.close();
    throw error;
  }
  return {
    port: server.port,
    close: async () => {
      stop();
      try {
        await server.close();
      } finally {
        await queue.close();
      }
    },
  };
}

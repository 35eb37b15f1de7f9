import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { SyncEvents } from '../events.js';
import type { ProviderId } from '../provider-id.js';
import { createInstruments, OUTCOMES, PREFIX } from './instruments.js';
import { observeEvents } from './observe.js';

export { PREFIX } from './instruments.js';

/** A provider the metrics know before its first event: its series start at 0, its rate at the configured one. */
export interface KnownProvider {
  id: ProviderId;
  /** `rateLimit.perSecond` as configured. */
  perSecond: number;
}

export interface MetricsOptions {
  /**
   * Queue mode: the push queue's jobs by state (BullMQ's `getJobCounts`), read at each scrape. A rejection or a
   * wait past `QUEUE_DEPTH_TIMEOUT_MS` leaves the queue series out of that scrape rather than failing it.
   */
  queueDepth?: (() => Promise<Record<string, number>>) | undefined;
  /** The configured providers. */
  providers?: readonly KnownProvider[] | undefined;
  /** prom-client's default process metrics (CPU, memory, event loop lag, GC), prefixed too. @default false */
  processMetrics?: boolean | undefined;
}

export interface Metrics {
  /** Ours alone, never prom-client's global one: two syncs in one process keep their series apart. */
  registry: Registry;
  /** Counts what `events` report from now on; the function it returns stops counting. */
  observe(events: SyncEvents): () => void;
  /** The exposition (Prometheus text format) and its content type, for a GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/** A scrape waits this long for Redis at most. */
export const QUEUE_DEPTH_TIMEOUT_MS = 2_000;

/**
 * Prometheus metrics of a long-running process (`serve`, `worker`): requests, retries, 429 pauses, current rate,
 * failures, outcomes and request latency per provider, and the queue's depth in queue mode.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const instruments = createInstruments(registry);
  for (const { id, perSecond } of options.providers ?? []) {
    instruments.rate.set({ provider: id }, perSecond);
    for (const outcome of OUTCOMES) instruments.outcomes.inc({ provider: id, outcome }, 0);
  }
  const { queueDepth } = options;
  if (queueDepth) {
    new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Push jobs in the queue by state (waiting, prioritized, delayed, active, failed), read from Redis at each scrape',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        this.reset();
        const counts = await withTimeout(queueDepth(), QUEUE_DEPTH_TIMEOUT_MS).catch(() => undefined);
        for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
      },
    });
  }
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: PREFIX });
  return {
    registry,
    observe: (events) => observeEvents(instruments, events),
    render: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

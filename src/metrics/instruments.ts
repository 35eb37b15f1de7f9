import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { OutcomeStatus } from '../push/outcome.js';

/** Every name starts with this, so our series never collide with an application's own in the same scrape. */
export const PREFIX = 'customer_sync_';

export const OUTCOMES: readonly OutcomeStatus[] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];

/**
 * Seconds. A request's time is bounded by its timeout (15 s by default), so nothing lands above the last bucket
 * but the +Inf one.
 */
export const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/**
 * The per-provider series. Labels are the provider id, the HTTP method, a status class, an error kind or an
 * outcome: small closed sets, and never a customer id, a path (it carries ids) or a message.
 */
export interface Instruments {
  requests: Counter<'provider' | 'method' | 'status_class'>;
  requestDuration: Histogram<'provider'>;
  retries: Counter<'provider' | 'kind'>;
  rateLimitPauses: Counter<'provider'>;
  rateLimitPauseSeconds: Counter<'provider'>;
  rate: Gauge<'provider'>;
  failures: Counter<'provider' | 'kind'>;
  outcomes: Counter<'provider' | 'outcome'>;
}

export function createInstruments(registry: Registry): Instruments {
  const registers = [registry];
  return {
    requests: new Counter({
      name: `${PREFIX}requests_total`,
      help: 'Requests sent to a provider, retries included, by method and the class of their answer (2xx, 4xx, 5xx; error: no answer)',
      labelNames: ['provider', 'method', 'status_class'],
      registers,
    }),
    requestDuration: new Histogram({
      name: `${PREFIX}request_duration_seconds`,
      help: 'Time from a request leaving (after the rate limiter) to its answer read in full, or its failure',
      labelNames: ['provider'],
      buckets: DURATION_BUCKETS,
      registers,
    }),
    retries: new Counter({
      name: `${PREFIX}retries_total`,
      help: 'Attempts that failed and were tried again, by the kind of failure',
      labelNames: ['provider', 'kind'],
      registers,
    }),
    rateLimitPauses: new Counter({
      name: `${PREFIX}rate_limit_pauses_total`,
      help: 'Times a 429 paused every request to the provider',
      labelNames: ['provider'],
      registers,
    }),
    rateLimitPauseSeconds: new Counter({
      name: `${PREFIX}rate_limit_pause_seconds_total`,
      help: 'Seconds of those pauses (Retry-After, else the backoff)',
      labelNames: ['provider'],
      registers,
    }),
    rate: new Gauge({
      name: `${PREFIX}rate_per_second`,
      help: 'The rate requests to the provider are spaced at: the configured one, lowered after a 429 and raised back after quiet periods',
      labelNames: ['provider'],
      registers,
    }),
    failures: new Counter({
      name: `${PREFIX}failures_total`,
      help: "Customers a provider's delivery failed for, by kind (invalid, auth, not_found, rejected, rate_limited, transient, unknown_outcome, bad_response)",
      labelNames: ['provider', 'kind'],
      registers,
    }),
    outcomes: new Counter({
      name: `${PREFIX}outcomes_total`,
      help: 'Outcomes of customers at a provider: created, updated, unchanged, skipped, failed',
      labelNames: ['provider', 'outcome'],
      registers,
    }),
  };
}

/** `2xx`, `4xx`, …; `error` when no answer came (refused, reset, timed out). */
export function statusClass(status: number | undefined): string {
  return status === undefined ? 'error' : `${Math.floor(status / 100)}xx`;
}

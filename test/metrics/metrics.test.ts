import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '../../src/errors/index.js';
import { SyncEvents } from '../../src/events.js';
import { createMetrics, QUEUE_DEPTH_TIMEOUT_MS } from '../../src/metrics/index.js';
import type { ProviderOutcome } from '../../src/push/outcome.js';
import { samples } from './exposition.js';

const CUSTOMER = 'cust-4242-secret';
const EMAIL = 'person4242@example.com';

const outcome = (status: ProviderOutcome['status'], extra: Partial<ProviderOutcome> = {}): ProviderOutcome => ({
  status,
  warnings: [],
  requests: 1,
  retries: 0,
  ...extra,
});

/** What a night of two providers emits: every event kind, customer ids and paths in every one that has them. */
function emitNight(events: SyncEvents): void {
  const request = { customerId: CUSTOMER, path: `/customer/${CUSTOMER}` };
  events.emit('response', { provider: 'alpha', ...request, method: 'PUT', attempt: 1, status: 200, durationMs: 30 });
  events.emit('response', { provider: 'alpha', ...request, method: 'PUT', attempt: 1, status: 200, durationMs: 70 });
  events.emit('response', { provider: 'alpha', ...request, method: 'POST', attempt: 1, status: 503, durationMs: 400 });
  events.emit('retry', { provider: 'alpha', ...request, method: 'POST', attempt: 1, delayMs: 250, kind: 'transient', status: 503 });
  events.emit('response', { provider: 'alpha', ...request, method: 'POST', attempt: 2, status: 201, durationMs: 1200 });
  events.emit('response', { provider: 'beta', ...request, method: 'PUT', attempt: 1, status: 429, durationMs: 4 });
  events.emit('rateLimit', { provider: 'beta', waitMs: 2000 });
  events.emit('rateAdjusted', { provider: 'beta', perSecond: 2.5 });
  events.emit('retry', { provider: 'beta', ...request, method: 'PUT', attempt: 1, delayMs: 2000, kind: 'rate_limited', status: 429 });
  events.emit('response', { provider: 'beta', ...request, method: 'PUT', attempt: 2, status: undefined, durationMs: 15000 });
  events.emit('result', { customerId: CUSTOMER, provider: 'alpha', outcome: outcome('created', { providerId: 'y-1' }) });
  events.emit('result', { customerId: 'c-2', provider: 'alpha', outcome: outcome('updated') });
  events.emit('result', { customerId: 'c-3', provider: 'alpha', outcome: outcome('unchanged', { requests: 0 }) });
  const error = new NotFoundError(`Beta has no customer ${CUSTOMER} (${EMAIL})`, { provider: 'beta', customerId: CUSTOMER, status: 404 });
  events.emit('result', { customerId: CUSTOMER, provider: 'beta', outcome: outcome('failed', { error }) });
  events.emit('result', { customerId: 'c-2', provider: 'beta', outcome: outcome('skipped', { reason: 'no beta id', requests: 0 }) });
}

const buckets = (provider: string, counts: number[], sum: number): Record<string, number> => {
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '15', '+Inf'];
  const series: Record<string, number> = {};
  bounds.forEach((le, i) => (series[`customer_sync_request_duration_seconds_bucket{le="${le}",provider="${provider}"}`] = counts[i]!));
  series[`customer_sync_request_duration_seconds_sum{provider="${provider}"}`] = sum;
  series[`customer_sync_request_duration_seconds_count{provider="${provider}"}`] = counts.at(-1)!;
  return series;
};

afterEach(() => {
  vi.useRealTimers();
});

describe('createMetrics', () => {
  it('counts what the events say, per provider: requests by method and status class, latency, retries, 429 pauses, rate, failures, outcomes', async () => {
    const metrics = createMetrics();
    const events = new SyncEvents();
    metrics.observe(events);
    emitNight(events);

    const { contentType, body } = await metrics.render();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(samples(body)).toEqual({
      'customer_sync_requests_total{provider="alpha",method="PUT",status_class="2xx"}': 2,
      'customer_sync_requests_total{provider="alpha",method="POST",status_class="5xx"}': 1,
      'customer_sync_requests_total{provider="alpha",method="POST",status_class="2xx"}': 1,
      'customer_sync_requests_total{provider="beta",method="PUT",status_class="4xx"}': 1,
      'customer_sync_requests_total{provider="beta",method="PUT",status_class="error"}': 1,
      ...buckets('alpha', [0, 0, 0, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4], 1.7),
      ...buckets('beta', [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2], 15.004),
      'customer_sync_retries_total{provider="alpha",kind="transient"}': 1,
      'customer_sync_retries_total{provider="beta",kind="rate_limited"}': 1,
      'customer_sync_rate_limit_pauses_total{provider="beta"}': 1,
      'customer_sync_rate_limit_pause_seconds_total{provider="beta"}': 2,
      'customer_sync_rate_per_second{provider="beta"}': 2.5,
      'customer_sync_failures_total{provider="beta",kind="not_found"}': 1,
      'customer_sync_outcomes_total{provider="alpha",outcome="created"}': 1,
      'customer_sync_outcomes_total{provider="alpha",outcome="updated"}': 1,
      'customer_sync_outcomes_total{provider="alpha",outcome="unchanged"}': 1,
      'customer_sync_outcomes_total{provider="beta",outcome="failed"}': 1,
      'customer_sync_outcomes_total{provider="beta",outcome="skipped"}': 1,
    });
    // Each family is described for whoever reads the scrape.
    expect(body).toContain('# TYPE customer_sync_request_duration_seconds histogram\n');
    expect(body).toContain('# TYPE customer_sync_rate_per_second gauge\n');
    expect(body).toContain('# TYPE customer_sync_outcomes_total counter\n');
  });

  it('puts no customer id, path, email or message in any label', async () => {
    const metrics = createMetrics();
    const events = new SyncEvents();
    metrics.observe(events);
    emitNight(events);
    const { body } = await metrics.render();
    for (const personal of [CUSTOMER, 'c-2', 'c-3', EMAIL, '/customer', 'y-1', 'no beta id', 'Beta has no']) expect(body).not.toContain(personal);
    const labels = new Set([...body.matchAll(/[{,]([a-z_]+)="/g)].map((match) => match[1]));
    expect([...labels].sort()).toEqual(['kind', 'le', 'method', 'outcome', 'provider', 'status_class']);
  });

  it('knows the configured providers before any event: outcomes at 0, the rate at the configured one', async () => {
    const metrics = createMetrics({ providers: [{ id: 'alpha', perSecond: 10 }] });
    const events = new SyncEvents();
    metrics.observe(events);
    events.emit('rateAdjusted', { provider: 'alpha', perSecond: 5 });
    expect(samples((await metrics.render()).body)).toEqual({
      'customer_sync_rate_per_second{provider="alpha"}': 5,
      'customer_sync_outcomes_total{provider="alpha",outcome="created"}': 0,
      'customer_sync_outcomes_total{provider="alpha",outcome="updated"}': 0,
      'customer_sync_outcomes_total{provider="alpha",outcome="unchanged"}': 0,
      'customer_sync_outcomes_total{provider="alpha",outcome="skipped"}': 0,
      'customer_sync_outcomes_total{provider="alpha",outcome="failed"}': 0,
    });
  });

  it('stops counting when the function observe returned is called; two instances and the global registry stay apart', async () => {
    const first = createMetrics();
    const second = createMetrics();
    const events = new SyncEvents();
    const stop = first.observe(events);
    second.observe(events);
    events.emit('rateLimit', { provider: 'alpha', waitMs: 1500 });
    stop();
    events.emit('rateLimit', { provider: 'alpha', waitMs: 1500 });
    expect(events.listenerCount('response')).toBe(1);
    expect(samples((await first.render()).body)).toEqual({
      'customer_sync_rate_limit_pauses_total{provider="alpha"}': 1,
      'customer_sync_rate_limit_pause_seconds_total{provider="alpha"}': 1.5,
    });
    expect(samples((await second.render()).body)).toEqual({
      'customer_sync_rate_limit_pauses_total{provider="alpha"}': 2,
      'customer_sync_rate_limit_pause_seconds_total{provider="alpha"}': 3,
    });
    expect(globalRegistry.getMetricsAsArray()).toEqual([]);
  });

  it('reads the queue depth at each scrape', async () => {
    let waiting = 3;
    const queueDepth = vi.fn(async () => ({ waiting, prioritized: 0, delayed: 1, active: 2, failed: 0 }));
    const metrics = createMetrics({ queueDepth });
    expect(queueDepth).not.toHaveBeenCalled();
    const first = samples((await metrics.render()).body);
    waiting = 0;
    const second = samples((await metrics.render()).body);
    expect(first).toEqual({
      'customer_sync_queue_jobs{state="waiting"}': 3,
      'customer_sync_queue_jobs{state="prioritized"}': 0,
      'customer_sync_queue_jobs{state="delayed"}': 1,
      'customer_sync_queue_jobs{state="active"}': 2,
      'customer_sync_queue_jobs{state="failed"}': 0,
    });
    expect(second['customer_sync_queue_jobs{state="waiting"}']).toBe(0);
    expect(queueDepth).toHaveBeenCalledTimes(2);
  });

  it('a queue that fails or does not answer leaves its series out of that scrape, not the scrape', async () => {
    let answer: () => Promise<Record<string, number>> = async () => ({ waiting: 7 });
    const metrics = createMetrics({ queueDepth: () => answer(), providers: [{ id: 'alpha', perSecond: 1 }] });
    expect(samples((await metrics.render()).body)['customer_sync_queue_jobs{state="waiting"}']).toBe(7);

    answer = () => Promise.reject(new Error('connect ECONNREFUSED redis://:hunter2@10.0.0.5:6379'));
    const failed = await metrics.render();
    expect(failed.body).not.toContain('customer_sync_queue_jobs{');
    expect(failed.body).not.toContain('hunter2');
    expect(samples(failed.body)['customer_sync_rate_per_second{provider="alpha"}']).toBe(1);

    vi.useFakeTimers();
    answer = () => new Promise(() => {});
    const rendering = metrics.render();
    await vi.advanceTimersByTimeAsync(QUEUE_DEPTH_TIMEOUT_MS);
    expect((await rendering).body).not.toContain('customer_sync_queue_jobs{');
  });

  it('adds the process metrics, prefixed, when asked', async () => {
    const { body } = await createMetrics({ processMetrics: true }).render();
    expect(body).toContain('# TYPE customer_sync_process_cpu_seconds_total counter');
    expect(body).toContain('customer_sync_nodejs_heap_size_used_bytes ');
    expect(body.split('\n').filter((line) => /^[a-z]/.test(line) && !line.startsWith('customer_sync_'))).toEqual([]);
  });
});

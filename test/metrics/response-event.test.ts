import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import type { ResponseEvent } from '../../src/events.js';
import { createMetrics } from '../../src/metrics/index.js';
import { BASE, makePipeline } from '../pipeline/helpers.js';
import { samples } from './exposition.js';

// The `response` event the latency histogram and the status classes are made from: one per attempt on the wire,
// emitted by the pipeline only while something listens.

const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };
const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

const pipelines: Array<{ close(): Promise<void> }> = [];
function setup() {
  const made = makePipeline();
  pipelines.push(made.pipeline);
  return made;
}

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((pipeline) => pipeline.close()));
  nock.cleanAll();
});

describe('the response event', () => {
  it('says, for each attempt, its status (none when no answer came) and how long it took', async () => {
    const { pipeline, events } = setup();
    const responses: ResponseEvent[] = [];
    events.on('response', (event) => responses.push(event));
    const scope = nock(BASE)
      .put('/customer/c-1')
      .reply(503, { message: 'busy' })
      .put('/customer/c-1')
      .replyWithError(refused)
      .put('/customer/c-1')
      .delay(40)
      .reply(200, '{}', { 'Content-Type': 'application/json' });

    await expect(pipeline.send(update, { customerId: 'cust-1' })).resolves.toMatchObject({ status: 200 });

    expect(scope.isDone()).toBe(true);
    const request = { provider: 'yativo', customerId: 'cust-1', method: 'PUT', path: '/customer/c-1' };
    expect(responses).toEqual([
      { ...request, attempt: 1, status: 503, durationMs: expect.any(Number) },
      { ...request, attempt: 2, status: undefined, durationMs: expect.any(Number) },
      { ...request, attempt: 3, status: 200, durationMs: expect.any(Number) },
    ]);
    // The last answer was held back 40 ms by the server: its time includes the wait (a timer may fire a little early).
    expect(responses[2]!.durationMs).toBeGreaterThanOrEqual(35);
  });

  it('is not emitted when nothing listens (the pipeline times nothing)', async () => {
    const { pipeline, events, emitted } = setup();
    const emit = vi.spyOn(events, 'emit');
    nock(BASE).put('/customer/c-1').reply(200, '{}');

    await pipeline.send(update, { customerId: 'cust-1' });

    expect(emitted.request).toHaveLength(1);
    // EventEmitter's typed overloads leave the spy's calls untyped.
    expect((emit.mock.calls as unknown as Array<[string]>).map(([name]) => name)).toEqual(['request']);
  });

  it('feeds the metrics through a real pipeline: one series per status class, one latency observation per attempt', async () => {
    const { pipeline, events } = setup();
    const metrics = createMetrics();
    metrics.observe(events);
    nock(BASE).put('/customer/c-1').reply(503, {}).put('/customer/c-1').reply(200, '{}');

    await pipeline.send(update, { customerId: 'cust-1' });

    const found = samples((await metrics.render()).body);
    expect(found).toMatchObject({
      'customer_sync_requests_total{provider="yativo",method="PUT",status_class="5xx"}': 1,
      'customer_sync_requests_total{provider="yativo",method="PUT",status_class="2xx"}': 1,
      'customer_sync_request_duration_seconds_count{provider="yativo"}': 2,
      'customer_sync_retries_total{provider="yativo",kind="transient"}': 1,
    });
  });
});

import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import { TransientError, UnknownOutcomeError } from '../../src/errors/index.js';
import { BASE, jsonHeaders, makePipeline, recorder } from './helpers.js';

const create: RequestSpec = { method: 'POST', path: '/customer', body: { customer_name: 'Ada' }, retrySafe: true };
const unsafeCreate: RequestSpec = { ...create, retrySafe: false };
const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };
const netError = (code: string, message: string) => Object.assign(new Error(message), { code });

const pipelines: { close(): Promise<void> }[] = [];
function setup(...args: Parameters<typeof makePipeline>) {
  const made = makePipeline(...args);
  pipelines.push(made.pipeline);
  return made;
}

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(pipelines.splice(0).map((p) => p.close()));
  nock.cleanAll();
});

describe('retries', () => {
  it('503 then 200 makes two attempts carrying the same Idempotency-Key', async () => {
    const { pipeline, sleeps, emitted } = setup();
    const rec = recorder();
    const scope = nock(BASE)
      .post('/customer')
      .reply(rec.reply(503, { message: 'busy' }))
      .post('/customer')
      .reply(rec.reply(201, { data: { customer_id: 'y-1' } }));
    const stats = { requests: 0, retries: 0 };

    const result = await pipeline.send(create, { customerId: 'cust-1', idempotencyKey: 'key-1', stats });

    expect(result).toMatchObject({ status: 201, body: { data: { customer_id: 'y-1' } } });
    expect(scope.isDone()).toBe(true);
    const sent = { method: 'POST', path: '/customer', headers: jsonHeaders({ 'idempotency-key': 'key-1' }), body: { customer_name: 'Ada' } };
    expect(rec.log.map(({ at: _at, ...entry }) => entry)).toEqual([sent, sent]);
    expect(sleeps).toEqual([187]);
    expect(stats).toEqual({ requests: 2, retries: 1 });
    expect(emitted.request.map((e) => e.attempt)).toEqual([1, 2]);
    expect(emitted.retry).toEqual([
      { provider: 'yativo', customerId: 'cust-1', method: 'POST', path: '/customer', attempt: 1, delayMs: 187, kind: 'transient', status: 503 },
    ]);
  });

  it('429 with Retry-After: 2 waits 2000 ms and pauses the provider', async () => {
    const { pipeline, sleeps, pauses, emitted } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(429, '', { 'Retry-After': '2' }).put('/customer/c-1').reply(200, '{}');

    await expect(pipeline.send(update)).resolves.toMatchObject({ status: 200 });

    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([2000]);
    expect(pauses).toEqual([2000]);
    expect(emitted.rateLimit).toEqual([{ provider: 'yativo', waitMs: 2000 }]);
    expect(emitted.retry[0]).toMatchObject({ kind: 'rate_limited', status: 429, delayMs: 2000 });
  });

  it('429 with an HTTP-date Retry-After waits until that date', async () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    const { pipeline, sleeps } = setup({}, { now: () => now });
    const scope = nock(BASE)
      .put('/customer/c-1')
      .reply(429, '', { 'Retry-After': 'Wed, 21 Oct 2015 07:28:03 GMT' })
      .put('/customer/c-1')
      .reply(200, '{}');

    await pipeline.send(update);

    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([3000]);
  });

  it('429 is retried even for a request that is not retry-safe', async () => {
    const { pipeline, sleeps } = setup();
    const scope = nock(BASE).post('/customer').reply(429, '', { 'Retry-After': '1' }).post('/customer').reply(201, '{}');

    await expect(pipeline.send(unsafeCreate)).resolves.toMatchObject({ status: 201 });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([1000]);
  });

  it('500 on a POST that is not retry-safe is unknown_outcome after exactly one attempt', async () => {
    const { pipeline, sleeps, emitted } = setup();
    const scope = nock(BASE).post('/customer').reply(500, { message: 'db timeout' });

    const error = await pipeline.send(unsafeCreate, { customerId: 'cust-1' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ kind: 'unknown_outcome', provider: 'yativo', customerId: 'cust-1', status: 500, providerMessage: 'db timeout' });
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('ECONNREFUSED on a POST that is not retry-safe is retried: nothing reached the provider', async () => {
    const { pipeline, sleeps, emitted } = setup();
    const rec = recorder();
    const scope = nock(BASE)
      .post('/customer')
      .replyWithError(netError('ECONNREFUSED', 'connect ECONNREFUSED'))
      .post('/customer')
      .reply(rec.reply(201, { data: { customer_id: 'y-1' } }));

    await expect(pipeline.send(unsafeCreate, { idempotencyKey: 'key-2' })).resolves.toMatchObject({ status: 201 });

    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(2);
    expect(sleeps).toEqual([187]);
    expect(rec.log.map((entry) => entry.headers)).toEqual([jsonHeaders({ 'idempotency-key': 'key-2' })]);
  });

  it('a reset on a POST that is not retry-safe is unknown_outcome, not retried', async () => {
    const { pipeline, sleeps, emitted } = setup();
    const scope = nock(BASE).post('/customer').replyWithError(netError('ECONNRESET', 'socket hang up'));

    const error = await pipeline.send(unsafeCreate, { customerId: 'cust-1' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnknownOutcomeError);
    expect(error).toMatchObject({ kind: 'unknown_outcome', status: undefined, cause: { name: 'NetworkFailure', code: 'ECONNRESET' } });
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a reset on a retry-safe PUT is retried', async () => {
    const { pipeline } = setup();
    const scope = nock(BASE).put('/customer/c-1').replyWithError(netError('ECONNRESET', 'socket hang up')).put('/customer/c-1').reply(200, '{}');

    await expect(pipeline.send(update)).resolves.toMatchObject({ status: 200 });
    expect(scope.isDone()).toBe(true);
  });

  it('exhausted retries give transient after retries + 1 attempts, backoff growing', async () => {
    const retry = { retries: 3, minDelayMs: 100, maxDelayMs: 300, maxRetryAfterMs: 120_000 };
    const { pipeline, sleeps, emitted } = setup({ retry });
    const scope = nock(BASE).put('/customer/c-1').times(4).reply(503, { message: 'maintenance' });
    const stats = { requests: 0, retries: 0 };

    const error = await pipeline.send(update, { customerId: 'cust-1', stats }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ kind: 'transient', status: 503, providerMessage: 'maintenance' });
    expect((error as Error).message).toBe('Yativo PUT /customer/c-1: HTTP 503 after 4 attempts: maintenance');
    expect(scope.isDone()).toBe(true);
    expect(emitted.request.map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
    expect(sleeps).toEqual([75, 150, 225]);
    expect(stats).toEqual({ requests: 4, retries: 3 });
  });

  it('a Retry-After beyond maxRetryAfterMs fails at once as rate_limited', async () => {
    const { pipeline, sleeps } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(429, '', { 'Retry-After': '3600' });

    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('429 after every retry is rate_limited', async () => {
    const { pipeline, sleeps } = setup({ retry: { retries: 2, minDelayMs: 10, maxDelayMs: 100, maxRetryAfterMs: 1000 } });
    const scope = nock(BASE).put('/customer/c-1').times(3).reply(429, '');

    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'rate_limited', status: 429 });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toHaveLength(2);
  });
});

import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import { NotFoundError, RejectedError } from '../../src/errors/index.js';
import { errorForResponse } from '../../src/pipeline/pipeline.js';
import { BASE, jsonHeaders, makePipeline, recorder, TOKEN } from './helpers.js';

const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };
const lookup: RequestSpec = { method: 'GET', path: '/v1/clients', query: { email: 'ada@example.com' }, retrySafe: true };

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

describe('responses the caller interprets', () => {
  it('resolves a 2xx with its parsed body and headers', async () => {
    const { pipeline } = setup({ baseUrl: `${BASE}/api/` });
    const rec = recorder();
    const scope = nock(BASE).get('/api/v1/clients?email=ada%40example.com').reply(rec.reply(200, { clients: [] }, { 'X-Request-Id': 'r-1' }));

    const result = await pipeline.send(lookup);

    expect(result).toEqual({ status: 200, body: { clients: [] }, headers: { 'content-type': 'application/json', 'x-request-id': 'r-1' } });
    expect(scope.isDone()).toBe(true);
    // A GET has no body, so no Content-Type; no idempotency key on a GET either.
    expect(rec.log).toEqual([
      { method: 'GET', path: '/api/v1/clients?email=ada%40example.com', headers: { accept: 'application/json', authorization: `Bearer ${TOKEN}` }, body: undefined, at: rec.log[0]?.at },
    ]);
  });

  it('sends Content-Type with a body only: a POST without one has none, unless the spec names one', async () => {
    const { pipeline } = setup();
    const rec = recorder();
    nock(BASE).post('/v1/ping').times(3).reply(rec.reply(200, {}));

    await pipeline.send({ method: 'POST', path: '/v1/ping', retrySafe: true });
    await pipeline.send({ method: 'POST', path: '/v1/ping', headers: { 'content-type': 'text/plain' }, retrySafe: true });
    await pipeline.send({ method: 'POST', path: '/v1/ping', body: { a: 1 }, retrySafe: true });

    expect(rec.log.map((r) => r.headers)).toEqual([
      { accept: 'application/json', authorization: `Bearer ${TOKEN}` },
      { accept: 'application/json', authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' },
      jsonHeaders(),
    ]);
  });

  it.each([404, 409, 422, 400])('resolves a %i for the caller to map', async (status) => {
    const { pipeline, sleeps } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(status, { message: 'nope' });

    await expect(pipeline.send(update)).resolves.toMatchObject({ status, body: { message: 'nope' } });
    expect(scope.isDone()).toBe(true);
    expect(sleeps).toEqual([]);
  });

  it('a 2xx whose body is not JSON is bad_response', async () => {
    const { pipeline } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(200, '<html>ok</html>', { 'Content-Type': 'text/html' });

    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'bad_response', status: 200 });
    expect(scope.isDone()).toBe(true);
  });

  it('sends the idempotency key on PUT but only when the provider takes one', async () => {
    const { pipeline } = setup({ idempotencyHeader: undefined });
    const rec = recorder();
    nock(BASE).put('/customer/c-1').reply(rec.reply(200, {}));

    await pipeline.send(update, { idempotencyKey: 'key-9' });

    expect(rec.log.map((e) => e.headers)).toEqual([jsonHeaders()]);
  });
});

describe('errorForResponse', () => {
  const context = { provider: 'fatora' as const, name: 'Fatora', customerId: 'cust-1', secrets: [TOKEN], errorMessage: (_s: number, b: unknown) => (b as { message?: string }).message };

  it('maps 404 to not_found with the provider message', () => {
    const error = errorForResponse(404, { message: 'client not found' }, { ...context, request: update });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error).toMatchObject({ kind: 'not_found', status: 404, provider: 'fatora', customerId: 'cust-1', providerMessage: 'client not found' });
    expect(error.message).toBe('Fatora PUT /customer/c-1: HTTP 404: client not found');
    expect(error.cause).toEqual({ name: 'HttpStatus', code: 'HTTP_404', message: 'HTTP 404' });
  });

  it.each([400, 409, 410, 422])('maps %i to rejected', (status) => {
    const error = errorForResponse(status, { message: 'bad' }, context);
    expect(error).toBeInstanceOf(RejectedError);
    expect(error).toMatchObject({ kind: 'rejected', status, providerMessage: 'bad' });
  });

  it('survives an errorMessage that throws on an unexpected body', () => {
    const error = errorForResponse(422, null, context);
    expect(error).toMatchObject({ kind: 'rejected', providerMessage: undefined });
  });
});

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../src/adapter/definition.js';
import { BadResponseError, TransientError } from '../../src/errors/index.js';
import { BASE, makePipeline } from './helpers.js';
import { MAX_REQUEST_BYTES } from '../../src/pipeline/http-client.js';

const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };
const create: RequestSpec = { method: 'POST', path: '/customer', body: { customer_name: 'Ada' }, retrySafe: false };
const noRetry = { retries: 0, minDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 1000 };

const cleanups: (() => Promise<void>)[] = [];
function setup(...args: Parameters<typeof makePipeline>) {
  const made = makePipeline(...args);
  cleanups.push(() => made.pipeline.close());
  return made;
}

beforeAll(() => nock.disableNetConnect());
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
  nock.cleanAll();
  nock.disableNetConnect();
});

describe('response size cap', () => {
  it('a response larger than maxResponseBytes is bad_response, not retried', async () => {
    const { pipeline, emitted } = setup({ maxResponseBytes: 1024 });
    const scope = nock(BASE).put('/customer/c-1').reply(200, { padding: 'x'.repeat(2000) });

    const error = await pipeline.send(update).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadResponseError);
    expect(error).toMatchObject({ kind: 'bad_response', cause: { code: 'ERR_RESPONSE_TOO_LARGE' } });
    expect((error as Error).message).toBe('Yativo PUT /customer/c-1: response larger than 1024 bytes');
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
  });

  it('a request body larger than the request cap is invalid and never sent', async () => {
    const { pipeline } = setup();
    const big: RequestSpec = { ...update, body: { notes: 'x'.repeat(MAX_REQUEST_BYTES) } };

    await expect(pipeline.send(big)).rejects.toMatchObject({ kind: 'invalid' });
  });
});

describe('redirects', () => {
  it('a 302 is not followed: bad_response, and the target is never called', async () => {
    const { pipeline } = setup();
    const scope = nock(BASE).put('/customer/c-1').reply(302, '', { Location: 'https://elsewhere.example.test/steal' });
    const target = nock('https://elsewhere.example.test').put('/steal').reply(200, {}).get('/steal').reply(200, {});

    const error = await pipeline.send(update).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadResponseError);
    expect(error).toMatchObject({ kind: 'bad_response', status: 302 });
    expect((error as Error).message).toBe('Yativo PUT /customer/c-1: redirect not followed (HTTP 302)');
    expect(scope.isDone()).toBe(true);
    expect(target.isDone()).toBe(false);
    expect(target.pendingMocks()).toHaveLength(2);
  });
});

describe('timeouts', () => {
  it('a request that times out on every attempt is transient', async () => {
    const { pipeline, emitted } = setup({ timeoutMs: 150, retry: { ...noRetry, retries: 1 } });
    const scope = nock(BASE).put('/customer/c-1').times(2).delay(1000).reply(200, {});

    const error = await pipeline.send(update).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ kind: 'transient', cause: { name: 'NetworkFailure', code: 'ETIMEDOUT' } });
    expect((error as Error).message).toBe('Yativo PUT /customer/c-1: no complete answer within 150 ms after 2 attempts');
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(2);
  });

  it('a create that times out is unknown_outcome after one attempt', async () => {
    const { pipeline, emitted } = setup({ timeoutMs: 150 });
    const scope = nock(BASE).post('/customer').delay(1000).reply(201, {});

    await expect(pipeline.send(create)).rejects.toMatchObject({ kind: 'unknown_outcome', cause: { code: 'ETIMEDOUT' } });
    expect(scope.isDone()).toBe(true);
    expect(emitted.request).toHaveLength(1);
  });

  it('a server that drips a byte at a time still times out', async () => {
    // A real socket: nock's passthrough buffers the answer, which would hide the drip.
    nock.restore();
    cleanups.push(async () => {
      if (!nock.isActive()) nock.activate();
    });
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      // Each byte resets an idle-socket timeout; only a deadline for the whole answer stops this.
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const { port } = server.address() as AddressInfo;
    const { pipeline } = setup({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 300, retry: noRetry });

    // The drip never ends, so only the deadline can end this; the bound only makes a missing deadline fail fast
    // (it is generous: a busy machine may take seconds to fire a 300 ms timer).
    const started = Date.now();
    await expect(pipeline.send(update)).rejects.toMatchObject({ kind: 'transient', cause: { code: 'ETIMEDOUT' } });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('base URL', () => {
  it('refuses plain http to a host that is not loopback', () => {
    expect(() => makePipeline({ baseUrl: 'http://api.example.test' })).toThrow(/https/);
  });
});

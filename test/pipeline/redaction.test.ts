import { inspect } from 'node:util';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuthSpec, RequestSpec } from '../../src/adapter/definition.js';
import { CustomerSyncError, REDACTED } from '../../src/errors/index.js';
import { BASE, bearer, makePipeline, SECRET, TOKEN } from './helpers.js';

const EXCHANGED = 'exchanged-token-7c1d2e3f';
const update: RequestSpec = { method: 'PUT', path: '/customer/c-1', body: { customer_name: 'Ada' }, retrySafe: true };
const create: RequestSpec = { method: 'POST', path: '/customer', body: { customer_name: 'Ada' }, retrySafe: false };
const exchangeAuth: AuthSpec = {
  headers: bearer,
  exchange: {
    request: { method: 'POST', path: '/auth/login', body: { appSecret: SECRET }, retrySafe: true },
    parse: (body) =>
      typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string' ? { token: body.token } : undefined,
  },
};

/** Every way an error is commonly turned into text: logs, reports, debuggers. */
function renderings(error: unknown): string[] {
  expect(error).toBeInstanceOf(CustomerSyncError);
  const e = error as CustomerSyncError;
  return [
    e.message,
    e.stack ?? '',
    String(e),
    JSON.stringify(e),
    inspect(e),
    inspect(e, { showHidden: true, depth: 10 }),
    JSON.stringify(e.cause),
    inspect(e.cause),
    e.providerMessage ?? '',
  ];
}

function expectClean(error: unknown, secrets: string[]): void {
  for (const text of renderings(error)) {
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/Bearer /);
  }
}

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

describe('redaction', () => {
  it('a configured secret echoed in a provider error body appears nowhere in the error', async () => {
    const { pipeline } = setup();
    nock(BASE)
      .post('/customer')
      .reply(500, { message: `invalid signature for key ${SECRET} (token ${TOKEN})` });

    const error = await pipeline.send(create, { customerId: 'cust-1' }).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'unknown_outcome', providerMessage: `invalid signature for key ${REDACTED} (token ${REDACTED})` });
    expect((error as Error).message).toContain(REDACTED);
    expectClean(error, [SECRET, TOKEN]);
  });

  it('a token obtained by exchange appears nowhere in the error', async () => {
    const { pipeline } = setup({ auth: exchangeAuth });
    nock(BASE)
      .post('/auth/login')
      .reply(200, { token: EXCHANGED })
      .put('/customer/c-1')
      .reply(403, { message: `token ${EXCHANGED} lacks scope customers:write` });

    const error = await pipeline.send(update).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'auth', providerMessage: `token ${REDACTED} lacks scope customers:write` });
    expectClean(error, [EXCHANGED, SECRET]);

    const halted = await pipeline.send(update).catch((e: unknown) => e);
    expectClean(halted, [EXCHANGED, SECRET]);
  });

  it('errors built by errorForResponse are redacted too, exchanged tokens included', async () => {
    const { pipeline } = setup({ auth: exchangeAuth });
    nock(BASE)
      .post('/auth/login')
      .reply(200, { token: EXCHANGED })
      .put('/customer/c-1')
      .reply(422, { message: `field rejected; echo: ${EXCHANGED} ${SECRET}` });

    const response = await pipeline.send(update, { customerId: 'cust-1' });
    const error = pipeline.errorForResponse(response.status, response.body, { customerId: 'cust-1', request: update });

    expect(error).toMatchObject({ kind: 'rejected', status: 422, customerId: 'cust-1' });
    expectClean(error, [EXCHANGED, SECRET]);
  });

  it('a network failure carries a plain cause, never the axios error and its headers', async () => {
    const { pipeline } = setup();
    nock(BASE)
      .post('/customer')
      .replyWithError(Object.assign(new Error(`socket hang up ${TOKEN}`), { code: 'ECONNRESET' }));

    const error = await pipeline.send(create).catch((e: unknown) => e);

    expect(error).toMatchObject({ kind: 'unknown_outcome' });
    const cause = (error as Error).cause;
    expect(cause).not.toBeInstanceOf(Error);
    expect(Object.keys(cause as object).sort()).toEqual(['code', 'message', 'name']);
    expectClean(error, [TOKEN, SECRET]);
    for (const text of renderings(error)) expect(text).not.toMatch(/authorization|config/i);
  });
});

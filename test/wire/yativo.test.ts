import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync } from '../../src/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { answer, fixture, FAST_LIMIT, FAST_RETRY, ourHeaders, useNock, UUID, type WireRequest } from './harness.js';

const BASE = 'https://api.yativo.test/api/v1';
const customer = fixture<Record<string, unknown>>('yativo/customer.json');
const createResponse = fixture<{ data: { customer_id: string } }>('yativo/create-response.json');
const CREATED_ID = createResponse.data.customer_id;
const KNOWN_ID = '2f103e55-1dc5-40bd-a78c-a4574f7a50e6';
const withId = { ...customer, providerIds: { yativo: KNOWN_ID } };

function syncWith(options: Record<string, unknown> = { token: 'yat-token-123' }) {
  return createCustomerSync({ adapters: [yativo({ baseUrl: BASE, retry: FAST_RETRY, rateLimit: FAST_LIMIT, ...options })] });
}

useNock();

describe('Yativo on the wire', () => {
  it('creates with POST /customer, the documented body, a Bearer token and an Idempotency-Key', async () => {
    const log: WireRequest[] = [];
    nock(BASE).post('/customer').reply(answer(log, 201, createResponse));
    const sync = syncWith();
    const result = await sync.push(customer);
    await sync.close();

    expect(result.providers.yativo).toEqual({ status: 'created', providerId: CREATED_ID, warnings: [], requests: 1, retries: 0 });
    expect(log).toHaveLength(1);
    expect(log[0]?.method).toBe('POST');
    expect(log[0]?.path).toBe('/api/v1/customer');
    expect(ourHeaders(log[0]!.headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer yat-token-123',
      'idempotency-key': expect.stringMatching(UUID),
    });
    expect(log[0]?.body).toEqual(fixture('yativo/create-request.json'));
  });

  it('updates the created customer next time with PUT /customer/{id}, without the identity document', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .post('/customer')
      .reply(answer(log, 201, createResponse))
      .put(`/customer/${CREATED_ID}`)
      .reply(answer(log, 200, fixture('yativo/update-response.json')));
    const sync = syncWith();
    await sync.push(customer);
    expect((await sync.push(customer)).providers.yativo?.status).toBe('unchanged');
    const changed = await sync.push({ ...customer, name: 'Test Customer Renamed' });
    await sync.close();

    expect(changed.providers.yativo).toMatchObject({ status: 'updated', providerId: KNOWN_ID });
    expect(log.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/customer', `PUT /api/v1/customer/${CREATED_ID}`]);
    expect(log[1]?.body).toEqual({ ...fixture<object>('yativo/update-request.json'), customer_name: 'Test Customer Renamed' });
    expect(ourHeaders(log[1]!.headers)['idempotency-key']).toMatch(UUID);
    expect(log[1]?.headers['idempotency-key']).not.toBe(log[0]?.headers['idempotency-key']);
  });

  it('updates a customer whose Yativo id the record names', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put(`/customer/${KNOWN_ID}`).reply(answer(log, 200, fixture('yativo/update-response.json')));
    const sync = syncWith();
    const result = await sync.push(withId);
    await sync.close();
    expect(result.providers.yativo).toMatchObject({ status: 'updated', providerId: KNOWN_ID });
    expect(log[0]?.method).toBe('PUT');
    expect(ourHeaders(log[0]!.headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer yat-token-123',
      'idempotency-key': expect.stringMatching(UUID),
    });
    expect(log[0]?.body).toEqual(fixture('yativo/update-request.json'));
  });

  it('replays a create after a 503 with the same Idempotency-Key and body', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .post('/customer')
      .reply(answer(log, 503, { message: 'Service Unavailable' }))
      .post('/customer')
      .reply(answer(log, 201, createResponse));
    const sync = syncWith();
    const result = await sync.push(customer);
    await sync.close();
    expect(result.providers.yativo).toMatchObject({ status: 'created', requests: 2, retries: 1 });
    expect(log[1]?.headers['idempotency-key']).toBe(log[0]?.headers['idempotency-key']);
    expect(log[1]?.body).toEqual(log[0]?.body);
  });

  it('exchanges accountId and appSecret at POST /auth/login and uses the token', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .post('/auth/login')
      .reply(answer(log, 200, fixture('yativo/login-response.json')))
      .put(`/customer/${KNOWN_ID}`)
      .reply(answer(log, 200, fixture('yativo/update-response.json')));
    const sync = syncWith({ accountId: 'acct-42', appSecret: 'app-secret-xyz' });
    await sync.push(withId);
    await sync.close();
    expect(log[0]).toMatchObject({ method: 'POST', path: '/api/v1/auth/login', body: { account_id: 'acct-42', app_secret: 'app-secret-xyz' } });
    expect(log[0]?.headers.authorization).toBeUndefined();
    expect(log[1]?.headers.authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.sample-payload.sample-signature');
  });

  it('refreshes the exchanged token once on a 401, then succeeds', async () => {
    const log: WireRequest[] = [];
    const login = (token: string) => ({ status: 'success', data: { access_token: token, token_type: 'bearer', expires_in: 600 } });
    nock(BASE)
      .post('/auth/login')
      .reply(answer(log, 200, login('first-token')))
      .put(`/customer/${KNOWN_ID}`)
      .reply(answer(log, 401, fixture('yativo/error-401.json')))
      .post('/auth/login')
      .reply(answer(log, 200, login('second-token')))
      .put(`/customer/${KNOWN_ID}`)
      .reply(answer(log, 200, fixture('yativo/update-response.json')));
    const sync = syncWith({ accountId: 'acct-42', appSecret: 'app-secret-xyz' });
    const result = await sync.push(withId);
    await sync.close();
    expect(result.providers.yativo?.status).toBe('updated');
    expect(log.map((r) => r.headers.authorization ?? '-')).toEqual(['-', 'Bearer first-token', '-', 'Bearer second-token']);
  });

  it.each([
    [400, 'yativo/error-400.json', 'rejected', 'Oops. Error message'],
    [401, 'yativo/error-401.json', 'auth', 'Unauthenticated.'],
    [404, undefined, 'not_found', undefined],
    [422, 'yativo/error-422.json', 'rejected', 'Validation failed: customer_email: The customer email field is required.'],
  ])('maps a documented %i to %s', async (status, file, kind, message) => {
    const log: WireRequest[] = [];
    nock(BASE).put(`/customer/${KNOWN_ID}`).reply(answer(log, status, file ? fixture(file) : { message: undefined }));
    const sync = syncWith();
    const outcome = (await sync.push(withId)).providers.yativo;
    await sync.close();
    expect(outcome?.status).toBe('failed');
    expect(outcome?.error).toMatchObject({ kind, status, provider: 'yativo', customerId: 'crm-1001', providerMessage: message });
    expect(log).toHaveLength(1);
  });

  it('retries a 429 and reports rate_limited when it persists', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put(`/customer/${KNOWN_ID}`).times(3).reply(answer(log, 429, { message: 'Too Many Attempts.' }));
    const sync = syncWith();
    const outcome = (await sync.push(withId)).providers.yativo;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'failed', requests: 3, retries: 2, error: { kind: 'rate_limited', status: 429 } });
    expect(new Set(log.map((r) => r.headers['idempotency-key'])).size).toBe(1);
  });

  it('retries a 500 and reports transient when it persists', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put(`/customer/${KNOWN_ID}`).times(3).reply(answer(log, 500, { message: 'Server Error' }));
    const sync = syncWith();
    const outcome = (await sync.push(withId)).providers.yativo;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'failed', requests: 3, error: { kind: 'transient', status: 500 } });
  });

  it('fails Yativo alone when the record lacks what a create requires', async () => {
    const { phone: _phone, ...noPhone } = customer;
    const sync = syncWith();
    const outcome = (await sync.push(noPhone)).providers.yativo;
    await sync.close();
    expect(outcome).toMatchObject({
      status: 'failed',
      requests: 0,
      error: { kind: 'invalid', message: 'Yativo requires phone to create a customer; the record has none' },
    });
  });
});

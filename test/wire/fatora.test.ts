import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync } from '../../src/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { answer, fixture, FAST_LIMIT, FAST_RETRY, ourHeaders, useNock, type WireRequest } from './harness.js';

const BASE = 'https://api.fatora.test';
const customer = fixture<Record<string, unknown>>('fatora/customer.json');
const { providerIds: _ids, ...withoutId } = customer;
const updateResponse = fixture('fatora/update-response.json');

function syncWith(options: Record<string, unknown> = { token: 'fat-token-123' }) {
  return createCustomerSync({ adapters: [fatora({ baseUrl: BASE, retry: FAST_RETRY, rateLimit: FAST_LIMIT, ...options })] });
}

useNock();

describe('Fatora on the wire', () => {
  it('updates with PUT /v1/clients/{id}, a Bearer token and the documented body', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put('/v1/clients/1024').reply(answer(log, 200, updateResponse));
    const sync = syncWith();
    const result = await sync.push(customer);
    await sync.close();
    expect(result.providers.fatora).toEqual({ status: 'updated', providerId: '1024', warnings: [], requests: 1, retries: 0 });
    expect(log[0]).toMatchObject({ method: 'PUT', path: '/v1/clients/1024' });
    expect(ourHeaders(log[0]!.headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer fat-token-123',
    });
    expect(log[0]?.body).toEqual(fixture('fatora/update-request.json'));
  });

  it('skips a record without a Fatora id, sending nothing, when createMissing is off', async () => {
    const sync = syncWith();
    const outcome = (await sync.push(withoutId)).providers.fatora;
    await sync.close();
    expect(outcome).toEqual({
      status: 'skipped',
      reason: 'no Fatora client id is known (providerIds.fatora) and createMissing is off',
      warnings: [],
      requests: 0,
      retries: 0,
    });
  });

  it('with createMissing, finds the client by email and updates it', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .get('/v1/clients')
      .query({ email: 'client@example.com', page: '1', page_size: '20' })
      .reply(answer(log, 200, fixture('fatora/lookup-response.json')))
      .put('/v1/clients/123')
      .reply(answer(log, 200, { status: 'SUCCESS', client: { id: 123 } }));
    const sync = syncWith({ token: 'fat-token-123', createMissing: true });
    const outcome = (await sync.push(withoutId)).providers.fatora;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'updated', providerId: '123' });
    expect(log.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/clients?email=client%40example.com&page=1&page_size=20',
      'PUT /v1/clients/123',
    ]);
    expect(ourHeaders(log[0]!.headers)).toEqual({ accept: 'application/json', authorization: 'Bearer fat-token-123' });
  });

  it('with createMissing, creates with POST /v1/clients when the email is unknown, and remembers the id', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .get('/v1/clients')
      .query(true)
      .reply(answer(log, 200, { status: 'SUCCESS', clients: [] }))
      .post('/v1/clients')
      .reply(answer(log, 201, { status: 'SUCCESS', client: { id: 2048 } }))
      .put('/v1/clients/2048')
      .reply(answer(log, 200, { status: 'SUCCESS', client: { id: 2048 } }));
    const sync = syncWith({ token: 'fat-token-123', createMissing: true });
    expect((await sync.push(withoutId)).providers.fatora).toMatchObject({ status: 'created', providerId: '2048' });
    expect((await sync.push(withoutId)).providers.fatora?.status).toBe('unchanged');
    expect((await sync.push({ ...withoutId, notes: 'VIP' })).providers.fatora?.status).toBe('updated');
    await sync.close();
    expect(log[1]).toMatchObject({ method: 'POST', path: '/v1/clients', body: fixture('fatora/update-request.json') });
    expect(log[2]?.path).toBe('/v1/clients/2048');
  });

  it('never sends a create twice when its outcome is unknown (500)', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .get('/v1/clients')
      .query(true)
      .reply(answer(log, 200, { status: 'SUCCESS', clients: [] }))
      .post('/v1/clients')
      .reply(answer(log, 500, { status: 'ERROR', error: 'Internal error' }));
    const sync = syncWith({ token: 'fat-token-123', createMissing: true });
    const outcome = (await sync.push(withoutId)).providers.fatora;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'failed', requests: 2, retries: 0, error: { kind: 'unknown_outcome', status: 500 } });
  });

  it('exchanges an apiKey at GET /v1/Authorization/Authorize with the api_key header', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .get('/v1/Authorization/Authorize')
      .reply(answer(log, 200, fixture('fatora/authorize-response.json')))
      .put('/v1/clients/1024')
      .reply(answer(log, 200, updateResponse));
    const sync = syncWith({ apiKey: 'fat-api-key-777' });
    await sync.push(customer);
    await sync.close();
    expect(log[0]).toMatchObject({ method: 'GET', path: '/v1/Authorization/Authorize' });
    expect(ourHeaders(log[0]!.headers)).toEqual({ accept: 'application/json', api_key: 'fat-api-key-777' });
    expect(log[1]?.headers.authorization).toBe('Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.sample-payload.sample-signature');
  });

  it('stops Fatora for the run when the apiKey is refused', async () => {
    const log: WireRequest[] = [];
    nock(BASE).get('/v1/Authorization/Authorize').reply(answer(log, 401, fixture('fatora/authorize-error.json')));
    const sync = syncWith({ apiKey: 'fat-api-key-777' });
    const first = (await sync.push(customer)).providers.fatora;
    const second = (await sync.push({ ...customer, notes: 'again' })).providers.fatora;
    await sync.close();
    expect(first?.error).toMatchObject({ kind: 'auth', status: 401, providerMessage: 'Invalid API Key' });
    expect(second).toMatchObject({ status: 'failed', requests: 0, error: { kind: 'auth' } });
    expect(log).toHaveLength(1);
  });

  it.each([
    [400, fixture('fatora/error-400.json'), 'rejected', 'The email field is required.'],
    [401, { status: 'ERROR', error: 'Unauthorized' }, 'auth', 'Unauthorized'],
    [403, { status: 'ERROR', error: 'Inactive API key' }, 'auth', 'Inactive API key'],
    [404, { status: 'ERROR', error: 'Client not found' }, 'not_found', 'Client not found'],
    [409, { status: 'ERROR', error: 'Client with same data exists' }, 'rejected', 'Client with same data exists'],
  ])('maps a documented %i to %s', async (status, body, kind, message) => {
    const log: WireRequest[] = [];
    nock(BASE).put('/v1/clients/1024').reply(answer(log, status, body));
    const sync = syncWith();
    const outcome = (await sync.push(customer)).providers.fatora;
    await sync.close();
    expect(outcome?.error).toMatchObject({ kind, status, provider: 'fatora', customerId: 'crm-1024', providerMessage: message });
    expect(log).toHaveLength(1);
  });
});

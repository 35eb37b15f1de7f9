import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync } from '../../../src/index.js';
import { bluetape } from '../../../adapters/bluetape/index.js';
import { answer, fixture, resetAfterSending, FAST_LIMIT, FAST_RETRY, ourHeaders, useNock, type WireRequest } from '../wire-harness.js';

const BASE = 'https://api.bluetape.test/genericBthubService';
const customer = fixture<Record<string, unknown>>('bluetape/customer.json');
const PATH = '/integration/customer/dc506b22c7fa';

function syncWith(extra: Record<string, unknown> = {}) {
  const adapter = bluetape({ baseUrl: BASE, apiKey: 'bt-key-123', accountId: 'acct-9', retry: FAST_RETRY, rateLimit: FAST_LIMIT, ...extra });
  return createCustomerSync({ adapters: [adapter] });
}

const lines = (log: WireRequest[]) => log.map((r) => `${r.method} ${r.path}`);

useNock();

describe('BlueTape on the wire', () => {
  it('updates with PUT /integration/customer/{id}, its two key headers and the documented body; 202 is success', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put(PATH).reply(answer(log, 202, fixture('bluetape/update-response.json')));
    const sync = syncWith();
    const result = await sync.push(customer);
    await sync.close();
    expect(result.providers.bluetape).toEqual({ status: 'updated', providerId: 'fb5637b2e5f3', warnings: [], requests: 1, retries: 0 });
    expect(log[0]).toMatchObject({ method: 'PUT', path: `/genericBthubService${PATH}` });
    expect(ourHeaders(log[0]!.headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-bluetape-key': 'bt-key-123',
      'x-integration-accountid': 'acct-9',
    });
    expect(log[0]?.body).toEqual(fixture('bluetape/update-request.json'));
  });

  it('addresses the customer by providerIds.bluetape when the record names one', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put('/integration/customer/bt%2Fother').reply(answer(log, 202, { blueTapeId: 'x1' }));
    const sync = syncWith();
    await sync.push({ ...customer, providerIds: { bluetape: 'bt/other' } });
    await sync.close();
    expect(log[0]?.path).toBe('/genericBthubService/integration/customer/bt%2Fother');
  });

  it('with createMissing, creates on 404 with POST /integration/customer carrying our id', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put(PATH)
      .reply(answer(log, 404, fixture('bluetape/error-404.json')))
      .post('/integration/customer')
      .reply(answer(log, 201, fixture('bluetape/create-response.json')));
    const sync = syncWith({ createMissing: true });
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'created', providerId: 'fb5637b2e5f3', requests: 2 });
    expect(log[1]).toMatchObject({ method: 'POST', path: '/genericBthubService/integration/customer', body: fixture('bluetape/create-request.json') });
  });

  it('with createMissing, a 409 on the create means our own id exists: PUT /integration/customer/{our id}, no lookup', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put(PATH)
      .reply(answer(log, 404, fixture('bluetape/error-404.json')))
      .post('/integration/customer')
      .reply(answer(log, 409, fixture('bluetape/error-409.json')))
      .put(PATH)
      .reply(answer(log, 202, fixture('bluetape/update-response.json')));
    const sync = syncWith({ createMissing: true });
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome).toEqual({ status: 'updated', providerId: 'fb5637b2e5f3', warnings: [], requests: 3, retries: 0 });
    expect(lines(log)).toEqual([`PUT /genericBthubService${PATH}`, 'POST /genericBthubService/integration/customer', `PUT /genericBthubService${PATH}`]);
    expect(log[1]?.body).toEqual(fixture('bluetape/create-request.json'));
    expect(log[2]?.body).toEqual(fixture('bluetape/update-request.json'));
  });

  it('retries the create itself after a 500, the same body and no lookup: a repeat is answered 409, so it is safe', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put(PATH)
      .reply(answer(log, 404, fixture('bluetape/error-404.json')))
      .post('/integration/customer')
      .reply(answer(log, 500, { code: '500', reason: 'Unexpected error' }))
      .post('/integration/customer')
      .reply(answer(log, 201, fixture('bluetape/create-response.json')));
    const sync = syncWith({ createMissing: true });
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'created', providerId: 'fb5637b2e5f3', requests: 3, retries: 1 });
    expect(lines(log)).toEqual([
      `PUT /genericBthubService${PATH}`,
      'POST /genericBthubService/integration/customer',
      'POST /genericBthubService/integration/customer',
    ]);
    expect(log[2]?.body).toEqual(fixture('bluetape/create-request.json'));
    expect(log[1]?.body).toEqual(log[2]?.body);
    for (const request of log) expect(request.headers['idempotency-key']).toBeUndefined();
  });

  it('a create reset after sending is retried as it is; the repeat meets the customer the first made (409) and updates it', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put(PATH)
      .reply(answer(log, 404, fixture('bluetape/error-404.json')))
      .post('/integration/customer')
      .reply(resetAfterSending(log))
      .post('/integration/customer')
      .reply(answer(log, 409, fixture('bluetape/error-409.json')))
      .put(PATH)
      .reply(answer(log, 202, fixture('bluetape/update-response.json')));
    const sync = syncWith({ createMissing: true });
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome).toMatchObject({ status: 'updated', providerId: 'fb5637b2e5f3', requests: 4, retries: 1 });
    expect(lines(log)).toEqual([
      `PUT /genericBthubService${PATH}`,
      'POST /genericBthubService/integration/customer',
      'POST /genericBthubService/integration/customer',
      `PUT /genericBthubService${PATH}`,
    ]);
  });

  it.each([
    [400, { code: '400', reason: 'cellPhoneNumber is invalid' }, 'rejected', 'cellPhoneNumber is invalid'],
    [401, { code: '401', reason: 'Unauthorized' }, 'auth', 'Unauthorized'],
    [404, fixture('bluetape/error-404.json'), 'not_found', 'Customer not found.'],
  ])('maps a documented %i to %s', async (status, body, kind, message) => {
    const log: WireRequest[] = [];
    nock(BASE).put(PATH).reply(answer(log, status, body));
    const sync = syncWith();
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome?.error).toMatchObject({ kind, status, provider: 'bluetape', customerId: 'dc506b22c7fa', providerMessage: message });
    expect(log).toHaveLength(1);
  });

  it('maps a documented 500 to transient after the retries', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put(PATH).times(3).reply(answer(log, 500, { code: '500', reason: 'Unexpected error' }));
    const sync = syncWith();
    const outcome = (await sync.push(customer)).providers.bluetape;
    await sync.close();
    expect(outcome).toMatchObject({ requests: 3, error: { kind: 'transient', status: 500, providerMessage: 'Unexpected error' } });
  });

  it('fails BlueTape alone, sending nothing, when the record has no phone', async () => {
    const { phone: _phone, ...noPhone } = customer;
    const sync = syncWith();
    const outcome = (await sync.push(noPhone)).providers.bluetape;
    await sync.close();
    expect(outcome).toMatchObject({
      status: 'failed',
      requests: 0,
      error: { kind: 'invalid', message: 'BlueTape requires phone (cellPhoneNumber); the record has none' },
    });
  });
});

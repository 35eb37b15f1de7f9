import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync } from '../../../src/index.js';
import { invisibleCollector } from '../../../adapters/invisible-collector/index.js';
import { answer, fixture, resetAfterSending, FAST_LIMIT, FAST_RETRY, ourHeaders, useNock, type WireRequest } from '../wire-harness.js';

const BASE = 'https://api.invisiblecollector.test';
const customer = fixture<Record<string, unknown>>('invisible-collector/customer.json');
const GID = '061d2feb-81c2-4694-a74a-13cecbe7d2ce';

function syncWith(extra: Record<string, unknown> = {}) {
  const adapter = invisibleCollector({ baseUrl: BASE, token: 'ic-token-123', retry: FAST_RETRY, rateLimit: FAST_LIMIT, ...extra });
  return createCustomerSync({ adapters: [adapter] });
}

const lines = (log: WireRequest[]) => log.map((r) => `${r.method} ${r.path}`);

useNock();

describe('Invisible Collector on the wire', () => {
  it('updates with PUT /customers/{externalId}, a Bearer token and the documented body', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put('/customers/123').reply(answer(log, 200, fixture('invisible-collector/update-response.json')));
    const sync = syncWith();
    const result = await sync.push(customer);
    await sync.close();
    expect(result.providers['invisible-collector']).toEqual({ status: 'updated', providerId: GID, warnings: [], requests: 1, retries: 0 });
    expect(log[0]).toMatchObject({ method: 'PUT', path: '/customers/123' });
    expect(ourHeaders(log[0]!.headers)).toEqual({
      accept: 'application/json',
      'content-type': 'application/json',
      authorization: 'Bearer ic-token-123',
    });
    expect(log[0]?.body).toEqual(fixture('invisible-collector/update-request.json'));
  });

  it('addresses the gid when the record names it, and keeps a path-like id in one segment', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put(`/customers/${GID}`)
      .reply(answer(log, 200, fixture('invisible-collector/update-response.json')))
      .put('/customers/a%2Fb%3Fc%23d')
      .reply(answer(log, 200, { gid: 'g-2' }));
    const sync = syncWith();
    await sync.push({ ...customer, providerIds: { 'invisible-collector': GID } });
    await sync.push({ ...customer, id: 'a/b?c#d' });
    await sync.close();
    expect(log.map((r) => r.path)).toEqual([`/customers/${GID}`, '/customers/a%2Fb%3Fc%23d']);
  });

  it.each([
    ['pt-BR', 'pt'],
    ['es', 'es'],
    ['en-US', 'en'],
    ['fr-FR', 'fr-fr'],
    ['de-AT', 'de'],
    ['zh-CN', 'zh-CN'],
  ])('sends locale %s as %s', async (locale, sent) => {
    const log: WireRequest[] = [];
    nock(BASE).put('/customers/123').reply(answer(log, 200, { gid: GID }));
    const sync = syncWith();
    await sync.push({ ...customer, locale });
    await sync.close();
    expect((log[0]?.body as { locale?: string }).locale).toBe(sent);
  });

  it('leaves an unsupported locale out and warns', async () => {
    const log: WireRequest[] = [];
    nock(BASE).put('/customers/123').reply(answer(log, 200, { gid: GID }));
    const sync = syncWith();
    const outcome = (await sync.push({ ...customer, locale: 'it-IT' })).providers['invisible-collector'];
    await sync.close();
    expect(log[0]?.body).not.toHaveProperty('locale');
    expect(outcome?.warnings).toEqual(['locale it-IT is not supported by Invisible Collector; left out']);
  });

  it('with createMissing, creates on 404 with POST /customers', async () => {
    const log: WireRequest[] = [];
    nock(BASE)
      .put('/customers/123')
      .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
      .post('/customers')
      .reply(answer(log, 201, fixture('invisible-collector/update-response.json')));
    const sync = syncWith({ createMissing: true });
    const outcome = (await sync.push(customer)).providers['invisible-collector'];
    await sync.close();
    expect(outcome).toMatchObject({ status: 'created', providerId: GID });
    expect(log[1]).toMatchObject({ method: 'POST', path: '/customers', body: fixture('invisible-collector/update-request.json') });
  });

  describe('with createMissing, a create refused 409 (the VAT number is held): ours only if its externalId is our id', () => {
    const shapes = [
      ['gid', 'invisible-collector/error-409.json', `, gid ${GID}`, 'A customer with the same VAT number already exists'],
      ['id', 'invisible-collector/error-409-id.json', `, gid ${GID}`, 'Customer already registered'],
      ['nothing', 'invisible-collector/error-409-unnamed.json', '', 'Customer already registered'],
    ] as const;

    it.each(shapes)('naming the holder by %s: the lookup by externalId finds ours, which is updated at PUT /customers/{our id}', async (_by, file) => {
      const log: WireRequest[] = [];
      nock(BASE)
        .put('/customers/123')
        .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
        .post('/customers')
        .reply(answer(log, 409, fixture(file)))
        .get('/customers/find')
        .query({ externalId: '123' })
        .reply(answer(log, 200, fixture('invisible-collector/find-response.json')))
        .put('/customers/123')
        .reply(answer(log, 200, fixture('invisible-collector/published-customer-response.json')));
      const sync = syncWith({ createMissing: true });
      const outcome = (await sync.push(customer)).providers['invisible-collector'];
      const again = (await sync.push(customer)).providers['invisible-collector'];
      await sync.close();
      expect(outcome).toEqual({ status: 'updated', providerId: GID, warnings: [], requests: 4, retries: 0 });
      expect(again).toMatchObject({ status: 'unchanged', requests: 0 });
      expect(lines(log)).toEqual(['PUT /customers/123', 'POST /customers', 'GET /customers/find?externalId=123', 'PUT /customers/123']);
      expect(log[1]?.body).toEqual(fixture('invisible-collector/update-request.json'));
      expect(ourHeaders(log[2]!.headers)).toEqual({ accept: 'application/json', authorization: 'Bearer ic-token-123' });
      expect(log[3]?.body).toEqual(fixture('invisible-collector/update-request.json'));
    });

    it.each(shapes)(
      'naming the holder by %s: the lookup finds no customer of ours, so it is rejected naming the conflict; the holder is never written',
      async (_by, file, named, providerMessage) => {
        const log: WireRequest[] = [];
        nock(BASE)
          .put('/customers/123')
          .times(2)
          .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
          .post('/customers')
          .times(2)
          .reply(answer(log, 409, fixture(file)))
          .get('/customers/find')
          .query({ externalId: '123' })
          .times(2)
          .reply(answer(log, 200, []));
        const sync = syncWith({ createMissing: true });
        const first = (await sync.push(customer)).providers['invisible-collector'];
        // Nothing was made and the intent was cleared: the next run asks again, and is refused again.
        const second = (await sync.push(customer)).providers['invisible-collector'];
        await sync.close();
        for (const outcome of [first, second]) {
          expect(outcome).toMatchObject({ status: 'failed', requests: 3, retries: 0 });
          expect(outcome?.providerId).toBeUndefined();
          expect(outcome?.error).toMatchObject({
            kind: 'rejected',
            status: 409,
            provider: 'invisible-collector',
            customerId: '123',
            providerMessage,
            message: `Invisible Collector: VAT number is already held by another customer${named}; not written (no customer there has our externalId): ${providerMessage}`,
          });
        }
        const round = ['PUT /customers/123', 'POST /customers', 'GET /customers/find?externalId=123'];
        expect(lines(log)).toEqual([...round, ...round]);
        expect(log.filter((r) => r.path === `/customers/${GID}`)).toEqual([]);
      },
    );
  });

  describe('with createMissing, a create whose outcome is unknown (no key: only the lookup may say it was not applied)', () => {
    it('a reset after sending: the lookup by externalId finds nothing, so the create is replayed once, with the same body', async () => {
      const log: WireRequest[] = [];
      nock(BASE)
        .put('/customers/123')
        .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
        .post('/customers')
        .reply(resetAfterSending(log))
        .get('/customers/find')
        .query({ externalId: '123' })
        .reply(answer(log, 200, []))
        .post('/customers')
        .reply(answer(log, 201, fixture('invisible-collector/update-response.json')));
      const sync = syncWith({ createMissing: true });
      const outcome = (await sync.push(customer)).providers['invisible-collector'];
      await sync.close();
      expect(outcome).toEqual({ status: 'created', providerId: GID, warnings: [], requests: 4, retries: 0 });
      expect(lines(log)).toEqual(['PUT /customers/123', 'POST /customers', 'GET /customers/find?externalId=123', 'POST /customers']);
      expect(log[1]?.body).toEqual(fixture('invisible-collector/update-request.json'));
      expect(log[3]?.body).toEqual(log[1]?.body);
    });

    it('a 502: the lookup finds the customer the create made; it is updated at PUT /customers/{our id}, outcome created', async () => {
      const log: WireRequest[] = [];
      nock(BASE)
        .put('/customers/123')
        .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
        .post('/customers')
        .reply(answer(log, 502, { code: 502, message: 'Bad gateway' }))
        .get('/customers/find')
        .query({ externalId: '123' })
        .reply(answer(log, 200, fixture('invisible-collector/find-response.json')))
        .put('/customers/123')
        .reply(answer(log, 200, fixture('invisible-collector/update-response.json')));
      const sync = syncWith({ createMissing: true });
      const outcome = (await sync.push(customer)).providers['invisible-collector'];
      await sync.close();
      expect(outcome).toEqual({ status: 'created', providerId: GID, warnings: [], requests: 4, retries: 0 });
      expect(lines(log)).toEqual(['PUT /customers/123', 'POST /customers', 'GET /customers/find?externalId=123', 'PUT /customers/123']);
    });

    it('a lookup that fails settles nothing: unknown_outcome, the create is not sent again', async () => {
      const log: WireRequest[] = [];
      nock(BASE)
        .put('/customers/123')
        .reply(answer(log, 404, fixture('invisible-collector/error-404.json')))
        .post('/customers')
        .reply(resetAfterSending(log))
        .get('/customers/find')
        .query({ externalId: '123' })
        .times(3)
        .reply(answer(log, 503, { code: 503, message: 'Unavailable' }));
      const sync = syncWith({ createMissing: true });
      const outcome = (await sync.push(customer)).providers['invisible-collector'];
      await sync.close();
      expect(outcome).toMatchObject({ status: 'failed', requests: 5, retries: 2, error: { kind: 'unknown_outcome' } });
      expect(log.filter((r) => r.method === 'POST')).toHaveLength(1);
    });
  });

  it.each([
    [401, { code: 401, message: 'Invalid credentials' }, 'auth', 'Invalid credentials'],
    [404, fixture('invisible-collector/error-404.json'), 'not_found', 'Customer not found'],
    [409, fixture('invisible-collector/error-409.json'), 'rejected', 'A customer with the same VAT number already exists'],
    [422, fixture('invisible-collector/error-422.json'), 'rejected', 'country must be an ISO 3166-1 country code'],
  ])('maps a documented %i to %s', async (status, body, kind, message) => {
    const log: WireRequest[] = [];
    nock(BASE).put('/customers/123').reply(answer(log, status, body));
    const sync = syncWith();
    const outcome = (await sync.push(customer)).providers['invisible-collector'];
    await sync.close();
    expect(outcome?.error).toMatchObject({ kind, status, provider: 'invisible-collector', customerId: '123', providerMessage: message });
  });

  it('fails Invisible Collector alone when the record has no country', async () => {
    const { country: _country, ...noCountry } = customer;
    const sync = syncWith();
    const outcome = (await sync.push(noCountry)).providers['invisible-collector'];
    await sync.close();
    expect(outcome).toMatchObject({
      status: 'failed',
      requests: 0,
      error: { kind: 'invalid', message: 'Invisible Collector requires country; the record has neither country nor address.country' },
    });
  });
});

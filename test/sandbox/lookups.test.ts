// The lookups the client relies on, the same in both behaviours: Yativo `GET /customer?email=` and Fatora
// `GET /v1/clients?email=` (substring matches, paginated: the exact one may sit pages behind), Invisible Collector
// `GET /customers/find` (exact AND match) and `GET /customers/{gid or externalId}`.
import { describe, expect, it } from 'vitest';
import { BEHAVIOURS } from '../../src/sandbox/index.js';
import { call, SANDBOX_CREDENTIALS, useSandbox } from './helpers.js';

const sandbox = useSandbox();

const yativoAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}` };
const fatoraAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.fatora.token}` };
const icAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` };

/** 20 emails that contain `ann@example.com`, then two that do not, then the exact one: the 21st match. */
const EMAILS = [
  ...Array.from({ length: 20 }, (_, i) => `jo${String(i).padStart(2, '0')}ann@example.com`),
  'bob@example.com',
  'ann@example.org',
  'Ann@Example.com',
];

interface YativoPage {
  data: Array<{ customer_id: string; customer_email: string }>;
  pagination: { total: number; per_page: number; current_page: number; last_page: number };
}

describe.each(BEHAVIOURS)('lookups, %s behaviour', (behaviour) => {
  const yativo = (path: string): string => `${sandbox().urls.yativo}${path}`;

  /** A create either behaviour takes: a key for the documented one, customer_type for the published one. */
  async function createYativo(email: string, i: number): Promise<string> {
    const res = await call(yativo('/customer'), {
      method: 'POST',
      headers: { ...yativoAuth, 'idempotency-key': `key-${i}` },
      body: {
        customer_name: `Customer ${i}`,
        customer_email: email,
        customer_phone: '+19203751411',
        customer_type: 'individual',
        customer_country: 'USA',
      },
    });
    expect(res.status).toBe(behaviour === 'published' ? 200 : 201);
    return (res.body as { data: { customer_id: string } }).data.customer_id;
  }

  it('yativo GET /customer?email= matches a case-insensitive substring, paginated: the exact one on page 3', async () => {
    sandbox().setBehaviour(behaviour);
    const ids: string[] = [];
    for (const [i, email] of EMAILS.entries()) ids.push(await createYativo(email, i));
    const page = async (query: string): Promise<YativoPage> => {
      const res = await call(yativo(`/customer?${query}`), { headers: yativoAuth });
      expect(res.status).toBe(200);
      return res.body as YativoPage;
    };

    const third = await page('email=ANN%40example.com&page=3&per_page=10');
    expect(third).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Records retrieved successfully',
      data: [
        {
          customer_id: ids[22],
          customer_name: 'Customer 22',
          customer_email: 'Ann@Example.com',
          customer_phone: '+19203751411',
          customer_country: 'USA',
          customer_type: 'individual',
        },
      ],
      pagination: { total: 21, per_page: 10, current_page: 3, last_page: 3 },
    });
    const first = await page('email=ann@example.com&page=1&per_page=10');
    expect(first.data.map((c) => c.customer_email)).toEqual(EMAILS.slice(0, 10));
    expect(first.data.map((c) => c.customer_id)).toEqual(ids.slice(0, 10));
    expect(first.pagination).toEqual({ total: 21, per_page: 10, current_page: 1, last_page: 3 });

    // per_page 10 and page 1 by default; at most 100 a page; past the last page, no data.
    const defaults = await page('email=ann@example.com');
    expect(defaults.data).toHaveLength(10);
    expect(defaults.pagination).toEqual({ total: 21, per_page: 10, current_page: 1, last_page: 3 });
    const big = await page('email=ann@example.com&per_page=500');
    expect(big.data).toHaveLength(21);
    expect(big.pagination).toEqual({ total: 21, per_page: 100, current_page: 1, last_page: 1 });
    expect((await page('email=ann@example.com&page=4&per_page=10')).data).toEqual([]);

    // No email: everyone. An email no one holds: nothing, one empty page.
    expect((await page('per_page=100')).pagination.total).toBe(23);
    expect(await page('email=nobody@example.com')).toMatchObject({
      data: [],
      pagination: { total: 0, per_page: 10, current_page: 1, last_page: 1 },
    });
  });

  it('yativo GET /customer?email= is SQL LIKE: an underscore matches any one character', async () => {
    sandbox().setBehaviour(behaviour);
    await createYativo('test_customer@yativo.com', 1);
    await createYativo('testXcustomer@yativo.com', 2);
    await createYativo('testcustomer@yativo.com', 3);
    const res = await call(yativo('/customer?email=test_customer@yativo.com'), { headers: yativoAuth });
    expect((res.body as YativoPage).data.map((c) => c.customer_email)).toEqual([
      'test_customer@yativo.com',
      'testXcustomer@yativo.com',
    ]);
  });

  it('fatora GET /v1/clients?email= matches a substring, paginated by page_size (20 by default)', async () => {
    sandbox().setBehaviour(behaviour);
    const fatora = (path: string): string => `${sandbox().urls.fatora}${path}`;
    for (const email of EMAILS) {
      const res = await call(fatora('/v1/clients'), { method: 'POST', headers: fatoraAuth, body: { email } });
      expect(res.status).toBe(201);
    }
    const exact = { id: 1023, name: null, phone: null, email: 'Ann@Example.com', address: null, note: null };
    const third = await call(fatora('/v1/clients?email=ann%40example.com&page=3&page_size=10'), { headers: fatoraAuth });
    expect(third.status).toBe(200);
    expect(third.body).toEqual({ status: 'SUCCESS', clients: [exact] });

    const emailsOf = (body: unknown): string[] => (body as { clients: Array<{ email: string }> }).clients.map((c) => c.email);
    const first = await call(fatora('/v1/clients?email=ann@example.com&page=1&page_size=10'), { headers: fatoraAuth });
    expect(emailsOf(first.body)).toEqual(EMAILS.slice(0, 10));
    const byDefault = await call(fatora('/v1/clients?email=ann@example.com'), { headers: fatoraAuth });
    expect(emailsOf(byDefault.body)).toEqual(EMAILS.slice(0, 20));
    const second = await call(fatora('/v1/clients?email=ann@example.com&page=2'), { headers: fatoraAuth });
    expect(second.body).toEqual({ status: 'SUCCESS', clients: [exact] });
    const past = await call(fatora('/v1/clients?email=ann@example.com&page=4&page_size=10'), { headers: fatoraAuth });
    expect(past.body).toEqual({ status: 'SUCCESS', clients: [] });
  });

  it('invisible collector finds by exact AND match and reads by gid or externalId', async () => {
    sandbox().setBehaviour(behaviour);
    const ic = (path: string): string => `${sandbox().urls['invisible-collector']}${path}`;
    const base = { name: 'Contact', country: 'PT', phone: '+351215598745', locale: 'pt' };
    const people = [
      { ...base, externalId: 'c-1', vatNumber: 'PT1', email: 'ann@example.com' },
      { ...base, externalId: 'c-10', vatNumber: 'PT2', email: 'joann@example.com' },
      { ...base, externalId: 'c-2', vatNumber: 'PT3', email: 'Ann@example.com' },
    ];
    const gids: string[] = [];
    for (const body of people) {
      const res = await call(ic('/customers'), { method: 'POST', headers: icAuth, body });
      expect(res.status).toBe(201);
      gids.push((res.body as { gid: string }).gid);
    }
    const answered = (i: number): Record<string, unknown> => {
      const { phone, locale, ...rest } = people[i] ?? base;
      const common = { ...rest, address: null, zipCode: null, city: null, gid: gids[i] };
      return behaviour === 'published' ? { ...common, mobile: phone } : { ...common, phone, locale };
    };
    const find = async (query: string): Promise<unknown> => {
      const res = await call(ic(`/customers/find?${query}`), { headers: icAuth });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await find('email=ann@example.com')).toEqual([answered(0)]);
    expect(await find('externalId=c-1')).toEqual([answered(0)]);
    expect(await find('vat=PT2&email=joann@example.com')).toEqual([answered(1)]);
    expect(await find('vat=PT2&email=ann@example.com')).toEqual([]);
    expect(await find('externalId=c-2&vat=PT3&email=Ann@example.com')).toEqual([answered(2)]);
    expect(await find('email=example.com')).toEqual([]);

    for (const id of [gids[1], 'c-10']) {
      const res = await call(ic(`/customers/${String(id)}`), { headers: icAuth });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(answered(1));
    }
    const missing = await call(ic('/customers/c-3'), { headers: icAuth });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 404, message: 'Customer not found' });
  });
});

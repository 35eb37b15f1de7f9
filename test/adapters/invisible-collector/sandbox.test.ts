import { describe, expect, it } from 'vitest';
import { sandbox as invisibleCollector } from '../../../adapters/invisible-collector/sandbox.js';
import { call, useSandbox, UUID } from '../../sandbox/helpers.js';

const sandbox = useSandbox();
const url = (path: string): string => `${sandbox().urls['invisible-collector']}${path}`;
const auth = { authorization: `Bearer ${invisibleCollector.credentials.token}` };

const document = {
  name: 'John Doe Inc.',
  externalId: '123',
  vatNumber: 'PT543219876',
  address: 'Invisible Avenue, 456',
  zipCode: '1234-543',
  city: 'Lisbon',
  country: 'PT',
  email: 'john.doe@example.com',
  phone: '+351215598745',
  locale: 'pt',
};

async function create(body: Record<string, unknown> = document) {
  return call(url('/customers'), { method: 'POST', headers: auth, body });
}

describe('invisible-collector sandbox', () => {
  it('serves under /invisible-collector', () => {
    expect(sandbox().urls['invisible-collector']).toBe(`http://127.0.0.1:${sandbox().port}/invisible-collector`);
  });

  it('creates (201 with gid) and updates by gid and by externalId (200, the full customer)', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    const { gid } = created.body as { gid: string };
    expect(gid).toMatch(UUID);
    expect(created.body).toEqual({ ...document, gid });

    const byGid = await call(url(`/customers/${gid}`), {
      method: 'PUT',
      headers: auth,
      body: { country: 'PT', city: 'Porto' },
    });
    expect(byGid.status).toBe(200);
    expect(byGid.body).toEqual({ ...document, city: 'Porto', gid });

    const byExternalId = await call(url('/customers/123'), {
      method: 'PUT',
      headers: auth,
      body: { country: 'ES', locale: 'es' },
    });
    expect(byExternalId.status).toBe(200);
    expect(byExternalId.body).toEqual({ ...document, city: 'Porto', country: 'ES', locale: 'es', gid });

    const get = await call(url('/customers/123'), { headers: auth });
    expect(get.body).toEqual(byExternalId.body);
    expect(sandbox().customers('invisible-collector')).toEqual([
      { ...document, city: 'Porto', country: 'ES', locale: 'es', gid },
    ]);
  });

  it('answers absent fields as null and the locale as "pt" by default', async () => {
    const created = await create({ name: 'A', vatNumber: 'PT1', country: 'PT' });
    const { gid } = created.body as { gid: string };
    expect(created.body).toEqual({
      name: 'A',
      externalId: null,
      vatNumber: 'PT1',
      address: null,
      zipCode: null,
      city: null,
      country: 'PT',
      email: null,
      phone: null,
      gid,
      locale: 'pt',
    });
  });

  it('answers 404 {code:404} for an unknown id', async () => {
    const res = await call(url('/customers/unknown'), { method: 'PUT', headers: auth, body: document });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 404, message: 'Customer not found' });
  });

  it('answers 422 when country is missing or not alpha-2, or the locale is not accepted', async () => {
    await create();
    const noCountry = await call(url('/customers/123'), { method: 'PUT', headers: auth, body: { name: 'x' } });
    expect(noCountry.status).toBe(422);
    expect(noCountry.body).toEqual({ code: 422, message: 'country is mandatory' });
    const alpha3 = await call(url('/customers/123'), { method: 'PUT', headers: auth, body: { country: 'PRT' } });
    expect(alpha3.body).toEqual({ code: 422, message: 'country must be an ISO 3166-1 alpha-2 country code' });
    const locale = await call(url('/customers/123'), {
      method: 'PUT',
      headers: auth,
      body: { country: 'PT', locale: 'fr' },
    });
    expect(locale.status).toBe(422);
    expect(locale.body).toEqual({ code: 422, message: 'locale must be one of pt, es, en, fr-fr, de, zh-CN' });
    const post = await create({ country: 'PT' });
    expect(post.body).toEqual({ code: 422, message: 'name is mandatory; vatNumber is mandatory' });
    const notObject = await call(url('/customers'), { method: 'POST', headers: auth, body: [1, 2] });
    expect(notObject.status).toBe(422);
  });

  it('answers 409 with the existing gid to a create with a known VAT number', async () => {
    const { gid } = (await create()).body as { gid: string };
    const res = await create({ ...document, externalId: '456', name: 'Other' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ code: 409, message: 'A customer with the same VAT number already exists', gid });
    expect(sandbox().customers('invisible-collector')).toHaveLength(1);
  });

  it('finds customers by exact AND match', async () => {
    const { gid } = (await create()).body as { gid: string };
    await create({ ...document, externalId: '1234', vatNumber: 'PT2', email: 'other@example.com' });
    const found = await call(url('/customers/find?externalId=123'), { headers: auth });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([{ ...document, gid }]);
    const both = await call(url('/customers/find?externalId=123&email=other@example.com'), { headers: auth });
    expect(both.body).toEqual([]);
    const byVat = await call(url('/customers/find?vat=PT2'), { headers: auth });
    expect((byVat.body as Array<{ externalId: string }>).map((c) => c.externalId)).toEqual(['1234']);
  });

  it('answers 401 to a missing or wrong token', async () => {
    const res = await call(url('/customers/find?externalId=1'), { headers: { authorization: 'Bearer wrong' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ code: 401, message: 'Invalid credentials were supplied' });
    expect((await call(url('/customers/find?externalId=1'))).status).toBe(401);
  });
});

// The `published` behaviour: what the providers' published code does where it differs from their pages
// (shared/providers/NOTES.md, last section). Every rule over a real socket, exact status and body.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSandbox, type Behaviour } from '../../src/sandbox/index.js';
import { call, SANDBOX_CREDENTIALS, useSandbox, UUID } from './helpers.js';

const sandbox = useSandbox({ behaviour: 'published' });

const yativoAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}` };
const icAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` };
const yativo = (path: string): string => `${sandbox().urls.yativo}${path}`;
const ic = (path: string): string => `${sandbox().urls['invisible-collector']}${path}`;

const customer = {
  customer_name: 'Test Customer',
  customer_email: 'test_customer@yativo.com',
  customer_phone: '+19203751411',
  customer_type: 'individual',
  customer_country: 'USA',
};

const createYativo = (body: unknown = customer, headers: Record<string, string> = {}) =>
  call(yativo('/customer'), { method: 'POST', headers: { ...yativoAuth, ...headers }, body });

const failed = (status: number, data: unknown) => ({
  status: 'failed',
  status_code: status,
  message: 'Request failed.',
  data,
});

const duplicateEmail = failed(422, { customer_email: ['Customer email already exists.'] });

describe('yativo, published behaviour', () => {
  it('answers a create with HTTP 200 and status_code 201 in the body', async () => {
    const res = await createYativo();
    expect(res.status).toBe(200);
    const id = (res.body as { data: { customer_id: string } }).data.customer_id;
    expect(id).toMatch(UUID);
    expect(res.body).toEqual({
      status: 'success',
      status_code: 201,
      message: 'Request successful',
      data: { customer_id: id, ...customer },
    });
    expect(sandbox().customers('yativo')).toEqual([{ customer_id: id, ...customer }]);
  });

  it('needs no Idempotency-Key on POST or PUT', async () => {
    const created = await createYativo();
    expect(created.status).toBe(200);
    const id = (created.body as { data: { customer_id: string } }).data.customer_id;
    const put = await call(yativo(`/customer/${id}`), {
      method: 'PUT',
      headers: yativoAuth,
      body: { customer_name: 'Renamed' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Customer updated successfully',
      data: { customer_id: id, ...customer, customer_name: 'Renamed' },
    });
  });

  it('does not deduplicate by Idempotency-Key: a replayed create is a new create and meets the duplicate email', async () => {
    const first = await createYativo(customer, { 'idempotency-key': 'same-key' });
    expect(first.status).toBe(200);
    const replay = await createYativo(customer, { 'idempotency-key': 'same-key' });
    expect(replay.status).toBe(422);
    expect(replay.body).toEqual(duplicateEmail);
    expect(replay.headers.get('idempotent-replayed')).toBeNull();
    expect(sandbox().customers('yativo')).toHaveLength(1);
  });

  it('ignores a key reused with another body: it is simply another create', async () => {
    await createYativo(customer, { 'idempotency-key': 'k' });
    const other = await createYativo({ ...customer, customer_email: 'other@yativo.com' }, { 'idempotency-key': 'k' });
    expect(other.status).toBe(200);
    expect(sandbox().customers('yativo')).toHaveLength(2);
  });

  it('holds one customer per email, case-insensitively', async () => {
    await createYativo();
    const res = await createYativo({ ...customer, customer_name: 'Someone Else', customer_email: 'TEST_Customer@Yativo.com' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual(duplicateEmail);
    expect(sandbox().customers('yativo')).toHaveLength(1);
  });

  it('requires customer_type: 400 with the field errors in data', async () => {
    const { customer_type: _type, ...withoutType } = customer;
    const res = await createYativo(withoutType);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(failed(400, { customer_type: ['The customer type field is required.'] }));
    expect(sandbox().customers('yativo')).toEqual([]);
  });

  it('requires the five fields, in the order of the server rules, and checks customer_type', async () => {
    const none = await createYativo({});
    expect(none.status).toBe(400);
    expect(none.body).toEqual(
      failed(400, {
        customer_name: ['The customer name field is required.'],
        customer_email: ['The customer email field is required.'],
        customer_phone: ['The customer phone field is required.'],
        customer_type: ['The customer type field is required.'],
        customer_country: ['The customer country field is required.'],
      }),
    );
    const badType = await createYativo({ ...customer, customer_type: 'company' });
    expect(badType.status).toBe(400);
    expect(badType.body).toEqual(failed(400, { customer_type: ['The selected customer type is invalid.'] }));
  });

  it('validates before the duplicate-email check', async () => {
    await createYativo();
    const res = await createYativo({ ...customer, customer_type: undefined });
    expect(res.body).toEqual(failed(400, { customer_type: ['The customer type field is required.'] }));
  });

  it('answers an unknown customer id with HTTP 400 data.error, on PUT and GET', async () => {
    const notFound = failed(400, { error: 'Customer not found' });
    const put = await call(yativo('/customer/00000000-0000-4000-8000-000000000000'), {
      method: 'PUT',
      headers: yativoAuth,
      body: { customer_name: 'Nobody' },
    });
    expect(put.status).toBe(400);
    expect(put.body).toEqual(notFound);
    const get = await call(yativo('/customer/00000000-0000-4000-8000-000000000000'), { headers: yativoAuth });
    expect(get.status).toBe(400);
    expect(get.body).toEqual(notFound);
  });

  it('answers an invalid update with HTTP 400 and the field errors in data', async () => {
    const id = ((await createYativo()).body as { data: { customer_id: string } }).data.customer_id;
    const res = await call(yativo(`/customer/${id}`), {
      method: 'PUT',
      headers: yativoAuth,
      body: { customer_email: 'not-an-email' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(failed(400, { customer_email: ['The customer email field must be a valid email address.'] }));
  });

  it('answers every other error in the failed envelope with HTTP status_code', async () => {
    const unauthenticated = await call(yativo('/customer/x'), { headers: { authorization: 'Bearer wrong' } });
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toEqual(failed(401, { error: 'Unauthenticated' }));

    const notJson = await call(yativo('/customer'), { method: 'POST', headers: yativoAuth, body: '{"customer_name":' });
    expect(notJson.status).toBe(400);
    expect(notJson.body).toEqual(failed(400, { error: 'The request body is not valid JSON' }));

    const notObject = await createYativo([customer]);
    expect(notObject.status).toBe(400);
    expect(notObject.body).toEqual(failed(400, { error: 'The request body must be a JSON object' }));

    const noRoute = await call(yativo('/customers'), { headers: yativoAuth });
    expect(noRoute.status).toBe(404);
    expect(noRoute.body).toEqual(failed(404, { error: 'No route for GET /customers' }));

    sandbox().setFaults('yativo', { script: ['503'] });
    const fault = await createYativo();
    expect(fault.status).toBe(503);
    expect(fault.body).toEqual(failed(503, { error: 'Service unavailable' }));

    sandbox().setRateLimit('yativo', { perSecond: 1 });
    await call(yativo('/customer'), { headers: yativoAuth });
    const limited = await call(yativo('/customer'), { headers: yativoAuth });
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual(failed(429, { error: 'Too many requests' }));
  });
});

describe('invisible collector, published behaviour', () => {
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
  /** The customer as the SDKs see it: `mobile` for the phone, no `phone` or `locale`. */
  const { phone, locale: _locale, ...rest } = document;
  const answered = (gid: string, changes: Record<string, unknown> = {}) => ({ ...rest, mobile: phone, gid, ...changes });

  const createIc = (body: unknown = document) => call(ic('/customers'), { method: 'POST', headers: icAuth, body });

  it('answers customers with mobile and without phone and locale, on every route', async () => {
    const created = await createIc();
    expect(created.status).toBe(201);
    const { gid } = created.body as { gid: string };
    expect(created.body).toEqual(answered(gid));
    const put = await call(ic(`/customers/${gid}`), { method: 'PUT', headers: icAuth, body: { country: 'PT', city: 'Porto' } });
    expect(put.status).toBe(200);
    expect(put.body).toEqual(answered(gid, { city: 'Porto' }));
    expect((await call(ic('/customers/123'), { headers: icAuth })).body).toEqual(answered(gid, { city: 'Porto' }));
    expect((await call(ic(`/customers/${gid}`), { headers: icAuth })).body).toEqual(answered(gid, { city: 'Porto' }));
    expect((await call(ic('/customers/find?externalId=123'), { headers: icAuth })).body).toEqual([
      answered(gid, { city: 'Porto' }),
    ]);
    // What is kept is unchanged: the phone and the locale are still there.
    expect(sandbox().customers('invisible-collector')).toEqual([{ ...document, city: 'Porto', gid }]);
  });

  it('names the VAT number holder of a 409 as gid, then id, then not at all, then gid again', async () => {
    const { gid } = (await createIc()).body as { gid: string };
    const other = { ...document, externalId: '456', name: 'Other contact' };
    const answers = [];
    for (let i = 0; i < 4; i += 1) answers.push(await createIc(other));
    expect(answers.map((a) => a.status)).toEqual([409, 409, 409, 409]);
    expect(answers.map((a) => a.body)).toEqual([
      { code: 409, message: 'Customer already registered', gid },
      { code: 409, message: 'Customer already registered', id: gid },
      { code: 409, message: 'Customer already registered' },
      { code: 409, message: 'Customer already registered', gid },
    ]);
    expect(sandbox().customers('invisible-collector')).toHaveLength(1);
  });

  it('starts the rotation over on setBehaviour and on reset, and can force one shape', async () => {
    const conflictBody = async (): Promise<unknown> => {
      const res = await createIc({ ...document, externalId: 'x' });
      expect(res.status).toBe(409);
      return res.body;
    };
    const { gid } = (await createIc()).body as { gid: string };
    await conflictBody();
    sandbox().setBehaviour('published');
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered', gid });

    sandbox().setBehaviour('published', { 'invisible-collector': { conflictShape: 'none' } });
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered' });
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered' });
    // The forced shape stays when only the behaviour is set again.
    sandbox().setBehaviour('published');
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered' });
    sandbox().setBehaviour('published', { 'invisible-collector': { conflictShape: 'id' } });
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered', id: gid });

    sandbox().reset(); // back to the options: rotate, from gid
    const again = ((await createIc()).body as { gid: string }).gid;
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered', gid: again });
    expect(await conflictBody()).toEqual({ code: 409, message: 'Customer already registered', id: again });
  });

  it('takes a forced shape from the options', async () => {
    const sb = await startSandbox({ behaviour: 'published', published: { 'invisible-collector': { conflictShape: 'id' } } });
    try {
      const url = `${sb.urls['invisible-collector']}/customers`;
      const { gid } = (await call(url, { method: 'POST', headers: icAuth, body: document })).body as { gid: string };
      for (let i = 0; i < 2; i += 1) {
        const res = await call(url, { method: 'POST', headers: icAuth, body: { ...document, externalId: String(i) } });
        expect(res.body).toEqual({ code: 409, message: 'Customer already registered', id: gid });
      }
    } finally {
      await sb.close();
    }
  });

  it('answers a body that is not JSON with 400 Invalid JSON', async () => {
    const post = await call(ic('/customers'), { method: 'POST', headers: icAuth, body: '{"name":' });
    expect(post.status).toBe(400);
    expect(post.body).toEqual({ code: 400, message: 'Invalid JSON' });
    await createIc();
    const put = await call(ic('/customers/123'), { method: 'PUT', headers: icAuth, body: 'not json' });
    expect(put.status).toBe(400);
    expect(put.body).toEqual({ code: 400, message: 'Invalid JSON' });
  });
});

describe('switching behaviour', () => {
  it('applies setBehaviour from the next request on, keeps the customers, and reset() restores the options', async () => {
    const sb = await startSandbox();
    try {
      expect(sb.behaviour).toBe('documented');
      const url = `${sb.urls.yativo}/customer`;
      const documented = await call(url, { method: 'POST', headers: yativoAuth, body: customer });
      expect(documented.status).toBe(400); // Idempotency-Key required
      expect((await call(url, { method: 'POST', headers: { ...yativoAuth, 'idempotency-key': 'k' }, body: customer })).status).toBe(201);

      sb.setBehaviour('published');
      expect(sb.behaviour).toBe('published');
      const duplicate = await call(url, { method: 'POST', headers: yativoAuth, body: customer });
      expect(duplicate.status).toBe(422);
      expect(duplicate.body).toEqual(duplicateEmail);

      sb.setBehaviour('documented');
      // Documented again: the key is honoured (a replay), and there is no one-per-email rule.
      const replay = await call(url, { method: 'POST', headers: { ...yativoAuth, 'idempotency-key': 'k' }, body: customer });
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect((await call(url, { method: 'POST', headers: { ...yativoAuth, 'idempotency-key': 'k2' }, body: customer })).status).toBe(201);
      expect(sb.customers('yativo')).toHaveLength(2);

      sb.setBehaviour('published');
      sb.reset();
      expect(sb.behaviour).toBe('documented');
    } finally {
      await sb.close();
    }
  });

  it('refuses an unknown behaviour or conflict shape', async () => {
    await expect(startSandbox({ behaviour: 'live' as Behaviour })).rejects.toThrow(
      'behaviour must be one of documented, published, got live',
    );
    await expect(
      startSandbox({ published: { 'invisible-collector': { conflictShape: 'externalId' } } }),
    ).rejects.toThrow('published.invisible-collector.conflictShape must be rotate, gid, id, none, got externalId');
    expect(() => sandbox().setBehaviour('live' as Behaviour)).toThrow('behaviour must be one of documented, published');
    expect(sandbox().behaviour).toBe('published');
  });

  it('keeps the behaviour out of the data file; loaded customers count for the one-per-email rule', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sandbox-behaviour-'));
    const dataFile = join(dir, 'sandbox.json');
    try {
      const first = await startSandbox({
        dataFile,
        behaviour: 'published',
        published: { 'invisible-collector': { conflictShape: 'none' } },
      });
      expect((await call(`${first.urls.yativo}/customer`, { method: 'POST', headers: yativoAuth, body: customer })).status).toBe(200);
      await first.close();
      const text = await readFile(dataFile, 'utf8');
      expect(text).not.toMatch(/behaviour|published|documented|conflictShape/);

      const second = await startSandbox({ dataFile });
      try {
        expect(second.behaviour).toBe('documented');
        second.setBehaviour('published');
        const again = await call(`${second.urls.yativo}/customer`, {
          method: 'POST',
          headers: yativoAuth,
          body: { ...customer, customer_email: 'Test_Customer@yativo.com' },
        });
        expect(again.status).toBe(422);
        expect(again.body).toEqual(duplicateEmail);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

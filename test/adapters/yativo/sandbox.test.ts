import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';
import { sandbox as yativo } from '../../../adapters/yativo/sandbox.js';
import { call, useSandbox, UUID } from '../../sandbox/helpers.js';

const sandbox = useSandbox();
const url = (path: string): string => `${sandbox().urls.yativo}${path}`;
const auth = { authorization: `Bearer ${yativo.credentials.token}` };

const createBody = {
  customer_name: 'Test Customer',
  customer_email: 'test_customer@yativo.com',
  customer_phone: '+19203751411',
  customer_country: 'USA',
  customer_address: {
    city: 'Anytown',
    state: 'Anystate',
    zipcode: '12345',
    street: '1234 Elm Street',
    number: '5678',
    country: 'USA',
  },
  customer_idType: 'PASSPORT',
  customer_idNumber: 'A10600011',
  customer_idCountry: 'Chile',
  customer_idExpiration: '04/24',
};

const publicFields = {
  customer_name: 'Test Customer',
  customer_email: 'test_customer@yativo.com',
  customer_phone: '+19203751411',
  customer_country: 'USA',
  customer_address: {
    city: 'Anytown',
    state: 'Anystate',
    zipcode: '12345',
    street: '1234 Elm Street',
    number: '5678',
    country: 'USA',
  },
};

async function create(key = 'key-1', body: unknown = createBody) {
  return call(url('/customer'), { method: 'POST', headers: { ...auth, 'idempotency-key': key }, body });
}

describe('yativo sandbox', () => {
  it('serves under /yativo/api/v1', () => {
    expect(sandbox().urls.yativo).toBe(`http://127.0.0.1:${sandbox().port}/yativo/api/v1`);
  });

  it('creates a customer: 201 envelope with a UUID, the identity document kept but not answered', async () => {
    const res = await create();
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = res.body as { data: { customer_id: string } };
    expect(body).toEqual({
      status: 'success',
      status_code: 201,
      message: 'Request successful',
      data: { customer_id: body.data.customer_id, ...publicFields },
    });
    expect(body.data.customer_id).toMatch(UUID);
    expect(sandbox().customers('yativo')).toEqual([{ customer_id: body.data.customer_id, ...createBody }]);
  });

  it('updates, reads back, and answers 404 for an unknown id', async () => {
    const id = ((await create()).body as { data: { customer_id: string } }).data.customer_id;
    const put = await call(url(`/customer/${id}`), {
      method: 'PUT',
      headers: { ...auth, 'idempotency-key': 'key-2' },
      body: { customer_name: 'Renamed', customer_phone: '+351912345678' },
    });
    expect(put.status).toBe(200);
    const updated = { customer_id: id, ...publicFields, customer_name: 'Renamed', customer_phone: '+351912345678' };
    expect(put.body).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Customer updated successfully',
      data: updated,
    });

    const get = await call(url(`/customer/${id}`), { headers: auth });
    expect(get.status).toBe(200);
    expect(get.body).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Records retrieved successfully',
      data: updated,
    });

    const missing = await call(url('/customer/00000000-0000-4000-8000-000000000000'), {
      method: 'PUT',
      headers: { ...auth, 'idempotency-key': 'key-3' },
      body: { customer_name: 'Nobody' },
    });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ status: 'error', status_code: 404, message: 'Customer not found' });
  });

  it('answers 422 with Laravel-style errors per field', async () => {
    const res = await create('key-v', {
      customer_email: 'not-an-email',
      customer_phone: '0920 375 1411',
      customer_country: 'US',
      customer_address: { country: 'XYZ' },
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      status: 'error',
      status_code: 422,
      message: 'Validation failed',
      errors: {
        customer_name: ['The customer name field is required.'],
        customer_email: ['The customer email field must be a valid email address.'],
        customer_phone: ['The customer phone field format is invalid.'],
        customer_country: ['The selected customer country is invalid.'],
        'customer_address.country': ['The selected customer address country is invalid.'],
      },
    });
    expect(sandbox().customers('yativo')).toEqual([]);
  });

  it('requires an Idempotency-Key on POST and PUT', async () => {
    const res = await call(url('/customer'), { method: 'POST', headers: auth, body: createBody });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      status_code: 400,
      message: 'Request failed',
      data: { error: 'Idempotency-Key header is required' },
    });
    const put = await call(url('/customer/any'), { method: 'PUT', headers: auth, body: {} });
    expect(put.status).toBe(400);
  });

  it('replays a repeated key with the same body: one customer, the same answer', async () => {
    const first = await create('same-key');
    const second = await create('same-key');
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(sandbox().customers('yativo')).toHaveLength(1);
  });

  it('refuses a repeated key with a different body', async () => {
    await create('reused');
    const res = await create('reused', { ...createBody, customer_name: 'Someone Else' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      status: 'error',
      status_code: 422,
      message: 'Idempotency-Key was already used with a different request',
      errors: { 'Idempotency-Key': ['This Idempotency-Key was already used with a different method, path or body.'] },
    });
    expect(sandbox().customers('yativo')).toHaveLength(1);
  });

  it('does not remember refused requests: the same key runs them again', async () => {
    const refused = await create('k-invalid', { customer_name: 'x' });
    expect(refused.status).toBe(422);
    const again = await create('k-invalid', { customer_name: 'x' });
    expect(again.status).toBe(422);
    expect(again.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 401 {"message":"Unauthenticated."} without or with a wrong bearer', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const res = await call(url('/customer/x'), { headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ message: 'Unauthenticated.' });
    }
  });

  it('exchanges account_id + app_secret for a bearer token that works', async () => {
    const { accountId, appSecret } = yativo.credentials;
    const login = await call(url('/auth/login'), {
      method: 'POST',
      body: { account_id: accountId, app_secret: appSecret },
    });
    expect(login.status).toBe(200);
    const body = login.body as { data: { access_token: string } };
    expect(body).toEqual({
      status: 'success',
      status_code: 200,
      message: 'Request successful',
      data: { access_token: body.data.access_token, token_type: 'bearer', expires_in: 600 },
    });
    const res = await call(url('/customer'), {
      method: 'POST',
      headers: { authorization: `Bearer ${body.data.access_token}`, 'idempotency-key': 'k' },
      body: createBody,
    });
    expect(res.status).toBe(201);
  });

  it('refuses a login with wrong or missing credentials', async () => {
    const wrong = await call(url('/auth/login'), {
      method: 'POST',
      body: { account_id: 'sandbox-yativo-account', app_secret: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ status: 'error', status_code: 401, message: 'Invalid account_id or app_secret' });
    const missing = await call(url('/auth/login'), { method: 'POST', body: {} });
    expect(missing.status).toBe(422);
    expect(missing.body).toEqual({
      status: 'error',
      status_code: 422,
      message: 'Validation failed',
      errors: { account_id: ['The account id field is required.'], app_secret: ['The app secret field is required.'] },
    });
  });
});

describe('yativo sandbox tokens', () => {
  // The token store reads Date.now(): stopped here, so the 0.2 s lifetime is not used up by a busy machine before
  // the first call, and moved past it without waiting. Timers and sockets run for real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires issued tokens after tokenTtlSeconds', async () => {
    const sb = await startSandbox({ tokenTtlSeconds: { yativo: 0.2 } });
    try {
      const { accountId, appSecret } = sb.credentials.yativo;
      const login = await call(`${sb.urls.yativo}/auth/login`, {
        method: 'POST',
        body: { account_id: accountId, app_secret: appSecret },
      });
      const { access_token: token, expires_in: expiresIn } = (
        login.body as { data: { access_token: string; expires_in: number } }
      ).data;
      expect(expiresIn).toBe(0.2);
      const headers = { authorization: `Bearer ${token}` };
      expect((await call(`${sb.urls.yativo}/customer/x`, { headers })).status).toBe(404);
      vi.advanceTimersByTime(250);
      expect((await call(`${sb.urls.yativo}/customer/x`, { headers })).status).toBe(401);
    } finally {
      await sb.close();
    }
  });
});

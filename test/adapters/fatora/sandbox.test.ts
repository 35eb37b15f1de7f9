import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startSandbox } from '../../../src/sandbox/index.js';
import { sandbox as fatora } from '../../../adapters/fatora/sandbox.js';
import { call, useSandbox } from '../../sandbox/helpers.js';

const sandbox = useSandbox();
const url = (path: string): string => `${sandbox().urls.fatora}${path}`;
const auth = { authorization: `Bearer ${fatora.credentials.token}` };

const clientBody = {
  name: 'Client Name',
  address: 'Rainbow Street 12, Amman, Amman Governorate 11118, JO',
  phone: '+962791234567',
  email: 'client@example.com',
  notes: 'Additional notes',
};

const clientAnswer = {
  name: 'Client Name',
  phone: '+962791234567',
  email: 'client@example.com',
  address: 'Rainbow Street 12, Amman, Amman Governorate 11118, JO',
  note: 'Additional notes',
};

async function create(body: unknown = clientBody) {
  return call(url('/v1/clients'), { method: 'POST', headers: auth, body });
}

describe('fatora sandbox', () => {
  it('serves under /fatora, the paths carrying /v1', () => {
    expect(sandbox().urls.fatora).toBe(`http://127.0.0.1:${sandbox().port}/fatora`);
  });

  it('authorizes an api_key into a bearer token that works', async () => {
    const res = await call(url('/v1/Authorization/Authorize'), {
      headers: { api_key: fatora.credentials.apiKey },
    });
    expect(res.status).toBe(200);
    const body = res.body as { bearer_token: string };
    expect(body).toEqual({ success: true, bearer_token: body.bearer_token });
    const list = await call(url('/v1/clients'), { headers: { authorization: `Bearer ${body.bearer_token}` } });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ status: 'SUCCESS', clients: [] });
  });

  it('refuses a bad api_key and a bad bearer with 401', async () => {
    const res = await call(url('/v1/Authorization/Authorize'), { headers: { api_key: 'wrong' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ status: 'ERROR', error: 'Invalid API Key' });
    const none = await call(url('/v1/Authorization/Authorize'));
    expect(none.status).toBe(401);
    const bearer = await call(url('/v1/clients/1001'), { headers: { authorization: 'Bearer wrong' } });
    expect(bearer.status).toBe(401);
    expect(bearer.body).toEqual({ status: 'ERROR', error: { code: 401, message: 'Invalid or expired bearer token.' } });
  });

  it('creates a client (201) with an integer id, then updates it (200)', async () => {
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ status: 'SUCCESS', client: { id: 1001, ...clientAnswer } });

    const put = await call(url('/v1/clients/1001'), {
      method: 'PUT',
      headers: auth,
      body: { email: 'client@example.com', name: 'New Name' },
    });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ status: 'SUCCESS', client: { id: 1001, ...clientAnswer, name: 'New Name' } });

    const get = await call(url('/v1/clients/1001'), { headers: auth });
    expect(get.body).toEqual({ status: 'SUCCESS', client: { id: 1001, ...clientAnswer, name: 'New Name' } });
    expect(sandbox().customers('fatora')).toEqual([{ id: 1001, ...clientAnswer, name: 'New Name' }]);
  });

  it('answers absent fields as null', async () => {
    const created = await create({ email: 'only@example.com' });
    expect(created.body).toEqual({
      status: 'SUCCESS',
      client: { id: 1001, name: null, phone: null, email: 'only@example.com', address: null, note: null },
    });
  });

  it('answers 400 with an error object when email is missing', async () => {
    await create();
    const res = await call(url('/v1/clients/1001'), { method: 'PUT', headers: auth, body: { name: 'No Email' } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ status: 'ERROR', error: { code: 400, message: 'The email field is required.' } });
    expect(sandbox().customers('fatora')[0]?.name).toBe('Client Name');
  });

  it('answers 404 for an unknown or non-integer client id', async () => {
    for (const id of ['999', 'abc']) {
      const res = await call(url(`/v1/clients/${id}`), {
        method: 'PUT',
        headers: auth,
        body: { email: 'a@example.com' },
      });
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ status: 'ERROR', error: { code: 404, message: 'Client not found' } });
    }
  });

  it('answers 409 to a second client with the same email', async () => {
    await create();
    const res = await create({ ...clientBody, email: 'CLIENT@example.com', name: 'Other' });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      status: 'ERROR',
      error: { code: 409, message: 'A client with the same data already exists.' },
    });
    expect(sandbox().customers('fatora')).toHaveLength(1);
  });

  it('lists clients by email (substring, case-insensitive) with paging', async () => {
    await create({ email: 'ann@example.com' });
    await create({ email: 'joann@example.com' });
    await create({ email: 'bob@example.com' });
    const res = await call(url('/v1/clients?email=ANN@example.com&page=1&page_size=20'), { headers: auth });
    expect(res.status).toBe(200);
    const emails = (res.body as { clients: Array<{ id: number; email: string }> }).clients.map((c) => [c.id, c.email]);
    expect(emails).toEqual([
      [1001, 'ann@example.com'],
      [1002, 'joann@example.com'],
    ]);
    const page2 = await call(url('/v1/clients?page=2&page_size=2'), { headers: auth });
    expect((page2.body as { clients: Array<{ id: number }> }).clients.map((c) => c.id)).toEqual([1003]);
    const bad = await call(url('/v1/clients?page_size=0'), { headers: auth });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({
      status: 'ERROR',
      error: { code: 400, message: 'page_size must be an integer from 1 to 100.' },
    });
  });
});

describe('fatora sandbox tokens', () => {
  // The token store reads Date.now(): stopped here, so the 0.2 s lifetime is not used up by a busy machine before
  // the first call, and moved past it without waiting. Timers and sockets run for real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps issued tokens for the run, unless tokenTtlSeconds sets a lifetime', async () => {
    const sb = await startSandbox({ tokenTtlSeconds: 0.2 });
    try {
      const authorize = await call(`${sb.urls.fatora}/v1/Authorization/Authorize`, {
        headers: { api_key: sb.credentials.fatora.apiKey },
      });
      const headers = { authorization: `Bearer ${(authorize.body as { bearer_token: string }).bearer_token}` };
      expect((await call(`${sb.urls.fatora}/v1/clients`, { headers })).status).toBe(200);
      vi.advanceTimersByTime(250);
      expect((await call(`${sb.urls.fatora}/v1/clients`, { headers })).status).toBe(401);
    } finally {
      await sb.close();
    }
  });
});

import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { call, SANDBOX_CREDENTIALS, useSandbox } from './helpers.js';

const sandbox = useSandbox();

const yativoAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}`, 'idempotency-key': 'k' };
const fatoraAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS.fatora.token}` };
const bluetapeAuth = {
  'x-bluetape-key': SANDBOX_CREDENTIALS.bluetape.apiKey,
  'x-integration-accountid': SANDBOX_CREDENTIALS.bluetape.accountId,
};
const icAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` };

describe('sandbox routing', () => {
  it('answers 404 JSON outside the four prefixes', async () => {
    const res = await call(`${sandbox().origin}/stripe/v1/customers`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({
      message:
        'No sandbox provider at this path: use /yativo/api/v1, /fatora, /bluetape/genericBthubService or /invisible-collector',
    });
  });

  it('answers 404 in the provider shape for an unknown path, base path included', async () => {
    const res = await call(`${sandbox().origin}/yativo/customer`, { headers: yativoAuth });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ status: 'error', status_code: 404, message: 'No route for GET /yativo/customer' });
    const ic = await call(`${sandbox().urls['invisible-collector']}/debts`, { headers: icAuth });
    expect(ic.body).toEqual({ code: 404, message: 'No route for GET /debts' });
  });

  it('answers 405 with Allow for a known path and another method', async () => {
    const res = await call(`${sandbox().urls.yativo}/customer/abc`, { method: 'DELETE', headers: yativoAuth });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('PUT, GET');
    expect(res.body).toEqual({
      status: 'error',
      status_code: 405,
      message: 'Method DELETE is not allowed on /customer/abc',
    });
    const bt = await call(`${sandbox().urls.bluetape}/integration/customer`, { method: 'GET', headers: bluetapeAuth });
    expect(bt.status).toBe(405);
    expect(bt.body).toEqual({ code: '405', reason: 'Method GET is not allowed on /integration/customer' });
  });

  it.each([
    [
      'yativo',
      '/customer',
      yativoAuth,
      { status_code: 400, message: 'Request failed', data: { error: 'The request body is not valid JSON' } },
    ],
    [
      'fatora',
      '/v1/clients',
      fatoraAuth,
      { status: 'ERROR', error: { code: 400, message: 'The request body is not valid JSON' } },
    ],
    ['bluetape', '/integration/customer', bluetapeAuth, { code: '400', reason: 'The request body is not valid JSON' }],
    ['invisible-collector', '/customers', icAuth, { code: 400, message: 'The request body is not valid JSON' }],
  ] as const)('%s answers 400 to a body that is not JSON', async (provider, path, headers, body) => {
    const res = await call(`${sandbox().urls[provider]}${path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(body);
  });

  it('checks credentials before the body', async () => {
    const res = await call(`${sandbox().urls.fatora}/v1/clients`, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(401);
  });

  it('answers 415 to a body sent as another content type', async () => {
    const res = await call(`${sandbox().urls['invisible-collector']}/customers`, {
      method: 'POST',
      headers: { ...icAuth, 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(res.status).toBe(415);
    expect(res.body).toEqual({ code: 415, message: 'Unsupported content type text/plain; send application/json' });
  });

  it('keeps connections alive between requests', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ reused: boolean; status: number | undefined }>((resolve, reject) => {
        const req = http.get(
          `${sandbox().urls['invisible-collector']}/customers/find`,
          { agent, headers: icAuth },
          (res) => {
            res.resume();
            res.on('end', () => resolve({ reused: req.reusedSocket, status: res.statusCode }));
          },
        );
        req.on('error', reject);
      });
    try {
      expect(await get()).toEqual({ reused: false, status: 200 });
      expect(await get()).toEqual({ reused: true, status: 200 });
    } finally {
      agent.destroy();
    }
  });
});

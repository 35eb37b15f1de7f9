import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type LoadedConfig } from '../../src/config/config.js';
import { PROVIDER_IDS } from '../../src/providers.js';
import type { PushResult } from '../../src/push/engine.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { buildServer, type CustomerServer, type ServeSync } from '../../src/serve/app.js';
import { createCustomerSync, type CustomerSync } from '../../src/sync.js';
import { customer } from '../cli/helpers.js';

// The service over real sockets (listening on port 0), pushing to the sandbox providers.

const TOKEN = 'test-token-0123456789abcdef';
const OTHER_TOKEN = 'rotated-token-fedcba9876543210';
const MAX_BODY = 4096;

let sandbox: Sandbox;
let loaded: LoadedConfig;
let sync: CustomerSync;
let server: CustomerServer;
let url: string;

beforeAll(async () => {
  sandbox = await startSandbox();
  const providers = sandboxProvidersConfig(sandbox);
  loaded = parseConfig(
    {
      providers: {
        yativo: providers.yativo,
        fatora: { ...providers.fatora, createMissing: true },
        bluetape: { ...providers.bluetape, createMissing: true },
        'invisible-collector': { ...providers['invisible-collector'], createMissing: true },
      },
      retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5 },
    },
    {},
  );
  sync = createCustomerSync({ adapters: loaded.adapters, retry: loaded.config.retry });
  server = await buildServer({ sync, tokens: [TOKEN, OTHER_TOKEN], maxBodyBytes: MAX_BODY, model: loaded.model });
  url = await server.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(async () => {
  await server?.close();
  await sync?.close();
  await sandbox?.close();
});
afterEach(() => {
  for (const id of PROVIDER_IDS) sandbox.setFaults(id, undefined);
});

function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/customers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body,
  });
}

async function answer(response: Response): Promise<{ status: number; body: unknown }> {
  return { status: response.status, body: await response.json() };
}

describe('POST /v1/customers', () => {
  it('pushes to every provider and answers 200 with each outcome and the ids the providers gave', async () => {
    const { status, body } = await answer(await post(JSON.stringify(customer(1))));
    expect(status).toBe(200);
    const result = body as { customerId: string; providers: Record<string, { status: string; providerId?: string }> };
    expect(result.customerId).toBe('c-1');
    expect(Object.keys(result.providers)).toEqual([...PROVIDER_IDS]);
    for (const id of PROVIDER_IDS) expect(result.providers[id]).toMatchObject({ status: 'created', providerId: expect.any(String), warnings: [] });
    // The ids answered are the ones the providers hold.
    expect(sandbox.customers('yativo').map((c) => c.customer_id)).toEqual([result.providers.yativo?.providerId]);
    expect(sandbox.customers('invisible-collector').map((c) => c.gid)).toEqual([result.providers['invisible-collector']?.providerId]);

    // The same customer again: nothing to send.
    const again = await answer(await post(JSON.stringify(customer(1))));
    expect(again.status).toBe(200);
    for (const id of PROVIDER_IDS) expect((again.body as typeof result).providers[id]).toMatchObject({ status: 'unchanged', requests: 0 });
  });

  it('answers 200 when a provider failed, with its error kind, status and message, personal data masked', async () => {
    sandbox.setFaults('fatora', { script: ['500', '500', '500', '500'] });
    const { status, body } = await answer(await post(JSON.stringify(customer(2))));
    expect(status).toBe(200);
    const providers = (body as { providers: Record<string, { status: string; error?: { kind: string; status?: number; message: string } }> }).providers;
    expect(providers.fatora).toMatchObject({ status: 'failed', error: { kind: 'transient', status: 500, message: expect.any(String) }, requests: 2, retries: 1 });
    for (const id of ['yativo', 'bluetape', 'invisible-collector']) expect(providers[id]?.status).toBe('created');
    expect(JSON.stringify(body)).not.toContain('person2@example.com');
  });

  it('answers 422 listing every issue of an invalid record, in the words of the library', async () => {
    const record = { id: '', email: 'not-an-email', phone: '12', country: 'Atlantis', emial: 'x@example.com', address: {} };
    const { status, body } = await answer(await post(JSON.stringify(record)));
    expect(status).toBe(422);
    const expected = loaded.model.validate(record);
    expect(expected.ok).toBe(false);
    expect(body).toEqual({ issues: expected.ok ? [] : expected.issues });
    expect((body as { issues: Array<{ path: string }> }).issues.map((issue) => issue.path).sort()).toEqual(['address', 'country', 'email', 'emial', 'id', 'phone']);
    // Nothing of the record is echoed.
    expect(JSON.stringify(body)).not.toContain('not-an-email');
  });

  it('answers 401 with WWW-Authenticate: Bearer without a token or with a wrong one, and takes every configured token', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', `Basic ${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      const response = await fetch(`${url}/v1/customers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
        body: JSON.stringify(customer(3)),
      });
      expect([response.status, response.headers.get('www-authenticate'), await response.json()]).toEqual([
        401,
        'Bearer',
        { error: 'a valid bearer token is required (Authorization: Bearer …)' },
      ]);
    }
    expect(sandbox.customers('yativo').some((c) => c.customer_email === 'person3@example.com')).toBe(false);
    expect((await post(JSON.stringify(customer(3)), { authorization: `Bearer ${OTHER_TOKEN}` })).status).toBe(200);
    // Unknown paths under /v1 need a token too, and say nothing without one.
    expect((await fetch(`${url}/v1/anything`)).status).toBe(401);
    expect(await answer(await fetch(`${url}/v1/anything`, { headers: { authorization: `Bearer ${TOKEN}` } }))).toEqual({ status: 404, body: { error: 'not found' } });
  });

  it('answers 413 to a body over maxBodyBytes, 400 to malformed JSON, 415 to another content type', async () => {
    const large = JSON.stringify(customer(4, { notes: 'n'.repeat(MAX_BODY) }));
    expect(await answer(await post(large))).toEqual({ status: 413, body: { error: `the body is larger than ${MAX_BODY} bytes (serve.maxBodyBytes)` } });
    // The parser's own message would quote the body: the answer does not.
    expect(await answer(await post('{"id": "c-5", "email": "person5@example.com"'))).toEqual({ status: 400, body: { error: 'the body is not valid JSON' } });
    expect(await answer(await post(''))).toEqual({ status: 400, body: { error: 'the body is empty: send the customer as JSON' } });
    const json = { error: 'send the customer as JSON (Content-Type: application/json)' };
    expect(await answer(await post(JSON.stringify(customer(5)), { 'content-type': 'text/plain' }))).toEqual({ status: 415, body: json });
    expect(await answer(await post('id=c-5', { 'content-type': 'application/x-www-form-urlencoded' }))).toEqual({ status: 415, body: json });
    const bare = await fetch(`${url}/v1/customers`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await answer(bare)).toEqual({ status: 415, body: json });
    expect(sandbox.customers('yativo').some((c) => c.customer_email === 'person5@example.com')).toBe(false);
  });
});

describe('public routes', () => {
  it('GET /healthz answers 200 without a token', async () => {
    expect(await answer(await fetch(`${url}/healthz`))).toEqual({ status: 200, body: { status: 'ok' } });
  });

  it('GET /openapi.json: OpenAPI 3 from the zod schemas, the Customer schema naming the model fields', async () => {
    const { status, body } = await answer(await fetch(`${url}/openapi.json`));
    expect(status).toBe(200);
    const document = body as {
      openapi: string;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean }> };
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: unknown }> }; responses: Record<string, { description: string }>; security?: unknown }>>;
    };
    expect(document.openapi).toMatch(/^3\./);
    const schema = document.components.schemas.Customer;
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual([...loaded.model.fieldPaths.filter((path) => !path.includes('.')), 'address', 'identityDocument', 'providerIds'].sort());
    expect(schema?.required).toEqual(['id', 'email']);
    expect(schema?.additionalProperties).toBe(false);
    expect(Object.keys((schema?.properties.providerIds as { properties: object }).properties)).toEqual([...PROVIDER_IDS]);

    const push = document.paths['/v1/customers']?.post;
    expect(push?.requestBody?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Customer' });
    expect(Object.keys(push?.responses ?? {})).toEqual(expect.arrayContaining(['200', '202', '401', '413', '422']));
    expect(push?.security).toEqual([{ bearer: [] }]);
    // Documented only with --queue; /healthz documented, the document itself not.
    expect(Object.keys(document.paths).sort()).toEqual(['/healthz', '/v1/customers']);
  });

  it('GET /metrics is served from the metrics given, without a token; absent without them', async () => {
    expect((await fetch(`${url}/metrics`)).status).toBe(401);
    const metrics = { render: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'customer_sync_up 1\n' }) };
    const withMetrics = await buildServer({ sync, tokens: [TOKEN], metrics });
    try {
      const other = await withMetrics.listen({ port: 0, host: '127.0.0.1' });
      const response = await fetch(`${other}/metrics`);
      expect([response.status, response.headers.get('content-type'), await response.text()]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8', 'customer_sync_up 1\n']);
    } finally {
      await withMetrics.close();
    }
  });
});

describe('shutdown', () => {
  it('lets a request in flight finish, answers 503 at /healthz meanwhile, and refuses new connections', async () => {
    let release: () => void = () => {};
    let started: () => void = () => {};
    const inFlight = new Promise<void>((resolve) => (started = resolve));
    const stub: ServeSync = {
      async push(input) {
        started();
        await new Promise<void>((resolve) => (release = resolve));
        return { customerId: (input as { id: string }).id, providers: { yativo: { status: 'updated', providerId: 'y-9', warnings: [], requests: 1, retries: 0 } } } satisfies PushResult;
      },
      enqueue: () => Promise.reject(new Error('not queued')),
    };
    const own = await buildServer({ sync: stub, tokens: [TOKEN] });
    const base = await own.listen({ port: 0, host: '127.0.0.1' });
    const pending = fetch(`${base}/v1/customers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(customer(9)),
    });
    await inFlight;
    const closing = own.close();
    expect((await own.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    release();
    const response = await pending;
    expect(await answer(response)).toEqual({
      status: 200,
      body: { customerId: 'c-9', providers: { yativo: { status: 'updated', providerId: 'y-9', warnings: [], requests: 1, retries: 0 } } },
    });
    await closing;
  });
});

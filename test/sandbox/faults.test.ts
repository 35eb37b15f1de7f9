import { describe, expect, it } from 'vitest';
import type { FaultKind } from '../../src/sandbox/index.js';
import { call, SANDBOX_CREDENTIALS, useSandbox } from './helpers.js';

const sandbox = useSandbox();

const bt = {
  'x-bluetape-key': SANDBOX_CREDENTIALS.bluetape.apiKey,
  'x-integration-accountid': SANDBOX_CREDENTIALS.bluetape.accountId,
};
const btFields = {
  firstName: 'John',
  lastName: 'Doe',
  emailAddress: 'john.doe@example.com',
  cellPhoneNumber: '+11234567890',
  sourceModifiedDate: '2023-01-04T09:47:57.477Z',
};
const createBlueTape = (id: string, timeoutMs?: number) =>
  call(`${sandbox().urls.bluetape}/integration/customer`, {
    method: 'POST',
    headers: bt,
    body: { id, ...btFields },
    timeoutMs,
  });

const yativoCreate = (key: string) =>
  call(`${sandbox().urls.yativo}/customer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS.yativo.token}`, 'idempotency-key': key },
    body: {
      customer_name: 'A',
      customer_email: 'a@example.com',
      customer_phone: '+19203751411',
      customer_country: 'USA',
    },
  });

const icGet = () =>
  call(`${sandbox().urls['invisible-collector']}/customers/find`, {
    headers: { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` },
  });

/** The network error behind a failed fetch, e.g. ECONNRESET. */
async function networkError(promise: Promise<unknown>): Promise<string> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TypeError);
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? 'none';
}

describe('sandbox faults', () => {
  it.each([
    ['500', 500, { code: '500', reason: 'Unexpected error' }],
    ['502', 502, { code: '502', reason: 'Bad gateway' }],
    ['503', 503, { code: '503', reason: 'Service unavailable' }],
    ['401', 401, { code: '401', reason: 'Unauthorized' }],
    ['403', 403, { code: '403', reason: 'Forbidden' }],
    ['404', 404, { code: '404', reason: 'Not found' }],
    ['409', 409, { code: '409', reason: 'Conflict' }],
    ['422', 422, { code: '422', reason: 'Unprocessable entity' }],
  ] as const)('%s answers its status in the provider shape and applies nothing', async (kind, status, body) => {
    sandbox().setFaults('bluetape', { script: [kind] });
    const res = await createBlueTape('c1');
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual(body);
    expect(sandbox().customers('bluetape')).toEqual([]);
    expect((await createBlueTape('c1')).status).toBe(201);
    expect(sandbox().stats('bluetape').faults).toEqual({ [kind]: 1 });
  });

  it('uses each provider’s own error shape', async () => {
    sandbox().setFaults('yativo', { script: ['401', '500'] });
    expect((await yativoCreate('k')).body).toEqual({ message: 'Unauthenticated.' });
    expect((await yativoCreate('k')).body).toEqual({
      status: 'error',
      status_code: 500,
      message: 'Internal server error',
    });
    sandbox().setFaults('invisible-collector', { script: ['409'] });
    expect((await icGet()).body).toEqual({ code: 409, message: 'Conflict' });
  });

  it('429-seconds sends Retry-After in seconds (configurable)', async () => {
    sandbox().setFaults('invisible-collector', { script: ['429-seconds', '429-seconds'] });
    const first = await icGet();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body).toEqual({ code: 429, message: 'Too many requests' });
    sandbox().setFaults('invisible-collector', { script: ['429-seconds'], retryAfterSeconds: 7 });
    expect((await icGet()).headers.get('retry-after')).toBe('7');
  });

  it('429-date sends Retry-After as an HTTP date at least retryAfterSeconds ahead', async () => {
    sandbox().setFaults('invisible-collector', { script: ['429-date'], retryAfterSeconds: 3 });
    const before = Date.now();
    const res = await icGet();
    const after = Date.now();
    expect(res.status).toBe(429);
    const header = res.headers.get('retry-after') ?? '';
    expect(header).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    // Now + 3 s rounded up to a whole second, "now" being somewhere between before and after (however long a busy
    // machine took to answer).
    const at = Date.parse(header);
    expect(at - before).toBeGreaterThanOrEqual(3000);
    expect(at - after).toBeLessThanOrEqual(4000);
  });

  it('reset-before drops the connection and applies nothing', async () => {
    sandbox().setFaults('bluetape', { script: ['reset-before'] });
    expect(await networkError(createBlueTape('c1'))).toBe('ECONNRESET');
    expect(sandbox().customers('bluetape')).toEqual([]);
    expect(sandbox().stats('bluetape')).toMatchObject({ requests: 1, byStatus: {}, faults: { 'reset-before': 1 } });
  });

  it('reset-after applies the change, then drops the connection', async () => {
    sandbox().setFaults('bluetape', { script: ['reset-after'] });
    expect(await networkError(createBlueTape('c1'))).toBe('ECONNRESET');
    expect(
      sandbox()
        .customers('bluetape')
        .map((c) => c.id),
    ).toEqual(['c1']);
    // A retry of the create meets the customer the lost answer made.
    expect((await createBlueTape('c1')).status).toBe(409);
  });

  it('reset-after on Yativo: the retry with the same key replays, one customer', async () => {
    sandbox().setFaults('yativo', { script: ['reset-after'] });
    await networkError(yativoCreate('intent-1'));
    const retry = await yativoCreate('intent-1');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const [stored] = sandbox().customers('yativo');
    expect((retry.body as { data: { customer_id: string } }).data.customer_id).toBe(stored?.customer_id);
    expect(sandbox().customers('yativo')).toHaveLength(1);
  });

  it('timeout never answers and applies nothing; the client gives up', async () => {
    sandbox().setFaults('bluetape', { script: ['timeout'] });
    const started = Date.now();
    const error: unknown = await createBlueTape('c1', 200).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(sandbox().customers('bluetape')).toEqual([]);
    expect(sandbox().stats('bluetape').byStatus).toEqual({});
    expect((await createBlueTape('c1')).status).toBe(201);
  });

  it('slow answers after slowMs, applied', async () => {
    sandbox().setFaults('bluetape', { script: ['slow'], slowMs: 150 });
    const started = Date.now();
    const res = await createBlueTape('c1');
    expect(res.status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    expect(sandbox().customers('bluetape')).toHaveLength(1);
  });

  it('bad-body answers 200 with a body that is not JSON, then one of the wrong shape; applied', async () => {
    sandbox().setFaults('bluetape', { script: ['bad-body', 'bad-body'] });
    const first = await createBlueTape('c1');
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('application/json');
    expect(first.text).toBe('{"status":"succ');
    const second = await createBlueTape('c2');
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ result: 'ok' });
    expect(
      sandbox()
        .customers('bluetape')
        .map((c) => c.id),
    ).toEqual(['c1', 'c2']);
  });

  it('random faults are repeatable with a seed, and run after the script', async () => {
    const run = async (): Promise<number[]> => {
      sandbox().setFaults('invisible-collector', { rate: 0.5, kinds: ['500', '503'], seed: 42, script: ['404'] });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await icGet()).status);
      return statuses;
    };
    const first = await run();
    expect(first[0]).toBe(404);
    expect(new Set(first.slice(1))).toEqual(new Set([200, 500, 503]));
    expect(await run()).toEqual(first);
  });

  it('rejects bad fault settings', () => {
    expect(() => sandbox().setFaults('yativo', { rate: 2 })).toThrow('fault rate must be between 0 and 1, got 2');
    expect(() => sandbox().setFaults('yativo', { script: ['418' as FaultKind] })).toThrow('unknown fault kind: 418');
  });
});

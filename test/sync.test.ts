import { inspect } from 'node:util';
import nock from 'nock';
import { describe, expect, it } from 'vitest';
import { createCustomerSync, CustomerValidationError, type RequestEvent, type ResultEvent, type RetryEvent } from '../src/index.js';
import { yativo } from '../adapters/yativo/index.js';
import { fatora } from '../adapters/fatora/index.js';
import { bluetape } from '../adapters/bluetape/index.js';
import { invisibleCollector } from '../adapters/invisible-collector/index.js';
import { answer, FAST_LIMIT, FAST_RETRY, useNock, type WireRequest } from './adapters/wire-harness.js';

const SECRETS = { yativo: 'yat-secret-token-1', fatora: 'fat-secret-token-2', bluetape: 'bt-secret-key-3', ic: 'ic-secret-token-4' };
const BASES = {
  yativo: 'https://yativo.test/api/v1',
  fatora: 'https://fatora.test',
  bluetape: 'https://bluetape.test/genericBthubService',
  ic: 'https://ic.test',
};

function allFour() {
  const common = { retry: FAST_RETRY, rateLimit: FAST_LIMIT };
  return createCustomerSync({
    adapters: [
      yativo({ baseUrl: BASES.yativo, token: SECRETS.yativo, ...common }),
      fatora({ baseUrl: BASES.fatora, token: SECRETS.fatora, ...common }),
      bluetape({ baseUrl: BASES.bluetape, apiKey: SECRETS.bluetape, accountId: 'acct-1', ...common }),
      invisibleCollector({ baseUrl: BASES.ic, token: SECRETS.ic, ...common }),
    ],
  });
}

const ada = {
  id: 'cus-1',
  email: 'ada@example.com',
  firstName: 'Ada',
  lastName: 'Lovelace',
  phone: '+351912345678',
  country: 'PRT',
  vatNumber: 'PT123456789',
  updatedAt: '2026-11-20T10:00:00Z',
  providerIds: { yativo: 'y-1', fatora: 7 },
};

function allAnswer(log: WireRequest[], overrides: { fatora?: number; fatoraBody?: unknown } = {}) {
  nock(BASES.yativo).put('/customer/y-1').reply(answer(log, 200, { status: 'success', data: { customer_id: 'y-1' } }));
  nock(BASES.fatora)
    .put('/v1/clients/7')
    .reply(answer(log, overrides.fatora ?? 200, overrides.fatoraBody ?? { status: 'SUCCESS', client: { id: 7 } }));
  nock(BASES.bluetape).put('/integration/customer/cus-1').reply(answer(log, 202, { blueTapeId: 'bt-1' }));
  nock(BASES.ic).put('/customers/cus-1').reply(answer(log, 200, { gid: 'g-1' }));
}

useNock();

describe('createCustomerSync().push', () => {
  it('sends to every provider and gives one outcome each', async () => {
    const log: WireRequest[] = [];
    allAnswer(log);
    const sync = allFour();
    const result = await sync.push(ada);
    await sync.close();
    expect(result.customerId).toBe('cus-1');
    expect(Object.fromEntries(Object.entries(result.providers).map(([p, o]) => [p, [o?.status, o?.providerId]]))).toEqual({
      yativo: ['updated', 'y-1'],
      fatora: ['updated', '7'],
      bluetape: ['updated', 'bt-1'],
      'invisible-collector': ['updated', 'g-1'],
    });
    expect(log).toHaveLength(4);
  });

  it("does not throw for one provider's failure: the others still succeed", async () => {
    const log: WireRequest[] = [];
    allAnswer(log, { fatora: 404, fatoraBody: { status: 'ERROR', error: 'Client not found' } });
    const sync = allFour();
    const result = await sync.push(ada);
    await sync.close();
    expect(result.providers.fatora).toMatchObject({ status: 'failed', error: { kind: 'not_found', status: 404 } });
    expect(result.providers.fatora?.error).toBeInstanceOf(Error);
    expect(['yativo', 'bluetape', 'invisible-collector'].map((p) => result.providers[p as 'yativo']?.status)).toEqual([
      'updated',
      'updated',
      'updated',
    ]);
  });

  it('throws a CustomerValidationError listing every issue, and sends nothing', async () => {
    const sync = allFour();
    const attempt = sync.push({ id: 'cus-2', email: 'not-an-email', phone: '12', adress: {} });
    await expect(attempt).rejects.toBeInstanceOf(CustomerValidationError);
    const error = (await attempt.catch((e: unknown) => e)) as CustomerValidationError;
    await sync.close();
    expect(error.customerId).toBe('cus-2');
    expect(error.issues.map((i) => i.path).sort()).toEqual(['adress', 'email', 'phone']);
    expect(error.message).not.toContain('not-an-email');
  });

  it('sends nothing for an unchanged customer the second time', async () => {
    const log: WireRequest[] = [];
    allAnswer(log);
    const sync = allFour();
    await sync.push(ada);
    const again = await sync.push(ada);
    await sync.close();
    expect(Object.values(again.providers).map((o) => o?.status)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);
    expect(log).toHaveLength(4);
  });

  it('emits request, retry and result events', async () => {
    const log: WireRequest[] = [];
    nock(BASES.ic)
      .put('/customers/cus-1')
      .reply(answer(log, 503, { code: 503, message: 'busy' }))
      .put('/customers/cus-1')
      .reply(answer(log, 200, { gid: 'g-1' }));
    const sync = createCustomerSync({
      adapters: [invisibleCollector({ baseUrl: BASES.ic, token: SECRETS.ic, retry: FAST_RETRY, rateLimit: FAST_LIMIT })],
    });
    const requests: RequestEvent[] = [];
    const retries: RetryEvent[] = [];
    const results: ResultEvent[] = [];
    sync.on('request', (e) => requests.push(e)).on('retry', (e) => retries.push(e)).on('result', (e) => results.push(e));
    await sync.push(ada);
    await sync.close();
    expect(requests).toEqual([
      { provider: 'invisible-collector', customerId: 'cus-1', method: 'PUT', path: '/customers/cus-1', attempt: 1 },
      { provider: 'invisible-collector', customerId: 'cus-1', method: 'PUT', path: '/customers/cus-1', attempt: 2 },
    ]);
    expect(retries).toEqual([
      {
        provider: 'invisible-collector',
        customerId: 'cus-1',
        method: 'PUT',
        path: '/customers/cus-1',
        attempt: 1,
        delayMs: expect.any(Number),
        kind: 'transient',
        status: 503,
      },
    ]);
    expect(results).toEqual([
      { customerId: 'cus-1', provider: 'invisible-collector', outcome: expect.objectContaining({ status: 'updated', retries: 1 }) },
    ]);
  });

  it('pushes to only the providers asked for', async () => {
    const log: WireRequest[] = [];
    nock(BASES.bluetape).put('/integration/customer/cus-1').reply(answer(log, 202, { blueTapeId: 'bt-1' }));
    const sync = allFour();
    const result = await sync.push(ada, { only: ['bluetape'] });
    await sync.close();
    expect(Object.keys(result.providers)).toEqual(['bluetape']);
  });

  it('lets in-flight pushes finish on close, and refuses pushes after it', async () => {
    const log: WireRequest[] = [];
    nock(BASES.ic).put('/customers/cus-1').delay(50).reply(answer(log, 200, { gid: 'g-1' }));
    const sync = createCustomerSync({ adapters: [invisibleCollector({ baseUrl: BASES.ic, token: SECRETS.ic })] });
    const pending = sync.push(ada);
    await sync.close();
    expect((await pending).providers['invisible-collector']?.status).toBe('updated');
    await expect(sync.push(ada)).rejects.toThrow('customer-sync: push after close()');
  });

  it('keeps every credential out of errors, even when a provider echoes it back', async () => {
    const log: WireRequest[] = [];
    const echo = (secret: string) => ({ status: 'ERROR', error: `bad token ${secret}`, message: `bad token ${secret}`, reason: secret });
    nock(BASES.yativo).put('/customer/y-1').reply(answer(log, 400, { message: 'x', data: { error: `bad ${SECRETS.yativo}` } }));
    nock(BASES.fatora).put('/v1/clients/7').reply(answer(log, 400, echo(SECRETS.fatora)));
    nock(BASES.bluetape).put('/integration/customer/cus-1').reply(answer(log, 400, { code: '400', reason: `key ${SECRETS.bluetape}` }));
    nock(BASES.ic).put('/customers/cus-1').reply(answer(log, 422, { code: 422, message: `token ${SECRETS.ic}` }));
    const sync = allFour();
    const result = await sync.push(ada);
    await sync.close();
    for (const outcome of Object.values(result.providers)) {
      const error = outcome?.error;
      expect(error?.kind).toBe('rejected');
      const texts = [error?.message, error?.stack, error?.providerMessage, JSON.stringify(error), inspect(error), inspect(error?.cause)];
      for (const secret of Object.values(SECRETS)) for (const text of texts) expect(text ?? '').not.toContain(secret);
    }
    expect(result.providers['invisible-collector']?.error?.providerMessage).toBe('token [REDACTED]');
  });
});

describe('adapter.push alone', () => {
  it('pushes to one provider with its own in-memory state', async () => {
    const log: WireRequest[] = [];
    nock(BASES.ic).put('/customers/cus-1').reply(answer(log, 200, { gid: 'g-1' }));
    const ic = invisibleCollector({ baseUrl: BASES.ic, token: SECRETS.ic });
    expect(await ic.push(ada)).toEqual({ status: 'updated', providerId: 'g-1', warnings: [], requests: 1, retries: 0 });
    expect((await ic.push(ada)).status).toBe('unchanged');
    await ic.close();
    expect(log).toHaveLength(1);
  });
});

describe('createCustomerSync with a SQLite state file', () => {
  it('remembers delivered payloads across processes: the second sync sends nothing', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'cs-state-'));
    const state = join(dir, 'nested', 'state.db');
    try {
      const log: WireRequest[] = [];
      nock(BASES.ic).put('/customers/cus-1').reply(answer(log, 200, { gid: 'g-1' }));
      const make = () => createCustomerSync({ adapters: [invisibleCollector({ baseUrl: BASES.ic, token: SECRETS.ic })], state });
      const first = make();
      expect((await first.push(ada)).providers['invisible-collector']?.status).toBe('updated');
      await first.close();
      const second = make();
      expect((await second.push(ada)).providers['invisible-collector']).toMatchObject({ status: 'unchanged', providerId: 'g-1' });
      await second.close();
      expect(log).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

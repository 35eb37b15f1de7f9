// Issue 10, point 4: the input forms DESIGN §2 accepts reach the providers, over a real socket (the sandbox).
// Before it, `providerIds: {}` made a record invalid (nothing sent), `kind` was an unknown key, `updatedAt` with
// minutes only was refused, and a Fatora id given back as the string `push` returned was refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bluetape } from '../../adapters/bluetape/index.js';
import { fatora } from '../../adapters/fatora/index.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createCustomerSync } from '../../src/sync.js';

const FAST = { retry: { retries: 1, minDelayMs: 1, maxDelayMs: 2 }, rateLimit: { perSecond: 1000, concurrency: 4 } };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: 10, log: true });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
});

function allFour() {
  const { urls, credentials: c } = sandbox;
  return createCustomerSync({
    adapters: [
      yativo({ ...FAST, baseUrl: urls.yativo, token: c.yativo.token }),
      fatora({ ...FAST, baseUrl: urls.fatora, token: c.fatora.token, createMissing: true }),
      bluetape({ ...FAST, baseUrl: urls.bluetape, apiKey: c.bluetape.apiKey, accountId: c.bluetape.accountId, createMissing: true }),
      invisibleCollector({ ...FAST, baseUrl: urls['invisible-collector'], token: c['invisible-collector'].token, createMissing: true }),
    ],
  });
}

const grace = {
  id: 'in-1',
  email: 'grace@example.com',
  firstName: 'Grace',
  lastName: 'Hopper',
  phone: '+351912345670',
  country: 'PT',
  vatNumber: 'PT500100200',
};

describe('input forms DESIGN §2 accepts, on the wire', () => {
  it('providerIds {} means no id is known: every provider gets the record', async () => {
    const sync = allFour();
    try {
      const result = await sync.push({ ...grace, updatedAt: '2026-11-20T10:00:00Z', providerIds: {} });
      expect(Object.fromEntries(Object.entries(result.providers).map(([id, o]) => [id, o?.status]))).toEqual({
        yativo: 'created',
        fatora: 'created',
        bluetape: 'created',
        'invisible-collector': 'created',
      });
    } finally {
      await sync.close();
    }
  });

  it('kind is sent as Yativo customer_type on create; individual when absent', async () => {
    const sync = allFour();
    try {
      await sync.push({ ...grace, updatedAt: '2026-11-20T10:00:00Z', kind: 'business' });
      await sync.push({ ...grace, id: 'in-2', email: 'other@example.com', vatNumber: 'PT500100201', updatedAt: '2026-11-20T10:00:00Z' });
    } finally {
      await sync.close();
    }
    const creates = sandbox.requests('yativo').filter((r) => r.method === 'POST' && r.path === '/customer');
    expect(creates.map((r) => (r.body as Record<string, unknown>).customer_type)).toEqual(['business', 'individual']);
  });

  it('updatedAt with minutes only or fractions reaches BlueTape as given', async () => {
    const sync = allFour();
    try {
      const minutes = await sync.push({ ...grace, updatedAt: '2024-05-01T12:00Z' });
      expect(minutes.providers.bluetape?.status).toBe('created');
      const fractions = await sync.push({ ...grace, updatedAt: '2024-05-01T12:00:00.123456+02:00' });
      expect(fractions.providers.bluetape?.status).toBe('updated');
    } finally {
      await sync.close();
    }
    const sent = sandbox
      .requests('bluetape')
      .filter((r) => r.method !== 'GET')
      .map((r) => (r.body as Record<string, unknown>).sourceModifiedDate);
    expect(sent).toEqual(['2024-05-01T12:00Z', '2024-05-01T12:00Z', '2024-05-01T12:00:00.123456+02:00']);
  });

  it('a Fatora id push returned (digits in a string) fed back as providerIds.fatora is the same id', async () => {
    const record = { ...grace, updatedAt: '2026-11-20T10:00:00Z' };
    const first = createCustomerSync({
      adapters: [fatora({ ...FAST, baseUrl: sandbox.urls.fatora, token: sandbox.credentials.fatora.token, createMissing: true })],
    });
    let id: string | undefined;
    try {
      id = (await first.push(record)).providers.fatora?.providerId;
    } finally {
      await first.close();
    }
    expect(id).toMatch(/^\d+$/);
    const sync = createCustomerSync({
      adapters: [fatora({ ...FAST, baseUrl: sandbox.urls.fatora, token: sandbox.credentials.fatora.token })],
    });
    try {
      const asString = await sync.push({ ...record, name: 'Grace B. Hopper', providerIds: { fatora: id } });
      expect(asString.providers.fatora).toMatchObject({ status: 'updated', providerId: id });
      // The same id as a number is the same record, with the same hash: nothing to send.
      const asNumber = await sync.push({ ...record, name: 'Grace B. Hopper', providerIds: { fatora: Number(id) } });
      expect(asNumber.providers.fatora?.status).toBe('unchanged');
    } finally {
      await sync.close();
    }
    expect(sandbox.requests('fatora').filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([`/v1/clients/${id}`]);
    expect(sandbox.customers('fatora')).toHaveLength(1);
  });
});

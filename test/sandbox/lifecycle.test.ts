import { describe, expect, it } from 'vitest';
import { runSandboxCommand, sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type ProviderId } from '../../src/sandbox/index.js';
import { call, SANDBOX_CREDENTIALS } from './helpers.js';

const icAuth = { authorization: `Bearer ${SANDBOX_CREDENTIALS['invisible-collector'].token}` };
const icCustomer = { name: 'A', vatNumber: 'PT1', country: 'PT', externalId: 'a-1' };

const servers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

describe('sandbox lifecycle', () => {
  it('closes promptly with a held request and a delayed answer, leaving no server behind', async () => {
    const before = servers();
    const sb = await startSandbox({ faults: { bluetape: { script: ['timeout'] } }, latencyMs: { fatora: 10_000 } });
    expect(servers()).toBe(before + 1);
    const held = fetch(`${sb.urls.bluetape}/integration/customer/x`).catch((e: unknown) => e);
    const delayed = fetch(`${sb.urls.fatora}/v1/clients`).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await sb.close();
    // Not waiting for the delayed answer (10 s) nor the held request (never): well under either, even when busy.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await held).toBeInstanceOf(TypeError);
    expect(await delayed).toBeInstanceOf(TypeError);
    // libuv releases a closed handle on the next turn of the loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(servers()).toBe(before);
    await sb.close(); // twice is fine
  });

  it('reset() empties customers, stats and logs, and restores the faults of the options', async () => {
    const sb = await startSandbox({ log: true, faults: { 'invisible-collector': { script: ['500'] } } });
    try {
      const url = `${sb.urls['invisible-collector']}/customers`;
      expect((await call(url, { method: 'POST', headers: icAuth, body: icCustomer })).status).toBe(500);
      expect((await call(url, { method: 'POST', headers: icAuth, body: icCustomer })).status).toBe(201);
      expect(sb.customers('invisible-collector')).toHaveLength(1);
      sb.reset();
      expect(sb.customers('invisible-collector')).toEqual([]);
      expect(sb.stats('invisible-collector')).toEqual({
        requests: 0,
        byStatus: {},
        rateLimited: 0,
        maxRatePerSecond: 0,
        faults: {},
      });
      expect(sb.requests('invisible-collector')).toEqual([]);
      expect((await call(url, { method: 'POST', headers: icAuth, body: icCustomer })).status).toBe(500);
    } finally {
      await sb.close();
    }
  });

  it('logs requests when asked: method, path, query, headers, body, time', async () => {
    const sb = await startSandbox();
    try {
      const url = `${sb.urls['invisible-collector']}/customers`;
      await call(url, { method: 'POST', headers: icAuth, body: icCustomer });
      expect(sb.requests('invisible-collector')).toEqual([]);
      sb.setLog(true);
      const before = Date.now();
      await call(`${url}/find?externalId=a-1`, { headers: icAuth });
      await call(url, { method: 'POST', headers: icAuth, body: icCustomer });
      const log = sb.requests('invisible-collector');
      expect(log.map(({ method, path, query, body }) => ({ method, path, query, body }))).toEqual([
        { method: 'GET', path: '/customers/find', query: { externalId: 'a-1' }, body: undefined },
        { method: 'POST', path: '/customers', query: {}, body: icCustomer },
      ]);
      expect(log[1]?.headers.authorization).toBe(icAuth.authorization);
      expect(log[0]?.at).toBeGreaterThanOrEqual(before);
    } finally {
      await sb.close();
    }
  });

  it('makes the same ids with the same seed', async () => {
    const ids = async (): Promise<string[]> => {
      const sb = await startSandbox({ seed: 7 });
      try {
        const res = await call(`${sb.urls['invisible-collector']}/customers`, {
          method: 'POST',
          headers: icAuth,
          body: icCustomer,
        });
        const bt = await call(`${sb.urls.bluetape}/integration/customer`, {
          method: 'POST',
          headers: { 'x-bluetape-key': 'sandbox-bluetape-key', 'x-integration-accountid': 'sandbox-bluetape-account' },
          body: {
            id: 'x',
            firstName: 'A',
            lastName: 'B',
            emailAddress: 'a@b.co',
            cellPhoneNumber: '+11234567890',
            sourceModifiedDate: '2024-01-01T00:00:00Z',
          },
        });
        return [(res.body as { gid: string }).gid, (bt.body as { blueTapeId: string }).blueTapeId];
      } finally {
        await sb.close();
      }
    };
    const first = await ids();
    expect(await ids()).toEqual(first);
  });

  it('listens on a given port and takes other credentials', async () => {
    const probe = await startSandbox();
    const { port } = probe;
    await probe.close();
    const sb = await startSandbox({ port, credentials: { 'invisible-collector': { token: 'other' } } });
    try {
      expect(sb.urls['invisible-collector']).toBe(`http://127.0.0.1:${port}/invisible-collector`);
      expect(sb.credentials['invisible-collector']).toEqual({ token: 'other' });
      expect(sb.credentials.yativo).toEqual(SANDBOX_CREDENTIALS.yativo);
      const find = `${sb.urls['invisible-collector']}/customers/find`;
      expect((await call(find, { headers: icAuth })).status).toBe(401);
      expect((await call(find, { headers: { authorization: 'Bearer other' } })).status).toBe(200);
    } finally {
      await sb.close();
    }
  });

  it('refuses an unknown provider and a bad port', async () => {
    const sb = await startSandbox();
    try {
      expect(() => sb.stats('stripe' as ProviderId)).toThrow('unknown provider: stripe');
    } finally {
      await sb.close();
    }
    await expect(startSandbox({ port: 70_000 })).rejects.toThrow('port must be an integer from 0 to 65535, got 70000');
  });

  it('runSandboxCommand prints one line per provider with its base URL and credentials', async () => {
    const lines: string[] = [];
    const sb = await runSandboxCommand({ write: (text) => lines.push(text) });
    try {
      const origin = `http://127.0.0.1:${sb.port}`;
      expect(lines).toEqual([
        `yativo               ${origin}/yativo/api/v1  token=sandbox-yativo-token accountId=sandbox-yativo-account appSecret=sandbox-yativo-secret\n`,
        `fatora               ${origin}/fatora  token=sandbox-fatora-token apiKey=sandbox-fatora-key\n`,
        `bluetape             ${origin}/bluetape/genericBthubService  apiKey=sandbox-bluetape-key accountId=sandbox-bluetape-account\n`,
        `invisible-collector  ${origin}/invisible-collector  token=sandbox-ic-token\n`,
      ]);
      expect(sandboxProvidersConfig(sb).bluetape).toEqual({
        baseUrl: `${origin}/bluetape/genericBthubService`,
        apiKey: 'sandbox-bluetape-key',
        accountId: 'sandbox-bluetape-account',
      });
    } finally {
      await sb.close();
    }
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { validateCustomer } from '../../src/model/customer.js';
import type { Customer } from '../../src/model/types.js';
import { SharedLimits } from '../../src/pipeline/shared-limits.js';
import { SyncEngine } from '../../src/push/engine.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { cli, customer, ndjson, tempDir, writeSandboxConfig } from '../cli/helpers.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace } from './scale-harness.js';

let sandbox: Sandbox;

beforeAll(requireRedis);
beforeEach(async () => {
  sandbox = await startSandbox();
});
afterEach(async () => {
  await sandbox.close();
});

function customers(from: number, count: number): Customer[] {
  return Array.from({ length: count }, (_, i) => {
    const result = validateCustomer({ id: `c-${from + i}`, email: `c${from + i}@example.com`, name: 'N', country: 'PT', vatNumber: `PT${from + i}` });
    if (!result.ok) throw new Error('bad fixture');
    return result.customer;
  });
}

function engine(namespace: string, perSecond: number): SyncEngine {
  const adapter = invisibleCollector({
    baseUrl: sandbox.urls['invisible-collector'],
    token: sandbox.credentials['invisible-collector'].token,
    rateLimit: { perSecond, concurrency: 4 },
    createMissing: true,
  });
  return new SyncEngine([adapter], new MemoryStateStore(), { retries: 3, minDelayMs: 10 }, { shared: new SharedLimits(REDIS_URL, namespace) });
}

describe('a provider limit shared through Redis', () => {
  it('holds two engines together under one limit: never above it in any 1 s window', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [engine(namespace, 20), engine(namespace, 20)];
    const started = Date.now();
    await Promise.all([
      Promise.all(customers(0, 30).map((c) => a.push(c, { full: true }))),
      Promise.all(customers(100, 30).map((c) => b.push(c, { full: true }))),
    ]);
    const seconds = (Date.now() - started) / 1000;
    await Promise.all([a.close(), b.close()]);
    const stats = sandbox.stats('invisible-collector');
    // Each push is a PUT (404) then a POST: 120 requests at 20/s shared take about 6 s, not 3.
    expect(stats.requests).toBe(120);
    expect(stats.maxRatePerSecond).toBeLessThanOrEqual(20);
    expect(seconds).toBeGreaterThan(5);
  }, 30_000);

  it('shares a 429 pause: the other engine waits out the Retry-After too', async () => {
    const namespace = uniqueNamespace();
    const [a, b] = [engine(namespace, 50), engine(namespace, 50)];
    sandbox.setFaults('invisible-collector', { script: ['429-seconds'], retryAfterSeconds: 1 });
    sandbox.setLog(true);
    const started = Date.now();
    await a.push(customers(0, 1)[0]!, { full: true });
    await b.push(customers(1, 1)[0]!, { full: true });
    await Promise.all([a.close(), b.close()]);
    const times = sandbox.requests('invisible-collector').map((r) => r.at - started);
    // a: 429, then after 1 s its retry; b's first request also waits for the pause to end.
    expect(times.length).toBe(5);
    expect(Math.min(...times.slice(1))).toBeGreaterThanOrEqual(950);
  }, 30_000);
});

describe('a plain sync beside workers of one namespace', () => {
  it('shares its limits under CUSTOMER_SYNC_NAMESPACE, as workers and sync --queue do', async () => {
    const namespace = uniqueNamespace();
    const { dir, remove } = tempDir();
    const redis = new Redis(REDIS_URL);
    try {
      const config = writeSandboxConfig(dir, sandbox, { redis: REDIS_URL });
      writeFileSync(join(dir, 'in.ndjson'), ndjson([customer(1)]));
      const run = await cli(['sync', '--config', config, '--input', 'in.ndjson', '--state', 'state.db'], {
        cwd: dir,
        env: { [NAMESPACE_ENV]: namespace },
      });
      expect(run.code, run.stderr).toBe(0);
      // Bottleneck keeps each shared limiter's settings under `b_<id>_…`, the id being `<namespace>:limit:<provider>`.
      const keys = await redis.keys(`b_${namespace}:limit:*`);
      expect(keys.some((key) => key.startsWith(`b_${namespace}:limit:invisible-collector`))).toBe(true);
    } finally {
      redis.disconnect();
      await cleanNamespace(namespace);
      remove();
    }
  }, 30_000);
});

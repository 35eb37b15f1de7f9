import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { yativo } from '../../adapters/yativo/index.js';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { createCustomerSync } from '../../src/sync.js';
import { customer, tempDir } from '../cli/helpers.js';
import { samples } from '../metrics/exposition.js';
import { closedPort } from '../metrics/gateway-stub.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, spawnCli, stopChildren, testQueue, until, writeConfig, type Child } from './scale-harness.js';

/*
 * `customer-sync worker --metrics-port N` as deployed: a worker process (Redis, SQLite state) scraped over HTTP
 * while its queue holds jobs and after it processed them.
 */

const PROVIDERS = ['yativo', 'invisible-collector'] as const;
const RATE = { perSecond: 200, concurrency: 4 };

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let namespace: string;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(requireRedis);
beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  namespace = uniqueNamespace();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await sandbox.close();
  await cleanNamespace(namespace);
  tmp.remove();
});

function providers() {
  const config = sandbox.providersConfig();
  return {
    yativo: { ...config.yativo, rateLimit: RATE },
    'invisible-collector': { ...config['invisible-collector'], rateLimit: RATE, createMissing: true },
  };
}

async function startWorker(port: number): Promise<Child> {
  const config = writeConfig(tmp.dir, { providers: providers(), redis: REDIS_URL, state: join(tmp.dir, 'state.db') });
  const worker = spawnCli(['worker', '--config', config, '--metrics-port', String(port), '--log-level', 'info'], {
    cwd: tmp.dir,
    env: { [NAMESPACE_ENV]: namespace },
  });
  cleanups.push(async () => void (await stopChildren([worker])));
  await worker.waitFor('"msg":"worker ready"', 60_000);
  return worker;
}

/** Through another loopback address than 127.0.0.1: the port is open on every interface, not on localhost alone. */
async function scrape(port: number): Promise<{ type: string | null; series: Record<string, number>; body: string }> {
  const response = await fetch(`http://127.0.0.2:${port}/metrics`);
  expect(response.status).toBe(200);
  const body = await response.text();
  return { type: response.headers.get('content-type'), series: samples(body), body };
}

describe('worker --metrics-port', () => {
  it('serves /metrics: the queue depth while jobs wait, then what the worker did with them', async () => {
    const queue = testQueue(namespace);
    cleanups.push(() => queue.close());
    // Paused, the queue keeps the jobs waiting while the worker is up: a depth to see, whatever the machine's speed.
    await queue.pause();
    const port = await closedPort();
    const worker = await startWorker(port);
    expect(worker.stderr()).toContain(`"metricsPort":${port}`);

    const sync = createCustomerSync({
      adapters: [yativo({ baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token })],
      redis: REDIS_URL,
      namespace,
    });
    cleanups.push(() => sync.close());
    for (const i of [1, 2, 3]) await sync.enqueue(customer(i));

    const waiting = await scrape(port);
    expect(waiting.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(waiting.series).toMatchObject({
      'customer_sync_queue_jobs{state="waiting"}': 3,
      'customer_sync_queue_jobs{state="prioritized"}': 0,
      'customer_sync_queue_jobs{state="delayed"}': 0,
      'customer_sync_queue_jobs{state="active"}': 0,
      'customer_sync_queue_jobs{state="failed"}': 0,
      'customer_sync_rate_per_second{provider="yativo"}': 200,
      'customer_sync_rate_per_second{provider="invisible-collector"}': 200,
      'customer_sync_outcomes_total{provider="yativo",outcome="created"}': 0,
    });
    expect(waiting.body).toContain('# TYPE customer_sync_process_cpu_seconds_total counter');

    await queue.resume();
    await until('the three jobs to complete', async () => (await queue.getJobCounts('completed')).completed === 3, 30_000);

    const done = await scrape(port);
    expect(done.series).toMatchObject({
      'customer_sync_queue_jobs{state="waiting"}': 0,
      'customer_sync_queue_jobs{state="active"}': 0,
      'customer_sync_queue_jobs{state="failed"}': 0,
    });
    for (const provider of PROVIDERS) {
      expect(done.series[`customer_sync_outcomes_total{provider="${provider}",outcome="created"}`]).toBe(3);
      expect(done.series[`customer_sync_outcomes_total{provider="${provider}",outcome="failed"}`]).toBe(0);
      // Every request the provider received is counted, with its latency.
      const counted = Object.entries(done.series)
        .filter(([series]) => series.startsWith(`customer_sync_requests_total{provider="${provider}",`))
        .reduce((sum, [, value]) => sum + value, 0);
      expect(counted).toBe(sandbox.stats(provider).requests);
      expect(done.series[`customer_sync_request_duration_seconds_count{provider="${provider}"}`]).toBe(counted);
    }
    expect(done.series['customer_sync_requests_total{provider="yativo",method="POST",status_class="2xx"}']).toBe(3);
    for (const personal of ['c-1', 'person1@example.com', '/customer']) expect(done.body).not.toContain(personal);

    // Stopped, the worker closes the port with it.
    expect(await stopChildren([worker])).toEqual([{ code: 0, signal: null }]);
    await expect(fetch(`http://127.0.0.2:${port}/metrics`)).rejects.toThrow();
  });

  it('a port another process holds stops the worker at start (exit 2)', async () => {
    const first = await startWorker(await closedPort());
    const port = Number(/"metricsPort":(\d+)/.exec(first.stderr())?.[1]);
    const config = join(tmp.dir, 'config.json');
    const second = spawnCli(['worker', '--config', config, '--metrics-port', String(port)], { cwd: tmp.dir, env: { [NAMESPACE_ENV]: `${namespace}-other` } });
    cleanups.push(async () => void (await stopChildren([second])));
    expect(await second.exit).toEqual({ code: 2, signal: null });
    expect(second.stderr()).toMatch(new RegExp(`^customer-sync: cannot serve the metrics on port ${port}: listen EADDRINUSE: address already in use .*:${port}\\n$`));
  });
});

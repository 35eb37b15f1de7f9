import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { CustomerValidationError, OptionsError } from '../../src/errors/index.js';
import type { SyncReport } from '../../src/job/report.js';
import { SharedLimits } from '../../src/pipeline/shared-limits.js';
import { SyncEngine } from '../../src/push/engine.js';
import type { SerializedResult } from '../../src/queue/job.js';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { PushWorker } from '../../src/queue/worker.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { createCustomerSync, type CustomerSync } from '../../src/sync.js';
import { cli, customer, ndjson, tempDir } from '../cli/helpers.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, testQueue, until, writeConfig } from './scale-harness.js';

/* Queue mode in one process: the library's `enqueue`, a `PushWorker`, and `sync --queue` run in-process. */

let sandbox: Sandbox;
let namespace: string;
const closers: Array<() => Promise<void>> = [];

beforeAll(requireRedis);
beforeEach(async () => {
  sandbox = await startSandbox();
  namespace = uniqueNamespace();
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await sandbox.close();
  await cleanNamespace(namespace);
});

function adapters() {
  return [
    yativo({ baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token }),
    invisibleCollector({ baseUrl: sandbox.urls['invisible-collector'], token: sandbox.credentials['invisible-collector'].token, createMissing: true }),
  ];
}

function library(): CustomerSync {
  const sync = createCustomerSync({ adapters: adapters(), redis: REDIS_URL, namespace });
  closers.push(() => sync.close());
  return sync;
}

async function startWorker(): Promise<PushWorker> {
  const shared = new SharedLimits(REDIS_URL, namespace);
  const engine = new SyncEngine(adapters(), new MemoryStateStore(), { retries: 2, minDelayMs: 5 }, { shared });
  const worker = new PushWorker({ redis: REDIS_URL, namespace, engine, concurrency: 4 });
  closers.push(() => worker.close());
  await worker.start();
  return worker;
}

describe('sync.enqueue', () => {
  it('queues a push that a worker delivers; an identical pending push is not queued twice', async () => {
    const sync = library();
    const first = await sync.enqueue(customer(1));
    // No worker yet: the job is pending, so the same push again is the same job.
    expect(await sync.enqueue(customer(1))).toEqual(first);
    const other = await sync.enqueue(customer(1), { only: ['yativo'] });
    expect(other.jobId).not.toBe(first.jobId);

    await startWorker();
    await until('both jobs to finish', async () => (await counts()).completed === 2, 20_000);
    expect(sandbox.customers('yativo').map((c) => c.customer_email)).toEqual(['person1@example.com']);
    expect(sandbox.customers('invisible-collector').map((c) => c.externalId)).toEqual(['c-1']);
    const result = await resultOf(first.jobId);
    expect(result.providers.yativo?.status).toBe('created');
    expect(result.providers['invisible-collector']?.status).toBe('created');

    // Finished: the same push is a new job again (and finds nothing to send).
    const again = await sync.enqueue(customer(1));
    expect(again.jobId).not.toBe(first.jobId);
  });

  it('throws CustomerValidationError for an invalid customer, and queues nothing', async () => {
    const sync = library();
    // A valid one first: closing a sync made a moment ago can race the shared limiter's start (see the report).
    await sync.enqueue(customer(2));
    await expect(sync.enqueue({ id: 'bad', email: 'not-an-email' })).rejects.toBeInstanceOf(CustomerValidationError);
    await expect(sync.enqueue(customer(3), { only: ['nope' as never] })).rejects.toMatchObject({ issues: [{ path: 'only' }] });
    expect(await counts()).toMatchObject({ waiting: 1, completed: 0 });
  });

  it('a worker closing (SIGTERM) finishes the job in progress before it stops', async () => {
    const worker = await startWorker();
    sandbox.setLatency('yativo', 400);
    const sync = library();
    const { jobId } = await sync.enqueue(customer(4));
    await until('the job to start', async () => (await counts()).active === 1);
    await worker.close();
    expect(await counts()).toMatchObject({ active: 0, waiting: 0, completed: 1 });
    expect((await resultOf(jobId)).providers.yativo?.status).toBe('created');
  });

  it('throws an OptionsError naming redis without one', async () => {
    const sync = createCustomerSync({ adapters: adapters() });
    closers.push(() => sync.close());
    const error = await sync.enqueue(customer(3)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OptionsError);
    expect((error as OptionsError).issues.map((issue) => issue.path)).toEqual(['redis']);
  });
});

describe('sync --queue', () => {
  it('reports like sync: invalid records, per-provider counts and failures from the jobs, exit codes', async () => {
    await startWorker();
    const tmp = tempDir();
    closers.push(async () => tmp.remove());
    const config = writeConfig(tmp.dir, {
      providers: {
        yativo: { baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token },
        'invisible-collector': { baseUrl: sandbox.urls['invisible-collector'], token: sandbox.credentials['invisible-collector'].token, createMissing: true },
      },
      redis: REDIS_URL,
    });
    // c-4 names an Invisible Collector id that does not exist: not_found there, created at Yativo.
    const records = [customer(1), customer(2), '{"id": "x", "email": "no"}', customer(3), customer(4, { providerIds: { 'invisible-collector': 'gone' } })];
    const run = () => cli(['sync', '--queue', '--config', config, '--input', '-', '--json'], { cwd: tmp.dir, stdin: ndjson(records), env: { [NAMESPACE_ENV]: namespace } });

    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    const report = JSON.parse(first.stdout) as SyncReport;
    expect(report.records).toEqual({ read: 5, invalid: 1 });
    expect(report.invalid[0]).toMatchObject({ line: 3, customerId: 'x' });
    expect(report.providers.yativo).toMatchObject({ created: 4, failed: 0, requests: 4 });
    expect(report.providers['invisible-collector']).toMatchObject({ created: 3, failed: 1 });
    expect(report.failures).toEqual([{ customerId: 'c-4', provider: 'invisible-collector', kind: 'not_found', status: 404, message: expect.any(String) }]);

    // The worker's state remembers: a rerun sends only what still fails.
    const second = JSON.parse((await run()).stdout) as SyncReport;
    expect(second.providers.yativo).toMatchObject({ unchanged: 4, requests: 0 });
    expect(second.providers['invisible-collector']).toMatchObject({ unchanged: 3, failed: 1 });
  });

  it('exits 2 when the config has no redis', async () => {
    const tmp = tempDir();
    closers.push(async () => tmp.remove());
    const config = writeConfig(tmp.dir, { providers: { yativo: { baseUrl: sandbox.urls.yativo, token: 't' } } });
    const run = await cli(['sync', '--queue', '--config', config, '--input', '-'], { cwd: tmp.dir, stdin: ndjson([customer(1)]) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/needs "redis"/);
  });
});

async function resultOf(jobId: string): Promise<SerializedResult> {
  const queue = testQueue(namespace);
  try {
    return (await queue.getJob(jobId))?.returnvalue as SerializedResult;
  } finally {
    await queue.close();
  }
}

async function counts(): Promise<Record<string, number>> {
  const queue = testQueue(namespace);
  try {
    return await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
  } finally {
    await queue.close();
  }
}

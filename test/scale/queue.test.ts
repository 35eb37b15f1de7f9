import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import type { StateStore } from '../../src/state/store.js';
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

/** A worker on `store` (the engine closes it with the worker): the config's state, where a test needs the coordinator to share it. */
async function startWorker(store: StateStore = new MemoryStateStore()): Promise<PushWorker> {
  const shared = new SharedLimits(REDIS_URL, namespace);
  const engine = new SyncEngine(adapters(), store, { retries: 2, minDelayMs: 5 }, { shared });
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

  /** A deployment in a scratch folder: the config (SQLite state at its default path there) and an NDJSON file. */
  function deployment(records: unknown[]) {
    const tmp = tempDir();
    closers.push(async () => tmp.remove());
    const config = writeConfig(tmp.dir, {
      providers: {
        yativo: { baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token },
        'invisible-collector': { baseUrl: sandbox.urls['invisible-collector'], token: sandbox.credentials['invisible-collector'].token, createMissing: true },
      },
      redis: REDIS_URL,
    });
    const input = join(tmp.dir, 'customers.ndjson');
    const write = (lines: unknown[]): void => writeFileSync(input, ndjson(lines));
    write(records);
    const run = (...flags: string[]) =>
      cli(['sync', '--queue', '--config', config, '--input', input, '--json', ...flags], { cwd: tmp.dir, env: { [NAMESPACE_ENV]: namespace } });
    return { dir: tmp.dir, write, run };
  }

  it('queues nothing for a line every provider confirmed last time: the raw-line skip, as without --queue', async () => {
    await startWorker();
    const { run, write } = deployment([customer(1), customer(2), customer(3)]);
    const first = JSON.parse((await run()).stdout) as SyncReport;
    expect(first.providers.yativo).toMatchObject({ created: 3 });
    expect((await counts()).completed).toBe(3);

    const second = await run();
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as SyncReport;
    expect(report.records).toEqual({ read: 3, invalid: 0 });
    expect(report.providers.yativo).toMatchObject({ unchanged: 3, requests: 0 });
    expect(report.providers['invisible-collector']).toMatchObject({ unchanged: 3, requests: 0 });
    expect(await counts()).toMatchObject({ waiting: 0, completed: 3 });

    // A changed line is queued, the others are not.
    write([customer(1), customer(2, { lastName: 'Changed' }), customer(3)]);
    const third = JSON.parse((await run()).stdout) as SyncReport;
    expect(third.providers.yativo).toMatchObject({ unchanged: 2, updated: 1 });
    expect((await counts()).completed).toBe(4);
  });

  it('--dry-run plans against the config\'s state and queues nothing', async () => {
    const { dir, run, write } = deployment([customer(1)]);
    // The worker delivers with the config's state (its default path in the deployment's folder).
    await startWorker(SqliteStateStore.open(join(dir, '.customer-sync/state.db')));
    expect((await run()).code).toBe(0);
    const before = { jobs: await counts(), yativo: sandbox.stats('yativo').requests, ic: sandbox.stats('invisible-collector').requests };

    write([customer(1), customer(2)]);
    const dry = await run('--dry-run');
    expect(dry.code).toBe(0);
    const report = JSON.parse(dry.stdout) as SyncReport;
    expect(report.dryRun).toBe(true);
    expect(report.providers.yativo).toMatchObject({ unchanged: 1, created: 1, requests: 0 });
    // Invisible Collector addresses a customer by our id: an update, which would create on a 404.
    expect(report.providers['invisible-collector']).toMatchObject({ unchanged: 1, updated: 1 });
    expect(report.planned?.map((p) => `${p.customerId} ${p.provider} ${p.request.method} ${p.request.path}`)).toEqual([
      'c-2 yativo POST /customer',
      'c-2 invisible-collector PUT /customers/c-2',
    ]);
    expect(await counts()).toEqual(before.jobs);
    expect(sandbox.stats('yativo').requests).toBe(before.yativo);
    expect(sandbox.stats('invisible-collector').requests).toBe(before.ic);

    // Printed as a plain dry run prints it.
    const text = await cli(['sync', '--queue', '--dry-run', '--config', join(dir, 'config.json'), '--input', join(dir, 'customers.ndjson')], {
      cwd: dir,
      env: { [NAMESPACE_ENV]: namespace },
    });
    expect(text.stdout).toContain(`c-2 → yativo: POST ${sandbox.urls.yativo}/customer`);
    expect(text.stdout).toContain('Dry run: nothing was sent.');
  });

  it('--state does not apply with --queue, dry run or not', async () => {
    const { run } = deployment([customer(1)]);
    for (const flags of [[], ['--dry-run']]) {
      const refused = await run('--state', 'other.db', ...flags);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('--state does not apply with --queue');
    }
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

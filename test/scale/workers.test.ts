import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { LOCK_ENV, NAMESPACE_ENV } from '../../src/queue/settings.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { PostgresStateStore } from '../../src/state/postgres-store.js';
import { customer, ndjson, totalRequests } from '../cli/helpers.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, freshDatabase, requirePostgres, spawnCli, testQueue, until, writeConfig, type Child } from './scale-harness.js';

/*
 * Queue mode as deployed: three `customer-sync worker` processes and a `sync --queue` coordinator (CLI children),
 * one config with Redis and a PostgreSQL state (a database of its own per test), against the sandbox.
 */

let sandbox: Sandbox;
let dir: string;
let namespace: string;
let env: Record<string, string>;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
});
beforeEach(async () => {
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'cs-scale-'));
  namespace = uniqueNamespace();
  // A short job lock, so a killed worker's jobs move on within seconds, not the default 30 s.
  env = { [NAMESPACE_ENV]: namespace, [LOCK_ENV]: '4000' };
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => console.error(error));
  await sandbox.close();
  await cleanNamespace(namespace);
  rmSync(dir, { recursive: true, force: true });
});

async function setup(providers: Record<string, Record<string, unknown>>, count: number): Promise<{ config: string; input: string; state: string }> {
  const db = await freshDatabase();
  cleanups.push(db.drop);
  const config = writeConfig(dir, { providers, retry: { retries: 4, minDelayMs: 50, maxDelayMs: 500 }, state: db.url, redis: REDIS_URL });
  const input = join(dir, 'customers.ndjson');
  writeFileSync(input, ndjson(Array.from({ length: count }, (_, i) => customer(i + 1))));
  return { config, input, state: db.url };
}

/** Workers started and connected (each logs "worker ready"); stopped with SIGTERM after the test if still alive. */
async function startWorkers(config: string, count: number): Promise<Child[]> {
  const workers = Array.from({ length: count }, () =>
    spawnCli(['worker', '--config', config, '--concurrency', '4', '--log-level', 'info'], { cwd: dir, env }),
  );
  cleanups.push(async () => {
    for (const worker of workers) worker.kill('SIGTERM');
    await Promise.all(workers.map((worker) => worker.exit));
  });
  await Promise.all(workers.map((worker) => worker.waitFor('"msg":"worker ready"', 60_000)));
  return workers;
}

async function coordinate(config: string, input: string): Promise<{ code: number | null; report: SyncReport }> {
  const run = spawnCli(['sync', '--queue', '--config', config, '--input', input, '--json'], { cwd: dir, env });
  cleanups.push(async () => {
    run.kill('SIGKILL'); // a no-op once it has exited; a test that timed out leaves no coordinator behind
    await run.exit;
  });
  const { code } = await run.exit;
  if (code === 2) throw new Error(`sync --queue could not run:\n${run.stderr()}`);
  return { code, report: JSON.parse(run.stdout()) as SyncReport };
}

/** Stops the workers gracefully and checks they said so with exit code 0. */
async function stopWorkers(workers: Child[]): Promise<void> {
  for (const worker of workers) worker.kill('SIGTERM');
  const exits = await Promise.all(workers.map((worker) => worker.exit));
  for (const [i, exit] of exits.entries()) expect({ worker: i, ...exit }).toEqual({ worker: i, code: exit.signal === 'SIGKILL' ? null : 0, signal: exit.signal });
}

describe('three worker processes', () => {
  it('share one provider limit: never above 50 requests/s, at least 90 % of it, no 429', async () => {
    const COUNT = 400; // one POST each: about 8 s at 50/s
    const { config, input } = await setup({ yativo: { ...sandboxProvidersConfig(sandbox).yativo, rateLimit: { perSecond: 50, concurrency: 4 } } }, COUNT);
    sandbox.setRateLimit('yativo', { perSecond: 50 });
    sandbox.setLog(true);
    const workers = await startWorkers(config, 3);

    const { code, report } = await coordinate(config, input);
    await stopWorkers(workers);

    const stats = sandbox.stats('yativo');
    const times = sandbox.requests('yativo').map((request) => request.at);
    const activeSeconds = (Math.max(...times) - Math.min(...times)) / 1000;
    const rate = (times.length - 1) / activeSeconds;
    const perSecond = countPerSecond(times);
    const measured = `${times.length} requests in ${activeSeconds.toFixed(2)} s = ${rate.toFixed(1)}/s, at most ${stats.maxRatePerSecond} in any 1 s window, per second: ${perSecond.join(' ')}`;
    console.log(`yativo through 3 workers: ${measured}`);
    expect(stats.rateLimited, `429s: ${measured}`).toBe(0);
    expect(stats.maxRatePerSecond, measured).toBeLessThanOrEqual(50);
    // The ceiling is the contract; the rate is what the shared spacing (8 % margin) leaves: about 0.9 of the limit.
    expect(rate, measured).toBeGreaterThanOrEqual(0.85 * 50);
    expect(report.providers.yativo).toMatchObject({ created: COUNT, failed: 0, requests: COUNT, retries: 0 });
    expect(code).toBe(0);
    expect(new Set(sandbox.customers('yativo').map((c) => c.customer_email)).size).toBe(COUNT);
  }, 90_000);

  it('a worker killed with SIGKILL mid-run: the others finish, every customer exists once everywhere, nothing pending', async () => {
    const COUNT = 120;
    const limits = { rateLimit: { perSecond: 40, concurrency: 8 } };
    const base = sandboxProvidersConfig(sandbox);
    const providers = {
      yativo: { ...base.yativo, ...limits },
      fatora: { ...base.fatora, ...limits, createMissing: true },
      bluetape: { ...base.bluetape, ...limits, createMissing: true },
      'invisible-collector': { ...base['invisible-collector'], ...limits, createMissing: true },
    };
    const { config, input, state } = await setup(providers, COUNT);
    const workers = await startWorkers(config, 3);

    const run = coordinate(config, input);
    // About 7 requests per customer: kill one worker early, while it holds jobs.
    await until('the run to be under way', () => totalRequests(sandbox) >= 150, 60_000);
    workers[0]!.kill('SIGKILL');
    const { code, report } = await run;
    await stopWorkers(workers);

    expect(report.failures).toEqual([]);
    expect(code).toBe(0);
    for (const [provider, counts] of Object.entries(report.providers)) {
      // A job taken over after the kill finds what the killed worker finished: unchanged, or created and updated.
      expect({ provider, done: counts.created + counts.updated + counts.unchanged, failed: counts.failed }).toEqual({ provider, done: COUNT, failed: 0 });
    }
    expectExactlyOnce(COUNT);

    const queue = testQueue(namespace);
    cleanups.push(() => queue.close());
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 });
    // The kill did land mid-job: some job was handed on by the stalled-job check.
    const completed = await queue.getJobs(['completed'], 0, -1);
    expect(completed.length).toBe(COUNT);
    expect(completed.filter((job) => job.stalledCounter > 0).length).toBeGreaterThan(0);

    const store = await PostgresStateStore.open(state);
    cleanups.push(() => store.close());
    expect(await store.attention()).toEqual([]);
    expect(await store.integrityCheck()).toEqual([]);
  }, 90_000);
});

/** Requests in each whole second from the first one. */
function countPerSecond(times: number[]): number[] {
  const first = Math.min(...times);
  const counts: number[] = [];
  for (const t of times) {
    const second = Math.floor((t - first) / 1000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}

/** Every provider holds each customer exactly once: no record lost, none created twice. */
function expectExactlyOnce(count: number): void {
  const keys = {
    yativo: (c: Record<string, unknown>) => c.customer_email,
    fatora: (c: Record<string, unknown>) => c.email,
    bluetape: (c: Record<string, unknown>) => c.id,
    'invisible-collector': (c: Record<string, unknown>) => c.externalId,
  };
  for (const [provider, key] of Object.entries(keys) as Array<[keyof typeof keys, (c: Record<string, unknown>) => unknown]>) {
    const seen = sandbox.customers(provider).map((c) => key(c as Record<string, unknown>));
    expect({ provider, count: seen.length, distinct: new Set(seen).size }).toEqual({ provider, count, distinct: count });
  }
}

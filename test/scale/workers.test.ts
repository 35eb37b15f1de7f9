import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LOCK_ENV } from '../../src/queue/settings.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { PostgresStateStore } from '../../src/state/postgres-store.js';
import { totalRequests } from '../cli/helpers.js';
import { requireRedis } from './redis.js';
import { QueueDeployment, requirePostgres, stopChildren, testQueue, until, type Child } from './scale-harness.js';

/*
 * Queue mode as deployed: three `customer-sync worker` processes and a `sync --queue` coordinator (CLI children),
 * one config with Redis and a PostgreSQL state (a database of its own per test), against the sandbox.
 */

let sandbox: Sandbox;
let deployment: QueueDeployment;

beforeAll(async () => {
  await requireRedis();
  await requirePostgres();
});
beforeEach(async () => {
  sandbox = await startSandbox();
  // A short job lock, so a killed worker's jobs move on within seconds, not the default 30 s.
  deployment = new QueueDeployment({ [LOCK_ENV]: '4000' });
});
afterEach(async () => {
  await deployment.close();
  await sandbox.close();
});

/** Stops the workers gracefully and checks they said so with exit code 0. */
async function stopWorkers(workers: Child[]): Promise<void> {
  const exits = await stopChildren(workers);
  for (const [i, exit] of exits.entries()) {
    // On a failure, the worker's own last words say why (its log is on stderr).
    const said = workers[i]?.stderr().split('\n').slice(-8).join('\n');
    expect({ worker: i, ...exit }, said).toEqual({ worker: i, code: exit.signal === 'SIGKILL' ? null : 0, signal: exit.signal });
  }
}

describe('three worker processes', () => {
  it('share one provider limit: never above 50 requests/s in any second, no 429, every customer created once', async () => {
    const COUNT = 400; // one POST each: about 8 s at 50/s
    const { config, input } = await deployment.setup({ yativo: { ...sandboxProvidersConfig(sandbox).yativo, rateLimit: { perSecond: 50, concurrency: 4 } } }, COUNT);
    sandbox.setRateLimit('yativo', { perSecond: 50 });
    sandbox.setLog(true);
    const workers = await deployment.startWorkers(config, 3);

    const { code, report } = await deployment.coordinate(config, input);
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
    // The ceiling is the contract, and holds however busy the machine is. How close to it the workers get (about
    // 0.9 of the limit on a quiet machine) is a timing figure: the benchmark's shared-limit scenario measures it
    // (target 0.9), as a floor here failed on a loaded CI machine with nothing wrong.
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
    const { config, input, state } = await deployment.setup(providers, COUNT);
    const workers = await deployment.startWorkers(config, 3);

    const run = deployment.coordinate(config, input);
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

    const queue = testQueue(deployment.namespace);
    deployment.defer(() => queue.close());
    expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 });
    // The kill did land mid-job: some job was handed on by the stalled-job check.
    const completed = await queue.getJobs(['completed'], 0, -1);
    expect(completed.length).toBe(COUNT);
    expect(completed.filter((job) => job.stalledCounter > 0).length).toBeGreaterThan(0);

    const store = await PostgresStateStore.open(state);
    deployment.defer(() => store.close());
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

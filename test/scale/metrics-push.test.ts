import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, customer, ndjson, tempDir, writeSandboxConfig } from '../cli/helpers.js';
import { seriesKey, sortedSamples } from '../metrics/exposition.js';
import { closedPort } from '../metrics/gateway-stub.js';
import { invisibleCollector } from '../../adapters/invisible-collector/index.js';
import { yativo } from '../../adapters/yativo/index.js';
import { SharedLimits } from '../../src/pipeline/shared-limits.js';
import { SyncEngine } from '../../src/push/engine.js';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { PushWorker } from '../../src/queue/worker.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { PUSHGATEWAY_SETUP_TIMEOUT_MS, startPushgateway, type Pushgateway } from './pushgateway.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, writeConfig } from './scale-harness.js';

/* sync --metrics-push against a real Pushgateway (Debian's prometheus-pushgateway, started here on a free port). */

const PROVIDERS = ['yativo', 'fatora', 'bluetape', 'invisible-collector'] as const;
const JOB = { instance: '', job: 'customer-sync' };

let gateway: Pushgateway;
let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeAll(async () => {
  gateway = await startPushgateway();
}, PUSHGATEWAY_SETUP_TIMEOUT_MS);
afterAll(async () => {
  await gateway?.close();
});
beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
});
afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

async function sync(pushTo: string, records: unknown[], options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}) {
  const input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson(records));
  const args = ['sync', '--config', config, '--input', input, '--json', '--metrics-push', pushTo, ...(options.args ?? [])];
  const run = await cli(args, { cwd: tmp.dir, env: options.env });
  return { ...run, report: JSON.parse(run.stdout) as SyncReport };
}

/** The gateway's series of our job: those with job="customer-sync". */
async function pushedSeries(): Promise<Record<string, number>> {
  const all = sortedSamples(await gateway.scrape());
  return Object.fromEntries(Object.entries(all).filter(([series]) => series.includes('job="customer-sync"')));
}

const requestsPerProvider = (series: Record<string, number>): Record<string, number> => {
  const sums: Record<string, number> = {};
  for (const [key, value] of Object.entries(series)) {
    const provider = /^customer_sync_requests_total\{.*provider="([^"]+)"/.exec(key)?.[1];
    if (provider) sums[provider] = (sums[provider] ?? 0) + value;
  }
  return sums;
};

describe('sync --metrics-push to a Pushgateway', () => {
  it("holds a run's series under job customer-sync; a failed run replaces them and leaves the last success", async () => {
    const records = [customer(1), customer(2), customer(3)];
    const first = await sync(gateway.url, records);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);

    const afterFirst = await pushedSeries();
    const lastSuccess = seriesKey('customer_sync_last_success_timestamp_seconds', { ...JOB, result: 'success' });
    for (const provider of PROVIDERS) {
      expect(afterFirst[seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'created', provider })]).toBe(3);
      expect(afterFirst[seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'failed', provider })]).toBe(0);
    }
    expect(afterFirst).toMatchObject({
      [seriesKey('customer_sync_run_records_read', JOB)]: 3,
      [seriesKey('customer_sync_run_records_invalid', JOB)]: 0,
      [seriesKey('customer_sync_run_exit_code', JOB)]: 0,
      [seriesKey('customer_sync_run_duration_seconds', JOB)]: (Date.parse(first.report.finishedAt) - Date.parse(first.report.startedAt)) / 1000,
      [lastSuccess]: Date.parse(first.report.finishedAt) / 1000,
      [seriesKey('customer_sync_requests_total', { ...JOB, method: 'POST', provider: 'yativo', status_class: '2xx' })]: 3,
    });
    expect(requestsPerProvider(afterFirst)).toEqual(Object.fromEntries(PROVIDERS.map((id) => [id, first.report.providers[id]!.requests])));
    // The gateway's own record of the push, per group.
    expect(afterFirst[seriesKey('push_failure_time_seconds', JOB)]).toBe(0);
    expect(afterFirst[seriesKey('push_time_seconds', JOB)]).toBeGreaterThan(0);

    // The same customers (unchanged, skipped unread) and an invalid record: exit 1, nothing sent.
    const second = await sync(gateway.url, [...records, '{"id": "x", "email": "no"}']);
    expect(second.code).toBe(1);
    expect(second.stderr).toBe('');
    const afterSecond = await pushedSeries();
    expect(afterSecond).toMatchObject({
      [seriesKey('customer_sync_run_records_read', JOB)]: 4,
      [seriesKey('customer_sync_run_records_invalid', JOB)]: 1,
      [seriesKey('customer_sync_run_exit_code', JOB)]: 1,
      [lastSuccess]: afterFirst[lastSuccess],
    });
    for (const provider of PROVIDERS) {
      expect(afterSecond[seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'unchanged', provider })]).toBe(3);
      expect(afterSecond[seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'created', provider })]).toBe(0);
    }
    // The run's group was replaced whole: the first run's requests are not shown as this one's.
    expect(requestsPerProvider(afterSecond)).toEqual({});
    for (const series of Object.keys(afterSecond)) expect(series).not.toMatch(/c-[123]|example\.com/);
  });

  it('nothing listening at the URL: a warning on stderr, and the exit code stays 0', async () => {
    const port = await closedPort();
    const run = await sync(`http://ops:s3cret@127.0.0.1:${port}`, [customer(4)]);
    expect(run.code).toBe(0);
    expect(run.report.providers.yativo).toMatchObject({ created: 1 });
    expect(run.stderr).toBe(`customer-sync: warning: could not push the metrics to http://ops:[REDACTED]@127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}\n`);
  });

  it('sync --queue: outcomes and failures by kind from the report; the request series are the workers\' to count', async () => {
    await requireRedis();
    const namespace = uniqueNamespace();
    const adapters = [
      yativo({ baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token }),
      invisibleCollector({ baseUrl: sandbox.urls['invisible-collector'], token: sandbox.credentials['invisible-collector'].token, createMissing: true }),
    ];
    const engine = new SyncEngine(adapters, new MemoryStateStore(), { retries: 2, minDelayMs: 5 }, { shared: new SharedLimits(REDIS_URL, namespace) });
    const worker = new PushWorker({ redis: REDIS_URL, namespace, engine, concurrency: 4 });
    await worker.start();
    try {
      const providers = sandbox.providersConfig();
      config = writeConfig(tmp.dir, {
        providers: { yativo: providers.yativo, 'invisible-collector': { ...providers['invisible-collector'], createMissing: true } },
        redis: REDIS_URL,
      });
      // c-2 names an Invisible Collector id that does not exist there: not_found.
      const records = [customer(1), customer(2, { providerIds: { 'invisible-collector': 'gone' } })];
      const run = await sync(gateway.url, records, { args: ['--queue'], env: { [NAMESPACE_ENV]: namespace } });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);

      const pushed = await pushedSeries();
      expect(pushed).toMatchObject({
        [seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'created', provider: 'yativo' })]: 2,
        [seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'created', provider: 'invisible-collector' })]: 1,
        [seriesKey('customer_sync_outcomes_total', { ...JOB, outcome: 'failed', provider: 'invisible-collector' })]: 1,
        [seriesKey('customer_sync_failures_total', { ...JOB, kind: 'not_found', provider: 'invisible-collector' })]: 1,
        [seriesKey('customer_sync_run_records_read', JOB)]: 2,
        [seriesKey('customer_sync_run_exit_code', JOB)]: 1,
      });
      expect(requestsPerProvider(pushed)).toEqual({});
    } finally {
      await worker.close();
      await cleanNamespace(namespace);
    }
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { cli, customer, ndjson, tempDir, writeSandboxConfig } from '../cli/helpers.js';
import { samples } from './exposition.js';
import { closedPort, gatewayStub } from './gateway-stub.js';

// sync --metrics-push against a stand-in gateway: what is pushed, where, when a push fails and when the URL is bad.
// test/scale/metrics-push.test.ts pushes to the real Pushgateway.

const PROVIDERS = ['yativo', 'fatora', 'bluetape', 'invisible-collector'] as const;
const OUTCOMES = ['created', 'updated', 'unchanged', 'skipped', 'failed'] as const;

let sandbox: Sandbox;
let gateway: Awaited<ReturnType<typeof gatewayStub>>;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  gateway = await gatewayStub();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
});

afterEach(async () => {
  await gateway.close();
  await sandbox.close();
  tmp.remove();
});

async function sync(pushTo: string, records: unknown[], extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const input = join(tmp.dir, 'customers.ndjson');
  writeFileSync(input, ndjson(records));
  const run = await cli(['sync', '--config', config, '--input', input, '--json', '--metrics-push', pushTo, ...extra], { cwd: tmp.dir, env });
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as SyncReport) : undefined };
}

/** The series a report says should be pushed for each provider's outcomes. */
function outcomesOf(report: SyncReport): Record<string, number> {
  const series: Record<string, number> = {};
  for (const provider of PROVIDERS) {
    for (const outcome of OUTCOMES) series[`customer_sync_outcomes_total{provider="${provider}",outcome="${outcome}"}`] = report.providers[provider]![outcome];
  }
  return series;
}

/** Of the pushed series, those of one family summed per provider. */
function perProvider(found: Record<string, number>, family: string): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [series, value] of Object.entries(found)) {
    const provider = new RegExp(`^${family}\\{.*provider="([^"]+)"`).exec(series)?.[1];
    if (provider !== undefined) sums[provider] = (sums[provider] ?? 0) + value;
  }
  return sums;
}

describe('sync --metrics-push', () => {
  it("pushes the run's metrics to the job's group, then the last success to its own group, on exit code 0", async () => {
    const run = await sync(gateway.url, [customer(1), customer(2), customer(3)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = run.report!;

    expect(gateway.pushes.map(({ method, path }) => `${method} ${path}`)).toEqual([
      'PUT /metrics/job/customer-sync',
      'PUT /metrics/job/customer-sync/result/success',
    ]);
    const [group, success] = gateway.pushes.map((push) => samples(push.body));
    expect(group).toMatchObject({
      ...outcomesOf(report),
      customer_sync_run_records_read: 3,
      customer_sync_run_records_invalid: 0,
      customer_sync_run_exit_code: 0,
      customer_sync_run_duration_seconds: (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000,
    });
    // The pipeline's series: every request the report counts, each with its latency.
    const requests = Object.fromEntries(PROVIDERS.map((id) => [id, report.providers[id]!.requests]));
    expect(perProvider(group!, 'customer_sync_requests_total')).toEqual(requests);
    expect(perProvider(group!, 'customer_sync_request_duration_seconds_count')).toEqual(requests);
    expect(group!['customer_sync_requests_total{provider="yativo",method="POST",status_class="2xx"}']).toBe(3);
    expect(group).not.toHaveProperty('customer_sync_last_success_timestamp_seconds');
    expect(success).toEqual({ customer_sync_last_success_timestamp_seconds: Date.parse(report.finishedAt) / 1000 });
    for (const { body } of gateway.pushes) for (const id of ['c-1', 'c-2', 'c-3', 'person1@example.com']) expect(body).not.toContain(id);
  });

  it('counts the lines a rerun skips unread as unchanged, as the report does', async () => {
    const records = [customer(1), customer(2)];
    await sync(gateway.url, records);
    gateway.pushes.length = 0;

    const rerun = await sync(gateway.url, records);
    expect(rerun.code).toBe(0);
    const group = samples(gateway.pushes[0]!.body);
    for (const provider of PROVIDERS) expect(group[`customer_sync_outcomes_total{provider="${provider}",outcome="unchanged"}`]).toBe(2);
    expect(perProvider(group, 'customer_sync_requests_total')).toEqual({});
  });

  it('a run that exits 1 pushes its group and leaves the last success alone', async () => {
    const run = await sync(gateway.url, [customer(1), '{"id": "x", "email": "no"}']);
    expect(run.code).toBe(1);
    expect(gateway.pushes.map(({ method, path }) => `${method} ${path}`)).toEqual(['PUT /metrics/job/customer-sync']);
    expect(samples(gateway.pushes[0]!.body)).toMatchObject({
      customer_sync_run_records_read: 2,
      customer_sync_run_records_invalid: 1,
      customer_sync_run_exit_code: 1,
    });
  });

  it("sends the URL's user and password as basic auth, and a failed push is a warning that names the URL without the password", async () => {
    gateway.status = 500;
    const url = `http://metrics:s3cret-pw@127.0.0.1:${gateway.port}`;
    const run = await sync(url, [customer(1)]);

    expect(run.code).toBe(0);
    expect(run.report?.providers.yativo).toMatchObject({ created: 1 });
    expect(gateway.pushes.map((push) => push.authorization)).toEqual([`Basic ${Buffer.from('metrics:s3cret-pw').toString('base64')}`]);
    expect(run.stderr).toBe(
      `customer-sync: warning: could not push the metrics to http://metrics:[REDACTED]@127.0.0.1:${gateway.port}/: ` +
        'push failed with status 500, pushed metrics are invalid or inconsistent\n',
    );
  });

  it('takes ${VAR}s from the environment, so the password need not be on the command line; a missing one is exit 2', async () => {
    const url = `http://metrics:\${PUSH_PASSWORD}@127.0.0.1:${gateway.port}`;
    const run = await sync(url, [customer(1)], [], { PUSH_PASSWORD: 'p@ss/w0rd' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(gateway.pushes.map((push) => push.authorization)).toEqual(Array(2).fill(`Basic ${Buffer.from('metrics:p@ss/w0rd').toString('base64')}`));

    const missing = await sync(url, [customer(2)]);
    expect(missing.stderr).toBe('customer-sync: --metrics-push names ${PUSH_PASSWORD}, not set in the environment\n');
    expect(missing.code).toBe(2);
  });

  it('nothing listening at the URL: a warning, and the exit code of the run', async () => {
    const port = await closedPort();
    const ok = await sync(`http://127.0.0.1:${port}`, [customer(1)]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe(`customer-sync: warning: could not push the metrics to http://127.0.0.1:${port}/: connect ECONNREFUSED 127.0.0.1:${port}\n`);

    const failed = await sync(`http://127.0.0.1:${port}`, ['{"id": "x", "email": "no"}', customer(2)]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('customer-sync: warning: could not push the metrics');
  });

  it.each([
    ['no scheme', 'pushgateway:9091', '--metrics-push must be an http:// or https:// URL of a Pushgateway, such as http://pushgateway:9091, not pushgateway:9091'],
    ['not http', 'ftp://ops:hunter2@gw:2121/', '--metrics-push must be an http:// or https:// URL of a Pushgateway, such as http://pushgateway:9091, not ftp://ops:[REDACTED]@gw:2121/'],
    ['not a URL', 'http://gw:99999', '--metrics-push must be a URL such as http://pushgateway:9091 (the value given does not parse as one)'],
    // Where the password ends cannot be told: nothing of the value is shown.
    ['a password with a # in it', 'http://ops:hun#ter2@gw:9091', '--metrics-push must be a URL such as http://pushgateway:9091 (the value given does not parse as one)'],
  ])('%s: exit 2 before anything is read or sent', async (_name, value, message) => {
    const run = await sync(value, [customer(1)]);
    expect(run.stderr).toBe(`customer-sync: ${message}\n`);
    expect(run.code).toBe(2);
    expect(sandbox.customers('yativo')).toEqual([]);
  });

  it('does not apply to a dry run (exit 2)', async () => {
    const run = await sync(gateway.url, [customer(1)], ['--dry-run']);
    expect(run.stderr).toBe('customer-sync: --metrics-push does not apply with --dry-run: a plan sends nothing to measure\n');
    expect(run.code).toBe(2);
    expect(gateway.pushes).toEqual([]);
  });
});

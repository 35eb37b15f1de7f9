import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import type { SyncReport } from '../../src/job/report.js';
import { cli, customer, ndjson, tempDir, totalRequests, writeSandboxConfig } from './helpers.js';

let sandbox: Sandbox;
let tmp: ReturnType<typeof tempDir>;
let config: string;

beforeEach(async () => {
  sandbox = await startSandbox();
  tmp = tempDir();
  config = writeSandboxConfig(tmp.dir, sandbox);
});

afterEach(async () => {
  await sandbox.close();
  tmp.remove();
});

const PROVIDERS = ['yativo', 'fatora', 'bluetape', 'invisible-collector'] as const;

function input(name: string, text: string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
}

async function syncJson(args: string[], stdin?: string) {
  const run = await cli(['sync', '--config', config, '--json', ...args], { cwd: tmp.dir, stdin });
  return { ...run, report: run.stdout ? (JSON.parse(run.stdout) as SyncReport) : undefined };
}

describe('customer-sync sync against the sandbox', () => {
  it('creates everyone on the first run, then sends nothing on an unchanged rerun', async () => {
    const file = input('customers.ndjson', ndjson([1, 2, 3, 4, 5].map((i) => customer(i))));
    const first = await syncJson(['--input', file]);
    expect(first.code).toBe(0);
    expect(first.report?.records).toEqual({ read: 5, invalid: 0 });
    for (const id of PROVIDERS) {
      expect(first.report?.providers[id]).toMatchObject({ created: 5, failed: 0 });
      expect(sandbox.customers(id)).toHaveLength(5);
    }
    expect(existsSync(join(tmp.dir, '.customer-sync/state.db'))).toBe(true);

    const before = totalRequests(sandbox);
    const second = await syncJson(['--input', file]);
    expect(second.code).toBe(0);
    for (const id of PROVIDERS) expect(second.report?.providers[id]).toMatchObject({ unchanged: 5, requests: 0 });
    expect(totalRequests(sandbox)).toBe(before);
  });

  it('sends only the changed subset', async () => {
    const records = [1, 2, 3, 4].map((i) => customer(i));
    await syncJson(['--input', input('a.ndjson', ndjson(records))]);
    records[1] = customer(2, { lastName: 'Renamed' });
    const run = await syncJson(['--input', input('b.ndjson', ndjson(records))]);
    for (const id of PROVIDERS) expect(run.report?.providers[id]).toMatchObject({ updated: 1, unchanged: 3, created: 0 });
    expect(sandbox.customers('bluetape').find((c) => (c as { id?: string }).id === 'c-2')).toMatchObject({ lastName: 'Renamed' });
  });

  it('reports invalid lines with line, id and path, goes on, and exits 1', async () => {
    const file = input('mixed.ndjson', ndjson([customer(1), { ...customer(2), email: 'nope' }, '{"id": "broken"', customer(3)]));
    const run = await syncJson(['--input', file]);
    expect(run.code).toBe(1);
    expect(run.report?.records).toEqual({ read: 4, invalid: 2 });
    expect(run.report?.invalid).toEqual([
      { line: 2, customerId: 'c-2', issues: [{ path: 'email', message: 'must be a valid email address' }] },
      { line: 3, issues: [{ path: '', message: expect.stringContaining('JSON') }] },
    ]);
    expect(run.report?.providers.yativo).toMatchObject({ created: 2 });
  });

  it('prints the requests of a dry run and sends nothing, writing no state', async () => {
    const file = input('dry.ndjson', ndjson([customer(1)]));
    const run = await cli(['sync', '--config', config, '--input', file, '--dry-run'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`c-1 → yativo: POST ${sandbox.urls.yativo}/customer`);
    expect(run.stdout).toContain('Authorization: [REDACTED]');
    expect(run.stdout).toContain(`c-1 → bluetape: PUT ${sandbox.urls.bluetape}/integration/customer/c-1`);
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    expect(run.stdout).not.toContain('sandbox-yativo-token');
    expect(totalRequests(sandbox)).toBe(0);
    expect(existsSync(join(tmp.dir, '.customer-sync/state.db'))).toBe(false);
  });

  it('reads NDJSON from stdin', async () => {
    const run = await syncJson(['--input', '-'], ndjson([customer(1), customer(2)]));
    expect(run.code).toBe(0);
    expect(run.report?.providers['invisible-collector']).toMatchObject({ created: 2 });
  });

  it('treats a CSV record as the same record as its NDJSON twin: unchanged after an NDJSON run', async () => {
    await syncJson(['--input', input('one.ndjson', ndjson([customer(7)]))]);
    const c = customer(7) as Record<string, string> & { address: Record<string, string> };
    const header = 'id,email,firstName,lastName,phone,country,address.street,address.number,address.city,address.postalCode,vatNumber,locale,updatedAt';
    const row = [c.id, c.email, c.firstName, c.lastName, c.phone, c.country, c.address.street, c.address.number, c.address.city, c.address.postalCode, c.vatNumber, c.locale, c.updatedAt].join(',');
    const run = await syncJson(['--input', input('one.csv', `${header}\n${row}\n`)]);
    expect(run.code).toBe(0);
    for (const id of PROVIDERS) expect(run.report?.providers[id]).toMatchObject({ unchanged: 1, requests: 0 });
  });

  it('stops before sending anything on an unknown CSV column (exit 2, the column named)', async () => {
    const run = await cli(['sync', '--config', config, '--input', input('bad.csv', 'id,email,adress.city\nc-1,a@b.co,Porto\n')], { cwd: tmp.dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('adress.city');
    expect(totalRequests(sandbox)).toBe(0);
  });

  it('syncs only the providers --only names', async () => {
    const run = await syncJson(['--input', input('o.ndjson', ndjson([customer(1)])), '--only', 'bluetape,fatora']);
    expect(Object.keys(run.report?.providers ?? {})).toEqual(['fatora', 'bluetape']);
    expect(sandbox.stats('yativo').requests).toBe(0);
  });

  it('writes the report file, and --full sends unchanged records again', async () => {
    const file = input('r.ndjson', ndjson([customer(1)]));
    await syncJson(['--input', file]);
    const run = await cli(['sync', '--config', config, '--input', file, '--full', '--report', 'out/report.json'], { cwd: tmp.dir });
    expect(run.code).toBe(0);
    const report = JSON.parse(readFileSync(join(tmp.dir, 'out/report.json'), 'utf8')) as SyncReport;
    for (const id of PROVIDERS) expect(report.providers[id]).toMatchObject({ updated: 1, unchanged: 0 });
    expect(run.stdout).toContain('provider');
  });

  it('exits 2 on bad flags, a bad config, a missing input', async () => {
    expect((await cli(['sync', '--config', config], { cwd: tmp.dir })).code).toBe(2);
    const only = await cli(['sync', '--config', config, '--input', 'x.ndjson', '--only', 'stripe'], { cwd: tmp.dir });
    expect(only.code).toBe(2);
    expect(only.stderr).toContain(`--only: unknown provider "stripe" (configured: ${PROVIDERS.join(', ')})`);
    writeFileSync(join(tmp.dir, 'bad.json'), '{"providers": {"yativo": {"token": "${NOPE}"}}}');
    const bad = await cli(['sync', '--config', 'bad.json', '--input', 'x.ndjson'], { cwd: tmp.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('environment variable NOPE is not set');
    const missing = await cli(['sync', '--config', config, '--input', 'missing.ndjson'], { cwd: tmp.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.ndjson');
  });

  it('with --strict, exits 1 when a record was skipped', async () => {
    const plain = writeSandboxConfig(tmp.dir, sandbox);
    const cfg = JSON.parse(readFileSync(plain, 'utf8')) as { providers: Record<string, Record<string, unknown>> };
    cfg.providers = { fatora: { ...cfg.providers.fatora, createMissing: false } };
    writeFileSync(plain, JSON.stringify(cfg));
    const file = input('s.ndjson', ndjson([customer(1)]));
    const lax = await syncJson(['--input', file]);
    expect(lax.code).toBe(0);
    expect(lax.report?.skipped).toEqual([
      { provider: 'fatora', reason: 'no Fatora client id is known (providerIds.fatora) and createMissing is off', count: 1, customerIds: ['c-1'] },
    ]);
    expect((await syncJson(['--input', file, '--strict'])).code).toBe(1);
  });
});

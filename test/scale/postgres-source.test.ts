import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncReport } from '../../src/job/report.js';
import { BUILT_IN } from '../../src/providers.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openSource } from '../../src/sources/index.js';
import { cli, tempDir } from '../cli/helpers.js';
import { freshDatabase, requirePostgres, spawnCli, writeConfig, sqlOn } from './scale-harness.js';

/*
 * `sync --input postgresql://… --query|--table` against the real server: a table of 100,000 rows through the CLI
 * (a child process, as a user runs it) with its peak memory, the raw-row skip on the next night, a changed row sent,
 * and what stops a run (exit 2), all without the URL's password in any output.
 */

const ROWS = 100_000;
/**
 * Rows of the table synced for real, night after night. Fewer than ROWS: a first sync creates every customer at the
 * sandbox (~4 ms of CPU a customer between the CLI and the sandbox here), which at ROWS would take CI ~7 minutes;
 * the big table is read whole by the dry run and the cursor test instead.
 */
const SYNCED_ROWS = 5_000;
// One provider addressed by our id, with header credentials: one request per customer, nothing to exchange.
const PROVIDER = [...BUILT_IN.values()].find((d) => d.defaultId !== undefined && !('token' in d.optionsShape))!.id;
const PASSWORD = 'pg-S3cret-passw0rd';

let sandbox: Sandbox;
let database: { url: string; drop: () => Promise<void> };
let work: { dir: string; remove: () => void };
let config: string;

/** The database's URL with a password in it (trust auth accepts any): what must never be shown. */
function urlWithPassword(): string {
  const url = new URL(database.url);
  url.password = PASSWORD;
  return url.toString();
}

const sql = (text: string, values: unknown[] = []): Promise<pg.QueryResult> => sqlOn(database.url, text, values);

const COLUMNS = `id text PRIMARY KEY, email text, "firstName" text, "lastName" text, phone text, country text,
  "address.street" text, "address.number" text, "address.city" text, "address.postalCode" text, "vatNumber" text,
  locale text, "updatedAt" text`;

async function fillCustomers(table: string, rows: number): Promise<void> {
  await sql(`CREATE TABLE ${table} (${COLUMNS})`);
  await sql(
    `INSERT INTO ${table} SELECT 'c-' || i, 'person' || i || '@example.com', 'Person', 'Number' || i,
       '+35191' || lpad(i::text, 7, '0'), 'PT', 'Rua Augusta', i::text, 'Lisboa', '1100-053', 'PT' || (500000000 + i),
       'pt', '2026-11-01T10:00:00Z' FROM generate_series(1, $1::int) AS i`,
    [rows],
  );
}

beforeAll(async () => {
  await requirePostgres();
  database = await freshDatabase();
  sandbox = await startSandbox();
  work = tempDir();
  const providers = sandboxProvidersConfig(sandbox) as Record<string, Record<string, unknown>>;
  const settings = { ...providers[PROVIDER], rateLimit: { perSecond: 10_000, concurrency: 32 } };
  const createMissing = BUILT_IN.get(PROVIDER)?.createMissing === undefined ? {} : { createMissing: true };
  config = writeConfig(work.dir, { providers: { [PROVIDER]: { ...settings, ...createMissing } }, retry: { retries: 4, minDelayMs: 5, maxDelayMs: 50 } });
  await fillCustomers('customers', ROWS);
  await fillCustomers('synced', SYNCED_ROWS);
  await fillCustomers('few', 5);
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  work?.remove();
});

function expectNoSecret(...outputs: string[]): void {
  for (const output of outputs) expect(output).not.toContain(PASSWORD);
}

describe('sync from PostgreSQL', () => {
  /** Runs the CLI on a table of the test database, with the password in the URL; its report and peak RSS. */
  const runOn = async (table: string, state: string, extra: string[] = []): Promise<{ report: SyncReport; peakRssMb: number; stderr: string; stdout: string }> => {
    const child = spawnCli(['sync', '--config', config, '--state', state, '--input', urlWithPassword(), '--table', `public.${table}`, '--json', ...extra], {
      cwd: work.dir,
      env: {},
    });
    // VmHWM is the process's peak resident set; read until the process is gone.
    let peakKb = 0;
    const sample = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
      } catch {
        // Exited.
      }
    }, 50);
    const { code } = await child.exit;
    clearInterval(sample);
    expect(code, child.stderr()).toBe(0);
    return { report: JSON.parse(child.stdout()) as SyncReport, peakRssMb: peakKb / 1024, stderr: child.stderr(), stdout: child.stdout() };
  };

  it(`reads a table of ${ROWS.toLocaleString('en-US')} rows in bounded memory (a dry run: every row validated and planned)`, async () => {
    const before = sandbox.stats(PROVIDER).requests;
    const run = await runOn('customers', join(work.dir, 'dry.db'), ['--dry-run']);
    expect(run.report.records).toEqual({ read: ROWS, invalid: 0 });
    expect(run.report.dryRun).toBe(true);
    // One request planned a customer (an upsert addressed by our id): every row was planned, none lost.
    expect((run.report.planned?.length ?? 0) + (run.report.truncated.planned ?? 0)).toBe(ROWS);
    expect(sandbox.stats(PROVIDER).requests).toBe(before);
    // Rows are fetched 1,000 at a time: the whole table in memory would add hundreds of MB to the tsx child's own.
    console.log(`dry run of ${ROWS} rows: peak RSS ${run.peakRssMb.toFixed(0)} MB`);
    expect(run.peakRssMb).toBeLessThan(400);
    expectNoSecret(run.stdout, run.stderr);
  }, 300_000);

  it(`syncs a table of ${SYNCED_ROWS.toLocaleString('en-US')} rows, skips them unchanged the next night, and sends a changed row`, async () => {
    const state = join(work.dir, 'synced.db');
    const first = await runOn('synced', state);
    expect(first.report.records).toEqual({ read: SYNCED_ROWS, invalid: 0 });
    expect(first.report.providers[PROVIDER]).toMatchObject({ created: SYNCED_ROWS, failed: 0 });

    const before = sandbox.stats(PROVIDER).requests;
    const second = await runOn('synced', state);
    expect(second.report.providers[PROVIDER]).toMatchObject({ unchanged: SYNCED_ROWS, created: 0, updated: 0, requests: 0 });
    expect(sandbox.stats(PROVIDER).requests).toBe(before);

    await sql(`UPDATE synced SET email = 'changed777@example.com' WHERE id = 'c-777'`);
    const third = await runOn('synced', state);
    expect(third.report.providers[PROVIDER]).toMatchObject({ updated: 1, unchanged: SYNCED_ROWS - 1, failed: 0 });
    expect(sandbox.stats(PROVIDER).requests).toBe(before + 1);
    expectNoSecret(first.stdout, first.stderr, second.stdout, second.stderr, third.stdout, third.stderr);
  }, 600_000);

  it('reads rows through a server-side cursor, a bounded number at a time', async () => {
    const source = await openSource({ input: database.url, table: 'customers', env: {} });
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    let largest = 0;
    let rows = 0;
    let cursorSeen = false;
    try {
      for await (const batch of source.batches) {
        largest = Math.max(largest, batch.length);
        rows += batch.length;
        if (rows === 50_000) {
          const { rows: active } = await client.query(`SELECT query FROM pg_stat_activity WHERE application_name = 'customer-sync'`);
          cursorSeen = active.some((row: { query: string }) => row.query.startsWith('FETCH FORWARD 1000 FROM customer_sync_rows'));
        }
      }
    } finally {
      await client.end();
      await source.close();
    }
    expect({ rows, largest, cursorSeen }).toEqual({ rows: ROWS, largest: 1000, cursorSeen: true });
  });

  it('reports a row that fails validation as "row N", in the summary and the report', async () => {
    const report = join(work.dir, 'invalid.json');
    const query = `SELECT id, CASE WHEN id = 'c-3' THEN 'not-an-email' ELSE email END AS email, "firstName", "lastName", country FROM few ORDER BY id`;
    const result = await cli(['sync', '--config', config, '--state', join(work.dir, 'invalid.db'), '--input', urlWithPassword(), '--query', query, '--report', report], {
      cwd: work.dir,
    });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toMatch(/invalid row 3 \(c-3\): email: /);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { invalid: Array<Record<string, unknown>> };
    // DESIGN §6: rows report `line` as their row number; `row` says the same.
    expect(written.invalid).toEqual([expect.objectContaining({ line: 3, row: 3, customerId: 'c-3' })]);
    expectNoSecret(result.stdout, result.stderr, readFileSync(report, 'utf8'));
  });

  it('stops with exit 2 on a column that is no field, naming it with the closest field', async () => {
    const result = await cli(
      ['sync', '--config', config, '--input', urlWithPassword(), '--query', 'SELECT id, email, "address.city" AS "adress.city" FROM few'],
      { cwd: work.dir },
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown column "adress.city"; did you mean "address.city"?');
    expectNoSecret(result.stdout, result.stderr);
  });

  it('stops with exit 2 on a query the server refuses, with its message and without the password', async () => {
    const result = await cli(['sync', '--config', config, '--input', urlWithPassword(), '--query', 'SELECT id, email FROM no_such_table', '--json'], {
      cwd: work.dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('the query failed at 127.0.0.1:5432/');
    expect(result.stderr).toContain('relation "no_such_table" does not exist');
    expect(result.stdout).toBe('');
    expectNoSecret(result.stdout, result.stderr);
  });

  it("masks a row's email that the server's error message quotes", async () => {
    // The cast fails on the first row, and PostgreSQL quotes the value it could not read.
    const query = `SELECT id, email::int AS "vatNumber" FROM few ORDER BY id`;
    const result = await cli(['sync', '--config', config, '--input', urlWithPassword(), '--query', query, '--json'], { cwd: work.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid input syntax for type integer');
    expect(result.stderr).not.toMatch(/person\d+@example\.com/);
    expectNoSecret(result.stdout, result.stderr);
  });

  it('stops with exit 2 on a server it cannot reach, naming host:port/database but not the password', async () => {
    const result = await cli(['sync', '--config', config, '--input', `postgresql://app:${PASSWORD}@127.0.0.1:1/crm`, '--table', 'customers'], {
      cwd: work.dir,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot connect to PostgreSQL at 127.0.0.1:1/crm: ');
    expectNoSecret(result.stdout, result.stderr);
  });

  it('takes the password from ${VAR} or PGPASSWORD, and the rest from the PG* variables', async () => {
    const env = { DB_PASSWORD: PASSWORD, PGHOST: '127.0.0.1', PGPORT: '5432', PGUSER: 'postgres', PGDATABASE: new URL(database.url).pathname.slice(1) };
    const state = join(work.dir, 'env.db');
    const fromVariable = await cli(['sync', '--config', config, '--state', state, '--input', 'postgresql://postgres:${DB_PASSWORD}@127.0.0.1', '--table', 'few', '--json'], {
      cwd: work.dir,
      env,
    });
    expect(fromVariable.code, fromVariable.stderr).toBe(0);
    expect((JSON.parse(fromVariable.stdout) as SyncReport).records.read).toBe(5);
    const fromLibpq = await cli(['sync', '--config', config, '--state', state, '--input', 'postgresql://', '--table', 'few'], {
      cwd: work.dir,
      env: { ...env, PGPASSWORD: PASSWORD },
    });
    expect(fromLibpq.code, fromLibpq.stderr).toBe(0);
    expect(fromLibpq.stdout).toContain('5 records read');
    const missing = await cli(['sync', '--config', config, '--input', 'postgresql://postgres:${NOT_SET}@127.0.0.1/test', '--table', 'few'], { cwd: work.dir, env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('the PostgreSQL input names ${NOT_SET}, not set in the environment');
    expectNoSecret(fromVariable.stdout, fromVariable.stderr, fromLibpq.stdout, fromLibpq.stderr);
  });

  it('refuses --query or --table without a postgresql:// input, neither of them, or both (exit 2)', async () => {
    const url = urlWithPassword();
    const cases: Array<[string[], string]> = [
      [['--input', 'customers.ndjson', '--query', 'SELECT 1'], '--query applies only to a postgresql:// input, not to a file'],
      [['--input', url], 'a postgresql:// input needs either --query "SELECT …" or --table NAME'],
      [['--input', url, '--query', 'SELECT 1', '--table', 'few'], 'a postgresql:// input needs only one of --query "SELECT …" or --table NAME'],
      [['--input', 'postgresql://app:pw@[bad/x', '--table', 'few'], 'the PostgreSQL input is not a valid URL'],
    ];
    for (const [args, message] of cases) {
      const result = await cli(['sync', '--config', config, ...args], { cwd: work.dir });
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 2, stderr: expect.stringContaining(message) as unknown });
      expectNoSecret(result.stdout, result.stderr);
    }
  });

  it('quotes --table: a name cannot add SQL of its own', async () => {
    const result = await cli(['sync', '--config', config, '--input', database.url, '--table', 'few; DROP TABLE few'], { cwd: work.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot read table "few; DROP TABLE few"');
    expect((await sql('SELECT count(*)::int AS n FROM few')).rows[0]).toEqual({ n: 5 });
  });

  it("outlasts the server's idle_in_transaction_session_timeout: the transaction waits between FETCHes while rows are pushed", async () => {
    // 1,200 rows: the second FETCH comes after the first 1,000 were pushed, seconds later; the server would end a
    // session idle in its transaction for 200 ms (set for this connection through the URL's options).
    await fillCustomers('idle', 1_200);
    const url = new URL(urlWithPassword());
    url.searchParams.set('options', '-c idle_in_transaction_session_timeout=200');
    const child = spawnCli(['sync', '--config', config, '--state', join(work.dir, 'idle.db'), '--input', url.toString(), '--table', 'public.idle', '--json'], {
      cwd: work.dir,
      env: {},
    });
    const { code } = await child.exit;
    expect(code, child.stderr()).toBe(0);
    const report = JSON.parse(child.stdout()) as SyncReport;
    expect(report.records).toEqual({ read: 1_200, invalid: 0 });
    // Created, or updated where an earlier test of this file synced the same ids (c-1…) to the sandbox.
    const counts = report.providers[PROVIDER as keyof SyncReport['providers']];
    expect({ sent: (counts?.created ?? 0) + (counts?.updated ?? 0), failed: counts?.failed }).toEqual({ sent: 1_200, failed: 0 });
  });
});

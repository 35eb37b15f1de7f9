import { PassThrough, Readable } from 'node:stream';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { yativo } from '../../adapters/yativo/index.js';
import { runCli } from '../../src/cli/program.js';
import type { SyncReport } from '../../src/job/report.js';
import { SharedLimits } from '../../src/pipeline/shared-limits.js';
import { SyncEngine } from '../../src/push/engine.js';
import { NAMESPACE_ENV } from '../../src/queue/settings.js';
import { PushWorker } from '../../src/queue/worker.js';
import { sandboxProvidersConfig } from '../../src/sandbox/cli.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { openSinceLastRun } from '../../src/sources/postgres-since.js';
import { sourceHash } from '../../src/sources/postgres-statement.js';
import { resolvePostgresLocation, watermarkInput } from '../../src/sources/postgres-url.js';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { cli, tempDir } from '../cli/helpers.js';
import { REDIS_URL, requireRedis, uniqueNamespace } from './redis.js';
import { cleanNamespace, freshDatabase, requirePostgres, until, writeConfig, sqlOn } from './scale-harness.js';

/*
 * `sync --input postgresql://… --since-last-run COLUMN` on the real server (issue 14, point 1): the watermark a night
 * leaves, the rows the next night reads from it, and what holds it back (a row a provider refuses, an invalid row,
 * a run stopped half-way), with the queue too. Tables are small (the sandbox creates ~260 customers/s here) but one
 * of 100,000 rows, whose watermark is seeded in the state so only its newest rows are read and sent.
 */

const PROVIDER = 'bluetape';
const PASSWORD = 'pg-S3cret-passw0rd';
const BIG_ROWS = 100_000;

let sandbox: Sandbox;
let database: { url: string; drop: () => Promise<void> };
let work: { dir: string; remove: () => void };
/** One request per customer, 32 at once. */
let config: string;
/** One request at a time, so the order of requests is the order of rows. */
let serial: string;

function urlWithPassword(): string {
  const url = new URL(database.url);
  url.password = PASSWORD;
  return url.toString();
}

const sql = (text: string, values: unknown[] = []): Promise<pg.QueryResult> => sqlOn(database.url, text, values);

/** `rows` customers <table>-1…<table>-N (ids apart from other tests': the sandbox is shared) whose updated_at climbs a second a row from 2025-06-01, with microseconds. */
async function fillTable(table: string, rows: number): Promise<void> {
  await sql(`CREATE TABLE ${table} (id text PRIMARY KEY, email text, "firstName" text, "lastName" text, phone text, country text,
    "address.street" text, "address.number" text, "address.city" text, "address.postalCode" text, "vatNumber" text,
    locale text, "updatedAt" text, updated_at timestamptz)`);
  await sql(
    `INSERT INTO ${table} SELECT $2 || '-' || i, 'person' || i || '@example.com', 'Person', 'Number' || i,
       '+35191' || lpad(i::text, 7, '0'), 'PT', 'Rua Augusta', i::text, 'Lisboa', '1100-053', 'PT' || (500000000 + i),
       'pt', '2026-11-01T10:00:00Z', timestamptz '2025-06-01 00:00:00.000001+00' + i * interval '1.000123 second'
     FROM generate_series(1, $1::int) AS i`,
    [rows, table],
  );
}

/** The row's updated_at as PostgreSQL prints it (the session's time zone, as the CLI's): what a watermark holds. */
async function markOf(table: string, row: number): Promise<string> {
  return (await sql(`SELECT updated_at::text AS t FROM ${table} WHERE id = $1`, [`${table}-${row}`])).rows[0].t as string;
}

/** A row changed by the application: a new email, updated_at now. */
async function touch(table: string, row: number, email: string): Promise<void> {
  await sql(`UPDATE ${table} SET email = $2, updated_at = clock_timestamp() WHERE id = $1`, [`${table}-${row}`, email]);
}

function expectNoSecret(...outputs: string[]): void {
  for (const output of outputs) expect(output).not.toContain(PASSWORD);
}

beforeAll(async () => {
  await requirePostgres();
  database = await freshDatabase();
  sandbox = await startSandbox();
  sandbox.setLog(true);
  work = tempDir();
  const providers = sandboxProvidersConfig(sandbox) as Record<string, Record<string, unknown>>;
  const provider = (concurrency: number) => ({ ...providers[PROVIDER], rateLimit: { perSecond: 10_000, concurrency }, createMissing: true });
  const retry = { retries: 2, minDelayMs: 5, maxDelayMs: 20 };
  config = writeConfig(join(work.dir), { providers: { [PROVIDER]: provider(32) }, retry });
  const serialDir = join(work.dir, 'serial');
  (await import('node:fs')).mkdirSync(serialDir);
  serial = writeConfig(serialDir, { providers: { [PROVIDER]: provider(1) }, retry });
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await database?.drop();
  work?.remove();
});

interface Night {
  code: number;
  report: SyncReport;
  stdout: string;
  stderr: string;
}

/** One night of `sync --since-last-run updated_at` on a table, the URL with its password. */
async function night(table: string, state: string, extra: string[] = [], configFile = config): Promise<Night> {
  const args = ['sync', '--config', configFile, '--state', state, '--input', urlWithPassword(), '--table', `public.${table}`, '--since-last-run', 'updated_at', '--json', ...extra];
  const result = await cli(args, { cwd: work.dir });
  expectNoSecret(result.stdout, result.stderr);
  if (result.code === 2) throw new Error(`sync could not run: ${result.stderr}`);
  return { code: result.code, report: JSON.parse(result.stdout) as SyncReport, stdout: result.stdout, stderr: result.stderr };
}

const keyOf = (table: string) => ({
  input: watermarkInput(resolvePostgresLocation(database.url, {})),
  source: sourceHash({ table: `public.${table}` }),
  column: 'updated_at',
});

/** The watermark rows of a SQLite state, read under the store. */
function watermarkRows(state: string): Array<Record<string, string>> {
  const db = new Database(state, { readonly: true });
  try {
    return db.prepare('SELECT input, source, column_name, value, type FROM watermarks').all() as Array<Record<string, string>>;
  } finally {
    db.close();
  }
}

describe('sync --since-last-run', () => {
  it('reads every row the first night, then only rows at or above the watermark, and sends only the changed', async () => {
    await fillTable('nightly', 20);
    const state = join(work.dir, 'nightly.db');
    const first = await night('nightly', state);
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.records).toEqual({ read: 20, invalid: 0 });
    expect(first.report.providers[PROVIDER]).toMatchObject({ created: 20, failed: 0 });
    const top = await markOf('nightly', 20);
    expect(top).toMatch(/\.\d{6}/);
    expect(first.report.watermark).toEqual({ column: 'updated_at', type: 'timestamp with time zone', from: null, to: top, saved: true, nullRows: 0 });
    // Keyed without credentials: host, port, database; the sha256 of the quoted table name; the column.
    const dbName = new URL(database.url).pathname.slice(1);
    expect(watermarkRows(state)).toEqual([
      { input: `postgresql://127.0.0.1:5432/${dbName}`, source: keyOf('nightly').source, column_name: 'updated_at', value: top, type: 'timestamp with time zone' },
    ]);
    // The watermark column is read, not sent.
    const bodies = sandbox.requests(PROVIDER).map((request) => JSON.stringify(request.body));
    expect(bodies.length).toBeGreaterThanOrEqual(20);
    for (const body of bodies) expect(body).not.toContain('2025-06-01');

    // Nothing changed: only the rows at the watermark (row 20) are read again, and skipped unchanged.
    const before = sandbox.stats(PROVIDER).requests;
    const second = await night('nightly', state);
    expect(second.report.records.read).toBe(1);
    expect(second.report.providers[PROVIDER]).toMatchObject({ unchanged: 1, requests: 0 });
    expect(second.report.watermark).toMatchObject({ from: top, to: top, saved: false });
    expect(sandbox.stats(PROVIDER).requests).toBe(before);

    await touch('nightly', 5, 'changed5@example.com');
    const third = await night('nightly', state);
    expect(third.report.records.read).toBe(2);
    expect(third.report.providers[PROVIDER]).toMatchObject({ updated: 1, unchanged: 1, failed: 0 });
    expect(sandbox.stats(PROVIDER).requests).toBe(before + 1);
    expect(third.report.watermark).toMatchObject({ from: top, to: await markOf('nightly', 5), saved: true });
  });

  it('sends the next night a row changed while the run was paused on a slow provider', async () => {
    await fillTable('during', 10);
    const state = join(work.dir, 'during.db');
    const seen = sandbox.requests(PROVIDER).length;
    sandbox.setLatency(PROVIDER, 1_500);
    const running = night('during', state);
    try {
      // The run's snapshot was taken before its first request: the change is not in it.
      await until('the first request of the run', () => sandbox.requests(PROVIDER).length > seen);
      await touch('during', 3, 'changed3@example.com');
    } finally {
      sandbox.setLatency(PROVIDER, 0);
    }
    const first = await running;
    expect(first.report.providers[PROVIDER]).toMatchObject({ created: 10, failed: 0 });
    expect(first.report.watermark?.to).toBe(await markOf('during', 10));

    const second = await night('during', state);
    // Row 10 at the watermark, and row 3 changed after it.
    expect(second.report.records.read).toBe(2);
    expect(second.report.providers[PROVIDER]).toMatchObject({ updated: 1, unchanged: 1, failed: 0 });
    const sent = sandbox.requests(PROVIDER).at(-1);
    expect(JSON.stringify(sent?.body)).toContain('changed3@example.com');
  });

  it('holds the watermark at a row a provider refused, reads and sends it again, then moves on', async () => {
    await fillTable('refused', 6);
    const state = join(work.dir, 'refused.db');
    // One request a customer, one at a time: the third request is row 3's.
    sandbox.setFaults(PROVIDER, { script: ['pass', 'pass', '422'] });
    const first = await night('refused', state, [], serial).finally(() => sandbox.setFaults(PROVIDER, undefined));
    expect(first.code).toBe(1);
    expect(first.report.failures.map((failure) => failure.customerId)).toEqual(['refused-3']);
    expect(first.report.watermark).toMatchObject({ from: null, to: await markOf('refused', 3), saved: true });

    const second = await night('refused', state, [], serial);
    expect(second.code, second.stderr).toBe(0);
    // Rows 3 to 6; 4 to 6 were confirmed, so skipped unread.
    expect(second.report.records.read).toBe(4);
    expect(second.report.providers[PROVIDER]).toMatchObject({ created: 1, unchanged: 3, failed: 0 });
    expect(second.report.watermark).toMatchObject({ to: await markOf('refused', 6), saved: true });
  });

  it('holds the watermark at an invalid row (the contract: not confirmed), until the row is fixed', async () => {
    await fillTable('invalid', 6);
    await sql(`UPDATE invalid SET email = 'not-an-email' WHERE id = 'invalid-2'`);
    const state = join(work.dir, 'invalid.db');
    const first = await night('invalid', state);
    expect(first.code).toBe(1);
    // `line` is the row number (DESIGN §6), `row` says the same.
    expect(first.report.invalid).toEqual([expect.objectContaining({ line: 2, row: 2, customerId: 'invalid-2' })]);
    const held = await markOf('invalid', 2);
    expect(first.report.watermark).toMatchObject({ to: held, saved: true });

    const second = await night('invalid', state);
    expect(second.report.records).toEqual({ read: 5, invalid: 1 });
    expect(second.report.watermark).toMatchObject({ from: held, to: held, saved: false });

    await touch('invalid', 2, 'fixed2@example.com');
    const third = await night('invalid', state);
    expect(third.code, third.stderr).toBe(0);
    expect(third.report.providers[PROVIDER]).toMatchObject({ created: 1, unchanged: 4 });
    expect(third.report.watermark).toMatchObject({ to: await markOf('invalid', 2), saved: true });
  });

  it('after Ctrl-C mid-table, stores the value of the first row not confirmed; the next night reads from it', async () => {
    await fillTable('stopped', 150);
    const state = join(work.dir, 'stopped.db');
    let stop: (() => void) | undefined;
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const stderr = new PassThrough();
    stderr.resume();
    const seen = sandbox.stats(PROVIDER).requests;
    sandbox.setLatency(PROVIDER, 10);
    const running = runCli(
      ['sync', '--config', serial, '--state', state, '--input', urlWithPassword(), '--table', 'public.stopped', '--since-last-run', 'updated_at', '--json'],
      { stdout, stderr, stdin: Readable.from([]), env: {}, cwd: work.dir, onStop: (fn) => ((stop = fn), () => undefined) },
    );
    try {
      await until('five customers sent', () => sandbox.stats(PROVIDER).requests >= seen + 5);
      stop?.();
    } finally {
      sandbox.setLatency(PROVIDER, 0);
    }
    expect(await running).toBe(1);
    const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SyncReport;
    expect(report.interrupted).toBe(true);
    const handedOn = report.records.read;
    expect(handedOn).toBeLessThan(150);
    // Every record handed on finished (one at a time, in row order); the rows read after them were never sent.
    expect(report.providers[PROVIDER]).toMatchObject({ created: handedOn, failed: 0 });
    const next = await markOf('stopped', handedOn + 1);
    expect(report.watermark).toMatchObject({ to: next, saved: true });

    const second = await night('stopped', state);
    expect(second.report.records.read).toBe(150 - handedOn);
    expect(second.report.providers[PROVIDER]).toMatchObject({ created: 150 - handedOn, failed: 0 });
    expect(second.report.watermark).toMatchObject({ from: next, to: await markOf('stopped', 150), saved: true });
  });

  it(`reads only the newest rows of a ${BIG_ROWS.toLocaleString('en-US')}-row table from a stored watermark`, async () => {
    await fillTable('big', BIG_ROWS);
    await sql('CREATE INDEX big_updated_at ON big (updated_at)');
    const state = join(work.dir, 'big.db');
    const seeded = await markOf('big', BIG_ROWS - 9);
    const store = SqliteStateStore.open(state);
    await store.setWatermark(keyOf('big'), { value: seeded, type: 'timestamp with time zone' });
    await store.close();
    const run = await night('big', state);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.records).toEqual({ read: 10, invalid: 0 });
    expect(run.report.providers[PROVIDER]).toMatchObject({ created: 10 });
    expect(run.report.watermark).toMatchObject({ from: seeded, to: await markOf('big', BIG_ROWS), saved: true });
  }, 120_000);

  it('reads from the stored watermark without moving it with --dry-run and --only; --full reads all and stores', async () => {
    await fillTable('modes', 5);
    const state = join(work.dir, 'modes.db');
    const store = SqliteStateStore.open(state);
    const seeded = await markOf('modes', 3);
    await store.setWatermark(keyOf('modes'), { value: seeded, type: 'timestamp with time zone' });
    await store.close();
    const dry = await night('modes', state, ['--dry-run']);
    expect(dry.report.records.read).toBe(3);
    expect(dry.report.watermark).toMatchObject({ from: seeded, to: await markOf('modes', 5), saved: false });
    const only = await night('modes', state, ['--only', PROVIDER]);
    expect(only.report.records.read).toBe(3);
    expect(only.report.watermark).toMatchObject({ from: seeded, saved: false });
    expect(watermarkRows(state).map((row) => row.value)).toEqual([seeded]);
    const full = await night('modes', state, ['--full']);
    expect(full.report.records.read).toBe(5);
    expect(full.report.watermark).toMatchObject({ from: null, to: await markOf('modes', 5), saved: true });
  });

  it('warns of rows whose column is NULL, which no watermark selects', async () => {
    await fillTable('nulls', 4);
    await sql(`UPDATE nulls SET updated_at = NULL WHERE id IN ('nulls-1', 'nulls-2')`);
    const state = join(work.dir, 'nulls.db');
    const first = await night('nulls', state);
    expect(first.report.records.read).toBe(4);
    expect(first.report.watermark).toMatchObject({ to: await markOf('nulls', 4), nullRows: 2 });
    expect(first.stderr).toContain('--since-last-run \\"updated_at\\": 2 rows have NULL in that column');
    const second = await night('nulls', state);
    expect(second.report.records.read).toBe(1);
    expect(second.report.watermark).toMatchObject({ nullRows: 2 });
  });

  it('advances the watermark with --queue: the workers\' results come back to the coordinator', async () => {
    await requireRedis();
    await fillTable('queued', 5);
    const namespace = uniqueNamespace();
    const queueDir = join(work.dir, 'queue');
    (await import('node:fs')).mkdirSync(queueDir);
    const queueConfig = writeConfig(queueDir, { providers: { yativo: { baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token } }, redis: REDIS_URL });
    const shared = new SharedLimits(REDIS_URL, namespace);
    const engine = new SyncEngine([yativo({ baseUrl: sandbox.urls.yativo, token: sandbox.credentials.yativo.token })], new MemoryStateStore(), { retries: 2, minDelayMs: 5 }, { shared });
    const worker = new PushWorker({ redis: REDIS_URL, namespace, engine, concurrency: 4 });
    await worker.start();
    const run = async (): Promise<SyncReport> => {
      const result = await cli(['sync', '--queue', '--config', queueConfig, '--input', urlWithPassword(), '--table', 'queued', '--since-last-run', 'updated_at', '--json'], {
        cwd: queueDir,
        env: { [NAMESPACE_ENV]: namespace },
      });
      expectNoSecret(result.stdout, result.stderr);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as SyncReport;
    };
    try {
      const first = await run();
      expect(first.providers.yativo).toMatchObject({ created: 5 });
      expect(first.watermark).toMatchObject({ from: null, to: await markOf('queued', 5), saved: true });
      await touch('queued', 2, 'changed2@example.com');
      const second = await run();
      expect(second.records.read).toBe(2);
      expect(second.providers.yativo).toMatchObject({ updated: 1, unchanged: 1 });
      expect(second.watermark).toMatchObject({ from: await markOf('queued', 5), to: await markOf('queued', 2), saved: true });
    } finally {
      await worker.close();
      await cleanNamespace(namespace);
    }
  });

  it('gives each row its mark as PostgreSQL prints it, while a field of the same type is parsed as without one', async () => {
    await fillTable('typed', 3);
    const query = `SELECT id, email, updated_at AS "updatedAt", updated_at FROM typed`;
    const opened = await openSinceLastRun({ input: urlWithPassword(), query, env: {}, column: 'updated_at' });
    expect(opened.key).toEqual({ input: keyOf('typed').input, source: sourceHash({ query }), column: 'updated_at' });
    expect(opened.reader.type).toBe('timestamp with time zone');
    try {
      await opened.reader.start({ value: await markOf('typed', 2), type: 'timestamp with time zone' });
      const items: Array<{ mark?: unknown; bytes: Buffer; parse(): { value: unknown } }> = [];
      for await (const batch of opened.source.batches) items.push(...(batch as unknown as typeof items));
      expect(items.map((item) => item.mark)).toEqual([await markOf('typed', 2), await markOf('typed', 3)]);
      const iso = new Date((await sql(`SELECT updated_at FROM typed WHERE id = 'typed-2'`)).rows[0].updated_at as Date).toISOString();
      expect(items[0]?.parse().value).toEqual({ id: 'typed-2', email: 'person2@example.com', updatedAt: iso });
      // The raw-row bytes hold the mapped columns only.
      expect(items[0]?.bytes.toString()).toBe(JSON.stringify({ id: 'typed-2', email: 'person2@example.com', updatedAt: iso }));
    } finally {
      await opened.source.close();
    }
  });

  it('stops with exit 2 on an unknown column, or without a postgresql:// input, naming it and no password', async () => {
    await fillTable('errors', 2);
    const unknown = await cli(['sync', '--config', config, '--input', urlWithPassword(), '--table', 'errors', '--since-last-run', 'updatedat'], { cwd: work.dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--since-last-run: unknown column "updatedat"; did you mean "updatedAt"?');
    expectNoSecret(unknown.stdout, unknown.stderr);
    const file = await cli(['sync', '--config', config, '--input', 'customers.ndjson', '--since-last-run', 'updated_at'], { cwd: work.dir });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain('--since-last-run applies only to a postgresql:// input');
    const stdin = await cli(['sync', '--config', config, '--input', '-', '--since-last-run', 'updated_at'], { cwd: work.dir, stdin: '{}' });
    expect(stdin.code).toBe(2);
    expect(stdin.stderr).toContain('--since-last-run applies only to a postgresql:// input (the rows changed since the last run, by a column of theirs), not to standard input');
  });
});

// Issue 11, point 8, PostgreSQL: the state release 6b197ff wrote in PostgreSQL (fixtures/state/release-6b197ff/
// postgres.sql, a pg_dump of it), restored into a fresh schema, opens with the current PostgresStateStore, keeps
// every link, intent and failure, and the current delivery resumes its interrupted creates. SQLite: upgrade.test.ts.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectFixtureKept,
  expectResumed,
  expectResumedState,
  LINKS,
  PG_FIXTURE_SCHEMA,
  PG_INTENT_WRITER,
  PG_UPDATED_AT,
  POSTGRES_SQL,
  resumeFixture,
} from '../../fixtures/state/release-6b197ff/expected.js';
import { describeTarget } from '../../src/state/postgres-connection.js';
import { PostgresStateStore } from '../../src/state/postgres-store.js';

/*
 * These tests need a real PostgreSQL; they fail (never skip) without one. Each restores the fixture into a schema of
 * its own, `cs_test_<random>_upgrade_<n>`, dropped at the end, so two runs (or two checkouts) can share the server.
 */
const URL = process.env.CUSTOMER_SYNC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const PREFIX = `cs_test_${randomBytes(6).toString('hex')}_upgrade`;

let admin: pg.Pool;
const schemas: string[] = [];

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: URL, max: 2, connectionTimeoutMillis: 5_000 });
  admin.on('error', () => {});
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    await admin.end();
    const where = describeTarget(URL).where;
    throw new Error(
      `These tests need PostgreSQL at ${where} (by default 127.0.0.1:5432, database test, user postgres, trust auth; ` +
        `CUSTOMER_SYNC_TEST_PG=postgres://… for another) and cannot reach it: ${(error as Error).message || String(error)}. ` +
        'Start the local server with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
      { cause: error },
    );
  }
});

afterAll(async () => {
  if (admin === undefined || admin.ended) return;
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await admin.end();
});

/**
 * The dump restored into a new schema, as `psql -f` would restore it: psql's own meta-commands (pg_dump's
 * `\restrict` / `\unrestrict` lines) are dropped, and the schema is renamed. On a connection of its own, because the
 * dump empties `search_path` for the session.
 */
async function restoreFixture(): Promise<string> {
  const schema = `${PREFIX}_${schemas.length + 1}`;
  schemas.push(schema);
  const dump = readFileSync(POSTGRES_SQL, 'utf8');
  const sql = dump
    .split('\n')
    .filter((line) => !line.startsWith('\\'))
    .join('\n')
    .replaceAll(new RegExp(`\\b${PG_FIXTURE_SCHEMA}\\b`, 'g'), schema);
  expect(sql).not.toContain(PG_FIXTURE_SCHEMA);
  const client = new pg.Client({ connectionString: URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return schema;
}

async function open(schema: string): Promise<PostgresStateStore> {
  return PostgresStateStore.open(URL, { schema, poolSize: 2, lockPoolSize: 2 });
}

async function withStore<T>(schema: string, use: (store: PostgresStateStore) => Promise<T>): Promise<T> {
  const store = await open(schema);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

/** Everything in the schema, read as text: the meta row, every links row, the indexes. */
async function contents(schema: string) {
  const s = pg.escapeIdentifier(schema);
  const text = async (query: string): Promise<unknown[]> => (await admin.query({ text: query, rowMode: 'array' })).rows;
  return {
    meta: await text(`SELECT id, schema_version, (migrated_at AT TIME ZONE 'UTC')::text FROM ${s}.meta`),
    links: await text(
      `SELECT customer_id, provider, provider_id, payload_hash, last_failure::text, intent::text, intent_writer,
         (updated_at AT TIME ZONE 'UTC')::text || '+00' FROM ${s}.links ORDER BY provider, customer_id`,
    ),
    indexes: await text(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = ${pg.escapeLiteral(schema)} ORDER BY indexname`),
  };
}

const iso = (timestamptz: string): string => new Date(timestamptz.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString();
const PG_UPDATED_AT_ISO = Object.fromEntries(Object.entries(PG_UPDATED_AT).map(([k, v]) => [k, iso(v)]));

describe('a PostgreSQL state written by release 6b197ff', () => {
  it('restores from its dump as the release left it: schema version 2, its twelve links', async () => {
    const schema = await restoreFixture();
    const { meta, links } = await contents(schema);
    expect(meta).toEqual([[true, 2, '2026-12-06 22:09:24.795492']]);
    expect(links).toHaveLength(LINKS.length);
  });

  it('opens with the current PostgresStateStore and keeps every link, intent and failure exactly', async () => {
    const schema = await restoreFixture();
    await withStore(schema, (store) => expectFixtureKept(store, PG_UPDATED_AT_ISO));
    // Under the store: updated_at as the release's server wrote it, and the writer of each intent.
    const { links } = await contents(schema);
    const rows = links as string[][];
    expect(rows.map((row) => [`${row[1]}/${row[0]}`, row[7]])).toEqual(Object.entries(PG_UPDATED_AT).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(rows.filter((row) => row[5] !== null).map((row) => [`${row[1]}/${row[0]}`, row[6]])).toEqual([
      ['fatora/cus_fern', PG_INTENT_WRITER],
      ['invisible-collector/cus_ines', PG_INTENT_WRITER],
      ['yativo/cus_yara', PG_INTENT_WRITER],
    ]);
  });

  it('opens a second time as a no-op: same version, migration time, rows and indexes', async () => {
    const schema = await restoreFixture();
    await (await open(schema)).close();
    const once = await contents(schema);
    await (await open(schema)).close();
    expect(await contents(schema)).toEqual(once);
  });

  it('gets the watermarks table of schema 3 on opening, its links kept', async () => {
    const schema = await restoreFixture();
    const key = { input: 'postgresql://db.internal:5432/crm', source: 'a'.repeat(64), column: 'updated_at' };
    await withStore(schema, async (store) => {
      expect(await store.getWatermark(key)).toBeUndefined();
      await store.setWatermark(key, { value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
      expect(await store.integrityCheck()).toEqual([]);
    });
    const { meta, links } = await contents(schema);
    expect((meta as unknown[][])[0]?.[1]).toBe(3);
    expect(links).toHaveLength(LINKS.length);
    await withStore(schema, async (store) => {
      expect(await store.getWatermark(key)).toEqual({ value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
      await expectFixtureKept(store, PG_UPDATED_AT_ISO);
    });
  });

  it("is resumed by the current delivery, though another worker's store recorded its intents", async () => {
    const schema = await restoreFixture();
    const store = await open(schema);
    // createCustomerSync closes the store it is given; closing it again does nothing, should it not get that far.
    const resumed = await resumeFixture(store).finally(() => store.close());
    expectResumed(resumed);
    await withStore(schema, (store) => expectResumedState(store, resumed));
  });
});

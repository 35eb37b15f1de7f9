import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers.js';
import {
  IntentConflictError,
  LinkBusyError,
  PG_SCHEMA_VERSION,
  PostgresStateError,
  PostgresStateStore,
  type PostgresStoreOptions,
} from '../../src/state/postgres-store.js';
import { createPool, describeTarget } from '../../src/state/postgres-connection.js';
import { advisoryKey } from '../../src/state/postgres-schema.js';
import { linkSql } from '../../src/state/postgres-sql.js';
import { payloadHash } from '../../src/push/hash.js';
import { linkKey } from '../../src/state/sqlite-store.js';
import { describeStateStoreContract, failureFixture, intentFixture } from './contract.js';

/*
 * These tests need a real PostgreSQL; they fail (never skip) without one. Each run works in schemas of its own,
 * `cs_test_<random>`, dropped at the end, so two runs (or two checkouts) can share the server.
 */
const URL = process.env.CUSTOMER_SYNC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `cs_test_${randomBytes(6).toString('hex')}`;
const LINKS = `${pg.escapeIdentifier(SCHEMA)}.links`;

let admin: pg.Pool;
const schemas = new Set<string>([SCHEMA]);
const opened: PostgresStateStore[] = [];
let extra = 0;

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: URL, max: 4, connectionTimeoutMillis: 5_000 });
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
  await (await PostgresStateStore.open(URL, { schema: SCHEMA })).close();
});

afterAll(async () => {
  if (admin === undefined || admin.ended) return;
  for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
  await admin.end();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

/** A store on the file's schema, emptied first; closed after the test. */
async function open(options: PostgresStoreOptions = {}): Promise<PostgresStateStore> {
  const store = await PostgresStateStore.open(URL, { schema: SCHEMA, ...options });
  opened.push(store);
  return store;
}

/** A schema name of its own for a test that needs one, dropped at the end of the file. */
function freshSchema(suffix = ''): string {
  const schema = `${SCHEMA}_${++extra}${suffix}`;
  schemas.add(schema);
  return schema;
}

async function sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  return (await admin.query<R>(text, values)).rows;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** pg_locks rows of the advisory lock `withLock` takes for this link (a bigint key is split in two oids). */
async function lockHolders(schema: string, customerId: string, provider: ProviderId) {
  const key = BigInt.asUintN(64, BigInt(advisoryKey('customer-sync link', schema, provider, customerId)));
  return sql<{ pid: number; granted: boolean }>(
    `SELECT pid, granted FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::bigint::oid
       AND objid = $2::bigint::oid AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    [String(key >> 32n), String(key & 0xffff_ffffn)],
  );
}

/** The error `promise` rejects with; fails the test when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => expect.unreachable('expected a rejection'),
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describeStateStoreContract('PostgresStateStore', async () => {
  await admin.query(`TRUNCATE ${LINKS}`);
  return PostgresStateStore.open(URL, { schema: SCHEMA });
});

describe('PostgresStateStore', () => {
  beforeEach(async () => {
    await admin.query(`TRUNCATE ${LINKS}`);
  });

  describe('schema', () => {
    it('creates a missing schema at the current version and keeps everything across close and reopen', async () => {
      const schema = freshSchema();
      let store = await PostgresStateStore.open(URL, { schema });
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordSuccess('cus_2', 'fatora', { providerId: 'F-2', payloadHash: 'h2' });
      await store.recordFailure('cus_3', 'bluetape', failureFixture(), 'keep');
      await store.close();
      expect(await sql(`SELECT schema_version FROM ${pg.escapeIdentifier(schema)}.meta`)).toEqual([
        { schema_version: PG_SCHEMA_VERSION },
      ]);

      store = await PostgresStateStore.open(URL, { schema });
      opened.push(store);
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
      expect(await store.get('cus_2', 'fatora')).toEqual({ providerId: 'F-2', payloadHash: 'h2' });
      expect(await store.get('cus_3', 'bluetape')).toEqual({ lastFailure: failureFixture() });
    });

    it('lets workers open a new schema together', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(Array.from({ length: 6 }, () => PostgresStateStore.open(URL, { schema })));
      opened.push(...stores);
      await stores[0]?.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h' });
      expect(await stores[5]?.get('cus_1', 'fatora')).toEqual({ providerId: 'F-1', payloadHash: 'h' });
    });

    it('keeps a schema name with capitals, spaces and quotes as given', async () => {
      const schema = freshSchema(' Odd "Name"');
      opened.push(await PostgresStateStore.open(URL, { schema }));
      expect(await sql('SELECT 1 AS found FROM pg_namespace WHERE nspname = $1', [schema])).toEqual([{ found: 1 }]);
    });

    it('refuses a schema written by a newer customer-sync, naming schema, server and both versions', async () => {
      const schema = freshSchema();
      await (await PostgresStateStore.open(URL, { schema })).close();
      await admin.query(`UPDATE ${pg.escapeIdentifier(schema)}.meta SET schema_version = $1`, [PG_SCHEMA_VERSION + 1]);
      const opening = PostgresStateStore.open(URL, { schema });
      await expect(opening).rejects.toThrow(PostgresStateError);
      await expect(opening).rejects.toThrow(
        `schema ${schema} at 127.0.0.1:5432/test has schema version ${PG_SCHEMA_VERSION + 1}, newer than this customer-sync reads (${PG_SCHEMA_VERSION})`,
      );
    });

    it('refuses a schema whose links table another program made', async () => {
      const schema = freshSchema();
      await admin.query(`CREATE SCHEMA ${pg.escapeIdentifier(schema)}`);
      await admin.query(`CREATE TABLE ${pg.escapeIdentifier(schema)}.links (id integer)`);
      await expect(PostgresStateStore.open(URL, { schema })).rejects.toThrow(`schema ${schema} at 127.0.0.1:5432/test has a links table that customer-sync did not make`);
    });

    it('refuses a schema name PostgreSQL would cut short', async () => {
      await expect(PostgresStateStore.open(URL, { schema: 'x'.repeat(64) })).rejects.toThrow(PostgresStateError);
      await expect(PostgresStateStore.open(URL, { schema: '' })).rejects.toThrow('is not usable');
    });

    it('keeps \\u0000 and lone surrogates in intents and failures (jsonb would refuse them)', async () => {
      const store = await open();
      const base = intentFixture();
      const intent = intentFixture({ request: { ...base.request, body: { notes: 'a\u0000b', odd: '\ud800' } } });
      const failure = failureFixture({ message: 'provider said \u0000' });
      await store.recordIntent('cus_1', 'yativo', intent);
      await store.recordFailure('cus_1', 'yativo', failure, 'unknown');
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent: { ...intent, status: 'unknown_outcome' }, lastFailure: failure });
    });
  });

  describe('migration to schema 2', () => {
    // Schema 1 as it shipped, written out here on purpose: the test starts from what an older customer-sync left.
    async function schemaV1(schema: string): Promise<string> {
      const s = pg.escapeIdentifier(schema);
      await admin.query(`CREATE SCHEMA ${s}`);
      await admin.query(`CREATE TABLE ${s}.meta (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        schema_version integer NOT NULL,
        migrated_at timestamptz NOT NULL DEFAULT now())`);
      await admin.query(`INSERT INTO ${s}.meta (schema_version) VALUES (1)`);
      await admin.query(`
        CREATE TABLE ${s}.links (
          customer_id   text COLLATE "C" NOT NULL,
          provider      text COLLATE "C" NOT NULL,
          provider_id   text,
          payload_hash  text,
          last_failure  json CHECK (last_failure IS NULL OR json_typeof(last_failure) = 'object'),
          intent        json CHECK (intent IS NULL OR json_typeof(intent) = 'object'),
          intent_writer text,
          updated_at    timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (customer_id, provider)
        );
        CREATE INDEX links_attention ON ${s}.links (provider, customer_id)
          WHERE intent IS NOT NULL OR last_failure IS NOT NULL;`);
      return `${s}.links`;
    }

    const EMAIL = 'zoe.obrien@example.com';
    const updateBody = (i: number) => ({ customer_email: EMAIL, notes: `a\u0000b ${i}`, odd: '\ud800', nested: { n: [i, 2.5] } });
    const oldIntent = (i: number, status = 'pending') => ({
      idempotencyKey: `key-${i}`,
      request: { method: 'POST', path: '/customer', body: { ...updateBody(i), document: `P${i}` }, retrySafe: false },
      updateBody: updateBody(i),
      createdAt: '2026-01-01T00:00:00.000Z',
      status,
    });
    const FAILURE = { kind: 'unknown_outcome', message: 'socket hang up', at: '2026-01-01T00:00:01.000Z' };

    it('rewrites every intent: the update body becomes its hash, the create body goes but at Yativo', async () => {
      const schema = freshSchema();
      const links = await schemaV1(schema);
      const insert = `INSERT INTO ${links} (customer_id, provider, provider_id, payload_hash, last_failure, intent, intent_writer, updated_at)
        VALUES ($1, $2, $3, $4, $5::json, $6::json, $7, '2026-01-01T00:00:02Z')`;
      await admin.query(insert, ['cus_y', 'yativo', null, null, null, JSON.stringify(oldIntent(1)), 'w-1']);
      await admin.query(insert, ['cus_f', 'fatora', null, null, JSON.stringify(FAILURE), JSON.stringify(oldIntent(2, 'unknown_outcome')), 'w-2']);
      await admin.query(insert, ['cus_b', 'bluetape', 'B-1', 'h-b', null, null, null]);
      // Beyond a page of the migration (500 rows): keyless intents, every one to rewrite.
      await admin.query(
        `INSERT INTO ${links} (customer_id, provider, intent)
         SELECT 'cus_' || lpad(i::text, 4, '0'), 'invisible-collector', $1::json FROM generate_series(1, 1200) AS i`,
        [JSON.stringify(oldIntent(3))],
      );

      const store = await PostgresStateStore.open(URL, { schema });
      opened.push(store);
      expect(await sql(`SELECT schema_version FROM ${pg.escapeIdentifier(schema)}.meta`)).toEqual([{ schema_version: PG_SCHEMA_VERSION }]);
      expect(await store.get('cus_y', 'yativo')).toEqual({
        intent: {
          idempotencyKey: 'key-1',
          request: { method: 'POST', path: '/customer', body: { ...updateBody(1), document: 'P1' }, retrySafe: false },
          updateHash: payloadHash(undefined, updateBody(1)),
          createdAt: '2026-01-01T00:00:00.000Z',
          status: 'pending',
        },
      });
      expect(await store.get('cus_f', 'fatora')).toEqual({
        lastFailure: FAILURE,
        intent: {
          idempotencyKey: 'key-2',
          request: { method: 'POST', path: '/customer', retrySafe: false },
          updateHash: payloadHash(undefined, updateBody(2)),
          createdAt: '2026-01-01T00:00:00.000Z',
          status: 'unknown_outcome',
        },
      });
      expect((await store.get('cus_1200', 'invisible-collector'))?.intent).toEqual({
        idempotencyKey: 'key-3',
        request: { method: 'POST', path: '/customer', retrySafe: false },
        updateHash: payloadHash(undefined, updateBody(3)),
        createdAt: '2026-01-01T00:00:00.000Z',
        status: 'pending',
      });
      expect(await store.get('cus_b', 'bluetape')).toEqual({ providerId: 'B-1', payloadHash: 'h-b' });
      expect(await store.customersLinkedTo('bluetape', 'B-1')).toEqual(['cus_b']);
      expect(await store.integrityCheck()).toEqual([]);
      // The personal data left the table but for Yativo's create body; writers and dates are as they were.
      expect(await sql(`SELECT provider, count(*)::int AS n FROM ${links} WHERE intent::text LIKE $1 GROUP BY provider`, [`%${EMAIL}%`])).toEqual([
        { provider: 'yativo', n: 1 },
      ]);
      expect(await sql(`SELECT count(*)::int AS n FROM ${links} WHERE intent::text LIKE '%updateBody%'`)).toEqual([{ n: 0 }]);
      expect(await sql(`SELECT customer_id, intent_writer FROM ${links} WHERE intent_writer IS NOT NULL ORDER BY customer_id`)).toEqual([
        { customer_id: 'cus_f', intent_writer: 'w-2' },
        { customer_id: 'cus_y', intent_writer: 'w-1' },
      ]);
      expect(await sql(`SELECT DISTINCT updated_at FROM ${links} WHERE customer_id IN ('cus_y', 'cus_f', 'cus_b')`)).toEqual([
        { updated_at: new Date('2026-01-01T00:00:02Z') },
      ]);
    });

    it('leaves the schema at version 1, old intents and all, when the migration fails', async () => {
      const schema = freshSchema();
      const links = await schemaV1(schema);
      await admin.query(`INSERT INTO ${links} (customer_id, provider, intent) VALUES ('cus_f', 'fatora', $1::json)`, [JSON.stringify(oldIntent(2))]);
      await admin.query(`CREATE INDEX links_provider_id ON ${links} (provider_id)`);
      await expect(PostgresStateStore.open(URL, { schema })).rejects.toThrow(PostgresStateError);
      expect(await sql(`SELECT schema_version FROM ${pg.escapeIdentifier(schema)}.meta`)).toEqual([{ schema_version: 1 }]);
      expect(await sql(`SELECT intent FROM ${links}`)).toEqual([{ intent: oldIntent(2) }]);
    });

    it('the integrity check refuses an intent of the old shape, and a create body kept where no key needs it', async () => {
      const store = await open();
      const { updateBody: _body, ...rest } = oldIntent(2);
      await admin.query(`INSERT INTO ${LINKS} (customer_id, provider, intent) VALUES ('cus_old', 'yativo', $1::json), ('cus_body', 'fatora', $2::json)`, [
        JSON.stringify(oldIntent(1)),
        JSON.stringify({ ...rest, updateHash: payloadHash(undefined, updateBody(2)) }),
      ]);
      const problems = await store.integrityCheck();
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^link \("cus_old", yativo\): intent\.updateHash /),
          expect.stringMatching(/^link \("cus_old", yativo\): intent\.\(root\) .*updateBody/),
          'link ("cus_body", fatora): intent.request.body is kept, but only the create intents of providers taking an idempotency key keep their body',
        ]),
      );
      expect(problems).toHaveLength(3);
    });

    it('looks links up by provider id through the index made for it', async () => {
      const client = await admin.connect();
      try {
        await client.query('BEGIN');
        await client.query('SET LOCAL enable_seqscan = off');
        const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${linkSql(pg.escapeIdentifier(SCHEMA)).linkedTo}`, ['fatora', 'F-1']);
        expect(plan.rows.map((row) => row['QUERY PLAN']).join('\n')).toMatch(/Index (Only )?Scan using links_provider_id/);
      } finally {
        await client.query('ROLLBACK');
        client.release();
      }
    });

    it('reports the index when it is missing', async () => {
      const store = await open();
      await admin.query(`DROP INDEX ${pg.escapeIdentifier(SCHEMA)}.links_provider_id`);
      try {
        expect(await store.integrityCheck()).toEqual(['index links_provider_id is missing']);
      } finally {
        await admin.query(`CREATE INDEX links_provider_id ON ${LINKS} (provider, provider_id) WHERE provider_id IS NOT NULL`);
      }
    });
  });

  describe('connection', () => {
    it('names the server, never the password, when it cannot connect', async () => {
      const opening = PostgresStateStore.open('postgres://postgres:s3cret-pw@127.0.0.1:1/test', { connectTimeoutMs: 3_000 });
      await expect(opening).rejects.toThrow(PostgresStateError);
      const error = await rejection(opening);
      expect(error.message).toMatch(/^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/test: /);
      expect(error).toMatchObject({ where: '127.0.0.1:1/test' });
      expect(`${error.message} ${error.stack ?? ''}`).not.toContain('s3cret');
    });

    it('names the server and the database that does not exist', async () => {
      const url = new globalThis.URL(URL);
      url.pathname = '/no_such_database_cs';
      await expect(PostgresStateStore.open(url.toString())).rejects.toThrow(
        /^cannot connect to PostgreSQL at 127\.0\.0\.1:5432\/no_such_database_cs: .*no_such_database_cs/,
      );
    });

    it('refuses what is not a postgres:// URL without repeating it', async () => {
      await expect(PostgresStateStore.open('mysql://root:pw@db/x')).rejects.toThrow('must start with postgres:// or postgresql://');
      const error = await rejection(PostgresStateStore.open('postgres://user:hunter22@[bad'));
      expect(error).toBeInstanceOf(PostgresStateError);
      expect(error.message).not.toContain('hunter22');
    });

    it('turns synchronous_commit back on for its connections when the server has it off, keeping a stricter one', async () => {
      const cases = [
        ['off', 'local'],
        ['on', 'on'],
        ['remote_apply', 'remote_apply'],
      ] as const;
      for (const [given, expected] of cases) {
        const url = new globalThis.URL(URL);
        url.searchParams.set('options', `-c synchronous_commit=${given}`);
        const pool = createPool(url.toString(), { max: 1, connectTimeoutMs: 5_000, applicationName: 'customer-sync test' });
        try {
          expect((await pool.query('SHOW synchronous_commit')).rows).toEqual([{ synchronous_commit: expected }]);
        } finally {
          await pool.end();
        }
      }
    });

    it('says it is closed when used after close', async () => {
      const store = await open();
      await store.close();
      await expect(store.get('cus_1', 'fatora')).rejects.toThrow(`state store 127.0.0.1:5432/test (schema ${SCHEMA}) is closed`);
      await expect(store.attention()).rejects.toThrow('closed');
      await expect(store.withLock('cus_1', 'fatora', async () => 1)).rejects.toThrow('closed');
    });
  });

  describe('intents across workers', () => {
    it('two workers racing claimIntent: exactly one intent wins, for every link', async () => {
      const [a, b] = [await open(), await open()];
      const ids = Array.from({ length: 40 }, (_, i) => `cus_${i}`);
      const results = await Promise.all(
        ids.map((id) =>
          Promise.all([
            a.claimIntent(id, 'fatora', intentFixture({ idempotencyKey: `a-${id}` }, 'fatora')),
            b.claimIntent(id, 'fatora', intentFixture({ idempotencyKey: `b-${id}` }, 'fatora')),
          ]),
        ),
      );
      for (const [i, [fromA, fromB]] of results.entries()) {
        const id = ids[i] ?? '';
        expect(fromA).toEqual(fromB);
        expect([`a-${id}`, `b-${id}`]).toContain(fromA.idempotencyKey);
        expect((await a.get(id, 'fatora'))?.intent).toEqual(fromA);
      }
    });

    it('claimIntent keeps any intent already there, pending or unknown_outcome, its own too', async () => {
      const store = await open();
      const first = intentFixture({ idempotencyKey: 'first' }, 'fatora');
      expect(await store.claimIntent('cus_1', 'fatora', first)).toEqual(first);
      expect(await store.claimIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'second' }, 'fatora'))).toEqual(first);
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      expect(await store.claimIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'third' }, 'fatora'))).toEqual({
        ...first,
        status: 'unknown_outcome',
      });
    });

    it('claimIntent keeps what else the link knows', async () => {
      const store = await open();
      await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h' });
      await store.recordFailure('cus_1', 'fatora', failureFixture(), 'keep');
      await store.claimIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      expect(await store.get('cus_1', 'fatora')).toEqual({
        providerId: 'F-1',
        payloadHash: 'h',
        lastFailure: failureFixture(),
        intent: intentFixture({}, 'fatora'),
      });
    });

    it('recordIntent replaces its own intent but throws IntentConflictError on another worker’s', async () => {
      const [a, b] = [await open(), await open()];
      await a.recordIntent('cus_1', 'yativo', intentFixture({ idempotencyKey: 'a-1' }));
      await a.recordIntent('cus_1', 'yativo', intentFixture({ idempotencyKey: 'a-2' }));
      const refused = b.recordIntent('cus_1', 'yativo', intentFixture({ idempotencyKey: 'b-1' }));
      await expect(refused).rejects.toThrow(IntentConflictError);
      await expect(refused).rejects.toMatchObject({
        customerId: 'cus_1',
        provider: 'yativo',
        existing: intentFixture({ idempotencyKey: 'a-2' }),
      });
      expect((await b.get('cus_1', 'yativo'))?.intent?.idempotencyKey).toBe('a-2');
    });

    it('two workers racing recordIntent: one records, the other is told which intent won', async () => {
      const [a, b] = [await open(), await open()];
      for (let i = 0; i < 20; i++) {
        const id = `cus_${i}`;
        const settled = await Promise.allSettled([
          a.recordIntent(id, 'fatora', intentFixture({ idempotencyKey: `a-${id}` }, 'fatora')),
          b.recordIntent(id, 'fatora', intentFixture({ idempotencyKey: `b-${id}` }, 'fatora')),
        ]);
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        expect(lost).toHaveLength(1);
        expect(lost[0]?.reason).toBeInstanceOf(IntentConflictError);
        expect((lost[0]?.reason as IntentConflictError).existing).toEqual((await a.get(id, 'fatora'))?.intent);
      }
    });

    it('any worker may record an intent once the last one was settled', async () => {
      const [a, b] = [await open(), await open()];
      await a.recordIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'a-1' }, 'fatora'));
      await a.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'rejected', status: 422 }), 'clear');
      await b.recordIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'b-1' }, 'fatora'));
      await b.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h' });
      await a.recordIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'a-2' }, 'fatora'));
      await a.resolve('cus_1', 'fatora', { allowCreate: true });
      expect(await b.claimIntent('cus_1', 'fatora', intentFixture({ idempotencyKey: 'b-2' }, 'fatora'))).toMatchObject({ idempotencyKey: 'b-2' });
    });
  });

  describe('withLock', () => {
    it('serializes two workers on the same link', async () => {
      const [a, b] = [await open(), await open()];
      const events: string[] = [];
      const gate = deferred();
      const first = a.withLock('cus_1', 'fatora', async () => {
        events.push('a in');
        await gate.promise;
        events.push('a out');
        return 'a';
      });
      await until('a to hold the lock', async () => events.includes('a in'));
      const second = b.withLock('cus_1', 'fatora', async () => {
        events.push('b in');
        return 'b';
      });
      await until('b to wait for the lock', async () => (await lockHolders(SCHEMA, 'cus_1', 'fatora')).some((l) => !l.granted));
      expect(events).toEqual(['a in']);
      gate.resolve();
      expect(await Promise.all([first, second])).toEqual(['a', 'b']);
      expect(events).toEqual(['a in', 'a out', 'b in']);
      expect(await lockHolders(SCHEMA, 'cus_1', 'fatora')).toEqual([]);
    });

    it('serializes concurrent deliveries of one process too', async () => {
      const store = await open();
      let inside = 0;
      let most = 0;
      await Promise.all(
        Array.from({ length: 8 }, () =>
          store.withLock('cus_1', 'yativo', async () => {
            most = Math.max(most, ++inside);
            await new Promise((resolve) => setTimeout(resolve, 5));
            inside--;
          }),
        ),
      );
      expect(most).toBe(1);
    });

    it('does not hold up another customer, nor the same customer at another provider', async () => {
      const [a, b] = [await open(), await open()];
      const gate = deferred();
      const held = a.withLock('cus_1', 'fatora', () => gate.promise);
      await until('a to hold the lock', async () => (await lockHolders(SCHEMA, 'cus_1', 'fatora')).length === 1);
      expect(await b.withLock('cus_2', 'fatora', async () => 'other customer', { timeoutMs: 0 })).toBe('other customer');
      expect(await b.withLock('cus_1', 'yativo', async () => 'other provider', { timeoutMs: 0 })).toBe('other provider');
      gate.resolve();
      await held;
    });

    it('gives up with LinkBusyError: at once with timeoutMs 0, after timeoutMs otherwise', async () => {
      const [a, b] = [await open(), await open()];
      const gate = deferred();
      const held = a.withLock('cus_1', 'fatora', () => gate.promise);
      await until('a to hold the lock', async () => (await lockHolders(SCHEMA, 'cus_1', 'fatora')).length === 1);
      let ran = false;
      const run = async (): Promise<void> => {
        ran = true;
      };
      await expect(b.withLock('cus_1', 'fatora', run, { timeoutMs: 0 })).rejects.toThrow(LinkBusyError);
      const started = Date.now();
      await expect(b.withLock('cus_1', 'fatora', run, { timeoutMs: 200 })).rejects.toMatchObject({
        name: 'LinkBusyError',
        customerId: 'cus_1',
        provider: 'fatora',
        timeoutMs: 200,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(ran).toBe(false);
      gate.resolve();
      await held;
      await expect(b.withLock('cus_1', 'fatora', run, { timeoutMs: 0 })).resolves.toBeUndefined();
      expect(ran).toBe(true);
    });

    it('releases the lock when fn throws, and passes the error on', async () => {
      const [a, b] = [await open(), await open()];
      await expect(a.withLock('cus_1', 'fatora', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      expect(await b.withLock('cus_1', 'fatora', async () => 'free', { timeoutMs: 0 })).toBe('free');
    });

    it('lets fn use the store, even with one connection in each pool', async () => {
      const store = await open({ poolSize: 1, lockPoolSize: 1 });
      const link = await store.withLock('cus_1', 'yativo', async () => {
        await store.recordIntent('cus_1', 'yativo', intentFixture());
        await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
        return store.get('cus_1', 'yativo');
      });
      expect(link).toEqual({ providerId: 'Y-1', payloadHash: 'h' });
    });

    it('aborts lock.signal when the connection holding the lock is lost, and the lock is free again', async () => {
      const [a, b] = [await open(), await open()];
      const aborted = await a.withLock('cus_1', 'fatora', async ({ signal }) => {
        const [holder] = await lockHolders(SCHEMA, 'cus_1', 'fatora');
        await admin.query('SELECT pg_terminate_backend($1)', [holder?.pid]);
        await until('the signal to abort', async () => signal.aborted);
        return signal.reason as Error;
      });
      expect(aborted.message).toContain('the lock is no longer held');
      expect(await b.withLock('cus_1', 'fatora', async () => 'free', { timeoutMs: 0 })).toBe('free');
      expect(await a.withLock('cus_1', 'fatora', async () => 'again', { timeoutMs: 0 })).toBe('again');
    });

    it('refuses a timeout that is not a whole number of milliseconds', async () => {
      const store = await open();
      await expect(store.withLock('cus_1', 'fatora', async () => 1, { timeoutMs: -1 })).rejects.toThrow(RangeError);
      await expect(store.withLock('cus_1', 'fatora', async () => 1, { timeoutMs: 1.5 })).rejects.toThrow(RangeError);
    });
  });

  describe('getMany', () => {
    it('reads many links at once, under linkKey, leaving out those never recorded', async () => {
      const store = await open();
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
      await store.recordFailure('cus_2', 'fatora', failureFixture(), 'keep');
      const found = await store.getMany([
        { customerId: 'cus_1', provider: 'yativo' },
        { customerId: 'cus_1', provider: 'fatora' },
        { customerId: 'cus_2', provider: 'fatora' },
        { customerId: 'cus_2', provider: 'yativo' },
        { customerId: 'cus_1', provider: 'fatora' },
      ]);
      expect(found).toEqual(
        new Map([
          [linkKey('cus_1', 'yativo'), { intent: intentFixture() }],
          [linkKey('cus_1', 'fatora'), { providerId: 'F-1', payloadHash: 'h1' }],
          [linkKey('cus_2', 'fatora'), { lastFailure: failureFixture() }],
        ]),
      );
    });

    it('answers an empty list with an empty map', async () => {
      expect((await (await open()).getMany([])).size).toBe(0);
    });

    it('takes a batch of 20 000 keys', async () => {
      const store = await open();
      await admin.query(
        `INSERT INTO ${LINKS} (customer_id, provider, provider_id, payload_hash)
         SELECT 'cus_' || i, 'fatora', 'F-' || i, 'h' FROM generate_series(0, 9999, 7) AS i`,
      );
      const providers: ProviderId[] = ['yativo', 'fatora'];
      const keys = Array.from({ length: 10_000 }, (_, i) => providers.map((provider) => ({ customerId: `cus_${i}`, provider }))).flat();
      const found = await store.getMany(keys);
      expect(found.size).toBe(Math.ceil(10_000 / 7));
      expect(found.get(linkKey('cus_7', 'fatora'))).toEqual({ providerId: 'F-7', payloadHash: 'h' });
    });
  });

  describe('attention', () => {
    it('lists pending and unknown intents and failures, by provider then customer (code point order), and nothing clean', async () => {
      const store = await open();
      await store.recordSuccess('clean', 'fatora', { providerId: 'F-0', payloadHash: 'h' });
      await store.recordIntent('pending', 'yativo', intentFixture());
      await store.recordIntent('unknown', 'fatora', intentFixture({}, 'fatora'));
      await store.recordFailure('unknown', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await store.recordFailure('Unknown', 'fatora', failureFixture(), 'keep');
      await store.recordSuccess('failed', 'bluetape', { providerId: 'B-1', payloadHash: 'h' });
      await store.recordFailure('failed', 'bluetape', failureFixture({ kind: 'rejected', status: 422 }), 'keep');

      const records = await store.attention();
      expect(records.map((r) => [r.provider, r.customerId])).toEqual([
        ['bluetape', 'failed'],
        ['fatora', 'Unknown'],
        ['fatora', 'unknown'],
        ['yativo', 'pending'],
      ]);
      expect(records[0]).toMatchObject({ providerId: 'B-1', lastFailure: failureFixture({ kind: 'rejected', status: 422 }) });
      expect(records[0]?.intent).toBeUndefined();
      expect(records[2]?.intent?.status).toBe('unknown_outcome');
      expect(records[3]).toMatchObject({ intent: intentFixture() });
      expect(records[3]?.lastFailure).toBeUndefined();
      for (const record of records) expect(Math.abs(Date.parse(record.updatedAt) - Date.now())).toBeLessThan(60_000);
    });

    it('is empty once every link is settled', async () => {
      const store = await open();
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
      expect(await store.attention()).toEqual([]);
    });
  });

  describe('resolve', () => {
    let store: PostgresStateStore;

    beforeEach(async () => {
      store = await open();
      await store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      await store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
    });

    it('attaches a provider id: intent, failure and payload hash go, so the next run sends an update', async () => {
      await store.recordSuccess('cus_2', 'fatora', { providerId: 'F-old', payloadHash: 'h' });
      await store.recordIntent('cus_2', 'fatora', intentFixture({}, 'fatora'));
      expect(await store.resolve('cus_1', 'fatora', { attachProviderId: 'F-123' })).toBe(true);
      expect(await store.resolve('cus_2', 'fatora', { attachProviderId: 'F-new' })).toBe(true);
      expect(await store.get('cus_1', 'fatora')).toEqual({ providerId: 'F-123' });
      expect(await store.get('cus_2', 'fatora')).toEqual({ providerId: 'F-new' });
      expect(await store.attention()).toEqual([]);
    });

    it('allows a new create: intent and failure go, what else is known stays', async () => {
      await store.recordSuccess('cus_2', 'fatora', { providerId: undefined, payloadHash: 'h' });
      await store.recordIntent('cus_2', 'fatora', intentFixture({}, 'fatora'));
      expect(await store.resolve('cus_1', 'fatora', { allowCreate: true })).toBe(true);
      expect(await store.resolve('cus_2', 'fatora', { allowCreate: true })).toBe(true);
      expect(await store.get('cus_1', 'fatora')).toEqual({});
      expect(await store.get('cus_2', 'fatora')).toEqual({ payloadHash: 'h' });
      expect(await store.attention()).toEqual([]);
    });

    it('says when there was nothing to resolve; attaching still records the id', async () => {
      expect(await store.resolve('nobody', 'fatora', { allowCreate: true })).toBe(false);
      expect(await store.get('nobody', 'fatora')).toBeUndefined();
      expect(await store.resolve('nobody', 'yativo', { attachProviderId: 'Y-9' })).toBe(false);
      expect(await store.get('nobody', 'yativo')).toEqual({ providerId: 'Y-9' });
    });

    it('touches only the link it names', async () => {
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.resolve('cus_1', 'fatora', { allowCreate: true });
      expect(await store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
    });
  });

  describe('integrityCheck', () => {
    it('finds nothing wrong with a state written through the store', async () => {
      const store = await open();
      await store.recordIntent('cus_1', 'yativo', intentFixture());
      await store.recordFailure('cus_1', 'yativo', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await store.recordFailure('cus_2', 'fatora', failureFixture({ status: undefined }), 'clear');
      expect(await store.integrityCheck()).toEqual([]);
    });

    it('reports rows another program broke', async () => {
      const store = await open();
      await store.recordIntent('cus_2', 'yativo', intentFixture());
      await store.recordFailure('cus_3', 'fatora', failureFixture(), 'keep');
      await admin.query(`UPDATE ${LINKS} SET intent = replace(intent::text, '"pending"', '"maybe"')::json WHERE customer_id = 'cus_2'`);
      await admin.query(
        `UPDATE ${LINKS} SET last_failure = replace(last_failure::text, '"transient"', '"oops"')::json WHERE customer_id = 'cus_3'`,
      );
      await admin.query(`INSERT INTO ${LINKS} (customer_id, provider) VALUES ('cus_4', 'Acme Billing!')`);
      const problems = await store.integrityCheck();
      expect(problems).toEqual(
        expect.arrayContaining([
          '1 link(s) whose provider "Acme Billing!" is not a provider id',
          expect.stringMatching(/^link \("cus_2", yativo\): intent\.status /),
          expect.stringMatching(/^link \("cus_3", fatora\): last_failure\.kind /),
        ]),
      );
      expect(problems).toHaveLength(3);
    });

    it('reads every row, a page at a time', async () => {
      const store = await open();
      await store.recordIntent('seed', 'fatora', intentFixture({}, 'fatora'));
      await admin.query(
        `INSERT INTO ${LINKS} (customer_id, provider, intent)
         SELECT 'cus_' || lpad(i::text, 5, '0'), 'fatora', (SELECT intent FROM ${LINKS} WHERE customer_id = 'seed')
         FROM generate_series(1, 2500) AS i`,
      );
      await admin.query(`UPDATE ${LINKS} SET intent = '{"status": "pending"}' WHERE customer_id IN ('cus_00001', 'cus_02500')`);
      const problems = await store.integrityCheck();
      expect(problems.some((p) => p.startsWith('link ("cus_00001", fatora)'))).toBe(true);
      expect(problems.some((p) => p.startsWith('link ("cus_02500", fatora)'))).toBe(true);
    });

    it('reports a schema version it does not expect and a missing primary key', async () => {
      const schema = freshSchema();
      const store = await PostgresStateStore.open(URL, { schema });
      opened.push(store);
      await admin.query(`UPDATE ${pg.escapeIdentifier(schema)}.meta SET schema_version = 7`);
      await admin.query(`ALTER TABLE ${pg.escapeIdentifier(schema)}.links DROP CONSTRAINT links_pkey`);
      expect(await store.integrityCheck()).toEqual([`schema version is 7, expected ${PG_SCHEMA_VERSION}`, 'table links has no primary key']);
    });
  });
});

import { createHash } from 'node:crypto';
import pg from 'pg';
import { minimiseStoredIntent } from './legacy-intents.js';
import { PostgresStateError } from './postgres-errors.js';
import { watermarksTable } from './postgres-watermarks.js';

/** The schema layout this build reads and writes (`meta.schema_version`). */
export const PG_SCHEMA_VERSION = 3;

/** Where the state lives unless `open` is told otherwise. */
export const DEFAULT_SCHEMA = 'customer_sync';

/**
 * Migrations: entry `i` takes a schema from version i to i + 1, given a client inside the migration's transaction
 * and the quoted schema name. Append only; never edit a shipped one. `links` is SQLite's table: one row per (customer, provider), `last_failure` and `intent` as
 * JSON. Differences, on purpose:
 * - ids are `COLLATE "C"`: compared and ordered by code point, as SQLite does (so `attention()` lists in the same
 *   order) and never equal across Unicode normalization or case;
 * - the JSON columns are `json`, not `jsonb`: the text is kept as written, and `jsonb` refuses `\u0000`, which a
 *   provider's error message may well carry;
 * - `intent_writer` names the store instance (worker) that recorded the intent, so `recordIntent` can refuse to
 *   overwrite another worker's intent;
 * - `updated_at` is the server's `timestamptz`, one clock for every worker.
 * The partial index keeps `attention()` cheap on millions of clean rows: its WHERE must match the query's.
 */
const MIGRATIONS: ReadonlyArray<(client: pg.ClientBase, s: string) => Promise<unknown>> = [
  (client, s) =>
    client.query(`
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
      WHERE intent IS NOT NULL OR last_failure IS NOT NULL;`),
  // v2 (SQLite's v3): `customersLinkedTo` looks links up by the provider's id (partial: a link without one is never
  // asked for, and `provider_id = $2` implies the index's WHERE); and every stored intent keeps the least personal
  // data a replay needs (see minimiseLegacyIntent): the update body becomes its hash, the create body goes but where a
  // key needs it. The index is built inside the transaction, not CONCURRENTLY: writes to links wait for it, once.
  async (client, s) => {
    await client.query(`CREATE INDEX links_provider_id ON ${s}.links (provider, provider_id) WHERE provider_id IS NOT NULL`);
    await minimiseIntents(client, s);
  },
  // v3 (SQLite's v5): the watermarks of `sync --since-last-run` (see postgres-watermarks.ts).
  (client, s) => client.query(watermarksTable(s)),
];

/** Rows rewritten per read by the v2 migration. */
const MIGRATION_PAGE = 500;

async function minimiseIntents(client: pg.ClientBase, s: string): Promise<void> {
  // Through the attention index (its WHERE word for word), which holds every row with an intent. The JSON is read
  // as text and parsed here, so \u0000 and lone surrogates (which `json` keeps) come back as they were written.
  const columns = `SELECT customer_id, provider, intent::text AS intent FROM ${s}.links
    WHERE (intent IS NOT NULL OR last_failure IS NOT NULL)`;
  const order = `ORDER BY provider, customer_id LIMIT ${MIGRATION_PAGE}`;
  type Page = { customer_id: string; provider: string; intent: string | null };
  let after: Page | undefined;
  for (;;) {
    const { rows } = after
      ? await client.query<Page>(`${columns} AND (provider, customer_id) > ($1, $2) ${order}`, [after.provider, after.customer_id])
      : await client.query<Page>(`${columns} ${order}`);
    for (const row of rows) {
      const minimised = row.intent === null ? undefined : minimiseStoredIntent(row.provider, row.intent);
      if (minimised === undefined) continue;
      await client.query(`UPDATE ${s}.links SET intent = $3::json WHERE customer_id = $1 AND provider = $2`, [
        row.customer_id,
        row.provider,
        minimised,
      ]);
    }
    after = rows.at(-1);
    if (rows.length < MIGRATION_PAGE) return;
  }
}

/** The schema name quoted for SQL, after checking PostgreSQL would keep it as given (63 bytes at most). */
export function quoteSchema(schema: string, where: string): string {
  if (schema === '' || schema.includes('\u0000') || Buffer.byteLength(schema) > 63) {
    throw new PostgresStateError(where, `schema name ${JSON.stringify(schema)} is not usable: 1 to 63 bytes, no NUL`);
  }
  return pg.escapeIdentifier(schema);
}

/**
 * A signed 64-bit advisory lock key (as a decimal string, for a `bigint` parameter) for `parts`: SHA-256, so keys
 * of different schemas, providers and customers do not collide in practice. Advisory keys are database-wide.
 */
export function advisoryKey(...parts: string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return digest.readBigInt64BE(0).toString();
}

/**
 * Bring `schema` up to `PG_SCHEMA_VERSION`, creating it when missing. A schema already current costs one read and
 * needs no DDL rights; otherwise the migration runs in one transaction under an advisory lock on the schema name,
 * so workers opening a new schema together neither race nor fail. Refuses a schema that holds a `links` table
 * not made by customer-sync, and one written by a newer customer-sync.
 */
export async function migrateSchema(client: pg.PoolClient, schema: string, where: string): Promise<void> {
  const s = quoteSchema(schema, where);
  const current = await readVersion(client, s);
  if (current === PG_SCHEMA_VERSION) return;
  if (current !== undefined && current > PG_SCHEMA_VERSION) throw tooNew(schema, where, current);
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey('customer-sync migrate', schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    let from = await readVersion(client, s);
    if (from === undefined) {
      const links = await client.query(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${s}.links`]);
      if (links.rows[0]?.found === true) {
        throw new PostgresStateError(
          where,
          `schema ${schema} at ${where} has a links table that customer-sync did not make: choose another schema`,
        );
      }
      await client.query(`CREATE TABLE ${s}.meta (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        schema_version integer NOT NULL,
        migrated_at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`INSERT INTO ${s}.meta (schema_version) VALUES (0)`);
      from = 0;
    }
    if (from > PG_SCHEMA_VERSION) throw tooNew(schema, where, from);
    for (let v = from; v < PG_SCHEMA_VERSION; v++) await MIGRATIONS[v]?.(client, s);
    await client.query(`UPDATE ${s}.meta SET schema_version = $1, migrated_at = now()`, [PG_SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** The schema's version, or `undefined` when it has no `meta` table (or does not exist). Safe in a transaction. */
export async function readVersion(client: pg.ClientBase, quotedSchema: string): Promise<number | undefined> {
  const meta = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [`${quotedSchema}.meta`]);
  if (meta.rows[0]?.found !== true) return undefined;
  const result = await client.query<{ schema_version: number }>(`SELECT schema_version FROM ${quotedSchema}.meta`);
  return result.rows[0]?.schema_version ?? 0;
}

function tooNew(schema: string, where: string, version: number): PostgresStateError {
  return new PostgresStateError(
    where,
    `schema ${schema} at ${where} has schema version ${version}, newer than this customer-sync reads ` +
      `(${PG_SCHEMA_VERSION}): upgrade customer-sync`,
  );
}

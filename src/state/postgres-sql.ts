import type { CreateIntent, FailureRecord } from './store.js';

/** A `links` row as `pg` gives it: `json` parsed, `timestamptz` a Date. */
export type Row = {
  customer_id: string;
  provider: string;
  provider_id: string | null;
  payload_hash: string | null;
  last_failure: FailureRecord | null;
  intent: CreateIntent | null;
  updated_at: Date;
};

const COLUMNS = 'customer_id, provider, provider_id, payload_hash, last_failure, intent, updated_at';
const NEEDS_ATTENTION = 'intent IS NOT NULL OR last_failure IS NOT NULL';
const KEY = 'customer_id = $1 AND provider = $2';

/**
 * The statements of PostgresStateStore on the `links` table of schema `s` (quoted). Parameters are `$1` customer
 * id, `$2` provider, unless said otherwise. Every write stamps `updated_at` with the server's clock.
 */
export function linkSql(s: string) {
  const t = `${s}.links`;
  /** Insert an intent, or take the row's intent slot when `canReplace` holds; RETURNING says whether it went in. */
  const insertIntent = (canReplace: string): string =>
    `INSERT INTO ${t} AS l (customer_id, provider, intent, intent_writer) VALUES ($1, $2, $3::json, $4)
     ON CONFLICT (customer_id, provider) DO UPDATE SET
       intent = excluded.intent, intent_writer = excluded.intent_writer, updated_at = now()
     WHERE ${canReplace}
     RETURNING 1`;
  return {
    get: `SELECT ${COLUMNS} FROM ${t} WHERE ${KEY}`,
    getIntent: `SELECT intent FROM ${t} WHERE ${KEY}`,
    /** `$3` intent JSON, `$4` writer: in when the slot is empty. */
    claimIntent: insertIntent('l.intent IS NULL'),
    /** `$3` intent JSON, `$4` writer: in when the slot is empty or holds this writer's intent. */
    recordIntent: insertIntent('l.intent IS NULL OR l.intent_writer = excluded.intent_writer'),
    /** `$3` provider id or null (keep the one known), `$4` payload hash. */
    success: `INSERT INTO ${t} AS l (customer_id, provider, provider_id, payload_hash) VALUES ($1, $2, $3, $4)
      ON CONFLICT (customer_id, provider) DO UPDATE SET
        provider_id = coalesce(excluded.provider_id, l.provider_id), payload_hash = excluded.payload_hash,
        last_failure = NULL, intent = NULL, intent_writer = NULL, updated_at = now()`,
    /** `$3` failure JSON, `$4` what becomes of the intent: `keep`, `clear`, or `replace` it with `$5`. */
    failure: `INSERT INTO ${t} AS l (customer_id, provider, last_failure) VALUES ($1, $2, $3::json)
      ON CONFLICT (customer_id, provider) DO UPDATE SET
        last_failure = excluded.last_failure, updated_at = now(),
        intent = CASE $4::text WHEN 'clear' THEN NULL WHEN 'replace' THEN $5::json ELSE l.intent END,
        intent_writer = CASE $4::text WHEN 'clear' THEN NULL ELSE l.intent_writer END`,
    lockIntent: `SELECT intent FROM ${t} WHERE ${KEY} FOR UPDATE`,
    lockOpen: `SELECT ${NEEDS_ATTENTION} AS open FROM ${t} WHERE ${KEY} FOR UPDATE`,
    /** `$3` the provider's id: the link now points there and sends an update next. */
    attach: `INSERT INTO ${t} AS l (customer_id, provider, provider_id) VALUES ($1, $2, $3)
      ON CONFLICT (customer_id, provider) DO UPDATE SET provider_id = excluded.provider_id,
        payload_hash = NULL, last_failure = NULL, intent = NULL, intent_writer = NULL, updated_at = now()`,
    allowCreate: `UPDATE ${t} SET intent = NULL, intent_writer = NULL, last_failure = NULL, updated_at = now() WHERE ${KEY}`,
    /** `$1` customer ids, `$2` providers, pairwise: one statement, one snapshot. */
    getMany: `SELECT ${COLUMNS} FROM ${t}
      WHERE (customer_id, provider) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    /**
     * `$1` provider, `$2` the provider's id (not the usual key): served by the partial index `links_provider_id`,
     * whose WHERE `provider_id = $2` implies.
     */
    linkedTo: `SELECT customer_id FROM ${t} WHERE provider = $1 AND provider_id = $2 ORDER BY customer_id`,
    /** Word for word the partial index's WHERE, so the index serves it. */
    attention: `SELECT ${COLUMNS} FROM ${t} WHERE ${NEEDS_ATTENTION} ORDER BY provider, customer_id`,
  };
}

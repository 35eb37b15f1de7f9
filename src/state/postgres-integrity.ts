import type pg from 'pg';
import type { z } from 'zod';
import { failureSchema, intentSchemaFor, isProviderIdForm } from './record-shapes.js';
import { PG_SCHEMA_VERSION, readVersion } from './postgres-schema.js';

/** The indexes the migrations make besides the primary key: a missing one leaves a query scanning every row. */
const INDEXES = ['links_attention', 'links_provider_id'];

/** Rows read per round trip when checking JSON shapes. */
const PAGE = 1000;

interface JsonRow {
  customer_id: string;
  provider: string;
  last_failure: unknown;
  intent: unknown;
}

/**
 * Check the state schema `s` (quoted): its version, the table and its indexes (PostgreSQL keeps pages and CHECK
 * constraints sound itself; an index left invalid by a failed build, or dropped, is not), `fsync`, known
 * providers, and intents (a request body only at a provider taking an idempotency key) and failures of the right
 * shape, read a page at a time. One message per problem, empty when all is well.
 */
export async function checkIntegrity(client: pg.ClientBase, s: string): Promise<string[]> {
  const problems: string[] = [];
  const version = await readVersion(client, s);
  if (version !== PG_SCHEMA_VERSION) problems.push(`schema version is ${String(version ?? 'missing')}, expected ${PG_SCHEMA_VERSION}`);
  const table = `${s}.links`;
  const found = await client.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [table]);
  if (found.rows[0]?.found !== true) return [...problems, 'table links is missing'];

  const indexes = await client.query<{ name: string; valid: boolean; primary: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AND i.indisready AS valid, i.indisprimary AS primary
     FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
    [table],
  );
  if (!indexes.rows.some((index) => index.primary)) problems.push('table links has no primary key');
  for (const index of indexes.rows) if (!index.valid) problems.push(`index ${index.name} is invalid: REINDEX it`);
  for (const name of INDEXES) if (!indexes.rows.some((index) => index.name === name)) problems.push(`index ${name} is missing`);
  const fsync = await client.query<{ fsync: string }>(`SELECT current_setting('fsync') AS fsync`);
  if (fsync.rows[0]?.fsync !== 'on') problems.push('fsync is off on the server: a crash may lose recorded intents');

  const providers = await client.query<{ provider: string; n: number }>(
    `SELECT provider, count(*)::int AS n FROM ${table} GROUP BY provider ORDER BY provider`,
  );
  for (const { provider, n } of providers.rows) {
    if (!isProviderIdForm(provider)) problems.push(`${n} link(s) whose provider ${JSON.stringify(provider)} is not a provider id`);
  }

  const columns = `SELECT customer_id, provider, last_failure, intent FROM ${table}
    WHERE (intent IS NOT NULL OR last_failure IS NOT NULL)`;
  const order = `ORDER BY provider, customer_id LIMIT ${PAGE}`;
  let after: JsonRow | undefined;
  for (;;) {
    const page = after
      ? await client.query<JsonRow>(`${columns} AND (provider, customer_id) > ($1, $2) ${order}`, [after.provider, after.customer_id])
      : await client.query<JsonRow>(`${columns} ${order}`);
    for (const row of page.rows) {
      const where = `link (${JSON.stringify(row.customer_id)}, ${row.provider})`;
      if (row.intent !== null) problems.push(...shapeProblems(where, 'intent', row.intent, intentSchemaFor(row.provider)));
      if (row.last_failure !== null) problems.push(...shapeProblems(where, 'last_failure', row.last_failure, failureSchema));
    }
    after = page.rows.at(-1);
    if (page.rows.length < PAGE) return problems;
  }
}

function shapeProblems(where: string, column: string, value: unknown, schema: z.ZodType): string[] {
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${where}: ${column}.${issue.path.join('.') || '(root)'} ${issue.message}`);
}

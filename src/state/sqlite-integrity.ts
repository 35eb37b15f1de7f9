import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { failureSchema, intentSchemaFor, isProviderIdForm } from './record-shapes.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

/**
 * The indexes the migrations make: a missing one leaves a query scanning millions of rows. (`raw_lines` has none
 * since schema 4: a run reads every key at once, and forgets a line by its customer, the primary key.)
 */
const INDEXES = ['links_attention', 'links_provider_id'];

interface JsonRow {
  customer_id: string;
  provider: string;
  last_failure: string | null;
  intent: string | null;
}

/**
 * Prepare, once, a check of the state database: SQLite's `integrity_check` (pages, indexes, CHECK constraints),
 * then this store's invariants — schema version, WAL on a file, its indexes, known providers, ISO `updated_at`, and
 * intents and failures of the right shape (an intent keeps a request body only at a provider taking an idempotency
 * key). A raw line's key of 16 bytes is a CHECK of `raw_lines`, which `integrity_check` verifies. The check returns
 * one message per problem, empty when all is well.
 */
export function prepareIntegrityCheck(db: Database.Database): () => string[] {
  const providers = db.prepare<[], { provider: string; n: number }>(
    `SELECT provider, count(*) AS n FROM links GROUP BY provider`,
  );
  const badDates = db
    .prepare<[], number>(
      `SELECT count(*) FROM links WHERE updated_at NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*'`,
    )
    .pluck();
  const indexes = db.prepare<[], string>(`SELECT name FROM sqlite_schema WHERE type = 'index'`).pluck();
  const withJson = db.prepare<[], JsonRow>(
    `SELECT customer_id, provider, last_failure, intent FROM links
     WHERE intent IS NOT NULL OR last_failure IS NOT NULL ORDER BY provider, customer_id`,
  );

  return () => {
    const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((row) => row.integrity_check)
      .filter((message) => message !== 'ok');
    const version = db.pragma('user_version', { simple: true });
    if (version !== SCHEMA_VERSION) problems.push(`schema version is ${String(version)}, expected ${SCHEMA_VERSION}`);
    const mode = db.pragma('journal_mode', { simple: true });
    if (!db.memory && mode !== 'wal') problems.push(`journal mode is ${String(mode)}, expected wal`);
    const present = new Set(indexes.all());
    for (const index of INDEXES) if (!present.has(index)) problems.push(`index ${index} is missing`);
    for (const { provider, n } of providers.all()) {
      if (!isProviderIdForm(provider)) problems.push(`${n} link(s) whose provider ${JSON.stringify(provider)} is not a provider id`);
    }
    const dates = badDates.get() ?? 0;
    if (dates > 0) problems.push(`${dates} link(s) with an updated_at that is not an ISO date`);
    for (const row of withJson.iterate()) {
      const where = `link (${JSON.stringify(row.customer_id)}, ${row.provider})`;
      if (row.intent !== null) problems.push(...shapeProblems(where, 'intent', row.intent, intentSchemaFor(row.provider)));
      if (row.last_failure !== null) problems.push(...shapeProblems(where, 'last_failure', row.last_failure, failureSchema));
    }
    return problems;
  };
}

function shapeProblems(where: string, column: string, json: string, schema: z.ZodType): string[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return [`${where}: ${column} is not valid JSON`];
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${where}: ${column}.${issue.path.join('.') || '(root)'} ${issue.message}`);
}

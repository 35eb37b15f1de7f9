import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** The schema this build reads and writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 2;

/** How long a write waits for another process holding the database lock before it fails. */
export const BUSY_TIMEOUT_MS = 15_000;

/**
 * Migrations: entry `i` takes a database from `user_version` i to i + 1. Append only; never edit a shipped one.
 * `links` holds one row per (customer, provider); `last_failure` and `intent` are JSON (`FailureRecord`,
 * `CreateIntent`). The partial index keeps `attention()` cheap on a state of millions of clean rows: it holds
 * only the rows that carry an intent or a failure, and its WHERE clause must match the query's word for word.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE links (
     customer_id  TEXT NOT NULL,
     provider     TEXT NOT NULL,
     provider_id  TEXT,
     payload_hash TEXT,
     last_failure TEXT CHECK (last_failure IS NULL OR json_valid(last_failure)),
     intent       TEXT CHECK (intent IS NULL OR json_valid(intent)),
     updated_at   TEXT NOT NULL,
     PRIMARY KEY (customer_id, provider)
   );
   CREATE INDEX links_attention ON links (provider, customer_id)
     WHERE intent IS NOT NULL OR last_failure IS NOT NULL;`,
  // v2: per customer, the hash of the last input line every provider confirmed: an identical line next night is
  // skipped without being parsed (see RawLineStore). Looked up by hash, in batches.
  `CREATE TABLE raw_lines (
     customer_id TEXT PRIMARY KEY,
     raw_hash    TEXT NOT NULL
   );
   CREATE INDEX raw_lines_hash ON raw_lines (raw_hash);`,
];

/** The state file cannot be used: not a database, another program's database, or a newer schema. */
export class StateFileError extends Error {
  override name = 'StateFileError';

  constructor(
    readonly path: string,
    message: string,
    options?: { cause: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Open (creating it and its directory when missing) a state database in WAL mode with `synchronous = NORMAL`,
 * migrated to `SCHEMA_VERSION`. Every failure is a `StateFileError` naming the path.
 */
export function openStateDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:' && path !== '') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw new StateFileError(path, `cannot open state file ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, path);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StateFileError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StateFileError(path, `state file ${path} is not a SQLite database (${messageOf(error)})`, {
        cause: error,
      });
    }
    throw new StateFileError(path, `cannot open state file ${path}: ${messageOf(error)}`, { cause: error });
  }
}

/** Bring the schema up to date inside one write transaction, so two processes opening a new file do not race. */
function migrate(db: Database.Database, path: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
  if (version() === SCHEMA_VERSION) return;
  db.transaction(() => {
    const from = version();
    if (from > SCHEMA_VERSION) {
      throw new StateFileError(
        path,
        `state file ${path} has schema version ${from}, newer than this customer-sync reads (${SCHEMA_VERSION}): upgrade customer-sync`,
      );
    }
    if (from === 0) {
      const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table'`).pluck().all() as string[];
      if (tables.length > 0) {
        throw new StateFileError(
          path,
          `state file ${path} is a SQLite database but not a customer-sync state (tables: ${tables.join(', ')})`,
        );
      }
    }
    for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v] ?? '');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

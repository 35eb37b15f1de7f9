import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { minimiseStoredIntent } from './legacy-intents.js';
import { makeDirectory } from './make-directory.js';
import { WATERMARKS_TABLE } from './sqlite-watermarks.js';

/** The schema this build reads and writes (`PRAGMA user_version`). */
export const SCHEMA_VERSION = 5;

/** How long a write waits for another process holding the database lock before it fails. */
export const BUSY_TIMEOUT_MS = 15_000;

/** A step of the schema: SQL, or a function run in the migration's transaction (for what SQL cannot do). */
type Migration = string | ((db: Database.Database) => void);

/**
 * Migrations: entry `i` takes a database from `user_version` i to i + 1. Append only; never edit a shipped one.
 * `links` holds one row per (customer, provider); `last_failure` and `intent` are JSON (`FailureRecord`,
 * `CreateIntent`). The partial index keeps `attention()` cheap on a state of millions of clean rows: it holds
 * only the rows that carry an intent or a failure, and its WHERE clause must match the query's word for word.
 */
const MIGRATIONS: readonly Migration[] = [
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
  // v3: `customersLinkedTo` looks links up by the provider's id (partial: a link without one is never asked for,
  // and `provider_id = ?` implies the index's WHERE); and every stored intent keeps the least personal data a
  // replay needs (see minimiseLegacyIntent): the update body becomes its hash, the create body goes but where a key needs it.
  (db) => {
    db.exec(`CREATE INDEX links_provider_id ON links (provider, provider_id) WHERE provider_id IS NOT NULL;`);
    minimiseIntents(db);
  },
  // v4: a raw line is remembered by its key, the first 16 bytes of the same sha256 digest (RAW_KEY_BYTES, see
  // raw-line-index.ts), which a run loads once into memory instead of querying by hash per batch; so no index on it
  // (a line is forgotten by customer). WITHOUT ROWID: a row is a short id and 16 bytes, kept in the primary key's
  // own b-tree instead of a table and an index holding the id twice. Every confirmation is kept: a v3 hash is the
  // base64url digest, whose first 16 bytes are the key of the same line. A v3 value that is not a digest's 43
  // characters matched no line hashed since v2 and is dropped.
  (db) => {
    db.function('customer_sync_v4_raw_key', { deterministic: true }, rawKeyOfV3Hash);
    db.exec(`ALTER TABLE raw_lines RENAME TO raw_lines_v3;
      CREATE TABLE raw_lines (
        customer_id TEXT PRIMARY KEY,
        raw_key     BLOB NOT NULL CHECK (typeof(raw_key) = 'blob' AND length(raw_key) = 16)
      ) WITHOUT ROWID;
      INSERT INTO raw_lines (customer_id, raw_key)
        SELECT customer_id, raw_key FROM (SELECT customer_id, customer_sync_v4_raw_key(raw_hash) AS raw_key FROM raw_lines_v3)
        WHERE customer_id IS NOT NULL AND raw_key IS NOT NULL;
      DROP TABLE raw_lines_v3;`);
  },
  // v5: the watermarks of `sync --since-last-run` (see sqlite-watermarks.ts), one per (input without credentials,
  // sha256 of the query or table, column); the value is text, with the PostgreSQL type it is bound as.
  WATERMARKS_TABLE,
];

/** A v3 `raw_hash` (a sha256 digest in base64url, 43 characters) as a v4 key: its first 16 bytes. */
function rawKeyOfV3Hash(hash: unknown): Buffer | null {
  if (typeof hash !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(hash)) return null;
  return Buffer.from(hash, 'base64url').subarray(0, 16);
}

/** Rows rewritten per read by the v3 migration: a page is read whole before its rows are written. */
const MIGRATION_PAGE = 500;

function minimiseIntents(db: Database.Database): void {
  // Through the attention index (its WHERE word for word), which holds every row with an intent.
  const page = db.prepare<[string, string], { customer_id: string; provider: string; intent: string | null }>(
    `SELECT customer_id, provider, intent FROM links
     WHERE (intent IS NOT NULL OR last_failure IS NOT NULL) AND (provider, customer_id) > (?, ?)
     ORDER BY provider, customer_id LIMIT ${MIGRATION_PAGE}`,
  );
  const write = db.prepare<[string, string, string]>(`UPDATE links SET intent = ? WHERE customer_id = ? AND provider = ?`);
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = page.all(...after);
    for (const row of rows) {
      const minimised = row.intent === null ? undefined : minimiseStoredIntent(row.provider, row.intent);
      if (minimised !== undefined) write.run(minimised, row.customer_id, row.provider);
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < MIGRATION_PAGE) return;
    after = [last.provider, last.customer_id];
  }
}

/**
 * The state file cannot be used: not a database, another program's database, a newer schema, a file or directory
 * that cannot be written or created, or a statement that failed on it. The message names the file and never
 * holds customer data.
 */
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
 * migrated to `SCHEMA_VERSION`, and proven writable: opening ends with a write, so a file that cannot be written
 * (read-only, on a read-only file system, in a directory where the WAL cannot be made) fails here, before a run
 * sends anything, rather than at its first write. Every failure is a `StateFileError` naming the path.
 */
export function openStateDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:' && path !== '') makeDirectory(dirname(path));
  } catch (error) {
    throw new StateFileError(path, `cannot create the directory of state file ${path}: ${messageOf(error)}`, { cause: error });
  }
  try {
    db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    if (isDirectory(path)) throw new StateFileError(path, `state file ${path} is a directory, not a file`, { cause: error });
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
    const code = codeOf(error);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw new StateFileError(path, `state file ${path} is not a SQLite database (${messageOf(error)})`, {
        cause: error,
      });
    }
    if (cannotWrite(code)) throw new StateFileError(path, `state file ${path} cannot be written: ${messageOf(error)}`, { cause: error });
    throw new StateFileError(path, `cannot open state file ${path}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * Any error of a statement on the state at `path`, as a `StateFileError` naming the file. SQLite's messages carry
 * no values; a stored JSON text that does not parse is named without the parser's message, which quotes the text.
 */
export function stateFileError(path: string, error: unknown): StateFileError {
  if (error instanceof StateFileError) return error;
  if (error instanceof SyntaxError) {
    return new StateFileError(path, `state file ${path} holds a record that is not valid JSON: check it (integrity check)`);
  }
  const code = codeOf(error);
  if (cannotWrite(code)) return new StateFileError(path, `state file ${path} cannot be written: ${messageOf(error)}`, { cause: error });
  if (code === 'SQLITE_BUSY') {
    return new StateFileError(
      path,
      `state file ${path} stayed locked by another process for more than ${BUSY_TIMEOUT_MS / 1000} s: ${messageOf(error)}`,
      { cause: error },
    );
  }
  return new StateFileError(path, `state file ${path}: ${messageOf(error)}`, { cause: error });
}

/**
 * Bring the schema up to date inside one write transaction, so two processes opening a new file do not race. The
 * version is written even when it is already current: that write is what proves the file can be written.
 */
function migrate(db: Database.Database, path: string): void {
  const version = (): number => db.pragma('user_version', { simple: true }) as number;
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
    for (let v = from; v < SCHEMA_VERSION; v++) {
      const migration = MIGRATIONS[v] ?? '';
      if (typeof migration === 'string') db.exec(migration);
      else migration(db);
    }
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/** SQLite's and the file system's ways of saying the file cannot be written (or made). */
function cannotWrite(code: string | undefined): boolean {
  if (code === undefined) return false;
  return (
    code.startsWith('SQLITE_READONLY') ||
    code.startsWith('SQLITE_CANTOPEN') ||
    code.startsWith('SQLITE_IOERR') ||
    code === 'SQLITE_PERM' ||
    code === 'SQLITE_FULL'
  );
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

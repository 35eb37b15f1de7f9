import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { RAW_KEY_BYTES } from '../../src/state/raw-line-index.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';

/** A temporary directory for one test file, removed after it. */
export function tempRoot(prefix: string): { root: string; fresh(name?: string): string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  return {
    root,
    /** A new path in a directory that does not exist yet. */
    fresh: (name = 'state.db') => join(root, `case-${++counter}`, '.customer-sync', name),
  };
}

export interface FreshStore {
  path: string;
  store: SqliteStateStore;
  /** A second, plain connection to the same file, to look under the store. */
  raw<T>(use: (db: Database.Database) => T): T;
}

/** A store on a new file for each test, closed after it; read its fields inside tests only. */
export function freshStorePerTest(fresh: () => string): FreshStore {
  const context: FreshStore = {
    path: '',
    store: undefined as unknown as SqliteStateStore,
    raw(use) {
      const db = new Database(context.path);
      try {
        return use(db);
      } finally {
        db.close();
      }
    },
  };
  beforeEach(() => {
    context.path = fresh();
    context.store = SqliteStateStore.open(context.path);
  });
  afterEach(async () => {
    await context.store.close();
  });
  return context;
}

/**
 * Make the file at `path` one this process cannot write, and return how to undo it; `undefined` when this machine
 * offers no way. Not root: `chmod 444`. Root writes through file modes, so then the immutable attribute
 * (`chattr +i`), which root cannot write through either, where the file system and the capabilities allow it.
 */
export function makeUnwritable(path: string): (() => void) | undefined {
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o444);
    return () => chmodSync(path, 0o644);
  }
  const chattr = (flag: string): boolean => spawnSync('chattr', [flag, path], { stdio: 'ignore' }).status === 0;
  if (!chattr('+i')) return undefined;
  try {
    writeFileSync(path, '', { flag: 'a' });
  } catch {
    return () => void chattr('-i');
  }
  chattr('-i');
  return undefined;
}

/** A raw-line key made up for a test: the first `RAW_KEY_BYTES` bytes of the sha256 of `text`. */
export function rawKey(text: string): Buffer {
  return createHash('sha256').update(text).digest().subarray(0, RAW_KEY_BYTES);
}

/** The keys a store remembers, as hex, sorted: what a run's index is built from. */
export function rememberedKeys(store: SqliteStateStore): string[] {
  const all = Buffer.concat(store.loadRawLineKeys());
  const keys: string[] = [];
  for (let at = 0; at < all.length; at += RAW_KEY_BYTES) keys.push(all.subarray(at, at + RAW_KEY_BYTES).toString('hex'));
  return keys.sort();
}

// The schema as versions 1 to 3 shipped it, written out here on purpose: a migration test must start from the
// file an older customer-sync left, not from whatever today's code would make.
const V1 = `
  CREATE TABLE links (
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
    WHERE intent IS NOT NULL OR last_failure IS NOT NULL;`;
const V2 = `
  CREATE TABLE raw_lines (
    customer_id TEXT PRIMARY KEY,
    raw_hash    TEXT NOT NULL
  );
  CREATE INDEX raw_lines_hash ON raw_lines (raw_hash);`;
const V3 = `CREATE INDEX links_provider_id ON links (provider, provider_id) WHERE provider_id IS NOT NULL;`;
// Schema 4: raw_lines keyed by the first 16 bytes of the hash, as a BLOB (its v2 form dropped).
const V4_RAW_LINES = `
  CREATE TABLE raw_lines (
    customer_id TEXT PRIMARY KEY,
    raw_key     BLOB NOT NULL CHECK (typeof(raw_key) = 'blob' AND length(raw_key) = 16)
  ) WITHOUT ROWID;`;

/** A row of an old state file. */
export interface OldRow {
  customer: string;
  provider: string;
  providerId?: string;
  payloadHash?: string;
  failure?: object;
  intent?: object;
}

/**
 * A state file as customer-sync left it at schema `version` (1 to 4), built with raw SQL at `path` (its directory
 * made): `rows` in `links` as given (intents and failures as JSON, not migrated: from 3, give intents of schema 3's
 * shape), `rawLines` in `raw_lines` (from version 2): the customer and its `raw_hash` text (2, 3) or 16-byte
 * `raw_key` (4).
 */
export function writeOldStateFile(path: string, version: 1 | 2 | 3 | 4, rows: OldRow[], rawLines: Array<[string, string | Buffer]> = []): void {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(V1);
    if (version >= 3) db.exec(V3);
    if (version >= 2) {
      db.exec(version === 4 ? V4_RAW_LINES : V2);
      const remember = db.prepare(`INSERT INTO raw_lines (customer_id, ${version === 4 ? 'raw_key' : 'raw_hash'}) VALUES (?, ?)`);
      for (const [customerId, line] of rawLines) remember.run(customerId, line);
    }
    const insert = db.prepare(
      `INSERT INTO links (customer_id, provider, provider_id, payload_hash, last_failure, intent, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, '2026-01-01T00:00:02.000Z')`,
    );
    for (const row of rows) {
      insert.run(
        row.customer,
        row.provider,
        row.providerId ?? null,
        row.payloadHash ?? null,
        row.failure === undefined ? null : JSON.stringify(row.failure),
        row.intent === undefined ? null : JSON.stringify(row.intent),
      );
    }
    db.pragma(`user_version = ${version}`);
  } finally {
    db.close();
  }
}

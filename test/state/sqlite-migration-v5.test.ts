// Schema 4 → 5: a state gets the `watermarks` table of `sync --since-last-run`, and keeps every link and every
// raw-line confirmation as they were.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteStateStore } from '../../src/state/sqlite-store.js';
import { rawKey, rememberedKeys, tempRoot } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-migration-v5-');

// Schema 4 as it shipped, written out on purpose: the test starts from the file an older customer-sync left.
const V4 = `
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
  CREATE INDEX links_attention ON links (provider, customer_id) WHERE intent IS NOT NULL OR last_failure IS NOT NULL;
  CREATE INDEX links_provider_id ON links (provider, provider_id) WHERE provider_id IS NOT NULL;
  CREATE TABLE raw_lines (
    customer_id TEXT PRIMARY KEY,
    raw_key     BLOB NOT NULL CHECK (typeof(raw_key) = 'blob' AND length(raw_key) = 16)
  ) WITHOUT ROWID;`;

const CUSTOMERS = Array.from({ length: 300 }, (_, i) => `cus_${String(i).padStart(3, '0')}`);

function v4File(): string {
  const path = fresh();
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(V4);
    const link = db.prepare(`INSERT INTO links (customer_id, provider, provider_id, payload_hash, updated_at) VALUES (?, 'yativo', ?, ?, '2026-01-01T00:00:02.000Z')`);
    const line = db.prepare(`INSERT INTO raw_lines (customer_id, raw_key) VALUES (?, ?)`);
    for (const id of CUSTOMERS) {
      link.run(id, `Y-${id}`, `h-${id}`);
      line.run(id, rawKey(id));
    }
    db.pragma('user_version = 4');
  } finally {
    db.close();
  }
  return path;
}

describe('SqliteStateStore migration from schema 4 to 5', () => {
  it('adds the watermarks table and keeps every link and raw-line confirmation', async () => {
    const path = v4File();
    const store = SqliteStateStore.open(path);
    try {
      expect(rememberedKeys(store)).toEqual(CUSTOMERS.map((id) => rawKey(id).toString('hex')).sort());
      expect(await store.get('cus_123', 'yativo')).toEqual({ providerId: 'Y-cus_123', payloadHash: 'h-cus_123' });
      const key = { input: 'postgresql://db.internal:5432/crm', source: 'a'.repeat(64), column: 'updated_at' };
      expect(await store.getWatermark(key)).toBeUndefined();
      await store.setWatermark(key, { value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
      expect(await store.getWatermark(key)).toEqual({ value: '2026-12-01 10:00:00.123456+00', type: 'timestamp with time zone' });
      expect(await store.getWatermark({ ...key, column: 'other' })).toBeUndefined();
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      expect(SCHEMA_VERSION).toBe(5);
      expect(db.pragma('user_version', { simple: true })).toBe(5);
      expect(db.prepare(`SELECT count(*) AS n FROM links`).get()).toEqual({ n: CUSTOMERS.length });
      const columns = db.prepare(`SELECT name FROM pragma_table_info('watermarks') ORDER BY cid`).pluck().all();
      expect(columns).toEqual(['input', 'source', 'column_name', 'value', 'type', 'updated_at']);
    } finally {
      db.close();
    }
  });

  it('migrates in one transaction: a v4 file whose migration fails is left at 4, untouched', async () => {
    const path = v4File();
    // A table in the way makes the v5 step fail after it began.
    const db = new Database(path);
    db.exec(`CREATE TABLE watermarks (x TEXT)`);
    db.close();
    expect(() => SqliteStateStore.open(path)).toThrow(/table watermarks already exists/);
    const after = new Database(path, { readonly: true });
    try {
      expect(after.pragma('user_version', { simple: true })).toBe(4);
      expect(after.prepare(`SELECT count(*) AS n FROM raw_lines`).get()).toEqual({ n: CUSTOMERS.length });
    } finally {
      after.close();
    }
  });
});

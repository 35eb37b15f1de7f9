// Schema 4 → 5: a state gets the `watermarks` table of `sync --since-last-run`, and keeps every link and every
// raw-line confirmation as they were.
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteStateStore } from '../../src/state/sqlite-store.js';
import { rawKey, rememberedKeys, tempRoot, writeOldStateFile } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-migration-v5-');

const CUSTOMERS = Array.from({ length: 300 }, (_, i) => `cus_${String(i).padStart(3, '0')}`);

/** A schema-4 state (written as that release left it): a link and a remembered line for each customer. */
function v4File(): string {
  const path = fresh();
  const rows = CUSTOMERS.map((id) => ({ customer: id, provider: 'yativo', providerId: `Y-${id}`, payloadHash: `h-${id}` }));
  writeOldStateFile(path, 4, rows, CUSTOMERS.map((id) => [id, rawKey(id)]));
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

import type Database from 'better-sqlite3';
import type { StoredWatermark, WatermarkKey } from './store.js';

/** Schema 5's table (its migration runs it as written: append only). */
export const WATERMARKS_TABLE = `CREATE TABLE watermarks (
     input       TEXT NOT NULL,
     source      TEXT NOT NULL,
     column_name TEXT NOT NULL,
     value       TEXT NOT NULL,
     type        TEXT NOT NULL,
     updated_at  TEXT NOT NULL,
     PRIMARY KEY (input, source, column_name)
   ) WITHOUT ROWID;`;

type KeyParams = [input: string, source: string, column: string];

/**
 * The watermark statements of a SQLite state, prepared once on its connection. Apart from the store's own module,
 * so the store only delegates: a watermark is one row read at the start of a run and one written at its end.
 */
export function prepareWatermarks(db: Database.Database): {
  get(key: WatermarkKey): StoredWatermark | undefined;
  set(key: WatermarkKey, watermark: StoredWatermark): void;
} {
  const read = db.prepare<KeyParams, StoredWatermark>(`SELECT value, type FROM watermarks WHERE input = ? AND source = ? AND column_name = ?`);
  const write = db.prepare<[...KeyParams, string, string, string]>(
    `INSERT INTO watermarks (input, source, column_name, value, type, updated_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (input, source, column_name) DO UPDATE SET value = excluded.value, type = excluded.type, updated_at = excluded.updated_at`,
  );
  return {
    get: (key) => {
      const row = read.get(key.input, key.source, key.column);
      return row === undefined ? undefined : { value: row.value, type: row.type };
    },
    set: (key, watermark) => {
      write.run(key.input, key.source, key.column, watermark.value, watermark.type, new Date().toISOString());
    },
  };
}

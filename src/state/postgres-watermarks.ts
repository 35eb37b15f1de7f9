import type pg from 'pg';
import type { StoredWatermark, WatermarkKey } from './store.js';

/** Schema 3's table, in schema `s` (quoted); the migration runs it as written: append only. */
export const watermarksTable = (s: string): string => `
  CREATE TABLE ${s}.watermarks (
    input       text COLLATE "C" NOT NULL,
    source      text COLLATE "C" NOT NULL,
    column_name text COLLATE "C" NOT NULL,
    value       text NOT NULL,
    type        text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (input, source, column_name)
  )`;

type Query = <R extends pg.QueryResultRow>(text: string, values: unknown[]) => Promise<pg.QueryResult<R>>;

/**
 * The watermark statements of a PostgreSQL state in schema `s` (quoted), run through the store's `query` (which
 * wraps its errors): the store only delegates. One row read when a run starts, one upsert when it ends.
 */
export function postgresWatermarks(s: string, query: Query) {
  const get = `SELECT value, type FROM ${s}.watermarks WHERE input = $1 AND source = $2 AND column_name = $3`;
  const set = `INSERT INTO ${s}.watermarks AS w (input, source, column_name, value, type) VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (input, source, column_name) DO UPDATE SET value = excluded.value, type = excluded.type, updated_at = now()`;
  return {
    async get(key: WatermarkKey): Promise<StoredWatermark | undefined> {
      const { rows } = await query<StoredWatermark>(get, [key.input, key.source, key.column]);
      const row = rows[0];
      return row === undefined ? undefined : { value: row.value, type: row.type };
    },
    async set(key: WatermarkKey, watermark: StoredWatermark): Promise<void> {
      await query(set, [key.input, key.source, key.column, watermark.value, watermark.type]);
    },
  };
}

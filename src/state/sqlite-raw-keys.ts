import type Database from 'better-sqlite3';
import { RAW_KEY_BYTES } from './raw-line-index.js';

/**
 * Rows of `raw_lines` one page holds: 1 MiB of keys, what SQLite builds at once. Pages of 4 MiB loaded a million keys
 * only ~5 ms faster (70 against 75–80 ms).
 */
export const RAW_KEYS_PAGE = 65_536;

interface RawKeysPage {
  keys: Buffer | null;
  n: number;
}

/**
 * A page's keys as one blob, with its row count. In a UTF-8 database `group_concat` appends each blob's bytes as
 * they are (NULs and invalid UTF-8 included: tested) and the CAST hands them back as a blob; in a UTF-16 one it does
 * not, so they go through hex there (about twice the time).
 */
function pageSql(db: Database.Database, where: string): string {
  const concat = db.pragma('encoding', { simple: true }) === 'UTF-8' ? `CAST(group_concat(raw_key, '') AS BLOB)` : `unhex(group_concat(hex(raw_key), ''))`;
  return `SELECT ${concat} AS keys, count(*) AS n FROM raw_lines ${where}`;
}

/**
 * Every remembered line's key, read in one transaction as a few blobs built inside SQLite (a Buffer per row,
 * `.all()` or `.iterate()`, took 2.6–4.6 s for a million keys). A page is a range of customer ids: its upper bound is
 * found first, by stepping over the page's rows in the primary key (no row is copied out, ~5 ms a million), then its
 * keys are concatenated by a plain range scan. The query this replaces took the page's rows from a subquery
 * (`ORDER BY customer_id LIMIT n`, its last id by `max()`), whose co-routine cost more than the scan: a million keys
 * load in ~80 ms where it took ~140 (same machine, load 7).
 */
export function prepareRawKeyLoader(db: Database.Database): () => Uint8Array[] {
  const firstBound = db.prepare<[number], string>(`SELECT customer_id FROM raw_lines ORDER BY customer_id LIMIT 1 OFFSET ?`).pluck();
  const nextBound = db.prepare<[string, number], string>(`SELECT customer_id FROM raw_lines WHERE customer_id > ? ORDER BY customer_id LIMIT 1 OFFSET ?`).pluck();
  const all = db.prepare<[], RawKeysPage>(pageSql(db, ''));
  const upTo = db.prepare<[string], RawKeysPage>(pageSql(db, 'WHERE customer_id <= ?'));
  const between = db.prepare<[string, string], RawKeysPage>(pageSql(db, 'WHERE customer_id > ? AND customer_id <= ?'));
  const rest = db.prepare<[string], RawKeysPage>(pageSql(db, 'WHERE customer_id > ?'));
  return db.transaction(() => {
    const pieces: Uint8Array[] = [];
    let after: string | undefined;
    for (;;) {
      // The page's last id, or none when fewer rows than a page are left.
      const bound = after === undefined ? firstBound.get(RAW_KEYS_PAGE - 1) : nextBound.get(after, RAW_KEYS_PAGE - 1);
      let page: RawKeysPage | undefined;
      if (bound === undefined) page = after === undefined ? all.get() : rest.get(after);
      else page = after === undefined ? upTo.get(bound) : between.get(after, bound);
      if (page !== undefined && page.keys !== null) {
        // Every row's CHECK makes its key 16 bytes: any other length is bytes lost or added on the way.
        if (page.keys.length !== page.n * RAW_KEY_BYTES) throw new Error(`${page.n} raw-line keys read back as ${page.keys.length} bytes`);
        pieces.push(page.keys);
      }
      if (bound === undefined) return pieces;
      after = bound;
    }
  });
}

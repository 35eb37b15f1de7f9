// Schema 3 → 4: a remembered raw line becomes the first 16 bytes of the digest schema 3 stored as base64url text,
// and every line confirmed under schema 3 is still skipped after the upgrade.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runSync, type Delivery } from '../../src/job/run-sync.js';
import type { UnparsedLine } from '../../src/sources/index.js';
import { SCHEMA_VERSION, SqliteStateStore, StateFileError } from '../../src/state/sqlite-store.js';
import { rememberedKeys, tempRoot, writeOldStateFile, type OldRow } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-migration-v4-');

const FINGERPRINT = 'fingerprint-of-the-config';

/** How schemas 2 and 3 remembered a line: sha256 of the fingerprint, a newline and the line, in base64url. */
const v3Hash = (line: string): string => createHash('sha256').update(`${FINGERPRINT}\n${line}`).digest('base64url');
const keyHex = (hash: string): string => Buffer.from(hash, 'base64url').subarray(0, 16).toString('hex');

const LINE_A = JSON.stringify({ id: 'cus_a', email: 'a@example.com' });
const LINE_B = JSON.stringify({ id: 'cus_b', email: 'b@example.com' });
const LINE_C = JSON.stringify({ id: 'cus_c', email: 'c@example.com' });

const ROWS: OldRow[] = [
  { customer: 'cus_a', provider: 'yativo', providerId: 'Y-A', payloadHash: 'h-a' },
  { customer: 'cus_b', provider: 'yativo', providerId: 'Y-B', payloadHash: 'h-b' },
];

/** A v3 file remembering the lines of cus_a and cus_b, and a value no hasher made for cus_x. */
function v3File(): string {
  const path = fresh();
  writeOldStateFile(path, 3, ROWS, [
    ['cus_a', v3Hash(LINE_A)],
    ['cus_b', v3Hash(LINE_B)],
    ['cus_x', 'not-a-digest'],
  ]);
  return path;
}

function raw<T>(path: string, use: (db: Database.Database) => T): T {
  const db = new Database(path);
  try {
    return use(db);
  } finally {
    db.close();
  }
}

describe('SqliteStateStore migration from schema 3 to 4', () => {
  it('keeps every remembered line as the first 16 bytes of its digest, in a table without the hash index', async () => {
    const path = v3File();
    const store = SqliteStateStore.open(path);
    try {
      expect(rememberedKeys(store)).toEqual([keyHex(v3Hash(LINE_A)), keyHex(v3Hash(LINE_B))].sort());
      expect(await store.get('cus_a', 'yativo')).toEqual({ providerId: 'Y-A', payloadHash: 'h-a' });
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }
    raw(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(SCHEMA_VERSION).toBe(5);
      const rows = db.prepare(`SELECT customer_id, typeof(raw_key) AS type, length(raw_key) AS bytes FROM raw_lines ORDER BY customer_id`).all();
      // cus_x's value was no digest: it matched no line ever hashed, and is gone.
      expect(rows).toEqual([
        { customer_id: 'cus_a', type: 'blob', bytes: 16 },
        { customer_id: 'cus_b', type: 'blob', bytes: 16 },
      ]);
      const objects = db.prepare(`SELECT type, name FROM sqlite_schema WHERE tbl_name LIKE 'raw_lines%' ORDER BY name`).all();
      expect(objects).toEqual([{ type: 'table', name: 'raw_lines' }]);
    });
  });

  it('skips after the upgrade a line confirmed under schema 3, unparsed, and sends the others', async () => {
    const store = SqliteStateStore.open(v3File());
    try {
      const handed: string[] = [];
      const delivery: Delivery = {
        providers: ['yativo'],
        dryRun: false,
        rawLines: store,
        deliver: async (customer) => {
          handed.push(customer.id);
          return { customerId: customer.id, providers: { yativo: { status: 'unchanged', warnings: [], requests: 0, retries: 0 } } };
        },
      };
      const parsed: number[] = [];
      const items = [LINE_A, LINE_C, LINE_B].map(
        (text, i): UnparsedLine => ({
          line: i + 1,
          bytes: Buffer.from(text),
          parse: () => {
            parsed.push(i + 1);
            return { line: i + 1, value: JSON.parse(text) as unknown, raw: text };
          },
        }),
      );
      async function* batches() {
        yield items;
      }
      const report = await runSync({ delivery, batches: batches(), rawFingerprint: FINGERPRINT });
      expect(handed).toEqual(['cus_c']);
      expect(parsed).toEqual([2]);
      expect(report.records.read).toBe(3);
      expect(report.providers.yativo).toMatchObject({ unchanged: 3 });
    } finally {
      await store.close();
    }
  });

  it('leaves the file at schema 3, raw lines and all, when the migration fails, and names the file', () => {
    const path = v3File();
    // Something holds the name the migration moves the old table to: the whole migration is rolled back.
    raw(path, (db) => db.exec('CREATE TABLE raw_lines_v3 (x)'));
    const open = (): SqliteStateStore => SqliteStateStore.open(path);
    expect(open).toThrow(StateFileError);
    expect(open).toThrow(`state file ${path}`);
    raw(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(3);
      expect(db.prepare(`SELECT customer_id, raw_hash FROM raw_lines ORDER BY customer_id`).raw().all()).toEqual([
        ['cus_a', v3Hash(LINE_A)],
        ['cus_b', v3Hash(LINE_B)],
        ['cus_x', 'not-a-digest'],
      ]);
    });
  });

  it('the integrity check reports a stored key that is not 16 bytes', async () => {
    const store = SqliteStateStore.open(fresh());
    try {
      raw(store.path, (db) => {
        db.pragma('ignore_check_constraints = ON');
        db.prepare(`INSERT INTO raw_lines (customer_id, raw_key) VALUES ('cus_short', x'0102')`).run();
      });
      expect(store.integrityCheck()).toEqual([expect.stringContaining('CHECK constraint failed in raw_lines')]);
    } finally {
      await store.close();
    }
  });
});

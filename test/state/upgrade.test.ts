// Issue 11, point 8: a SQLite state written by release 6b197ff (fixtures/state/release-6b197ff, made by that
// release's own delivery and store) opens with the current code, keeps every link, intent, failure and raw line
// (schema 4 keeps a line by the first 16 bytes of the digest the release stored), and the current delivery resumes its
// interrupted creates the way DESIGN §5 says. PostgreSQL: upgrade-postgres.test.ts.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  expectFixtureKept,
  expectResumed,
  expectResumedState,
  RAW_LINES,
  resumeFixture,
  SQLITE_UPDATED_AT,
  STATE_DB,
} from '../../fixtures/state/release-6b197ff/expected.js';
import { RawLineIndex, rawKeyOf } from '../../src/state/raw-line-index.js';
import { SCHEMA_VERSION, SqliteStateStore } from '../../src/state/sqlite-store.js';

const root = mkdtempSync(join(tmpdir(), 'customer-sync-upgrade-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let copies = 0;

/** A copy of the committed fixture in a directory of its own: the fixture itself is never opened. */
function copyOfFixture(): string {
  const dir = join(root, `copy-${++copies}`);
  mkdirSync(dir);
  const path = join(dir, 'state.db');
  copyFileSync(STATE_DB, path);
  return path;
}

/** Everything in the file, read with a plain connection: version, schema, every row of both tables. */
function contents(path: string) {
  const db = new Database(path);
  try {
    return {
      userVersion: db.pragma('user_version', { simple: true }) as number,
      schema: db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name`).all(),
      links: db.prepare(`SELECT * FROM links ORDER BY provider, customer_id`).all() as Array<Record<string, unknown>>,
      rawLines: db.prepare(`SELECT customer_id, lower(hex(raw_key)) FROM raw_lines ORDER BY customer_id`).raw().all(),
    };
  } finally {
    db.close();
  }
}

/** The key schema 4 keeps for a hash the release stored: the first 16 bytes of the base64url digest. */
function keyOfReleaseHash(hash: string): Buffer {
  return Buffer.from(hash, 'base64url').subarray(0, 16);
}

async function withStore<T>(path: string, use: (store: SqliteStateStore) => Promise<T>): Promise<T> {
  const store = SqliteStateStore.open(path);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe('a SQLite state written by release 6b197ff', () => {
  it('is committed as one checkpointed file at schema 3 in WAL mode, with no -wal or -shm beside it', () => {
    expect(existsSync(`${STATE_DB}-wal`)).toBe(false);
    expect(existsSync(`${STATE_DB}-shm`)).toBe(false);
    // Read from the header, not opened: even a read-only connection leaves a -wal beside a WAL-mode file.
    const header = readFileSync(STATE_DB).subarray(0, 100);
    expect(header.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');
    expect([header[18], header[19]], 'WAL mode, as the release leaves it').toEqual([2, 2]);
    expect(header.readUInt32BE(60), 'user_version').toBe(3);
  });

  it('opens with the current SqliteStateStore and keeps every link, intent, failure and raw line exactly', async () => {
    const path = copyOfFixture();
    await withStore(path, async (store) => {
      await expectFixtureKept(store, SQLITE_UPDATED_AT);
    });
    // Under the store: the rows as the release wrote them, updated_at included (a migration does not touch it); a
    // raw line as the first 16 bytes of the digest the release stored in base64url.
    const after = contents(path);
    expect(after.userVersion).toBe(SCHEMA_VERSION);
    expect(after.rawLines).toEqual(RAW_LINES.map(([customerId, hash]) => [customerId, keyOfReleaseHash(hash).toString('hex')]));
    expect(after.links.map((row) => [`${String(row.provider)}/${String(row.customer_id)}`, row.updated_at])).toEqual(
      Object.entries(SQLITE_UPDATED_AT).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  });

  it('keeps its remembered lines skipped: a run’s index holds the key of each, and of no other line', async () => {
    // The line's key is the first 16 bytes of the same sha256 the release stored whole (test/job/raw-lines.test.ts
    // checks the hasher against the release's formula), so each line the release confirmed is skipped again.
    const path = copyOfFixture();
    const index = await withStore(path, async (store) => new RawLineIndex(store.loadRawLineKeys()));
    expect(index.size).toBe(RAW_LINES.length);
    for (const [, hash] of RAW_LINES) expect(index.has(rawKeyOf(keyOfReleaseHash(hash)))).toBe(true);
    const other = Buffer.from(RAW_LINES[0]![1], 'base64url');
    other[15]! ^= 1;
    expect(index.has(rawKeyOf(other))).toBe(false);
  });

  it('opens a second time as a no-op: same version, schema and rows', async () => {
    const path = copyOfFixture();
    await SqliteStateStore.open(path).close();
    const once = contents(path);
    await SqliteStateStore.open(path).close();
    expect(contents(path)).toEqual(once);
  });

  it('is resumed by the current delivery: the pending Yativo create under its own key, the unknown outcomes by a lookup first', async () => {
    const path = copyOfFixture();
    const resumed = await resumeFixture(path);
    expectResumed(resumed);
    await withStore(path, (store) => expectResumedState(store, resumed));
  });
});

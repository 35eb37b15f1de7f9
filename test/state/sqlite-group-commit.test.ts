// SqliteStateStore writes the confirmations and failures recorded in one turn of the event loop in one transaction
// (group commit), each promise resolving once that transaction committed.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StateFileError } from '../../src/state/sqlite-store.js';
import { failureFixture, intentFixture } from './contract.js';
import { freshStorePerTest, tempRoot } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-group-commit-');

/**
 * The transactions committed to the WAL so far: its frames that end a transaction (a non-zero database size after
 * commit), read from the file itself, up to the first frame of another generation (salts differ).
 */
function walCommits(path: string): number {
  const wal = readFileSync(`${path}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const salts = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salts[0] || wal.readUInt32BE(at + 12) !== salts[1]) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}

describe('SqliteStateStore group commit', () => {
  const t = freshStorePerTest(fresh);
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the confirmations of one turn in one transaction, every row exact', async () => {
    const before = walCommits(t.path);
    const ids = Array.from({ length: 200 }, (_, i) => `cus_${i}`);
    await Promise.all(ids.map((id, i) => t.store.recordSuccess(id, i % 2 === 0 ? 'yativo' : 'fatora', { providerId: `P-${i}`, payloadHash: `h-${i}` })));
    expect(walCommits(t.path) - before).toBe(1);
    const rows = t.raw((db) => db.prepare(`SELECT customer_id, provider, provider_id, payload_hash FROM links ORDER BY rowid`).raw().all());
    expect(rows).toEqual(ids.map((id, i) => [id, i % 2 === 0 ? 'yativo' : 'fatora', `P-${i}`, `h-${i}`]));
    // The next turn's writes are a transaction of their own.
    await t.store.recordSuccess('cus_0', 'yativo', { providerId: undefined, payloadHash: 'h-next' });
    expect(walCommits(t.path) - before).toBe(2);
    expect(await t.store.get('cus_0', 'yativo')).toEqual({ providerId: 'P-0', payloadHash: 'h-next' });
  });

  it('resolves each promise only once its transaction committed', async () => {
    const settled: string[] = [];
    const writes = [1, 2, 3].map((i) => t.store.recordSuccess(`cus_${i}`, 'yativo', { providerId: `Y-${i}`, payloadHash: 'h' }).then(() => settled.push(`cus_${i}`)));
    // Every microtask of this turn has run: nothing is committed, nothing resolved.
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toEqual([]);
    expect(t.raw((db) => db.prepare(`SELECT count(*) FROM links`).pluck().get())).toBe(0);
    await Promise.all(writes);
    expect(settled).toEqual(['cus_1', 'cus_2', 'cus_3']);
  });

  it('rejects every promise of a group whose transaction fails, keeps none of its writes, and writes the next group', async () => {
    t.raw((db) => db.exec(`CREATE TRIGGER refuse BEFORE INSERT ON links WHEN NEW.customer_id = 'cus_bad' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`));
    const results = await Promise.allSettled([
      t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' }),
      t.store.recordFailure('cus_2', 'fatora', failureFixture(), 'keep'),
      t.store.recordSuccess('cus_bad', 'yativo', { providerId: 'Y-bad', payloadHash: 'h' }),
      t.store.recordSuccess('cus_3', 'yativo', { providerId: 'Y-3', payloadHash: 'h' }),
    ]);
    expect(results.map((result) => result.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    for (const result of results) {
      const reason = (result as PromiseRejectedResult).reason as Error;
      expect(reason).toBeInstanceOf(StateFileError);
      expect(reason.message).toBe(`state file ${t.path}: refused by the test`);
    }
    expect(t.raw((db) => db.prepare(`SELECT count(*) FROM links`).pluck().get())).toBe(0);
    await t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
    expect(await t.store.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'h' });
  });

  it('keeps the order of the writes to one link, and a read sees the writes made before it', async () => {
    const failure = failureFixture({ kind: 'transient', status: 503 });
    const first = t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
    const second = t.store.recordFailure('cus_1', 'yativo', failure, 'keep');
    const third = t.store.recordFailure('cus_2', 'fatora', failure, 'keep');
    const fourth = t.store.recordSuccess('cus_2', 'fatora', { providerId: 'F-2', payloadHash: 'h2' });
    // Read in the same turn: the waiting writes go first.
    expect(await t.store.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'h1', lastFailure: failure });
    expect(await t.store.get('cus_2', 'fatora')).toEqual({ providerId: 'F-2', payloadHash: 'h2' });
    await Promise.all([first, second, third, fourth]);
  });

  it('writes waiting confirmations before an intent, which stays a durable transaction of its own', async () => {
    const before = walCommits(t.path);
    const success = t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
    const intent = intentFixture();
    await t.store.recordIntent('cus_1', 'yativo', intent);
    await success;
    expect(walCommits(t.path) - before).toBe(2);
    expect(await t.store.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'h1', intent });
  });

  it('writes waiting confirmations when closed, and refuses new ones after', async () => {
    const path = t.path;
    const success = t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
    await t.store.close();
    await success;
    await expect(t.store.recordSuccess('cus_2', 'yativo', { providerId: 'Y-2', payloadHash: 'h2' })).rejects.toThrow(`state store ${path} is closed`);
    expect(t.raw((db) => db.prepare(`SELECT customer_id FROM links`).pluck().all())).toEqual(['cus_1']);
  });

  it('commits with the timers faked, as a test of a caller may fake them', async () => {
    vi.useFakeTimers();
    await t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h1' });
    expect(await t.store.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'h1' });
  });
});

// `forget` of the memory and SQLite stores (PostgreSQL's: postgres-forget.test.ts, under npm run test:scale).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemoryStateStore } from '../../src/state/memory-store.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { describeForgetContract } from './forget-contract.js';
import { rawKey, rememberedKeys, tempRoot } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-forget-');

describeForgetContract('MemoryStateStore', () => new MemoryStateStore());
describeForgetContract('SqliteStateStore', () => SqliteStateStore.open(fresh()));

describe('SqliteStateStore forget', () => {
  it('forgets the remembered line too, and leaves the erased text neither in the file nor in its WAL', async () => {
    const path = fresh();
    const store = SqliteStateStore.open(path);
    const secret = 'zz-very-identifiable-customer-id-42';
    try {
      await store.recordSuccess(secret, 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
      await store.recordSuccess('cus_2', 'yativo', { providerId: 'Y-2', payloadHash: 'h' });
      store.recordRawLines([
        [secret, rawKey('line-1')],
        ['cus_2', rawKey('line-2')],
      ]);
      expect(await store.forget(secret)).toMatchObject({ rawLine: true });
      expect(rememberedKeys(store)).toEqual([rawKey('line-2').toString('hex')]);
      expect(store.integrityCheck()).toEqual([]);
      // secure_delete zeroes the freed cells, and the WAL is checkpointed and truncated.
      const onDisk = [path, `${path}-wal`].map((file) => {
        try {
          return readFileSync(file).toString('latin1');
        } catch {
          return '';
        }
      });
      for (const bytes of onDisk) expect(bytes.includes(secret)).toBe(false);
      expect(onDisk[0]!.includes('cus_2')).toBe(true);
    } finally {
      await store.close();
    }
  });
});

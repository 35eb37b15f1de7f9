import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RAW_KEYS_PAGE } from '../../src/state/sqlite-raw-keys.js';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';
import { RawLineIndex, rawKeyOf, RAW_KEY_BYTES } from '../../src/state/raw-line-index.js';

const key = (text: string): Buffer => createHash('sha256').update(text).digest().subarray(0, RAW_KEY_BYTES);

describe('loading the raw-line keys of a SQLite state', () => {
  it('reads whole pages and nothing more at their exact edges, and an index of them finds every key', async () => {
    const store = SqliteStateStore.open(':memory:');
    try {
      const ids = Array.from({ length: 2 * RAW_KEYS_PAGE }, (_, i) => `cus_${String(i).padStart(6, '0')}`);
      store.recordRawLines(ids.slice(0, RAW_KEYS_PAGE).map((id) => [id, key(id)] as const));
      expect(store.loadRawLineKeys().map((piece) => piece.length)).toEqual([RAW_KEYS_PAGE * RAW_KEY_BYTES]);
      store.recordRawLines(ids.slice(RAW_KEYS_PAGE).map((id) => [id, key(id)] as const));
      const pieces = store.loadRawLineKeys();
      expect(pieces.map((piece) => piece.length)).toEqual([RAW_KEYS_PAGE * RAW_KEY_BYTES, RAW_KEYS_PAGE * RAW_KEY_BYTES]);
      const index = new RawLineIndex(pieces);
      expect(index.size).toBe(ids.length);
      expect(ids.filter((id) => !index.has(rawKeyOf(key(id))))).toEqual([]);
      // One more row past the last page's bound: a third, short page.
      store.recordRawLines([['cus_999999', key('last')]]);
      expect(store.loadRawLineKeys().map((piece) => piece.length)).toEqual([RAW_KEYS_PAGE * RAW_KEY_BYTES, RAW_KEYS_PAGE * RAW_KEY_BYTES, RAW_KEY_BYTES]);
    } finally {
      await store.close();
    }
  });
});

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ProviderId } from '../../src/providers.js';
import { linkKey, SCHEMA_VERSION, SqliteStateStore } from '../../src/state/sqlite-store.js';
import { failureFixture, intentFixture } from './contract.js';
import { freshStorePerTest, rawKey, rememberedKeys, tempRoot } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-maintenance-');

describe('SqliteStateStore beyond the StateStore interface', () => {
  const t = freshStorePerTest(fresh);

  describe('getMany', () => {
    it('reads many links at once, under linkKey, leaving out those never recorded', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      await t.store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h1' });
      await t.store.recordFailure('cus_2', 'fatora', failureFixture(), 'keep');
      const found = t.store.getMany([
        { customerId: 'cus_1', provider: 'yativo' },
        { customerId: 'cus_1', provider: 'fatora' },
        { customerId: 'cus_2', provider: 'fatora' },
        { customerId: 'cus_2', provider: 'yativo' },
        { customerId: 'cus_1', provider: 'fatora' },
      ]);
      expect(found).toEqual(
        new Map([
          [linkKey('cus_1', 'yativo'), { intent: intentFixture() }],
          [linkKey('cus_1', 'fatora'), { providerId: 'F-1', payloadHash: 'h1' }],
          [linkKey('cus_2', 'fatora'), { lastFailure: failureFixture() }],
        ]),
      );
    });

    it('answers an empty list with an empty map', () => {
      expect(t.store.getMany([]).size).toBe(0);
    });

    it('takes a batch of 20 000 keys', async () => {
      const providers: ProviderId[] = ['yativo', 'fatora'];
      const keys = Array.from({ length: 10_000 }, (_, i) => providers.map((provider) => ({ customerId: `cus_${i}`, provider }))).flat();
      for (let i = 0; i < 10_000; i += 7) await t.store.recordSuccess(`cus_${i}`, 'fatora', { providerId: `F-${i}`, payloadHash: 'h' });
      const found = t.store.getMany(keys);
      expect(found.size).toBe(Math.ceil(10_000 / 7));
      expect(found.get(linkKey('cus_7', 'fatora'))).toEqual({ providerId: 'F-7', payloadHash: 'h' });
    });
  });

  describe('attention', () => {
    it('lists pending and unknown intents and failures, by provider then customer, and nothing clean', async () => {
      await t.store.recordSuccess('clean', 'fatora', { providerId: 'F-0', payloadHash: 'h' });
      await t.store.recordIntent('pending', 'yativo', intentFixture());
      await t.store.recordIntent('unknown', 'fatora', intentFixture({}, 'fatora'));
      await t.store.recordFailure('unknown', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await t.store.recordSuccess('failed', 'bluetape', { providerId: 'B-1', payloadHash: 'h' });
      await t.store.recordFailure('failed', 'bluetape', failureFixture({ kind: 'rejected', status: 422 }), 'keep');

      const records = t.store.attention();
      expect(records.map((r) => [r.provider, r.customerId])).toEqual([
        ['bluetape', 'failed'],
        ['fatora', 'unknown'],
        ['yativo', 'pending'],
      ]);
      expect(records[0]).toMatchObject({ providerId: 'B-1', lastFailure: failureFixture({ kind: 'rejected', status: 422 }) });
      expect(records[0]?.intent).toBeUndefined();
      expect(records[1]?.intent?.status).toBe('unknown_outcome');
      expect(records[2]).toMatchObject({ intent: intentFixture() });
      expect(records[2]?.lastFailure).toBeUndefined();
      for (const record of records) expect(Date.parse(record.updatedAt)).not.toBeNaN();
    });

    it('is empty once every link is settled', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      await t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
      expect(t.store.attention()).toEqual([]);
    });
  });

  describe('resolve', () => {
    beforeEach(async () => {
      await t.store.recordIntent('cus_1', 'fatora', intentFixture({}, 'fatora'));
      await t.store.recordFailure('cus_1', 'fatora', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
    });

    it('attaches a provider id: intent, failure and payload hash go, so the next run sends an update', async () => {
      await t.store.recordSuccess('cus_2', 'fatora', { providerId: 'F-old', payloadHash: 'h' });
      await t.store.recordIntent('cus_2', 'fatora', intentFixture({}, 'fatora'));
      expect(t.store.resolve('cus_1', 'fatora', { attachProviderId: 'F-123' })).toBe(true);
      expect(t.store.resolve('cus_2', 'fatora', { attachProviderId: 'F-new' })).toBe(true);
      expect(await t.store.get('cus_1', 'fatora')).toEqual({ providerId: 'F-123' });
      expect(await t.store.get('cus_2', 'fatora')).toEqual({ providerId: 'F-new' });
      expect(t.store.attention()).toEqual([]);
    });

    it('allows a new create: intent and failure go, what else is known stays', async () => {
      await t.store.recordSuccess('cus_2', 'fatora', { providerId: undefined, payloadHash: 'h' });
      await t.store.recordIntent('cus_2', 'fatora', intentFixture({}, 'fatora'));
      expect(t.store.resolve('cus_1', 'fatora', { allowCreate: true })).toBe(true);
      expect(t.store.resolve('cus_2', 'fatora', { allowCreate: true })).toBe(true);
      expect(await t.store.get('cus_1', 'fatora')).toEqual({});
      expect(await t.store.get('cus_2', 'fatora')).toEqual({ payloadHash: 'h' });
      expect(t.store.attention()).toEqual([]);
    });

    it('says when there was nothing to resolve; attaching still records the id', async () => {
      expect(t.store.resolve('nobody', 'fatora', { allowCreate: true })).toBe(false);
      expect(await t.store.get('nobody', 'fatora')).toBeUndefined();
      expect(t.store.resolve('nobody', 'yativo', { attachProviderId: 'Y-9' })).toBe(false);
      expect(await t.store.get('nobody', 'yativo')).toEqual({ providerId: 'Y-9' });
    });

    it('touches only the link it names', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      t.store.resolve('cus_1', 'fatora', { allowCreate: true });
      expect(await t.store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
    });
  });

  describe('integrityCheck', () => {
    it('finds nothing wrong with a state written through the store', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      await t.store.recordFailure('cus_1', 'yativo', failureFixture({ kind: 'unknown_outcome' }), 'unknown');
      await t.store.recordFailure('cus_2', 'fatora', failureFixture({ status: undefined }), 'clear');
      expect(t.store.integrityCheck()).toEqual([]);
      const memory = SqliteStateStore.open(':memory:');
      expect(memory.integrityCheck()).toEqual([]);
      await memory.close();
    });

    it('holds the links of a provider of the user\'s own as valid, with or without a create body', async () => {
      await t.store.recordIntent('cus_1', 'acme-billing', intentFixture({}, 'yativo'));
      await t.store.recordIntent('cus_2', 'acme-billing', intentFixture({}, 'fatora'));
      await t.store.recordSuccess('cus_3', 'acme-billing', { providerId: '42', payloadHash: 'h'.repeat(43) });
      expect(t.store.integrityCheck()).toEqual([]);
    });

    it('reports rows another program broke', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      await t.store.recordIntent('cus_2', 'yativo', intentFixture());
      await t.store.recordFailure('cus_3', 'fatora', failureFixture(), 'keep');
      t.raw((db) => {
        db.pragma('ignore_check_constraints = ON');
        db.prepare(`UPDATE links SET intent = '{"idempotencyKey": ' WHERE customer_id = 'cus_1'`).run();
        db.prepare(`UPDATE links SET intent = json_set(intent, '$.status', 'maybe') WHERE customer_id = 'cus_2'`).run();
        db.prepare(`UPDATE links SET last_failure = json_set(last_failure, '$.kind', 'oops') WHERE customer_id = 'cus_3'`).run();
        db.prepare(`INSERT INTO links (customer_id, provider, updated_at) VALUES ('cus_4', 'Acme Billing!', 'yesterday')`).run();
      });
      const problems = t.store.integrityCheck();
      expect(problems).toEqual(
        expect.arrayContaining([
          'CHECK constraint failed in links',
          '1 link(s) whose provider "Acme Billing!" is not a provider id',
          '1 link(s) with an updated_at that is not an ISO date',
          'link ("cus_1", yativo): intent is not valid JSON',
          expect.stringMatching(/^link \("cus_2", yativo\): intent\.status /),
          expect.stringMatching(/^link \("cus_3", fatora\): last_failure\.kind /),
        ]),
      );
      expect(problems).toHaveLength(6);
    });

    it('reports a schema version it does not expect', () => {
      t.raw((db) => db.pragma('user_version = 7'));
      expect(t.store.integrityCheck()).toEqual([`schema version is 7, expected ${SCHEMA_VERSION}`]);
    });
  });
});

describe('raw lines', () => {
  const hex = (...texts: string[]): string[] => texts.map((text) => rawKey(text).toString('hex')).sort();

  it('remembers each customer’s last confirmed line by its key, returns the keys it forgets, and forgets on resolve', async () => {
    const store = SqliteStateStore.open(':memory:');
    try {
      expect(store.loadRawLineKeys()).toEqual([]);
      expect(store.recordRawLines([
        ['c-1', rawKey('h1')],
        ['c-2', rawKey('h2')],
      ])).toEqual([]);
      expect(rememberedKeys(store)).toEqual(hex('h1', 'h2'));
      // c-1's line changed: the old key no longer counts, so a line reverting to it is looked at again; forgetting
      // c-2 hands its key back (for the run's index), forgetting c-3, which has none, nothing.
      const removed = store.recordRawLines([
        ['c-1', rawKey('h1b')],
        ['c-2', null],
        ['c-3', null],
      ]);
      expect(removed.map((key) => Buffer.from(key).toString('hex'))).toEqual(hex('h2'));
      expect(rememberedKeys(store)).toEqual(hex('h1b'));
      store.resolve('c-1', 'fatora', { allowCreate: true });
      expect(store.loadRawLineKeys()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.each(['UTF-8', 'UTF-16le'])('loads keys of any bytes exactly from a %s state file', async (encoding) => {
    const path = fresh();
    mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma(`encoding = '${encoding}'`);
    // A file's encoding is set by its first write: leave an initialised database with no table.
    db.exec('CREATE TABLE scratch (x); DROP TABLE scratch;');
    db.close();
    const store = SqliteStateStore.open(path);
    try {
      expect(store.loadRawLineKeys()).toEqual([]);
      const keys = [Buffer.alloc(16), Buffer.alloc(16, 0xff), Buffer.from('00ff00ff80c0e0f0f8fcfeffc3280000', 'hex'), ...Array.from({ length: 200 }, (_, i) => rawKey(`line ${i}`))];
      store.recordRawLines(keys.map((key, i) => [`cus_${i}`, key] as const));
      expect(rememberedKeys(store)).toEqual(keys.map((key) => key.toString('hex')).sort());
    } finally {
      await store.close();
    }
    const reopened = new Database(path);
    try {
      expect(reopened.pragma('encoding', { simple: true })).toBe(encoding);
    } finally {
      reopened.close();
    }
  });

  it('refuses a key that is not 16 bytes, and writes none of its transaction', async () => {
    const store = SqliteStateStore.open(':memory:');
    try {
      const record = (): unknown => store.recordRawLines([
        ['c-1', rawKey('h1')],
        ['c-2', Buffer.alloc(32)],
      ]);
      expect(record).toThrow('a raw-line key is 16 bytes, not 32');
      expect(store.loadRawLineKeys()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('loads every key, across the pages of its queries, whatever the customer id', async () => {
    const store = SqliteStateStore.open(':memory:');
    try {
      const texts = Array.from({ length: 70_000 }, (_, i) => `line ${i}`);
      // An empty customer id too: it sorts first, where no page's lower bound may leave it out.
      store.recordRawLines(texts.map((text, i) => [i === 0 ? '' : `cus_${i}`, rawKey(text)] as const));
      const pieces = store.loadRawLineKeys();
      expect(pieces.map((piece) => piece.length)).toEqual([65_536 * 16, (70_000 - 65_536) * 16]);
      expect(rememberedKeys(store)).toEqual(hex(...texts));
    } finally {
      await store.close();
    }
  });
});

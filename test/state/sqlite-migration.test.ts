import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { payloadHash } from '../../src/push/hash.js';
import { LINKED_TO_SQL, SCHEMA_VERSION, SqliteStateStore, StateFileError } from '../../src/state/sqlite-store.js';
import { rememberedKeys, tempRoot, writeOldStateFile, type OldRow } from './sqlite-helpers.js';

const { fresh } = tempRoot('customer-sync-migration-');

const EMAIL = 'zoe.obrien@example.com';
const updateBody = (i: number) => ({ customer_email: EMAIL, name: `Zoë O'Brien ${i}`, address: { city: 'Lisboa', lines: ['Rua Ça 1', '\u2028'] } });
const createBody = (i: number) => ({ ...updateBody(i), document: { type: 'passport', number: `P${i}` } });

/** An intent as customer-sync wrote it before schema 3: the whole update body, and the create body at every provider. */
function oldIntent(i: number, status: 'pending' | 'unknown_outcome' = 'pending') {
  return {
    idempotencyKey: `key-${i}`,
    request: { method: 'POST', path: '/customer', body: createBody(i), retrySafe: false },
    updateBody: updateBody(i),
    createdAt: '2026-01-01T00:00:00.000Z',
    status,
  };
}

const FAILURE = { kind: 'unknown_outcome', message: 'socket hang up', at: '2026-01-01T00:00:01.000Z' };

/** A line's hash as schemas 2 and 3 stored it: its sha256 digest in base64url. */
const RAW_B = createHash('sha256').update('fingerprint\n{"id":"cus_b"}').digest();

/** A state file left by customer-sync at schema `version` (1 or 2); at 2, `cus_b` has a remembered raw line. */
function oldStateFile(version: 1 | 2, rows: OldRow[]): string {
  const path = fresh();
  writeOldStateFile(path, version, rows, version === 2 ? [['cus_b', RAW_B.toString('base64url')]] : []);
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

const ROWS: OldRow[] = [
  { customer: 'cus_y', provider: 'yativo', intent: oldIntent(1) },
  { customer: 'cus_f', provider: 'fatora', intent: oldIntent(2, 'unknown_outcome'), failure: FAILURE },
  { customer: 'cus_i', provider: 'invisible-collector', providerId: 'IC-1', payloadHash: 'h-old', intent: oldIntent(3) },
  { customer: 'cus_b', provider: 'bluetape', providerId: 'B-1', payloadHash: 'h-b' },
  { customer: 'cus_x', provider: 'bluetape', failure: { ...FAILURE, kind: 'transient', status: 503 } },
];

describe('SqliteStateStore migration to schema 3', () => {
  it.each([1, 2] as const)('rewrites every intent of a v%i file: the update body becomes its hash, the create body goes but at Yativo', async (version) => {
    const path = oldStateFile(version, ROWS);
    const store = SqliteStateStore.open(path);
    try {
      expect(await store.get('cus_y', 'yativo')).toEqual({
        intent: {
          idempotencyKey: 'key-1',
          request: { method: 'POST', path: '/customer', body: createBody(1), retrySafe: false },
          updateHash: payloadHash(undefined, updateBody(1)),
          createdAt: '2026-01-01T00:00:00.000Z',
          status: 'pending',
        },
      });
      expect(await store.get('cus_f', 'fatora')).toEqual({
        lastFailure: FAILURE,
        intent: {
          idempotencyKey: 'key-2',
          request: { method: 'POST', path: '/customer', retrySafe: false },
          updateHash: payloadHash(undefined, updateBody(2)),
          createdAt: '2026-01-01T00:00:00.000Z',
          status: 'unknown_outcome',
        },
      });
      expect((await store.get('cus_i', 'invisible-collector'))?.intent).toMatchObject({
        request: { method: 'POST', path: '/customer', retrySafe: false },
        updateHash: payloadHash(undefined, updateBody(3)),
      });
      expect(await store.get('cus_i', 'invisible-collector')).toMatchObject({ providerId: 'IC-1', payloadHash: 'h-old' });
      expect(await store.get('cus_b', 'bluetape')).toEqual({ providerId: 'B-1', payloadHash: 'h-b' });
      expect(await store.get('cus_x', 'bluetape')).toEqual({ lastFailure: { ...FAILURE, kind: 'transient', status: 503 } });
      expect(await store.customersLinkedTo('bluetape', 'B-1')).toEqual(['cus_b']);
      // Schema 4 keeps the line by the first 16 bytes of its digest.
      expect(rememberedKeys(store)).toEqual(version === 2 ? [RAW_B.subarray(0, 16).toString('hex')] : []);
      expect(store.integrityCheck()).toEqual([]);
    } finally {
      await store.close();
    }
    raw(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      // The personal data left the file: no update body anywhere, the create body only in Yativo's intent.
      const texts = db.prepare<[], { provider: string; intent: string }>(`SELECT provider, intent FROM links WHERE intent IS NOT NULL`).all();
      expect(texts).toHaveLength(3);
      for (const { provider, intent } of texts) {
        expect(intent).not.toContain('updateBody');
        if (provider === 'yativo') expect(intent).toContain(EMAIL);
        else expect(intent).not.toContain(EMAIL);
      }
      // unchanged: an updated_at says when the link last changed, not when the file was migrated
      expect(db.prepare(`SELECT DISTINCT updated_at FROM links`).pluck().all()).toEqual(['2026-01-01T00:00:02.000Z']);
    });
  });

  it('rewrites intents beyond one page of the migration', async () => {
    const rows: OldRow[] = Array.from({ length: 1_234 }, (_, i) => ({
      customer: `cus_${String(i).padStart(4, '0')}`,
      provider: i % 2 === 0 ? 'fatora' : 'yativo',
      intent: oldIntent(i),
    }));
    const path = oldStateFile(2, rows);
    const store = SqliteStateStore.open(path);
    try {
      expect(store.integrityCheck()).toEqual([]);
      const last = await store.get('cus_1232', 'fatora');
      expect(last?.intent?.updateHash).toBe(payloadHash(undefined, updateBody(1232)));
      expect(last?.intent?.request.body).toBeUndefined();
    } finally {
      await store.close();
    }
    expect(raw(path, (db) => db.prepare(`SELECT count(*) FROM links WHERE intent LIKE '%updateBody%'`).pluck().get())).toBe(0);
  });

  it('leaves the file at schema 2, old intents and all, when the migration fails, and names the file', () => {
    const path = oldStateFile(2, ROWS);
    // Something made an index of that name: creating it fails, and the whole migration is rolled back.
    raw(path, (db) => db.exec('CREATE INDEX links_provider_id ON links (provider_id)'));
    const open = (): SqliteStateStore => SqliteStateStore.open(path);
    expect(open).toThrow(StateFileError);
    expect(open).toThrow(`state file ${path}`);
    raw(path, (db) => {
      expect(db.pragma('user_version', { simple: true })).toBe(2);
      const intent = db.prepare(`SELECT intent FROM links WHERE customer_id = 'cus_f'`).pluck().get() as string;
      expect(JSON.parse(intent)).toEqual(oldIntent(2, 'unknown_outcome'));
    });
  });

  it('the integrity check refuses an intent of the old shape, and a create body kept where no key needs it', async () => {
    const path = fresh();
    const store = SqliteStateStore.open(path);
    try {
      raw(path, (db) => {
        const insert = db.prepare(`INSERT INTO links (customer_id, provider, intent, updated_at) VALUES (?, ?, ?, '2026-01-01T00:00:00.000Z')`);
        insert.run('cus_old', 'yativo', JSON.stringify(oldIntent(1)));
        const { updateBody: _body, ...rest } = oldIntent(2);
        insert.run('cus_body', 'fatora', JSON.stringify({ ...rest, updateHash: payloadHash(undefined, updateBody(2)) }));
      });
      const problems = store.integrityCheck();
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^link \("cus_old", yativo\): intent\.updateHash /),
          expect.stringMatching(/^link \("cus_old", yativo\): intent\.\(root\) .*updateBody/),
          'link ("cus_body", fatora): intent.request.body is kept, but only the create intents of providers taking an idempotency key keep their body',
        ]),
      );
      expect(problems).toHaveLength(3);
    } finally {
      await store.close();
    }
  });

  it('the integrity check reports the index when it is missing', async () => {
    const store = SqliteStateStore.open(fresh());
    try {
      raw(store.path, (db) => db.exec('DROP INDEX links_provider_id'));
      expect(store.integrityCheck()).toEqual(['index links_provider_id is missing']);
    } finally {
      await store.close();
    }
  });

  it('looks links up by provider id through the index made for it', async () => {
    const store = SqliteStateStore.open(fresh());
    await store.close();
    const db = new Database(store.path);
    try {
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${LINKED_TO_SQL}`).all('fatora', 'F-1') as Array<{ detail: string }>;
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX links_provider_id \(provider=\? AND provider_id=\?\)/);
    } finally {
      db.close();
    }
  });
});

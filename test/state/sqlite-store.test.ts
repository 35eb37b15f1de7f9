import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, SqliteStateStore, StateFileError } from '../../src/state/sqlite-store.js';
import { describeStateStoreContract, failureFixture, intentFixture } from './contract.js';
import { freshStorePerTest, makeUnwritable, tempRoot } from './sqlite-helpers.js';

const { root, fresh } = tempRoot('customer-sync-state-');
let counter = 0;

describeStateStoreContract('SqliteStateStore in memory', () => SqliteStateStore.open(':memory:'));
describeStateStoreContract('SqliteStateStore on a file', () => SqliteStateStore.open(fresh()));

describe('SqliteStateStore', () => {
  const t = freshStorePerTest(fresh);

  describe('file', () => {
    it('creates the missing directories and keeps everything across close and reopen', async () => {
      await t.store.recordIntent('cus_1', 'yativo', intentFixture());
      await t.store.recordSuccess('cus_2', 'fatora', { providerId: 'F-2', payloadHash: 'h2' });
      await t.store.recordFailure('cus_3', 'bluetape', failureFixture(), 'keep');
      await t.store.close();

      t.store = SqliteStateStore.open(t.path);
      expect(await t.store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
      expect(await t.store.get('cus_2', 'fatora')).toEqual({ providerId: 'F-2', payloadHash: 'h2' });
      expect(await t.store.get('cus_3', 'bluetape')).toEqual({ lastFailure: failureFixture() });
    });

    it('is in WAL mode, at the current schema version', async () => {
      await t.store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h' });
      expect(statSync(`${t.path}-wal`).size).toBeGreaterThan(0);
      t.raw((db) => {
        expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      });
    });

    it('shares one file between two stores: each sees what the other wrote', async () => {
      const other = SqliteStateStore.open(t.path);
      try {
        await other.recordIntent('cus_1', 'yativo', intentFixture());
        expect(await t.store.get('cus_1', 'yativo')).toEqual({ intent: intentFixture() });
        await t.store.recordSuccess('cus_1', 'yativo', { providerId: 'Y-1', payloadHash: 'h' });
        expect(await other.get('cus_1', 'yativo')).toEqual({ providerId: 'Y-1', payloadHash: 'h' });
      } finally {
        await other.close();
      }
    });

    it('refuses a file that is not a SQLite database, naming it', () => {
      const bad = join(root, `not-a-db-${++counter}.db`);
      writeFileSync(bad, 'customer_id,provider\ncus_1,fatora\n'.repeat(100));
      const open = (): SqliteStateStore => SqliteStateStore.open(bad);
      expect(open).toThrow(StateFileError);
      expect(open).toThrow(`state file ${bad} is not a SQLite database`);
    });

    it('refuses another program’s SQLite database, naming it', () => {
      const foreign = join(root, `foreign-${++counter}.db`);
      const db = new Database(foreign);
      db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY)');
      db.close();
      expect(() => SqliteStateStore.open(foreign)).toThrow(`${foreign} is a SQLite database but not a customer-sync state`);
    });

    it('refuses a state written by a newer customer-sync, naming the file and both versions', async () => {
      await t.store.close();
      t.raw((db) => db.pragma(`user_version = ${SCHEMA_VERSION + 1}`));
      expect(() => SqliteStateStore.open(t.path)).toThrow(
        `state file ${t.path} has schema version ${SCHEMA_VERSION + 1}, newer than this customer-sync reads (${SCHEMA_VERSION})`,
      );
    });

    it('refuses a path it cannot create, naming it', () => {
      const blocker = join(root, `blocker-${++counter}`);
      writeFileSync(blocker, '');
      const inside = join(blocker, 'state.db');
      expect(() => SqliteStateStore.open(inside)).toThrow(StateFileError);
      expect(() => SqliteStateStore.open(inside)).toThrow(inside);
    });

    it('refuses a directory given as the state file, naming it', () => {
      const directory = join(root, `a-directory-${++counter}`);
      mkdirSync(directory);
      expect(() => SqliteStateStore.open(directory)).toThrow(new StateFileError(directory, `state file ${directory} is a directory, not a file`));
    });

    it('refuses, at open, a state file it cannot write, naming it, and leaves it as it was', async (context) => {
      await t.store.recordSuccess('cus_1', 'fatora', { providerId: 'F-1', payloadHash: 'h' });
      await t.store.close();
      const before = statSync(t.path);
      const undo = makeUnwritable(t.path);
      if (undo === undefined) return context.skip('no way to make a file unwritable for this user here (root without chattr +i)');
      try {
        expect(() => SqliteStateStore.open(t.path)).toThrow(StateFileError);
        expect(() => SqliteStateStore.open(t.path)).toThrow(`state file ${t.path} cannot be written: attempt to write a readonly database`);
        expect(statSync(t.path)).toMatchObject({ size: before.size, mtimeMs: before.mtimeMs });
      } finally {
        undo();
      }
      t.store = SqliteStateStore.open(t.path);
      expect(await t.store.get('cus_1', 'fatora')).toEqual({ providerId: 'F-1', payloadHash: 'h' });
    });

    it('names the file in every error of a statement, never the data the statement read', async () => {
      const email = 'zoe.secret@example.com';
      await t.store.recordIntent('cus_1', 'yativo', intentFixture({ request: { ...intentFixture().request, body: { email } } }));
      t.raw((db) => {
        db.pragma('ignore_check_constraints = ON');
        db.prepare(`UPDATE links SET intent = substr(intent, 1, instr(intent, '${email}') + 9) WHERE customer_id = 'cus_1'`).run();
      });
      const broken = await t.store.get('cus_1', 'yativo').then(
        () => expect.unreachable('a row that does not parse must fail'),
        (error: unknown) => error as StateFileError,
      );
      expect(broken).toBeInstanceOf(StateFileError);
      expect(broken.message).toContain(`state file ${t.path}`);
      expect(`${broken.message} ${broken.stack ?? ''} ${String(broken.cause)}`).not.toContain('zoe.secret');

      t.raw((db) => db.exec('DROP TABLE links'));
      await expect(t.store.recordSuccess('cus_2', 'fatora', { providerId: 'F-2', payloadHash: 'h' })).rejects.toThrow(
        new StateFileError(t.path, `state file ${t.path}: no such table: links`),
      );
      expect(() => t.store.attention()).toThrow(`state file ${t.path}: no such table: links`);
      await expect(t.store.customersLinkedTo('fatora', 'F-2')).rejects.toThrow(StateFileError);
    });

    it('says it is closed when used after close', async () => {
      await t.store.close();
      await expect(t.store.get('cus_1', 'fatora')).rejects.toThrow(`state store ${t.path} is closed`);
      expect(() => t.store.attention()).toThrow('closed');
    });
  });
});

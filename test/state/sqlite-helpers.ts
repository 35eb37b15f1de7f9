import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { SqliteStateStore } from '../../src/state/sqlite-store.js';

/** A temporary directory for one test file, removed after it. */
export function tempRoot(prefix: string): { root: string; fresh(name?: string): string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let counter = 0;
  return {
    root,
    /** A new path in a directory that does not exist yet. */
    fresh: (name = 'state.db') => join(root, `case-${++counter}`, '.customer-sync', name),
  };
}

export interface FreshStore {
  path: string;
  store: SqliteStateStore;
  /** A second, plain connection to the same file, to look under the store. */
  raw<T>(use: (db: Database.Database) => T): T;
}

/** A store on a new file for each test, closed after it; read its fields inside tests only. */
export function freshStorePerTest(fresh: () => string): FreshStore {
  const context: FreshStore = {
    path: '',
    store: undefined as unknown as SqliteStateStore,
    raw(use) {
      const db = new Database(context.path);
      try {
        return use(db);
      } finally {
        db.close();
      }
    },
  };
  beforeEach(() => {
    context.path = fresh();
    context.store = SqliteStateStore.open(context.path);
  });
  afterEach(async () => {
    await context.store.close();
  });
  return context;
}

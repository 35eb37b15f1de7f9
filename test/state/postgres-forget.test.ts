// PostgresStateStore's forget (customer-sync state forget): the store contract, and the link locks it takes. Needs
// PostgreSQL (npm run test:scale); each run works in a schema of its own, dropped at the end.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../src/state/postgres-store.js';
import { describeTarget } from '../../src/state/postgres-connection.js';
import { describeForgetContract } from './forget-contract.js';

const URL = process.env.CUSTOMER_SYNC_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `cs_test_forget_${randomBytes(6).toString('hex')}`;

let admin: pg.Pool;
const opened: PostgresStateStore[] = [];

beforeAll(async () => {
  admin = new pg.Pool({ connectionString: URL, max: 2, connectionTimeoutMillis: 5_000 });
  admin.on('error', () => {});
  try {
    await admin.query('SELECT 1');
  } catch (error) {
    await admin.end();
    throw new Error(
      `These tests need PostgreSQL at ${describeTarget(URL).where} (CUSTOMER_SYNC_TEST_PG=postgres://… for another) and cannot reach it: ` +
        `${(error as Error).message}. Start the local server with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`,
      { cause: error },
    );
  }
});

afterAll(async () => {
  if (admin === undefined || admin.ended) return;
  await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(SCHEMA)} CASCADE`);
  await admin.end();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((store) => store.close()));
});

/** A store on this file's schema, emptied. */
async function open(): Promise<PostgresStateStore> {
  const store = await PostgresStateStore.open(URL, { schema: SCHEMA, poolSize: 2, lockPoolSize: 4 });
  opened.push(store);
  await admin.query(`TRUNCATE ${pg.escapeIdentifier(SCHEMA)}.links`);
  return store;
}

describeForgetContract('PostgresStateStore', open);

describe('PostgresStateStore forget', () => {
  it('waits for a worker delivering the customer, and erases what it recorded', async () => {
    const store = await open();
    const worker = await PostgresStateStore.open(URL, { schema: SCHEMA, poolSize: 2, lockPoolSize: 2 });
    opened.push(worker);
    await store.recordSuccess('cus_1', 'fatora', { providerId: '7', payloadHash: 'h0' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let delivered = false;
    const delivery = worker.withLock('cus_1', 'fatora', async () => {
      await held;
      await worker.recordSuccess('cus_1', 'fatora', { providerId: '8', payloadHash: 'h1' });
      delivered = true;
    });
    // Let the worker take the lock first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const forgetting = store.forget('cus_1');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(delivered).toBe(false);
    release();
    await delivery;
    const forgotten = await forgetting;
    expect(forgotten.links).toEqual([{ provider: 'fatora', providerId: '8', payloadHash: 'h1' }]);
    expect(await store.get('cus_1', 'fatora')).toBeUndefined();
    expect(await store.integrityCheck()).toEqual([]);
  });
});
